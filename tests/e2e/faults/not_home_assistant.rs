//! When what answers is not Home Assistant, or what arrives is not a well-formed event
//! (defects 16 and 20): a redirect is not followed and health says where it pointed;
//! Discovery against a 404 is BRIDGE_UNREACHABLE (the URL is wrong), not
//! NO_SUCH_ENDPOINT; a malformed custom-skill request is answered with speech and a
//! malformed directive with an Alexa ErrorResponse; only an event of no protocol at all
//! is a Lambda error.

use std::time::Duration;

use lee_e2e::fault_matrix::Entry;
use lee_e2e::fault_server::{Fault, FaultServer};
use lee_e2e::lambda_api::{LambdaProcess, RuntimeApi};
use lee_e2e::{Lee, assert_alexa_valid};
use serde_json::{Value, json};

#[test]
fn a_redirect_is_not_followed_and_health_says_where_it_pointed() {
    let server = FaultServer::start(Fault::Redirect);
    let lee = Lee::dist().env("HOME_ASSISTANT_URL", &server.url());
    let health = lee.invoke(&json!({"lee": "health"})).expect("lee invoke");
    let ha = &health.response["home_assistant"];
    assert_eq!(ha["reachable"], false, "{}", health.response);
    let error = ha["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("HTTP 302 redirect to http://127.0.0.1:"),
        "{error}"
    );
    assert!(
        error.contains("/redirected/api/"),
        "names the target: {error}"
    );
    let report = lee.invoke(&Entry::ReportState.event()).expect("lee invoke");
    assert_eq!(
        report.response["event"]["payload"]["type"], "INTERNAL_ERROR",
        "{}",
        report.response
    );
    assert_eq!(server.requests(), 2, "one request each, no retry");
    assert_eq!(
        server.redirects_followed(),
        0,
        "nobody went where it pointed"
    );
}

#[test]
fn discovery_against_a_404_says_the_url_is_wrong_not_that_endpoints_are_missing() {
    let server = FaultServer::start(Fault::Status(404));
    let run = Lee::dist()
        .env("HOME_ASSISTANT_URL", &server.url())
        .invoke(&Entry::Discovery.event())
        .expect("lee invoke");
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_alexa_valid(&run.response);
    assert_eq!(
        run.response["event"]["payload"]["type"], "BRIDGE_UNREACHABLE",
        "{}",
        run.response
    );
    let message = run.response["event"]["payload"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("may not point to Home Assistant"),
        "{message}"
    );
}

#[test]
fn health_does_not_call_a_200_that_is_not_home_assistant_reachable() {
    let server = FaultServer::start(Fault::Garbage);
    let health = Lee::dist()
        .env("HOME_ASSISTANT_URL", &server.url())
        .invoke(&json!({"lee": "health"}))
        .expect("lee invoke");
    assert_eq!(
        health.response["home_assistant"]["reachable"], false,
        "{}",
        health.response
    );
}

/// A custom-skill request that has `request` but no intent name.
fn malformed_skill_request() -> Value {
    let mut event = lee_e2e::intent("ListAutomations", &[]);
    if let Some(intent) = event["request"]["intent"].as_object_mut() {
        intent.remove("name");
    }
    event
}

/// A directive without a header name.
fn malformed_directive() -> Value {
    let mut event = Entry::ReportState.event();
    if let Some(header) = event["directive"]["header"].as_object_mut() {
        header.remove("name");
    }
    event
}

fn assert_skill_speech(answer: &Value) {
    assert_eq!(answer["version"], "1.0", "{answer}");
    assert_eq!(
        answer["response"]["outputSpeech"]["text"], "Sorry, I didn't understand that request.",
        "{answer}"
    );
}

fn assert_invalid_directive(answer: &Value) {
    assert_alexa_valid(answer);
    assert_eq!(
        answer["event"]["header"]["name"], "ErrorResponse",
        "{answer}"
    );
    assert_eq!(
        answer["event"]["payload"]["type"], "INVALID_DIRECTIVE",
        "{answer}"
    );
    assert_eq!(
        answer["event"]["header"]["correlationToken"],
        "test-correlation-token"
    );
}

#[test]
fn malformed_events_are_answered_in_their_protocol_and_only_protocol_less_ones_fail() {
    let lee = Lee::dist();
    let skill = lee.invoke(&malformed_skill_request()).expect("lee invoke");
    assert_eq!(skill.status, 0, "{}", skill.stderr);
    assert_skill_speech(&skill.response);
    let directive = lee.invoke(&malformed_directive()).expect("lee invoke");
    assert_eq!(directive.status, 0, "{}", directive.stderr);
    assert_invalid_directive(&directive.response);
    let nothing = lee
        .invoke(&json!({"neither": "alexa nor lee"}))
        .expect("lee invoke");
    assert_eq!(
        nothing.status, 2,
        "no protocol: an error, {}",
        nothing.stderr
    );

    let api = RuntimeApi::start(vec![
        ("skill".into(), malformed_skill_request()),
        ("directive".into(), malformed_directive()),
        ("nothing".into(), json!({"neither": "alexa nor lee"})),
    ]);
    let process = LambdaProcess::spawn(&lee, &api).expect("lee lambda");
    let posted = api.wait_for_results(3, Duration::from_secs(20));
    let logs = process.finish();
    assert_eq!(posted.len(), 3, "{posted:?}\n{logs}");
    assert_eq!(posted[0].kind, "response");
    assert_skill_speech(&posted[0].body);
    assert_eq!(posted[1].kind, "response");
    assert_invalid_directive(&posted[1].body);
    assert_eq!(posted[2].kind, "error", "{:?}", posted[2]);
    assert!(!logs.contains("panicked"), "{logs}");
}
