//! The set of components the host knows (from the manifest) and the ones it has loaded:
//! route resolution, lazy loading on first use, least-recently-used unloading beyond
//! the resident cap, and the lifecycle counters.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wasmtime::Engine;

use super::canary::{self, Tracker, Variant};
use super::loader::{self, LoadError, LoadedComponent};
use super::manifest::{ComponentEntry, Manifest};
use crate::capabilities::Capabilities;

/// Lifecycle counters.
#[derive(Debug, Default)]
pub struct Counters {
    pub loads: AtomicU64,
    pub load_failures: AtomicU64,
    pub unloads: AtomicU64,
    pub instantiations: AtomicU64,
    pub traps: AtomicU64,
    pub timeouts: AtomicU64,
    pub memory_limits: AtomicU64,
}

impl Counters {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn describe(&self) -> Value {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        json!({
            "loads": get(&self.loads),
            "load_failures": get(&self.load_failures),
            "unloads": get(&self.unloads),
            "instantiations": get(&self.instantiations),
            "traps": get(&self.traps),
            "timeouts": get(&self.timeouts),
            "memory_limits": get(&self.memory_limits),
        })
    }
}

#[derive(Default)]
struct Resident {
    components: HashMap<String, (Arc<LoadedComponent>, u64)>,
    clock: u64,
}

/// Known and loaded components.
pub struct ComponentRegistry {
    engine: Engine,
    capabilities: Arc<Capabilities>,
    manifest: Manifest,
    resident: Mutex<Resident>,
    /// Shared with the registries that replace this one at a manifest reload.
    pub counters: Arc<Counters>,
    /// Per-version counters and rollback state of the components with a canary.
    pub canary: Tracker,
}

impl ComponentRegistry {
    pub fn new(engine: Engine, capabilities: Arc<Capabilities>, manifest: Manifest) -> Self {
        Self {
            engine,
            capabilities,
            manifest,
            resident: Mutex::new(Resident::default()),
            counters: Arc::default(),
            canary: Tracker::default(),
        }
    }

    /// A registry for a new manifest with this one's engine, capabilities and counters,
    /// nothing resident yet.
    pub fn successor(&self, manifest: Manifest) -> Self {
        Self {
            engine: self.engine.clone(),
            capabilities: self.capabilities.clone(),
            manifest,
            resident: Mutex::new(Resident::default()),
            counters: self.counters.clone(),
            canary: Tracker::default(),
        }
    }

    /// Takes over `from`'s loaded component `key` (an unchanged artifact), if resident.
    pub fn adopt(&self, from: &ComponentRegistry, key: &str) {
        let loaded = from.lock().components.get(key).map(|(l, _)| l.clone());
        if let Some(loaded) = loaded {
            let mut resident = self.lock();
            resident.clock += 1;
            let now = resident.clock;
            resident.components.insert(key.to_string(), (loaded, now));
            self.evict_beyond_cap(&mut resident);
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn capabilities(&self) -> &Arc<Capabilities> {
        &self.capabilities
    }

    /// The component that serves `route` (see [`Manifest::resolve`]).
    pub fn resolve(&self, route: &str) -> Option<&ComponentEntry> {
        self.manifest.resolve(route)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Resident> {
        self.resident.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The loaded component `id`, loading it now if needed.
    pub fn get(&self, id: &str) -> Result<Arc<LoadedComponent>, LoadError> {
        let entry = self
            .manifest
            .component(id)
            .ok_or_else(|| LoadError::Invalid {
                id: id.to_string(),
                message: "not in the manifest".into(),
            })?;
        self.get_keyed(id, entry)
    }

    /// The loaded `variant` of `entry` (its canary is resident as `<id>@canary`).
    pub fn get_variant(
        &self,
        entry: &ComponentEntry,
        variant: Variant,
    ) -> Result<Arc<LoadedComponent>, LoadError> {
        match (variant, canary::variant_entry(entry)) {
            (Variant::Canary, Some(canary)) => {
                self.get_keyed(&format!("{}@canary", entry.id), &canary)
            }
            _ => self.get(&entry.id),
        }
    }

    fn get_keyed(
        &self,
        id: &str,
        entry: &ComponentEntry,
    ) -> Result<Arc<LoadedComponent>, LoadError> {
        {
            let mut resident = self.lock();
            resident.clock += 1;
            let now = resident.clock;
            if let Some((loaded, last_used)) = resident.components.get_mut(id) {
                *last_used = now;
                return Ok(loaded.clone());
            }
        }
        let loaded = match loader::load(&self.engine, &self.capabilities, &self.manifest, entry) {
            Ok(loaded) => Arc::new(loaded),
            Err(e) => {
                Counters::bump(&self.counters.load_failures);
                return Err(e);
            }
        };
        Counters::bump(&self.counters.loads);
        tracing::info!(
            component = id,
            load_us = loaded.load_time.as_micros() as u64,
            "component loaded"
        );
        let mut resident = self.lock();
        resident.clock += 1;
        let now = resident.clock;
        resident
            .components
            .insert(id.to_string(), (loaded.clone(), now));
        self.evict_beyond_cap(&mut resident);
        Ok(loaded)
    }

    fn evict_beyond_cap(&self, resident: &mut Resident) {
        while resident.components.len() > self.manifest.host.resident_cap {
            let Some(oldest) = resident
                .components
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            resident.components.remove(&oldest);
            Counters::bump(&self.counters.unloads);
            tracing::info!(component = %oldest, "component unloaded (least recently used)");
        }
    }

    pub fn is_loaded(&self, id: &str) -> bool {
        self.lock().components.contains_key(id)
    }

    /// Components with their load state, for the health event.
    pub fn describe(&self) -> Value {
        let resident = self.lock();
        Value::Array(
            self.manifest
                .components
                .iter()
                .map(|c| {
                    let mut doc = json!({
                        "id": c.id,
                        "version": c.version,
                        "routes": c.routes,
                        "loaded": resident.components.contains_key(&c.id),
                    });
                    if let Some(rollout) = self.canary.describe(c) {
                        doc["canary"] = rollout;
                    }
                    doc
                })
                .collect(),
        )
    }
}
