//! Circuit breaker for one Home Assistant base URL: after 5 consecutive failed calls
//! (each counted once, after its retries) the circuit opens and calls fail fast; then
//! exactly one half-open probe decides whether it closes again. The circuit first opens
//! for 5 s, and each failed probe doubles that, up to 60 s: Home Assistant restarting
//! behind a proxy costs seconds of "unreachable", not a minute, while a dead one is not
//! hammered. Any success closes the circuit and resets the schedule.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Consecutive failed calls that open the circuit.
pub const FAILURE_THRESHOLD: u32 = 5;
/// How long the circuit first stays open.
pub const FIRST_OPEN: Duration = Duration::from_secs(5);
/// The longest it stays open after repeated failed probes.
pub const MAX_OPEN: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Circuit {
    Closed {
        consecutive_failures: u32,
    },
    Open {
        until: Instant,
        /// How long this opening lasts (doubles on each failed probe).
        open_for: Duration,
    },
    HalfOpen {
        probe_in_flight: bool,
        open_for: Duration,
    },
}

/// What the breaker says about a call about to be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// This call is the single half-open probe.
    Probe,
    /// Refused; the circuit admits a probe in this many milliseconds.
    Rejected {
        retry_in_ms: u64,
    },
}

#[derive(Debug)]
pub struct CircuitBreaker {
    circuit: Mutex<Circuit>,
    threshold: u32,
    first_open: Duration,
    max_open: Duration,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self::new(FAILURE_THRESHOLD, FIRST_OPEN, MAX_OPEN)
    }
}

impl CircuitBreaker {
    pub fn new(threshold: u32, first_open: Duration, max_open: Duration) -> Self {
        Self {
            circuit: Mutex::new(Circuit::Closed {
                consecutive_failures: 0,
            }),
            threshold,
            first_open,
            max_open,
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
            Circuit::Open { until, open_for } if now >= until => {
                *circuit = Circuit::HalfOpen {
                    probe_in_flight: true,
                    open_for,
                };
                Admission::Probe
            }
            Circuit::Open { until, .. } => Admission::Rejected {
                retry_in_ms: until.saturating_duration_since(now).as_millis() as u64,
            },
            Circuit::HalfOpen {
                probe_in_flight: true,
                ..
            } => Admission::Rejected { retry_in_ms: 0 },
            Circuit::HalfOpen {
                probe_in_flight: false,
                open_for,
            } => {
                *circuit = Circuit::HalfOpen {
                    probe_in_flight: true,
                    open_for,
                };
                Admission::Probe
            }
        }
    }

    /// A call got an answer from Home Assistant (any status that is not a server error).
    pub fn record_success(&self) {
        *self.lock() = Circuit::Closed {
            consecutive_failures: 0,
        };
    }

    /// A call failed: Home Assistant unreachable, or a server error after retries.
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
            Circuit::Closed { .. } => Circuit::Open {
                until: now + self.first_open,
                open_for: self.first_open,
            },
            open @ Circuit::Open { .. } => open,
            Circuit::HalfOpen { open_for, .. } => {
                let open_for = (open_for * 2).min(self.max_open);
                Circuit::Open {
                    until: now + open_for,
                    open_for,
                }
            }
        };
    }

    /// The half-open probe ended without saying anything about Home Assistant (nothing
    /// was sent, or it was abandoned at a deadline): the next call may probe.
    pub fn release_probe(&self) {
        let mut circuit = self.lock();
        if let Circuit::HalfOpen { open_for, .. } = *circuit {
            *circuit = Circuit::HalfOpen {
                probe_in_flight: false,
                open_for,
            };
        }
    }

    /// Is the circuit refusing calls right now?
    pub fn is_open(&self) -> bool {
        matches!(*self.lock(), Circuit::Open { until, .. } if Instant::now() < until)
    }

    /// State for the health event.
    pub fn describe(&self) -> Value {
        match *self.lock() {
            Circuit::Closed {
                consecutive_failures,
            } => json!({"state": "closed", "consecutive_failures": consecutive_failures}),
            Circuit::Open { until, open_for } => json!({
                "state": "open",
                "retry_in_ms": until.saturating_duration_since(Instant::now()).as_millis() as u64,
                "open_for_ms": open_for.as_millis() as u64,
            }),
            Circuit::HalfOpen { .. } => json!({"state": "half_open"}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_and_probes_once_with_growing_open_time() {
        let breaker = CircuitBreaker::default();
        let t0 = Instant::now();
        for _ in 0..4 {
            breaker.record_failure_at(t0);
            assert_eq!(breaker.admit_at(t0), Admission::Allowed);
        }
        breaker.record_failure_at(t0);
        assert_eq!(
            breaker.admit_at(t0),
            Admission::Rejected { retry_in_ms: 5000 }
        );
        let t1 = t0 + Duration::from_millis(5001);
        assert_eq!(breaker.admit_at(t1), Admission::Probe);
        assert!(matches!(breaker.admit_at(t1), Admission::Rejected { .. }));
        // A failed probe doubles the open time: 10 s, then 20, 40, and 60 at most.
        breaker.record_failure_at(t1);
        assert_eq!(
            breaker.admit_at(t1),
            Admission::Rejected {
                retry_in_ms: 10_000
            }
        );
        let mut now = t1;
        for expected in [20_000, 40_000, 60_000, 60_000] {
            now += Duration::from_secs(61);
            assert_eq!(breaker.admit_at(now), Admission::Probe);
            breaker.record_failure_at(now);
            assert_eq!(
                breaker.admit_at(now),
                Admission::Rejected {
                    retry_in_ms: expected
                }
            );
        }
        now += Duration::from_secs(61);
        assert_eq!(breaker.admit_at(now), Admission::Probe);
        breaker.record_success();
        assert_eq!(breaker.admit_at(now), Admission::Allowed);
        // After a success the schedule starts over at 5 s.
        for _ in 0..5 {
            breaker.record_failure_at(now);
        }
        assert_eq!(
            breaker.admit_at(now),
            Admission::Rejected { retry_in_ms: 5000 }
        );
    }

    #[test]
    fn success_resets_the_count_and_released_probes_can_be_retaken() {
        let breaker = CircuitBreaker::new(2, FIRST_OPEN, MAX_OPEN);
        let now = Instant::now();
        breaker.record_failure_at(now);
        breaker.record_success();
        breaker.record_failure_at(now);
        assert_eq!(breaker.admit_at(now), Admission::Allowed);
        breaker.record_failure_at(now);
        let later = now + FIRST_OPEN;
        assert_eq!(breaker.admit_at(later), Admission::Probe);
        breaker.release_probe();
        assert_eq!(breaker.admit_at(later), Admission::Probe);
    }
}
