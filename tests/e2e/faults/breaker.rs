//! The circuit breaker (defect 1): it counts one failure per logical call after that
//! call's retries, not one per attempt; it opens after five failed calls for 5 s and a
//! failed probe doubles that; the cold-start warm-up's failures never feed it, so a Home
//! Assistant that blips while a container starts does not lock out the first minute of
//! directives.

use std::time::{Duration, Instant};

use lee::gateway::Gateway;
use lee_e2e::fault_matrix::{ALEXA_BOUND, Entry};
use lee_e2e::fault_server::{Fault, FaultServer};
use lee_e2e::in_process::{Handled, gateway_at, handle, runtime, speech};
use lee_e2e::lambda_api::{LambdaProcess, RuntimeApi};
use lee_e2e::{Lee, assert_alexa_valid, dist_components};
use serde_json::{Value, json};

fn breaker(rt: &tokio::runtime::Runtime, gateway: &Gateway) -> Value {
    handle(rt, gateway, json!({"lee": "health"})).response["home_assistant"]["breaker"].clone()
}

fn error_type(outcome: &Handled) -> &str {
    outcome.response["event"]["payload"]["type"]
        .as_str()
        .unwrap_or_default()
}

#[test]
fn five_failed_calls_open_the_breaker_whatever_their_retries_and_the_warm_up() {
    let server = FaultServer::start(Fault::Status(503));
    let gateway = gateway_at(&dist_components(), &server.url());
    let rt = runtime();
    // Two cold-start warm-ups fail entirely (states, registries, config): none counts.
    for _ in 0..2 {
        rt.block_on(gateway.warm(Duration::from_secs(2)));
    }
    assert!(
        !gateway.capabilities().home_assistant.breaker_open(),
        "warm-up failures opened the breaker: {}",
        breaker(&rt, &gateway)
    );
    assert!(server.requests() >= 6, "the warm-ups reached the server");
    let sent_before = server.requests();
    // Each directive is one call of four attempts (503 is retried thrice): five of them,
    // twenty attempts, open the breaker, not the fifth attempt.
    for n in 1..=5 {
        let outcome = handle(&rt, &gateway, Entry::ReportState.event());
        assert_eq!(
            error_type(&outcome),
            "INTERNAL_ERROR",
            "{}",
            outcome.response
        );
        assert_eq!(
            outcome.timings.ha_calls, 4,
            "directive {n}: one call, 4 attempts"
        );
        assert_eq!(
            server.requests(),
            sent_before + 4 * n,
            "directive {n} went out"
        );
    }
    let started = Instant::now();
    let refused = handle(&rt, &gateway, Entry::ReportState.event());
    assert!(started.elapsed() < Duration::from_millis(100));
    assert_eq!(
        error_type(&refused),
        "BRIDGE_UNREACHABLE",
        "{}",
        refused.response
    );
    assert_alexa_valid(&refused.response);
    assert_eq!(
        refused.timings.ha_calls, 0,
        "the open breaker sends nothing"
    );
    assert!(refused.timings.component.is_none(), "no component ran");
    assert_eq!(server.requests(), sent_before + 20);
    let state = breaker(&rt, &gateway);
    assert_eq!(state["state"], "open", "{state}");
    assert_eq!(state["open_for_ms"], 5000, "first opening: 5 s; {state}");
    // The skill path is refused by the breaker too, with speech.
    let skill = handle(&rt, &gateway, Entry::ListAutomations.event());
    assert!(speech(&skill).contains("can't reach"), "{}", skill.response);
    assert_eq!(server.requests(), sent_before + 20);
}

#[test]
fn a_failed_probe_doubles_the_open_time_and_a_success_closes_it() {
    // Nothing listens: every call fails at once (after its retries).
    let port = lee_e2e::closed_port();
    let gateway = gateway_at(&dist_components(), &format!("http://127.0.0.1:{port}"));
    let rt = runtime();
    for n in 1..=5 {
        let failed = handle(&rt, &gateway, Entry::ReportState.event());
        assert_eq!(error_type(&failed), "BRIDGE_UNREACHABLE");
        assert!(
            failed.timings.ha_calls >= 1,
            "directive {n} was refused: the breaker opened before five failed calls"
        );
    }
    let state = breaker(&rt, &gateway);
    assert_eq!(state["open_for_ms"], 5000, "{state}");
    let retry_in = Duration::from_millis(state["retry_in_ms"].as_u64().unwrap_or(5000));
    std::thread::sleep(retry_in + Duration::from_millis(50));
    // The one probe fails: open again, for twice as long.
    let probe = handle(&rt, &gateway, Entry::ReportState.event());
    assert!(probe.timings.ha_calls >= 1, "the probe was sent");
    let state = breaker(&rt, &gateway);
    assert_eq!(state["state"], "open", "{state}");
    assert_eq!(
        state["open_for_ms"], 10_000,
        "a failed probe doubles it: {state}"
    );
    let refused = handle(&rt, &gateway, Entry::ReportState.event());
    assert_eq!(refused.timings.ha_calls, 0);
}

/// A Home Assistant restarting while a container starts: the warm-up meets only 503s,
/// the directives that come after the restart must reach it.
#[test]
fn a_blip_during_the_lambda_warm_up_does_not_lock_out_the_directives_after_it() {
    let window = Duration::from_millis(1500);
    let server = FaultServer::start(Fault::Blip { window });
    let lee = Lee::dist().env("HOME_ASSISTANT_URL", &server.url());
    // Traffic comes after the restart (held until 2 s after the runtime API started).
    let after = window + Duration::from_millis(500);
    let api = RuntimeApi::start_held(vec![
        ("rs".into(), Entry::ReportState.event(), after),
        ("discovery".into(), Entry::Discovery.event(), Duration::ZERO),
        (
            "skill".into(),
            Entry::ListAutomations.event(),
            Duration::ZERO,
        ),
    ]);
    let process = LambdaProcess::spawn(&lee, &api).expect("lee lambda");
    let posted = api.wait_for_results(3, Duration::from_secs(30));
    let spawned = process.spawned;
    let logs = process.finish();
    assert_eq!(posted.len(), 3, "results: {posted:?}\nlogs: {logs}");
    assert!(
        server.requests() >= 3,
        "the warm-up met the blip: {} requests answered 503",
        server.requests()
    );
    let by_id = |id: &str| {
        posted
            .iter()
            .find(|p| p.request_id == id)
            .unwrap_or_else(|| panic!("no result for {id}: {posted:?}"))
    };
    let rs = by_id("rs");
    assert_eq!(
        rs.body["event"]["header"]["name"], "StateReport",
        "{}\n{logs}",
        rs.body
    );
    assert_alexa_valid(&rs.body);
    assert!(
        server.forwarded() >= 1,
        "the directives reached Home Assistant"
    );
    let discovery = by_id("discovery");
    assert_eq!(
        discovery.body["event"]["header"]["name"], "Discover.Response",
        "{}",
        discovery.body
    );
    assert!(
        discovery.body["event"]["payload"]["endpoints"]
            .as_array()
            .is_some_and(|e| e.len() > 50),
        "registries came over the websocket through the blip server"
    );
    let skill = by_id("skill");
    assert!(
        skill.body["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("You have"),
        "{}",
        skill.body
    );
    // The first event counts from the spawn, the others from their hand-out.
    assert!(rs.received.duration_since(spawned) < ALEXA_BOUND);
    for p in [discovery, skill] {
        let handed_out = p.handed_out.expect("handed out");
        assert!(p.received.duration_since(handed_out) < ALEXA_BOUND, "{p:?}");
    }
    assert!(!logs.contains("panicked"), "{logs}");
}
