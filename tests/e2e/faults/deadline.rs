//! Alexa's budget (defect 4): every Alexa answer leaves the process within 7.5 s of the
//! event's arrival, whatever `HOME_ASSISTANT_TIMEOUT_MS` says. On a cold start the first
//! event was already waiting when the process started, so it counts from the spawn and
//! the init phase (the warm-up against a hanging Home Assistant included) is spent from
//! its budget.

use std::time::Duration;

use lee_e2e::Lee;
use lee_e2e::fault_matrix::{ALEXA_BOUND, Entry};
use lee_e2e::fault_server::{Fault, FaultServer};
use lee_e2e::lambda_api::{LambdaProcess, RuntimeApi};

/// lee against a Home Assistant that never answers, allowed 60 s per attempt.
fn patient_lee(server: &FaultServer) -> Lee {
    Lee::dist()
        .env("HOME_ASSISTANT_URL", &server.url())
        .env("HOME_ASSISTANT_TIMEOUT_MS", "60000")
}

#[test]
fn a_60_s_timeout_does_not_stretch_alexas_budget_in_lambda_mode_or_lee_invoke() {
    let server = FaultServer::start(Fault::Hang);
    let lee = patient_lee(&server);
    // `lee invoke` at the same time, on its own thread.
    let invoke = {
        let lee = lee.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let run = lee.invoke(&Entry::ReportState.event()).expect("lee invoke");
            (run, started.elapsed())
        })
    };

    let api = RuntimeApi::start(vec![
        ("first".into(), Entry::ReportState.event()),
        ("second".into(), Entry::ListAutomations.event()),
    ]);
    let process = LambdaProcess::spawn(&lee, &api).expect("lee lambda");
    let posted = api.wait_for_results(2, Duration::from_secs(30));
    let spawned = process.spawned;
    let logs = process.finish();
    assert_eq!(posted.len(), 2, "{posted:?}\n{logs}");
    let first = &posted[0];
    assert_eq!(first.request_id, "first");
    assert_eq!(
        first.body["event"]["payload"]["type"], "BRIDGE_UNREACHABLE",
        "{}",
        first.body
    );
    let first_took = first.received.duration_since(spawned);
    assert!(
        first_took < ALEXA_BOUND,
        "the first event, counted from the spawn, answered after {first_took:?}"
    );
    // It did wait for Home Assistant (warm-up and call), as long as the budget allowed.
    assert!(first_took > Duration::from_secs(5), "{first_took:?}");
    let second = &posted[1];
    let handed_out = second.handed_out.expect("handed out");
    let second_took = second.received.duration_since(handed_out);
    assert!(
        second_took < ALEXA_BOUND,
        "second event after {second_took:?}"
    );
    assert!(
        second.body["response"]["outputSpeech"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{}",
        second.body
    );
    assert!(!logs.contains("panicked"), "{logs}");

    let (run, took) = invoke.join().expect("invoke thread");
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.response["event"]["payload"]["type"], "BRIDGE_UNREACHABLE",
        "{}",
        run.response
    );
    assert!(took < ALEXA_BOUND, "lee invoke answered after {took:?}");
}
