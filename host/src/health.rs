//! The `{"lee":"health"}` event: version, components (loaded or not), Home Assistant
//! reachability, cache and breaker state, runtime counters, and the configuration with
//! secrets redacted.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::capabilities::home_assistant::{CallContext, CallStats};
use crate::gateway::Gateway;

/// Longest the reachability probe may take.
const PROBE_BUDGET: Duration = Duration::from_secs(2);

pub async fn report(gateway: &Gateway, deadline: Instant) -> Value {
    let ha = gateway.home_assistant();
    let probe_started = Instant::now();
    let reachability = match ha.choose_token(None) {
        None => json!({"reachable": false, "error": "no Home Assistant token configured"}),
        Some(_) if ha.base_url().is_none() => {
            json!({"reachable": false, "error": "HOME_ASSISTANT_URL is not set"})
        }
        Some(_) if ha.breaker_open() => {
            json!({"reachable": false, "error": "circuit breaker open after repeated failures"})
        }
        Some(token) => {
            let stats = CallStats::default();
            let ctx = CallContext {
                token,
                deadline: deadline.min(Instant::now() + PROBE_BUDGET),
                stats: &stats,
            };
            match ha.check(ctx).await {
                Ok(()) => json!({
                    "reachable": true,
                    "latency_ms": probe_started.elapsed().as_secs_f64() * 1000.0,
                }),
                Err(e) => json!({"reachable": false, "error": e.to_string()}),
            }
        }
    };
    let mut home_assistant = ha.describe();
    if let (Some(target), Some(fields)) = (home_assistant.as_object_mut(), reachability.as_object())
    {
        target.extend(fields.clone());
        target.insert("url".into(), json!(ha.base_url()));
    }
    let healthy = home_assistant["reachable"] == json!(true);
    json!({
        "lee": {
            "version": env!("CARGO_PKG_VERSION"),
            "status": if healthy { "ok" } else { "degraded" },
            "wit": "lee:gateway@0.1.1",
        },
        "home_assistant": home_assistant,
        "components": gateway.registry.describe(),
        "runtime": gateway.registry.counters.describe(),
        "component_caches": gateway.capabilities.cache.describe(),
        "response_cache_entries": gateway.responses.len(),
        "metrics_emitted": gateway.capabilities.metrics.emitted(),
        "configuration": gateway.settings.redacted_json(),
        "manifest": gateway.registry.manifest().path(),
    })
}
