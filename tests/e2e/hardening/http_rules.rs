//! The `http` import's own rules, whatever the grant: no host-owned headers, ports 80/443
//! unless the grant names one, no private address behind a granted name unless
//! `allow_private`, IP literals only as granted literals. A recording server on
//! 127.0.0.1 shows what reached it.

use lee_e2e::ComponentsDir;
use lee_e2e::echo_server::{EchoServer, Reply};
use lee_e2e::hostile;
use lee_e2e::in_process::{self, gateway, runtime};
use serde_json::{Value, json};

/// The host (in process) with hostile under `http` grant entries `hosts` (a TOML array)
/// and `extra` grant lines.
struct Probe {
    rt: tokio::runtime::Runtime,
    gateway: lee::gateway::Gateway,
    _dir: ComponentsDir,
}

impl Probe {
    fn new(hosts: &str, extra: &str) -> Self {
        let dir = hostile::under(
            &format!("read_states = true\ncache_bytes = 4096\nhttp = {hosts}\n{extra}"),
            5000,
        );
        Self {
            rt: runtime(),
            gateway: gateway(&dir.path()),
            _dir: dir,
        }
    }

    /// `lee:test-http` with `request` (url, method, headers, body).
    fn send(&self, mut request: Value) -> Value {
        request["lee"] = json!("test-http");
        in_process::handle(&self.rt, &self.gateway, request).response
    }

    fn get(&self, url: &str) -> Value {
        self.send(json!({ "url": url }))
    }
}

fn server() -> EchoServer {
    EchoServer::start(Reply::json(r#"{"echo":true}"#))
}

#[test]
fn host_owned_and_hop_by_hop_headers_are_refused_before_anything_is_sent() {
    let server = server();
    let probe = Probe::new(&format!(r#"["127.0.0.1:{}"]"#, server.port), "");
    let url = format!("{}/h", server.url());
    for name in [
        "Host",
        "host",
        " HOST",
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "Proxy-Connection",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Content-Length",
    ] {
        let answer = probe.send(json!({
            "url": url,
            "method": "POST",
            "headers": [["X-Fine", "1"], [name, "evil.example"]],
            "body": "payload",
        }));
        assert_eq!(answer["error"], "invalid-request", "{name:?}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap_or_default()
                .contains("set by the host"),
            "{name:?}: {answer}"
        );
    }
    assert!(
        server.requests().is_empty(),
        "a refused request never leaves the host: {:?}",
        server.requests()
    );

    // The same request without the host-owned header goes out, with the host's own
    // Host and Content-Length.
    let answer = probe.send(json!({
        "url": url,
        "method": "POST",
        "headers": [["X-Api-Key", "k-123"], ["Accept", "application/json"]],
        "body": "payload",
    }));
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(answer["body"], r#"{"echo":true}"#);
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let request = &seen[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/h")
    );
    assert_eq!(request.header_values("x-api-key"), ["k-123"]);
    assert_eq!(
        request.header_values("host"),
        [format!("127.0.0.1:{}", server.port)]
    );
    assert_eq!(request.header_values("content-length"), ["7"]);
    assert_eq!(request.body, b"payload");
}

#[test]
fn a_grant_without_a_port_allows_only_80_and_443() {
    let server = server();
    let portless = Probe::new(r#"["127.0.0.1"]"#, "");
    let denied = portless.get(&format!("{}/", server.url()));
    assert_eq!(denied["error"], "denied", "{denied}");
    assert!(
        denied["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("127.0.0.1:{}", server.port)),
        "{denied}"
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // Port 80 is allowed by the grant: the request goes out (and fails to connect, or
    // gets whatever listens there), it is not denied.
    for url in ["http://127.0.0.1/", "http://127.0.0.1:80/"] {
        let answer = portless.get(url);
        assert_ne!(answer["error"], "denied", "{url}: {answer}");
    }

    let with_port = Probe::new(&format!(r#"["127.0.0.1:{}"]"#, server.port), "");
    assert_eq!(with_port.get(&format!("{}/", server.url()))["status"], 200);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_granted_name_resolving_to_loopback_is_refused_unless_allow_private() {
    let server = server();
    let url = format!("http://localhost:{}/p", server.port);
    let hosts = format!(r#"["localhost:{}"]"#, server.port);

    let public_only = Probe::new(&hosts, "");
    let refused = public_only.get(&url);
    assert_eq!(refused["error"], "denied", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("resolves only to loopback, private or link-local addresses"),
        "{refused}"
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());

    let private = Probe::new(&hosts, "allow_private = true");
    let answer = private.get(&url);
    assert_eq!(answer["status"], 200, "{answer}");
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].header_values("host"),
        [format!("localhost:{}", server.port)]
    );
}

#[test]
fn an_ip_literal_is_reached_only_when_granted_as_that_literal() {
    let server = server();
    let url = format!("{}/ip", server.url());
    // A pattern that happens to end like the address does not grant it, nor does a
    // name that resolves to it, even with allow_private.
    for (hosts, extra) in [
        (format!(r#"["*.0.0.1:{}"]"#, server.port), ""),
        (
            format!(r#"["localhost:{}"]"#, server.port),
            "allow_private = true",
        ),
        (
            format!(r#"["*.0.1:{}"]"#, server.port),
            "allow_private = true",
        ),
    ] {
        let answer = Probe::new(&hosts, extra).get(&url);
        assert_eq!(answer["error"], "denied", "{hosts}: {answer}");
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());

    // Granted as the literal, the address may be private (the operator named it).
    let answer = Probe::new(&format!(r#"["127.0.0.1:{}"]"#, server.port), "").get(&url);
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(server.requests().len(), 1);
}
