//! The Home Assistant capability: everything the host does on a component's behalf
//! against the user's Home Assistant (REST states/services/templates/conversation,
//! websocket registries), with caching bounded by the caller's accepted age, token
//! choice (the Alexa request's bearer token first, then the configured one) and the rule
//! that no cached data is served for a token Home Assistant has not accepted in the last
//! five minutes. The token never leaves this module except on the wire.

pub mod aliases;
pub mod breaker;
pub mod cache;
pub mod client;
pub mod error;
pub mod guest_api;
pub mod websocket;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub use client::{CallContext, CallStats};
pub use error::HaError;

use cache::HaCache;
use client::{Body, HaHttp};

use crate::settings::{Secret, Settings};

/// How long a token counts as accepted by Home Assistant for serving cached data.
pub const TOKEN_ACCEPTANCE_WINDOW: Duration = Duration::from_secs(300);

/// Cache key of `GET /api/config` among the registry-like listings.
const CORE_CONFIG_KEY: &str = "api/config";

/// One entity's state. `attributes` stays raw JSON: the host never interprets it.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub entity_id: String,
    pub state: String,
    pub attributes: String,
    pub last_changed: String,
    pub last_updated: String,
}

#[derive(Deserialize)]
struct StateWire {
    entity_id: String,
    state: String,
    #[serde(default)]
    attributes: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    last_changed: String,
    #[serde(default)]
    last_updated: String,
}

impl From<StateWire> for State {
    fn from(w: StateWire) -> Self {
        Self {
            entity_id: w.entity_id,
            state: w.state,
            attributes: w
                .attributes
                .map(|r| r.get().to_string())
                .unwrap_or_else(|| "{}".into()),
            last_changed: w.last_changed,
            last_updated: w.last_updated,
        }
    }
}

fn parse_states(bytes: &[u8]) -> Result<Vec<Arc<State>>, HaError> {
    let wire: Vec<StateWire> = serde_json::from_slice(bytes)
        .map_err(|e| HaError::Upstream(format!("states are not valid JSON: {e}")))?;
    Ok(wire.into_iter().map(|w| Arc::new(State::from(w))).collect())
}

/// The registries the websocket API lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    Entity,
    Area,
    Device,
    Floor,
    Label,
}

impl Registry {
    pub fn command(self) -> &'static str {
        match self {
            Registry::Entity => "config/entity_registry/list",
            Registry::Area => "config/area_registry/list",
            Registry::Device => "config/device_registry/list",
            Registry::Floor => "config/floor_registry/list",
            Registry::Label => "config/label_registry/list",
        }
    }
}

/// What a service call returned.
#[derive(Debug, Clone)]
pub struct ServiceOutcome {
    pub changed: Vec<Arc<State>>,
    pub response: Option<String>,
}

/// The Home Assistant capability for one configured base URL.
pub struct HomeAssistant {
    http: Option<HaHttp>,
    tls: Arc<rustls::ClientConfig>,
    configured_token: Option<Secret>,
    cache: HaCache,
    accepted_tokens: Mutex<HashMap<[u8; 32], Instant>>,
}

/// Home Assistant identifiers are lower-case letters, digits and underscores.
fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

pub fn valid_entity_id(id: &str) -> bool {
    id.split_once('.')
        .is_some_and(|(d, o)| valid_slug(d) && valid_slug(o))
}

fn token_key(token: &Secret) -> [u8; 32] {
    Sha256::digest(token.expose().as_bytes()).into()
}

/// Entity ids a service call targets (`entity_id` as string, comma list or array, top
/// level or under `target`); `None` when it cannot tell (area/device targets, none given).
fn targeted_entities(data: &Value) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    for holder in [Some(data), data.get("target")].into_iter().flatten() {
        match holder.get("entity_id") {
            Some(Value::String(s)) => ids.extend(s.split(',').map(|p| p.trim().to_string())),
            Some(Value::Array(items)) => {
                ids.extend(items.iter().filter_map(Value::as_str).map(str::to_string))
            }
            _ => {}
        }
        if holder.get("area_id").is_some()
            || holder.get("device_id").is_some()
            || holder.get("floor_id").is_some()
            || holder.get("label_id").is_some()
        {
            return None;
        }
    }
    (!ids.is_empty() && ids.iter().all(|i| i != "all")).then_some(ids)
}

impl HomeAssistant {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let tls = Arc::new(client::tls_config(settings)?);
        let http = match &settings.ha_url {
            Some(url) => Some(HaHttp::new(url, settings, (*tls).clone())?),
            None => None,
        };
        Ok(Self {
            http,
            tls,
            configured_token: settings.ha_token.clone(),
            cache: HaCache::default(),
            accepted_tokens: Mutex::new(HashMap::new()),
        })
    }

    pub fn base_url(&self) -> Option<&str> {
        self.http.as_ref().map(|h| h.base_url.as_str())
    }

    /// The token a call uses: the request's bearer token first, then the configured one.
    pub fn choose_token<'a>(&'a self, request_token: Option<&'a Secret>) -> Option<&'a Secret> {
        request_token.or(self.configured_token.as_ref())
    }

    fn http(&self) -> Result<&HaHttp, HaError> {
        self.http.as_ref().ok_or(HaError::NotConfigured)
    }

    /// Has Home Assistant accepted `token` within the last five minutes?
    pub fn accepted_recently(&self, token: &Secret) -> bool {
        let accepted = self
            .accepted_tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        accepted
            .get(&token_key(token))
            .is_some_and(|at| at.elapsed() <= TOKEN_ACCEPTANCE_WINDOW)
    }

    /// Records what Home Assistant said about a token after a real call.
    fn note_token<T>(&self, token: &Secret, result: &Result<T, HaError>) {
        let mut accepted = self
            .accepted_tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(_) => {
                if accepted.len() > 64 {
                    accepted.retain(|_, at| at.elapsed() <= TOKEN_ACCEPTANCE_WINDOW);
                }
                accepted.insert(token_key(token), Instant::now());
            }
            Err(HaError::Unauthorized(_)) => {
                accepted.remove(&token_key(token));
            }
            Err(_) => {}
        }
    }

    /// The cache may answer only for a token Home Assistant accepted recently.
    fn cache_usable(&self, ctx: &CallContext<'_>, max_age: Duration) -> bool {
        !max_age.is_zero() && self.accepted_recently(ctx.token)
    }

    async fn send(
        &self,
        ctx: CallContext<'_>,
        method: Method,
        path: &str,
        body: Body<'_>,
    ) -> Result<Vec<u8>, HaError> {
        let result = self.http()?.send(ctx, method, path, body).await;
        self.note_token(ctx.token, &result);
        result
    }

    /// All states, from the cache when a listing no older than `max_age` exists.
    pub async fn states(
        &self,
        ctx: CallContext<'_>,
        max_age: Duration,
    ) -> Result<Vec<Arc<State>>, HaError> {
        if self.cache_usable(&ctx, max_age)
            && let Some(states) = self.cache.all_states(max_age)
        {
            return Ok(states);
        }
        let bytes = self
            .send(ctx, Method::GET, "/api/states", Body::None)
            .await?;
        let states = parse_states(&bytes)?;
        self.cache.store_all_states(&states);
        Ok(states)
    }

    /// One entity's state; `None` when Home Assistant does not know the entity.
    pub async fn state(
        &self,
        ctx: CallContext<'_>,
        entity_id: &str,
        max_age: Duration,
    ) -> Result<Option<Arc<State>>, HaError> {
        if !valid_entity_id(entity_id) {
            return Err(HaError::BadRequest {
                status: 400,
                message: format!("{entity_id:?} is not an entity id"),
            });
        }
        if self.cache_usable(&ctx, max_age)
            && let Some(state) = self.cache.state(entity_id, max_age)
        {
            return Ok(Some(state));
        }
        let path = format!("/api/states/{entity_id}");
        match self.send(ctx, Method::GET, &path, Body::None).await {
            Ok(bytes) => {
                let wire: StateWire = serde_json::from_slice(&bytes)
                    .map_err(|e| HaError::Upstream(format!("state is not valid JSON: {e}")))?;
                let state = Arc::new(State::from(wire));
                self.cache.store_states(std::slice::from_ref(&state));
                Ok(Some(state))
            }
            Err(HaError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Calls a service. Never cached; refreshes the changed entities in the cache and
    /// invalidates the ones it targeted.
    pub async fn call_service(
        &self,
        ctx: CallContext<'_>,
        domain: &str,
        service: &str,
        data: &str,
        return_response: bool,
    ) -> Result<ServiceOutcome, HaError> {
        if !valid_slug(domain) || !valid_slug(service) {
            return Err(HaError::BadRequest {
                status: 400,
                message: format!("{domain}.{service} is not a service name"),
            });
        }
        let data = if data.trim().is_empty() { "{}" } else { data };
        let parsed: Value = serde_json::from_str(data).map_err(|e| HaError::BadRequest {
            status: 400,
            message: format!("service data is not JSON: {e}"),
        })?;
        if !parsed.is_object() {
            return Err(HaError::BadRequest {
                status: 400,
                message: "service data must be a JSON object".into(),
            });
        }
        let path = if return_response {
            format!("/api/services/{domain}/{service}?return_response")
        } else {
            format!("/api/services/{domain}/{service}")
        };
        let result = self
            .send(ctx, Method::POST, &path, Body::Json(data.as_bytes()))
            .await;
        // Whatever happened, the targeted entities may have changed.
        self.cache
            .invalidate_after_write(targeted_entities(&parsed).as_deref());
        let bytes = result?;
        let outcome = if return_response {
            let body: Value = serde_json::from_slice(&bytes)
                .map_err(|e| HaError::Upstream(format!("service answer is not JSON: {e}")))?;
            let changed = body.get("changed_states").cloned().unwrap_or(json!([]));
            ServiceOutcome {
                changed: parse_states(changed.to_string().as_bytes())?,
                response: body.get("service_response").map(Value::to_string),
            }
        } else {
            ServiceOutcome {
                changed: parse_states(&bytes)?,
                response: None,
            }
        };
        self.cache.store_states(&outcome.changed);
        Ok(outcome)
    }

    /// Renders a template; cached as a mapping (600 s) within the caller's `max_age`.
    pub async fn render_template(
        &self,
        ctx: CallContext<'_>,
        template: &str,
        max_age: Duration,
    ) -> Result<Arc<String>, HaError> {
        if self.cache_usable(&ctx, max_age)
            && let Some(text) = self.cache.template(template, max_age)
        {
            return Ok(text);
        }
        let body = json!({ "template": template }).to_string();
        let bytes = self
            .send(
                ctx,
                Method::POST,
                "/api/template",
                Body::Json(body.as_bytes()),
            )
            .await?;
        let text = Arc::new(String::from_utf8_lossy(&bytes).into_owned());
        self.cache.store_template(template, text.clone());
        Ok(text)
    }

    /// Home Assistant's core configuration (`GET /api/config`: unit system, time zone,
    /// language), cached like a registry (300 s) within `max_age`.
    pub async fn core_config(
        &self,
        ctx: CallContext<'_>,
        max_age: Duration,
    ) -> Result<Arc<String>, HaError> {
        if self.cache_usable(&ctx, max_age)
            && let Some(text) = self.cache.registry(CORE_CONFIG_KEY, max_age)
        {
            return Ok(text);
        }
        let bytes = self
            .send(ctx, Method::GET, "/api/config", Body::None)
            .await?;
        if !serde_json::from_slice::<Value>(&bytes).is_ok_and(|v| v.is_object()) {
            return Err(HaError::Upstream(
                "GET /api/config did not answer a JSON object".into(),
            ));
        }
        let text = Arc::new(String::from_utf8_lossy(&bytes).into_owned());
        self.cache.store_registry(CORE_CONFIG_KEY, text.clone());
        Ok(text)
    }

    /// A registry listing (JSON array text), cached for 300 s within `max_age`.
    pub async fn registry(
        &self,
        ctx: CallContext<'_>,
        which: Registry,
        max_age: Duration,
    ) -> Result<Arc<String>, HaError> {
        if self.cache_usable(&ctx, max_age)
            && let Some(text) = self.cache.registry(which.command(), max_age)
        {
            return Ok(text);
        }
        let mut texts = self.fetch_registries(ctx, &[which]).await?;
        Ok(texts.remove(0))
    }

    async fn fetch_registries(
        &self,
        ctx: CallContext<'_>,
        which: &[Registry],
    ) -> Result<Vec<Arc<String>>, HaError> {
        let http = self.http()?;
        if let Admission::Rejected { retry_in_ms } = http.breaker.admit() {
            return Err(HaError::Unreachable(format!(
                "circuit breaker open; next probe in {retry_in_ms} ms"
            )));
        }
        let commands: Vec<Value> = which
            .iter()
            .map(|r| json!({ "type": r.command() }))
            .collect();
        // The entity listing lacks aliases; fetch the full entries on the same connection.
        let entity_index = which.iter().position(|r| *r == Registry::Entity);
        let follow_up = move |results: &[Value]| match entity_index {
            Some(i) => vec![aliases::full_entries_command(&results[i])],
            None => Vec::new(),
        };
        let result = websocket::run_commands(
            &http.base_url,
            self.tls.clone(),
            ctx,
            &commands,
            Some(&follow_up),
        )
        .await;
        match &result {
            Ok(_) | Err(HaError::Unauthorized(_)) | Err(HaError::BadRequest { .. }) => {
                http.breaker.record_success()
            }
            Err(_) => http.breaker.record_failure(),
        }
        self.note_token(ctx.token, &result);
        let mut values = result?;
        if let Some(i) = entity_index
            && let Some(full) = values.get(which.len()).cloned()
        {
            aliases::merge_aliases(&mut values[i], &full);
        }
        Ok(which
            .iter()
            .zip(values)
            .map(|(registry, value)| {
                let text = Arc::new(value.to_string());
                self.cache.store_registry(registry.command(), text.clone());
                text
            })
            .collect())
    }

    /// Sends text to Home Assistant's conversation agent.
    pub async fn converse(
        &self,
        ctx: CallContext<'_>,
        text: &str,
        conversation_id: Option<&str>,
        language: Option<&str>,
    ) -> Result<String, HaError> {
        let mut body = json!({ "text": text });
        if let Some(id) = conversation_id {
            body["conversation_id"] = json!(id);
        }
        if let Some(language) = language {
            body["language"] = json!(language);
        }
        let body = body.to_string();
        let bytes = self
            .send(
                ctx,
                Method::POST,
                "/api/conversation/process",
                Body::Json(body.as_bytes()),
            )
            .await?;
        // Assist may have changed anything.
        self.cache.invalidate_after_write(None);
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Checks that Home Assistant answers and accepts the token (`GET /api/`).
    pub async fn check(&self, ctx: CallContext<'_>) -> Result<(), HaError> {
        self.send(ctx, Method::GET, "/api/", Body::None)
            .await
            .map(|_| ())
    }

    /// Cold-start warm-up: states and the entity/area/device registries, concurrently.
    pub async fn warm(&self, ctx: CallContext<'_>) -> Result<(), HaError> {
        let (states, registries, config) = tokio::join!(
            self.states(ctx, Duration::ZERO),
            self.fetch_registries(ctx, &[Registry::Entity, Registry::Area, Registry::Device]),
            self.core_config(ctx, Duration::ZERO)
        );
        states.map(|_| ())?;
        config.map(|_| ())?;
        registries.map(|_| ())
    }

    /// Cache and breaker state for the health event.
    pub fn describe(&self) -> Value {
        json!({
            "configured": self.http.is_some(),
            "token_configured": self.configured_token.is_some(),
            "breaker": self.http.as_ref().map(|h| h.breaker.describe()),
            "cache": self.cache.describe(),
        })
    }

    /// Is the circuit breaker refusing calls now?
    pub fn breaker_open(&self) -> bool {
        self.http.as_ref().is_some_and(|h| h.breaker.is_open())
    }
}

use breaker::Admission;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids_validate() {
        assert!(valid_entity_id("light.kitchen_2"));
        assert!(!valid_entity_id("light.Kitchen"));
        assert!(!valid_entity_id("light/../x"));
        assert!(!valid_entity_id("light."));
        assert!(!valid_entity_id("light"));
    }

    #[test]
    fn service_targets() {
        assert_eq!(
            targeted_entities(&json!({"entity_id": "light.a, light.b"})),
            Some(vec!["light.a".into(), "light.b".into()])
        );
        assert_eq!(
            targeted_entities(&json!({"target": {"entity_id": ["script.x"]}})),
            Some(vec!["script.x".into()])
        );
        assert_eq!(targeted_entities(&json!({"area_id": "kitchen"})), None);
        assert_eq!(targeted_entities(&json!({"entity_id": "all"})), None);
        assert_eq!(targeted_entities(&json!({})), None);
    }

    #[test]
    fn states_parse_with_raw_attributes() {
        let states = parse_states(
            br#"[{"entity_id":"light.a","state":"on","attributes":{"brightness":255},"last_changed":"t","last_updated":"u"}]"#,
        )
        .unwrap();
        assert_eq!(states[0].attributes, r#"{"brightness":255}"#);
        assert!(parse_states(b"{").is_err());
    }
}
