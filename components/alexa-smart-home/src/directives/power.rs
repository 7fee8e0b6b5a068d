//! Alexa.PowerController: TurnOn / TurnOff for every domain that has power.

use lee_sdk::ha::State;
use serde_json::json;

use super::plan::{Plan, ServiceCall, call, unknown};
use crate::errors::AlexaError;
use crate::features::{VACUUM_HOME, VACUUM_START, VACUUM_STOP};
use crate::message::Directive;
use crate::model::Attrs;

/// The service that turns `state`'s entity on or off.
pub fn power_call(state: &State, on: bool) -> ServiceCall {
    let domain = state.domain();
    let none = json!({});
    match (domain, on) {
        ("group", _) => call(
            "homeassistant",
            if on { "turn_on" } else { "turn_off" },
            state,
            none,
        ),
        ("cover", true) => call("cover", "open_cover", state, none),
        ("cover", false) => call("cover", "close_cover", state, none),
        ("timer", true) => call("timer", "start", state, none),
        ("timer", false) => call("timer", "cancel", state, none),
        ("vacuum", true) if state.supports(VACUUM_START) => call("vacuum", "start", state, none),
        ("vacuum", false) if state.supports(VACUUM_HOME) => {
            call("vacuum", "return_to_base", state, none)
        }
        ("vacuum", false) if state.supports(VACUUM_STOP) => call("vacuum", "stop", state, none),
        (d, true) => call(d, "turn_on", state, none),
        (d, false) => call(d, "turn_off", state, none),
    }
}

pub fn plan(d: &Directive, state: &State) -> Result<Plan, AlexaError> {
    match d.name.as_str() {
        "TurnOn" => Ok(Plan::one(power_call(state, true))),
        "TurnOff" => Ok(Plan::one(power_call(state, false))),
        _ => Err(unknown(d)),
    }
}
