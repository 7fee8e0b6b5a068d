//! Answers in the caller's protocol when the host (not the component) has to answer:
//! Alexa Smart Home `ErrorResponse` events that pass Amazon's schema, and spoken
//! custom-skill errors.

use serde_json::{Value, json};

use crate::capabilities::home_assistant::HaError;
use crate::runtime::bindings::Failure;
use crate::runtime::bindings::lee::gateway::home_assistant::HaError as WitHaError;
use crate::runtime::invoke::InvokeError;

/// Alexa's error types the host produces itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlexaErrorType {
    BridgeUnreachable,
    InvalidAuthorizationCredential,
    InternalError,
    InvalidDirective,
    NoSuchEndpoint,
    EndpointUnreachable,
}

impl AlexaErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            AlexaErrorType::BridgeUnreachable => "BRIDGE_UNREACHABLE",
            AlexaErrorType::InvalidAuthorizationCredential => "INVALID_AUTHORIZATION_CREDENTIAL",
            AlexaErrorType::InternalError => "INTERNAL_ERROR",
            AlexaErrorType::InvalidDirective => "INVALID_DIRECTIVE",
            AlexaErrorType::NoSuchEndpoint => "NO_SUCH_ENDPOINT",
            AlexaErrorType::EndpointUnreachable => "ENDPOINT_UNREACHABLE",
        }
    }

    fn from_wit_ha(error: &WitHaError) -> Self {
        match error {
            WitHaError::Unreachable(_) => AlexaErrorType::BridgeUnreachable,
            WitHaError::Unauthorized(_) => AlexaErrorType::InvalidAuthorizationCredential,
            WitHaError::NotFound(_) => AlexaErrorType::NoSuchEndpoint,
            WitHaError::BadRequest(_) => AlexaErrorType::InvalidDirective,
            WitHaError::Denied(_) | WitHaError::Upstream(_) => AlexaErrorType::InternalError,
        }
    }

    /// The Alexa error type for a failed invocation.
    pub fn for_invoke_error(error: &InvokeError) -> Self {
        match error {
            InvokeError::Failure(failure) => match failure {
                Failure::HomeAssistant(e) => Self::from_wit_ha(e),
                Failure::NotFound(_) => AlexaErrorType::NoSuchEndpoint,
                Failure::InvalidRequest(_) | Failure::Unsupported(_) => {
                    AlexaErrorType::InvalidDirective
                }
                Failure::Denied(_) | Failure::Internal(_) => AlexaErrorType::InternalError,
            },
            _ => AlexaErrorType::InternalError,
        }
    }

    pub fn for_ha_error(error: &HaError) -> Self {
        match error {
            HaError::Unauthorized(_) => AlexaErrorType::InvalidAuthorizationCredential,
            e if e.is_unreachable() => AlexaErrorType::BridgeUnreachable,
            _ => AlexaErrorType::InternalError,
        }
    }
}

/// A message safe to send back (no token, bounded length).
fn safe_message(message: &str) -> String {
    let clipped: String = message.chars().take(300).collect();
    if clipped.is_empty() {
        "error".to_string()
    } else {
        clipped
    }
}

/// An `Alexa.ErrorResponse` for `event` (a Smart Home directive).
pub fn alexa_error(event: &Value, kind: AlexaErrorType, message: &str) -> Value {
    let directive = event.get("directive").unwrap_or(&Value::Null);
    let mut header = json!({
        "namespace": "Alexa",
        "name": "ErrorResponse",
        "payloadVersion": "3",
        "messageId": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(token) = directive
        .pointer("/header/correlationToken")
        .and_then(Value::as_str)
    {
        header["correlationToken"] = json!(token);
    }
    let mut response = json!({
        "event": {
            "header": header,
            "payload": {"type": kind.as_str(), "message": safe_message(message)},
        }
    });
    if let Some(endpoint_id) = directive
        .pointer("/endpoint/endpointId")
        .and_then(Value::as_str)
    {
        let mut endpoint = json!({ "endpointId": endpoint_id });
        if let Some(scope) = directive.pointer("/endpoint/scope") {
            endpoint["scope"] = scope.clone();
        }
        response["event"]["endpoint"] = endpoint;
    }
    response
}

/// A spoken custom-skill response that ends the session.
pub fn skill_speech(text: &str) -> Value {
    json!({
        "version": "1.0",
        "response": {
            "outputSpeech": {"type": "PlainText", "text": text},
            "shouldEndSession": true,
        }
    })
}

/// What the skill says when an invocation failed on the host side.
pub fn skill_error_text(error: &InvokeError) -> &'static str {
    match error {
        InvokeError::Failure(Failure::HomeAssistant(WitHaError::Unreachable(_))) => {
            "Sorry, I can't reach Home Assistant right now."
        }
        InvokeError::Failure(Failure::HomeAssistant(WitHaError::Unauthorized(_))) => {
            "Sorry, Home Assistant did not accept the account link. Please link your account again in the Alexa app."
        }
        InvokeError::Failure(Failure::NotFound(_)) => "Sorry, I couldn't find that.",
        InvokeError::Failure(
            Failure::Denied(_) | Failure::HomeAssistant(WitHaError::Denied(_)),
        ) => "Sorry, I'm not allowed to do that.",
        InvokeError::Failure(Failure::InvalidRequest(_) | Failure::Unsupported(_)) => {
            "Sorry, I can't do that yet."
        }
        InvokeError::Timeout(_) => "Sorry, that took too long. Please try again.",
        _ => "Sorry, something went wrong.",
    }
}

pub fn skill_text_for_ha_error(error: &HaError) -> &'static str {
    match error {
        HaError::Unauthorized(_) => {
            "Sorry, Home Assistant did not accept the account link. Please link your account again in the Alexa app."
        }
        _ => "Sorry, I can't reach Home Assistant right now.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_echoes_correlation_and_endpoint() {
        let event = json!({"directive": {
            "header": {"namespace": "Alexa", "name": "ReportState", "correlationToken": "c1", "messageId": "m"},
            "endpoint": {"endpointId": "light#a", "scope": {"type": "BearerToken", "token": "t"}},
            "payload": {}
        }});
        let r = alexa_error(&event, AlexaErrorType::BridgeUnreachable, "down");
        assert_eq!(r["event"]["header"]["correlationToken"], "c1");
        assert_eq!(r["event"]["endpoint"]["endpointId"], "light#a");
        assert_eq!(r["event"]["payload"]["type"], "BRIDGE_UNREACHABLE");
        assert_ne!(r["event"]["header"]["messageId"], "m");
    }

    #[test]
    fn failures_map_to_alexa_types() {
        let unreachable =
            InvokeError::Failure(Failure::HomeAssistant(WitHaError::Unreachable("x".into())));
        assert_eq!(
            AlexaErrorType::for_invoke_error(&unreachable),
            AlexaErrorType::BridgeUnreachable
        );
        let unauthorized =
            InvokeError::Failure(Failure::HomeAssistant(WitHaError::Unauthorized("x".into())));
        assert_eq!(
            AlexaErrorType::for_invoke_error(&unauthorized),
            AlexaErrorType::InvalidAuthorizationCredential
        );
        assert_eq!(
            AlexaErrorType::for_invoke_error(&InvokeError::Trap("boom".into())),
            AlexaErrorType::InternalError
        );
        let denied = InvokeError::Failure(Failure::HomeAssistant(WitHaError::Denied("x".into())));
        assert_eq!(
            skill_error_text(&denied),
            "Sorry, I'm not allowed to do that."
        );
    }
}
