//! Alexa.Discovery: which entities become endpoints (filter, registry: hidden and
//! config/diagnostic entities are skipped), their names and categories (entity_config),
//! their capability JSON, and Amazon's limits (300 endpoints, 100 capabilities each).

use std::collections::HashMap;

use lee_sdk::ha::State;
use serde_json::{Value, json};

use crate::capabilities::{self, CATEGORIES};
use crate::config::Settings;
use crate::message::endpoint_id_of;
use crate::model::{Cap, Ctx, Device, Name};

/// Amazon's maximum number of endpoints per account.
pub const MAX_ENDPOINTS: usize = 300;
/// Amazon's maximum number of capabilities per endpoint.
pub const MAX_CAPABILITIES: usize = 100;

/// What discovery needs from the entity registry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistryEntry {
    pub hidden: bool,
    pub category: bool,
    pub aliases: Vec<String>,
}

/// Parses `config/entity_registry/list` into the fields discovery uses.
pub fn registry_entries(items: &[Value]) -> HashMap<String, RegistryEntry> {
    items
        .iter()
        .filter_map(|item| {
            let id = item.get("entity_id")?.as_str()?.to_string();
            let set = |k: &str| item.get(k).is_some_and(|v| !v.is_null());
            let aliases = item
                .get("aliases")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Some((
                id,
                RegistryEntry {
                    hidden: set("hidden_by"),
                    category: set("entity_category"),
                    aliases,
                },
            ))
        })
        .collect()
}

/// The result of discovery: endpoints and what was dropped because of Amazon's limit.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub endpoints: Vec<Value>,
    pub dropped: Vec<String>,
}

/// Whether the user asked for this entity (filter and registry flags).
pub fn exposed(
    entity_id: &str,
    settings: &Settings,
    registry: &HashMap<String, RegistryEntry>,
) -> bool {
    if settings
        .filter
        .include_entities
        .iter()
        .any(|e| e == entity_id)
    {
        return true;
    }
    if let Some(entry) = registry.get(entity_id)
        && (entry.hidden || entry.category)
    {
        return false;
    }
    settings.filter.allows(entity_id)
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

/// Builds the endpoints for `states`.
pub fn discover(
    states: &[State],
    settings: &Settings,
    registry: &HashMap<String, RegistryEntry>,
    ctx: &Ctx,
) -> Discovered {
    let mut candidates: Vec<(u8, &State, Device)> = states
        .iter()
        .filter(|s| exposed(&s.entity_id, settings, registry))
        .filter_map(|s| {
            let device = capabilities::device(s, ctx)?;
            // An endpoint with nothing to control or report is noise in the Alexa app.
            let useful = device
                .caps
                .iter()
                .any(|c| !matches!(c, Cap::EndpointHealth | Cap::Alexa));
            useful.then(|| (priority(s.domain()), s, device))
        })
        .collect();
    candidates.sort_by(|a, b| (a.0, &a.1.entity_id).cmp(&(b.0, &b.1.entity_id)));
    let dropped = candidates
        .iter()
        .skip(MAX_ENDPOINTS)
        .map(|(_, s, _)| s.entity_id.clone())
        .collect();
    let endpoints = candidates
        .iter()
        .take(MAX_ENDPOINTS)
        .map(|(_, s, d)| endpoint(s, d, settings, registry.get(&s.entity_id), ctx))
        .collect();
    Discovered { endpoints, dropped }
}

fn clip(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The spoken name: entity_config name, else the entity's name, else its first alias.
pub fn friendly_name(state: &State, settings: &Settings, entry: Option<&RegistryEntry>) -> String {
    let configured = settings
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
pub fn endpoint(
    state: &State,
    device: &Device,
    settings: &Settings,
    entry: Option<&RegistryEntry>,
    ctx: &Ctx,
) -> Value {
    let config = settings.entity_config.get(&state.entity_id);
    let categories: Vec<&str> = config
        .map(|c| {
            c.display_categories
                .iter()
                .filter_map(|want| {
                    CATEGORIES
                        .iter()
                        .find(|c| c.eq_ignore_ascii_case(want))
                        .copied()
                })
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| device.categories.clone());
    let description = config
        .and_then(|c| c.description.clone())
        .unwrap_or_else(|| state.entity_id.clone());
    let mut capabilities: Vec<Value> = device.caps.iter().map(|c| capability(c, ctx)).collect();
    if capabilities.len() > MAX_CAPABILITIES {
        capabilities.truncate(MAX_CAPABILITIES - 1);
        capabilities.push(capability(&Cap::Alexa, ctx));
    }
    json!({
        "endpointId": endpoint_id_of(&state.entity_id),
        "friendlyName": friendly_name(state, settings, entry),
        "description": clip(&format!("{description} via Home Assistant"), 128),
        "manufacturerName": "Home Assistant",
        "displayCategories": categories,
        "cookie": {},
        "capabilities": capabilities,
    })
}

fn names_json(names: &[Name], ctx: &Ctx) -> Value {
    Value::Array(
        names
            .iter()
            .map(|n| match n {
                Name::Asset(id) => json!({"@type": "asset", "value": {"assetId": id}}),
                Name::Text(t) => {
                    json!({"@type": "text", "value": {"text": t, "locale": ctx.locale}})
                }
            })
            .collect(),
    )
}

fn reportable(names: &[&str]) -> Value {
    let supported: Vec<Value> = names.iter().map(|n| json!({"name": n})).collect();
    json!({"supported": supported, "proactivelyReported": false, "retrievable": true})
}

/// One capability object.
pub fn capability(cap: &Cap, ctx: &Ctx) -> Value {
    let mut c = json!({"type": "AlexaInterface", "interface": cap.interface(), "version": "3"});
    let props: &[&str] = match cap {
        Cap::Power => &["powerState"],
        Cap::Brightness => &["brightness"],
        Cap::Color => &["color"],
        Cap::ColorTemperature => &["colorTemperatureInKelvin"],
        Cap::TemperatureSensor => &["temperature"],
        Cap::Range(_) => &["rangeValue"],
        Cap::Mode(_) => &["mode"],
        Cap::Toggle(_) => &["toggleState"],
        Cap::Percentage => &["percentage"],
        Cap::PowerLevel => &["powerLevel"],
        Cap::Lock => &["lockState"],
        Cap::SecurityPanel { .. } => &["armState", "burglaryAlarm"],
        Cap::Speaker => &["volume", "muted"],
        Cap::Input { .. } => &["input"],
        Cap::ContactSensor | Cap::MotionSensor => &["detectionState"],
        Cap::EndpointHealth => &["connectivity"],
        _ => &[],
    };
    if !props.is_empty() {
        c["properties"] = reportable(props);
    }
    match cap {
        Cap::Scene { deactivation } => {
            c["supportsDeactivation"] = json!(deactivation);
            c["proactivelyReported"] = json!(false);
        }
        Cap::Thermostat(t) => {
            let mut names = Vec::new();
            if t.single {
                names.push("targetSetpoint");
            }
            if t.dual {
                names.extend(["lowerSetpoint", "upperSetpoint"]);
            }
            if !t.modes.is_empty() {
                names.push("thermostatMode");
            }
            c["properties"] = reportable(&names);
            let mut configuration = json!({"supportsScheduling": false});
            if !t.modes.is_empty() {
                configuration["supportedModes"] = json!(t.modes);
            }
            c["configuration"] = configuration;
        }
        Cap::Range(r) => {
            c["instance"] = json!(r.instance);
            c["capabilityResources"] = json!({"friendlyNames": names_json(&r.names, ctx)});
            let mut configuration = json!({"supportedRange": {
                "minimumValue": r.min, "maximumValue": r.max, "precision": r.precision}});
            if let Some(unit) = r.unit {
                configuration["unitOfMeasure"] = json!(unit);
            }
            if !r.presets.is_empty() {
                configuration["presets"] = Value::Array(
                    r.presets
                        .iter()
                        .map(|(v, names)| {
                            json!({"rangeValue": v,
                            "presetResources": {"friendlyNames": names_json(names, ctx)}})
                        })
                        .collect(),
                );
            }
            c["configuration"] = configuration;
            if let Some(s) = &r.semantics {
                c["semantics"] = s.clone();
            }
        }
        Cap::Mode(m) => {
            c["instance"] = json!(m.instance);
            c["capabilityResources"] = json!({"friendlyNames": names_json(&m.names, ctx)});
            let modes: Vec<Value> = m
                .modes
                .iter()
                .map(|v| {
                    json!({"value": v.value,
                    "modeResources": {"friendlyNames": names_json(&v.names, ctx)}})
                })
                .collect();
            c["configuration"] = json!({"ordered": m.ordered, "supportedModes": modes});
            if let Some(s) = &m.semantics {
                c["semantics"] = s.clone();
            }
        }
        Cap::Toggle(t) => {
            c["instance"] = json!(t.instance);
            c["capabilityResources"] = json!({"friendlyNames": names_json(&t.names, ctx)});
        }
        Cap::SecurityPanel { arm_states, pin } => {
            let states: Vec<Value> = arm_states.iter().map(|s| json!({"value": s})).collect();
            let mut configuration = json!({"supportedArmStates": states});
            if *pin {
                configuration["supportedAuthorizationTypes"] = json!([{"type": "FOUR_DIGIT_PIN"}]);
            }
            c["configuration"] = configuration;
        }
        Cap::Playback { operations } => c["supportedOperations"] = json!(operations),
        Cap::Input { inputs } => {
            c["inputs"] = Value::Array(inputs.iter().map(|i| json!({"name": i})).collect());
        }
        Cap::Doorbell => c["proactivelyReported"] = json!(true),
        Cap::PresenceDetection => {
            c["properties"] = json!({"supported": [{"name": "humanPresenceDetectionState"}],
                "proactivelyReported": false, "retrievable": true});
            c["configuration"] = json!({"detectionMethods": ["VIDEO"], "detectionModes": {
                "humanPresence": {"featureAvailability": "ENABLED", "supportsNotDetected": true}}});
        }
        Cap::TimeHold => c["configuration"] = json!({"allowRemoteResume": true}),
        _ => {}
    }
    c
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
