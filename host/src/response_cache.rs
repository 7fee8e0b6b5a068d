//! The host's response cache for idempotent routes (Alexa Discovery): an answer depends
//! only on the route and the caller's token, so a repeat within the component's
//! `idempotent_ttl_ms` is answered without running the component, with a fresh
//! messageId (and the request's correlationToken). Entries are keyed by a hash of the
//! token, never the token, and are served only while Home Assistant has accepted that
//! token recently (the caller checks).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::response::Response;
use crate::settings::Secret;
use crate::ttl_map::{Capacity, Overflow, TtlMap};

/// Most entries kept (one per route and token; a home has few tokens). When full of
/// fresh entries, a new answer is not cached (the ones in use stay).
const MAX_ENTRIES: usize = 32;
/// The longest any entry lives, whatever its route asks for.
const MAX_TTL: Duration = Duration::from_secs(3600);

/// Route and token hash.
type Key = (String, [u8; 32]);

pub struct ResponseCache {
    entries: Mutex<TtlMap<Key, Response>>,
}

impl Default for ResponseCache {
    fn default() -> Self {
        Self {
            entries: Mutex::new(TtlMap::new(
                MAX_TTL,
                Capacity::entries(MAX_ENTRIES),
                Overflow::Refuse,
            )),
        }
    }
}

fn key(route: &str, token: &Secret) -> Key {
    (
        route.to_string(),
        Sha256::digest(token.expose().as_bytes()).into(),
    )
}

impl ResponseCache {
    fn lock(&self) -> MutexGuard<'_, TtlMap<Key, Response>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh copy of the cached answer for `route` and `token`, with per-request fields
    /// taken from `event`.
    pub fn get(&self, route: &str, token: &Secret, event: &Value) -> Option<Response> {
        let stored = self.lock().peek(&key(route, token))?.clone();
        stored.with_alexa_header(|header| refresh_request_fields(header, event))
    }

    pub fn put(&self, route: &str, token: &Secret, ttl: Duration, response: &Response) {
        let _ = self
            .lock()
            .insert_for(key(route, token), response.clone(), ttl);
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A new messageId, and the request's correlationToken when the answer carries one.
fn refresh_request_fields(header: &mut Value, event: &Value) {
    if header.get("messageId").is_some() {
        header["messageId"] = Value::String(uuid::Uuid::new_v4().to_string());
    }
    match event.pointer("/directive/header/correlationToken") {
        Some(token) if header.get("correlationToken").is_some() => {
            header["correlationToken"] = token.clone();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hits_are_per_token_refreshed_and_expire() {
        let cache = ResponseCache::default();
        let token = Secret::new("t");
        let answer = Response::from_value(
            &json!({"event": {"header": {"messageId": "old"}, "payload": {"endpoints": []}}}),
        );
        cache.put(
            "alexa:Alexa.Discovery/Discover",
            &token,
            Duration::from_secs(60),
            &answer,
        );
        let hit = cache
            .get("alexa:Alexa.Discovery/Discover", &token, &json!({}))
            .expect("hit")
            .json();
        assert_ne!(hit["event"]["header"]["messageId"], "old");
        assert_eq!(hit["event"]["payload"], answer.json()["event"]["payload"]);
        assert!(
            cache
                .get(
                    "alexa:Alexa.Discovery/Discover",
                    &Secret::new("u"),
                    &json!({})
                )
                .is_none()
        );
        cache.put("r", &token, Duration::from_millis(1), &answer);
        std::thread::sleep(Duration::from_millis(3));
        assert!(cache.get("r", &token, &json!({})).is_none());
    }
}
