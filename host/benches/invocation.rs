//! Criterion benchmarks of the host itself (run with `./build.sh bench`, which builds
//! `dist/` and starts the test Home Assistant):
//!
//! - `invocation/list_automations_warm_cache`: one custom-skill event through
//!   `Gateway::handle` with the real `automations` component — fresh Store, instantiate,
//!   call, drop — while Home Assistant answers from the warm cache (0 HA round trips), so
//!   the figure is the per-invocation host + guest overhead.
//! - `invocation/report_state_live_ha`: an Alexa ReportState through the real
//!   `alexa-smart-home` component, reading the state from Home Assistant on loopback
//!   every time (warm end-to-end latency of a state report).
//! - `invocation/discovery_response_cache_hit`: a repeated Alexa Discovery answered from
//!   the host's response cache (idempotent route) with a fresh messageId.
//! - `invocation/echo_no_ha`: the same path with a component that makes no host calls.
//! - `cold_init/engine_manifest_first_component`: engine + manifest + capabilities + the
//!   first component deserialised and pre-instantiated.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lee::capabilities::MetricsSink;
use lee::gateway::Gateway;
use serde_json::{Value, json};

use support::{demo_settings as settings, event_of, repo};

fn list_automations() -> Value {
    json!({
        "version": "1.0",
        "request": {"type": "IntentRequest", "locale": "en-US",
            "intent": {"name": "ListAutomations", "slots": {}}}
    })
}

/// A components dir with dist's components plus the echo test component.
fn bench_components() -> tempfile::TempDir {
    support::components_dir(|dir, mut manifest| {
        let hostile = repo().join("target/test-components/hostile.wasm");
        std::fs::copy(&hostile, dir.join("hostile.wasm")).expect("run ./build.sh test first");
        manifest.push_str(
            "\n[[component]]\nid = \"hostile\"\nfile = \"hostile.wasm\"\nroutes = [\"lee:test-*\"]\n\
             [component.grants]\nread_states = true\nhttp = [\"localhost:9\"]\ncache_bytes = 1024\n",
        );
        manifest
    })
}

fn invocation(c: &mut Criterion) {
    let dir = bench_components();
    let gateway = Gateway::new(settings(), dir.path(), MetricsSink::Discard).expect("gateway");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let event = list_automations();
    // Warm: load the component and fill the state cache once.
    let first = rt
        .block_on(gateway.handle(event_of(&event), "warm", None))
        .expect("handled");
    assert!(
        first.response.to_string().contains("You have"),
        "Home Assistant must be running (tests/ha/ha.sh start): {}",
        first.response
    );
    let warm = rt
        .block_on(gateway.handle(event_of(&event), "check", None))
        .expect("handled");
    assert_eq!(
        warm.timings.ha_calls, 0,
        "second call must be served from the cache"
    );

    let mut group = c.benchmark_group("invocation");
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("list_automations_warm_cache", |b| {
        b.iter(|| {
            rt.block_on(gateway.handle(event_of(&event), "bench", None))
                .expect("handled")
        })
    });
    // A Smart Home ReportState: the alexa-smart-home component reads the state now
    // (one real GET to Home Assistant on loopback per iteration).
    let report_state = json!({"directive": {
        "header": {"namespace": "Alexa", "name": "ReportState", "payloadVersion": "3",
                   "messageId": "bench", "correlationToken": "bench"},
        "endpoint": {"endpointId": "light#kitchen_lights", "cookie": {}},
        "payload": {}
    }});
    let probe = rt
        .block_on(gateway.handle(event_of(&report_state), "check", None))
        .expect("handled");
    assert_eq!(
        probe.response.alexa_name().as_deref(),
        Some("StateReport"),
        "{}",
        probe.response
    );
    group.bench_function("report_state_live_ha", |b| {
        b.iter(|| {
            rt.block_on(gateway.handle(event_of(&report_state), "bench", None))
                .expect("handled")
        })
    });
    // Discovery repeated within its idempotent TTL: answered from the response cache.
    let discovery = json!({"directive": {
        "header": {"namespace": "Alexa.Discovery", "name": "Discover", "payloadVersion": "3",
                   "messageId": "bench"},
        "payload": {}
    }});
    let first = rt
        .block_on(gateway.handle(event_of(&discovery), "check", None))
        .expect("handled");
    assert!(!first.timings.cached, "{}", first.response);
    group.bench_function("discovery_response_cache_hit", |b| {
        b.iter(|| {
            let outcome = rt
                .block_on(gateway.handle(event_of(&discovery), "bench", None))
                .expect("handled");
            assert!(outcome.timings.cached);
            outcome
        })
    });
    let echo = json!({"lee": "test-echo"});
    group.bench_function("echo_no_ha", |b| {
        b.iter(|| {
            rt.block_on(gateway.handle(event_of(&echo), "bench", None))
                .expect("handled")
        })
    });
    group.finish();
}

fn cold_init(c: &mut Criterion) {
    let dir = repo().join("dist/components");
    let mut group = c.benchmark_group("cold_init");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("engine_manifest_first_component", |b| {
        b.iter(|| {
            let gateway = Gateway::new(settings(), &dir, MetricsSink::Discard).expect("gateway");
            gateway.registry().get("scripts").expect("load scripts");
            gateway
        })
    });
    group.finish();
}

criterion_group!(benches, invocation, cold_init);
criterion_main!(benches);
