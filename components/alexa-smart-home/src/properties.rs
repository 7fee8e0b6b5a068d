//! Home Assistant state -> Alexa context properties, one function per interface, each
//! with `timeOfSample` and `uncertaintyInMilliseconds`. An unavailable entity reports
//! only `EndpointHealth.connectivity = UNREACHABLE`.

use lee_sdk::ha::State;
use serde_json::{Value, json};

use crate::clock;
use crate::interfaces::alexa_thermostat_mode;
use crate::model::{Attrs, Cap, Ctx, Device};
use crate::units::{Scale, mired_to_kelvin, temperature_json};

/// When and how certainly a set of properties was sampled.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub millis: i64,
    pub uncertainty_ms: u32,
}

impl Sample {
    /// Sampled now from a fresh read.
    pub fn now() -> Self {
        Self {
            millis: clock::now_millis(),
            uncertainty_ms: 0,
        }
    }
}

fn prop(namespace: &str, name: &str, value: Value, instance: Option<&str>, at: Sample) -> Value {
    let mut p = json!({
        "namespace": namespace,
        "name": name,
        "value": value,
        "timeOfSample": clock::iso8601(at.millis),
        "uncertaintyInMilliseconds": at.uncertainty_ms,
    });
    if let Some(instance) = instance {
        p["instance"] = json!(instance);
    }
    p
}

/// Whether Alexa should see the entity as powered on.
pub fn is_on(state: &State) -> bool {
    let s = state.state.as_str();
    match state.domain() {
        "timer" => s != "idle",
        "vacuum" => matches!(s, "cleaning" | "on"),
        "media_player" => !matches!(s, "off" | "standby"),
        "cover" | "valve" => s != "closed",
        "group" => !matches!(s, "off" | "closed" | "not_home" | "unlocked"),
        _ => s != "off",
    }
}

/// Brightness 0..100 (0 when off).
pub fn brightness_percent(state: &State) -> i64 {
    if state.state != "on" {
        return 0;
    }
    state
        .f64_attr("brightness")
        .map(|b| (b / 255.0 * 100.0).round() as i64)
        .unwrap_or(100)
        .clamp(0, 100)
}

/// The light's colour temperature in Kelvin, if it reports one.
pub fn color_temp_kelvin(state: &State) -> Option<f64> {
    state
        .f64_attr("color_temp_kelvin")
        .or_else(|| state.f64_attr("color_temp").map(mired_to_kelvin))
        .filter(|k| *k > 0.0)
}

/// Alexa's lock state for a Home Assistant lock state.
pub fn lock_state(state: &str) -> &'static str {
    match state {
        "locked" | "locking" => "LOCKED",
        "unlocked" | "unlocking" | "open" | "opening" => "UNLOCKED",
        _ => "JAMMED",
    }
}

/// Alexa's arm state for a Home Assistant alarm state (arming reports its target).
pub fn arm_state(state: &State) -> Option<&'static str> {
    let s = match state.state.as_str() {
        "arming" | "pending" => state.str_attr("next_state").unwrap_or("disarmed"),
        s => s,
    };
    match s {
        "disarmed" => Some("DISARMED"),
        "armed_away" | "armed_vacation" => Some("ARMED_AWAY"),
        "armed_home" | "armed_custom_bypass" => Some("ARMED_STAY"),
        "armed_night" => Some("ARMED_NIGHT"),
        "triggered" => state.str_attr("previous_state").and_then(|p| match p {
            "armed_away" | "armed_vacation" => Some("ARMED_AWAY"),
            "armed_home" | "armed_custom_bypass" => Some("ARMED_STAY"),
            "armed_night" => Some("ARMED_NIGHT"),
            _ => None,
        }),
        _ => None,
    }
}

/// The current value of a RangeController instance.
pub fn range_value(state: &State, instance: &str) -> Option<f64> {
    match instance {
        "cover.position" | "valve.position" => state.f64_attr("current_position"),
        "cover.tilt" => state.f64_attr("current_tilt_position"),
        "fan.percentage" => Some(if state.state == "off" {
            0.0
        } else {
            state
                .f64_attr("percentage")
                .unwrap_or(if is_on(state) { 100.0 } else { 0.0 })
        }),
        "humidifier.humidity" => state.f64_attr("humidity"),
        "vacuum.fan_speed" => {
            let speed = state.str_attr("fan_speed")?;
            let index = state
                .list_attr("fan_speed_list")
                .iter()
                .position(|s| s == speed)?;
            Some(f64::from(u32::try_from(index).ok()?))
        }
        "input_number.value" | "number.value" => state.state_f64(),
        _ => None,
    }
}

/// The Home Assistant value a ModeController instance currently has.
pub fn mode_ha_value(state: &State, instance: &str) -> Option<String> {
    let s = state.state.as_str();
    match instance {
        "cover.position" | "valve.state" => Some(
            match s {
                "open" | "opening" => "open",
                "closed" | "closing" => "closed",
                _ => return None,
            }
            .to_string(),
        ),
        "fan.preset_mode" => state.str_attr("preset_mode").map(str::to_string),
        "fan.direction" => state.str_attr("direction").map(str::to_string),
        "humidifier.mode" => state.str_attr("mode").map(str::to_string),
        "remote.activity" => state.str_attr("current_activity").map(str::to_string),
        "water_heater.operation_mode" => state
            .str_attr("operation_mode")
            .map(str::to_string)
            .or_else(|| Some(s.to_string())),
        "input_select.option" | "select.option" => Some(s.to_string()),
        _ => None,
    }
}

/// Alexa's thermostat mode for a climate state (ECO when the eco preset is active).
pub fn thermostat_mode(state: &State) -> Option<&'static str> {
    if state.domain() != "climate" {
        return None;
    }
    if state.str_attr("preset_mode") == Some("eco") {
        return Some("ECO");
    }
    alexa_thermostat_mode(&state.state)
}

/// The measured temperature and its scale.
pub fn temperature(state: &State, ctx: &Ctx) -> Option<(f64, Scale)> {
    match state.domain() {
        "sensor" => {
            let scale = state
                .str_attr("unit_of_measurement")
                .and_then(Scale::from_ha_unit)
                .unwrap_or(ctx.scale);
            Some((state.state_f64()?, scale))
        }
        _ => Some((state.f64_attr("current_temperature")?, ctx.scale)),
    }
}

/// Every property `device` reports for `state`.
pub fn properties(state: &State, device: &Device, ctx: &Ctx, at: Sample) -> Vec<Value> {
    let health = |ok: bool| {
        prop(
            "Alexa.EndpointHealth",
            "connectivity",
            json!({"value": if ok { "OK" } else { "UNREACHABLE" }}),
            None,
            at,
        )
    };
    if state.state == "unavailable" {
        return vec![health(false)];
    }
    let mut out = Vec::new();
    for cap in &device.caps {
        let ns = cap.interface();
        let mut push =
            |name: &str, value: Value| out.push(prop(ns, name, value, cap.instance(), at));
        match cap {
            Cap::Power => {
                push("powerState", json!(if is_on(state) { "ON" } else { "OFF" }));
            }
            Cap::Brightness => push("brightness", json!(brightness_percent(state))),
            Cap::Color => {
                if let Some(hs) = state.attr("hs_color").and_then(Value::as_array) {
                    let h = hs.first().and_then(Value::as_f64).unwrap_or(0.0);
                    let s = hs.get(1).and_then(Value::as_f64).unwrap_or(0.0);
                    // The colour's own brightness, not the light's: `crate::color`
                    // puts in what Alexa last set.
                    push(
                        "color",
                        json!({
                            "hue": round3(h.clamp(0.0, 360.0)),
                            "saturation": round3((s / 100.0).clamp(0.0, 1.0)),
                            "brightness": crate::color::DEFAULT_BRIGHTNESS,
                        }),
                    );
                }
            }
            Cap::ColorTemperature => {
                if let Some(k) = color_temp_kelvin(state) {
                    push("colorTemperatureInKelvin", json!(k.round() as i64));
                }
            }
            Cap::Thermostat(_) => {
                if let Some(mode) = thermostat_mode(state) {
                    push("thermostatMode", json!(mode));
                }
                for (attr, name) in [
                    ("temperature", "targetSetpoint"),
                    ("target_temp_low", "lowerSetpoint"),
                    ("target_temp_high", "upperSetpoint"),
                ] {
                    if let Some(v) = state.f64_attr(attr) {
                        push(name, temperature_json(v, ctx.scale));
                    }
                }
            }
            Cap::TemperatureSensor => {
                if let Some((v, scale)) = temperature(state, ctx) {
                    push("temperature", temperature_json(v, scale));
                }
            }
            Cap::Range(r) => {
                if let Some(v) = range_value(state, &r.instance) {
                    push("rangeValue", json!(v));
                }
            }
            Cap::Mode(m) => {
                if let Some(mode) = mode_ha_value(state, &m.instance).and_then(|v| m.by_ha(&v)) {
                    push("mode", json!(mode.value));
                }
            }
            Cap::Toggle(_) => {
                if let Some(on) = state.attr("oscillating").and_then(Value::as_bool) {
                    push("toggleState", json!(if on { "ON" } else { "OFF" }));
                }
            }
            Cap::Percentage => {
                let v = range_value(state, "fan.percentage").unwrap_or(0.0);
                push("percentage", json!(v.round() as i64));
            }
            Cap::PowerLevel => {
                let v = range_value(state, "fan.percentage").unwrap_or(0.0);
                push("powerLevel", json!(v.round() as i64));
            }
            Cap::Lock => push("lockState", json!(lock_state(&state.state))),
            Cap::SecurityPanel { .. } => {
                if let Some(arm) = arm_state(state) {
                    push("armState", json!(arm));
                }
                let alarm = if state.state == "triggered" {
                    "ALARM"
                } else {
                    "OK"
                };
                push("burglaryAlarm", json!({"value": alarm}));
            }
            Cap::Speaker => {
                if let Some(level) = state.f64_attr("volume_level") {
                    push(
                        "volume",
                        json!((level * 100.0).round().clamp(0.0, 100.0) as i64),
                    );
                }
                if let Some(muted) = state.attr("is_volume_muted").and_then(Value::as_bool) {
                    push("muted", json!(muted));
                }
            }
            Cap::Input { .. } => {
                if let Some(source) = state.str_attr("source") {
                    push("input", json!(source));
                }
            }
            Cap::ContactSensor | Cap::MotionSensor => {
                let detected = state.state == "on";
                push(
                    "detectionState",
                    json!(if detected { "DETECTED" } else { "NOT_DETECTED" }),
                );
            }
            Cap::PresenceDetection => {
                // A face count (image_processing) or a presence binary sensor.
                let seen = state.state == "on" || state.state_f64().is_some_and(|n| n > 0.0);
                push(
                    "humanPresenceDetectionState",
                    json!({"value": if seen { "DETECTED" } else { "NOT_DETECTED" }}),
                );
            }
            Cap::Trigger => {
                // Pressed at least once (its state is the last press): a detection.
                if !matches!(state.state.as_str(), "unknown" | "unavailable" | "") {
                    push("humanPresenceDetectionState", json!({"value": "DETECTED"}));
                }
            }
            Cap::Equalizer { .. } => {
                if let Some(mode) = crate::equalizer::mode(state) {
                    push("mode", json!(mode));
                }
            }
            Cap::EndpointHealth => push("connectivity", json!({"value": "OK"})),
            Cap::Scene { .. }
            | Cap::StepSpeaker
            | Cap::Playback { .. }
            | Cap::Channel
            | Cap::Seek
            | Cap::Doorbell
            | Cap::TimeHold
            | Cap::Alexa => {}
        }
    }
    out
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
#[path = "properties_tests.rs"]
mod tests;
