//! Directive -> service-call plan, per interface. Pure: the directive, the entity's
//! current state and its [`Device`] in; the Home Assistant calls to make (or the Alexa
//! error to answer) out. [`crate::handler`] executes the plan and reports the state
//! afterwards. Which plans need the entity's current values, not only its cached entry,
//! is [`needs_current`].

mod controllers;
mod light;
mod media;
pub mod plan;
mod power;
mod scene;
mod security;
mod thermostat;

use lee_sdk::ha::State;
use serde_json::Value;

pub use self::plan::{Plan, Reply, ServiceCall, Then};
use crate::errors::AlexaError;
use crate::message::Directive;
use crate::model::{Cap, Ctx, Device};

/// Does planning `d` need a value the entity has NOW (so a fresh read first), rather
/// than only what it is (domain, features, ranges: the cached entry)? The directives
/// that do, and why each cannot be one round trip:
/// - Increase/DecreaseColorTemperature: Alexa steps through named whites from the
///   current temperature; Home Assistant has no relative colour temperature.
/// - AdjustRangeValue (covers, valves, humidifiers, numbers, vacuum fan speed) and
///   AdjustMode: no relative service (fans use `fan.increase_speed`, no read).
/// - Speaker.AdjustVolume: `volume_up`/`volume_down` move by the player's own step, not
///   by Alexa's percentage.
/// - AdjustTargetTemperature: no relative setpoint service; SetTargetTemperature of a
///   dual-setpoint thermostat keeps the current range's width or the setpoint not named.
/// - SecurityPanel Arm: an armed-away system must be disarmed first (its state now).
/// - TimeHold of a timer: Hold/Resume answer NOT_IN_OPERATION unless it runs/is paused.
/// - Rewind/FastForward/AdjustSeekPosition: from the playback position now.
pub fn needs_current(d: &Directive, state: &State, device: &Device) -> bool {
    match (d.namespace.as_str(), d.name.as_str()) {
        (
            "Alexa.ColorTemperatureController",
            "IncreaseColorTemperature" | "DecreaseColorTemperature",
        ) => true,
        ("Alexa.RangeController", "AdjustRangeValue") => {
            !matches!(device.cap(&d.namespace, d.instance.as_deref()),
                Some(Cap::Range(r)) if controllers::relative_fan(r))
        }
        ("Alexa.ModeController", "AdjustMode")
        | ("Alexa.Speaker", "AdjustVolume")
        | ("Alexa.ThermostatController", "AdjustTargetTemperature")
        | ("Alexa.SecurityPanelController", "Arm")
        | ("Alexa.PlaybackController", "Rewind" | "FastForward")
        | ("Alexa.SeekController", _) => true,
        ("Alexa.ThermostatController", "SetTargetTemperature") => matches!(
            device.cap("Alexa.ThermostatController", None),
            Some(Cap::Thermostat(t)) if t.dual
        ),
        ("Alexa.TimeHoldController", _) => state.domain() == "timer",
        _ => false,
    }
}

/// The second step of a plan, from the state its first calls left.
pub fn follow_up(then: &Then, after: &State) -> Result<Plan, AlexaError> {
    match then {
        Then::StepKelvin { warmer } => Ok(light::step_plan(after, *warmer)),
    }
}

/// The colour brightness a SetColor sets (1.0 when it names none), to be remembered.
pub fn color_brightness(d: &Directive) -> Option<f64> {
    if (d.namespace.as_str(), d.name.as_str()) != ("Alexa.ColorController", "SetColor") {
        return None;
    }
    Some(
        d.payload
            .pointer("/color/brightness")
            .and_then(Value::as_f64)
            .filter(|b| b.is_finite())
            .map_or(crate::color::DEFAULT_BRIGHTNESS, |b| b.clamp(0.0, 1.0)),
    )
}

/// Plans `directive` for an entity currently in `state`.
pub fn plan(d: &Directive, state: &State, device: &Device, ctx: &Ctx) -> Result<Plan, AlexaError> {
    if device.cap(&d.namespace, d.instance.as_deref()).is_none() {
        let what = match &d.instance {
            Some(i) => format!("{} ({i})", d.namespace),
            None => d.namespace.clone(),
        };
        return Err(AlexaError::invalid_directive(format!(
            "{} does not support {what}",
            state.entity_id
        )));
    }
    match d.namespace.as_str() {
        "Alexa.PowerController" => power::plan(d, state),
        "Alexa.BrightnessController"
        | "Alexa.ColorController"
        | "Alexa.ColorTemperatureController" => light::plan(d, state),
        "Alexa.SceneController" | "Alexa.TimeHoldController" => scene::plan(d, state),
        "Alexa.ThermostatController" => thermostat::plan(d, state, device, ctx),
        "Alexa.RangeController"
        | "Alexa.ModeController"
        | "Alexa.ToggleController"
        | "Alexa.PercentageController"
        | "Alexa.PowerLevelController" => controllers::plan(d, state, device),
        "Alexa.Speaker"
        | "Alexa.StepSpeaker"
        | "Alexa.PlaybackController"
        | "Alexa.InputController"
        | "Alexa.ChannelController"
        | "Alexa.SeekController" => media::plan(d, state, device),
        "Alexa.LockController" | "Alexa.SecurityPanelController" => {
            security::plan(d, state, device)
        }
        "Alexa.EqualizerController" => match device.cap(&d.namespace, None) {
            Some(crate::model::Cap::Equalizer { modes }) => media::equalizer(d, state, modes),
            _ => Err(plan::unknown(d)),
        },
        other => Err(AlexaError::invalid_directive(format!(
            "{other} is not supported"
        ))),
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
