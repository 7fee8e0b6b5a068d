//! Alexa.ThermostatController for climate and water_heater: single, dual (range) and
//! triple setpoints, adjustments, modes (HEAT/COOL/AUTO/OFF, ECO via the eco preset,
//! CUSTOM dehumidify/fan), with unit conversion and the ThermostatController errors.

use lee_sdk::ha::State;
use serde_json::{Value, json};

use super::plan::{Plan, call, unknown};
use crate::errors::AlexaError;
use crate::message::Directive;
use crate::model::{Attrs, Cap, Ctx, Device, ThermostatCap};
use crate::units::{Scale, convert, convert_delta, parse_temperature, round_to};

fn temperature_arg(p: &Value, key: &str) -> Result<Option<(f64, Scale)>, AlexaError> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => parse_temperature(v).map(Some).ok_or_else(|| {
            AlexaError::invalid_value(format!("payload.{key} is not a temperature"))
        }),
    }
}

/// Converts to Home Assistant's unit and rounds to the device's step; out of range is
/// answered in the scale Alexa asked in.
fn to_ha(value: f64, scale: Scale, t: &ThermostatCap, ctx: &Ctx) -> Result<f64, AlexaError> {
    let v = round_to(convert(value, scale, ctx.scale), t.step);
    if v < t.min - 1e-6 || v > t.max + 1e-6 {
        return Err(AlexaError::temperature_out_of_range(
            value,
            round_to(convert(t.min, ctx.scale, scale), 0.1),
            round_to(convert(t.max, ctx.scale, scale), 0.1),
            scale,
        ));
    }
    Ok(v)
}

fn check_range(
    low: f64,
    high: f64,
    t: &ThermostatCap,
    scale: Scale,
    ctx: &Ctx,
) -> Result<(), AlexaError> {
    let min_delta = t.step.max(if ctx.scale == Scale::Fahrenheit {
        1.0
    } else {
        0.5
    });
    if high - low < min_delta - 1e-6 {
        let delta = round_to(convert_delta(min_delta, ctx.scale, scale), 0.1);
        return Err(AlexaError::setpoints_too_close(delta, scale));
    }
    Ok(())
}

fn set_temperature(state: &State, data: Value) -> Plan {
    Plan::one(call(state.domain(), "set_temperature", state, data))
}

/// The current setpoint range, when the device is working with one.
fn current_range(state: &State) -> Option<(f64, f64)> {
    if state.f64_attr("temperature").is_some() {
        return None;
    }
    Some((
        state.f64_attr("target_temp_low")?,
        state.f64_attr("target_temp_high")?,
    ))
}

/// Sets a range given in Alexa's `scale`.
fn range_plan(
    state: &State,
    t: &ThermostatCap,
    low: f64,
    high: f64,
    scale: Scale,
    ctx: &Ctx,
) -> Result<Plan, AlexaError> {
    let low = to_ha(low, scale, t, ctx)?;
    let high = to_ha(high, scale, t, ctx)?;
    check_range(low, high, t, scale, ctx)?;
    Ok(set_temperature(
        state,
        json!({"target_temp_low": low, "target_temp_high": high}),
    ))
}

fn set_target(state: &State, t: &ThermostatCap, ctx: &Ctx, p: &Value) -> Result<Plan, AlexaError> {
    let target = temperature_arg(p, "targetSetpoint")?;
    let lower = temperature_arg(p, "lowerSetpoint")?;
    let upper = temperature_arg(p, "upperSetpoint")?;
    match (target, lower, upper) {
        (Some(_), Some(_), Some(_)) => Err(AlexaError::thermostat(
            "TRIPLE_SETPOINTS_UNSUPPORTED",
            "Home Assistant takes either a target or a range, not both",
        )),
        (None, None, None) => Err(AlexaError::invalid_value("no setpoint in the payload")),
        (target, lower, upper) if lower.is_some() || upper.is_some() => {
            if !t.dual {
                return Err(AlexaError::thermostat(
                    "DUAL_SETPOINTS_UNSUPPORTED",
                    format!("{} has a single setpoint", state.entity_id),
                ));
            }
            let scale = lower.or(upper).map_or(ctx.scale, |(_, s)| s);
            let (cur_low, cur_high) = current_range(state).unwrap_or((t.min, t.max));
            let low = match lower {
                Some((v, s)) => to_ha(v, s, t, ctx)?,
                None => cur_low,
            };
            let high = match upper {
                Some((v, s)) => to_ha(v, s, t, ctx)?,
                None => cur_high,
            };
            if let Some((v, s)) = target {
                to_ha(v, s, t, ctx)?;
            }
            check_range(low, high, t, scale, ctx)?;
            Ok(set_temperature(
                state,
                json!({"target_temp_low": low, "target_temp_high": high}),
            ))
        }
        (Some((v, scale)), _, _) => {
            let value = to_ha(v, scale, t, ctx)?;
            match current_range(state) {
                // Working with a range (or only able to): keep its width around the target.
                Some((low, high)) if t.dual && (!t.single || state.state == "heat_cool") => {
                    let half = (high - low) / 2.0;
                    let (low, high) = (value - half, value + half);
                    range_plan(
                        state,
                        t,
                        convert(low, ctx.scale, scale),
                        convert(high, ctx.scale, scale),
                        scale,
                        ctx,
                    )
                }
                _ if !t.single => Err(AlexaError::thermostat(
                    "UNWILLING_TO_SET_VALUE",
                    format!("{} has no single setpoint", state.entity_id),
                )),
                _ => Ok(set_temperature(state, json!({"temperature": value}))),
            }
        }
        (None, _, _) => Err(AlexaError::invalid_value("no setpoint")),
    }
}

fn adjust_target(
    state: &State,
    t: &ThermostatCap,
    ctx: &Ctx,
    p: &Value,
) -> Result<Plan, AlexaError> {
    let (delta, scale) = temperature_arg(p, "targetSetpointDelta")?
        .ok_or_else(|| AlexaError::invalid_value("payload.targetSetpointDelta is missing"))?;
    let delta_ha = convert_delta(delta, scale, ctx.scale);
    if let Some(current) = state.f64_attr("temperature") {
        let target = convert(current + delta_ha, ctx.scale, scale);
        let value = to_ha(target, scale, t, ctx)?;
        return Ok(set_temperature(state, json!({"temperature": value})));
    }
    if let Some((low, high)) = current_range(state) {
        let low = convert(low + delta_ha, ctx.scale, scale);
        let high = convert(high + delta_ha, ctx.scale, scale);
        return range_plan(state, t, low, high, scale, ctx);
    }
    Err(AlexaError::thermostat(
        "THERMOSTAT_IS_OFF",
        format!("{} has no setpoint right now", state.entity_id),
    ))
}

/// Home Assistant's hvac mode (or preset) for an Alexa thermostat mode.
fn set_mode(state: &State, p: &Value) -> Result<Plan, AlexaError> {
    let mode = p.get("thermostatMode");
    let value = mode
        .and_then(|m| m.get("value").or(Some(m)))
        .and_then(Value::as_str)
        .ok_or_else(|| AlexaError::invalid_value("payload.thermostatMode.value is missing"))?
        .to_ascii_uppercase();
    let hvac_modes = state.list_attr("hvac_modes");
    let unsupported = || {
        AlexaError::thermostat(
            "UNSUPPORTED_THERMOSTAT_MODE",
            format!("{} does not support {value}", state.entity_id),
        )
    };
    if state.domain() != "climate" {
        return Err(unsupported());
    }
    if value == "ECO" {
        if state.list_attr("preset_modes").iter().any(|m| m == "eco") {
            return Ok(Plan::one(call(
                "climate",
                "set_preset_mode",
                state,
                json!({"preset_mode": "eco"}),
            )));
        }
        return Err(unsupported());
    }
    let candidates: &[&str] = match value.as_str() {
        "HEAT" => &["heat"],
        "COOL" => &["cool"],
        "AUTO" => &["heat_cool", "auto"],
        "OFF" => &["off"],
        "CUSTOM" => match mode
            .and_then(|m| m.get("customName"))
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("DEHUMIDIFY") => &["dry"],
            Some("FAN") => &["fan_only"],
            _ => &[],
        },
        _ => &[],
    };
    let hvac = candidates
        .iter()
        .find(|c| hvac_modes.iter().any(|m| m == *c))
        .ok_or_else(unsupported)?;
    Ok(Plan::one(call(
        "climate",
        "set_hvac_mode",
        state,
        json!({"hvac_mode": hvac}),
    )))
}

pub fn plan(d: &Directive, state: &State, device: &Device, ctx: &Ctx) -> Result<Plan, AlexaError> {
    let Some(Cap::Thermostat(t)) = device.cap("Alexa.ThermostatController", None) else {
        return Err(unknown(d));
    };
    match d.name.as_str() {
        "SetTargetTemperature" => set_target(state, t, ctx, &d.payload),
        "AdjustTargetTemperature" => adjust_target(state, t, ctx, &d.payload),
        "SetThermostatMode" => set_mode(state, &d.payload),
        "ResumeSchedule" => Err(AlexaError::invalid_directive(
            "Home Assistant thermostats expose no schedule to resume",
        )),
        _ => Err(unknown(d)),
    }
}
