//! One call to Home Assistant, as every path makes it (REST requests with their retries
//! and websocket sessions alike): the token and deadline it runs under
//! ([`CallContext`]), the round trips it counts ([`CallStats`]) and the circuit breaker
//! it passes, once per call ([`guarded`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use super::breaker::{Admission, CircuitBreaker};
use super::error::HaError;
use crate::aws::xray;
use crate::settings::Secret;

/// Most finished calls one invocation remembers for the round-trip depth (an
/// invocation makes a handful; a runaway one is still counted, by its calls).
const MAX_TRACKED: usize = 256;

/// Real round trips to Home Assistant during one invocation (`--timings`, metrics):
/// how many calls, how long they took, and how many of them had to wait for another
/// (the sequential depth: calls made concurrently count once); and the X-Ray
/// subsegment they hang under when the invocation is sampled.
#[derive(Debug, Default)]
pub struct CallStats {
    calls: AtomicU32,
    micros: AtomicU64,
    /// Each finished call's end and its depth (1 + the deepest call that had finished
    /// when it started).
    finished: Mutex<Vec<(Instant, u32)>>,
    depth: AtomicU32,
    trace: Option<xray::Parent>,
}

impl CallStats {
    /// Stats whose round trips are also X-Ray subsegments under `trace`.
    pub fn traced(trace: Option<xray::Parent>) -> Self {
        Self {
            trace,
            ..Self::default()
        }
    }

    /// Opens the subsegment of one round trip (`None` when not sampled).
    pub fn begin_round_trip(&self) -> Option<xray::Subsegment> {
        self.trace
            .as_ref()
            .map(|parent| parent.begin(xray::HOME_ASSISTANT))
    }

    /// One call (a REST attempt, a websocket session) that just finished after `elapsed`.
    pub fn record(&self, elapsed: Duration) {
        self.calls.fetch_add(1, Relaxed);
        self.micros.fetch_add(elapsed.as_micros() as u64, Relaxed);
        let now = Instant::now();
        let started = now.checked_sub(elapsed).unwrap_or(now);
        let mut finished = self.finished.lock().unwrap_or_else(|p| p.into_inner());
        let before = finished
            .iter()
            .filter(|(end, _)| *end <= started)
            .map(|(_, depth)| *depth)
            .max()
            .unwrap_or(0);
        let depth = if finished.len() < MAX_TRACKED {
            before + 1
        } else {
            // Untracked: assume it waited for everything before it.
            self.depth.load(Relaxed) + 1
        };
        if finished.len() < MAX_TRACKED {
            finished.push((now, depth));
        }
        self.depth.fetch_max(depth, Relaxed);
    }

    pub fn calls(&self) -> u32 {
        self.calls.load(Relaxed)
    }

    /// The sequential depth of the calls: the longest chain of calls each of which
    /// started after the one before it had finished. Concurrent calls count once.
    pub fn round_trips(&self) -> u32 {
        self.depth.load(Relaxed)
    }

    /// Total time spent waiting for Home Assistant.
    pub fn micros(&self) -> u64 {
        self.micros.load(Relaxed)
    }
}

/// Whether a call's failures count toward opening the circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// A call made for a component or a health probe.
    Breaker,
    /// The cold-start warm-up: Home Assistant restarting while a container starts must
    /// not lock out the first minute of directives (its successes still count).
    SuccessOnly,
}

/// One call's context: the token to use, the deadline it must finish by, where its
/// round trips are counted and whether its failures feed the breaker.
#[derive(Clone, Copy)]
pub struct CallContext<'a> {
    pub token: &'a Secret,
    pub deadline: Instant,
    pub stats: &'a CallStats,
    pub breaker: Feed,
}

/// What a finished call says about Home Assistant's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It answered (any status that is not a server failure).
    Answered,
    /// It could not be reached, or failed with a server error, after its retries.
    Failed,
    /// Nothing was sent (the request was malformed): says nothing about Home Assistant.
    NotSent,
}

/// Runs one logical call (all its retries) behind `breaker`: refused while the circuit
/// is open, its verdict recorded once. A half-open probe that ends without a verdict
/// (nothing sent, or the call was dropped at a deadline) frees the probe slot.
pub async fn guarded<T>(
    breaker: &CircuitBreaker,
    feed: Feed,
    call: impl Future<Output = (T, Verdict)>,
) -> Result<T, HaError> {
    let mut permit = match breaker.admit() {
        Admission::Rejected { retry_in_ms } => {
            return Err(HaError::Unreachable(format!(
                "circuit breaker open after repeated failures; next probe in {retry_in_ms} ms"
            )));
        }
        Admission::Allowed => Permit::new(breaker, false),
        Admission::Probe => Permit::new(breaker, true),
    };
    let (outcome, verdict) = call.await;
    permit.resolve(verdict, feed);
    Ok(outcome)
}

/// An admitted call; releases an unresolved probe when dropped.
struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
    resolved: bool,
}

impl<'a> Permit<'a> {
    fn new(breaker: &'a CircuitBreaker, probe: bool) -> Self {
        Self {
            breaker,
            probe,
            resolved: false,
        }
    }

    fn resolve(&mut self, verdict: Verdict, feed: Feed) {
        match (verdict, feed) {
            (Verdict::Answered, _) => {
                self.breaker.record_success();
                self.resolved = true;
            }
            (Verdict::Failed, Feed::Breaker) => {
                self.breaker.record_failure();
                self.resolved = true;
            }
            _ => {}
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.probe && !self.resolved {
            self.breaker.release_probe();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(2, Duration::from_millis(20), Duration::from_millis(80))
    }

    async fn call(breaker: &CircuitBreaker, verdict: Verdict, feed: Feed) -> Result<(), HaError> {
        guarded(breaker, feed, async { ((), verdict) }).await
    }

    #[test]
    fn round_trips_count_concurrent_calls_once() {
        let stats = CallStats::default();
        // Two calls in flight together (both started before either finished) ...
        stats.record(Duration::from_millis(30));
        stats.record(Duration::from_millis(30));
        assert_eq!((stats.calls(), stats.round_trips()), (2, 1));
        // ... then one that started after they finished.
        std::thread::sleep(Duration::from_millis(5));
        stats.record(Duration::from_millis(1));
        assert_eq!((stats.calls(), stats.round_trips()), (3, 2));
    }

    #[tokio::test]
    async fn not_sent_and_warm_up_failures_do_not_open_the_circuit() {
        let b = breaker();
        for _ in 0..5 {
            call(&b, Verdict::NotSent, Feed::Breaker).await.unwrap();
            call(&b, Verdict::Failed, Feed::SuccessOnly).await.unwrap();
        }
        assert!(!b.is_open());
        call(&b, Verdict::Failed, Feed::Breaker).await.unwrap();
        call(&b, Verdict::Failed, Feed::Breaker).await.unwrap();
        assert!(b.is_open());
        assert!(call(&b, Verdict::Answered, Feed::Breaker).await.is_err());
    }

    #[tokio::test]
    async fn a_probe_without_a_verdict_frees_its_slot() {
        let b = breaker();
        call(&b, Verdict::Failed, Feed::Breaker).await.unwrap();
        call(&b, Verdict::Failed, Feed::Breaker).await.unwrap();
        tokio::time::sleep(Duration::from_millis(25)).await;
        // The probe is admitted, sends nothing, and leaves the slot free.
        call(&b, Verdict::NotSent, Feed::Breaker).await.unwrap();
        // A probe dropped mid-call (deadline) frees it too.
        let dropped = guarded(&b, Feed::Breaker, std::future::pending::<((), Verdict)>());
        let _ = tokio::time::timeout(Duration::from_millis(1), dropped).await;
        call(&b, Verdict::Answered, Feed::Breaker).await.unwrap();
        assert!(!b.is_open());
    }
}
