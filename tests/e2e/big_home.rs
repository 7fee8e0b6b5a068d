//! Big homes (issue 10): Discovery and a custom-skill intent succeed against generated
//! homes of 30,000 small entities (~12 MB of states) and of 3,000 entities with ~4 KB
//! of attributes each, through the real `dist/lee` and components, cold (`lee invoke`)
//! and in Lambda mode (init warm-up, then the event); the whole process stays within
//! 96 MiB of resident memory and the component within its limit. A component whose
//! memory limit a home exceeds fails with an error naming that limit.
//! The figures themselves are printed by `cargo bench -p lee-e2e --bench big_home`.

use std::process::Command;
use std::sync::OnceLock;

use lee_e2e::lambda_api::RuntimeApi;
use lee_e2e::peak::{self, Measured};
use lee_e2e::static_home::{HomeProcess, Shape, TOKEN};
use lee_e2e::{ComponentsDir, assert_alexa_valid, dist_components, lee_binary, test_component};
use serde_json::{Value, json};

/// The ceiling for the whole process on the largest home.
const PEAK_RSS_MIB: f64 = 96.0;

fn home(shape: Shape) -> HomeProcess {
    HomeProcess::spawn(env!("CARGO_BIN_EXE_static-home").as_ref(), shape).expect("static-home")
}

fn small_30k() -> &'static HomeProcess {
    static HOME: OnceLock<HomeProcess> = OnceLock::new();
    HOME.get_or_init(|| home(Shape::SMALL_30K))
}

fn large_3k() -> &'static HomeProcess {
    static HOME: OnceLock<HomeProcess> = OnceLock::new();
    HOME.get_or_init(|| home(Shape::LARGE_3K))
}

fn discovery() -> Value {
    json!({"directive": {"header": {"namespace": "Alexa.Discovery", "name": "Discover",
        "payloadVersion": "3", "messageId": "big"}, "payload": {}}})
}

fn list_automations() -> Value {
    json!({"version": "1.0", "request": {"type": "IntentRequest", "locale": "en-US",
        "intent": {"name": "ListAutomations", "slots": {}}}})
}

fn invoke(home: &HomeProcess, components: &std::path::Path, event: &Value) -> (Measured, Value) {
    let mut command = Command::new(lee_binary());
    command
        .args(["invoke", "-", "--timings", "--components"])
        .arg(components)
        .env_clear()
        .env("HOME_ASSISTANT_URL", home.url())
        .env("HOME_ASSISTANT_TOKEN", TOKEN);
    let run = peak::run(command, event.to_string().as_bytes()).expect("lee invoke");
    let answer = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run, answer)
}

/// `lee lambda` with one event: the answer and the process's peak RSS.
// The child is reaped by `peak::wait4`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn lambda(home: &HomeProcess, event: &Value) -> (Value, f64) {
    let api = RuntimeApi::start(vec![("big".into(), event.clone())]);
    let mut child = Command::new(lee_binary())
        .arg("lambda")
        .arg("--components")
        .arg(dist_components())
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{}", api.port))
        .env("AWS_LAMBDA_FUNCTION_NAME", "lee")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "s")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "g")
        .env("HOME_ASSISTANT_URL", home.url())
        .env("HOME_ASSISTANT_TOKEN", TOKEN)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("lee lambda");
    let posted = api.wait_for_results(1, std::time::Duration::from_secs(30));
    let _ = child.kill();
    let (_, peak_kib) = peak::wait4(&child).expect("wait4");
    let answer = posted
        .first()
        .map(|p| p.body.clone())
        .unwrap_or(Value::Null);
    (answer, peak_kib as f64 / 1024.0)
}

fn endpoints(answer: &Value) -> usize {
    answer
        .pointer("/event/payload/endpoints")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

#[test]
fn discovery_of_30_000_entities_succeeds_within_96_mib() {
    let home = small_30k();
    let (run, answer) = invoke(home, &dist_components(), &discovery());
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_alexa_valid(&answer);
    assert_eq!(endpoints(&answer), 300, "Amazon's limit, filled");
    let timings: Value = run
        .stderr
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    let guest_kib = timings["guest_memory_kib"].as_u64().unwrap_or(u64::MAX);
    assert!(
        guest_kib < 64 * 1024,
        "component memory {guest_kib} KiB over its 64 MiB"
    );
    assert!(
        run.peak_rss_mib() <= PEAK_RSS_MIB,
        "lee invoke peaked at {:.1} MiB",
        run.peak_rss_mib()
    );
    let (answer, peak) = lambda(home, &discovery());
    assert_eq!(endpoints(&answer), 300, "{answer}");
    assert!(peak <= PEAK_RSS_MIB, "lee lambda peaked at {peak:.1} MiB");
}

#[test]
fn discovery_of_3_000_entities_with_large_attributes_succeeds() {
    let home = large_3k();
    let (run, answer) = invoke(home, &dist_components(), &discovery());
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_alexa_valid(&answer);
    assert_eq!(endpoints(&answer), 300);
    assert!(
        run.peak_rss_mib() <= PEAK_RSS_MIB,
        "{:.1} MiB",
        run.peak_rss_mib()
    );
}

#[test]
fn a_skill_intent_works_in_both_homes() {
    for home in [small_30k(), large_3k()] {
        let (run, answer) = invoke(home, &dist_components(), &list_automations());
        assert_eq!(run.status, 0, "{}", run.stderr);
        let speech = answer["response"]["outputSpeech"]["text"]
            .as_str()
            .unwrap_or_default();
        assert!(speech.starts_with("You have "), "{answer}");
        assert!(
            run.peak_rss_mib() <= PEAK_RSS_MIB,
            "{:.1} MiB",
            run.peak_rss_mib()
        );
    }
}

#[test]
fn a_home_too_large_for_a_components_limit_gets_an_error_naming_it() {
    let manifest = r#"
[[component]]
id = "alexa-smart-home"
file = "alexa-smart-home.wasm"
routes = ["alexa:*"]
[component.grants]
read_states = true
[component.limits]
memory_mib = 8
timeout_ms = 7000
"#;
    let dir = ComponentsDir::new(
        manifest,
        &[("alexa-smart-home.wasm", test_component("alexa-smart-home"))],
    )
    .expect("components dir");
    let (run, answer) = invoke(small_30k(), &dir.path(), &discovery());
    assert_alexa_valid(&answer);
    assert_eq!(
        answer["event"]["payload"]["type"], "INTERNAL_ERROR",
        "{answer}"
    );
    let message = answer["event"]["payload"]["message"].as_str().unwrap_or("");
    assert!(message.contains("memory limit of 8 MiB"), "{message}");
    assert!(
        run.stderr.contains("memory limit of 8 MiB"),
        "not logged: {}",
        run.stderr
    );
}
