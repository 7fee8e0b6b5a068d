//! Criterion benchmarks of Alexa Smart Home through the real host and the real
//! `alexa-smart-home` component (run with `./build.sh bench`, which builds `dist/` and
//! starts both harness Home Assistants):
//!
//! - `alexa_discovery/demo` and `alexa_discovery/synthetic_1000`: gateway time of one
//!   Discovery (`Gateway::handle`, the component runs every time: the host response
//!   cache is switched off) in a warm container, i.e. with the host's state and
//!   registry caches filled as the Lambda init phase leaves them. The synthetic home is
//!   `LEE_HA_HOME=synthetic tests/ha/ha.sh start` (1,000 YAML entities); it is skipped
//!   with a note when that instance is not running.
//! - `alexa_directive/<family>`: host overhead per directive: each iteration is one
//!   directive end to end against the demo Home Assistant (real service call, changed
//!   states, properties), and the time counted is the gateway time minus the time spent
//!   waiting for Home Assistant (`Timings::ha_us`). `report_state` reads the state now.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lee::capabilities::MetricsSink;
use lee::event::Event;
use lee::gateway::Gateway;
use lee::settings::Settings;
use serde_json::{Value, json};

/// dist's components with the Discovery response cache switched off.
fn components_without_response_cache() -> tempfile::TempDir {
    support::components_dir(|_, manifest| {
        manifest
            .lines()
            .filter(|l| !l.starts_with("idempotent_routes"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn discover() -> Value {
    json!({"directive": {
        "header": {"namespace": "Alexa.Discovery", "name": "Discover", "payloadVersion": "3",
                   "messageId": "bench"},
        "payload": {}
    }})
}

fn directive(
    namespace: &str,
    name: &str,
    endpoint: &str,
    instance: Option<&str>,
    payload: Value,
) -> Value {
    let mut header = json!({"namespace": namespace, "name": name, "payloadVersion": "3",
        "messageId": "bench", "correlationToken": "bench"});
    if let Some(instance) = instance {
        header["instance"] = json!(instance);
    }
    json!({"directive": {"header": header,
        "endpoint": {"endpointId": endpoint, "cookie": {}}, "payload": payload}})
}

fn bench_discovery(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    settings: Settings,
    components: &std::path::Path,
) {
    let gateway = Gateway::new(settings, components, MetricsSink::Discard).expect("gateway");
    let rt = runtime();
    // Fill the caches (as the Lambda init phase does) and check the answer.
    let first = rt
        .block_on(gateway.handle(Event::from_json(discover()), "warm", None))
        .expect("handled");
    let endpoints = first.response.json()["event"]["payload"]["endpoints"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(endpoints > 0, "{name}: no endpoints: {}", first.response);
    let warm = rt
        .block_on(gateway.handle(Event::from_json(discover()), "check", None))
        .expect("handled");
    assert!(!warm.timings.cached, "the response cache must be off");
    assert_eq!(warm.timings.ha_calls, 0, "{name}: caches must be warm");
    eprintln!(
        "alexa_discovery/{name}: {endpoints} endpoints, {} bytes",
        warm.response.text().len()
    );
    group.bench_function(name, |b| {
        b.iter(|| {
            let outcome = rt
                .block_on(gateway.handle(Event::from_json(discover()), "bench", None))
                .expect("handled");
            debug_assert!(!outcome.timings.cached);
            outcome
        })
    });
}

fn discovery(c: &mut Criterion) {
    let dir = components_without_response_cache();
    let mut group = c.benchmark_group("alexa_discovery");
    group.measurement_time(Duration::from_secs(10));
    group.sample_size(30);
    bench_discovery(&mut group, "demo", support::demo_settings(), dir.path());
    match support::settings_for("target/ha-synthetic/ha.env") {
        Some(settings) => bench_discovery(&mut group, "synthetic_1000", settings, dir.path()),
        None => eprintln!(
            "alexa_discovery/synthetic_1000 skipped: start it with \
             LEE_HA_HOME=synthetic tests/ha/ha.sh start"
        ),
    }
    group.finish();
}

/// One directive per interface family, each against a demo entity that supports it.
fn directives() -> Vec<(&'static str, Value)> {
    vec![
        (
            "report_state",
            directive(
                "Alexa",
                "ReportState",
                "light#kitchen_lights",
                None,
                json!({}),
            ),
        ),
        (
            "power_turn_on",
            directive(
                "Alexa.PowerController",
                "TurnOn",
                "switch#decorative_lights",
                None,
                json!({}),
            ),
        ),
        (
            "brightness_set",
            directive(
                "Alexa.BrightnessController",
                "SetBrightness",
                "light#kitchen_lights",
                None,
                json!({"brightness": 60}),
            ),
        ),
        (
            "color_set",
            directive(
                "Alexa.ColorController",
                "SetColor",
                "light#living_room_rgbww_lights",
                None,
                json!({"color": {"hue": 120.0, "saturation": 0.5, "brightness": 0.8}}),
            ),
        ),
        (
            "thermostat_set_target",
            directive(
                "Alexa.ThermostatController",
                "SetTargetTemperature",
                "climate#heatpump",
                None,
                json!({"targetSetpoint": {"value": 21.0, "scale": "CELSIUS"}}),
            ),
        ),
        (
            "range_set_cover_position",
            directive(
                "Alexa.RangeController",
                "SetRangeValue",
                "cover#hall_window",
                Some("cover.position"),
                json!({"rangeValue": 30}),
            ),
        ),
        (
            "mode_set_input_select",
            directive(
                "Alexa.ModeController",
                "SetMode",
                "input_select#house_mode",
                Some("input_select.option"),
                json!({"mode": "option.Home"}),
            ),
        ),
        (
            "lock_lock",
            directive(
                "Alexa.LockController",
                "Lock",
                "lock#front_door",
                None,
                json!({}),
            ),
        ),
        (
            "speaker_set_volume",
            directive(
                "Alexa.Speaker",
                "SetVolume",
                "media_player#living_room",
                None,
                json!({"volume": 30}),
            ),
        ),
        (
            "scene_activate",
            directive(
                "Alexa.SceneController",
                "Activate",
                "scene#relax",
                None,
                json!({}),
            ),
        ),
    ]
}

fn per_directive(c: &mut Criterion) {
    let dir = components_without_response_cache();
    let gateway =
        Gateway::new(support::demo_settings(), dir.path(), MetricsSink::Discard).expect("gateway");
    let rt = runtime();
    let mut group = c.benchmark_group("alexa_directive");
    group.measurement_time(Duration::from_secs(6));
    group.sample_size(30);
    for (name, event) in directives() {
        let probe = rt
            .block_on(gateway.handle(support::event_of(&event), "check", None))
            .expect("handled");
        let answer = probe.response.alexa_name().unwrap_or_default();
        assert!(
            answer != "ErrorResponse" && !answer.is_empty(),
            "{name}: {}",
            probe.response
        );
        // Gateway time minus the Home Assistant wait, summed over the iterations.
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                let mut own = Duration::ZERO;
                for _ in 0..iterations {
                    let outcome = rt
                        .block_on(gateway.handle(support::event_of(&event), "bench", None))
                        .expect("handled");
                    let total = Duration::from_micros(outcome.timings.total_us);
                    own += total.saturating_sub(Duration::from_micros(outcome.timings.ha_us));
                }
                own
            })
        });
    }
    group.finish();
}

criterion_group!(benches, discovery, per_directive);
criterion_main!(benches);
