//! A deliberately hostile test component (never shipped): loops forever, allocates
//! without bound, panics, calls services it was not granted, reaches hosts it was not
//! granted, overfills its cache quota, and — on `alexa:*` routes — reads the endpoint's
//! state so the host's Smart Home error envelopes can be exercised. [`probes`] holds the
//! routes that push one host limit each (http rules, service grants, templates, log and
//! metric floods, tiny cache entries) with parameters from the event.

mod probes;

use lee_sdk::bindings::lee::gateway::cache;
use lee_sdk::ha::{self, Freshness};
use lee_sdk::{Failure, Guest, Invocation};
use probes::ha_error_json;
use serde_json::{Value, json};

pub struct Hostile;

// Exported only for wasm: native builds (unit tests) must not carry the component ABI symbols.
#[cfg(target_arch = "wasm32")]
lee_sdk::export!(Hostile);

impl Guest for Hostile {
    fn handle(invocation: Invocation) -> Result<String, Failure> {
        let event: Value = serde_json::from_str(&invocation.event).unwrap_or(Value::Null);
        let arg = |name: &str| {
            event
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let answer = match invocation.route.as_str() {
            "lee:test-loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "lee:test-membomb" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "lee:test-panic" => panic!("hostile component panicked on purpose"),
            "lee:test-forbidden" => {
                // Granted only script.*, so light.turn_off must be refused by the host.
                let data = json!({"entity_id": arg("entity_id")});
                match ha::call_service("light", "turn_off", &data) {
                    Ok(_) => json!({"called": true}),
                    Err(e) => json!({"called": false, "outcome": ha_error_json(&e)}),
                }
            }
            "lee:test-http" => probes::http_send(&event),
            "lee:test-call" => probes::call(&event),
            "lee:test-template" => probes::template(&event),
            "lee:test-logflood" => probes::log_flood(&event),
            "lee:test-metricsflood" => probes::metrics_flood(&event),
            "lee:test-cache-tiny" => probes::cache_tiny(&event),
            "lee:test-cache" => {
                let first = cache::set("a", &vec![0u8; 1000], 60_000);
                let second = cache::set("b", &vec![0u8; 1_000_000], 60_000);
                json!({
                    "first_ok": first.is_ok(),
                    "second_quota_exceeded": matches!(second, Err(cache::CacheError::QuotaExceeded(_))),
                    "read_back": cache::get("a").map(|v| v.len()),
                })
            }
            "lee:test-echo" => {
                json!({"route": invocation.route, "deadline_ms": invocation.deadline_ms})
            }
            route if route.starts_with("alexa:") => {
                let endpoint = event
                    .pointer("/directive/endpoint/endpointId")
                    .and_then(Value::as_str)
                    .unwrap_or("light#bed_light")
                    .replace('#', ".");
                let state = ha::state(&endpoint, Freshness::Now)?
                    .ok_or_else(|| Failure::NotFound(endpoint.clone()))?;
                json!({"test_state": state.state})
            }
            other => return Err(Failure::Unsupported(other.to_string())),
        };
        Ok(answer.to_string())
    }
}
