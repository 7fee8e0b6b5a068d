//! Alexa error types in their own namespaces, with the payload fields each one needs
//! (validRange, currentDeviceMode, minimumTemperatureDelta), and the mapping from Home
//! Assistant failures to them.
//!
//! Policy: this component answers every directive-specific error AND every Home
//! Assistant failure itself, as a complete `ErrorResponse` (so the namespace, endpoint
//! and correlation token are always right). Only an event that is not a directive at
//! all is returned as `Err(Failure::InvalidRequest)` for the host to answer.

use lee_contract::alexa::{ErrorType, HaFailure, error_type_for};
use lee_sdk::HaError;
use serde_json::{Map, Value, json};

use crate::units::{Scale, temperature_json};

/// One Alexa error: namespace (`Alexa`, `Alexa.ThermostatController`, ...), type and
/// the extra payload fields its schema requires.
#[derive(Debug, Clone, PartialEq)]
pub struct AlexaError {
    pub namespace: &'static str,
    pub kind: &'static str,
    pub message: String,
    pub extra: Map<String, Value>,
}

impl AlexaError {
    fn new(namespace: &'static str, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            namespace,
            kind,
            message: message.into(),
            extra: Map::new(),
        }
    }

    fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn no_such_endpoint(endpoint_id: &str) -> Self {
        Self::new(
            "Alexa",
            "NO_SUCH_ENDPOINT",
            format!("no endpoint {endpoint_id} in Home Assistant"),
        )
    }

    pub fn endpoint_unreachable(entity_id: &str) -> Self {
        Self::new(
            "Alexa",
            "ENDPOINT_UNREACHABLE",
            format!("{entity_id} is unavailable in Home Assistant"),
        )
    }

    pub fn invalid_directive(message: impl Into<String>) -> Self {
        Self::new("Alexa", "INVALID_DIRECTIVE", message)
    }

    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::new("Alexa", "INVALID_VALUE", message)
    }

    pub fn value_out_of_range(value: f64, min: f64, max: f64) -> Self {
        Self::new(
            "Alexa",
            "VALUE_OUT_OF_RANGE",
            format!("{value} is outside {min}..{max}"),
        )
        .with(
            "validRange",
            json!({"minimumValue": min, "maximumValue": max}),
        )
    }

    pub fn temperature_out_of_range(value: f64, min: f64, max: f64, scale: Scale) -> Self {
        Self::new(
            "Alexa",
            "TEMPERATURE_VALUE_OUT_OF_RANGE",
            format!("{value} {} is outside {min}..{max}", scale.alexa()),
        )
        .with(
            "validRange",
            json!({
                "minimumValue": temperature_json(min, scale),
                "maximumValue": temperature_json(max, scale),
            }),
        )
    }

    /// `currentDeviceMode` is one of COLOR, ASLEEP, NOT_PROVISIONED, OTHER.
    pub fn not_supported_in_current_mode(mode: &'static str, message: impl Into<String>) -> Self {
        Self::new("Alexa", "NOT_SUPPORTED_IN_CURRENT_MODE", message)
            .with("currentDeviceMode", json!(mode))
    }

    pub fn not_in_operation(message: impl Into<String>) -> Self {
        Self::new("Alexa", "NOT_IN_OPERATION", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("Alexa", "INTERNAL_ERROR", message)
    }

    pub fn bridge_unreachable(message: impl Into<String>) -> Self {
        Self::new("Alexa", "BRIDGE_UNREACHABLE", message)
    }

    pub fn invalid_credential(message: impl Into<String>) -> Self {
        Self::new("Alexa", "INVALID_AUTHORIZATION_CREDENTIAL", message)
    }

    pub fn expired_credential(message: impl Into<String>) -> Self {
        Self::new("Alexa", "EXPIRED_AUTHORIZATION_CREDENTIAL", message)
    }

    pub fn insufficient_permissions(message: impl Into<String>) -> Self {
        Self::new("Alexa", "INSUFFICIENT_PERMISSIONS", message)
    }

    /// A `Alexa.ThermostatController` error: THERMOSTAT_IS_OFF, UNSUPPORTED_THERMOSTAT_MODE,
    /// DUAL_SETPOINTS_UNSUPPORTED, TRIPLE_SETPOINTS_UNSUPPORTED, UNWILLING_TO_SET_VALUE, ...
    pub fn thermostat(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new("Alexa.ThermostatController", kind, message)
    }

    pub fn setpoints_too_close(min_delta: f64, scale: Scale) -> Self {
        Self::new(
            "Alexa.ThermostatController",
            "REQUESTED_SETPOINTS_TOO_CLOSE",
            "the lower and upper setpoints are too close together",
        )
        .with(
            "minimumTemperatureDelta",
            temperature_json(min_delta, scale),
        )
    }

    /// A `Alexa.SecurityPanelController` error: AUTHORIZATION_REQUIRED, UNAUTHORIZED,
    /// NOT_READY, UNCLEARED_ALARM, ...
    pub fn security(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new("Alexa.SecurityPanelController", kind, message)
    }

    pub fn accept_grant_failed(message: impl Into<String>) -> Self {
        Self::new("Alexa.Authorization", "ACCEPT_GRANT_FAILED", message)
    }

    /// The error payload (`type`, `message` and the extra fields).
    pub fn payload(&self) -> Value {
        let mut payload = Map::new();
        payload.insert("type".into(), json!(self.kind));
        let message: String = self.message.chars().take(300).collect();
        payload.insert("message".into(), json!(message));
        for (k, v) in &self.extra {
            payload.insert(k.clone(), v.clone());
        }
        Value::Object(payload)
    }

    /// Maps a Home Assistant failure by the contract's table (the one the host uses
    /// too), with one refinement the host cannot make: `token_expired` says whether the
    /// directive's bearer token carries an `exp` claim in the past (HA's 401 does not
    /// say why it refused), which makes it EXPIRED_AUTHORIZATION_CREDENTIAL.
    pub fn from_ha(error: &HaError, endpoint_id: Option<&str>, token_expired: bool) -> Self {
        let (failure, detail) = match error {
            HaError::Denied(m) => (HaFailure::Denied, m),
            HaError::Unreachable(m) => (HaFailure::Unreachable, m),
            HaError::Unauthorized(m) => (HaFailure::Unauthorized, m),
            HaError::NotFound(m) => (HaFailure::NotFound, m),
            HaError::BadRequest(m) => (HaFailure::BadRequest, m),
            HaError::Upstream(m) => (HaFailure::Upstream, m),
        };
        match error_type_for(failure) {
            ErrorType::InvalidAuthorizationCredential if token_expired => {
                Self::expired_credential("the access token has expired")
            }
            ErrorType::InvalidAuthorizationCredential => {
                Self::invalid_credential("Home Assistant did not accept the access token")
            }
            ErrorType::BridgeUnreachable => {
                Self::bridge_unreachable(format!("Home Assistant is unreachable: {detail}"))
            }
            ErrorType::NoSuchEndpoint => match endpoint_id {
                Some(id) => Self::no_such_endpoint(id),
                // No endpoint asked for (Discovery): Home Assistant's API itself is
                // missing there, so the URL points at something else.
                None => Self::bridge_unreachable(format!(
                    "Home Assistant's API answered 404 ({detail}): HOME_ASSISTANT_URL may not \
                     point to Home Assistant"
                )),
            },
            ErrorType::InvalidValue => {
                Self::invalid_value(format!("Home Assistant refused the command: {detail}"))
            }
            ErrorType::InsufficientPermissions => Self::insufficient_permissions(detail.clone()),
            other => Self::new(
                "Alexa",
                other.as_str(),
                format!("Home Assistant failed: {detail}"),
            ),
        }
    }
}

/// Whether a JWT bearer token (HA access tokens are JWTs) has an `exp` claim before
/// `now_secs`. Reads only the claim; the signature is Home Assistant's business.
pub fn token_expired(token: &str, now_secs: i64) -> bool {
    let Some(claims) = token.split('.').nth(1) else {
        return false;
    };
    let Some(bytes) = base64url_decode(claims) else {
        return false;
    };
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|c| c.get("exp").and_then(Value::as_i64))
        .is_some_and(|exp| exp < now_secs)
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_carry_their_extra_fields() {
        let e = AlexaError::value_out_of_range(120.0, 0.0, 100.0);
        assert_eq!(e.payload()["validRange"]["maximumValue"], json!(100.0));
        assert_eq!(e.namespace, "Alexa");
        let t = AlexaError::setpoints_too_close(1.0, Scale::Celsius);
        assert_eq!(t.namespace, "Alexa.ThermostatController");
        assert_eq!(
            t.payload()["minimumTemperatureDelta"],
            json!({"value": 1.0, "scale": "CELSIUS"})
        );
        let m = AlexaError::not_supported_in_current_mode("COLOR", "x");
        assert_eq!(m.payload()["currentDeviceMode"], "COLOR");
    }

    #[test]
    fn ha_failures_map_to_alexa_types() {
        let kind = |e: HaError, expired| AlexaError::from_ha(&e, Some("light#x"), expired).kind;
        assert_eq!(
            kind(HaError::Unreachable("x".into()), false),
            "BRIDGE_UNREACHABLE"
        );
        assert_eq!(
            kind(HaError::Unauthorized("x".into()), false),
            "INVALID_AUTHORIZATION_CREDENTIAL"
        );
        assert_eq!(
            kind(HaError::Unauthorized("x".into()), true),
            "EXPIRED_AUTHORIZATION_CREDENTIAL"
        );
        assert_eq!(
            kind(HaError::NotFound("x".into()), false),
            "NO_SUCH_ENDPOINT"
        );
        assert_eq!(
            AlexaError::from_ha(&HaError::NotFound("x".into()), None, false).kind,
            "BRIDGE_UNREACHABLE",
            "a 404 without an endpoint (Discovery) is not a missing endpoint"
        );
        assert_eq!(
            kind(HaError::BadRequest("x".into()), false),
            "INVALID_VALUE"
        );
        assert_eq!(kind(HaError::Upstream("x".into()), false), "INTERNAL_ERROR");
    }

    #[test]
    fn reads_jwt_expiry() {
        // {"alg":"HS256"}.{"exp":1000}.sig
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjEwMDB9.c2ln";
        assert!(token_expired(token, 2000));
        assert!(!token_expired(token, 500));
        assert!(!token_expired("not-a-jwt", 2000));
        assert!(!token_expired("a.!!!.b", 2000));
    }
}
