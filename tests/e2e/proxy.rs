//! A Home Assistant behind a proxy that checks a service-token header (Cloudflare Access)
//! and requires a client certificate (mutual TLS): `HOME_ASSISTANT_HEADERS` and
//! `HOME_ASSISTANT_CLIENT_CERT`/`_KEY` get the real `dist/lee` through to the real harness
//! Home Assistant, REST and websocket alike (Discovery reads the registries over the
//! websocket); without either, lee and `lee doctor` say which one is missing; the header's
//! value never appears in any output.

use lee_e2e::alexa::discovery_event;
use lee_e2e::leaks::assert_absent;
use lee_e2e::tls_server::{TlsFront, TlsIdentity};
use lee_e2e::{HomeAssistant, Lee};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use serde_json::{Value, json};

const SECRET: &str = "cf-access-secret-5d2a";

struct Pki {
    server: TlsIdentity,
    ca_der: Vec<u8>,
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Self {
        let ca_params = {
            let mut p = CertificateParams::new(Vec::<String>::new()).expect("ca params");
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p
        };
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key"))
            .expect("ca");
        let client_key = KeyPair::generate().expect("client key");
        let client = CertificateParams::new(vec!["lee".to_string()])
            .expect("client params")
            .signed_by(&client_key, &*ca)
            .expect("client certificate");
        let server_key = KeyPair::generate().expect("server key");
        let server = CertificateParams::new(vec!["127.0.0.1".to_string()])
            .expect("server params")
            .self_signed(&server_key)
            .expect("server certificate");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("client.pem"), client.pem()).expect("write cert");
        std::fs::write(dir.path().join("client.key"), client_key.serialize_pem()).expect("key");
        Self {
            server: TlsIdentity {
                cert_der: server.der().to_vec(),
                cert_pem: server.pem(),
                key_der: server_key.serialize_der(),
            },
            ca_der: ca.der().to_vec(),
            dir,
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }
}

fn lee(front: &TlsFront, pki: &Pki) -> Lee {
    Lee::dist()
        .env("HOME_ASSISTANT_URL", &front.url())
        .env("HOME_ASSISTANT_CERT_SHA256", &pki.server.sha256_pin())
        .env("LEE_LOG", "trace")
}

fn headers() -> String {
    json!({"CF-Access-Client-Id": "lee.access", "CF-Access-Client-Secret": SECRET}).to_string()
}

fn doctor(lee: &Lee) -> Value {
    let output = std::process::Command::new(lee_e2e::lee_binary())
        .args(["doctor", "--json", "--components"])
        .arg(&lee.components)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(lee.env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("lee doctor");
    assert_absent(&String::from_utf8_lossy(&output.stdout), SECRET, "doctor");
    serde_json::from_slice(&output.stdout).expect("doctor JSON")
}

fn status_of<'a>(report: &'a Value, name: &str) -> (&'a str, &'a str) {
    let check = report["checks"]
        .as_array()
        .and_then(|c| c.iter().rev().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no {name}: {report:#}"));
    (
        check["status"].as_str().unwrap_or_default(),
        check["detail"].as_str().unwrap_or_default(),
    )
}

#[test]
fn headers_and_a_client_certificate_get_lee_through_rest_and_websocket() {
    let _ = HomeAssistant::get();
    let pki = Pki::new();
    let front = TlsFront::start_requiring(
        &pki.server,
        &pki.ca_der,
        ("CF-Access-Client-Secret", SECRET),
    )
    .expect("proxy");
    let lee = lee(&front, &pki)
        .env("HOME_ASSISTANT_HEADERS", &headers())
        .env("HOME_ASSISTANT_CLIENT_CERT", &pki.path("client.pem"))
        .env("HOME_ASSISTANT_CLIENT_KEY", &pki.path("client.key"));
    let discovery = lee.invoke(&discovery_event()).expect("discovery");
    let endpoints = discovery.response["event"]["payload"]["endpoints"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(
        endpoints > 10,
        "{}\n{}",
        discovery.response,
        discovery.stderr
    );
    let health = lee.invoke(&json!({"lee": "health"})).expect("health");
    assert_eq!(health.response["home_assistant"]["reachable"], true);
    assert_eq!(
        health.response["configuration"]["home_assistant_headers"]["CF-Access-Client-Secret"],
        "[redacted]"
    );
    for run in [&discovery, &health] {
        assert_absent(&run.stderr, SECRET, "stderr at trace");
        assert_absent(&run.response.to_string(), SECRET, "response");
    }
    let report = doctor(&lee);
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(status_of(&report, "websocket").0, "ok");
}

#[test]
fn without_the_client_certificate_or_the_header_lee_says_which_is_missing() {
    let _ = HomeAssistant::get();
    let pki = Pki::new();
    let front = TlsFront::start_requiring(
        &pki.server,
        &pki.ca_der,
        ("CF-Access-Client-Secret", SECRET),
    )
    .expect("proxy");

    // No client certificate: the handshake is refused.
    let no_cert = lee(&front, &pki).env("HOME_ASSISTANT_HEADERS", &headers());
    let health = no_cert.invoke(&json!({"lee": "health"})).expect("health");
    let ha = &health.response["home_assistant"];
    assert_eq!(ha["reachable"], false, "{ha}");
    assert!(
        ha["tls"]["last_rejection"]
            .as_str()
            .is_some_and(|r| r.contains("HOME_ASSISTANT_CLIENT_CERT")),
        "{ha}"
    );
    let report = doctor(&no_cert);
    assert_eq!(report["ok"], false);
    let (status, detail) = status_of(&report, "tls");
    assert_eq!(status, "fail", "{report:#}");
    assert!(detail.contains("HOME_ASSISTANT_CLIENT_CERT"), "{detail}");

    // A client certificate but no access header: the proxy answers 403.
    let no_header = lee(&front, &pki)
        .env("HOME_ASSISTANT_CLIENT_CERT", &pki.path("client.pem"))
        .env("HOME_ASSISTANT_CLIENT_KEY", &pki.path("client.key"));
    let report = doctor(&no_header);
    let (status, detail) = status_of(&report, "token");
    assert_eq!(status, "fail", "{report:#}");
    assert!(
        detail.contains("HTTP 403") && detail.contains("HOME_ASSISTANT_HEADERS"),
        "{detail}"
    );
}
