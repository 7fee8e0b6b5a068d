//! Read caches for Home Assistant data. Every read names the oldest answer it accepts
//! (`max_age`); the cache's own TTLs (states 600 s, registries 300 s, templates/mappings
//! 600 s) cap that. States live that long for reads that use only what rarely changes
//! (an entity's domain, features and ranges, to plan a command); reads of values ask
//! for seconds or for "now". States are kept per entity so a service call can refresh exactly the
//! entities it changed; the full list is served only while it is complete and fresh.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::states::State;
use crate::ttl_map::{Capacity, Overflow, TtlMap};

pub const STATES_TTL: Duration = Duration::from_secs(600);
pub const REGISTRY_TTL: Duration = Duration::from_secs(300);
pub const MAPPING_TTL: Duration = Duration::from_secs(600);

/// Entities kept (a very large home has tens of thousands).
const MAX_STATES: usize = 200_000;
/// Registry-like listings kept (five registries and the core configuration).
const MAX_REGISTRIES: usize = 16;
/// Rendered templates kept, and their total bytes (templates and answers).
const MAX_TEMPLATES: usize = 256;
const MAX_TEMPLATE_CACHE_BYTES: u64 = 1 << 20;
/// A template longer than this, or an answer larger than this, is not cached.
pub const MAX_CACHED_TEMPLATE: usize = 4 * 1024;
pub const MAX_CACHED_ANSWER: usize = 64 * 1024;

/// A registry-like listing as cached: Home Assistant's text, and (for the entity
/// registry) the aliases gathered separately, merged in when the listing is served.
#[derive(Debug, Default)]
pub struct Listing {
    pub text: String,
    pub aliases: std::collections::HashMap<String, Vec<String>>,
}

struct StateTable {
    by_entity: TtlMap<String, Arc<State>>,
    /// Entity order and time of the last complete listing; `None` once a write
    /// invalidated it.
    listing: Option<(Instant, Arc<Vec<String>>)>,
}

/// All cached Home Assistant reads for one base URL.
pub struct HaCache {
    states: Mutex<StateTable>,
    registries: Mutex<TtlMap<String, Arc<Listing>>>,
    templates: Mutex<TtlMap<String, Arc<String>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Default for HaCache {
    fn default() -> Self {
        let lru = Overflow::EvictLeastRecent;
        Self {
            states: Mutex::new(StateTable {
                by_entity: TtlMap::new(STATES_TTL, Capacity::entries(MAX_STATES), lru),
                listing: None,
            }),
            registries: Mutex::new(TtlMap::new(
                REGISTRY_TTL,
                Capacity::entries(MAX_REGISTRIES),
                lru,
            )),
            templates: Mutex::new(
                TtlMap::new(
                    MAPPING_TTL,
                    Capacity::entries(MAX_TEMPLATES).and_bytes(MAX_TEMPLATE_CACHE_BYTES),
                    lru,
                )
                .with_weigher(|template: &String, answer: &Arc<String>| {
                    (template.len() + answer.len()) as u64
                }),
            ),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl HaCache {
    fn count<T>(&self, result: Option<T>) -> Option<T> {
        let counter = if result.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Relaxed);
        result
    }

    /// The full state list if a complete listing no older than `max_age` exists.
    pub fn all_states(&self, max_age: Duration) -> Option<Vec<Arc<State>>> {
        let table = lock(&self.states);
        let order = table
            .listing
            .as_ref()
            .filter(|(at, _)| at.elapsed() <= max_age.min(STATES_TTL))
            .map(|(_, order)| order.clone());
        let result = order.and_then(|order| {
            order
                .iter()
                .map(|id| table.by_entity.peek(id).cloned())
                .collect::<Option<Vec<_>>>()
        });
        self.count(result)
    }

    /// Is a complete listing no older than `max_age` cached? (Not counted as a hit.)
    pub fn has_all_states(&self, max_age: Duration) -> bool {
        let table = lock(&self.states);
        table.listing.as_ref().is_some_and(|(at, order)| {
            at.elapsed() <= max_age.min(STATES_TTL)
                && order.iter().all(|id| table.by_entity.peek(id).is_some())
        })
    }

    pub fn store_all_states(&self, states: &[Arc<State>]) {
        let mut table = lock(&self.states);
        table.by_entity.clear();
        for state in states {
            // The map is sized for any home; an overflow only drops the oldest entry.
            let _ = table
                .by_entity
                .insert(state.entity_id.clone(), state.clone());
        }
        table.listing = Some((
            Instant::now(),
            Arc::new(states.iter().map(|s| s.entity_id.clone()).collect()),
        ));
    }

    pub fn state(&self, entity_id: &str, max_age: Duration) -> Option<Arc<State>> {
        let mut table = lock(&self.states);
        let result = table.by_entity.get(entity_id, max_age).cloned();
        self.count(result)
    }

    /// The cached entry of an entity within the states TTL, not counted as a hit or miss
    /// (to decide how to make a call, never to answer one).
    pub fn peek_state(&self, entity_id: &str) -> Option<Arc<State>> {
        lock(&self.states).by_entity.peek(entity_id).cloned()
    }

    /// Records fresh states (a single read, or the changed states of a service call).
    pub fn store_states(&self, states: &[Arc<State>]) {
        let mut table = lock(&self.states);
        for state in states {
            let known = table.by_entity.peek(&state.entity_id).is_some();
            let _ = table
                .by_entity
                .insert(state.entity_id.clone(), state.clone());
            if !known {
                // A new entity makes the listing incomplete.
                table.listing = None;
            }
        }
    }

    /// A service call touched these entities (or, when `None`, an unknown set): drop what
    /// it may have changed so the next read goes to Home Assistant.
    pub fn invalidate_after_write(&self, touched: Option<&[String]>) {
        let mut table = lock(&self.states);
        match touched {
            Some(ids) => {
                for id in ids {
                    table.by_entity.remove(id);
                }
            }
            None => table.by_entity.clear(),
        }
        table.listing = None;
        // Templates may read any state; mappings survive only reads that allow their age.
        lock(&self.templates).retain(|_, _, stored| stored.elapsed() < Duration::from_secs(1));
    }

    /// Drops every cached registry listing (Home Assistant said a registry changed).
    pub fn invalidate_registries(&self) {
        lock(&self.registries).clear();
    }

    pub fn registry(&self, key: &str, max_age: Duration) -> Option<Arc<Listing>> {
        let result = lock(&self.registries).get(key, max_age).cloned();
        self.count(result)
    }

    /// Is this registry-like listing cached within `max_age`? (Not counted as a hit.)
    pub fn has_registry(&self, key: &str, max_age: Duration) -> bool {
        lock(&self.registries).get(key, max_age).is_some()
    }

    pub fn store_registry(&self, key: &str, value: Arc<Listing>) {
        let _ = lock(&self.registries).insert(key.to_string(), value);
    }

    pub fn template(&self, template: &str, max_age: Duration) -> Option<Arc<String>> {
        let result = lock(&self.templates).get(template, max_age).cloned();
        self.count(result)
    }

    /// Caches a rendered template unless the template or its answer is large (a large
    /// answer is cheap for Home Assistant to send again compared with the memory it holds).
    pub fn store_template(&self, template: &str, value: Arc<String>) {
        if template.len() <= MAX_CACHED_TEMPLATE && value.len() <= MAX_CACHED_ANSWER {
            let _ = lock(&self.templates).insert(template.to_string(), value);
        }
    }

    /// Summary for the health event.
    pub fn describe(&self) -> Value {
        let table = lock(&self.states);
        json!({
            "states_cached": table.by_entity.len(),
            "states_listing_age_ms": table.listing.as_ref().map(|(at, _)| at.elapsed().as_millis() as u64),
            "registries_cached": lock(&self.registries).len(),
            "templates_cached": lock(&self.templates).len(),
            "templates_bytes": lock(&self.templates).weight(),
            "hits": self.hits.load(Relaxed),
            "misses": self.misses.load(Relaxed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: &str, s: &str) -> Arc<State> {
        State::bare(id, s)
    }

    #[test]
    fn max_age_bounds_reads() {
        let cache = HaCache::default();
        cache.store_all_states(&[state("light.a", "on"), state("light.b", "off")]);
        assert_eq!(cache.all_states(Duration::from_secs(10)).unwrap().len(), 2);
        std::thread::sleep(Duration::from_millis(5));
        assert!(cache.all_states(Duration::ZERO).is_none());
        assert!(cache.state("light.a", Duration::ZERO).is_none());
        assert_eq!(
            cache
                .state("light.a", Duration::from_secs(1))
                .unwrap()
                .state,
            "on"
        );
    }

    #[test]
    fn the_template_cache_is_bounded_in_bytes() {
        let cache = HaCache::default();
        let big = Arc::new("x".repeat(MAX_CACHED_ANSWER + 1));
        cache.store_template("{{ big }}", big);
        assert!(
            cache
                .template("{{ big }}", Duration::from_secs(60))
                .is_none()
        );
        cache.store_template(&"k".repeat(MAX_CACHED_TEMPLATE + 1), Arc::new("1".into()));
        for i in 0..200 {
            cache.store_template(&format!("{{{{ {i} }}}}"), Arc::new("y".repeat(60_000)));
        }
        let bytes = lock(&cache.templates).weight();
        assert!(bytes <= MAX_TEMPLATE_CACHE_BYTES, "{bytes}");
        assert!(
            cache
                .template("{{ 199 }}", Duration::from_secs(60))
                .is_some()
        );
        assert!(cache.template("{{ 0 }}", Duration::from_secs(60)).is_none());
    }

    #[test]
    fn writes_invalidate_touched_entities_and_the_listing() {
        let cache = HaCache::default();
        cache.store_all_states(&[state("light.a", "on"), state("light.b", "off")]);
        cache.invalidate_after_write(Some(&["light.a".to_string()]));
        assert!(cache.state("light.a", Duration::from_secs(60)).is_none());
        assert!(cache.state("light.b", Duration::from_secs(60)).is_some());
        assert!(cache.all_states(Duration::from_secs(60)).is_none());
        cache.store_states(&[state("light.a", "off")]);
        assert_eq!(
            cache
                .state("light.a", Duration::from_secs(60))
                .unwrap()
                .state,
            "off"
        );
    }
}
