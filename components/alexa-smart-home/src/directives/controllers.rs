//! The generic controllers: Alexa.RangeController, ModeController, ToggleController,
//! PercentageController and PowerLevelController, mapped per instance onto the
//! Home Assistant service that sets the value. A fan's speed is adjusted relatively
//! (`fan.increase_speed`/`decrease_speed`); other Adjust* read the current value first.

use lee_sdk::ha::State;
use serde_json::{Value, json};

use super::plan::{Plan, call, in_range, number, string, unknown};
use crate::errors::AlexaError;
use crate::message::Directive;
use crate::model::{Attrs, Cap, Device, ModeCap, RangeCap};
use crate::properties::{mode_ha_value, range_value};

fn range_set(state: &State, r: &RangeCap, value: f64) -> Result<Plan, AlexaError> {
    let none = json!({});
    let plan = match r.instance.as_str() {
        "cover.position" if value <= 0.0 => Plan::one(call("cover", "close_cover", state, none)),
        "cover.position" if value >= 100.0 => Plan::one(call("cover", "open_cover", state, none)),
        "cover.position" => Plan::one(call(
            "cover",
            "set_cover_position",
            state,
            json!({"position": value.round()}),
        )),
        "cover.tilt" if value <= 0.0 => Plan::one(call("cover", "close_cover_tilt", state, none)),
        "cover.tilt" if value >= 100.0 => Plan::one(call("cover", "open_cover_tilt", state, none)),
        "cover.tilt" => Plan::one(call(
            "cover",
            "set_cover_tilt_position",
            state,
            json!({"tilt_position": value.round()}),
        )),
        "fan.percentage" if value <= 0.0 => Plan::one(call("fan", "turn_off", state, none)),
        "fan.percentage" if r.precision >= 100.0 => Plan::one(call("fan", "turn_on", state, none)),
        "fan.percentage" => Plan::one(call(
            "fan",
            "set_percentage",
            state,
            json!({"percentage": value.round()}),
        )),
        "humidifier.humidity" => Plan::one(call(
            "humidifier",
            "set_humidity",
            state,
            json!({"humidity": value.round()}),
        )),
        "vacuum.fan_speed" => {
            let speeds = state.list_attr("fan_speed_list");
            let index = usize::try_from(value.round() as i64).unwrap_or(0);
            let speed = speeds
                .get(index)
                .ok_or_else(|| AlexaError::value_out_of_range(value, r.min, r.max))?;
            Plan::one(call(
                "vacuum",
                "set_fan_speed",
                state,
                json!({"fan_speed": speed}),
            ))
        }
        "input_number.value" | "number.value" => Plan::one(call(
            state.domain(),
            "set_value",
            state,
            json!({"value": value}),
        )),
        "valve.position" => Plan::one(call(
            "valve",
            "set_valve_position",
            state,
            json!({"position": value.round()}),
        )),
        other => {
            return Err(AlexaError::invalid_directive(format!(
                "range instance {other} is not supported"
            )));
        }
    };
    Ok(plan)
}

/// Snaps `value` to the range's precision grid (from its minimum).
fn snap(r: &RangeCap, value: f64) -> f64 {
    if r.precision > 0.0 && r.precision < 100.0 {
        let steps = ((value - r.min) / r.precision).round();
        let snapped = r.min + steps * r.precision;
        ((snapped * 1e6).round() / 1e6).clamp(r.min, r.max)
    } else {
        value
    }
}

fn range(d: &Directive, state: &State, r: &RangeCap) -> Result<Plan, AlexaError> {
    match d.name.as_str() {
        "SetRangeValue" => {
            let value = in_range(number(&d.payload, "rangeValue")?, r.min, r.max)?;
            range_set(state, r, snap(r, value))
        }
        "AdjustRangeValue" if relative_fan(r) => {
            Ok(fan_step(state, number(&d.payload, "rangeValueDelta")?))
        }
        "AdjustRangeValue" => {
            let delta = number(&d.payload, "rangeValueDelta")?;
            let current = range_value(state, &r.instance).unwrap_or(r.min);
            let value = (current + delta).clamp(r.min, r.max);
            range_set(state, r, snap(r, value))
        }
        _ => Err(unknown(d)),
    }
}

fn mode_set(state: &State, m: &ModeCap, ha: &str) -> Result<Plan, AlexaError> {
    let none = json!({});
    let plan = match (m.instance.as_str(), ha) {
        ("cover.position", "open") => call("cover", "open_cover", state, none),
        ("cover.position", "closed") => call("cover", "close_cover", state, none),
        ("valve.state", "open") => call("valve", "open_valve", state, none),
        ("valve.state", "closed") => call("valve", "close_valve", state, none),
        ("fan.preset_mode", v) => call("fan", "set_preset_mode", state, json!({"preset_mode": v})),
        ("fan.direction", v) => call("fan", "set_direction", state, json!({"direction": v})),
        ("humidifier.mode", v) => call("humidifier", "set_mode", state, json!({"mode": v})),
        ("remote.activity", v) => call("remote", "turn_on", state, json!({"activity": v})),
        ("water_heater.operation_mode", v) => call(
            "water_heater",
            "set_operation_mode",
            state,
            json!({"operation_mode": v}),
        ),
        ("input_select.option" | "select.option", v) => {
            call(state.domain(), "select_option", state, json!({"option": v}))
        }
        (instance, v) => {
            return Err(AlexaError::invalid_value(format!(
                "{v} is not a mode of {instance}"
            )));
        }
    };
    Ok(Plan::one(plan))
}

fn mode(d: &Directive, state: &State, m: &ModeCap) -> Result<Plan, AlexaError> {
    match d.name.as_str() {
        "SetMode" => {
            let wanted = string(&d.payload, "mode")?;
            let mode = m.by_value(wanted).ok_or_else(|| {
                AlexaError::invalid_value(format!("{wanted} is not a mode of {}", m.instance))
            })?;
            mode_set(state, m, &mode.ha)
        }
        "AdjustMode" => {
            let delta = number(&d.payload, "modeDelta")?.round() as i64;
            let current = mode_ha_value(state, &m.instance)
                .and_then(|v| m.modes.iter().position(|x| x.ha == v))
                .unwrap_or(0);
            let last = m.modes.len().saturating_sub(1);
            let index = usize::try_from(i64::try_from(current).unwrap_or(0) + delta)
                .unwrap_or(0)
                .min(last);
            let mode = m
                .modes
                .get(index)
                .ok_or_else(|| AlexaError::invalid_value("the mode list is empty"))?;
            mode_set(state, m, &mode.ha)
        }
        _ => Err(unknown(d)),
    }
}

fn fan_percentage(state: &State, value: f64) -> Plan {
    if value <= 0.0 {
        Plan::one(call("fan", "turn_off", state, json!({})))
    } else {
        Plan::one(call(
            "fan",
            "set_percentage",
            state,
            json!({"percentage": value.round().min(100.0)}),
        ))
    }
}

/// A fan's speed range Home Assistant can step itself (`fan.increase_speed` /
/// `decrease_speed` with `percentage_step`; 0 turns it off): no read first.
pub fn relative_fan(r: &RangeCap) -> bool {
    r.instance == "fan.percentage" && r.precision < 100.0
}

/// Moves a fan's speed by `delta` percent, relative to whatever it is now.
fn fan_step(state: &State, delta: f64) -> Plan {
    let step = delta.abs().round().min(100.0);
    if step == 0.0 {
        return Plan::many(Vec::new());
    }
    let service = if delta > 0.0 {
        "increase_speed"
    } else {
        "decrease_speed"
    };
    Plan::one(call(
        "fan",
        service,
        state,
        json!({"percentage_step": step}),
    ))
}

pub fn plan(d: &Directive, state: &State, device: &Device) -> Result<Plan, AlexaError> {
    let cap = device.cap(&d.namespace, d.instance.as_deref());
    let p: &Value = &d.payload;
    match (cap, d.name.as_str()) {
        (Some(Cap::Range(r)), _) => range(d, state, r),
        (Some(Cap::Mode(m)), _) => mode(d, state, m),
        (Some(Cap::Toggle(t)), "TurnOn" | "TurnOff") if t.instance == "fan.oscillating" => {
            Ok(Plan::one(call(
                "fan",
                "oscillate",
                state,
                json!({"oscillating": d.name == "TurnOn"}),
            )))
        }
        (Some(Cap::Percentage), "SetPercentage") => Ok(fan_percentage(
            state,
            in_range(number(p, "percentage")?, 0.0, 100.0)?,
        )),
        (Some(Cap::Percentage), "AdjustPercentage") => Ok(fan_step(
            state,
            in_range(number(p, "percentageDelta")?, -100.0, 100.0)?,
        )),
        (Some(Cap::PowerLevel), "SetPowerLevel") => Ok(fan_percentage(
            state,
            in_range(number(p, "powerLevel")?, 0.0, 100.0)?,
        )),
        (Some(Cap::PowerLevel), "AdjustPowerLevel") => Ok(fan_step(
            state,
            in_range(number(p, "powerLevelDelta")?, -100.0, 100.0)?,
        )),
        _ => Err(unknown(d)),
    }
}
