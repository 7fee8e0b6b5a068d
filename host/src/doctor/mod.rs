//! `lee doctor` and the `{"lee":"doctor"}` event: lee explains itself. Setup pain and
//! "Alexa found no devices" are what users of Alexa bridges for Home Assistant complain
//! about most, and both come down to a handful of facts an operator cannot see from the
//! Alexa app: which settings lee read, whether Home Assistant answers (TLS, token,
//! version, websocket), whether every component loads on this CPU with the grants it
//! needs, and what Discovery made of every entity. The doctor checks each of them for
//! real, in the same process shape as Lambda, and prints a table (or `--json`); the exit
//! code is non-zero when a check failed. Nothing secret is printed: the token and header
//! values are only ever said to be set.
//!
//! - [`settings_check`]: which variables were used, which are deprecated aliases;
//! - [`home`]: URL, TLS and certificate expiry, 5 pings, token, version, websocket;
//! - [`components`]: each component loads for this engine and CPU; grants vs imports;
//!   the discovery explanation (run by the `alexa-smart-home` component itself);
//! - [`render`]: the table.

mod components;
mod home;
mod render;
mod report;
mod settings_check;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::capabilities::MetricsSink;
use crate::capabilities::home_assistant::HomeAssistant;
use crate::gateway::Gateway;
use crate::settings::Settings;

pub use report::{Check, Report, Status};

/// Longest `lee doctor` takes on the command line.
const CLI_BUDGET: Duration = Duration::from_secs(30);

/// The checks that need a running gateway (shared by the command and the event).
async fn with_gateway(report: &mut Report, gateway: &Gateway, deadline: Instant) {
    home::checks(report, &gateway.capabilities().home_assistant, deadline).await;
    components::checks(report, &gateway.registry());
    components::discovery(report, gateway, deadline).await;
}

/// The `{"lee":"doctor"}` event, in the shape the gateway serves host routes with
/// (registered by the CLI: the gateway does not depend on the doctor, which uses it).
pub fn event_route<'a>(
    gateway: &'a Gateway,
    deadline: Instant,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Value> + Send + 'a>> {
    Box::pin(event(gateway, deadline))
}

/// The `{"lee":"doctor"}` event: the same report, as JSON, from inside Lambda.
pub async fn event(gateway: &Gateway, deadline: Instant) -> Value {
    let mut report = Report::default();
    settings_check::check(&mut report, &|name| std::env::var(name).ok());
    with_gateway(&mut report, gateway, deadline).await;
    report.json()
}

/// `lee doctor [--components DIR] [--json]`: prints the report; returns the exit code
/// (1 when a check failed).
pub async fn run(
    components: Option<PathBuf>,
    as_json: bool,
    locate: fn(Option<PathBuf>, &Settings) -> PathBuf,
) -> i32 {
    let deadline = Instant::now() + CLI_BUDGET;
    let mut report = Report::default();
    let lookup = |name: &str| std::env::var(name).ok();
    settings_check::check(&mut report, &lookup);
    if let Ok(settings) = Settings::from_env() {
        let dir = locate(components, &settings);
        match Gateway::new(settings.clone(), &dir, MetricsSink::Discard) {
            Ok(gateway) => with_gateway(&mut report, &gateway, deadline).await,
            Err(e) => {
                report.checks.push(Check::new(
                    "components",
                    Status::Fail,
                    format!("{}: {e:#}", dir.display()),
                ));
                // Home Assistant can still be checked without components.
                match HomeAssistant::new(&settings) {
                    Ok(ha) => home::checks(&mut report, &ha, deadline).await,
                    Err(e) => report.checks.push(Check::new(
                        "home assistant",
                        Status::Fail,
                        format!("{e:#}"),
                    )),
                }
            }
        }
    }
    let out = if as_json {
        let mut text = serde_json::to_string_pretty(&report.json()).unwrap_or_default();
        text.push('\n');
        text
    } else {
        render::text(&report)
    };
    // A closed pipe (`lee doctor | head`) is no reason to panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
    i32::from(report.failed())
}
