//! The sandbox: a hostile component (infinite loop, memory bomb, panic, ungranted
//! service, ungranted host, cache quota) run by the real host — in one process, so
//! "the next invocation works" is checked on the same host — against the real Home
//! Assistant, plus artifact verification and interface grants.

use lee_e2e::fault_server::{Fault, FaultServer};
use lee_e2e::in_process::{self, gateway, runtime};
use lee_e2e::{
    ComponentsDir, HOSTILE_HTTP_GRANT, HomeAssistant, Lee, assert_light_off_is_denied,
    hostile_components, intent, serial, test_component,
};
use serde_json::{Value, json};

fn hostile_dir(extra_grants: &str) -> ComponentsDir {
    hostile_components(extra_grants, 500)
}

fn handle(rt: &tokio::runtime::Runtime, gateway: &lee::gateway::Gateway, event: Value) -> Value {
    in_process::handle(rt, gateway, event).response
}

#[test]
fn loop_membomb_and_panic_are_stopped_and_the_host_carries_on() {
    let dir = hostile_dir(HOSTILE_HTTP_GRANT);
    let gateway = gateway(&dir.path());
    let rt = runtime();
    let echo = || handle(&rt, &gateway, json!({"lee": "test-echo"}));
    assert_eq!(echo()["route"], "lee:test-echo");

    let started = std::time::Instant::now();
    let looped = handle(&rt, &gateway, json!({"lee": "test-loop"}));
    let elapsed = started.elapsed();
    assert!(
        looped["error"]
            .as_str()
            .unwrap_or("")
            .contains("time budget of 500 ms"),
        "{looped}"
    );
    assert!(elapsed.as_millis() < 1500, "loop stopped after {elapsed:?}");
    assert_eq!(echo()["route"], "lee:test-echo");

    let bomb = handle(&rt, &gateway, json!({"lee": "test-membomb"}));
    assert!(
        bomb["error"]
            .as_str()
            .unwrap_or("")
            .contains("memory limit of 16 MiB"),
        "{bomb}"
    );
    assert_eq!(echo()["route"], "lee:test-echo");

    let panicked = handle(&rt, &gateway, json!({"lee": "test-panic"}));
    let message = panicked["error"].as_str().unwrap_or("");
    assert!(message.contains("trapped"), "{panicked}");
    assert!(message.contains("panicked on purpose"), "{panicked}");
    // Artifacts carry no address maps (smaller .cwasm), yet the trap still names the
    // component's module and the function that trapped.
    assert!(
        message.contains("lee_test_hostile.wasm!<lee_test_hostile::Hostile as")
            && message.contains("::handle"),
        "{panicked}"
    );
    assert_eq!(echo()["route"], "lee:test-echo");

    let counters = handle(&rt, &gateway, json!({"lee": "health"}))["runtime"].clone();
    assert_eq!(counters["timeouts"], 1, "{counters}");
    assert_eq!(counters["memory_limits"], 1, "{counters}");
    assert_eq!(counters["traps"], 3, "{counters}");
    assert_eq!(counters["loads"], 1, "{counters}");
    assert_eq!(counters["instantiations"], 7, "{counters}");
}

#[test]
fn ungranted_service_is_denied_and_home_assistant_is_unchanged() {
    let _guard = serial();
    assert_light_off_is_denied(&hostile_dir(HOSTILE_HTTP_GRANT));
}

#[test]
fn http_reaches_only_granted_hosts_and_cache_has_a_quota() {
    let server =
        lee_e2e::fault_server::FaultServer::start(lee_e2e::fault_server::Fault::Status(200));
    let dir = hostile_dir(&format!(r#"http = ["127.0.0.1:{}"]"#, server.port));
    let lee = dir.lee();
    let allowed = lee
        .invoke(&json!({"lee": "test-http", "url": format!("{}/x", server.url())}))
        .unwrap();
    assert_eq!(allowed.response["status"], 200, "{}", allowed.response);
    let other_port = lee_e2e::closed_port();
    let denied = lee
        .invoke(&json!({"lee": "test-http", "url": format!("http://127.0.0.1:{other_port}/")}))
        .unwrap();
    assert_eq!(denied.response["error"], "denied", "{}", denied.response);
    assert_eq!(server.requests(), 1);

    let cache = lee.invoke(&json!({"lee": "test-cache"})).unwrap();
    assert_eq!(
        cache.response,
        json!({"first_ok": true, "second_quota_exceeded": true, "read_back": 1000})
    );
}

#[test]
fn a_component_importing_an_ungranted_interface_loads_but_every_call_is_denied() {
    // hostile imports lee:gateway/http and cache; with neither granted it still loads
    // (every interface is linked: the grants protect, not the import list), and its
    // calls are refused before anything leaves the host.
    let server = FaultServer::start(Fault::Status(200));
    let manifest = r#"
[[component]]
id = "hostile"
file = "hostile.wasm"
routes = ["lee:test-*"]
[component.grants]
read_states = true
[component.limits]
memory_mib = 16
timeout_ms = 500
"#;
    let dir = ComponentsDir::new(manifest, &[("hostile.wasm", test_component("hostile"))])
        .expect("components dir");
    let listing = Lee::command(&["components", &dir.path().to_string_lossy()]).unwrap();
    let text = String::from_utf8_lossy(&listing.stdout);
    assert_eq!(listing.status.code(), Some(0), "{text}");
    let http = format!("lee:gateway/http@{}", lee_contract::wit_version());
    assert!(
        text.contains("denied:") && text.contains(&http),
        "the listing names the denied import: {text}"
    );
    let lee = dir.lee();
    let call = lee
        .invoke(&json!({"lee": "test-http", "url": format!("{}/", server.url())}))
        .unwrap();
    assert_eq!(call.response["error"], "denied", "{}", call.response);
    assert_eq!(server.requests(), 0, "nothing left the host");
    let cache = lee.invoke(&json!({"lee": "test-cache"})).unwrap();
    assert_eq!(cache.response["first_ok"], false, "{}", cache.response);
    let echo = lee.invoke(&json!({"lee": "test-echo"})).unwrap();
    assert_eq!(echo.response["route"], "lee:test-echo", "{}", echo.response);
}

#[test]
fn tampered_artifacts_are_refused() {
    let dir = ComponentsDir::copy_of_dist().unwrap();
    let artifact = dir.path().join("scripts.cwasm");
    let mut bytes = std::fs::read(&artifact).unwrap();
    bytes.push(0);
    std::fs::write(&artifact, bytes).unwrap();
    let run = dir
        .lee()
        .invoke(&intent("RunScript", &[("ScriptName", "good night")]))
        .unwrap();
    assert_eq!(run.speech(), "Sorry, something went wrong.");
    assert!(run.stderr.contains("blake3 mismatch"), "{}", run.stderr);
    // A manifest written before blake3 was recorded: its sha256 still guards.
    let manifest = dir.path().join("lee.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(
        text.contains("blake3 = "),
        "precompile records blake3: {text}"
    );
    let older: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("blake3 = "))
        .collect();
    std::fs::write(&manifest, older.join("\n")).unwrap();
    let run = dir
        .lee()
        .invoke(&intent("RunScript", &[("ScriptName", "good night")]))
        .unwrap();
    assert_eq!(run.speech(), "Sorry, something went wrong.");
    assert!(run.stderr.contains("sha256 mismatch"), "{}", run.stderr);
}

#[test]
fn the_token_never_appears_in_logs() {
    let ha = HomeAssistant::get();
    let run = Lee::dist()
        .env("LEE_LOG", "trace")
        .invoke(&intent("ListAutomations", &[]))
        .unwrap();
    assert!(run.speech().starts_with("You have"), "{}", run.speech());
    assert!(run.stderr.len() > 200, "trace logging produced output");
    assert!(!run.stderr.contains(&ha.token), "token leaked into logs");
    let health = Lee::dist().invoke(&json!({"lee": "health"})).unwrap();
    assert!(!health.response.to_string().contains(&ha.token));
    assert_eq!(
        health.response["configuration"]["home_assistant_token"],
        "[redacted]"
    );
}
