//! Answers in the caller's protocol when the host (not the component) has to answer:
//! Alexa Smart Home `ErrorResponse` events that pass Amazon's schema, and spoken
//! custom-skill errors.

use lee_contract::alexa::{ErrorType, error_type_for};
use serde_json::{Value, json};

use crate::bindings::Failure;
use crate::bindings::gateway::home_assistant::HaError as WitHaError;
use crate::capabilities::home_assistant::error::failure_kind;
use crate::runtime::invoke::InvokeError;

/// The Alexa error type for a failed invocation: a Home Assistant failure maps as the
/// contract says (the same table the `alexa-smart-home` component uses).
pub fn alexa_type_for(error: &InvokeError) -> ErrorType {
    match error {
        InvokeError::Failure(failure) => match failure {
            Failure::HomeAssistant(e) => error_type_for(failure_kind(e)),
            Failure::NotFound(_) => ErrorType::NoSuchEndpoint,
            Failure::InvalidRequest(_) | Failure::Unsupported(_) => ErrorType::InvalidDirective,
            Failure::Denied(_) => ErrorType::InsufficientPermissions,
            Failure::Internal(_) => ErrorType::InternalError,
        },
        _ => ErrorType::InternalError,
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
pub fn alexa_error(event: &Value, kind: ErrorType, message: &str) -> Value {
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
        let r = alexa_error(&event, ErrorType::BridgeUnreachable, "down");
        assert_eq!(r["event"]["header"]["correlationToken"], "c1");
        assert_eq!(r["event"]["endpoint"]["endpointId"], "light#a");
        assert_eq!(r["event"]["payload"]["type"], "BRIDGE_UNREACHABLE");
        assert_ne!(r["event"]["header"]["messageId"], "m");
    }

    #[test]
    fn failures_map_to_alexa_types() {
        let unreachable =
            InvokeError::Failure(Failure::HomeAssistant(WitHaError::Unreachable("x".into())));
        assert_eq!(alexa_type_for(&unreachable), ErrorType::BridgeUnreachable);
        let unauthorized =
            InvokeError::Failure(Failure::HomeAssistant(WitHaError::Unauthorized("x".into())));
        assert_eq!(
            alexa_type_for(&unauthorized),
            ErrorType::InvalidAuthorizationCredential
        );
        assert_eq!(
            alexa_type_for(&InvokeError::Trap("boom".into())),
            ErrorType::InternalError
        );
        let denied = InvokeError::Failure(Failure::HomeAssistant(WitHaError::Denied("x".into())));
        assert_eq!(
            skill_error_text(&denied),
            "Sorry, I'm not allowed to do that."
        );
    }
}
