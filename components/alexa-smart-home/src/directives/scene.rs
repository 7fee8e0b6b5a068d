//! Alexa.SceneController (scenes, scripts, buttons) and Alexa.TimeHoldController
//! (timers, vacuums).

use lee_sdk::ha::State;
use serde_json::json;

use super::plan::{Plan, Reply, call, unknown};
use crate::errors::AlexaError;
use crate::message::Directive;

pub fn plan(d: &Directive, state: &State) -> Result<Plan, AlexaError> {
    let domain = state.domain();
    let none = json!({});
    match (d.namespace.as_str(), d.name.as_str()) {
        ("Alexa.SceneController", "Activate") => {
            let service = match domain {
                "button" | "input_button" => "press",
                _ => "turn_on",
            };
            Ok(Plan::one(call(domain, service, state, none))
                .reply(Reply::SceneStarted { deactivated: false }))
        }
        ("Alexa.SceneController", "Deactivate") if domain == "script" => {
            Ok(Plan::one(call(domain, "turn_off", state, none))
                .reply(Reply::SceneStarted { deactivated: true }))
        }
        ("Alexa.SceneController", "Deactivate") => Err(AlexaError::invalid_directive(format!(
            "{} cannot be deactivated",
            state.entity_id
        ))),
        ("Alexa.TimeHoldController", "Hold") => match (domain, state.state.as_str()) {
            ("timer", "active") => Ok(Plan::one(call("timer", "pause", state, none))),
            ("timer", _) => Err(AlexaError::not_in_operation(format!(
                "{} is not running",
                state.entity_id
            ))),
            _ => Ok(Plan::one(call(domain, "pause", state, none))),
        },
        ("Alexa.TimeHoldController", "Resume") => match (domain, state.state.as_str()) {
            ("timer", "paused") => Ok(Plan::one(call("timer", "start", state, none))),
            ("timer", _) => Err(AlexaError::not_in_operation(format!(
                "{} is not paused",
                state.entity_id
            ))),
            _ => Ok(Plan::one(call(domain, "start", state, none))),
        },
        _ => Err(unknown(d)),
    }
}
