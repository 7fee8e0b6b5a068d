//! The `alexa-smart-home` feature component: a complete Alexa Smart Home v3 skill
//! backend for Home Assistant. Serves every `alexa:*` route.
//!
//! Modules:
//! - [`handler`]: routing and orchestration over the [`handler::Home`] trait
//! - [`host`]: the real Home Assistant behind the host imports
//! - [`message`]: directive parsing and response/event builders
//! - [`capabilities`]: entity -> Alexa interfaces and categories (single source of truth)
//! - [`instances`]: Range/Mode/Toggle instances per domain
//! - [`discovery`]: endpoints, names, filter/registry, Amazon's limits
//! - [`wire`]: the Discover.Response wire format (typed serialisation)
//! - [`properties`]: state -> context properties
//! - [`directives`]: directive -> service-call plan, per interface
//! - [`errors`]: Alexa error types and Home Assistant failure mapping
//! - [`config`]: `filter` / `entity_config` with Home Assistant's semantics
//! - [`units`], [`clock`]: temperatures; timestamps and message ids
//!
//! Only an event that is not an Alexa directive at all comes back as `Err` (the host
//! answers INVALID_DIRECTIVE); every other outcome, including Home Assistant failures,
//! is a complete Alexa message built here.

pub mod capabilities;
pub mod clock;
pub mod config;
pub mod directives;
pub mod discovery;
pub mod errors;
pub mod handler;
pub mod host;
pub mod instances;
pub mod message;
pub mod model;
pub mod properties;
pub mod units;
pub mod wire;

#[cfg(test)]
mod directive_schema_tests;
#[cfg(test)]
mod schema_tests;
#[cfg(test)]
pub(crate) mod test_support;

use lee_sdk::{Failure, Guest, Invocation};

use crate::message::Directive;

pub struct AlexaSmartHome;

// Exported only in the component: a native cdylib cannot carry the component-model
// export names, and native builds exist for the unit tests.
#[cfg(target_arch = "wasm32")]
lee_sdk::export!(AlexaSmartHome);

impl Guest for AlexaSmartHome {
    fn handle(invocation: Invocation) -> Result<String, Failure> {
        if !invocation.route.starts_with("alexa:") {
            return Err(Failure::Unsupported(format!(
                "alexa-smart-home does not handle {}",
                invocation.route
            )));
        }
        let directive = Directive::parse(&invocation.event).map_err(Failure::InvalidRequest)?;
        Ok(handler::handle(&directive, &host::HostHome))
    }
}
