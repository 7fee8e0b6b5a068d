//! Routing and orchestration: `alexa:<namespace>/<name>` -> discovery, state report,
//! authorization or a control directive (read state, plan, call, read the state after,
//! answer). Talks to Home Assistant only through the [`Home`] trait, so the whole flow
//! runs natively in tests against a fake home; `host.rs` is the real one.

use std::collections::HashMap;

use lee_sdk::HaError;
use lee_sdk::ha::{Freshness, Prefetch, Query, State};
use serde_json::Value;

use crate::clock;
use crate::color;
use crate::config::Config;
use crate::directives::{self, Plan, Reply};
use crate::discovery;
use crate::errors::{AlexaError, token_expired};
use crate::interfaces;
use crate::message::Directive;
use crate::model::{Attrs, Ctx};
use crate::properties::{Sample, properties};
use crate::units::Scale;

pub use crate::home::Home;

/// Longest comma-separated list of dropped entity ids in one log line (the host keeps
/// values up to 4,096 characters).
const DROPPED_PER_LINE: usize = 3_500;
/// At most this many such lines (~42 KB: inside the host's per-invocation log budget).
const DROPPED_LINES: usize = 12;

/// How fresh the state read before a command must be when its plan needs a value the
/// entity has now (Adjust* without a relative service needs a current base).
const BEFORE_COMMAND: Freshness = Freshness::Within(1_000);
/// How fresh the state read after a command must be when the entity is not among the
/// call's changed states. The host drops the entities a call targets when it returns,
/// so a cached entry this young was recorded after the call: the entity read alongside
/// a call that probably changed nothing (the host's `writes` module), else a new read.
const AFTER_COMMAND: Freshness = Freshness::Within(1_000);

/// Answers one directive with the serialised Alexa message (an ErrorResponse on
/// failure); there is always an answer.
pub fn handle(d: &Directive, home: &dyn Home) -> String {
    if d.payload_version != "3" {
        return d
            .error(&AlexaError::invalid_directive(format!(
                "payloadVersion {:?} is not supported; expected \"3\"",
                d.payload_version
            )))
            .to_string();
    }
    let result = match (d.namespace.as_str(), d.name.as_str()) {
        ("Alexa.Discovery", "Discover") => discover(d, home),
        ("Alexa.Authorization", "AcceptGrant") => accept_grant(d).map(|v| v.to_string()),
        ("Alexa", "ReportState") => report_state(d, home).map(|v| v.to_string()),
        _ => control(d, home).map(|v| v.to_string()),
    };
    result.unwrap_or_else(|e| {
        if matches!(e.kind, "INTERNAL_ERROR" | "BRIDGE_UNREACHABLE") {
            home.warn(
                "directive failed",
                &[("type", e.kind), ("message", &e.message)],
            );
        }
        d.error(&e).to_string()
    })
}

fn ha_error(d: &Directive, e: &HaError) -> AlexaError {
    let expired = d
        .bearer_token()
        .is_some_and(|t| token_expired(t, clock::now_millis() / 1000));
    AlexaError::from_ha(e, d.endpoint_id.as_deref(), expired)
}

/// The temperature unit the configured `temperature_unit` names, else the unit most
/// temperature sensors and weather entities report, else Celsius.
pub fn infer_scale(config: &Config, states: &[State]) -> Scale {
    if let Some(scale) = config
        .temperature_unit
        .as_deref()
        .and_then(Scale::from_ha_unit)
    {
        return scale;
    }
    let (mut c, mut f) = (0, 0);
    for s in states {
        let unit = match s.domain() {
            "sensor" if s.device_class() == Some("temperature") => {
                s.str_attr("unit_of_measurement")
            }
            "weather" => s.str_attr("temperature_unit"),
            _ => None,
        };
        match unit.and_then(Scale::from_ha_unit) {
            Some(Scale::Celsius) => c += 1,
            Some(Scale::Fahrenheit) => f += 1,
            _ => {}
        }
    }
    if f > c {
        Scale::Fahrenheit
    } else {
        Scale::Celsius
    }
}

/// The unit climate and water heater attributes are in: the component's configured
/// `temperature_unit`, else Home Assistant's unit system (`/api/config`), else inferred
/// from the states (`states`, or the cached list when `None`).
pub fn temperature_scale(config: &Config, home: &dyn Home, states: Option<&[State]>) -> Scale {
    let configured = config
        .temperature_unit
        .as_deref()
        .and_then(Scale::from_ha_unit);
    if let Some(scale) = configured.or_else(|| {
        home.temperature_unit()
            .as_deref()
            .and_then(Scale::from_ha_unit)
    }) {
        return scale;
    }
    match states {
        Some(states) => infer_scale(config, states),
        None => infer_scale(
            config,
            &home.states(Freshness::ForLookup).unwrap_or_default(),
        ),
    }
}

fn context(config: &Config, scale: Scale) -> Ctx {
    Ctx {
        scale,
        locale: config.locale().to_string(),
    }
}

/// A context for one entity: the temperature unit matters only for climate and water
/// heaters.
fn context_for(state: &State, config: &Config, home: &dyn Home) -> Ctx {
    let scale = if matches!(state.domain(), "climate" | "water_heater") {
        temperature_scale(config, home, None)
    } else {
        Scale::Celsius
    };
    context(config, scale)
}

/// Discovery's context. The unit comes from the configuration or Home Assistant;
/// inferring it from the sensors (no unit system known) reads them itself.
pub fn discovery_context(config: &Config, home: &dyn Home) -> Ctx {
    context(config, temperature_scale(config, home, None))
}

/// What Discovery reads, prefetched together.
const DISCOVERY_READS: [Prefetch; 3] = [
    Prefetch::States,
    Prefetch::Registry(lee_sdk::ha::Registry::Entity),
    Prefetch::Config,
];

fn discover(d: &Directive, home: &dyn Home) -> Result<String, AlexaError> {
    let config = home.config();
    if let crate::config::Exposure::Invalid(why) = &config.exposure {
        home.warn("no entity is exposed", &[("reason", why)]);
    }
    // States, the entity registry and the unit system in one round trip, not three.
    if let Err(e) = home.prefetch(&DISCOVERY_READS, Freshness::ForLookup) {
        home.warn(
            "prefetch failed; reading one by one",
            &[("error", &format!("{e:?}"))],
        );
    }
    let index = home
        .states_of(&discovery::INDEX, Freshness::ForLookup)
        .map_err(|e| ha_error(d, &e))?;
    let registry = match crate::exposure::registry(home, &config, Freshness::Mapping) {
        Ok(registry) => registry,
        Err(e) if config.exposure.needs_registry() => {
            // Exposure is decided by what could not be read: an empty answer would make
            // Alexa forget every device, an error keeps them.
            home.warn("exposure cannot be decided", &[("error", &e)]);
            return Err(AlexaError::internal(format!(
                "exposure {:?} cannot be decided: {e}",
                config.exposure
            )));
        }
        Err(e) => {
            // Without the registry hidden entities cannot be told apart; still answer.
            home.warn("entity registry unavailable", &[("error", &e)]);
            discovery::Registry::new()
        }
    };
    let ctx = discovery_context(&config, home);
    let fetch = |ids: &[&str]| {
        let query = Query {
            entity_ids: ids,
            ..discovery::QUERY
        };
        home.states_of(&query, Freshness::ForLookup)
    };
    let found = discovery::discover_in_batches(&index, &config, &registry, &ctx, fetch)
        .map_err(|e| ha_error(d, &e))?;
    if !found.dropped.is_empty() {
        let count = found.dropped.len().to_string();
        // The host keeps log values up to 4 KiB: the list goes out in parts, as many as
        // fit the component's log budget (a 30,000-entity home drops ~29,700).
        let parts = discovery::chunk_ids(&found.dropped, DROPPED_PER_LINE);
        let total = parts.len().to_string();
        for (i, part) in parts.iter().enumerate().take(DROPPED_LINES) {
            home.warn(
                "more endpoints than Alexa accepts; dropped the lowest-priority ones",
                &[
                    ("count", &count),
                    ("part", &format!("{}/{total}", i + 1)),
                    ("dropped", part),
                ],
            );
        }
        if parts.len() > DROPPED_LINES {
            home.warn(
                "dropped endpoints not listed (log budget); lee doctor lists every one",
                &[("unlisted_parts", &(parts.len() - DROPPED_LINES).to_string())],
            );
        }
    }
    home.info(
        "discovery",
        &[("endpoints", &found.endpoints.len().to_string())],
    );
    Ok(crate::wire::with_proactive(
        config.accept_grant.proactive(),
        || d.discover_response(&found.endpoints),
    ))
}

fn accept_grant(d: &Directive) -> Result<Value, AlexaError> {
    // lee sends no proactive events (no event gateway credentials), so there is nothing
    // to exchange the grant for; a well-formed grant is accepted.
    match d.payload.pointer("/grant/code").and_then(Value::as_str) {
        Some(code) if !code.is_empty() => Ok(d.accept_grant_response()),
        _ => Err(AlexaError::accept_grant_failed(
            "payload.grant.code is missing",
        )),
    }
}

/// The registry entries exposure needs: none for `filter` (hidden entities stay
/// controllable, as in Home Assistant), the labels for `label:<id>`.
fn exposure_registry(
    config: &Config,
    home: &dyn Home,
    freshness: Freshness,
) -> discovery::Registry {
    if !config.exposure.needs_registry() {
        return HashMap::new();
    }
    crate::exposure::registry_or_empty(home, config, freshness)
}

/// The addressed entity, checked against the filter; NO_SUCH_ENDPOINT otherwise.
fn target(
    d: &Directive,
    home: &dyn Home,
    config: &Config,
    freshness: Freshness,
) -> Result<State, AlexaError> {
    let entity_id = d
        .entity_id()
        .ok_or_else(|| AlexaError::invalid_directive("the directive has no endpoint"))?;
    let endpoint_id = d.endpoint_id.as_deref().unwrap_or_default();
    // Registries are read up to ten minutes old; an entity exposed since (the reporter
    // has told Alexa about it at once) is looked up again now before it is refused.
    let exposed = |freshness| {
        discovery::exposed(
            &entity_id,
            config,
            &exposure_registry(config, home, freshness),
        )
    };
    let refreshed = || config.exposure.needs_registry() && exposed(Freshness::Now);
    if !(exposed(Freshness::Mapping) || refreshed()) {
        return Err(AlexaError::no_such_endpoint(endpoint_id));
    }
    home.state(&entity_id, freshness)
        .map_err(|e| ha_error(d, &e))?
        .ok_or_else(|| AlexaError::no_such_endpoint(endpoint_id))
}

fn report_state(d: &Directive, home: &dyn Home) -> Result<Value, AlexaError> {
    let config = home.config();
    let state = target(d, home, &config, Freshness::Now)?;
    let ctx = context_for(&state, &config, home);
    let device = interfaces::device(&state, &ctx).ok_or_else(|| {
        AlexaError::no_such_endpoint(d.endpoint_id.as_deref().unwrap_or_default())
    })?;
    let props = properties(&state, &device, &ctx, Sample::now());
    Ok(d.state_report(color::with_brightness(home, &state.entity_id, props)))
}

/// Plans from the cached entry when the plan needs only what the entity is (domain,
/// features, ranges: [`Freshness::Static`]), so a warm container makes one round trip,
/// the service call; reads first only when the plan needs a value the entity has now
/// ([`directives::needs_current`] lists those, with why) or the cached entry says it is
/// unavailable.
fn control(d: &Directive, home: &dyn Home) -> Result<Value, AlexaError> {
    let config = home.config();
    let endpoint_id = d.endpoint_id.as_deref().unwrap_or_default();
    let mut state = target(d, home, &config, Freshness::Static)?;
    let ctx = context_for(&state, &config, home);
    let mut device = interfaces::device(&state, &ctx)
        .ok_or_else(|| AlexaError::no_such_endpoint(endpoint_id))?;
    if state.state == "unavailable" || directives::needs_current(d, &state, &device) {
        state = target(d, home, &config, BEFORE_COMMAND)?;
        device = interfaces::device(&state, &ctx)
            .ok_or_else(|| AlexaError::no_such_endpoint(endpoint_id))?;
    }
    if state.state == "unavailable" {
        return Err(AlexaError::endpoint_unreachable(&state.entity_id));
    }
    let plan = directives::plan(d, &state, &device, &ctx)?;
    let after = execute(d, home, &state, &plan)?;
    if let Some(b) = directives::color_brightness(d) {
        color::remember(home, &state.entity_id, b);
    }
    let props = |s: &State| {
        color::with_brightness(
            home,
            &s.entity_id,
            properties(s, &device, &ctx, Sample::now()),
        )
    };
    Ok(match plan.reply {
        Reply::Response => d.response(props(&after)),
        Reply::SceneStarted { deactivated } => d.scene_started(deactivated, props(&after)),
        Reply::Armed { exit_delay_seconds } => d.arm_response(exit_delay_seconds, props(&after)),
        Reply::Seek { position_ms } => d.seek_report(position_ms),
    })
}

/// Runs the plan's calls; returns the states Home Assistant reported as changed.
fn run_calls(d: &Directive, home: &dyn Home, plan: &Plan) -> Result<Vec<State>, AlexaError> {
    let mut changed: Vec<State> = Vec::new();
    for c in &plan.calls {
        match home.call(&c.domain, &c.service, &c.data) {
            Ok(states) => changed.extend(states),
            Err(HaError::BadRequest(m) | HaError::Upstream(m)) if plan.on_refused.is_some() => {
                home.warn("service refused", &[("message", &m)]);
                return Err(plan
                    .on_refused
                    .clone()
                    .unwrap_or_else(|| AlexaError::internal(m)));
            }
            Err(e) => return Err(ha_error(d, &e)),
        }
    }
    Ok(changed)
}

/// The entity's state after a call: from the call's changed states, else (the call
/// changed nothing Home Assistant reports, e.g. TurnOn of a light already on) a read.
fn state_after(home: &dyn Home, before: &State, changed: Vec<State>) -> State {
    if let Some(s) = changed
        .into_iter()
        .rev()
        .find(|s| s.entity_id == before.entity_id)
    {
        return s;
    }
    home.info(
        "state read after command (not among the changed states)",
        &[("entity", &before.entity_id)],
    );
    match home.state(&before.entity_id, AFTER_COMMAND) {
        Ok(Some(s)) => s,
        Ok(None) => before.clone(),
        Err(e) => {
            // The command went through; report what we know rather than an error.
            home.warn(
                "state read after command failed",
                &[("error", &format!("{e:?}"))],
            );
            before.clone()
        }
    }
}

/// Runs the plan's calls (and its follow-up, planned from the state the first calls
/// left); returns the entity's state after them.
fn execute(
    d: &Directive,
    home: &dyn Home,
    before: &State,
    plan: &Plan,
) -> Result<State, AlexaError> {
    let changed = run_calls(d, home, plan)?;
    home.info(
        "directive handled",
        &[
            ("entity", &before.entity_id),
            ("directive", &d.name),
            ("calls", &plan.calls.len().to_string()),
        ],
    );
    // Replies that carry no device state need no read.
    if matches!(plan.reply, Reply::SceneStarted { .. } | Reply::Seek { .. }) {
        return Ok(before.clone());
    }
    let after = state_after(home, before, changed);
    match &plan.then {
        Some(then) => {
            let next = directives::follow_up(then, &after)?;
            let changed = run_calls(d, home, &next)?;
            Ok(state_after(home, &after, changed))
        }
        None => Ok(after),
    }
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
