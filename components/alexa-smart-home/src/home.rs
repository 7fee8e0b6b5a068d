//! What the component needs from the outside world, as one trait: Home Assistant's
//! states, services, registries and settings, the component's config and the host's log.
//! `host.rs` is the real one, `test_support.rs` a fake. A leaf module, so that every
//! module reading Home Assistant can name it without depending on the handler.

use lee_sdk::HaError;
use lee_sdk::ha::{Freshness, Prefetch, Query, State};
use serde_json::Value;

use crate::config::Config;

/// Everything the handler needs from the outside world.
pub trait Home {
    fn states(&self, freshness: Freshness) -> Result<Vec<State>, HaError>;
    /// The states `query` selects, with only its attributes (the host does this for the
    /// real Home Assistant; this default filters `states`).
    fn states_of(&self, query: &Query<'_>, freshness: Freshness) -> Result<Vec<State>, HaError> {
        Ok(self
            .states(freshness)?
            .into_iter()
            .filter(|s| query.selects(s))
            .map(|s| query.project(s))
            .collect())
    }
    fn state(&self, entity_id: &str, freshness: Freshness) -> Result<Option<State>, HaError>;
    /// Calls a service; returns the states Home Assistant reports as changed.
    fn call(&self, domain: &str, service: &str, data: &Value) -> Result<Vec<State>, HaError>;
    /// The entity registry listing (discovery's fields) as Home Assistant's JSON array.
    fn entity_registry(&self, freshness: Freshness) -> Result<String, HaError>;
    /// A registry listing with only `fields` of each entry, as Home Assistant's JSON array.
    fn registry_listing(
        &self,
        which: lee_sdk::ha::Registry,
        fields: &[&str],
        freshness: Freshness,
    ) -> Result<String, HaError>;
    /// Home Assistant's exposure settings (`homeassistant/expose_entity/list`) as JSON.
    fn exposure_settings(&self, freshness: Freshness) -> Result<String, HaError>;
    /// Home Assistant's temperature unit (`"°C"`/`"°F"`), `None` when it cannot be read.
    fn temperature_unit(&self) -> Option<String>;
    /// Home Assistant's external URL (`external_url` of `/api/config`), `None` when it
    /// is not configured or cannot be read (the discovery explanation names it).
    fn external_url(&self) -> Option<String> {
        None
    }
    fn config(&self) -> Config;
    fn warn(&self, message: &str, fields: &[(&str, &str)]);
    fn info(&self, message: &str, fields: &[(&str, &str)]);
    /// Reads `reads` concurrently into the host's cache, so the reads that follow cost
    /// no round trip each (a fake home has nothing to prefetch).
    fn prefetch(&self, reads: &[Prefetch], freshness: Freshness) -> Result<(), HaError> {
        let _ = (reads, freshness);
        Ok(())
    }
    /// A value the component kept (its host cache), `None` when there is none.
    fn recall(&self, key: &str) -> Option<String> {
        let _ = key;
        None
    }
    /// Keeps a value for `ttl_ms` (best effort: without a cache grant nothing is kept).
    fn keep(&self, key: &str, value: &str, ttl_ms: u32) {
        let _ = (key, value, ttl_ms);
    }
}
