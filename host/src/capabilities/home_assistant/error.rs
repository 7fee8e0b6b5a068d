//! Host-side Home Assistant errors and how they map to the WIT `ha-error`.

use crate::runtime::bindings::lee::gateway::home_assistant::HaError as WitHaError;

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
    #[error("Home Assistant is not configured (set HOME_ASSISTANT_URL and a token)")]
    NotConfigured,
}

impl HaError {
    /// Is this a reachability problem (what Alexa calls BRIDGE_UNREACHABLE)?
    pub fn is_unreachable(&self) -> bool {
        matches!(self, HaError::Unreachable(_) | HaError::NotConfigured)
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
        }
    }
}
