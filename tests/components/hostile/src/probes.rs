//! Probe routes of the hostile component: each one pushes one host limit from the guest
//! side with parameters taken from the event, and answers what the guest saw, so an
//! end-to-end test can check the host's answer and what reached Home Assistant, a local
//! server, the logs or the metrics stream.
//!
//! - `lee:test-http` {method, url, headers: [[name, value]], body}: one outbound request.
//! - `lee:test-call` {domain, service, data}: one service call; the changed states seen.
//! - `lee:test-template` {template}: one template render.
//! - `lee:test-logflood` {lines, bytes, unit}: `lines` log lines of `bytes` bytes each.
//! - `lee:test-metricsflood` {samples, long_name, long_value, shadow}: metric samples.
//! - `lee:test-cache-tiny` {value_bytes, max}: tiny cache entries until the host refuses.

use lee_sdk::HaError;
use lee_sdk::bindings::lee::gateway::log::{Level, log};
use lee_sdk::bindings::lee::gateway::{cache, http, metrics};
use lee_sdk::ha::{self, Freshness};
use serde_json::{Value, json};

/// A Home Assistant error as the WIT names its kind, and its message.
pub fn ha_error_json(error: &HaError) -> Value {
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

fn text<'a>(event: &'a Value, name: &str) -> &'a str {
    event.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn number(event: &Value, name: &str) -> u64 {
    event.get(name).and_then(Value::as_u64).unwrap_or_default()
}

/// The kind of an http error as the WIT names it, and its message.
fn http_error_json(error: &http::HttpError) -> Value {
    let (kind, message) = match error {
        http::HttpError::Denied(m) => ("denied", m.clone()),
        http::HttpError::InvalidRequest(m) => ("invalid-request", m.clone()),
        http::HttpError::Timeout => ("timeout", String::new()),
        http::HttpError::Transport(m) => ("transport", m.clone()),
        http::HttpError::TooLarge(n) => ("too-large", n.to_string()),
    };
    json!({"error": kind, "message": message})
}

pub fn http_send(event: &Value) -> Value {
    let method = match text(event, "method") {
        "" => "GET",
        m => m,
    };
    let headers = event
        .get("headers")
        .and_then(Value::as_array)
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|pair| {
                    let name = pair.get(0)?.as_str()?;
                    let value = pair.get(1)?.as_str()?;
                    Some((name.to_string(), value.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    let request = http::Request {
        method: method.into(),
        url: text(event, "url").into(),
        headers,
        body: event
            .get("body")
            .and_then(Value::as_str)
            .map(|b| b.as_bytes().to_vec()),
        timeout_ms: 2000,
    };
    match http::send(&request) {
        Ok(response) => json!({
            "status": response.status,
            "bytes": response.body.len(),
            "body": String::from_utf8_lossy(&response.body),
        }),
        Err(e) => http_error_json(&e),
    }
}

pub fn call(event: &Value) -> Value {
    let data = event.get("data").cloned().unwrap_or_else(|| json!({}));
    match ha::call_service(text(event, "domain"), text(event, "service"), &data) {
        Ok(result) => json!({
            "called": true,
            "changed": result.changed.len(),
            "changed_ids": result.changed.iter().map(|s| s.entity_id.clone()).collect::<Vec<_>>(),
        }),
        Err(e) => json!({"called": false, "outcome": ha_error_json(&e)}),
    }
}

pub fn template(event: &Value) -> Value {
    match ha::render_template(text(event, "template"), Freshness::Now) {
        Ok(rendered) => json!({"rendered": rendered}),
        Err(e) => ha_error_json(&e),
    }
}

/// Line `i` of a flood: an identifiable prefix padded with whole `unit`s to at most
/// `bytes` bytes (the prefix alone when it is longer).
fn flood_line(i: u64, bytes: usize, unit: &str) -> String {
    let prefix = format!("flood line {i:06} ");
    let units = bytes.saturating_sub(prefix.len()) / unit.len().max(1);
    prefix + &unit.repeat(units)
}

pub fn log_flood(event: &Value) -> Value {
    let lines = number(event, "lines");
    let bytes = number(event, "bytes") as usize;
    let unit = match text(event, "unit") {
        "" => "x",
        u => u,
    };
    for i in 0..lines {
        log(Level::Info, &flood_line(i, bytes, unit), &[]);
    }
    json!({"logged": lines})
}

pub fn metrics_flood(event: &Value) -> Value {
    let samples = number(event, "samples");
    for i in 0..samples {
        metrics::counter(&format!("Flood{i}"), 1.0, &[]);
    }
    let long_name = number(event, "long_name") as usize;
    let long_value = number(event, "long_value") as usize;
    if long_name > 0 || long_value > 0 {
        let dimensions = [("where".to_string(), "v".repeat(long_value))];
        metrics::histogram(&"N".repeat(long_name), 2.0, "Bytes", &dimensions);
    }
    if let Some(shadow) = event.get("shadow").and_then(Value::as_str) {
        metrics::counter(shadow, 3.0, &[]);
    }
    json!({"recorded": samples})
}

pub fn cache_tiny(event: &Value) -> Value {
    let value = vec![7u8; number(event, "value_bytes") as usize];
    let max = number(event, "max");
    let mut stored = 0u64;
    let mut refusal = Value::Null;
    while stored < max {
        match cache::set(&stored.to_string(), &value, 60_000) {
            Ok(()) => stored += 1,
            Err(cache::CacheError::QuotaExceeded(quota)) => {
                refusal = json!({"error": "quota-exceeded", "quota": quota});
                break;
            }
            Err(cache::CacheError::Denied(m)) => {
                refusal = json!({"error": "denied", "message": m});
                break;
            }
        }
    }
    let present = |key: u64| cache::get(&key.to_string()).is_some();
    json!({
        "stored": stored,
        "refusal": refusal,
        "first_present": stored > 0 && present(0),
        "last_present": stored > 0 && present(stored - 1),
    })
}
