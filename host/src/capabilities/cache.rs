//! `lee:gateway/cache`: a TTL key/value store namespaced per component with a byte
//! quota. Hand-written rather than a cache crate because a quota must refuse a write
//! (the guest gets `quota-exceeded`), not silently evict another entry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::runtime::bindings::lee::gateway::cache::{self as wit, CacheError};
use crate::runtime::state::HostState;

/// TTL used when the guest passes 0, and the longest TTL accepted.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
const MAX_KEY_BYTES: usize = 512;

#[derive(Default)]
struct Namespace {
    entries: HashMap<String, (Vec<u8>, Instant)>,
    bytes: u64,
}

impl Namespace {
    fn entry_size(key: &str, value: &[u8]) -> u64 {
        (key.len() + value.len()) as u64
    }

    fn purge_expired(&mut self, now: Instant) {
        let mut freed = 0;
        self.entries.retain(|k, (v, expires)| {
            let keep = *expires > now;
            if !keep {
                freed += Self::entry_size(k, v);
            }
            keep
        });
        self.bytes -= freed;
    }

    fn remove(&mut self, key: &str) {
        if let Some((v, _)) = self.entries.remove(key) {
            self.bytes -= Self::entry_size(key, &v);
        }
    }
}

/// All components' caches.
#[derive(Default)]
pub struct ComponentCaches {
    namespaces: Mutex<HashMap<String, Namespace>>,
}

impl ComponentCaches {
    fn with<R>(&self, component: &str, f: impl FnOnce(&mut Namespace) -> R) -> R {
        let mut all = self.namespaces.lock().unwrap_or_else(|p| p.into_inner());
        f(all.entry(component.to_string()).or_default())
    }

    pub fn get(&self, component: &str, key: &str) -> Option<Vec<u8>> {
        self.with(component, |ns| {
            let (value, expires) = ns.entries.get(key)?;
            (*expires > Instant::now()).then(|| value.clone())
        })
    }

    pub fn set(
        &self,
        component: &str,
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
        let ttl = if ttl.is_zero() {
            DEFAULT_TTL
        } else {
            ttl.min(MAX_TTL)
        };
        self.with(component, |ns| {
            let now = Instant::now();
            ns.remove(&key);
            let size = Namespace::entry_size(&key, &value);
            if ns.bytes + size > quota {
                ns.purge_expired(now);
            }
            if ns.bytes + size > quota {
                return Err(CacheError::QuotaExceeded(quota));
            }
            ns.bytes += size;
            ns.entries.insert(key, (value, now + ttl));
            Ok(())
        })
    }

    pub fn delete(&self, component: &str, key: &str) {
        self.with(component, |ns| ns.remove(key));
    }

    pub fn describe(&self) -> Value {
        let all = self.namespaces.lock().unwrap_or_else(|p| p.into_inner());
        Value::Object(
            all.iter()
                .map(|(k, ns)| {
                    (
                        k.clone(),
                        json!({"entries": ns.entries.len(), "bytes": ns.bytes}),
                    )
                })
                .collect(),
        )
    }
}

impl wit::Host for HostState {
    fn get(&mut self, key: String) -> Option<Vec<u8>> {
        self.capabilities.cache.get(&self.scope.component_id, &key)
    }

    fn set(&mut self, key: String, value: Vec<u8>, ttl_ms: u32) -> Result<(), CacheError> {
        let quota = self.scope.grants.cache_bytes;
        self.capabilities.cache.set(
            &self.scope.component_id,
            quota,
            key,
            value,
            Duration::from_millis(u64::from(ttl_ms)),
        )
    }

    fn delete(&mut self, key: String) {
        self.capabilities
            .cache
            .delete(&self.scope.component_id, &key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_refuses_and_namespaces_are_separate() {
        let caches = ComponentCaches::default();
        let ttl = Duration::from_secs(60);
        caches.set("a", 10, "k".into(), vec![0; 8], ttl).unwrap();
        assert!(matches!(
            caches.set("a", 10, "k2".into(), vec![0; 8], ttl),
            Err(CacheError::QuotaExceeded(10))
        ));
        // Replacing a key frees its old bytes first.
        caches.set("a", 10, "k".into(), vec![1; 9], ttl).unwrap();
        assert_eq!(caches.get("a", "k"), Some(vec![1; 9]));
        assert_eq!(caches.get("b", "k"), None);
        caches.delete("a", "k");
        assert_eq!(caches.get("a", "k"), None);
    }

    #[test]
    fn entries_expire() {
        let caches = ComponentCaches::default();
        caches
            .set("a", 100, "k".into(), vec![1], Duration::from_millis(1))
            .unwrap();
        std::thread::sleep(Duration::from_millis(3));
        assert_eq!(caches.get("a", "k"), None);
        caches
            .set("a", 100, "k2".into(), vec![0; 90], Duration::from_secs(1))
            .unwrap();
    }
}
