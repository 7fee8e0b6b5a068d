//! Read caches for Home Assistant data. Every read names the oldest answer it accepts
//! (`max_age`); the cache's own TTLs (states 60 s, registries 300 s, templates/mappings
//! 600 s) cap that. States are kept per entity so a service call can refresh exactly the
//! entities it changed; the full list is served only while it is complete and fresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::State;

pub const STATES_TTL: Duration = Duration::from_secs(60);
pub const REGISTRY_TTL: Duration = Duration::from_secs(300);
pub const MAPPING_TTL: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
struct Stamped<T> {
    at: Instant,
    value: T,
}

fn fresh<T: Clone>(entry: Option<&Stamped<T>>, max_age: Duration, ttl: Duration) -> Option<T> {
    let entry = entry?;
    (entry.at.elapsed() <= max_age.min(ttl)).then(|| entry.value.clone())
}

#[derive(Debug, Default)]
struct StateTable {
    by_entity: HashMap<String, Stamped<Arc<State>>>,
    /// Entity order and time of the last complete listing; `None` once a write
    /// invalidated it.
    listing: Option<Stamped<Arc<Vec<String>>>>,
}

/// All cached Home Assistant reads for one base URL.
#[derive(Debug, Default)]
pub struct HaCache {
    states: Mutex<StateTable>,
    registries: Mutex<HashMap<String, Stamped<Arc<String>>>>,
    templates: Mutex<HashMap<String, Stamped<Arc<String>>>>,
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl HaCache {
    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The full state list if a complete listing no older than `max_age` exists.
    pub fn all_states(&self, max_age: Duration) -> Option<Vec<Arc<State>>> {
        let table = lock(&self.states);
        let order = fresh(table.listing.as_ref(), max_age, STATES_TTL);
        let result = order.and_then(|order| {
            order
                .iter()
                .map(|id| table.by_entity.get(id).map(|e| e.value.clone()))
                .collect::<Option<Vec<_>>>()
        });
        self.count(result.is_some());
        result
    }

    pub fn store_all_states(&self, states: &[Arc<State>]) {
        let now = Instant::now();
        let mut table = lock(&self.states);
        table.by_entity.clear();
        for state in states {
            table.by_entity.insert(
                state.entity_id.clone(),
                Stamped {
                    at: now,
                    value: state.clone(),
                },
            );
        }
        table.listing = Some(Stamped {
            at: now,
            value: Arc::new(states.iter().map(|s| s.entity_id.clone()).collect()),
        });
    }

    pub fn state(&self, entity_id: &str, max_age: Duration) -> Option<Arc<State>> {
        let table = lock(&self.states);
        let result = fresh(table.by_entity.get(entity_id), max_age, STATES_TTL);
        self.count(result.is_some());
        result
    }

    /// Records fresh states (a single read, or the changed states of a service call).
    pub fn store_states(&self, states: &[Arc<State>]) {
        let now = Instant::now();
        let mut table = lock(&self.states);
        for state in states {
            let known = table.by_entity.contains_key(&state.entity_id);
            table.by_entity.insert(
                state.entity_id.clone(),
                Stamped {
                    at: now,
                    value: state.clone(),
                },
            );
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
        lock(&self.templates).retain(|_, e| e.at.elapsed() < Duration::from_secs(1));
    }

    pub fn registry(&self, key: &str, max_age: Duration) -> Option<Arc<String>> {
        let result = fresh(lock(&self.registries).get(key), max_age, REGISTRY_TTL);
        self.count(result.is_some());
        result
    }

    pub fn store_registry(&self, key: &str, value: Arc<String>) {
        lock(&self.registries).insert(
            key.to_string(),
            Stamped {
                at: Instant::now(),
                value,
            },
        );
    }

    pub fn template(&self, template: &str, max_age: Duration) -> Option<Arc<String>> {
        let result = fresh(lock(&self.templates).get(template), max_age, MAPPING_TTL);
        self.count(result.is_some());
        result
    }

    pub fn store_template(&self, template: &str, value: Arc<String>) {
        let mut templates = lock(&self.templates);
        // Bound memory: templates are few in practice; drop expired ones when it grows.
        if templates.len() > 256 {
            templates.retain(|_, e| e.at.elapsed() <= MAPPING_TTL);
        }
        templates.insert(
            template.to_string(),
            Stamped {
                at: Instant::now(),
                value,
            },
        );
    }

    pub fn clear(&self) {
        *lock(&self.states) = StateTable::default();
        lock(&self.registries).clear();
        lock(&self.templates).clear();
    }

    /// Summary for the health event.
    pub fn describe(&self) -> Value {
        let table = lock(&self.states);
        json!({
            "states_cached": table.by_entity.len(),
            "states_listing_age_ms": table.listing.as_ref().map(|l| l.at.elapsed().as_millis() as u64),
            "registries_cached": lock(&self.registries).len(),
            "templates_cached": lock(&self.templates).len(),
            "hits": self.hits.load(std::sync::atomic::Ordering::Relaxed),
            "misses": self.misses.load(std::sync::atomic::Ordering::Relaxed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: &str, s: &str) -> Arc<State> {
        Arc::new(State {
            entity_id: id.into(),
            state: s.into(),
            attributes: "{}".into(),
            last_changed: String::new(),
            last_updated: String::new(),
        })
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
