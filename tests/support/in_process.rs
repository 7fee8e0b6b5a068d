//! The real host as a library, for tests that need one long-lived host serving several
//! events (as a warm Lambda does): a `Gateway` over a components directory, pointed at
//! the harness Home Assistant or at any URL.

use std::path::Path;

use lee::capabilities::MetricsSink;
use lee::event::Event;
use lee::gateway::{Gateway, Timings};
use lee::settings::Settings;
use serde_json::Value;

use crate::HomeAssistant;

/// A gateway over `dir` using Home Assistant at `url` (the harness token).
pub fn gateway_at(dir: &Path, url: &str) -> Gateway {
    // Host logs go to the test's captured output (shown when a test fails).
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn")
        .try_init();
    let token = HomeAssistant::get().token.clone();
    let settings = Settings::from_lookup(|name| match name {
        "HOME_ASSISTANT_URL" => Some(url.to_string()),
        "HOME_ASSISTANT_TOKEN" => Some(token.clone()),
        _ => None,
    })
    .expect("settings");
    Gateway::new(settings, dir, MetricsSink::Discard).expect("gateway")
}

/// A gateway over `dir` using Home Assistant at `url` with no configured token (account
/// linking only: every call uses the request's token).
pub fn gateway_without_token(dir: &Path, url: &str) -> Gateway {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn")
        .try_init();
    let settings = Settings::from_lookup(|name| match name {
        "HOME_ASSISTANT_URL" => Some(url.to_string()),
        _ => None,
    })
    .expect("settings");
    Gateway::new(settings, dir, MetricsSink::Discard).expect("gateway")
}

/// A gateway over `dir` against the harness Home Assistant.
pub fn gateway(dir: &Path) -> Gateway {
    gateway_at(dir, &HomeAssistant::get().url)
}

/// A single-threaded runtime like the one `lee` runs on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// What the gateway answered, parsed for inspection.
#[derive(Debug)]
pub struct Handled {
    pub response: Value,
    pub timings: Timings,
}

/// Handles one well-formed event.
pub fn handle(rt: &tokio::runtime::Runtime, gateway: &Gateway, event: Value) -> Handled {
    let outcome = rt
        .block_on(gateway.handle(Event::from_json(event), "in-process-test", None))
        .expect("a well-formed event is always answered");
    Handled {
        response: outcome.response.json(),
        timings: outcome.timings,
    }
}

/// A custom-skill response's spoken text.
pub fn speech(outcome: &Handled) -> String {
    outcome.response["response"]["outputSpeech"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
