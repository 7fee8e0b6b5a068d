//! Alexa.LockController and Alexa.SecurityPanelController (arm away/stay/night, disarm
//! with a four-digit PIN), with the SecurityPanelController errors.

use lee_sdk::ha::State;
use serde_json::json;

use super::plan::{Plan, Reply, call, string, unknown};
use crate::errors::AlexaError;
use crate::message::Directive;
use crate::model::{Attrs, Cap, Device};

pub fn plan(d: &Directive, state: &State, device: &Device) -> Result<Plan, AlexaError> {
    let none = json!({});
    match (d.namespace.as_str(), d.name.as_str()) {
        ("Alexa.LockController", "Lock") => Ok(Plan::one(call("lock", "lock", state, none))),
        ("Alexa.LockController", "Unlock") => Ok(Plan::one(call("lock", "unlock", state, none))),
        ("Alexa.SecurityPanelController", "Arm") => {
            let wanted = string(&d.payload, "armState")?;
            let Some(Cap::SecurityPanel { arm_states, .. }) =
                device.cap("Alexa.SecurityPanelController", None)
            else {
                return Err(unknown(d));
            };
            if wanted == "DISARMED" || !arm_states.contains(&wanted) {
                return Err(AlexaError::invalid_value(format!(
                    "{} cannot be armed {wanted}",
                    state.entity_id
                )));
            }
            // Alexa: an armed-away system must be disarmed before another arm state.
            if state.state == "armed_away" && wanted != "ARMED_AWAY" {
                return Err(AlexaError::security(
                    "AUTHORIZATION_REQUIRED",
                    "disarm the system before changing to another arm state",
                ));
            }
            if state.attr("code_arm_required").and_then(|v| v.as_bool()) == Some(true) {
                return Err(AlexaError::security(
                    "AUTHORIZATION_REQUIRED",
                    format!(
                        "{} needs its code to arm; arm it in Home Assistant",
                        state.entity_id
                    ),
                ));
            }
            let service = match wanted {
                "ARMED_AWAY" => "alarm_arm_away",
                "ARMED_STAY" => "alarm_arm_home",
                _ => "alarm_arm_night",
            };
            let mut plan =
                Plan::one(call("alarm_control_panel", service, state, none)).reply(Reply::Armed {
                    exit_delay_seconds: 0,
                });
            plan.on_refused = Some(AlexaError::security(
                "NOT_READY",
                "the security system refused to arm",
            ));
            Ok(plan)
        }
        ("Alexa.SecurityPanelController", "Disarm") => {
            let pin = d
                .payload
                .pointer("/authorization/value")
                .and_then(|v| v.as_str());
            let needs_code = state.str_attr("code_format").is_some();
            let data = match pin {
                Some(code) => json!({"code": code}),
                None if needs_code => {
                    return Err(AlexaError::security(
                        "UNAUTHORIZED",
                        "a four-digit PIN is required to disarm",
                    ));
                }
                None => none,
            };
            let mut plan = Plan::one(call("alarm_control_panel", "alarm_disarm", state, data));
            plan.on_refused = Some(AlexaError::security(
                "UNAUTHORIZED",
                "the PIN was not accepted",
            ));
            Ok(plan)
        }
        _ => Err(unknown(d)),
    }
}
