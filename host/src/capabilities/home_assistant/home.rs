//! The user's Home Assistant as components reach it: states, one state, services,
//! templates, registries, the core configuration and Assist, each read bounded by the
//! age its caller accepts, through one REST client and the websocket, with the token the
//! invocation chose. Also the small API the gateway and health use (token choice and
//! acceptance, breaker state, warm-up, reachability probe). The token never leaves this
//! capability except on the wire.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::aliases;
use super::cache::{HaCache, Listing};
use super::call::{CallContext, CallStats, Feed};
use super::client::{Body, HaHttp};
use super::configured::ConfiguredToken;
use super::error::HaError;
use super::states::{
    MAX_ENTITY_ID, State, StateQuery, parse_state, parse_states, project_array, valid_entity_id,
    valid_slug,
};
use super::tls;
use super::tokens::AcceptedTokens;
use super::websocket;
use super::writes::{probably_unchanged, targeted_entities};
use crate::settings::{Secret, Settings, without_userinfo};

#[path = "prefetch.rs"]
pub mod prefetch;

/// Cache key of `GET /api/config` among the registry-like listings.
const CORE_CONFIG_KEY: &str = "api/config";

/// The websocket API's registries, and the exposure settings (read and cached alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    Entity,
    Area,
    Device,
    Floor,
    Label,
    Exposure,
}

impl Registry {
    pub fn command(self) -> &'static str {
        match self {
            Registry::Entity => "config/entity_registry/list",
            Registry::Area => "config/area_registry/list",
            Registry::Device => "config/device_registry/list",
            Registry::Floor => "config/floor_registry/list",
            Registry::Label => "config/label_registry/list",
            Registry::Exposure => "homeassistant/expose_entity/list",
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
    /// The base URL as it may be shown (no userinfo).
    shown_url: Option<String>,
    /// How Home Assistant's certificate is checked: `verified`, `pinned`, `off`.
    tls_mode: &'static str,
    tls: Arc<rustls::ClientConfig>,
    /// `HOME_ASSISTANT_CLIENT_CERT`, when a client certificate is presented.
    client_certificate: Option<String>,
    configured_token: ConfiguredToken,
    cache: HaCache,
    accepted: AcceptedTokens,
    /// A cold-start warm-up ran or is running (at most one per process).
    warmed: AtomicBool,
    /// A warm-up is running: a prefetch waits for it rather than read the same again.
    warming: tokio::sync::watch::Sender<bool>,
}

impl HomeAssistant {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let tls = Arc::new(tls::tls_config(settings)?);
        let http = match &settings.ha_url {
            Some(url) => {
                // Userinfo would become a Basic Authorization header ahead of the token's
                // (Home Assistant then refuses both): the token is the credential.
                let shown = without_userinfo(url);
                if shown != *url {
                    tracing::warn!(
                        url = %shown,
                        "HOME_ASSISTANT_URL carries a user name or password; lee ignores it \
                         (Home Assistant authenticates the token; proxy credentials go in headers)"
                    );
                }
                Some(HaHttp::new(&shown, settings, (*tls).clone())?)
            }
            None => None,
        };
        let tls_mode = match (settings.verify_tls, settings.cert_sha256) {
            (false, _) => "off",
            (true, Some(_)) => "pinned",
            (true, None) => "verified",
        };
        Ok(Self {
            http,
            shown_url: settings.ha_url_shown(),
            tls_mode,
            tls,
            client_certificate: settings
                .client_cert
                .as_ref()
                .map(|p| p.display().to_string()),
            configured_token: ConfiguredToken::new(settings),
            cache: HaCache::default(),
            accepted: AcceptedTokens::default(),
            warmed: AtomicBool::new(false),
            warming: tokio::sync::watch::Sender::new(false),
        })
    }

    /// The base URL as it may be shown in health and logs: without userinfo.
    pub fn shown_url(&self) -> Option<&str> {
        self.shown_url.as_deref()
    }

    /// The token a call uses: the request's bearer token first, then the configured one.
    pub fn choose_token<'a>(&'a self, request_token: Option<&'a Secret>) -> Option<&'a Secret> {
        request_token.or(self.configured_token.get())
    }

    fn http(&self) -> Result<&HaHttp, HaError> {
        self.http.as_ref().ok_or(HaError::NotConfigured)
    }

    /// The configured token, reading it from SSM now (within `budget`) if it comes from
    /// there and is not known yet.
    pub async fn configured_token(&self, budget: Duration) -> Option<&Secret> {
        self.configured_token.ensure(budget).await
    }

    /// Has Home Assistant accepted `token` within the last five minutes? Only then may
    /// cached data (here or in the host's response cache) answer for it.
    pub fn accepted_recently(&self, token: &Secret) -> bool {
        self.accepted.accepted_recently(token)
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
        self.accepted.note(ctx.token, &result);
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

    /// The states `query` selects (from the same listing `states` reads); the caller
    /// projects their attributes with [`StateQuery::attributes_of`].
    pub async fn states_of(
        &self,
        ctx: CallContext<'_>,
        query: &StateQuery,
        max_age: Duration,
    ) -> Result<Vec<Arc<State>>, HaError> {
        Ok(query.select(self.states(ctx, max_age).await?))
    }

    /// One entity's state; `None` when Home Assistant does not know the entity.
    pub async fn state(
        &self,
        ctx: CallContext<'_>,
        entity_id: &str,
        max_age: Duration,
    ) -> Result<Option<Arc<State>>, HaError> {
        if !valid_entity_id(entity_id) {
            let shown: String = entity_id.chars().take(64).collect();
            return Err(HaError::Invalid(format!(
                "{shown:?} is not an entity id (lower-case domain.object_id, at most {MAX_ENTITY_ID} bytes)"
            )));
        }
        if self.cache_usable(&ctx, max_age)
            && let Some(state) = self.cache.state(entity_id, max_age)
        {
            return Ok(Some(state));
        }
        let path = format!("/api/states/{entity_id}");
        match self.send(ctx, Method::GET, &path, Body::None).await {
            Ok(bytes) => {
                let state = parse_state(&bytes)?;
                self.cache.store_states(std::slice::from_ref(&state));
                Ok(Some(state))
            }
            Err(HaError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Calls a service. Never cached; refreshes the changed entities in the cache and
    /// invalidates the ones it targeted; reads the entity alongside when the call
    /// probably changes nothing ([`super::writes`]).
    pub async fn call_service(
        &self,
        ctx: CallContext<'_>,
        domain: &str,
        service: &str,
        data: &str,
        return_response: bool,
    ) -> Result<ServiceOutcome, HaError> {
        if !valid_slug(domain) || !valid_slug(service) {
            let shown: String = format!("{domain}.{service}").chars().take(64).collect();
            return Err(HaError::Invalid(format!("{shown} is not a service name")));
        }
        let data = if data.trim().is_empty() { "{}" } else { data };
        let parsed: Value = serde_json::from_str(data)
            .map_err(|e| HaError::Invalid(format!("service data is not JSON: {e}")))?;
        if !parsed.is_object() {
            return Err(HaError::Invalid(
                "service data must be a JSON object".into(),
            ));
        }
        let path = if return_response {
            format!("/api/services/{domain}/{service}?return_response")
        } else {
            format!("/api/services/{domain}/{service}")
        };
        let targeted = targeted_entities(&parsed);
        let alongside = probably_unchanged(service, &parsed, targeted.as_deref(), |id| {
            self.cache.peek_state(id)
        });
        let post = self.send(ctx, Method::POST, &path, Body::Json(data.as_bytes()));
        let (result, read) = match &alongside {
            Some(id) => {
                let path = format!("/api/states/{id}");
                // One directive, one breaker count: only the call's failure feeds it.
                let read_ctx = CallContext {
                    breaker: Feed::SuccessOnly,
                    ..ctx
                };
                let get = self.send(read_ctx, Method::GET, &path, Body::None);
                let (result, read) = tokio::join!(post, get);
                (result, Some(read))
            }
            None => (post.await, None),
        };
        // Whatever happened, the targeted entities may have changed.
        self.cache.invalidate_after_write(targeted.as_deref());
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
        // Left out of the changed states, the entity read alongside the call is as the
        // call left it (`writes`): recorded so the caller's read after it is answered.
        if let (Some(id), Some(Ok(bytes))) = (alongside, read)
            && !outcome.changed.iter().any(|s| s.entity_id == id)
            && let Ok(state) = parse_state(&bytes)
            && state.entity_id == id
        {
            self.cache.store_states(&[state]);
        }
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
    ) -> Result<String, HaError> {
        if self.cache_usable(&ctx, max_age)
            && let Some(listing) = self.cache.registry(CORE_CONFIG_KEY, max_age)
        {
            return Ok(listing.text.clone());
        }
        let bytes = self
            .send(ctx, Method::GET, "/api/config", Body::None)
            .await?;
        if !serde_json::from_slice::<Value>(&bytes).is_ok_and(|v| v.is_object()) {
            return Err(HaError::Upstream(
                "GET /api/config did not answer a JSON object".into(),
            ));
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let listing = Listing {
            text: text.clone(),
            aliases: Default::default(),
        };
        self.cache
            .store_registry(CORE_CONFIG_KEY, Arc::new(listing));
        Ok(text)
    }

    /// A registry listing (JSON array text, aliases merged into the entity registry),
    /// cached for 300 s within `max_age`.
    pub async fn registry(
        &self,
        ctx: CallContext<'_>,
        which: Registry,
        max_age: Duration,
    ) -> Result<String, HaError> {
        let listing = self.listing(ctx, which, max_age).await?;
        Ok(aliases::merge_aliases(&listing.text, &listing.aliases))
    }

    /// A registry listing with only `fields` of each entry (from the same cached listing
    /// `registry` reads).
    pub async fn registry_of(
        &self,
        ctx: CallContext<'_>,
        which: Registry,
        fields: &[String],
        max_age: Duration,
    ) -> Result<String, HaError> {
        let listing = self.listing(ctx, which, max_age).await?;
        let projected = project_array(&listing.text, fields).ok_or_else(|| {
            HaError::Upstream(format!("{} did not answer a JSON array", which.command()))
        })?;
        Ok(if fields.iter().any(|f| f == "aliases") {
            aliases::merge_aliases(&projected, &listing.aliases)
        } else {
            projected
        })
    }

    async fn listing(
        &self,
        ctx: CallContext<'_>,
        which: Registry,
        max_age: Duration,
    ) -> Result<Arc<Listing>, HaError> {
        if self.cache_usable(&ctx, max_age)
            && let Some(listing) = self.cache.registry(which.command(), max_age)
        {
            return Ok(listing);
        }
        let mut listings = self.fetch_registries(ctx, &[which]).await?;
        Ok(listings.remove(0))
    }

    async fn fetch_registries(
        &self,
        ctx: CallContext<'_>,
        which: &[Registry],
    ) -> Result<Vec<Arc<Listing>>, HaError> {
        let http = self.http()?;
        let commands: Vec<Value> = which
            .iter()
            .map(|r| json!({ "type": r.command() }))
            .collect();
        // The entity listing lacks aliases; fetch the full entries on the same connection.
        let entity_index = which.iter().position(|r| *r == Registry::Entity);
        let mut collector = entity_index.map(aliases::AliasCollector::new);
        let result = websocket::run_commands(
            &http.base_url,
            self.tls.clone(),
            &http.extra_headers,
            &http.breaker,
            ctx,
            &commands,
            collector
                .as_mut()
                .map(|c| c as &mut dyn websocket::FollowUp),
        )
        .await;
        self.accepted.note(ctx.token, &result);
        let outcomes = result?;
        let mut aliases = collector.map(|c| c.aliases).unwrap_or_default();
        Ok(which
            .iter()
            .zip(outcomes)
            .map(|(registry, outcome)| {
                let listing = Arc::new(Listing {
                    text: outcome.into_string(),
                    aliases: if *registry == Registry::Entity {
                        std::mem::take(&mut aliases)
                    } else {
                        Default::default()
                    },
                });
                self.cache
                    .store_registry(registry.command(), listing.clone());
                listing
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

    /// Reachability for the health event: does Home Assistant answer `GET /api/` with
    /// the configured token before `deadline`, and how fast.
    pub async fn probe(&self, deadline: Instant) -> Value {
        let started = Instant::now();
        let budget = deadline
            .saturating_duration_since(started)
            .min(Duration::from_secs(1));
        match self.configured_token.ensure(budget).await {
            None if self.configured_token.is_configured() => json!({
                "reachable": false,
                "error": "the configured token could not be read from HOME_ASSISTANT_TOKEN_SSM",
            }),
            None => json!({"reachable": false, "error": "no Home Assistant token configured"}),
            Some(_) if self.http.is_none() => {
                json!({"reachable": false, "error": "HOME_ASSISTANT_URL is not set"})
            }
            Some(_) if self.breaker_open() => {
                json!({"reachable": false, "error": "circuit breaker open after repeated failures"})
            }
            Some(token) => {
                let stats = CallStats::default();
                let ctx = CallContext {
                    token,
                    deadline,
                    stats: &stats,
                    breaker: Feed::Breaker,
                };
                match self.send(ctx, Method::GET, "/api/", Body::None).await {
                    // Home Assistant answers {"message": "API running."}; anything else
                    // answering 200 there is not it.
                    Ok(body)
                        if !serde_json::from_slice::<Value>(&body)
                            .is_ok_and(|v| v.get("message").is_some()) =>
                    {
                        json!({"reachable": false, "error": "GET /api/ did not answer like Home Assistant (is HOME_ASSISTANT_URL right?)"})
                    }
                    Ok(_) => json!({
                        "reachable": true,
                        "latency_ms": started.elapsed().as_secs_f64() * 1000.0,
                    }),
                    Err(e) => json!({"reachable": false, "error": e.to_string()}),
                }
            }
        }
    }

    /// `GET path` with `ctx`'s token, for `lee doctor` (its pings, `/api/config`).
    pub async fn get(&self, ctx: CallContext<'_>, path: &str) -> Result<Vec<u8>, HaError> {
        self.send(ctx, Method::GET, path, Body::None).await
    }

    /// Where Home Assistant is (base URL, userinfo removed) and the TLS configuration
    /// lee connects with, for `lee doctor`'s certificate check.
    pub fn endpoint(&self) -> Option<(&str, Arc<rustls::ClientConfig>)> {
        self.http
            .as_ref()
            .map(|h| (h.base_url.as_str(), self.tls.clone()))
    }

    /// How Home Assistant's certificate is checked: `verified`, `pinned` or `off`.
    pub fn tls_mode(&self) -> &'static str {
        self.tls_mode
    }

    /// Where the configured token comes from (environment, SSM) and whether it is known.
    pub fn token_source(&self) -> Value {
        self.configured_token.describe()
    }

    /// Cache and breaker state for the health event.
    pub fn describe(&self) -> Value {
        json!({
            "configured": self.http.is_some(),
            "token_configured": self.configured_token.is_configured(),
            "token": self.configured_token.describe(),
            "breaker": self.http.as_ref().map(|h| h.breaker.describe()),
            "tls": {
                "certificate": self.tls_mode,
                "client_certificate": self.client_certificate,
                "last_rejection": self.http.as_ref().and_then(|h| {
                    h.certificate_error.lock().unwrap_or_else(|p| p.into_inner()).clone()
                }),
            },
            "cache": self.cache.describe(),
        })
    }

    /// Is the circuit breaker refusing calls now? (Smart Home directives then answer
    /// BRIDGE_UNREACHABLE at once.)
    /// Drops every cached state and registry listing: `lee reporter` heard from Home
    /// Assistant that entities or registries changed, and the next read must see it.
    pub fn invalidate_cache(&self) {
        self.cache.invalidate_after_write(None);
        self.cache.invalidate_registries();
    }

    pub fn breaker_open(&self) -> bool {
        self.http.as_ref().is_some_and(|h| h.breaker.is_open())
    }
}
