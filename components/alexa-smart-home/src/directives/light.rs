//! Alexa.BrightnessController, ColorController and ColorTemperatureController for
//! lights. Setting brightness, colour or colour temperature turns an off light on
//! (`light.turn_on` does both), as Alexa specifies. AdjustBrightness is Home Assistant's
//! relative `brightness_step_pct`; stepping the colour temperature needs the current
//! one (Home Assistant has no relative colour temperature), so it is planned from a
//! fresh read, or, for a light that is off, after turning it on.

use lee_sdk::ha::State;
use serde_json::json;

use super::plan::{Plan, Then, call, in_range, number, unknown};
use crate::errors::AlexaError;
use crate::message::Directive;
use crate::model::Attrs;
use crate::properties::color_temp_kelvin;

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

/// The device's colour temperature range.
pub fn kelvin_limits(state: &State) -> (f64, f64) {
    let min = state.f64_attr("min_color_temp_kelvin").unwrap_or(2000.0);
    let max = state
        .f64_attr("max_color_temp_kelvin")
        .unwrap_or(6500.0)
        .max(min);
    (min, max)
}

fn kelvin_call(state: &State, kelvin: f64) -> Plan {
    let (min, max) = kelvin_limits(state);
    // Alexa names temperatures ("warm white") the light may not reach: use the nearest;
    // the response reports what the light took.
    let kelvin = kelvin.clamp(min, max).round();
    Plan::one(call(
        "light",
        "turn_on",
        state,
        json!({"color_temp_kelvin": kelvin}),
    ))
}

/// The next named white below (`warmer`) or above `current`; past the last named white,
/// the device's own minimum or maximum. Always within `min..=max`.
pub fn step_kelvin(current: f64, warmer: bool, min: f64, max: f64) -> f64 {
    let next = if warmer {
        WHITE_STEPS
            .iter()
            .rev()
            .find(|k| **k < current - 1.0)
            .copied()
            .unwrap_or(min)
    } else {
        WHITE_STEPS
            .iter()
            .find(|k| **k > current + 1.0)
            .copied()
            .unwrap_or(max)
    };
    next.clamp(min, max)
}

/// Increase/DecreaseColorTemperature from the light's current temperature.
pub fn step_plan(state: &State, warmer: bool) -> Plan {
    let (min, max) = kelvin_limits(state);
    // A light in colour mode reports no temperature: step from the middle of its range.
    let current = color_temp_kelvin(state).unwrap_or((min + max) / 2.0);
    kelvin_call(state, step_kelvin(current, warmer, min, max))
}

pub fn plan(d: &Directive, state: &State) -> Result<Plan, AlexaError> {
    let p = &d.payload;
    match d.name.as_str() {
        "SetBrightness" => {
            let value = in_range(number(p, "brightness")?, 0.0, 100.0)?;
            Ok(brightness_call(state, value))
        }
        "AdjustBrightness" => {
            // Home Assistant steps from the light's brightness itself (0 when off; 0 or
            // below turns it off): no read first.
            let delta = in_range(number(p, "brightnessDelta")?, -100.0, 100.0)?;
            Ok(Plan::one(call(
                "light",
                "turn_on",
                state,
                json!({"brightness_step_pct": delta.round()}),
            )))
        }
        "SetColor" => {
            let color = p
                .get("color")
                .ok_or_else(|| AlexaError::invalid_value("payload.color is missing"))?;
            let hue = in_range(number(color, "hue")?, 0.0, 360.0)?;
            let saturation = in_range(number(color, "saturation")?, 0.0, 1.0)?;
            // The colour's brightness is its own (crate::color), not the light's.
            let data = json!({"hs_color": [round2(hue), round2(saturation * 100.0)]});
            Ok(Plan::one(call("light", "turn_on", state, data)))
        }
        "SetColorTemperature" => {
            let kelvin = in_range(number(p, "colorTemperatureInKelvin")?, 1000.0, 10000.0)?;
            Ok(kelvin_call(state, kelvin))
        }
        "IncreaseColorTemperature" | "DecreaseColorTemperature" => {
            let warmer = d.name == "DecreaseColorTemperature";
            if state.state != "on" {
                // Turn it on, then step from the temperature it comes back with.
                let mut plan = Plan::one(call("light", "turn_on", state, json!({})));
                plan.then = Some(Then::StepKelvin { warmer });
                return Ok(plan);
            }
            Ok(step_plan(state, warmer))
        }
        _ => Err(unknown(d)),
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
