//! What a planned directive is made of ([`Plan`], [`ServiceCall`], [`Reply`]) and the
//! payload readers every interface's planner shares. Separate from `mod.rs`, which
//! dispatches to the planners, so a planner never depends on its dispatcher.

use lee_sdk::ha::State;
use serde_json::{Map, Value, json};

use crate::errors::AlexaError;
use crate::message::Directive;

/// One Home Assistant service call.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceCall {
    pub domain: String,
    pub service: String,
    pub data: Value,
}

/// How to answer once the calls succeeded.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `Alexa.Response` with the endpoint's properties after the command.
    Response,
    /// `Alexa.SceneController` ActivationStarted / DeactivationStarted.
    SceneStarted { deactivated: bool },
    /// `Alexa.SecurityPanelController` Arm.Response.
    Armed { exit_delay_seconds: u32 },
    /// `Alexa.SeekController` StateReport with the new position.
    Seek { position_ms: i64 },
}

/// A second step planned from the state the first calls left.
#[derive(Debug, Clone, PartialEq)]
pub enum Then {
    /// Step the colour temperature (warmer or cooler) from the one the light came back
    /// on with (Increase/DecreaseColorTemperature on a light that was off).
    StepKelvin { warmer: bool },
}

/// What a directive needs done.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub calls: Vec<ServiceCall>,
    pub reply: Reply,
    /// Planned after `calls`, from the entity's state they left.
    pub then: Option<Then>,
    /// The error to answer when Home Assistant refuses the call (HTTP 400, or the 500 it
    /// answers for a service that raised, e.g. on a wrong alarm code); `None` maps
    /// those to INVALID_VALUE / INTERNAL_ERROR.
    pub on_refused: Option<AlexaError>,
}

impl Plan {
    pub fn one(call: ServiceCall) -> Self {
        Self::many(vec![call])
    }

    pub fn many(calls: Vec<ServiceCall>) -> Self {
        Self {
            calls,
            reply: Reply::Response,
            then: None,
            on_refused: None,
        }
    }

    pub fn reply(mut self, reply: Reply) -> Self {
        self.reply = reply;
        self
    }
}

/// `domain.service` on `state`'s entity with extra `data`.
pub fn call(domain: &str, service: &str, state: &State, data: Value) -> ServiceCall {
    let mut map = match data {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    map.insert("entity_id".into(), json!(state.entity_id));
    ServiceCall {
        domain: domain.into(),
        service: service.into(),
        data: Value::Object(map),
    }
}

/// A number from the payload, or INVALID_VALUE.
pub fn number(payload: &Value, key: &str) -> Result<f64, AlexaError> {
    payload
        .get(key)
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite())
        .ok_or_else(|| AlexaError::invalid_value(format!("payload.{key} must be a number")))
}

/// A boolean from the payload, or INVALID_VALUE.
pub fn boolean(payload: &Value, key: &str) -> Result<bool, AlexaError> {
    payload
        .get(key)
        .and_then(Value::as_bool)
        .ok_or_else(|| AlexaError::invalid_value(format!("payload.{key} must be true or false")))
}

/// A string from the payload, or INVALID_VALUE.
pub fn string<'a>(payload: &'a Value, key: &str) -> Result<&'a str, AlexaError> {
    payload
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| AlexaError::invalid_value(format!("payload.{key} must be a string")))
}

/// `value` within `min..=max`, or VALUE_OUT_OF_RANGE.
pub fn in_range(value: f64, min: f64, max: f64) -> Result<f64, AlexaError> {
    if value < min - 1e-9 || value > max + 1e-9 {
        Err(AlexaError::value_out_of_range(value, min, max))
    } else {
        Ok(value)
    }
}

/// An unknown directive name within a known interface.
pub fn unknown(d: &Directive) -> AlexaError {
    AlexaError::invalid_directive(format!("{}.{} is not supported", d.namespace, d.name))
}
