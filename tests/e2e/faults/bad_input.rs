//! Requests that cannot be built (defect 2): an entity id over 255 bytes (a 70 KB
//! endpointId) or a token with CR/LF is bad input from the caller. It is answered
//! INVALID_VALUE, nothing is sent, and it never counts as a Home Assistant failure: a
//! caller sending junk must not open the breaker for everyone else.

use lee_e2e::fault_matrix::Entry;
use lee_e2e::fault_server::{Fault, FaultServer};
use lee_e2e::in_process::{gateway_at, handle, runtime};
use lee_e2e::{Lee, assert_alexa_valid, directive, directive_with_token, dist_components};
use serde_json::{Value, json};

/// A ReportState for an endpoint id of 70 KB (an entity id far over 255 bytes).
fn huge_endpoint_report_state() -> Value {
    let endpoint = format!("light#{}", "a".repeat(70_000));
    directive("Alexa", "ReportState", Some(&endpoint), json!({}))
}

/// A ReportState whose bearer token would inject a header.
fn crlf_token_report_state() -> Value {
    directive_with_token(
        "Alexa",
        "ReportState",
        Some("light#bed_light"),
        json!({}),
        "not-a-token\r\nX-Injected: 1",
    )
}

/// The answer to a bad request: INVALID_VALUE, schema-valid. The 70 KB endpoint id is
/// echoed as Alexa requires, which Amazon's schema bounds at 256 characters, so it is
/// validated with the echo shortened (the echo itself is checked to be the request's).
fn assert_invalid_value(response: &Value, endpoint: &str) {
    assert_eq!(
        response["event"]["header"]["name"], "ErrorResponse",
        "{response}"
    );
    assert_eq!(
        response["event"]["payload"]["type"], "INVALID_VALUE",
        "{response}"
    );
    assert_eq!(response["event"]["endpoint"]["endpointId"], endpoint);
    let mut shown = response.clone();
    shown["event"]["endpoint"]["endpointId"] = json!("light#too_long");
    assert_alexa_valid(&shown);
}

#[test]
fn requests_that_cannot_be_built_are_invalid_values_that_send_nothing_and_open_nothing() {
    // A counting pass-through to the real Home Assistant: what reaches it is seen here.
    let home = FaultServer::start(Fault::Blip {
        window: std::time::Duration::ZERO,
    });
    let gateway = gateway_at(&dist_components(), &home.url());
    let rt = runtime();
    let long = huge_endpoint_report_state();
    let long_id = long["directive"]["endpoint"]["endpointId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for _ in 0..5 {
        let outcome = handle(&rt, &gateway, long.clone());
        assert_invalid_value(&outcome.response, &long_id);
        assert_eq!(outcome.timings.ha_calls, 0);
        let outcome = handle(&rt, &gateway, crlf_token_report_state());
        assert_invalid_value(&outcome.response, "light#bed_light");
        assert_eq!(outcome.timings.ha_calls, 0);
    }
    assert_eq!(home.connections(), 0, "nothing was sent to Home Assistant");
    let health = handle(&rt, &gateway, json!({"lee": "health"})).response;
    assert_eq!(
        health["home_assistant"]["breaker"],
        json!({"state": "closed", "consecutive_failures": 0}),
        "{health}"
    );
    // Ten bad requests later, a good one is served by Home Assistant.
    let good = handle(&rt, &gateway, Entry::ReportState.event());
    assert_eq!(
        good.response["event"]["header"]["name"], "StateReport",
        "{}",
        good.response
    );
    assert_alexa_valid(&good.response);
    assert!(home.forwarded() >= 1);
}

#[test]
fn a_70_kb_endpoint_id_through_lee_invoke_is_an_invalid_value() {
    let long = huge_endpoint_report_state();
    let run = Lee::dist().invoke(&long).expect("lee invoke");
    assert_eq!(run.status, 0, "{}", run.stderr);
    let id = long["directive"]["endpoint"]["endpointId"]
        .as_str()
        .unwrap_or_default();
    assert_invalid_value(&run.response, id);
    assert_eq!(run.timings().expect("timings")["ha_calls"], 0);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
