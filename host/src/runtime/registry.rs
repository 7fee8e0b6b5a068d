//! The set of components the host knows (from the manifest) and the ones it has loaded:
//! route resolution, lazy loading on first use, least-recently-used unloading beyond
//! the resident cap, and the lifecycle counters.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wasmtime::Engine;

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
    pub counters: Counters,
}

impl ComponentRegistry {
    pub fn new(engine: Engine, capabilities: Arc<Capabilities>, manifest: Manifest) -> Self {
        Self {
            engine,
            capabilities,
            manifest,
            resident: Mutex::new(Resident::default()),
            counters: Counters::default(),
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
        {
            let mut resident = self.lock();
            resident.clock += 1;
            let now = resident.clock;
            if let Some((loaded, last_used)) = resident.components.get_mut(id) {
                *last_used = now;
                return Ok(loaded.clone());
            }
        }
        let entry = self
            .manifest
            .component(id)
            .ok_or_else(|| LoadError::Invalid {
                id: id.to_string(),
                message: "not in the manifest".into(),
            })?;
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
                    json!({
                        "id": c.id,
                        "version": c.version,
                        "routes": c.routes,
                        "loaded": resident.components.contains_key(&c.id),
                    })
                })
                .collect(),
        )
    }
}
