//! Circuit breaker for one Home Assistant base URL: after 5 consecutive failures the
//! circuit opens for 60 s and calls fail fast; then exactly one half-open probe decides
//! whether it closes again or stays open for another 60 s.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Consecutive failures that open the circuit.
pub const FAILURE_THRESHOLD: u32 = 5;
/// How long an open circuit refuses calls before a probe is let through.
pub const OPEN_FOR: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Circuit {
    Closed { consecutive_failures: u32 },
    Open { until: Instant },
    HalfOpen { probe_in_flight: bool },
}

/// What the breaker says about a call about to be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// This call is the single half-open probe.
    Probe,
    /// Refused; the circuit reopens for calls in this many milliseconds.
    Rejected {
        retry_in_ms: u64,
    },
}

#[derive(Debug)]
pub struct CircuitBreaker {
    circuit: Mutex<Circuit>,
    open_for: Duration,
    threshold: u32,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self::new(FAILURE_THRESHOLD, OPEN_FOR)
    }
}

impl CircuitBreaker {
    pub fn new(threshold: u32, open_for: Duration) -> Self {
        Self {
            circuit: Mutex::new(Circuit::Closed {
                consecutive_failures: 0,
            }),
            open_for,
            threshold,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Circuit> {
        self.circuit
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Asks whether a call may go out now.
    pub fn admit(&self) -> Admission {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Admission {
        let mut circuit = self.lock();
        match *circuit {
            Circuit::Closed { .. } => Admission::Allowed,
            Circuit::Open { until } if now >= until => {
                *circuit = Circuit::HalfOpen {
                    probe_in_flight: true,
                };
                Admission::Probe
            }
            Circuit::Open { until } => Admission::Rejected {
                retry_in_ms: until.saturating_duration_since(now).as_millis() as u64,
            },
            Circuit::HalfOpen {
                probe_in_flight: true,
            } => Admission::Rejected { retry_in_ms: 0 },
            Circuit::HalfOpen {
                probe_in_flight: false,
            } => {
                *circuit = Circuit::HalfOpen {
                    probe_in_flight: true,
                };
                Admission::Probe
            }
        }
    }

    /// Home Assistant answered (any HTTP status that is not a server failure).
    pub fn record_success(&self) {
        *self.lock() = Circuit::Closed {
            consecutive_failures: 0,
        };
    }

    /// Home Assistant could not be reached or failed with a 5xx.
    pub fn record_failure(&self) {
        self.record_failure_at(Instant::now());
    }

    fn record_failure_at(&self, now: Instant) {
        let mut circuit = self.lock();
        *circuit = match *circuit {
            Circuit::Closed {
                consecutive_failures,
            } if consecutive_failures + 1 < self.threshold => Circuit::Closed {
                consecutive_failures: consecutive_failures + 1,
            },
            Circuit::Open { until } => Circuit::Open { until },
            _ => Circuit::Open {
                until: now + self.open_for,
            },
        };
    }

    /// Is the circuit refusing calls right now?
    pub fn is_open(&self) -> bool {
        matches!(*self.lock(), Circuit::Open { until } if Instant::now() < until)
    }

    /// State for the health event.
    pub fn describe(&self) -> Value {
        match *self.lock() {
            Circuit::Closed {
                consecutive_failures,
            } => json!({"state": "closed", "consecutive_failures": consecutive_failures}),
            Circuit::Open { until } => json!({
                "state": "open",
                "retry_in_ms": until.saturating_duration_since(Instant::now()).as_millis() as u64,
            }),
            Circuit::HalfOpen { .. } => json!({"state": "half_open"}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_and_probes_once() {
        let breaker = CircuitBreaker::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..4 {
            breaker.record_failure_at(t0);
            assert_eq!(breaker.admit_at(t0), Admission::Allowed);
        }
        breaker.record_failure_at(t0);
        assert!(matches!(breaker.admit_at(t0), Admission::Rejected { .. }));
        let later = t0 + Duration::from_secs(61);
        assert_eq!(breaker.admit_at(later), Admission::Probe);
        assert!(matches!(
            breaker.admit_at(later),
            Admission::Rejected { .. }
        ));
        breaker.record_failure_at(later);
        assert!(matches!(
            breaker.admit_at(later),
            Admission::Rejected { .. }
        ));
        let much_later = later + Duration::from_secs(61);
        assert_eq!(breaker.admit_at(much_later), Admission::Probe);
        breaker.record_success();
        assert_eq!(breaker.admit_at(much_later), Admission::Allowed);
    }

    #[test]
    fn success_resets_the_count() {
        let breaker = CircuitBreaker::new(2, Duration::from_secs(60));
        let now = Instant::now();
        breaker.record_failure_at(now);
        breaker.record_success();
        breaker.record_failure_at(now);
        assert_eq!(breaker.admit_at(now), Admission::Allowed);
    }
}
