//! Alexa.Discovery: which entities become endpoints (filter, registry: hidden and
//! config/diagnostic entities are skipped), their names and categories (entity_config),
//! their capability JSON, and Amazon's limits (300 endpoints, 100 capabilities each).

use std::collections::HashMap;

use lee_sdk::ha::{Query, State};
use serde_json::Value;

use crate::config::{Config, Exposure};
use crate::interfaces::{self, CATEGORIES};
use crate::message::endpoint_id_of;
use crate::model::{Cap, Ctx, Device};
pub use crate::wire::{Endpoint, Interface};

/// The attributes discovery reads ([`crate::interfaces::device`], names): the host
/// sends only these, so a home whose entities carry kilobytes of other attributes is
/// discovered within the component's memory. A unit test checks discovery of the demo
/// home is the same with all attributes and with these.
pub const ATTRIBUTES: &[&str] = &[
    "activity_list",
    "available_modes",
    "code_format",
    "device_class",
    "fan_speed_list",
    "friendly_name",
    "hvac_modes",
    "max",
    "max_humidity",
    "max_temp",
    "min",
    "min_humidity",
    "min_temp",
    "operation_list",
    "options",
    "percentage_step",
    "preset_modes",
    "sound_mode_list",
    "source_list",
    "step",
    "supported_color_modes",
    "supported_features",
    "target_temp_step",
    "temperature_unit",
    "unit_of_measurement",
];

/// Discovery's first read: the entities of the domains Alexa can use, without their
/// attributes (ids and states are enough to rank them).
pub const INDEX: Query<'static> = Query {
    domains: interfaces::DOMAINS,
    entity_ids: &[],
    attributes: Some(&[]),
};

/// What discovery reads about the entities it ranks: the domains Alexa can use, with
/// [`ATTRIBUTES`] (batches name their entity ids).
pub const QUERY: Query<'static> = Query {
    domains: interfaces::DOMAINS,
    entity_ids: &[],
    attributes: Some(ATTRIBUTES),
};

/// Entities whose attributes ([`ATTRIBUTES`]) are read at a time, in rank order: a home
/// of 30,000 entities is never held in the component's memory all at once.
pub const BATCH: usize = 1_000;

/// Amazon's maximum number of endpoints per account.
pub const MAX_ENDPOINTS: usize = 300;
/// Amazon's maximum number of interfaces per endpoint (its "capabilities").
pub const MAX_INTERFACES: usize = 100;

/// The entity registry fields [`registry_entries`] reads (the host sends only these).
pub const REGISTRY_FIELDS: &[&str] = &[
    "entity_id",
    "hidden_by",
    "entity_category",
    "aliases",
    "labels",
];

/// What discovery needs from one entity registry entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistryEntry {
    pub hidden: bool,
    pub category: bool,
    pub aliases: Vec<String>,
    /// Home Assistant label ids of the entity and of its device (for `exposure =
    /// "label:<id>"`; the device's are added by [`crate::exposure::registry`]).
    pub labels: Vec<String>,
    /// Home Assistant's exposure settings expose it to the assistant `exposure` names
    /// (`assist` / `alexa`; set by [`crate::exposure::registry`]).
    pub assistant: bool,
}

/// The registry entries that change discovery (hidden, config/diagnostic, aliased),
/// by entity id. Entries without any of these are left out: they mean "no change".
pub type Registry = HashMap<String, RegistryEntry>;

/// Parses `config/entity_registry/list` (the JSON array Home Assistant returns, with
/// the host's merged aliases). Only the fields discovery uses are decoded; the rest of
/// each entry is skipped without being built, which matters for large homes.
pub fn registry_entries(listing: &str) -> Result<Registry, String> {
    use serde::Deserialize;
    use serde::de::IgnoredAny;

    #[derive(Deserialize)]
    struct Raw<'a> {
        #[serde(borrow)]
        entity_id: std::borrow::Cow<'a, str>,
        #[serde(default)]
        hidden_by: Option<IgnoredAny>,
        #[serde(default)]
        entity_category: Option<IgnoredAny>,
        #[serde(default)]
        aliases: Option<Vec<Option<String>>>,
        #[serde(default)]
        labels: Option<Vec<Option<String>>>,
    }
    let raw: Vec<Raw> = serde_json::from_str(listing)
        .map_err(|e| format!("entity registry listing is not what Home Assistant sends: {e}"))?;
    Ok(raw
        .into_iter()
        .filter_map(|r| {
            let aliases: Vec<String> = r
                .aliases
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .filter(|a| !a.trim().is_empty())
                .collect();
            let entry = RegistryEntry {
                hidden: r.hidden_by.is_some(),
                category: r.entity_category.is_some(),
                aliases,
                labels: r.labels.unwrap_or_default().into_iter().flatten().collect(),
                assistant: false,
            };
            (entry != RegistryEntry::default()).then(|| (r.entity_id.into_owned(), entry))
        })
        .collect())
}

/// The result of discovery: endpoints and what was dropped because of Amazon's limit.
#[derive(Debug, Clone)]
pub struct Discovered<'a> {
    pub endpoints: Vec<Endpoint<'a>>,
    pub dropped: Vec<String>,
}

/// What discovery made of one entity of a domain Alexa can use (`lee doctor` explains
/// each one; Discovery itself ignores them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Became an endpoint; `rank` is its place in priority order (1 = first kept).
    Endpoint { rank: usize },
    /// Left out by the component's `filter` (the rule that did it).
    Filtered(&'static str),
    /// Hidden in Home Assistant's entity registry.
    Hidden,
    /// A config or diagnostic entity (entity registry `entity_category`).
    EntityCategory,
    /// Alexa has no interface for this kind of entity (device class, missing options).
    Unsupported,
    /// Only the health and base interfaces: nothing to control or report.
    NoUsableInterface,
    /// Past Amazon's [`MAX_ENDPOINTS`]; `rank` is its place in priority order.
    Dropped { rank: usize },
}

/// Why the user's settings leave this entity out (filter and registry flags), if they do.
pub fn exclusion(entity_id: &str, config: &Config, registry: &Registry) -> Option<Outcome> {
    match &config.exposure {
        Exposure::Filter => {}
        Exposure::Label(label) => {
            let labelled = registry
                .get(entity_id)
                .is_some_and(|e| !e.hidden && e.labels.iter().any(|l| l == label));
            return (!labelled).then_some(Outcome::Filtered(
                "exposure label: the entity does not carry the label (or is hidden)",
            ));
        }
        Exposure::Assist | Exposure::Alexa => {
            let exposed = registry.get(entity_id).is_some_and(|e| e.assistant);
            return (!exposed).then_some(Outcome::Filtered(
                if config.exposure == Exposure::Assist {
                    "exposure assist: not exposed to Assist in Home Assistant \
                     (Settings > Voice assistants > Expose)"
                } else {
                    "exposure alexa: not exposed to Amazon Alexa in Home Assistant's \
                     voice assistant settings"
                },
            ));
        }
        Exposure::Invalid(_) => {
            return Some(Outcome::Filtered("exposure setting is not valid"));
        }
    }
    if config
        .filter
        .include_entities
        .iter()
        .any(|e| e == entity_id)
    {
        return None;
    }
    if let Some(entry) = registry.get(entity_id) {
        if entry.hidden {
            return Some(Outcome::Hidden);
        }
        if entry.category {
            return Some(Outcome::EntityCategory);
        }
    }
    config.filter.rejection(entity_id).map(Outcome::Filtered)
}

/// Whether the user asked for this entity (filter and registry flags).
pub fn exposed(entity_id: &str, config: &Config, registry: &Registry) -> bool {
    exclusion(entity_id, config, registry).is_none()
}

/// Which endpoints survive when there are more than Amazon accepts: devices that are
/// controlled first, then sensors, each group in entity-id order (deterministic).
fn priority(domain: &str) -> u8 {
    match domain {
        "light" | "switch" | "lock" | "cover" | "climate" | "fan" | "media_player" => 0,
        "scene"
        | "script"
        | "alarm_control_panel"
        | "water_heater"
        | "vacuum"
        | "valve"
        | "humidifier"
        | "remote" => 1,
        "input_boolean" | "input_select" | "select" | "input_number" | "number" | "timer"
        | "button" | "input_button" | "automation" | "group" | "alert" => 2,
        _ => 3,
    }
}

/// Builds the endpoints for `states` (all attributes at hand).
pub fn discover<'a>(
    states: &[State],
    config: &Config,
    registry: &Registry,
    ctx: &'a Ctx,
) -> Discovered<'a> {
    let by_id: HashMap<&str, &State> = states.iter().map(|s| (s.entity_id.as_str(), s)).collect();
    let fetch = |ids: &[&str]| -> Result<Vec<State>, ()> {
        Ok(ids
            .iter()
            .filter_map(|id| by_id.get(id).map(|s| (*s).clone()))
            .collect())
    };
    discover_in_batches(states, config, registry, ctx, fetch).unwrap_or(Discovered {
        endpoints: Vec::new(),
        dropped: Vec::new(),
    })
}

/// Builds the endpoints from `index` (states without attributes): ranks the exposed
/// entities, then reads them with `fetch` ([`BATCH`] at a time, rank order) and works
/// out their interfaces; only the endpoints kept are held. Controlled devices first,
/// then sensors, each group in entity-id order (deterministic); those past Amazon's
/// limit are `dropped`.
pub fn discover_in_batches<'a, E>(
    index: &[State],
    config: &Config,
    registry: &Registry,
    ctx: &'a Ctx,
    fetch: impl FnMut(&[&str]) -> Result<Vec<State>, E>,
) -> Result<Discovered<'a>, E> {
    discover_observed(index, config, registry, ctx, fetch, |_, _, _| {})
}

/// [`discover_in_batches`], telling `observe` what became of every entity of `index`
/// (with its state when it was read): the one decision Discovery and `lee doctor`'s
/// explanation share.
pub fn discover_observed<'a, E>(
    index: &[State],
    config: &Config,
    registry: &Registry,
    ctx: &'a Ctx,
    mut fetch: impl FnMut(&[&str]) -> Result<Vec<State>, E>,
    mut observe: impl FnMut(&str, Option<&State>, Outcome),
) -> Result<Discovered<'a>, E> {
    let mut ranked: Vec<(u8, &str)> = Vec::with_capacity(index.len());
    for s in index {
        match exclusion(&s.entity_id, config, registry) {
            None => ranked.push((priority(s.domain()), s.entity_id.as_str())),
            Some(outcome) => observe(&s.entity_id, Some(s), outcome),
        }
    }
    ranked.sort();
    let mut endpoints = Vec::new();
    let mut dropped = Vec::new();
    let mut rank = 0;
    for batch in ranked.chunks(BATCH) {
        let ids: Vec<&str> = batch.iter().map(|(_, id)| *id).collect();
        let states = fetch(&ids)?;
        let by_id: HashMap<&str, &State> =
            states.iter().map(|s| (s.entity_id.as_str(), s)).collect();
        for id in ids {
            let Some(&s) = by_id.get(id) else {
                // Gone between the index and the read: Home Assistant removed it.
                continue;
            };
            let Some(device) = interfaces::device(s, ctx) else {
                observe(id, Some(s), Outcome::Unsupported);
                continue;
            };
            // An endpoint with nothing to control or report is noise in the Alexa app.
            let useful = device
                .caps
                .iter()
                .any(|c| !matches!(c, Cap::EndpointHealth | Cap::Alexa));
            if !useful {
                observe(id, Some(s), Outcome::NoUsableInterface);
                continue;
            }
            rank += 1;
            if endpoints.len() < MAX_ENDPOINTS {
                endpoints.push(endpoint(s, device, config, registry.get(id), ctx));
                observe(id, Some(s), Outcome::Endpoint { rank });
            } else {
                dropped.push(id.to_string());
                observe(id, Some(s), Outcome::Dropped { rank });
            }
        }
    }
    Ok(Discovered { endpoints, dropped })
}

/// `ids` joined with commas into lines of at most `max` bytes (an id longer than
/// `max` gets a line of its own).
pub fn chunk_ids(ids: &[String], max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for id in ids {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + id.len() <= max => {
                line.push(',');
                line.push_str(id);
            }
            _ => lines.push(id.clone()),
        }
    }
    lines
}

fn clip(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The spoken name: entity_config name, else the entity's name, else its first alias.
pub fn friendly_name(state: &State, config: &Config, entry: Option<&RegistryEntry>) -> String {
    let configured = config
        .entity_config
        .get(&state.entity_id)
        .and_then(|c| c.name.clone());
    let own = state
        .attributes
        .get("friendly_name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .map(str::to_string);
    let alias = entry.and_then(|e| e.aliases.first().cloned());
    let name = configured
        .or(own)
        .or(alias)
        .unwrap_or_else(|| state.object_id().replace('_', " "));
    let name = clip(&name, 128);
    if name.is_empty() {
        state.entity_id.clone()
    } else {
        name
    }
}

/// One discovery endpoint.
pub fn endpoint<'a>(
    state: &State,
    device: Device,
    config: &Config,
    entry: Option<&RegistryEntry>,
    ctx: &'a Ctx,
) -> Endpoint<'a> {
    let overrides = config.entity_config.get(&state.entity_id);
    let configured: Vec<&'static str> = overrides
        .map(|c| {
            c.display_categories
                .iter()
                .filter_map(|want| {
                    CATEGORIES
                        .iter()
                        .find(|c| c.eq_ignore_ascii_case(want))
                        .copied()
                })
                .collect()
        })
        .unwrap_or_default();
    let display_categories = if configured.is_empty() {
        device.categories
    } else {
        configured
    };
    let description = overrides
        .and_then(|c| c.description.as_deref())
        .unwrap_or(&state.entity_id);
    let mut interfaces = device.caps;
    if interfaces.len() > MAX_INTERFACES {
        interfaces.truncate(MAX_INTERFACES - 1);
        interfaces.push(Cap::Alexa);
    }
    Endpoint {
        endpoint_id: endpoint_id_of(&state.entity_id),
        friendly_name: friendly_name(state, config, entry),
        description: clip(&format!("{description} via Home Assistant"), 128),
        display_categories,
        interfaces,
        locale: &ctx.locale,
    }
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
