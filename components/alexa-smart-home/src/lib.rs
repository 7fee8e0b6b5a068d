//! The `alexa-smart-home` feature component: a complete Alexa Smart Home v3 skill
//! backend for Home Assistant. Serves every `alexa:*` route.
//!
//! Modules:
//! - [`handler`]: routing and orchestration over the [`handler::Home`] trait
//! - [`host`]: the real Home Assistant behind the host imports
//! - [`message`]: directive parsing and response/event builders
//! - [`interfaces`]: entity -> Alexa interfaces and categories (single source of truth)
//! - [`features`]: Home Assistant's supported-feature bits
//! - [`instances`]: Range/Mode/Toggle instances per domain
//! - [`discovery`]: endpoints, names, filter/registry, Amazon's limits
//! - [`wire`]: the Discover.Response wire format (typed serialisation)
//! - [`explain`]: `lee:explain-discovery`, every entity and what Discovery made of it
//! - [`equalizer`]: EqualizerController (sound modes) on media players
//! - [`parity`]: where Discovery differs from Home Assistant's own integration, and why
//! - [`properties`]: state -> context properties; [`color`]: the colour's own brightness
//! - [`change_report`]: state change -> ChangeReport / DoorbellPress (for `lee reporter`)
//! - [`directives`]: directive -> service-call plan, per interface
//! - [`errors`]: Alexa error types and Home Assistant failure mapping
//! - [`config`]: `filter` / `entity_config` with Home Assistant's semantics
//! - [`units`], [`clock`]: temperatures; timestamps and message ids
//!
//! Only an event that is not an Alexa directive at all comes back as `Err` (the host
//! answers INVALID_DIRECTIVE); every other outcome, including Home Assistant failures,
//! is a complete Alexa message built here.

pub mod change_report;
pub mod clock;
pub mod color;
pub mod config;
pub mod directives;
pub mod discovery;
pub mod equalizer;
pub mod errors;
pub mod explain;
pub mod exposure;
pub mod features;
pub mod handler;
pub mod home;
pub mod host;
pub mod instances;
pub mod interfaces;
pub mod message;
pub mod model;
pub mod parity;
pub mod properties;
pub mod units;
pub mod wire;

#[cfg(test)]
mod directive_schema_tests;
#[cfg(test)]
mod equalizer_tests;
#[cfg(test)]
mod exposure_tests;
#[cfg(test)]
mod schema_tests;
#[cfg(test)]
pub(crate) mod test_support;

use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::{Failure, Invocation};

use crate::message::Directive;

pub struct AlexaSmartHome;

/// Every `alexa:` route: Discovery, ReportState, every controller, AcceptGrant,
/// `alexa:lee/StateChanged` and `alexa:lee/Endpoints` (asked by `lee reporter`); and the
/// discovery explanation `lee doctor` prints.
const ROUTES: Routes = &[
    ("alexa:*", Handler::Invocation(handle_directive)),
    (
        "lee:explain-discovery",
        Handler::Invocation(explain_discovery),
    ),
];

lee_sdk::component!(AlexaSmartHome, ROUTES);

fn explain_discovery(_: &Invocation) -> Result<String, Failure> {
    explain::explain(&host::HostHome).map_err(Failure::from)
}

fn handle_directive(invocation: &Invocation) -> Result<String, Failure> {
    let directive = Directive::parse(&invocation.event).map_err(Failure::InvalidRequest)?;
    if directive.namespace == "lee" {
        return match directive.name.as_str() {
            "StateChanged" => change_report::handle(&directive, &host::HostHome),
            "Endpoints" => Ok(change_report::endpoints(&directive, &host::HostHome)),
            other => Err(format!("unknown lee request {other:?}")),
        }
        .map_err(Failure::InvalidRequest);
    }
    Ok(handler::handle(&directive, &host::HostHome))
}
