//! The real [`Home`]: Home Assistant through the host's `home-assistant` import, the
//! component's config table and the host's log.

use lee_sdk::HaError;
use lee_sdk::bindings::lee::gateway::{cache as host_cache, config as host_config};
use lee_sdk::ha::{self, Freshness, Prefetch, Query, Registry, State};
use lee_sdk::log;
use serde_json::Value;

use crate::config::Config;
use crate::home::Home;

/// Where the component keeps Home Assistant's temperature unit, and for how long.
const UNIT_KEY: &str = "ha/temperature_unit";
const UNIT_TTL_MS: u32 = 3_600_000;

/// Home Assistant as the host provides it.
pub struct HostHome;

impl Home for HostHome {
    fn states(&self, freshness: Freshness) -> Result<Vec<State>, HaError> {
        ha::states(freshness)
    }

    fn states_of(&self, query: &Query<'_>, freshness: Freshness) -> Result<Vec<State>, HaError> {
        ha::states_of(query, freshness)
    }

    fn state(&self, entity_id: &str, freshness: Freshness) -> Result<Option<State>, HaError> {
        ha::state(entity_id, freshness)
    }

    fn call(&self, domain: &str, service: &str, data: &Value) -> Result<Vec<State>, HaError> {
        ha::call_service(domain, service, data).map(|r| r.changed)
    }

    fn entity_registry(&self, freshness: Freshness) -> Result<String, HaError> {
        ha::registry_of(
            Registry::Entity,
            crate::discovery::REGISTRY_FIELDS,
            freshness,
        )
    }

    fn registry_listing(
        &self,
        which: Registry,
        fields: &[&str],
        freshness: Freshness,
    ) -> Result<String, HaError> {
        ha::registry_of(which, fields, freshness)
    }

    fn exposure_settings(&self, freshness: Freshness) -> Result<String, HaError> {
        ha::exposure_json(freshness)
    }

    fn temperature_unit(&self) -> Option<String> {
        // Kept an hour in the component's cache: the host's copy of the configuration
        // expires after five minutes, and a thermostat directive should not wait for a
        // round trip to learn a unit system that practically never changes.
        if let Some(unit) = self.recall(UNIT_KEY) {
            return Some(unit);
        }
        ha::temperature_unit(Freshness::Mapping)
            .inspect(|unit| self.keep(UNIT_KEY, unit, UNIT_TTL_MS))
            .inspect_err(|e| {
                log::warn(
                    "Home Assistant's unit system is unavailable; inferring it",
                    &[("error", &format!("{e:?}"))],
                )
            })
            .ok()
    }

    fn external_url(&self) -> Option<String> {
        ha::core_config(Freshness::Mapping)
            .ok()?
            .get("external_url")?
            .as_str()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
    }

    fn config(&self) -> Config {
        let all: Value = serde_json::from_str(&host_config::all()).unwrap_or(Value::Null);
        Config::from_json(&all)
    }

    fn warn(&self, message: &str, fields: &[(&str, &str)]) {
        log::warn(message, fields);
    }

    fn info(&self, message: &str, fields: &[(&str, &str)]) {
        log::info(message, fields);
    }

    fn prefetch(&self, reads: &[Prefetch], freshness: Freshness) -> Result<(), HaError> {
        ha::prefetch(reads, freshness)
    }

    fn recall(&self, key: &str) -> Option<String> {
        host_cache::get(key).and_then(|bytes| String::from_utf8(bytes).ok())
    }

    fn keep(&self, key: &str, value: &str, ttl_ms: u32) {
        // Without a cache grant (or over quota) the value is not kept: callers fall back.
        let _ = host_cache::set(key, value.as_bytes(), ttl_ms);
    }
}
