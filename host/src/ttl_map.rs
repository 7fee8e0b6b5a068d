//! The one expiring map of the host: every cache (Home Assistant states, registries and
//! templates, the response cache, accepted tokens, the components' caches) is a
//! [`TtlMap`] with an explicit capacity (entries, and optionally bytes) and an explicit
//! rule for what happens when it is full. Built on the `lru` crate for the recency
//! order; expiry and byte accounting are the parts that crate does not have.
//!
//! Every read names the oldest answer it accepts (`max_age`), capped by the entry's own
//! time to live. Not synchronised: owners wrap it in a `Mutex`. The capacity is enforced
//! here, not by `lru` (whose bounded constructor pre-allocates the whole capacity).

use std::borrow::Borrow;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use lru::LruCache;

/// What an insert does when the map is full (after dropping expired entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Evict least recently used entries until the new one fits.
    EvictLeastRecent,
    /// Refuse the new entry (the caller reports it, e.g. a component's quota).
    Refuse,
}

/// How much a map may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    pub entries: NonZeroUsize,
    /// Sum of the entries' weights (see [`TtlMap::with_weigher`]); `None`: unbounded.
    pub bytes: Option<u64>,
}

impl Capacity {
    /// At most `n` entries (at least one).
    pub fn entries(n: usize) -> Self {
        Self {
            entries: NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN),
            bytes: None,
        }
    }

    /// Also at most `bytes` of total weight.
    pub fn and_bytes(mut self, bytes: u64) -> Self {
        self.bytes = Some(bytes);
        self
    }
}

/// Why an insert was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

struct Slot<V> {
    stored: Instant,
    expires: Instant,
    weight: u64,
    value: V,
}

/// An expiring, bounded map.
pub struct TtlMap<K: Hash + Eq, V> {
    entries: LruCache<K, Slot<V>>,
    ttl: Duration,
    capacity: Capacity,
    overflow: Overflow,
    weigher: fn(&K, &V) -> u64,
    weight: u64,
}

impl<K: Hash + Eq, V> TtlMap<K, V> {
    /// Entries live at most `ttl` (inserts may ask for less).
    pub fn new(ttl: Duration, capacity: Capacity, overflow: Overflow) -> Self {
        Self {
            entries: LruCache::unbounded(),
            ttl,
            capacity,
            overflow,
            weigher: |_, _| 0,
            weight: 0,
        }
    }

    /// Counts each entry's weight against `capacity.bytes`.
    pub fn with_weigher(mut self, weigher: fn(&K, &V) -> u64) -> Self {
        self.weigher = weigher;
        self
    }

    /// The value if it was stored no longer than `max_age` ago and has not expired;
    /// marks it recently used.
    pub fn get<Q>(&mut self, key: &Q, max_age: Duration) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let now = Instant::now();
        let fresh = {
            let slot = self.entries.peek(key)?;
            slot.expires > now && now.saturating_duration_since(slot.stored) <= max_age
        };
        if !fresh {
            return None;
        }
        self.entries.get(key).map(|slot| &slot.value)
    }

    /// The value regardless of its age, if it has not expired (does not touch recency).
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries
            .peek(key)
            .filter(|slot| slot.expires > Instant::now())
            .map(|slot| &slot.value)
    }

    /// When `key` was stored, if present and not expired.
    pub fn stored_at<Q>(&self, key: &Q) -> Option<Instant>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries
            .peek(key)
            .filter(|slot| slot.expires > Instant::now())
            .map(|slot| slot.stored)
    }

    /// Stores `value` for the map's time to live.
    pub fn insert(&mut self, key: K, value: V) -> Result<(), Full> {
        let ttl = self.ttl;
        self.insert_for(key, value, ttl)
    }

    /// Stores `value` for `ttl` (capped by the map's time to live).
    pub fn insert_for(&mut self, key: K, value: V, ttl: Duration) -> Result<(), Full> {
        let weight = (self.weigher)(&key, &value);
        self.remove(&key);
        if !self.fits(weight) {
            self.purge_expired();
        }
        if !self.fits(weight) {
            match self.overflow {
                Overflow::Refuse => return Err(Full),
                Overflow::EvictLeastRecent => {
                    if self.capacity.bytes.is_some_and(|max| weight > max) {
                        return Err(Full);
                    }
                    while !self.fits(weight) {
                        match self.entries.pop_lru() {
                            Some((_, slot)) => self.weight -= slot.weight,
                            None => break,
                        }
                    }
                }
            }
        }
        let now = Instant::now();
        self.weight += weight;
        self.entries.put(
            key,
            Slot {
                stored: now,
                expires: now + ttl.min(self.ttl),
                weight,
                value,
            },
        );
        Ok(())
    }

    fn fits(&self, weight: u64) -> bool {
        self.entries.len() < self.capacity.entries.get()
            && self
                .capacity
                .bytes
                .is_none_or(|max| self.weight + weight <= max)
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.entries.pop(key)?;
        self.weight -= slot.weight;
        Some(slot.value)
    }

    /// Keeps only the entries for which `keep(key, value, stored_at)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V, Instant) -> bool) {
        self.retain_slots(|key, slot| keep(key, &slot.value, slot.stored));
    }

    /// Drops every expired entry.
    pub fn purge_expired(&mut self) {
        let now = Instant::now();
        self.retain_slots(|_, slot| slot.expires > now);
    }

    /// `LruCache` has no retain: pop every entry, least recent first, and put back the
    /// kept ones, which preserves their recency order.
    fn retain_slots(&mut self, mut keep: impl FnMut(&K, &Slot<V>) -> bool) {
        let mut kept = LruCache::unbounded();
        while let Some((key, slot)) = self.entries.pop_lru() {
            if keep(&key, &slot) {
                kept.put(key, slot);
            } else {
                self.weight -= slot.weight;
            }
        }
        self.entries = kept;
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.weight = 0;
    }

    /// Entries held (expired ones included until they are purged).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Total weight held.
    pub fn weight(&self) -> u64 {
        self.weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(60);

    #[test]
    fn reads_respect_max_age_and_ttl() {
        let mut map = TtlMap::new(
            Duration::from_millis(20),
            Capacity::entries(4),
            Overflow::Refuse,
        );
        map.insert("a", 1).unwrap();
        assert_eq!(map.get(&"a", LONG), Some(&1));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(
            map.get(&"a", Duration::ZERO),
            None,
            "older than the caller accepts"
        );
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(map.get(&"a", LONG), None, "expired");
        map.insert_for("b", 2, Duration::from_secs(3600)).unwrap();
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(
            map.peek(&"b"),
            None,
            "an insert cannot outlive the map's ttl"
        );
    }

    #[test]
    fn lru_overflow_evicts_the_least_recent() {
        let mut map = TtlMap::new(LONG, Capacity::entries(2), Overflow::EvictLeastRecent);
        map.insert("a", 1).unwrap();
        map.insert("b", 2).unwrap();
        assert!(map.get(&"a", LONG).is_some());
        map.insert("c", 3).unwrap();
        assert!(map.peek(&"b").is_none(), "b was least recently used");
        assert!(map.peek(&"a").is_some() && map.peek(&"c").is_some());
    }

    #[test]
    fn refuse_overflow_and_byte_weights() {
        let mut map = TtlMap::new(LONG, Capacity::entries(10).and_bytes(10), Overflow::Refuse)
            .with_weigher(|k: &String, v: &Vec<u8>| (k.len() + v.len()) as u64);
        map.insert("k".into(), vec![0; 8]).unwrap();
        assert_eq!(map.insert("k2".into(), vec![0; 8]), Err(Full));
        // Replacing a key frees its old weight first.
        map.insert("k".into(), vec![1; 9]).unwrap();
        assert_eq!(map.weight(), 10);
        map.remove(&"k".to_string());
        assert_eq!(map.weight(), 0);
        let mut lru = TtlMap::new(
            LONG,
            Capacity::entries(10).and_bytes(10),
            Overflow::EvictLeastRecent,
        )
        .with_weigher(|_: &&str, v: &usize| *v as u64);
        lru.insert("a", 6).unwrap();
        lru.insert("b", 6).unwrap();
        assert!(lru.peek(&"a").is_none() && lru.weight() == 6);
        assert_eq!(lru.insert("huge", 11), Err(Full), "never fits");
    }

    #[test]
    fn retain_and_purge_keep_weights_right() {
        let mut map = TtlMap::new(LONG, Capacity::entries(8).and_bytes(100), Overflow::Refuse)
            .with_weigher(|_: &u32, v: &u64| *v);
        for i in 0..5 {
            map.insert(i, 10).unwrap();
        }
        map.retain(|k, _, _| k % 2 == 0);
        assert_eq!((map.len(), map.weight()), (3, 30));
        map.insert_for(9, 5, Duration::from_millis(1)).unwrap();
        std::thread::sleep(Duration::from_millis(3));
        map.purge_expired();
        assert_eq!((map.len(), map.weight()), (3, 30));
    }
}
