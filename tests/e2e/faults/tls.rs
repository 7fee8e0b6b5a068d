//! Certificates (defect 3): a rejected certificate is not transient, so it is tried once
//! (one connection per call, not four), logged, and named in health
//! (`home_assistant.tls.last_rejection`); `HOME_ASSISTANT_CERT_SHA256` pins a self-signed
//! certificate, REST and websocket alike; a self-signed certificate given as
//! `HOME_ASSISTANT_CA_FILE` (a CA used as the server's own) fails with a message that
//! says to pin it instead.

use lee_e2e::fault_matrix::Entry;
use lee_e2e::fault_server::{Fault, FaultServer};
use lee_e2e::in_process::{gateway_at, handle, runtime};
use lee_e2e::tls_server::TlsFront;
use lee_e2e::{Lee, assert_alexa_valid, dist_components};
use serde_json::json;

use crate::certs;

#[test]
fn an_untrusted_certificate_is_tried_once_and_health_names_the_rejection() {
    let server = FaultServer::start(Fault::TlsUntrusted(certs::self_signed_leaf()));
    let gateway = gateway_at(&dist_components(), &server.url());
    let rt = runtime();
    let outcome = handle(&rt, &gateway, Entry::ReportState.event());
    assert_eq!(
        outcome.response["event"]["payload"]["type"], "BRIDGE_UNREACHABLE",
        "{}",
        outcome.response
    );
    assert_alexa_valid(&outcome.response);
    assert_eq!(server.connections(), 1, "one connection, no retries");
    assert_eq!(server.requests(), 0, "no request was sent over it");
    let message = outcome.response["event"]["payload"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("HOME_ASSISTANT_CERT_SHA256"), "{message}");
    let health = handle(&rt, &gateway, json!({"lee": "health"})).response;
    let ha = &health["home_assistant"];
    assert_eq!(ha["reachable"], false, "{health}");
    assert!(
        ha["tls"]["last_rejection"]
            .as_str()
            .is_some_and(|r| r.contains("not signed by a trusted CA")),
        "{health}"
    );
}

#[test]
fn a_pinned_self_signed_certificate_is_trusted_for_rest_and_websocket() {
    let leaf = certs::self_signed_leaf();
    let front = TlsFront::start(&leaf).expect("TLS front");
    let lee = Lee::dist()
        .env("HOME_ASSISTANT_URL", &front.url())
        .env("HOME_ASSISTANT_CERT_SHA256", &leaf.sha256_pin());
    let report = lee.invoke(&Entry::ReportState.event()).expect("lee invoke");
    assert_eq!(
        report.response["event"]["header"]["name"], "StateReport",
        "{}\n{}",
        report.response, report.stderr
    );
    assert_alexa_valid(&report.response);
    // Discovery also reads the registries over the websocket, through the same pin.
    let discovery = lee.invoke(&Entry::Discovery.event()).expect("lee invoke");
    assert_eq!(
        discovery.response["event"]["header"]["name"], "Discover.Response",
        "{}",
        discovery.stderr
    );
    let health = lee.invoke(&json!({"lee": "health"})).expect("lee invoke");
    let ha = &health.response["home_assistant"];
    assert_eq!(ha["reachable"], true, "{}", health.response);
    assert_eq!(ha["tls"]["certificate"], "pinned");
    assert_eq!(ha["tls"]["last_rejection"], json!(null));

    // Another certificate's pin does not let this one through.
    let other = certs::self_signed_leaf();
    let refused = Lee::dist()
        .env("HOME_ASSISTANT_URL", &front.url())
        .env("HOME_ASSISTANT_CERT_SHA256", &other.sha256_pin())
        .invoke(&Entry::ReportState.event())
        .expect("lee invoke");
    assert_eq!(
        refused.response["event"]["payload"]["type"], "BRIDGE_UNREACHABLE",
        "{}",
        refused.response
    );
}

#[test]
fn a_self_signed_server_certificate_as_ca_file_says_to_pin_it() {
    let ca = certs::self_signed_ca_as_leaf();
    let front = TlsFront::start(&ca).expect("TLS front");
    let dir = tempfile::tempdir().expect("temp dir");
    let pem = dir.path().join("home-assistant.pem");
    std::fs::write(&pem, &ca.cert_pem).expect("write PEM");
    let lee = Lee::dist()
        .env("HOME_ASSISTANT_URL", &front.url())
        .env("HOME_ASSISTANT_CA_FILE", &pem.to_string_lossy());
    let health = lee.invoke(&json!({"lee": "health"})).expect("lee invoke");
    let ha = &health.response["home_assistant"];
    assert_eq!(ha["reachable"], false, "{}", health.response);
    let rejection = ha["tls"]["last_rejection"].as_str().unwrap_or_default();
    assert!(
        rejection.contains("pin it with HOME_ASSISTANT_CERT_SHA256"),
        "{}",
        health.response
    );
    assert_eq!(front.connections(), 1, "tried once");
}
