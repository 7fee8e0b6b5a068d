//! Pure decisions of the `devices` component (no host calls, unit-tested natively): which
//! service turns an entity of each domain on or off, and what to say.

use lee_sdk::ha::State;
use lee_sdk::locale::{Phrases, fill};
use serde_json::{Value, json};

use crate::speech::Speech;
pub use crate::verb::Verb;

/// The service for turning an entity of `domain` on (`on`) or off, with its verb;
/// `None` when the domain cannot be switched that way. Locks are deliberately absent:
/// "turn off the front door" must not unlock it.
pub fn service_for(domain: &str, on: bool) -> Option<(&'static str, Verb)> {
    Some(match (domain, on) {
        (
            "light" | "switch" | "fan" | "input_boolean" | "media_player" | "climate"
            | "humidifier" | "siren" | "remote" | "water_heater" | "automation",
            true,
        ) => ("turn_on", Verb::TurnOn),
        (
            "light" | "switch" | "fan" | "input_boolean" | "media_player" | "climate"
            | "humidifier" | "siren" | "remote" | "water_heater" | "automation",
            false,
        ) => ("turn_off", Verb::TurnOff),
        ("cover", true) => ("open_cover", Verb::Open),
        ("cover", false) => ("close_cover", Verb::Close),
        ("valve", true) => ("open_valve", Verb::Open),
        ("valve", false) => ("close_valve", Verb::Close),
        ("scene", true) => ("turn_on", Verb::Activate),
        ("script", true) => ("turn_on", Verb::Start),
        ("script", false) => ("turn_off", Verb::Stop),
        ("button" | "input_button", true) => ("press", Verb::Press),
        ("vacuum", true) => ("start", Verb::Start),
        ("vacuum", false) => ("return_to_base", Verb::Dock),
        _ => return None,
    })
}

/// Every (domain, service) this component may call: its manifest grant.
pub fn granted_services() -> Vec<String> {
    let domains = [
        "light",
        "switch",
        "fan",
        "input_boolean",
        "media_player",
        "climate",
        "humidifier",
        "siren",
        "remote",
        "water_heater",
        "automation",
        "cover",
        "valve",
        "scene",
        "script",
        "button",
        "input_button",
        "vacuum",
    ];
    let mut services: Vec<String> = domains
        .iter()
        .flat_map(|d| [true, false].map(|on| service_for(d, on).map(|(s, _)| format!("{d}.{s}"))))
        .flatten()
        .collect();
    services.dedup();
    services
}

/// Domains whose entities can be turned on or off at all.
pub fn controllable(domain: &str) -> bool {
    service_for(domain, true).is_some() || service_for(domain, false).is_some()
}

/// What to do for TurnOnDevice / TurnOffDevice.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Reply(String),
    Call {
        domain: String,
        service: &'static str,
        data: Value,
        text: String,
    },
}

/// Decides how to turn `entity` on or off. Covers of a `protected_classes` device class
/// (garage doors, gates) are never opened by voice.
pub fn plan_switch(
    speech: &Speech,
    shared: &Phrases,
    entity: &State,
    on: bool,
    protected_classes: &[String],
) -> Plan {
    let name = entity.friendly_name();
    if entity.state == "unavailable" {
        return Plan::Reply(shared.unavailable(&name));
    }
    let domain = entity.domain();
    let Some((service, verb)) = service_for(domain, on) else {
        let template = if on {
            speech.cannot_turn_on
        } else {
            speech.cannot_turn_off
        };
        return Plan::Reply(fill(template, &[("name", &name)]));
    };
    if domain == "cover"
        && on
        && entity
            .attribute_str("device_class")
            .is_some_and(|c| protected_classes.iter().any(|p| p == c))
    {
        return Plan::Reply(fill(speech.protected, &[("name", &name)]));
    }
    Plan::Call {
        domain: domain.to_string(),
        service,
        data: json!({"entity_id": entity.entity_id}),
        text: fill((speech.done)(verb), &[("name", &name)]),
    }
}
