//! A deliberately hostile test component (never shipped): loops forever, allocates
//! without bound, panics, calls services it was not granted, reaches hosts it was not
//! granted, overfills its cache quota, and — on `alexa:*` routes — reads the endpoint's
//! state so the host's Smart Home error envelopes can be exercised.

use lee_sdk::bindings::lee::gateway::{cache, http};
use lee_sdk::ha::{self, Freshness};
use lee_sdk::{Failure, Guest, HaError, Invocation};
use serde_json::{Value, json};

pub struct Hostile;

// Exported only for wasm: native builds (unit tests) must not carry the component ABI symbols.
#[cfg(target_arch = "wasm32")]
lee_sdk::export!(Hostile);

fn ha_error_json(error: &HaError) -> Value {
    let (kind, message) = match error {
        HaError::Denied(m) => ("denied", m),
        HaError::Unreachable(m) => ("unreachable", m),
        HaError::Unauthorized(m) => ("unauthorized", m),
        HaError::NotFound(m) => ("not-found", m),
        HaError::BadRequest(m) => ("bad-request", m),
        HaError::Upstream(m) => ("upstream", m),
    };
    json!({"error": kind, "message": message})
}

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
            "lee:test-http" => {
                let request = http::Request {
                    method: "GET".into(),
                    url: arg("url"),
                    headers: vec![],
                    body: None,
                    timeout_ms: 1000,
                };
                match http::send(&request) {
                    Ok(response) => {
                        json!({"status": response.status, "bytes": response.body.len()})
                    }
                    Err(http::HttpError::Denied(m)) => json!({"error": "denied", "message": m}),
                    Err(e) => json!({"error": format!("{e:?}")}),
                }
            }
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
