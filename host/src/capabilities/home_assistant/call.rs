//! One call to Home Assistant, as every path makes it (REST attempts and websocket
//! sessions alike): the token and deadline it runs under ([`CallContext`]), the round
//! trips it counts ([`CallStats`]) and the circuit breaker it passes ([`guarded`]).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use super::breaker::{Admission, CircuitBreaker};
use super::error::HaError;
use crate::settings::Secret;

/// Real round trips to Home Assistant during one invocation (`--timings`, metrics).
#[derive(Debug, Default)]
pub struct CallStats {
    calls: AtomicU32,
    micros: AtomicU64,
}

impl CallStats {
    pub fn record(&self, elapsed: Duration) {
        self.calls.fetch_add(1, Relaxed);
        self.micros.fetch_add(elapsed.as_micros() as u64, Relaxed);
    }

    pub fn calls(&self) -> u32 {
        self.calls.load(Relaxed)
    }

    /// Total time spent waiting for Home Assistant.
    pub fn micros(&self) -> u64 {
        self.micros.load(Relaxed)
    }
}

/// One call's context: the token to use and the deadline it must finish by.
#[derive(Clone, Copy)]
pub struct CallContext<'a> {
    pub token: &'a Secret,
    pub deadline: Instant,
    pub stats: &'a CallStats,
}

/// What a finished round trip says about Home Assistant's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It answered (any status that is not a server failure).
    Answered,
    /// It could not be reached, or failed with a server error.
    Failed,
}

/// Runs one round trip behind `breaker`: refused while the circuit is open, its verdict
/// recorded, its time counted in `stats`.
pub async fn guarded<T>(
    breaker: &CircuitBreaker,
    stats: &CallStats,
    trip: impl Future<Output = (T, Verdict)>,
) -> Result<T, HaError> {
    if let Admission::Rejected { retry_in_ms } = breaker.admit() {
        return Err(HaError::Unreachable(format!(
            "circuit breaker open after repeated failures; next probe in {retry_in_ms} ms"
        )));
    }
    let started = Instant::now();
    let (outcome, verdict) = trip.await;
    match verdict {
        Verdict::Answered => breaker.record_success(),
        Verdict::Failed => breaker.record_failure(),
    }
    stats.record(started.elapsed());
    Ok(outcome)
}
