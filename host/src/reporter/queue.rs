//! The per-endpoint coalescing queue. A ChangeReport is state, not history: the queue
//! keeps only the newest Home Assistant state of each entity. The first change after a
//! quiet period goes at once (latency); later changes within `window` of the last send
//! wait for the window's end and fold into one (a dimmer dragged ten times in a second
//! is a handful of reports, the last one with the final value). It also keeps what was
//! last reported per entity (the `old` the component compares
//! with). A failed send stays queued unless a newer state replaced it, so nothing older
//! than its replacement is ever sent after it. Bounded: beyond `capacity` entities the
//! newest change is refused and counted (never silently).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

#[derive(Debug, Clone)]
struct Pending {
    due: Instant,
    state: Value,
}

/// Counts for health.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct QueueCounts {
    /// Changes folded into a newer state of the same entity before sending.
    pub coalesced: u64,
    /// Changes refused because the queue was full.
    pub dropped_full: u64,
}

pub struct Coalescer {
    window: Duration,
    capacity: usize,
    pending: HashMap<String, Pending>,
    reported: HashMap<String, Value>,
    last_sent: HashMap<String, Instant>,
    pub counts: QueueCounts,
}

impl Coalescer {
    pub fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity,
            pending: HashMap::new(),
            reported: HashMap::new(),
            last_sent: HashMap::new(),
            counts: QueueCounts::default(),
        }
    }

    pub fn depth(&self) -> usize {
        self.pending.len()
    }

    /// A new state of `entity_id`: due now after a quiet period, else at the end of the
    /// window after the last send (a queued one keeps its due time).
    pub fn push(&mut self, entity_id: &str, state: Value, now: Instant) {
        if let Some(p) = self.pending.get_mut(entity_id) {
            p.state = state;
            self.counts.coalesced += 1;
            return;
        }
        if self.pending.len() >= self.capacity {
            self.counts.dropped_full += 1;
            return;
        }
        let due = self
            .last_sent
            .get(entity_id)
            .map_or(now, |sent| now.max(*sent + self.window));
        self.pending
            .insert(entity_id.to_string(), Pending { due, state });
    }

    /// The first state known for an entity at (re)connect: the baseline when nothing was
    /// reported yet, else a catch-up when it differs from what was reported.
    pub fn observe(&mut self, entity_id: &str, state: Value, now: Instant) {
        match self.reported.get(entity_id) {
            None => {
                self.reported.insert(entity_id.to_string(), state);
            }
            Some(old) if same_state(old, &state) => {}
            Some(_) => self.push(entity_id, state, now),
        }
    }

    /// When the next entry is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.due).min()
    }

    /// Removes and returns every due entry: (entity id, last reported, newest state).
    pub fn take_due(&mut self, now: Instant) -> Vec<(String, Option<Value>, Value)> {
        let mut due: Vec<(Instant, String)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(id, p)| (p.due, id.clone()))
            .collect();
        due.sort();
        due.into_iter()
            .filter_map(|(_, id)| {
                let p = self.pending.remove(&id)?;
                let old = self.reported.get(&id).cloned();
                Some((id, old, p.state))
            })
            .collect()
    }

    /// `state` was reported at `now` (or meant nothing to Alexa): the new baseline.
    pub fn reported(&mut self, entity_id: &str, state: Value, now: Instant) {
        self.reported.insert(entity_id.to_string(), state);
        self.last_sent.insert(entity_id.to_string(), now);
    }

    /// Sending `state` failed: retry at `retry_at`, unless a newer state arrived meanwhile
    /// (then that one goes, compared with the same last reported state).
    pub fn retry(&mut self, entity_id: &str, state: Value, retry_at: Instant) {
        match self.pending.get_mut(entity_id) {
            Some(newer) => newer.due = newer.due.max(retry_at),
            None => {
                self.pending.insert(
                    entity_id.to_string(),
                    Pending {
                        due: retry_at,
                        state,
                    },
                );
            }
        }
    }

    /// What was last reported per entity (persisted, so a restart sends only what
    /// changed while the reporter was away).
    pub fn reported_states(&self) -> &HashMap<String, Value> {
        &self.reported
    }

    /// Restores [`Self::reported_states`] from a previous run.
    pub fn restore(&mut self, reported: HashMap<String, Value>) {
        self.reported = reported;
    }

    /// Forgets an entity (removed from Home Assistant).
    pub fn forget(&mut self, entity_id: &str) {
        self.pending.remove(entity_id);
        self.reported.remove(entity_id);
        self.last_sent.remove(entity_id);
    }
}

/// Same state and attributes (timestamps and context do not matter to Alexa).
pub fn same_state(a: &Value, b: &Value) -> bool {
    a.get("state") == b.get("state") && a.get("attributes") == b.get("attributes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn st(s: &str, b: u32) -> Value {
        json!({"entity_id": "light.x", "state": s, "attributes": {"brightness": b}})
    }

    #[test]
    fn first_change_goes_at_once_and_a_burst_folds() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let mut q = Coalescer::new(Duration::from_millis(200), 10);
        q.observe("light.x", st("on", 1), t0);
        q.push("light.x", st("on", 2), ms(10));
        let first = q.take_due(ms(10));
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].1, Some(st("on", 1)));
        q.reported("light.x", st("on", 2), ms(10));
        for b in 3..=11 {
            q.push("light.x", st("on", b), ms(u64::from(b) * 10));
        }
        assert!(
            q.take_due(ms(150)).is_empty(),
            "inside the window after the send"
        );
        let due = q.take_due(ms(210));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].1, Some(st("on", 2)));
        assert_eq!(due[0].2, st("on", 11));
        assert_eq!(q.counts.coalesced, 8);
    }

    #[test]
    fn a_failed_send_never_overtakes_a_newer_state() {
        let t0 = Instant::now();
        let mut q = Coalescer::new(Duration::ZERO, 10);
        q.push("light.x", st("on", 5), t0);
        let (_, _, sent) = q.take_due(t0).remove(0);
        q.push("light.x", st("off", 0), t0);
        q.retry("light.x", sent, t0 + Duration::from_secs(1));
        let due = q.take_due(t0 + Duration::from_secs(1));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].2, st("off", 0));
    }

    #[test]
    fn catch_up_only_for_what_changed_and_full_is_counted() {
        let t0 = Instant::now();
        let mut q = Coalescer::new(Duration::ZERO, 1);
        q.observe("light.x", st("on", 1), t0);
        q.observe("light.x", st("on", 1), t0);
        assert_eq!(q.depth(), 0);
        q.observe("light.x", st("off", 0), t0);
        assert_eq!(q.depth(), 1);
        q.push("light.y", st("on", 1), t0);
        assert_eq!(q.counts.dropped_full, 1);
    }
}
