//! The cache capability (`lee:gateway/cache`): a TTL key/value store namespaced per
//! component with a byte quota from its grant. A full quota refuses the write (the guest
//! gets `quota-exceeded`) instead of silently evicting another of its entries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wasmtime::component::{HasSelf, Linker};

use super::shape::{Capability, ComponentInfo, Grant, Init, Scope};
use crate::bindings::gateway::cache::{self as wit, CacheError};
use crate::ttl_map::{Capacity, Full, Overflow, TtlMap};

/// TTL used when the guest passes 0, and the longest TTL accepted.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
const MAX_KEY_BYTES: usize = 512;
/// Entries one component may hold, whatever their size.
pub const MAX_ENTRIES: usize = 1024;
/// What an entry costs the host beyond its key and value (map slot, expiry, recency
/// links), charged against the quota so many tiny entries cannot exceed it in effect.
pub const ENTRY_OVERHEAD: u64 = 64;

/// The `cache` part of `[component.grants]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CacheGrant {
    /// Quota in bytes; 0 means the component is not linked with the `cache` interface.
    #[serde(default)]
    pub cache_bytes: u64,
}

impl Grant for CacheGrant {
    const KEYS: &'static [&'static str] = &["cache_bytes"];
}

/// The bytes an entry counts against its component's quota.
pub fn entry_weight(key: &str, value: &[u8]) -> u64 {
    (key.len() + value.len()) as u64 + ENTRY_OVERHEAD
}

struct Namespace {
    quota: u64,
    entries: TtlMap<String, Vec<u8>>,
}

impl Namespace {
    fn new(quota: u64) -> Self {
        Self {
            quota,
            entries: TtlMap::new(
                MAX_TTL,
                Capacity::entries(MAX_ENTRIES).and_bytes(quota),
                Overflow::Refuse,
            )
            .with_weigher(|key: &String, value: &Vec<u8>| entry_weight(key, value)),
        }
    }
}

/// All components' caches.
#[derive(Default)]
pub struct ComponentCaches {
    namespaces: Mutex<HashMap<Arc<str>, Namespace>>,
}

impl ComponentCaches {
    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, Namespace>> {
        self.namespaces.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, component: &str, key: &str) -> Option<Vec<u8>> {
        self.lock().get(component)?.entries.peek(key).cloned()
    }

    pub fn set(
        &self,
        component: &Arc<str>,
        quota: u64,
        key: String,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<(), CacheError> {
        if key.len() > MAX_KEY_BYTES {
            return Err(CacheError::Denied(format!(
                "cache keys are limited to {MAX_KEY_BYTES} bytes"
            )));
        }
        let ttl = if ttl.is_zero() { DEFAULT_TTL } else { ttl };
        let mut all = self.lock();
        let namespace = all
            .entry(component.clone())
            .or_insert_with(|| Namespace::new(quota));
        if namespace.quota != quota {
            *namespace = Namespace::new(quota);
        }
        namespace
            .entries
            .insert_for(key, value, ttl)
            .map_err(|Full| CacheError::QuotaExceeded(quota))
    }

    pub fn delete(&self, component: &str, key: &str) {
        if let Some(namespace) = self.lock().get_mut(component) {
            namespace.entries.remove(key);
        }
    }
}

impl Capability for ComponentCaches {
    const INTERFACE: &'static str = "lee:gateway/cache";
    type Grant = CacheGrant;
    type Prepared = u64;
    type Ctx = CacheCtx;

    fn new(_: &Init<'_>) -> anyhow::Result<Self> {
        Ok(Self::default())
    }

    fn granted(grant: &CacheGrant) -> bool {
        grant.cache_bytes > 0
    }

    fn add_to_linker<T: Send + 'static>(
        linker: &mut Linker<T>,
        project: fn(&mut T) -> &mut CacheCtx,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasSelf<CacheCtx>>(linker, project)
    }

    fn prepare(&self, _: &ComponentInfo<'_>, grant: &CacheGrant) -> Result<u64, String> {
        Ok(grant.cache_bytes)
    }

    fn context(self: &Arc<Self>, quota: &u64, scope: &Arc<Scope>) -> CacheCtx {
        CacheCtx {
            caches: self.clone(),
            quota: *quota,
            component: scope.component_id.clone(),
            scope: scope.clone(),
        }
    }

    fn describe(&self) -> Value {
        Value::Object(
            self.lock()
                .iter()
                .map(|(id, ns)| {
                    (
                        id.to_string(),
                        json!({"entries": ns.entries.len(), "bytes": ns.entries.weight()}),
                    )
                })
                .collect(),
        )
    }
}

/// One invocation's cache context: the component's own namespace and quota.
pub struct CacheCtx {
    caches: Arc<ComponentCaches>,
    quota: u64,
    component: Arc<str>,
    scope: Arc<Scope>,
}

impl wit::Host for CacheCtx {
    async fn get(&mut self, key: String) -> Option<Vec<u8>> {
        self.caches.get(&self.component, &key)
    }

    async fn set(&mut self, key: String, value: Vec<u8>, ttl_ms: u32) -> Result<(), CacheError> {
        if self.quota == 0 {
            return Err(CacheError::Denied(
                self.scope.deny("cache set", "a cache (cache_bytes)"),
            ));
        }
        self.caches.set(
            &self.component,
            self.quota,
            key,
            value,
            Duration::from_millis(u64::from(ttl_ms)),
        )
    }

    async fn delete(&mut self, key: String) {
        self.caches.delete(&self.component, &key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_refuses_and_namespaces_are_separate() {
        let caches = ComponentCaches::default();
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("a"), Arc::from("b"));
        let ttl = Duration::from_secs(60);
        let quota = 10 + ENTRY_OVERHEAD;
        caches.set(&a, quota, "k".into(), vec![0; 8], ttl).unwrap();
        assert!(matches!(
            caches.set(&a, quota, "k2".into(), vec![0; 8], ttl),
            Err(CacheError::QuotaExceeded(q)) if q == quota
        ));
        // Replacing a key frees its old bytes first.
        caches.set(&a, quota, "k".into(), vec![1; 9], ttl).unwrap();
        assert_eq!(caches.get("a", "k"), Some(vec![1; 9]));
        assert_eq!(caches.get(&b, "k"), None);
        caches.delete("a", "k");
        assert_eq!(caches.get("a", "k"), None);
    }

    #[test]
    fn entries_expire() {
        let caches = ComponentCaches::default();
        let a: Arc<str> = Arc::from("a");
        let quota = 100 + ENTRY_OVERHEAD;
        caches
            .set(&a, quota, "k".into(), vec![1], Duration::from_millis(1))
            .unwrap();
        std::thread::sleep(Duration::from_millis(3));
        assert_eq!(caches.get("a", "k"), None);
        caches
            .set(&a, quota, "k2".into(), vec![0; 90], Duration::from_secs(1))
            .unwrap();
    }

    #[test]
    fn tiny_entries_pay_their_overhead() {
        let caches = ComponentCaches::default();
        let a: Arc<str> = Arc::from("a");
        let mut stored = 0;
        while caches
            .set(
                &a,
                4096,
                format!("{stored}"),
                vec![1],
                Duration::from_secs(60),
            )
            .is_ok()
        {
            stored += 1;
        }
        assert!(stored <= 4096 / ENTRY_OVERHEAD, "{stored} entries in 4 KiB");
        assert!(stored > 40, "{stored}");
    }
}
