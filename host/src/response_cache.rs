//! The host's response cache for idempotent routes (Alexa Discovery): an answer depends
//! only on the route and the caller's token, so a repeat within the component's
//! `idempotent_ttl_ms` is answered without running the component, with a fresh
//! messageId (and the request's correlationToken). Entries are keyed by a hash of the
//! token, never the token, and are served only while Home Assistant has accepted that
//! token recently (the caller checks).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::response::Response;
use crate::settings::Secret;

/// Most entries kept (one per route and token; a home has few tokens).
const MAX_ENTRIES: usize = 32;

/// Route and token hash.
type Key = (String, [u8; 32]);

/// When stored, for how long, and the answer.
struct Entry {
    stored_at: Instant,
    ttl: Duration,
    response: Response,
}

impl Entry {
    fn fresh(&self) -> bool {
        self.stored_at.elapsed() <= self.ttl
    }
}

#[derive(Default)]
pub struct ResponseCache {
    entries: Mutex<HashMap<Key, Entry>>,
}

fn key(route: &str, token: &Secret) -> Key {
    (
        route.to_string(),
        Sha256::digest(token.expose().as_bytes()).into(),
    )
}

impl ResponseCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh copy of the cached answer for `route` and `token`, with per-request fields
    /// taken from `event`.
    pub fn get(&self, route: &str, token: &Secret, event: &Value) -> Option<Response> {
        let stored = {
            let entries = self.lock();
            entries
                .get(&key(route, token))
                .filter(|e| e.fresh())?
                .response
                .clone()
        };
        stored.with_alexa_header(|header| refresh_request_fields(header, event))
    }

    pub fn put(&self, route: &str, token: &Secret, ttl: Duration, response: &Response) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.fresh());
        }
        if entries.len() < MAX_ENTRIES {
            let entry = Entry {
                stored_at: Instant::now(),
                ttl,
                response: response.clone(),
            };
            entries.insert(key(route, token), entry);
        }
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
