//! Host capabilities: one module per WIT interface a component can import, plus the
//! grants that decide which of them a component gets.

pub mod cache;
pub mod config;
pub mod grants;
pub mod home_assistant;
pub mod http;
pub mod log;
pub mod metrics;

use std::sync::Arc;

/// The process-wide capability implementations shared by every Store.
pub struct Capabilities {
    pub home_assistant: Arc<home_assistant::HomeAssistant>,
    pub cache: cache::ComponentCaches,
    pub metrics: metrics::Metrics,
    pub http: http::OutboundHttp,
}
