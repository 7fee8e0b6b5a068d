//! Canary rollout: a component entry may carry a second artifact (`[component.canary]`)
//! that serves `weight` percent of the users, chosen by a stable hash of the Alexa user
//! id, so one user always sees the same version while the weights stay the same. Each
//! version has its own counters (health) and metrics (EMF), and the host stops routing
//! to a canary whose failure rate over its last `rollback_window` invocations exceeds
//! the stable version's over its own last ones by more than `rollback_margin_percent`
//! percentage points, or whose artifact does not load; it logs why. `weight = 0` or
//! removing the block is the manual rollback (through the manifest reload).
//!
//! ```toml
//! [component.canary]
//! file = "scripts-2.cwasm"
//! version = "0.2.0"
//! sha256 = "…"
//! weight = 10                   # percent of users, 0-100
//! rollback_window = 20          # 0: no automatic rollback
//! rollback_margin_percent = 10
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::manifest::ComponentEntry;
pub use super::manifest_types::{Canary, canary_problems as problems};
use crate::capabilities::metrics::MetricBatch;

/// Which of a component's versions serves a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Stable,
    Canary,
}

impl Variant {
    pub fn label(self) -> &'static str {
        match self {
            Variant::Stable => "stable",
            Variant::Canary => "canary",
        }
    }
}

/// The canary as an entry of its own (same id, routes, grants, limits and config; its
/// file, version and sha256), which the loader verifies and loads like any other.
pub fn variant_entry(entry: &ComponentEntry) -> Option<ComponentEntry> {
    let canary = entry.canary.as_ref()?;
    let mut variant = entry.clone();
    variant.file = canary.file.clone();
    variant.version = canary.version.clone();
    variant.sha256 = canary.sha256.clone();
    // The stable file's BLAKE3 is not the canary's: the canary verifies by its sha256.
    variant.blake3 = None;
    variant.canary = None;
    Some(variant)
}

/// The user's bucket for a component, 0..100: sha256 of the component id and the user
/// key, so it is the same in every container and every lee version, and a user's
/// buckets for two components are independent. Buckets below `weight` get the canary,
/// so raising the weight only adds users to it.
pub fn bucket(component: &str, user: &str) -> u32 {
    let digest = Sha256::new()
        .chain_update(component.as_bytes())
        .chain_update([0])
        .chain_update(user.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % 100) as u32
}

/// How one invocation of one version went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    pub failed: bool,
    pub trapped: bool,
    pub latency: Duration,
}

#[derive(Debug, Default, Clone)]
struct VersionStats {
    invocations: u64,
    failures: u64,
    traps: u64,
    latency_us: u64,
    /// The last `rollback_window` outcomes (true: failed).
    recent: VecDeque<bool>,
}

impl VersionStats {
    fn record(&mut self, outcome: Outcome, window: usize) {
        self.invocations += 1;
        self.failures += u64::from(outcome.failed);
        self.traps += u64::from(outcome.trapped);
        self.latency_us += outcome.latency.as_micros() as u64;
        if window > 0 {
            self.recent.push_back(outcome.failed);
            while self.recent.len() > window {
                self.recent.pop_front();
            }
        }
    }

    fn recent_failure_percent(&self) -> f64 {
        if self.recent.is_empty() {
            return 0.0;
        }
        let failed = self.recent.iter().filter(|f| **f).count();
        100.0 * failed as f64 / self.recent.len() as f64
    }

    fn describe(&self, version: &str) -> Value {
        let mean_ms = if self.invocations == 0 {
            0.0
        } else {
            self.latency_us as f64 / self.invocations as f64 / 1000.0
        };
        json!({
            "version": version,
            "invocations": self.invocations,
            "failures": self.failures,
            "traps": self.traps,
            "mean_latency_ms": (mean_ms * 1000.0).round() / 1000.0,
            "recent_failure_percent": self.recent_failure_percent(),
        })
    }
}

#[derive(Debug, Default, Clone)]
struct Track {
    stable: VersionStats,
    canary: VersionStats,
    /// Why the host stopped routing to the canary (until the manifest changes).
    rolled_back: Option<String>,
}

/// Per-version counters and rollback state of one manifest's components.
#[derive(Debug, Default)]
pub struct Tracker {
    tracks: Mutex<HashMap<String, Track>>,
}

impl Tracker {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Track>> {
        self.tracks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Carries over `from`'s counters and rollback state for `id` (a reload that left
    /// its rollout unchanged: a rolled-back canary stays rolled back).
    pub fn adopt(&self, from: &Tracker, id: &str) {
        let track = from.lock().get(id).cloned();
        if let Some(track) = track {
            self.lock().insert(id.to_string(), track);
        }
    }

    /// The version that serves `user` (None: no user id or token; the stable version).
    pub fn choose(&self, entry: &ComponentEntry, user: Option<&str>) -> Variant {
        let Some(canary) = &entry.canary else {
            return Variant::Stable;
        };
        let Some(user) = user else {
            return Variant::Stable;
        };
        if canary.weight == 0 || bucket(&entry.id, user) >= canary.weight {
            return Variant::Stable;
        }
        let rolled_back = self
            .lock()
            .get(&entry.id)
            .is_some_and(|t| t.rolled_back.is_some());
        if rolled_back {
            Variant::Stable
        } else {
            Variant::Canary
        }
    }

    /// Stops routing to `entry`'s canary, logging `why` (once).
    pub fn roll_back(&self, entry: &ComponentEntry, why: String) {
        let mut tracks = self.lock();
        let track = tracks.entry(entry.id.clone()).or_default();
        if track.rolled_back.is_none() {
            tracing::warn!(
                component = %entry.id,
                canary_version = entry.canary.as_ref().map(|c| c.version.as_str()).unwrap_or_default(),
                stable_version = %entry.version,
                reason = %why,
                "canary rolled back: every request now goes to the stable version"
            );
            track.rolled_back = Some(why);
        }
    }

    /// Counts one invocation of `variant` and applies the automatic rollback rule.
    pub fn record(&self, entry: &ComponentEntry, variant: Variant, outcome: Outcome) {
        let Some(canary) = &entry.canary else {
            return;
        };
        let window = canary.rollback_window as usize;
        let verdict = {
            let mut tracks = self.lock();
            let track = tracks.entry(entry.id.clone()).or_default();
            match variant {
                Variant::Stable => track.stable.record(outcome, window),
                Variant::Canary => track.canary.record(outcome, window),
            }
            let canary_rate = track.canary.recent_failure_percent();
            let stable_rate = track.stable.recent_failure_percent();
            (window > 0
                && track.rolled_back.is_none()
                && track.canary.recent.len() >= window
                && canary_rate - stable_rate > f64::from(canary.rollback_margin_percent))
            .then(|| {
                format!(
                    "canary {} failed {canary_rate:.0}% of its last {window} invocations, stable {} {stable_rate:.0}% of its last {}: more than the {} point margin",
                    canary.version,
                    entry.version,
                    track.stable.recent.len(),
                    canary.rollback_margin_percent
                )
            })
        };
        if let Some(why) = verdict {
            self.roll_back(entry, why);
        }
    }

    /// Health: per-version counters and the rollout state of an entry with a canary.
    pub fn describe(&self, entry: &ComponentEntry) -> Option<Value> {
        let canary = entry.canary.as_ref()?;
        let tracks = self.lock();
        let empty = Track::default();
        let track = tracks.get(&entry.id).unwrap_or(&empty);
        Some(json!({
            "weight": canary.weight,
            "serving": if canary.weight == 0 || track.rolled_back.is_some() { "stable only" } else { "split" },
            "rolled_back": track.rolled_back,
            "rollback_window": canary.rollback_window,
            "rollback_margin_percent": canary.rollback_margin_percent,
            "stable": track.stable.describe(&entry.version),
            "canary": track.canary.describe(&canary.version),
        }))
    }
}

/// The host's per-version metrics of one invocation, for EMF (dimensions component and
/// version), emitted only for components with a canary.
pub fn metrics(entry: &ComponentEntry, variant: Variant, outcome: Outcome) -> MetricBatch {
    let version = match (variant, &entry.canary) {
        (Variant::Canary, Some(canary)) => canary.version.clone(),
        _ => entry.version.clone(),
    };
    let dimensions: BTreeMap<String, String> = [
        ("component".to_string(), entry.id.clone()),
        ("version".to_string(), version),
    ]
    .into();
    let mut batch = MetricBatch::default();
    let count = |b: bool| if b { 1.0 } else { 0.0 };
    batch.push("VersionInvocations", 1.0, "Count", dimensions.clone());
    batch.push(
        "VersionFailures",
        count(outcome.failed),
        "Count",
        dimensions.clone(),
    );
    batch.push(
        "VersionTraps",
        count(outcome.trapped),
        "Count",
        dimensions.clone(),
    );
    batch.push(
        "VersionLatencyMs",
        outcome.latency.as_secs_f64() * 1000.0,
        "Milliseconds",
        dimensions,
    );
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(weight: u32, window: u32) -> ComponentEntry {
        let text = format!(
            "[[component]]\nid='s'\nfile='s.wasm'\nversion='1'\nroutes=['skill:A']\n[component.canary]\nfile='s2.wasm'\nversion='2'\nweight={weight}\nrollback_window={window}\n"
        );
        super::super::manifest::Manifest::parse(std::path::Path::new("/x"), &text)
            .expect("manifest")
            .components
            .remove(0)
    }

    #[test]
    fn the_split_is_stable_and_close_to_the_weight() {
        let tracker = Tracker::default();
        let e = entry(50, 0);
        let users: Vec<String> = (0..10_000)
            .map(|i| format!("amzn1.ask.account.{i}"))
            .collect();
        let canary = users
            .iter()
            .filter(|u| tracker.choose(&e, Some(u)) == Variant::Canary)
            .count();
        assert!((4_700..=5_300).contains(&canary), "{canary}");
        for u in &users[..100] {
            assert_eq!(tracker.choose(&e, Some(u)), tracker.choose(&e, Some(u)));
        }
        // Raising the weight keeps every canary user on the canary.
        let more = entry(80, 0);
        for u in &users {
            if tracker.choose(&e, Some(u)) == Variant::Canary {
                assert_eq!(tracker.choose(&more, Some(u)), Variant::Canary);
            }
        }
        assert_eq!(tracker.choose(&e, None), Variant::Stable);
        assert_eq!(tracker.choose(&entry(0, 0), Some("x")), Variant::Stable);
    }

    #[test]
    fn a_failing_canary_is_rolled_back_after_its_window() {
        let tracker = Tracker::default();
        let e = entry(100, 10);
        let ok = Outcome::default();
        let bad = Outcome {
            failed: true,
            ..Outcome::default()
        };
        for _ in 0..10 {
            tracker.record(&e, Variant::Stable, ok);
        }
        for _ in 0..9 {
            tracker.record(&e, Variant::Canary, bad);
        }
        assert_eq!(
            tracker.choose(&e, Some("u")),
            Variant::Canary,
            "window not full"
        );
        tracker.record(&e, Variant::Canary, bad);
        assert_eq!(tracker.choose(&e, Some("u")), Variant::Stable);
        let health = tracker.describe(&e).unwrap();
        assert!(
            health["rolled_back"].as_str().unwrap().contains("100%"),
            "{health}"
        );
        assert_eq!(health["canary"]["failures"], 10);
    }

    #[test]
    fn failures_the_stable_version_has_too_do_not_roll_back() {
        let tracker = Tracker::default();
        let e = entry(100, 10);
        let bad = Outcome {
            failed: true,
            ..Outcome::default()
        };
        for _ in 0..10 {
            tracker.record(&e, Variant::Stable, bad);
            tracker.record(&e, Variant::Canary, bad);
        }
        assert_eq!(tracker.choose(&e, Some("u")), Variant::Canary);
    }
}
