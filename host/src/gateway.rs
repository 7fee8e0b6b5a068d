//! The one code path every event takes, in Lambda and in `lee invoke`: classify, pick
//! the deadline, route to a component (or the host's own health and doctor reports), run it, and
//! answer in the caller's protocol whatever happened.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use lee_contract::alexa::ErrorType;
use serde::Serialize;
use serde_json::json;

use crate::capabilities::home_assistant::HomeAssistant;
use crate::capabilities::{Capabilities, Init, MetricsSink};
use crate::envelope;
use crate::event::Event;
use crate::health;
use crate::response::Response;
use crate::response_cache::ResponseCache;
use crate::router::{self, Classified, ClassifyError, Protocol};
use crate::runtime::canary::{self, Variant};
use crate::runtime::engine;
use crate::runtime::invoke::{self, InvocationRequest, InvokeError};
use crate::runtime::manifest_source::{self, Reloader, SourceConfig};
use crate::runtime::registry::ComponentRegistry;
use crate::settings::Settings;

/// A host route served by a module that itself uses the gateway (`lee doctor`): it is
/// registered at start-up instead of imported, so the gateway does not depend on it.
pub type HostRoute = for<'a> fn(
    &'a Gateway,
    Instant,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = serde_json::Value> + Send + 'a>,
>;

static DOCTOR: std::sync::OnceLock<HostRoute> = std::sync::OnceLock::new();

/// Serves `{"lee":"doctor"}` with `route` (once per process).
pub fn serve_doctor_with(route: HostRoute) {
    let _ = DOCTOR.set(route);
}

/// Alexa gives a skill 8 s; lee's answer leaves the process within 7.5 s of the event's
/// arrival, whatever the settings and whatever happened in the init phase.
pub const ALEXA_BUDGET: Duration = Duration::from_millis(7_500);
/// Kept back from Alexa's budget to build the answer and hand it to the caller.
pub const ANSWER_MARGIN: Duration = Duration::from_millis(200);
/// Time kept back before the Lambda deadline to send the answer.
pub const LAMBDA_MARGIN: Duration = Duration::from_millis(250);
/// Longest an invocation waits for the configured token from SSM when it has none yet.
pub const SSM_BUDGET: Duration = Duration::from_millis(1_000);
/// Budget of the warm-up a first request's token starts (it runs in the background).
const WARM_UP_BUDGET: Duration = Duration::from_secs(2);
/// Budget when neither Lambda nor Alexa sets one (local `lee invoke` of a lee event).
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30);

/// Where one invocation's time went (microseconds) — the `--timings` line.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Timings {
    pub init_us: u64,
    pub load_us: u64,
    pub instantiate_us: u64,
    pub guest_us: u64,
    pub ha_us: u64,
    pub ha_calls: u32,
    /// The sequential depth of those calls: calls made concurrently count once, so
    /// `ha_round_trips < ha_calls` shows Home Assistant being asked in parallel.
    pub ha_round_trips: u32,
    /// The component's largest linear memory (KiB).
    pub guest_memory_kib: u64,
    pub total_us: u64,
    pub route: String,
    pub component: Option<String>,
    /// The version that answered (the stable one or its canary).
    pub version: Option<String>,
    /// Answered from the response cache (idempotent route), without running the component.
    pub cached: bool,
}

/// The answer to one event.
pub struct Outcome {
    pub response: Response,
    pub timings: Timings,
}

/// Events that cannot be answered in any protocol (the caller gets an error).
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("unrecognised event: {0}")]
    BadEvent(#[from] ClassifyError),
    #[error("request is for skill {0:?}, not the configured ALEXA_SKILL_ID")]
    WrongSkill(String),
}

/// The host: settings, components (with the capabilities they reach), response cache.
pub struct Gateway {
    settings: Settings,
    /// Swapped whole at a manifest reload; an invocation keeps the one it started with.
    registry: RwLock<Arc<ComponentRegistry>>,
    reloader: Reloader,
    responses: ResponseCache,
    /// Lambda mode: with no configured token, the first request's token warms the
    /// Home Assistant caches (see [`Gateway::warm_on_first_token`]).
    warm_on_first_token: AtomicBool,
}

impl Gateway {
    /// Builds the gateway: engine, manifest (checked; from where the environment says,
    /// see [`manifest_source`]), capabilities. Loads no component.
    pub fn new(
        settings: Settings,
        components_dir: &Path,
        sink: MetricsSink,
    ) -> anyhow::Result<Self> {
        Self::with_source(settings, SourceConfig::from_env(components_dir)?, sink)
    }

    /// [`Gateway::new`] with the manifest source given.
    pub fn with_source(
        settings: Settings,
        source: SourceConfig,
        sink: MetricsSink,
    ) -> anyhow::Result<Self> {
        let started = Instant::now();
        let text = source.read_blocking().map_err(anyhow::Error::msg)?;
        let (manifest, version) = source.parse(&text).map_err(anyhow::Error::msg)?;
        let manifest_us = started.elapsed().as_micros() as u64;
        let engine = engine::new_engine()?;
        let engine_us = started.elapsed().as_micros() as u64 - manifest_us;
        let capabilities = Arc::new(Capabilities::new(&Init {
            settings: &settings,
            metrics_sink: sink,
        })?);
        capabilities.metrics.set_config_version(version.label());
        tracing::debug!(
            manifest_us,
            engine_us,
            total_us = started.elapsed().as_micros() as u64,
            "gateway initialised"
        );
        let registry = ComponentRegistry::new(engine, capabilities, manifest);
        Ok(Self {
            settings,
            registry: RwLock::new(Arc::new(registry)),
            reloader: Reloader::new(source, version),
            responses: ResponseCache::default(),
            warm_on_first_token: AtomicBool::new(false),
        })
    }

    /// The registry serving now.
    pub fn registry(&self) -> Arc<ComponentRegistry> {
        self.registry
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn capabilities(&self) -> Arc<Capabilities> {
        self.registry().capabilities().clone()
    }

    /// Re-reads the manifest when the interval has passed; swaps in a new registry when
    /// the text changed and all of it checks and loads, else keeps the current one.
    async fn reload_if_due(&self) {
        if !self.reloader.due() {
            return;
        }
        let _one_at_a_time = self.reloader.busy.lock().await;
        let text = match self.reloader.config.read().await {
            Ok(text) => text,
            Err(why) => return self.reloader.refused(None, why),
        };
        if self.reloader.unchanged(&text) || self.reloader.refused_before(&text) {
            return;
        }
        let current = self.registry();
        match manifest_source::successor(&current, &self.reloader.config, &text) {
            Ok((next, version)) => {
                current
                    .capabilities()
                    .metrics
                    .set_config_version(version.label());
                *self.registry.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
                self.reloader.swapped(version);
            }
            Err(why) => self.reloader.refused(Some(&text), why),
        }
    }

    fn home_assistant(&self) -> Arc<HomeAssistant> {
        self.capabilities().home_assistant.clone()
    }

    /// Cold-start warm-up of the Home Assistant caches with the configured token.
    pub async fn warm(&self, budget: Duration) {
        self.home_assistant().warm_up(budget).await;
    }

    /// The same warm-up in the background: the first event does not wait for it.
    pub fn warm_in_background(&self, budget: Duration) {
        self.home_assistant().warm_up_in_background(budget);
    }

    /// Without a configured token (account linking only), let the first request that
    /// carries a token start the warm-up with it, in the background (Lambda mode: the
    /// next directives of the container find the caches filled).
    pub fn warm_on_first_token(&self) {
        self.warm_on_first_token.store(true, Relaxed);
    }

    /// Handles one event end to end.
    pub async fn handle(
        &self,
        event: Event,
        request_id: &str,
        lambda_deadline: Option<Instant>,
    ) -> Result<Outcome, GatewayError> {
        let started = Instant::now();
        self.reload_if_due().await;
        let registry = self.registry();
        let classified = match router::classify(event.json()) {
            Ok(classified) => classified,
            Err(error) => return self.unclassified(&event, error, request_id, started),
        };
        let mut timings = Timings {
            route: classified.route.to_string(),
            ..Timings::default()
        };
        let mut deadline = started + DEFAULT_BUDGET;
        if let Some(lambda) = lambda_deadline {
            deadline = deadline.min(lambda.checked_sub(LAMBDA_MARGIN).unwrap_or(lambda));
        }
        if classified.protocol != Protocol::Lee {
            deadline = deadline.min(event.arrived() + ALEXA_BUDGET - ANSWER_MARGIN);
        }
        if classified.protocol == Protocol::CustomSkill
            && let Some(expected) = &self.settings.alexa_skill_id
            && classified.skill_id.as_deref() != Some(expected.as_str())
        {
            return Err(GatewayError::WrongSkill(
                classified.skill_id.unwrap_or_default(),
            ));
        }
        tracing::debug!(request_id, route = %classified.route, "event classified");
        if let Some(token) = &classified.token
            && self.warm_on_first_token.load(Relaxed)
        {
            self.warm_on_first_token.store(false, Relaxed);
            let budget = WARM_UP_BUDGET.min(deadline.saturating_duration_since(Instant::now()));
            if self.home_assistant().warm_up_with(token, budget) {
                tracing::info!(
                    request_id,
                    "warming the Home Assistant caches with the request's token"
                );
            }
        }
        if classified.token.is_none() {
            // A token from SSM that could not be read at init is tried again (rate limited).
            let budget = deadline.saturating_duration_since(Instant::now()) / 4;
            self.home_assistant()
                .configured_token(budget.min(SSM_BUDGET))
                .await;
        }

        let response = if classified.route.as_str() == "lee:doctor"
            && let Some(doctor) = DOCTOR.get()
        {
            Response::from_value(&doctor(self, deadline).await)
        } else if classified.route.as_str() == "lee:health" {
            let sources = health::Sources {
                settings: &self.settings,
                registry: &registry,
                capabilities: registry.capabilities(),
                response_cache_entries: self.responses.len(),
                manifest: self.reloader.describe(),
            };
            Response::from_value(&health::report(sources, deadline).await)
        } else if classified.route.as_str() == crate::reporter::relay::ACCEPT_GRANT_ROUTE
            && let Some(response) = crate::reporter::relay::intercept(
                &self.settings,
                &registry,
                event.json(),
                classified.token.as_ref(),
                deadline,
            )
            .await
        {
            // accept_grant = relay | forward: the host relays (the component cannot wait
            // on Home Assistant's event bus).
            response
        } else {
            self.run_component(
                &registry,
                &event,
                &classified,
                request_id,
                deadline,
                &mut timings,
            )
            .await
        };
        timings.total_us = started.elapsed().as_micros() as u64;
        Ok(Outcome { response, timings })
    }

    /// Runs the component serving the lee event `route` (e.g. `lee:explain-discovery`)
    /// with the configured token, for `lee doctor`.
    pub async fn explain(&self, route: &str, deadline: Instant) -> Response {
        let action = route.trim_start_matches("lee:");
        let text = json!({ "lee": action }).to_string();
        let (event, classified) =
            match Event::parse(text)
                .map_err(|e| e.to_string())
                .and_then(|event| {
                    let classified = router::classify(event.json()).map_err(|e| e.to_string())?;
                    Ok((event, classified))
                }) {
                Ok(parsed) => parsed,
                Err(e) => return Response::from_value(&json!({ "error": e })),
            };
        let mut timings = Timings::default();
        let registry = self.registry();
        self.run_component(
            &registry,
            &event,
            &classified,
            "lee-doctor",
            deadline,
            &mut timings,
        )
        .await
    }

    /// An event that could not be classified still gets an answer in its protocol when
    /// it has one: a malformed directive an `ErrorResponse`, a malformed custom-skill
    /// request speech. Only an event that speaks no protocol at all is an error.
    fn unclassified(
        &self,
        event: &Event,
        error: ClassifyError,
        request_id: &str,
        started: Instant,
    ) -> Result<Outcome, GatewayError> {
        let json = event.json();
        let response = if json.get("directive").is_some() {
            envelope::alexa_error(json, ErrorType::InvalidDirective, &error.to_string())
        } else if json.get("request").is_some() {
            envelope::skill_speech("Sorry, I didn't understand that request.")
        } else {
            return Err(GatewayError::BadEvent(error));
        };
        tracing::warn!(request_id, error = %error, "malformed event answered in its protocol");
        let timings = Timings {
            route: "unclassified".into(),
            total_us: started.elapsed().as_micros() as u64,
            ..Timings::default()
        };
        Ok(Outcome {
            response: Response::from_value(&response),
            timings,
        })
    }

    async fn run_component(
        &self,
        registry: &ComponentRegistry,
        event: &Event,
        classified: &Classified,
        request_id: &str,
        deadline: Instant,
        timings: &mut Timings,
    ) -> Response {
        let route = classified.route.as_str();
        let fail = |kind: ErrorType, skill_text: &str, message: &str| {
            Response::from_value(&match classified.protocol {
                Protocol::SmartHome => envelope::alexa_error(event.json(), kind, message),
                Protocol::CustomSkill => envelope::skill_speech(skill_text),
                Protocol::Lee => json!({"error": message}),
            })
        };
        if classified.protocol == Protocol::SmartHome && self.home_assistant().breaker_open() {
            return fail(
                ErrorType::BridgeUnreachable,
                "",
                "Home Assistant is unreachable (circuit breaker open)",
            );
        }
        let Some(entry) = registry.resolve(route) else {
            tracing::warn!(request_id, route, "no component serves this route");
            let message = format!("no component handles {route}");
            return fail(
                ErrorType::InvalidDirective,
                "Sorry, I can't do that yet.",
                &message,
            );
        };
        timings.component = Some(entry.id.clone());
        let cache_token = entry
            .is_idempotent(route)
            .then(|| {
                self.home_assistant()
                    .choose_token(classified.token.as_ref())
                    .cloned()
            })
            .flatten();
        if let Some(token) = &cache_token
            && self.home_assistant().accepted_recently(token)
            && let Some(response) = self.responses.get(route, token, event.json())
        {
            timings.cached = true;
            return response;
        }
        let ttl = Duration::from_millis(u64::from(entry.idempotent_ttl_ms));
        let load_started = Instant::now();
        // The component run as an X-Ray subsegment (sampled invocations only): load,
        // instantiate and the guest, with each Home Assistant call nested in it.
        let mut span = event.trace().map(|trace| {
            let mut span = trace.begin(&entry.id);
            span.annotate("route", route);
            span.annotate("component", entry.id.as_str());
            span
        });
        // The canary split: by the Alexa user id, else the request's token (Smart Home
        // directives carry no user id); neither: the stable version.
        let user = classified
            .user_id
            .as_deref()
            .or(classified.token.as_ref().map(|t| t.expose()));
        let mut variant = registry.canary.choose(entry, user);
        let mut loaded = registry.get_variant(entry, variant);
        if let (Variant::Canary, Err(e)) = (variant, &loaded) {
            let why = format!("canary failed to load: {e}");
            registry.canary.roll_back(entry, why);
            variant = Variant::Stable;
            loaded = registry.get(&entry.id);
        }
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(e) => {
                if let Some(mut span) = span.take() {
                    span.fail(true, "load");
                    span.end();
                }
                tracing::error!(request_id, component = %entry.id, error = %e, "component failed to load");
                return fail(
                    ErrorType::InternalError,
                    "Sorry, something went wrong.",
                    "component failed to load",
                );
            }
        };
        timings.load_us = load_started.elapsed().as_micros() as u64;
        timings.version = Some(loaded.entry.version.clone());
        let request = InvocationRequest {
            request_id: Arc::from(request_id),
            route: route.to_string(),
            event: event.text().to_string(),
            locale: classified.locale.clone(),
            deadline,
            request_token: classified.token.clone(),
            trace: span.as_ref().map(|s| s.parent()),
        };
        let (result, invoke_timings) = invoke::invoke(registry, &loaded, request).await;
        timings.instantiate_us = invoke_timings.instantiate.as_micros() as u64;
        timings.guest_us = invoke_timings.guest.as_micros() as u64;
        timings.ha_calls = invoke_timings.ha_calls;
        timings.ha_round_trips = invoke_timings.ha_round_trips;
        timings.ha_us = invoke_timings.ha_us;
        timings.guest_memory_kib = (invoke_timings.guest_memory_bytes >> 10) as u64;
        let trapped = matches!(
            result,
            Err(InvokeError::Trap(_) | InvokeError::Timeout(_) | InvokeError::MemoryLimit(_))
        );
        if let Some(mut span) = span.take() {
            span.annotate("version", loaded.entry.version.as_str());
            span.metadata("instantiate_us", timings.instantiate_us);
            span.metadata("guest_us", timings.guest_us);
            span.metadata("ha_calls", timings.ha_calls);
            if let Err(error) = &result {
                span.fail(true, invoke_error_kind(error));
            }
            span.end();
        }
        let mut failed = result.is_err();
        let response = match result {
            Ok(text) => match Response::from_component(text) {
                Ok(response) => {
                    if let Some(token) = &cache_token
                        && response.alexa_name().as_deref() != Some("ErrorResponse")
                    {
                        self.responses.put(route, token, ttl, &response);
                    }
                    response
                }
                Err(e) => {
                    failed = true;
                    tracing::error!(request_id, component = %entry.id, error = %e, "component answered invalid JSON");
                    fail(
                        ErrorType::InternalError,
                        "Sorry, something went wrong.",
                        "component answered invalid JSON",
                    )
                }
            },
            Err(error) => {
                let kind = envelope::alexa_type_for(&error);
                fail(kind, envelope::skill_error_text(&error), &error.to_string())
            }
        };
        if entry.canary.is_some() {
            let outcome = canary::Outcome {
                failed,
                trapped,
                latency: load_started.elapsed(),
            };
            registry.canary.record(entry, variant, outcome);
            let metrics = canary::metrics(entry, variant, outcome);
            registry.capabilities().metrics.emit(&metrics);
        }
        response
    }
}

/// An invocation failure as a fixed word (for traces: never the message).
fn invoke_error_kind(error: &InvokeError) -> &'static str {
    match error {
        InvokeError::Failure(_) => "failure",
        InvokeError::Trap(_) => "trap",
        InvokeError::Timeout(_) => "timeout",
        InvokeError::MemoryLimit(_) => "memory_limit",
        InvokeError::Instantiate(_) => "instantiate",
    }
}
