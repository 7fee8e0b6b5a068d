//! The `lee` command line and Lambda mode: `components`, `precompile`, `invoke
//! --timings`, bad input, swapping a component without rebuilding the host, and the
//! `bootstrap` speaking the Lambda Runtime API.

use std::process::{Command, Stdio};
use std::time::Duration;

use lee_e2e::lambda_api::RuntimeApi;
use lee_e2e::{ComponentsDir, HomeAssistant, Lee, intent, lee_binary, serial, test_component};
use serde_json::{Value, json};

#[test]
fn components_lists_routes_grants_and_real_imports() {
    let output = Lee::command(&[
        "components",
        &lee_e2e::dist_components().to_string_lossy(),
        "--json",
    ])
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listing: Value = serde_json::from_slice(&output.stdout).unwrap();
    let scripts = listing["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "scripts")
        .expect("scripts listed")
        .clone();
    assert_eq!(scripts["routes"], json!(["skill:RunScript"]));
    assert_eq!(scripts["grants"]["services"], json!(["script.turn_on"]));
    assert_eq!(scripts["status"], "ok");
    let imports: Vec<&str> = scripts["imports"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        imports.contains(
            &format!("lee:gateway/home-assistant@{}", lee_contract::wit_version()).as_str()
        ),
        "{imports:?}"
    );
    assert!(
        !imports.iter().any(|i| i.starts_with("lee:gateway/http")),
        "{imports:?}"
    );
}

#[test]
fn inconsistent_manifests_fail_the_listing() {
    let dir = ComponentsDir::copy_of_dist().unwrap();
    let manifest = dir.path().join("lee.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    // Claim RunScript twice.
    let text = text.replace(
        "routes = [\n    \"skill:TriggerAutomation\",",
        "routes = [\n    \"skill:RunScript\",\n    \"skill:TriggerAutomation\",",
    );
    std::fs::write(&manifest, text).unwrap();
    let output = Lee::command(&["components", &dir.path().to_string_lossy()]).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("claimed by both"));
    let run = dir.lee().invoke(&intent("RunScript", &[])).unwrap();
    assert_ne!(
        run.status, 0,
        "an inconsistent manifest is refused at start"
    );
    assert!(run.stderr.contains("inconsistent"), "{}", run.stderr);
}

#[test]
fn timings_line_has_every_field() {
    let run = Lee::dist().invoke(&intent("ListAutomations", &[])).unwrap();
    let timing_lines = run
        .stderr
        .lines()
        .filter(|l| l.contains("\"total_us\""))
        .count();
    assert_eq!(timing_lines, 1, "{}", run.stderr);
    let timings = run.timings().unwrap();
    for field in [
        "init_us",
        "instantiate_us",
        "guest_us",
        "ha_us",
        "ha_calls",
        "ha_round_trips",
        "total_us",
    ] {
        assert!(timings[field].is_u64(), "{field} missing in {timings}");
    }
    assert!(timings["total_us"].as_u64() >= timings["guest_us"].as_u64());
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let mut child = Command::new(lee_binary())
        .args(["invoke", "-", "--components"])
        .arg(lee_e2e::dist_components())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"{not json").unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("event is not valid JSON"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let run = Lee::dist().invoke(&json!({"hello": "world"})).unwrap();
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("unrecognised event"), "{}", run.stderr);

    let missing = Lee::with_components("/nonexistent/components".into())
        .invoke(&json!({"lee": "health"}))
        .unwrap();
    assert_eq!(missing.status, 1);
    assert!(
        missing.stderr.contains("cannot read manifest"),
        "{}",
        missing.stderr
    );
}

#[test]
fn swapping_the_scripts_artifact_changes_behaviour_without_rebuilding_lee() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let dir = ComponentsDir::copy_of_dist().unwrap();
    let event = intent("RunScript", &[("ScriptName", "morning routine")]);
    let before = dir.lee().invoke(&event).unwrap();
    assert_eq!(before.speech(), "Running Morning Routine.");

    // Drop in a different build as scripts.wasm; `lee precompile` refreshes the .cwasm and
    // the manifest hash. The host binary is untouched.
    let host_before = std::fs::read(lee_binary()).unwrap();
    std::fs::copy(
        test_component("scripts-v2"),
        dir.path().join("scripts.wasm"),
    )
    .unwrap();
    let precompile = Lee::command(&["precompile", &dir.path().to_string_lossy()]).unwrap();
    assert!(
        precompile.status.success(),
        "{}",
        String::from_utf8_lossy(&precompile.stderr)
    );
    std::fs::remove_file(dir.path().join("scripts.wasm")).unwrap();

    let last = ha.state("script.morning_routine").unwrap()["attributes"]["last_triggered"].clone();
    let after = dir.lee().invoke(&event).unwrap();
    assert_eq!(after.speech(), "Version two started Morning Routine.");
    ha.wait_for("script.morning_routine", |s| {
        s["attributes"]["last_triggered"] != last
    })
    .unwrap();
    assert_eq!(std::fs::read(lee_binary()).unwrap(), host_before);
}

#[test]
fn lambda_mode_answers_through_the_runtime_api() {
    let ha = HomeAssistant::get();
    let api = RuntimeApi::start(vec![
        ("req-1".into(), json!({"lee": "health"})),
        ("req-2".into(), intent("ListAutomations", &[])),
        ("req-3".into(), json!({"not": "an alexa event"})),
        ("req-4".into(), intent("OrderPizza", &[])),
    ]);
    let mut child = Command::new(lee_binary())
        .arg("lambda")
        .arg("--components")
        .arg(lee_e2e::dist_components())
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{}", api.port))
        .env("AWS_LAMBDA_FUNCTION_NAME", "lee")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "stream")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "group")
        .env("HOME_ASSISTANT_URL", &ha.url)
        .env("HOME_ASSISTANT_TOKEN", &ha.token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let posted = api.wait_for_results(4, Duration::from_secs(20));
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&output.stderr);
    assert_eq!(posted.len(), 4, "results: {posted:?}\nlogs: {logs}");
    let by_id = |id: &str| posted.iter().find(|p| p.request_id == id).unwrap().clone();
    assert_eq!(by_id("req-1").kind, "response");
    assert_eq!(by_id("req-1").body["home_assistant"]["reachable"], true);
    assert_eq!(by_id("req-2").kind, "response");
    assert!(
        by_id("req-2").body["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("You have"),
        "{:?}",
        by_id("req-2")
    );
    assert_eq!(
        by_id("req-3").kind,
        "error",
        "an unrecognised event is a Lambda error"
    );
    assert_eq!(
        by_id("req-4").kind,
        "response",
        "a well-formed event never is"
    );
    assert!(!logs.contains(&ha.token), "token in Lambda logs");
    // Metrics reach CloudWatch as Embedded Metric Format lines on stdout.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let emf: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["_aws"]["CloudWatchMetrics"].is_array())
        .collect();
    assert!(
        emf.iter()
            .any(|m| m["component"] == "automations" && m["Invocations"] == json!(1.0)),
        "EMF lines: {stdout}"
    );
    assert!(
        logs.contains("\"request_id\":\"req-2\""),
        "logs carry the request id: {logs}"
    );
}
