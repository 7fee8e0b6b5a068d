//! The `{"lee":"health"}` event: version, components (loaded or not), Home Assistant
//! reachability, every capability's state, runtime counters, and the configuration
//! with secrets redacted. It reads only what the gateway hands it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::capabilities::Capabilities;
use crate::runtime::registry::ComponentRegistry;
use crate::settings::Settings;

/// Longest the reachability probe may take.
const PROBE_BUDGET: Duration = Duration::from_secs(2);

/// What the health report is made of.
pub struct Sources<'a> {
    pub settings: &'a Settings,
    pub registry: &'a ComponentRegistry,
    pub capabilities: &'a Capabilities,
    pub response_cache_entries: usize,
    /// Where the manifest comes from, its config version, reloads and refusals.
    pub manifest: Value,
}

pub async fn report(sources: Sources<'_>, deadline: Instant) -> Value {
    let ha = &sources.capabilities.home_assistant;
    let reachability = ha.probe(deadline.min(Instant::now() + PROBE_BUDGET)).await;
    let mut capabilities = sources.capabilities.describe();
    // Home Assistant is reported on its own, with its reachability.
    let mut home_assistant = capabilities
        .remove("home-assistant")
        .unwrap_or_else(|| json!({}));
    if let (Some(target), Some(fields)) = (home_assistant.as_object_mut(), reachability.as_object())
    {
        target.extend(fields.clone());
        target.insert("url".into(), json!(ha.shown_url()));
    }
    let healthy = home_assistant["reachable"] == json!(true);
    json!({
        "lee": {
            "version": env!("CARGO_PKG_VERSION"),
            "status": if healthy { "ok" } else { "degraded" },
            "wit": lee_contract::wit_package(),
        },
        "home_assistant": home_assistant,
        "capabilities": capabilities,
        "components": sources.registry.describe(),
        "runtime": sources.registry.counters.describe(),
        "response_cache_entries": sources.response_cache_entries,
        "configuration": sources.settings.redacted_json(),
        "proactive_events": crate::reporter::relay::describe(sources.registry),
        "manifest": sources.manifest,
    })
}
