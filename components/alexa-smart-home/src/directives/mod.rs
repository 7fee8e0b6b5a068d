//! Directive -> service-call plan, per interface. Pure: the directive, the entity's
//! current state and its [`Device`] in; the Home Assistant calls to make (or the Alexa
//! error to answer) out. [`crate::handler`] executes the plan and reports the state
//! afterwards.

mod controllers;
mod light;
mod media;
pub mod plan;
mod power;
mod scene;
mod security;
mod thermostat;

use lee_sdk::ha::State;

pub use self::plan::{Plan, Reply, ServiceCall};
use crate::errors::AlexaError;
use crate::message::Directive;
use crate::model::{Ctx, Device};

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
            Some(crate::model::Cap::Equalizer { modes }) => crate::equalizer::plan(d, state, modes),
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
