//! Which Alexa interfaces and display categories a Home Assistant entity gets: the
//! single source of truth that discovery renders, properties report and directives
//! check. Pure: a state (and the installation context) in, a [`Device`] out.

use lee_sdk::ha::State;

use crate::features::*;
use crate::instances::{
    cover, fan, humidifier, mode_from_list, number, remote, select, vacuum, valve,
};
use crate::model::{Attrs, Cap, Ctx, Device, Name, ThermostatCap, text};
use crate::units::Scale;

/// Display categories Amazon's schema accepts.
pub const CATEGORIES: &[&str] = &[
    "ACTIVITY_TRIGGER",
    "CAMERA",
    "COMPUTER",
    "CONTACT_SENSOR",
    "DOOR",
    "DOORBELL",
    "EXTERIOR_BLIND",
    "FAN",
    "GAME_CONSOLE",
    "GARAGE_DOOR",
    "INTERIOR_BLIND",
    "LAPTOP",
    "LIGHT",
    "MICROWAVE",
    "MOBILE_PHONE",
    "MOTION_SENSOR",
    "MUSIC_SYSTEM",
    "NETWORK_HARDWARE",
    "OTHER",
    "OVEN",
    "PHONE",
    "SCENE_TRIGGER",
    "SCREEN",
    "SECURITY_PANEL",
    "SMARTLOCK",
    "SMARTPLUG",
    "SPEAKER",
    "STREAMING_DEVICE",
    "SWITCH",
    "TABLET",
    "TEMPERATURE_SENSOR",
    "THERMOSTAT",
    "TV",
    "WEARABLE",
];

/// The domains this component can expose.
pub const DOMAINS: &[&str] = &[
    "alarm_control_panel",
    "alert",
    "automation",
    "binary_sensor",
    "button",
    "climate",
    "cover",
    "event",
    "fan",
    "group",
    "humidifier",
    "image_processing",
    "input_boolean",
    "input_button",
    "input_number",
    "input_select",
    "light",
    "lock",
    "media_player",
    "number",
    "remote",
    "scene",
    "script",
    "select",
    "sensor",
    "switch",
    "timer",
    "vacuum",
    "valve",
    "water_heater",
];

/// The interfaces of `state`, or `None` when the entity is not something Alexa can use
/// (an unsupported domain, a non-temperature sensor, a binary sensor of another class).
pub fn device(state: &State, ctx: &Ctx) -> Option<Device> {
    let (categories, mut caps): (Vec<&'static str>, Vec<Cap>) = match state.domain() {
        "light" => (vec!["LIGHT"], light(state)),
        "switch" => {
            let category = if state.device_class() == Some("outlet") {
                "SMARTPLUG"
            } else {
                "SWITCH"
            };
            // ContactSensor as well, as Home Assistant's integration offers it: Alexa
            // routines can start when a switch turns on (the reporter reports it).
            (vec![category], vec![Cap::Power, Cap::ContactSensor])
        }
        "input_boolean" => (vec!["OTHER"], vec![Cap::Power, Cap::ContactSensor]),
        "group" | "alert" => (vec!["OTHER"], vec![Cap::Power]),
        "automation" => (vec!["ACTIVITY_TRIGGER"], vec![Cap::Power]),
        "scene" => (
            vec!["SCENE_TRIGGER"],
            vec![Cap::Scene {
                deactivation: false,
            }],
        ),
        "script" => (
            vec!["ACTIVITY_TRIGGER"],
            vec![Cap::Scene { deactivation: true }],
        ),
        "button" | "input_button" => (
            vec!["ACTIVITY_TRIGGER"],
            vec![
                Cap::Scene {
                    deactivation: false,
                },
                Cap::Trigger,
            ],
        ),
        "climate" => (vec!["THERMOSTAT"], climate(state, ctx)),
        "water_heater" => (vec!["THERMOSTAT"], water_heater(state, ctx)),
        "cover" => (cover_categories(state), cover(state, ctx)),
        "fan" => (vec!["FAN"], fan(state, ctx)),
        "humidifier" => (vec!["OTHER"], humidifier(state, ctx)),
        "remote" => (vec!["OTHER"], remote(state, ctx)),
        "vacuum" => (vec!["OTHER"], vacuum(state, ctx)),
        "lock" => (vec!["SMARTLOCK"], vec![Cap::Lock]),
        "alarm_control_panel" => (vec!["SECURITY_PANEL"], vec![alarm(state)?]),
        "media_player" => {
            let category = match state.device_class() {
                Some("speaker") | Some("receiver") => "SPEAKER",
                _ => "TV",
            };
            (vec![category], media_player(state))
        }
        "sensor" => {
            let unit = state
                .str_attr("unit_of_measurement")
                .and_then(Scale::from_ha_unit);
            if state.device_class() != Some("temperature") && unit.is_none() {
                return None;
            }
            (vec!["TEMPERATURE_SENSOR"], vec![Cap::TemperatureSensor])
        }
        "binary_sensor" => match state.device_class() {
            Some("motion" | "occupancy") => (vec!["MOTION_SENSOR"], vec![Cap::MotionSensor]),
            Some("presence") => (
                vec!["MOTION_SENSOR"],
                vec![Cap::MotionSensor, Cap::PresenceDetection],
            ),
            // Doors and windows, and every other class (moisture, heat, smoke, ...) or
            // none: on is DETECTED, so Alexa routines can start on it.
            _ => (vec!["CONTACT_SENSOR"], vec![Cap::ContactSensor]),
        },
        "event" if state.device_class() == Some("doorbell") => {
            (vec!["DOORBELL"], vec![Cap::Doorbell])
        }
        // Any other event entity (a button press, ...): each event is a detection.
        "event" => (vec!["OTHER"], vec![Cap::Trigger]),
        "image_processing" => (vec!["CAMERA"], vec![Cap::PresenceDetection]),
        "input_number" | "number" => (vec!["OTHER"], vec![Cap::Range(number(state, ctx))]),
        "timer" => (vec!["OTHER"], vec![Cap::Power, Cap::TimeHold]),
        "valve" => (vec!["OTHER"], valve(state, ctx)),
        "input_select" | "select" => {
            let mode = select(state, ctx);
            if mode.modes.is_empty() {
                return None;
            }
            (vec!["OTHER"], vec![Cap::Mode(mode)])
        }
        _ => return None,
    };
    caps.push(Cap::EndpointHealth);
    caps.push(Cap::Alexa);
    Some(Device { categories, caps })
}

fn light(state: &State) -> Vec<Cap> {
    let modes = state.list_attr("supported_color_modes");
    let mut caps = vec![Cap::Power];
    if modes.iter().any(|m| m != "onoff" && m != "unknown") {
        caps.push(Cap::Brightness);
    }
    if modes
        .iter()
        .any(|m| matches!(m.as_str(), "hs" | "rgb" | "rgbw" | "rgbww" | "xy"))
    {
        caps.push(Cap::Color);
    }
    if modes.iter().any(|m| m == "color_temp") {
        caps.push(Cap::ColorTemperature);
    }
    caps
}

/// Home Assistant's hvac_mode -> Alexa's thermostat mode.
pub fn alexa_thermostat_mode(hvac: &str) -> Option<&'static str> {
    match hvac {
        "heat" => Some("HEAT"),
        "cool" => Some("COOL"),
        "heat_cool" | "auto" => Some("AUTO"),
        "off" => Some("OFF"),
        _ => None,
    }
}

fn default_limits(ctx: &Ctx) -> (f64, f64, f64) {
    match ctx.scale {
        Scale::Fahrenheit => (45.0, 95.0, 1.0),
        _ => (7.0, 35.0, 0.5),
    }
}

fn climate(state: &State, ctx: &Ctx) -> Vec<Cap> {
    let hvac_modes = state.list_attr("hvac_modes");
    let mut caps = Vec::new();
    if hvac_modes.iter().any(|m| m == "off") || state.supports(CLIMATE_ON | CLIMATE_OFF) {
        caps.push(Cap::Power);
    }
    let mut modes: Vec<&'static str> = Vec::new();
    for m in hvac_modes.iter().filter_map(|m| alexa_thermostat_mode(m)) {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    if state.list_attr("preset_modes").iter().any(|p| p == "eco") {
        modes.push("ECO");
    }
    let (dmin, dmax, dstep) = default_limits(ctx);
    caps.push(Cap::Thermostat(ThermostatCap {
        modes,
        single: state.supports(CLIMATE_TARGET),
        dual: state.supports(CLIMATE_RANGE),
        min: state.f64_attr("min_temp").unwrap_or(dmin),
        max: state.f64_attr("max_temp").unwrap_or(dmax),
        step: state.f64_attr("target_temp_step").unwrap_or(dstep),
    }));
    caps.push(Cap::TemperatureSensor);
    caps
}

fn water_heater(state: &State, ctx: &Ctx) -> Vec<Cap> {
    let mut caps = Vec::new();
    if state.supports(WH_ON_OFF) {
        caps.push(Cap::Power);
    }
    if state.supports(WH_TARGET) {
        let (dmin, dmax, dstep) = default_limits(ctx);
        caps.push(Cap::Thermostat(ThermostatCap {
            modes: Vec::new(),
            single: true,
            dual: false,
            min: state.f64_attr("min_temp").unwrap_or(dmin),
            max: state.f64_attr("max_temp").unwrap_or(dmax),
            step: state.f64_attr("target_temp_step").unwrap_or(dstep),
        }));
    }
    caps.push(Cap::TemperatureSensor);
    if state.supports(WH_OPERATION) {
        let mode = mode_from_list(
            "water_heater.operation_mode",
            "operation_mode",
            &state.list_attr("operation_list"),
            vec![text("Operation Mode"), Name::Asset("Alexa.Setting.Mode")],
            ctx,
        );
        if !mode.modes.is_empty() {
            caps.push(Cap::Mode(mode));
        }
    }
    caps
}

fn cover_categories(state: &State) -> Vec<&'static str> {
    vec![match state.device_class() {
        Some("garage") | Some("gate") => "GARAGE_DOOR",
        Some("door") => "DOOR",
        Some("blind") | Some("shade") | Some("curtain") => "INTERIOR_BLIND",
        Some("window") | Some("awning") | Some("shutter") => "EXTERIOR_BLIND",
        _ => "OTHER",
    }]
}

fn alarm(state: &State) -> Option<Cap> {
    // Alexa can only send a four-digit PIN: text codes cannot be entered by voice.
    let code_format = state.str_attr("code_format");
    if code_format.is_some_and(|f| f != "number") {
        return None;
    }
    let mut arm_states = vec!["DISARMED"];
    if state.supports(ALARM_AWAY) {
        arm_states.push("ARMED_AWAY");
    }
    if state.supports(ALARM_HOME) {
        arm_states.push("ARMED_STAY");
    }
    if state.supports(ALARM_NIGHT) {
        arm_states.push("ARMED_NIGHT");
    }
    Some(Cap::SecurityPanel {
        arm_states,
        pin: code_format == Some("number"),
    })
}

fn media_player(state: &State) -> Vec<Cap> {
    let mut caps = Vec::new();
    if state.supports(MP_ON | MP_OFF) {
        caps.push(Cap::Power);
    }
    if state.supports(MP_VOLUME_SET) {
        caps.push(Cap::Speaker);
    } else if state.supports(MP_VOLUME_STEP | MP_MUTE) {
        caps.push(Cap::StepSpeaker);
    }
    let mut operations = Vec::new();
    for (bit, op) in [
        (MP_PLAY, "Play"),
        (MP_PAUSE, "Pause"),
        (MP_STOP, "Stop"),
        (MP_NEXT, "Next"),
        (MP_PREVIOUS, "Previous"),
        (MP_SEEK, "StartOver"),
        (MP_SEEK, "Rewind"),
        (MP_SEEK, "FastForward"),
    ] {
        if state.supports(bit) {
            operations.push(op);
        }
    }
    if !operations.is_empty() {
        caps.push(Cap::Playback {
            operations,
            instance: None,
        });
    }
    if state.supports(MP_SEEK) {
        caps.push(Cap::Seek);
    }
    let sources = state.list_attr("source_list");
    if state.supports(MP_SOURCE) && !sources.is_empty() {
        caps.push(Cap::Input { inputs: sources });
    }
    if state.supports(MP_PLAY_MEDIA) {
        caps.push(Cap::Channel);
    }
    caps.extend(crate::equalizer::cap(state));
    caps
}

#[cfg(test)]
#[path = "interfaces_tests.rs"]
mod tests;
