//! Host-side Home Assistant errors and how they map to the WIT `ha-error`.

use lee_contract::alexa::HaFailure;

use crate::bindings::gateway::home_assistant::HaError as WitHaError;

/// Why a Home Assistant call failed, as the host sees it.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum HaError {
    #[error("denied: {0}")]
    Denied(String),
    #[error("Home Assistant unreachable: {0}")]
    Unreachable(String),
    #[error("Home Assistant rejected the token (HTTP {0})")]
    Unauthorized(u16),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("Home Assistant refused the request (HTTP {status}): {message}")]
    BadRequest { status: u16, message: String },
    #[error("Home Assistant failed: {0}")]
    Upstream(String),
    /// The request was malformed and never sent (an entity id too long, a token with
    /// CR/LF): bad input, not an outage.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// Home Assistant's TLS certificate was rejected (not retried).
    #[error("{0}")]
    Certificate(String),
    #[error("Home Assistant is not configured (set HOME_ASSISTANT_URL and a token)")]
    NotConfigured,
}

impl HaError {
    /// The variant as a fixed word (for traces: never the message, which may quote Home
    /// Assistant's answer).
    pub fn kind(&self) -> &'static str {
        match self {
            HaError::Denied(_) => "denied",
            HaError::Unreachable(_) => "unreachable",
            HaError::Unauthorized(_) => "unauthorized",
            HaError::NotFound(_) => "not_found",
            HaError::BadRequest { .. } => "bad_request",
            HaError::Upstream(_) => "upstream",
            HaError::Invalid(_) => "invalid",
            HaError::Certificate(_) => "certificate",
            HaError::NotConfigured => "not_configured",
        }
    }
}

impl From<HaError> for WitHaError {
    fn from(error: HaError) -> Self {
        match error {
            HaError::Denied(m) => WitHaError::Denied(m),
            HaError::Unreachable(m) => WitHaError::Unreachable(m),
            HaError::NotConfigured => WitHaError::Unreachable(HaError::NotConfigured.to_string()),
            HaError::Unauthorized(status) => {
                WitHaError::Unauthorized(format!("HTTP {status}: token rejected"))
            }
            HaError::NotFound(m) => WitHaError::NotFound(m),
            HaError::BadRequest { status, message } => {
                WitHaError::BadRequest(format!("HTTP {status}: {message}"))
            }
            HaError::Upstream(m) => WitHaError::Upstream(m),
            HaError::Invalid(m) => WitHaError::BadRequest(m),
            HaError::Certificate(m) => WitHaError::Unreachable(m),
        }
    }
}

/// The kind of a WIT `ha-error`, for the contract's Alexa error mapping.
pub fn failure_kind(error: &WitHaError) -> HaFailure {
    match error {
        WitHaError::Denied(_) => HaFailure::Denied,
        WitHaError::Unreachable(_) => HaFailure::Unreachable,
        WitHaError::Unauthorized(_) => HaFailure::Unauthorized,
        WitHaError::NotFound(_) => HaFailure::NotFound,
        WitHaError::BadRequest(_) => HaFailure::BadRequest,
        WitHaError::Upstream(_) => HaFailure::Upstream,
    }
}
