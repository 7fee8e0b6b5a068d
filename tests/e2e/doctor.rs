//! `lee doctor` and the `{"lee":"doctor"}` Lambda event, run by the real `dist/lee` with
//! the real components against the real harness Home Assistants: every check passes on
//! the demo home with figures that match what Home Assistant itself says (its version,
//! its entities, the endpoints Discovery answers), the synthetic home's entities past
//! Amazon's 300 endpoints are listed with their rank, and each failure (bad token,
//! unreachable Home Assistant, untrusted certificate, bad setting) fails the run with a
//! message that says what to do. The token never appears in any output.

#[path = "faults/certs.rs"]
#[allow(dead_code)]
mod certs;

use std::collections::BTreeSet;
use std::process::{Command, Output};
use std::time::Duration;

use lee_e2e::alexa::discovery_event;
use lee_e2e::lambda_process::{run_lambda, tail};
use lee_e2e::leaks::assert_absent;
use lee_e2e::tls_server::{TlsFront, TlsIdentity};
use lee_e2e::{HomeAssistant, Lee, closed_port, dist_components, lee_binary};
use serde_json::{Value, json};

/// `dist/lee doctor --components dist/components [--json]` with exactly `env`.
fn doctor(env: &[(&str, &str)], as_json: bool) -> (Output, Value) {
    let mut command = Command::new(lee_binary());
    command
        .arg("doctor")
        .arg("--components")
        .arg(dist_components())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied());
    if as_json {
        command.arg("--json");
    }
    let output = command.output().expect("run lee doctor");
    let report = if as_json {
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "doctor --json is not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        })
    } else {
        Value::Null
    };
    (output, report)
}

fn harness_env(ha: &HomeAssistant) -> Vec<(&str, &str)> {
    vec![
        ("HOME_ASSISTANT_URL", ha.url.as_str()),
        ("HOME_ASSISTANT_TOKEN", ha.token.as_str()),
    ]
}

/// The check called `name` (the last one of that name).
fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().rev().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no check {name}: {report:#}"))
}

fn status<'a>(report: &'a Value, name: &str) -> &'a str {
    check(report, name)["status"].as_str().unwrap_or_default()
}

fn detail<'a>(report: &'a Value, name: &str) -> &'a str {
    check(report, name)["detail"].as_str().unwrap_or_default()
}

#[test]
fn every_check_passes_on_the_demo_home_and_matches_home_assistant() {
    let ha = HomeAssistant::get();
    let (output, report) = doctor(&harness_env(ha), true);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["ok"], true);
    for name in [
        "configuration",
        "home assistant url",
        "reachable",
        "token",
        "home assistant version",
        "websocket",
        "components",
        "discovery",
    ] {
        assert_eq!(status(&report, name), "ok", "{name}: {report:#}");
    }
    // Plain http on loopback: said, not failed.
    assert_eq!(status(&report, "tls"), "warn");
    assert_eq!(status(&report, "proactive events"), "info");
    assert!(detail(&report, "proactive events").starts_with("off"));
    let pings = check(&report, "reachable")["data"]["latency_ms"]
        .as_array()
        .expect("latencies");
    assert_eq!(pings.len(), 5, "five pings");
    assert!(pings.iter().all(|p| p.as_f64().is_some_and(|ms| ms > 0.0)));

    // The version is Home Assistant's own.
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("tls versions")
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let config: Value = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .expect("client")
        .get(format!("{}/api/config", ha.url))
        .bearer_auth(&ha.token)
        .send()
        .and_then(|r| r.json())
        .expect("GET /api/config");
    assert_eq!(
        check(&report, "home assistant version")["data"]["version"],
        config["version"]
    );

    // Every component of dist/ loads.
    let components = check(&report, "components")["data"]["components"]
        .as_array()
        .expect("components");
    assert!(components.len() >= 13, "{components:?}");
    assert!(components.iter().all(|c| c["error"].is_null()));

    // Every entity of the home is explained; the endpoints are Discovery's own.
    let discovery = &report["discovery"];
    let entities = discovery["entities"].as_array().expect("entities");
    let states = ha.states().expect("states");
    let home: BTreeSet<String> = states
        .iter()
        .filter_map(|s| s["entity_id"].as_str().map(str::to_string))
        .collect();
    let explained: BTreeSet<String> = entities
        .iter()
        .filter_map(|e| e["entity_id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(explained, home, "one line per entity of the home");
    let answer = Lee::dist().invoke(&discovery_event()).expect("discovery");
    let discovered: BTreeSet<String> = answer.response["event"]["payload"]["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter_map(|e| e["endpointId"].as_str().map(str::to_string))
        .collect();
    let endpoints: BTreeSet<String> = entities
        .iter()
        .filter_map(|e| e["endpoint"]["endpoint_id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(endpoints, discovered, "the explanation is Discovery's");
    for e in entities {
        let outcome = e["outcome"].as_str().unwrap_or_default();
        assert!(
            outcome == "endpoint" || e["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{e}"
        );
    }
    let of = |id: &str| {
        entities
            .iter()
            .find(|e| e["entity_id"] == id)
            .unwrap_or_else(|| panic!("{id} explained"))
    };
    assert_eq!(of("sun.sun")["outcome"], "unsupported_domain");
    assert_eq!(of("light.bed_light")["outcome"], "endpoint");
    assert!(
        of("light.bed_light")["endpoint"]["interfaces"]
            .as_array()
            .is_some_and(|i| i.contains(&json!("Alexa.PowerController")))
    );

    let (text, _) = doctor(&harness_env(ha), false);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains("Discovery: what each entity becomes"),
        "{text}"
    );
    assert!(text.contains("no check failed"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("sun.sun") && l.contains("unsupported_domain"))
    );
    assert_absent(&text, &ha.token, "doctor text");
    assert_absent(&report.to_string(), &ha.token, "doctor json");
    assert_absent(
        &String::from_utf8_lossy(&output.stderr),
        &ha.token,
        "stderr",
    );
}

#[test]
fn the_synthetic_home_lists_what_the_300_endpoint_cap_drops_with_its_rank() {
    let ha = HomeAssistant::synthetic();
    let (output, report) = doctor(&harness_env(ha), true);
    assert_eq!(
        status(&report, "discovery"),
        "warn",
        "{}",
        detail(&report, "discovery")
    );
    assert_eq!(output.status.code(), Some(0), "a warning is not a failure");
    let discovery = &report["discovery"];
    assert_eq!(discovery["endpoints"], 300);
    let dropped: Vec<&Value> = discovery["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter(|e| e["outcome"] == "dropped")
        .collect();
    assert!(!dropped.is_empty(), "{}", detail(&report, "discovery"));
    assert_eq!(discovery["counts"]["dropped"], dropped.len());
    let mut ranks: Vec<u64> = dropped.iter().filter_map(|e| e["rank"].as_u64()).collect();
    ranks.sort_unstable();
    assert_eq!(
        ranks.len(),
        dropped.len(),
        "every dropped entity has a rank"
    );
    assert_eq!(ranks[0], 301, "ranks continue after the 300 kept");
    assert!(
        dropped[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("300")),
        "{}",
        dropped[0]
    );
}

#[test]
fn a_rejected_token_fails_with_what_to_do_and_is_never_printed() {
    let ha = HomeAssistant::get();
    let wrong = "wrong-token-7f3e9c1d";
    let (output, report) = doctor(
        &[
            ("HOME_ASSISTANT_URL", ha.url.as_str()),
            ("HOME_ASSISTANT_TOKEN", wrong),
        ],
        true,
    );
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(report["ok"], false);
    assert_eq!(
        status(&report, "reachable"),
        "ok",
        "Home Assistant answered"
    );
    assert_eq!(status(&report, "token"), "fail");
    let why = detail(&report, "token");
    assert!(
        why.contains("rejected the token (HTTP 401)") && why.contains("long-lived access token"),
        "{why}"
    );
    assert_absent(&report.to_string(), wrong, "doctor json");
    assert_absent(&String::from_utf8_lossy(&output.stderr), wrong, "stderr");
    let (text, _) = doctor(
        &[
            ("HOME_ASSISTANT_URL", ha.url.as_str()),
            ("HOME_ASSISTANT_TOKEN", wrong),
        ],
        false,
    );
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("FAIL  token"), "{text}");
    assert_absent(&text, wrong, "doctor text");
}

#[test]
fn an_unreachable_home_assistant_fails_with_the_url_it_tried() {
    let ha = HomeAssistant::get();
    let url = format!("http://user:pass@127.0.0.1:{}", closed_port());
    let (output, report) = doctor(
        &[
            ("HOME_ASSISTANT_URL", url.as_str()),
            ("HOME_ASSISTANT_TOKEN", ha.token.as_str()),
        ],
        true,
    );
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(status(&report, "reachable"), "fail");
    assert!(
        detail(&report, "reachable").contains("cannot reach Home Assistant"),
        "{}",
        detail(&report, "reachable")
    );
    let shown = detail(&report, "home assistant url");
    assert!(
        shown.starts_with("http://127.0.0.1:") && !report.to_string().contains("pass@"),
        "the URL is shown without its userinfo: {shown}"
    );
    // Components are still checked without Home Assistant.
    assert_eq!(status(&report, "components"), "ok");
}

/// A self-signed certificate for 127.0.0.1 valid until 2030-01-01.
fn leaf_until_2030() -> TlsIdentity {
    let key = rcgen::KeyPair::generate().expect("key pair");
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("certificate parameters");
    params.not_after = rcgen::date_time_ymd(2030, 1, 1);
    let cert = params.self_signed(&key).expect("self-signed");
    TlsIdentity {
        cert_der: cert.der().to_vec(),
        cert_pem: cert.pem(),
        key_der: key.serialize_der(),
    }
}

#[test]
fn an_untrusted_certificate_fails_and_a_pinned_one_passes_with_its_expiry() {
    let ha = HomeAssistant::get();
    let leaf = leaf_until_2030();
    let front = TlsFront::start(&leaf).expect("TLS front");
    let url = front.url();
    let (output, report) = doctor(
        &[
            ("HOME_ASSISTANT_URL", url.as_str()),
            ("HOME_ASSISTANT_TOKEN", ha.token.as_str()),
        ],
        true,
    );
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(status(&report, "tls"), "fail");
    let why = detail(&report, "tls");
    assert!(
        why.contains("certificate was rejected") && why.contains("HOME_ASSISTANT_CERT_SHA256"),
        "{why}"
    );
    assert_eq!(status(&report, "token"), "skip");

    let pin = leaf.sha256_pin();
    let mut env = vec![("HOME_ASSISTANT_URL", url.as_str())];
    env.push(("HOME_ASSISTANT_TOKEN", ha.token.as_str()));
    env.push(("HOME_ASSISTANT_CERT_SHA256", pin.as_str()));
    let (output, report) = doctor(&env, true);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let tls = check(&report, "tls");
    assert_eq!(tls["status"], "ok", "{tls}");
    assert_eq!(tls["data"]["mode"], "pinned");
    assert_eq!(tls["data"]["expires_unix"], 1_893_456_000, "2030-01-01");
    assert!(
        tls["detail"]
            .as_str()
            .is_some_and(|d| d.contains("expires in"))
    );
    // REST and websocket both went through the pinned TLS front.
    assert_eq!(status(&report, "websocket"), "ok");
    assert_eq!(status(&report, "discovery"), "ok");
}

#[test]
fn bad_settings_and_deprecated_names_are_reported() {
    let ha = HomeAssistant::get();
    let (output, report) = doctor(
        &[
            ("HOME_ASSISTANT_URL", ha.url.as_str()),
            ("HOME_ASSISTANT_TOKEN", ha.token.as_str()),
            ("HOME_ASSISTANT_TIMEOUT_MS", "soon"),
        ],
        true,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(status(&report, "configuration"), "fail");
    assert!(detail(&report, "configuration").contains("HOME_ASSISTANT_TIMEOUT_MS"));

    // The docs Lambda's names work, and the doctor says which ones to move to.
    let (output, report) = doctor(
        &[
            ("BASE_URL", ha.url.as_str()),
            ("LONG_LIVED_ACCESS_TOKEN", ha.token.as_str()),
        ],
        true,
    );
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(status(&report, "configuration"), "warn");
    let why = detail(&report, "configuration");
    assert!(
        why.contains("BASE_URL (use HOME_ASSISTANT_URL)")
            && why.contains("LONG_LIVED_ACCESS_TOKEN (use HOME_ASSISTANT_TOKEN)"),
        "{why}"
    );
    assert_eq!(status(&report, "token"), "ok");
}

#[test]
fn the_lambda_doctor_event_gives_the_same_report_with_secrets_redacted() {
    let ha = HomeAssistant::get();
    let env = [
        ("HOME_ASSISTANT_URL", ha.url.as_str()),
        ("HOME_ASSISTANT_TOKEN", ha.token.as_str()),
        (
            "HOME_ASSISTANT_HEADERS",
            r#"{"CF-Access-Client-Secret": "cf-secret-93b1"}"#,
        ),
        ("LEE_LOG", "debug"),
    ];
    let run = run_lambda(
        &dist_components(),
        &env,
        vec![("req-doctor".to_string(), json!({"lee": "doctor"}))],
        Duration::from_secs(60),
    );
    let posted = run.result("req-doctor");
    assert_eq!(posted.kind, "response");
    let report = &posted.body;
    assert_eq!(report["ok"], true, "{report:#}\n{}", tail(&run.stderr));
    assert_eq!(status(report, "token"), "ok");
    assert_eq!(status(report, "websocket"), "ok");
    assert!(
        report["discovery"]["entities"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    let text = report.to_string();
    assert!(
        text.contains("HOME_ASSISTANT_HEADERS"),
        "the header setting is named"
    );
    for secret in [ha.token.as_str(), "cf-secret-93b1"] {
        assert_absent(&text, secret, "doctor event");
        assert_absent(&run.stderr, secret, "lambda stderr");
    }
}
