//! Home Assistant down, slow, failing, rejecting the token or answering garbage: lee still
//! answers in the caller's protocol (schema-valid Alexa ErrorResponse, spoken skill
//! error), within Alexa's budget, without a Lambda error; retries and the circuit breaker
//! behave as specified.

use std::time::{Duration, Instant};

use lee_e2e::fault_server::{Fault, FaultServer};
use lee_e2e::{
    ComponentsDir, HOSTILE_HTTP_GRANT, Lee, assert_alexa_valid, closed_port, directive,
    directive_with_token, hostile_components, in_process, intent,
};
use serde_json::{Value, json};

/// The hostile test component stands in for an Alexa component on `alexa:*`.
fn alexa_probe_dir() -> ComponentsDir {
    hostile_components(HOSTILE_HTTP_GRANT, 7000)
}

fn report_state() -> Value {
    directive("Alexa", "ReportState", Some("light#bed_light"), json!({}))
}

fn error_type(response: &Value) -> &str {
    response["event"]["payload"]["type"].as_str().unwrap_or("")
}

#[test]
fn home_assistant_stopped_gives_bridge_unreachable_and_unhealthy_health() {
    let dir = alexa_probe_dir();
    let lee = dir.lee().env(
        "HOME_ASSISTANT_URL",
        &format!("http://127.0.0.1:{}", closed_port()),
    );
    let started = Instant::now();
    let run = lee.invoke(&report_state()).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(run.status, 0, "no Lambda error: {}", run.stderr);
    assert_eq!(
        error_type(&run.response),
        "BRIDGE_UNREACHABLE",
        "{}",
        run.response
    );
    assert_eq!(
        run.response["event"]["header"]["correlationToken"],
        "test-correlation-token"
    );
    assert_eq!(
        run.response["event"]["endpoint"]["endpointId"],
        "light#bed_light"
    );
    assert_alexa_valid(&run.response);
    assert!(
        elapsed < Duration::from_secs(8),
        "answered after {elapsed:?}"
    );

    let health = lee.invoke(&json!({"lee": "health"})).unwrap();
    assert_eq!(
        health.response["home_assistant"]["reachable"], false,
        "{}",
        health.response
    );
    assert_eq!(health.response["lee"]["status"], "degraded");
    assert!(
        health.response["home_assistant"]["error"]
            .as_str()
            .unwrap_or("")
            .contains("connection failed"),
        "{}",
        health.response
    );
}

#[test]
fn rejected_token_gives_invalid_authorization_credential() {
    let dir = alexa_probe_dir();
    let run = dir
        .lee()
        .invoke(&directive_with_token(
            "Alexa",
            "ReportState",
            Some("light#bed_light"),
            json!({}),
            "not-a-valid-token",
        ))
        .unwrap();
    assert_eq!(
        error_type(&run.response),
        "INVALID_AUTHORIZATION_CREDENTIAL",
        "{}",
        run.response
    );
    assert_alexa_valid(&run.response);

    let skill = Lee::dist()
        .env("HOME_ASSISTANT_TOKEN", "not-a-valid-token")
        .invoke(&intent("RunScript", &[("ScriptName", "good night")]))
        .unwrap();
    assert!(
        skill.speech().contains("did not accept the account link"),
        "{}",
        skill.speech()
    );
}

#[test]
fn transient_failures_are_retried_then_reported() {
    let server = FaultServer::start(Fault::Status(503));
    let run = Lee::dist()
        .env("HOME_ASSISTANT_URL", &server.url())
        .invoke(&intent("RunScript", &[("ScriptName", "good night")]))
        .unwrap();
    assert_eq!(run.status, 0);
    assert_eq!(run.speech(), "Sorry, something went wrong.");
    assert_eq!(server.requests(), 4, "one attempt and three retries");
    assert_eq!(run.timings().unwrap()["ha_calls"], 4);

    let failing = FaultServer::start(Fault::Status(500));
    let run = Lee::dist()
        .env("HOME_ASSISTANT_URL", &failing.url())
        .invoke(&intent("RunScript", &[("ScriptName", "good night")]))
        .unwrap();
    assert_eq!(failing.requests(), 1, "500 is not retried");
    assert_eq!(run.speech(), "Sorry, something went wrong.");
}

#[test]
fn slow_home_assistant_is_cut_off_by_the_timeout() {
    let server = FaultServer::start(Fault::Hang);
    let dir = alexa_probe_dir();
    let started = Instant::now();
    let run = dir
        .lee()
        .env("HOME_ASSISTANT_URL", &server.url())
        .env("HOME_ASSISTANT_TIMEOUT_MS", "300")
        .invoke(&report_state())
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        error_type(&run.response),
        "BRIDGE_UNREACHABLE",
        "{}",
        run.response
    );
    assert_alexa_valid(&run.response);
}

#[test]
fn garbage_from_home_assistant_is_an_internal_error() {
    let server = FaultServer::start(Fault::Garbage);
    let dir = alexa_probe_dir();
    let run = dir
        .lee()
        .env("HOME_ASSISTANT_URL", &server.url())
        .invoke(&report_state())
        .unwrap();
    assert_eq!(
        error_type(&run.response),
        "INTERNAL_ERROR",
        "{}",
        run.response
    );
    assert_alexa_valid(&run.response);
}

#[test]
fn circuit_breaker_opens_after_repeated_failures() {
    let dir = alexa_probe_dir();
    let port = closed_port();
    let gateway = in_process::gateway_at(&dir.path(), &format!("http://127.0.0.1:{port}"));
    let rt = in_process::runtime();
    // Each directive is one failed call (after its retries): the breaker opens only after
    // five of them, not after the retries of two.
    for n in 0..5 {
        let outcome = in_process::handle(&rt, &gateway, report_state());
        assert_eq!(error_type(&outcome.response), "BRIDGE_UNREACHABLE");
        assert!(outcome.timings.ha_calls >= 1, "call {n} was sent");
    }
    let started = Instant::now();
    let outcome = in_process::handle(&rt, &gateway, report_state());
    assert_eq!(error_type(&outcome.response), "BRIDGE_UNREACHABLE");
    assert_alexa_valid(&outcome.response);
    assert_eq!(outcome.timings.ha_calls, 0, "breaker open: nothing sent");
    assert!(
        outcome.timings.component.is_none(),
        "answered before any component ran"
    );
    assert!(started.elapsed() < Duration::from_millis(50));
    let health = in_process::handle(&rt, &gateway, json!({"lee": "health"})).response;
    assert_eq!(
        health["home_assistant"]["breaker"]["state"], "open",
        "{health}"
    );
    assert_eq!(health["home_assistant"]["reachable"], false);
}

#[test]
fn requests_for_another_skill_are_refused() {
    let run = Lee::dist()
        .env("ALEXA_SKILL_ID", "amzn1.ask.skill.someone-else")
        .invoke(&intent("RunScript", &[("ScriptName", "good night")]))
        .unwrap();
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("ALEXA_SKILL_ID"), "{}", run.stderr);
}
