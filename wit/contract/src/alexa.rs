//! How a failed Home Assistant call becomes an Alexa Smart Home error type. The host
//! answers with it when a component fails on an `alexa:` route without answering
//! itself, and the `alexa-smart-home` component builds its own `ErrorResponse` from the
//! same table, so both always name the same type for the same failure.

/// The kinds of the WIT `ha-error` variant (without their messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HaFailure {
    /// The component's grants refused the call; nothing reached Home Assistant.
    Denied,
    Unreachable,
    Unauthorized,
    NotFound,
    BadRequest,
    Upstream,
}

/// The `Alexa.ErrorResponse` types lee produces for failures that are not specific to
/// one interface (those live in the component, e.g. `TEMPERATURE_VALUE_OUT_OF_RANGE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    BridgeUnreachable,
    EndpointUnreachable,
    ExpiredAuthorizationCredential,
    InsufficientPermissions,
    InternalError,
    InvalidAuthorizationCredential,
    InvalidDirective,
    InvalidValue,
    NoSuchEndpoint,
}

impl ErrorType {
    /// The `payload.type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::BridgeUnreachable => "BRIDGE_UNREACHABLE",
            ErrorType::EndpointUnreachable => "ENDPOINT_UNREACHABLE",
            ErrorType::ExpiredAuthorizationCredential => "EXPIRED_AUTHORIZATION_CREDENTIAL",
            ErrorType::InsufficientPermissions => "INSUFFICIENT_PERMISSIONS",
            ErrorType::InternalError => "INTERNAL_ERROR",
            ErrorType::InvalidAuthorizationCredential => "INVALID_AUTHORIZATION_CREDENTIAL",
            ErrorType::InvalidDirective => "INVALID_DIRECTIVE",
            ErrorType::InvalidValue => "INVALID_VALUE",
            ErrorType::NoSuchEndpoint => "NO_SUCH_ENDPOINT",
        }
    }
}

/// The Alexa error type for a Home Assistant failure. A 400 from Home Assistant means it
/// refused the values of a well-formed command (out of range, unsupported option):
/// `INVALID_VALUE`, not `INVALID_DIRECTIVE` (which says the directive itself is
/// malformed, something the component has already checked).
pub fn error_type_for(failure: HaFailure) -> ErrorType {
    match failure {
        HaFailure::Denied => ErrorType::InsufficientPermissions,
        HaFailure::Unreachable => ErrorType::BridgeUnreachable,
        HaFailure::Unauthorized => ErrorType::InvalidAuthorizationCredential,
        HaFailure::NotFound => ErrorType::NoSuchEndpoint,
        HaFailure::BadRequest => ErrorType::InvalidValue,
        HaFailure::Upstream => ErrorType::InternalError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_a_type() {
        assert_eq!(
            error_type_for(HaFailure::BadRequest).as_str(),
            "INVALID_VALUE"
        );
        assert_eq!(
            error_type_for(HaFailure::Unreachable).as_str(),
            "BRIDGE_UNREACHABLE"
        );
        assert_eq!(
            error_type_for(HaFailure::Denied).as_str(),
            "INSUFFICIENT_PERMISSIONS"
        );
    }
}
