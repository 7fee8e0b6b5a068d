//! Which entities Alexa sees, as far as Home Assistant's registries and exposure settings
//! decide it: the one place Discovery, directives, the reporter's ChangeReports and `lee
//! doctor`'s explanation read them, so the four can never disagree about an entity.
//!
//! - `filter`: the registry's hidden / entity-category flags (and aliases).
//! - `label:<id>`: entities carrying the label, or on a device carrying it (Home
//!   Assistant's UI labels devices as well as entities).
//! - `assist` / `alexa`: Home Assistant's own effective answer, its websocket command
//!   `homeassistant/expose_entity/list` (the "Expose" toggles; `conversation` and
//!   `cloud.alexa`), never a re-implementation of its defaults. It lists entities that
//!   have a setting, including those without a unique id that the registry misses.

use std::collections::{HashMap, HashSet};

use lee_sdk::HaError;
use lee_sdk::ha::{Freshness, Registry as HaRegistry};
use serde::Deserialize;

use crate::config::{Config, Exposure};
use crate::discovery::{self, Registry, RegistryEntry};
use crate::home::Home;

/// The device registry fields a label exposure reads.
pub const DEVICE_FIELDS: &[&str] = &["id", "labels"];
/// The entity registry fields that tie an entity to its device.
pub const DEVICE_OF_FIELDS: &[&str] = &["entity_id", "device_id"];

/// The registry entries discovery needs under `config`'s exposure. An error means the
/// exposure cannot be decided: callers that would otherwise expose nothing (and so make
/// Alexa forget every device) answer an error instead.
pub fn registry(
    home: &dyn Home,
    config: &Config,
    freshness: Freshness,
) -> Result<Registry, String> {
    let listing = home.entity_registry(freshness).map_err(|e| describe(&e))?;
    let mut registry = discovery::registry_entries(&listing)?;
    match &config.exposure {
        Exposure::Label(_) => add_device_labels(home, &mut registry, freshness)?,
        Exposure::Assist | Exposure::Alexa => {
            let text = home
                .exposure_settings(freshness)
                .map_err(|e| describe(&e))?;
            let assistant = config.exposure.assistant().unwrap_or_default();
            for entity_id in exposed_to(&text, assistant)? {
                registry.entry(entity_id).or_default().assistant = true;
            }
        }
        Exposure::Filter | Exposure::Invalid(_) => {}
    }
    Ok(registry)
}

/// Like [`registry`], for callers that still answer without it (a directive's exposure
/// check under `filter` needs nothing from the registry): logs and returns no entries.
pub fn registry_or_empty(home: &dyn Home, config: &Config, freshness: Freshness) -> Registry {
    registry(home, config, freshness).unwrap_or_else(|e| {
        home.warn("entity registry unavailable", &[("error", &e)]);
        Registry::new()
    })
}

/// Home Assistant answers a websocket command of an administrator-only API with the
/// error code `unauthorized` (a bad request to the host), the REST API with 401/403.
fn describe(e: &HaError) -> String {
    match e {
        HaError::Unauthorized(m) | HaError::BadRequest(m)
            if matches!(e, HaError::Unauthorized(_))
                || m.to_lowercase().contains("unauthorized") =>
        {
            format!(
                "Home Assistant refused the registry or exposure read ({m}): these need an \
                 administrator's token"
            )
        }
        other => format!("{other:?}"),
    }
}

/// The entity ids `homeassistant/expose_entity/list` exposes to `assistant`
/// (`conversation`, `cloud.alexa`).
pub fn exposed_to(text: &str, assistant: &str) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Listing {
        exposed_entities: HashMap<String, HashMap<String, serde_json::Value>>,
    }
    let listing: Listing = serde_json::from_str(text).map_err(|e| {
        format!("homeassistant/expose_entity/list did not answer what Home Assistant sends: {e}")
    })?;
    let mut ids: Vec<String> = listing
        .exposed_entities
        .into_iter()
        .filter(|(_, settings)| settings.get(assistant).and_then(|v| v.as_bool()) == Some(true))
        .map(|(id, _)| id)
        .collect();
    ids.sort();
    Ok(ids)
}

/// Gives every entity the labels of its device.
fn add_device_labels(
    home: &dyn Home,
    registry: &mut Registry,
    freshness: Freshness,
) -> Result<(), String> {
    #[derive(Deserialize)]
    struct Device {
        id: String,
        #[serde(default)]
        labels: Option<Vec<Option<String>>>,
    }
    #[derive(Deserialize)]
    struct DeviceOf {
        entity_id: String,
        #[serde(default)]
        device_id: Option<String>,
    }
    let devices = home
        .registry_listing(HaRegistry::Device, DEVICE_FIELDS, freshness)
        .map_err(|e| describe(&e))?;
    let devices: Vec<Device> = serde_json::from_str(&devices)
        .map_err(|e| format!("device registry listing is not what Home Assistant sends: {e}"))?;
    let labelled: HashMap<String, Vec<String>> = devices
        .into_iter()
        .filter_map(|d| {
            let labels: Vec<String> = d.labels.unwrap_or_default().into_iter().flatten().collect();
            (!labels.is_empty()).then_some((d.id, labels))
        })
        .collect();
    if labelled.is_empty() {
        return Ok(());
    }
    let entities = home
        .registry_listing(HaRegistry::Entity, DEVICE_OF_FIELDS, freshness)
        .map_err(|e| describe(&e))?;
    let entities: Vec<DeviceOf> = serde_json::from_str(&entities)
        .map_err(|e| format!("entity registry listing is not what Home Assistant sends: {e}"))?;
    for entity in entities {
        let Some(labels) = entity.device_id.as_ref().and_then(|d| labelled.get(d)) else {
            continue;
        };
        let entry: &mut RegistryEntry = registry.entry(entity.entity_id).or_default();
        let own: HashSet<String> = entry.labels.iter().cloned().collect();
        entry
            .labels
            .extend(labels.iter().filter(|l| !own.contains(*l)).cloned());
    }
    Ok(())
}
