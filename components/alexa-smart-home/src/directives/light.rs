//! Alexa.BrightnessController, ColorController and ColorTemperatureController for
//! lights. Setting brightness, colour or colour temperature turns an off light on
//! (`light.turn_on` does both), as Alexa specifies.

use lee_sdk::ha::State;
use serde_json::{Value, json};

use super::plan::{Plan, call, in_range, number, unknown};
use crate::errors::AlexaError;
use crate::message::Directive;
use crate::model::Attrs;
use crate::properties::{brightness_percent, color_temp_kelvin};

/// Alexa's named white temperatures (warm white .. cool white), used for Increase/Decrease.
const WHITE_STEPS: [f64; 6] = [2200.0, 2700.0, 3000.0, 4000.0, 5500.0, 7000.0];

fn brightness_call(state: &State, percent: f64) -> Plan {
    let percent = percent.round().clamp(0.0, 100.0);
    if percent <= 0.0 {
        Plan::one(call("light", "turn_off", state, json!({})))
    } else {
        Plan::one(call(
            "light",
            "turn_on",
            state,
            json!({"brightness_pct": percent}),
        ))
    }
}

fn kelvin_limits(state: &State) -> (f64, f64) {
    let min = state.f64_attr("min_color_temp_kelvin").unwrap_or(2000.0);
    let max = state
        .f64_attr("max_color_temp_kelvin")
        .unwrap_or(6500.0)
        .max(min);
    (min, max)
}

fn kelvin_call(state: &State, kelvin: f64) -> Plan {
    let (min, max) = kelvin_limits(state);
    // Alexa names temperatures ("warm white") the light may not reach: use the nearest.
    let kelvin = kelvin.clamp(min, max).round();
    Plan::one(call(
        "light",
        "turn_on",
        state,
        json!({"color_temp_kelvin": kelvin}),
    ))
}

/// The next named white above (or below) `current`.
pub fn step_kelvin(current: f64, warmer: bool) -> f64 {
    if warmer {
        WHITE_STEPS
            .iter()
            .rev()
            .find(|k| **k < current - 1.0)
            .copied()
            .unwrap_or(WHITE_STEPS[0])
    } else {
        WHITE_STEPS
            .iter()
            .find(|k| **k > current + 1.0)
            .copied()
            .unwrap_or(WHITE_STEPS[WHITE_STEPS.len() - 1])
    }
}

pub fn plan(d: &Directive, state: &State) -> Result<Plan, AlexaError> {
    let p = &d.payload;
    match d.name.as_str() {
        "SetBrightness" => {
            let value = in_range(number(p, "brightness")?, 0.0, 100.0)?;
            Ok(brightness_call(state, value))
        }
        "AdjustBrightness" => {
            let delta = in_range(number(p, "brightnessDelta")?, -100.0, 100.0)?;
            let current = f64::from(u8::try_from(brightness_percent(state)).unwrap_or(0));
            Ok(brightness_call(state, current + delta))
        }
        "SetColor" => {
            let color = p
                .get("color")
                .ok_or_else(|| AlexaError::invalid_value("payload.color is missing"))?;
            let hue = in_range(number(color, "hue")?, 0.0, 360.0)?;
            let saturation = in_range(number(color, "saturation")?, 0.0, 1.0)?;
            let mut data = json!({"hs_color": [round2(hue), round2(saturation * 100.0)]});
            if let Some(b) = color.get("brightness").and_then(Value::as_f64)
                && state.state != "on"
                && b > 0.0
            {
                data["brightness_pct"] = json!((b.clamp(0.0, 1.0) * 100.0).round());
            }
            Ok(Plan::one(call("light", "turn_on", state, data)))
        }
        "SetColorTemperature" => {
            let kelvin = in_range(number(p, "colorTemperatureInKelvin")?, 1000.0, 10000.0)?;
            Ok(kelvin_call(state, kelvin))
        }
        "IncreaseColorTemperature" | "DecreaseColorTemperature" => {
            let current = color_temp_kelvin(state).unwrap_or(4000.0);
            let warmer = d.name == "DecreaseColorTemperature";
            Ok(kelvin_call(state, step_kelvin(current, warmer)))
        }
        _ => Err(unknown(d)),
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
