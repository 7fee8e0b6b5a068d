//! Typed Home Assistant helpers over the `home-assistant` import. The host injects the
//! token and enforces the component's grants; these helpers parse what comes back.

use serde_json::Value;

use crate::bindings::lee::gateway::home_assistant as host;
pub use crate::bindings::lee::gateway::home_assistant::{HaError, Registry};

/// How old an answer a read accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Read Home Assistant now (state reports, post-command state).
    Now,
    /// A list for name lookups: up to a minute old is fine (states are cached 60 s).
    ForLookup,
    /// Registries and area mappings: up to ten minutes old.
    Mapping,
    /// What rarely changes about an entity (its domain, supported features, ranges and
    /// lists), to plan a command: up to ten minutes old. Never for a value.
    Static,
    /// Any explicit bound in milliseconds.
    Within(u32),
}

impl Freshness {
    pub fn max_age_ms(self) -> u32 {
        match self {
            Freshness::Now => 0,
            Freshness::ForLookup => 60_000,
            Freshness::Mapping | Freshness::Static => 600_000,
            Freshness::Within(ms) => ms,
        }
    }
}

/// One entity's state with parsed attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub entity_id: String,
    pub state: String,
    pub attributes: Value,
    pub last_changed: String,
    pub last_updated: String,
}

impl State {
    /// A state built in code (fixtures, tests); the timestamps are empty.
    pub fn new(entity_id: impl Into<String>, state: impl Into<String>, attributes: Value) -> Self {
        Self {
            entity_id: entity_id.into(),
            state: state.into(),
            attributes,
            last_changed: String::new(),
            last_updated: String::new(),
        }
    }

    pub fn from_host(s: host::EntityState) -> Self {
        Self {
            attributes: serde_json::from_str(&s.attributes).unwrap_or(Value::Null),
            entity_id: s.entity_id,
            state: s.state,
            last_changed: s.last_changed,
            last_updated: s.last_updated,
        }
    }

    /// `light` for `light.kitchen`.
    pub fn domain(&self) -> &str {
        domain_of(&self.entity_id)
    }

    /// `kitchen` for `light.kitchen`.
    pub fn object_id(&self) -> &str {
        self.entity_id
            .split_once('.')
            .map(|(_, o)| o)
            .unwrap_or(&self.entity_id)
    }

    /// The friendly name, or the object id with underscores as spaces.
    pub fn friendly_name(&self) -> String {
        self.attributes
            .get("friendly_name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| self.object_id().replace('_', " "))
    }

    pub fn attribute_str(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }

    pub fn is_available(&self) -> bool {
        !matches!(self.state.as_str(), "unavailable" | "unknown")
    }
}

/// The domain part of an entity id.
pub fn domain_of(entity_id: &str) -> &str {
    entity_id.split_once('.').map(|(d, _)| d).unwrap_or("")
}

/// All states.
pub fn states(freshness: Freshness) -> Result<Vec<State>, HaError> {
    Ok(host::get_states(freshness.max_age_ms())?
        .into_iter()
        .map(State::from_host)
        .collect())
}

/// Which states to read, and how much of each: the host selects and projects them, so a
/// component of a large home receives (and parses) only what it uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<'a> {
    /// Only these domains; empty: all.
    pub domains: &'a [&'a str],
    /// Only these entities; empty: no restriction by id.
    pub entity_ids: &'a [&'a str],
    /// Only these attributes; `None`: all.
    pub attributes: Option<&'a [&'a str]>,
}

impl Query<'_> {
    /// Does `state` pass the query's domain and id filters?
    pub fn selects(&self, state: &State) -> bool {
        (self.domains.is_empty() || self.domains.contains(&state.domain()))
            && (self.entity_ids.is_empty() || self.entity_ids.contains(&state.entity_id.as_str()))
    }

    /// `state` with only the query's attributes (for code that filters locally, tests).
    pub fn project(&self, mut state: State) -> State {
        if let (Some(keep), Value::Object(all)) = (self.attributes, &mut state.attributes) {
            all.retain(|name, _| keep.contains(&name.as_str()));
        }
        state
    }
}

/// The states `query` selects, with only its attributes.
pub fn states_of(query: &Query<'_>, freshness: Freshness) -> Result<Vec<State>, HaError> {
    let wit = host::StateQuery {
        domains: query.domains.iter().map(|d| d.to_string()).collect(),
        entity_ids: query.entity_ids.iter().map(|e| e.to_string()).collect(),
        attributes: query
            .attributes
            .map(|names| names.iter().map(|n| n.to_string()).collect()),
    };
    Ok(host::get_states_of(&wit, freshness.max_age_ms())?
        .into_iter()
        .map(State::from_host)
        .collect())
}

/// States of one domain (e.g. every `script`), selected by the host.
pub fn states_in_domain(domain: &str, freshness: Freshness) -> Result<Vec<State>, HaError> {
    let domains = [domain];
    states_of(
        &Query {
            domains: &domains,
            ..Query::default()
        },
        freshness,
    )
}

/// One state; `None` when the entity does not exist.
pub fn state(entity_id: &str, freshness: Freshness) -> Result<Option<State>, HaError> {
    Ok(host::get_state(entity_id, freshness.max_age_ms())?.map(State::from_host))
}

/// What a service call returned.
#[derive(Debug, Clone)]
pub struct ServiceResult {
    pub changed: Vec<State>,
    pub response: Option<Value>,
}

/// Calls `domain.service` with `data`.
pub fn call_service(domain: &str, service: &str, data: &Value) -> Result<ServiceResult, HaError> {
    call(domain, service, data, false)
}

/// Calls a service that returns a response (e.g. `weather.get_forecasts`).
pub fn call_service_with_response(
    domain: &str,
    service: &str,
    data: &Value,
) -> Result<ServiceResult, HaError> {
    call(domain, service, data, true)
}

fn call(
    domain: &str,
    service: &str,
    data: &Value,
    with_response: bool,
) -> Result<ServiceResult, HaError> {
    let result = host::call_service(domain, service, &data.to_string(), with_response)?;
    Ok(ServiceResult {
        changed: result.changed.into_iter().map(State::from_host).collect(),
        response: result.response.and_then(|r| serde_json::from_str(&r).ok()),
    })
}

/// One read [`prefetch`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefetch {
    States,
    Registry(Registry),
    Config,
}

/// Reads, concurrently and in one round trip, whatever of `reads` the host has no
/// answer for within `freshness`; the reads that follow (with the same or a looser
/// freshness) are answered from the host's cache.
pub fn prefetch(reads: &[Prefetch], freshness: Freshness) -> Result<(), HaError> {
    let wit: Vec<host::PrefetchRead> = reads
        .iter()
        .map(|r| match r {
            Prefetch::States => host::PrefetchRead::States,
            Prefetch::Registry(which) => host::PrefetchRead::Registry(*which),
            Prefetch::Config => host::PrefetchRead::Config,
        })
        .collect();
    host::prefetch(&wit, freshness.max_age_ms())
}

/// Renders a template.
pub fn render_template(template: &str, freshness: Freshness) -> Result<String, HaError> {
    host::render_template(template, freshness.max_age_ms())
}

/// Home Assistant's core configuration (`GET /api/config`), parsed.
pub fn core_config(freshness: Freshness) -> Result<Value, HaError> {
    let text = host::get_config(freshness.max_age_ms())?;
    serde_json::from_str(&text)
        .map_err(|e| HaError::Upstream(format!("core configuration is not JSON: {e}")))
}

/// Home Assistant's temperature unit (`"°C"` or `"°F"`) from its unit system.
pub fn temperature_unit(freshness: Freshness) -> Result<String, HaError> {
    let config = core_config(freshness)?;
    config
        .pointer("/unit_system/temperature")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| HaError::Upstream("core configuration has no temperature unit".into()))
}

/// The temperature unit for readings that carry none (thermostats): the component's
/// `temperature_unit` setting when set, else Home Assistant's unit system, else empty
/// (the caller falls back to its own inference).
pub fn preferred_temperature_unit() -> String {
    crate::config::get("temperature_unit")
        .filter(|u| !u.trim().is_empty())
        .or_else(|| temperature_unit(Freshness::Mapping).ok())
        .unwrap_or_default()
}

/// Home Assistant's exposure settings (`homeassistant/expose_entity/list`: the "Expose"
/// toggles of its voice assistants page) as the JSON text it returned.
pub fn exposure_json(freshness: Freshness) -> Result<String, HaError> {
    host::list_exposure(freshness.max_age_ms())
}

/// A registry listing as the JSON text Home Assistant returned, for callers that
/// decode only the fields they need (large homes have thousands of entries).
pub fn registry_json(which: Registry, freshness: Freshness) -> Result<String, HaError> {
    host::list_registry(which, freshness.max_age_ms())
}

/// A registry listing with only `fields` of each entry, as JSON text: what a component
/// of a large home should read (the host projects it; the full entity registry of such
/// a home is tens of megabytes).
pub fn registry_of(
    which: Registry,
    fields: &[&str],
    freshness: Freshness,
) -> Result<String, HaError> {
    let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    host::list_registry_of(which, &fields, freshness.max_age_ms())
}

/// A registry listing with only `fields` of each entry, parsed.
pub fn registry_fields(
    which: Registry,
    fields: &[&str],
    freshness: Freshness,
) -> Result<Vec<Value>, HaError> {
    array(&registry_of(which, fields, freshness)?)
}

fn array(text: &str) -> Result<Vec<Value>, HaError> {
    match serde_json::from_str(text) {
        Ok(Value::Array(items)) => Ok(items),
        _ => Err(HaError::Upstream(
            "registry listing is not a JSON array".into(),
        )),
    }
}

/// A registry listing, parsed.
pub fn registry(which: Registry, freshness: Freshness) -> Result<Vec<Value>, HaError> {
    array(&registry_json(which, freshness)?)
}

/// Sends text to Assist; returns Home Assistant's answer object.
pub fn converse(
    text: &str,
    conversation_id: Option<&str>,
    language: Option<&str>,
) -> Result<Value, HaError> {
    let answer = host::converse(text, conversation_id, language)?;
    serde_json::from_str(&answer)
        .map_err(|e| HaError::Upstream(format!("conversation answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn state_names() {
        let s = State::new(
            "script.good_night",
            "off",
            json!({"friendly_name": "Good Night"}),
        );
        assert_eq!(s.domain(), "script");
        assert_eq!(s.object_id(), "good_night");
        assert_eq!(s.friendly_name(), "Good Night");
        let unnamed = State {
            attributes: json!({}),
            ..s
        };
        assert_eq!(unnamed.friendly_name(), "good night");
        assert_eq!(Freshness::Now.max_age_ms(), 0);
    }
}
