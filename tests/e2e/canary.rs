//! Canary rollout end to end, with real components against the harness Home Assistant:
//! `scripts` (stable) and its second build `scripts-v2` (canary, it says "Version two")
//! split 50/50 by the Alexa user id, each user always on the same version; per-version
//! counters in health and per-version EMF lines in Lambda mode; a canary that fails
//! (the hostile test component, which answers no skill intent) rolled back automatically
//! once its failure rate over its window exceeds the stable one's by the margin.

use lee_e2e::in_process::{gateway, handle, runtime};
use lee_e2e::lambda_process::run_lambda;
use lee_e2e::{ComponentsDir, HomeAssistant, intent, test_component};
use serde_json::{Value, json};

fn manifest(canary_file: &str, weight: u32, window: u32, margin: u32) -> String {
    format!(
        r#"
[[component]]
id = "scripts"
file = "scripts.wasm"
version = "1.0.0"
routes = ["skill:RunScript"]
[component.grants]
services = ["script.turn_on"]
read_states = true
[component.canary]
file = "{canary_file}"
version = "2.0.0"
weight = {weight}
rollback_window = {window}
rollback_margin_percent = {margin}
"#
    )
}

fn dir(canary: &str, weight: u32, window: u32, margin: u32) -> ComponentsDir {
    let canary_file = format!("{canary}.wasm");
    ComponentsDir::new(
        &manifest(&canary_file, weight, window, margin),
        &[
            ("scripts.wasm", test_component("scripts")),
            (canary_file.as_str(), test_component(canary)),
        ],
    )
    .expect("components dir")
}

/// RunScript for a script that does not exist (reads states, changes nothing) as `user`.
fn as_user(user: &str) -> Value {
    let mut event = intent("RunScript", &[("ScriptName", "no such script anywhere")]);
    event["session"]["user"]["userId"] = json!(user);
    event["context"]["System"]["user"]["userId"] = json!(user);
    event
}

fn speech(response: &Value) -> String {
    response["response"]["outputSpeech"]["text"]
        .as_str()
        .or_else(|| response["response"]["outputSpeech"]["ssml"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn is_canary(response: &Value) -> bool {
    speech(response).starts_with("Version two")
}

fn scripts_health(health: &Value) -> Value {
    health["components"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "scripts"))
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn a_fifty_fifty_split_lands_within_tolerance_and_no_user_flips() {
    let _ = HomeAssistant::get();
    let dir = dir("scripts-v2", 50, 0, 10);
    let gateway = gateway(&dir.path());
    let rt = runtime();
    let users: Vec<String> = (0..200)
        .map(|i| format!("amzn1.ask.account.U{i:04}"))
        .collect();
    let mut first = Vec::new();
    for user in &users {
        let answer = handle(&rt, &gateway, as_user(user)).response;
        assert!(!speech(&answer).is_empty(), "{answer}");
        first.push(is_canary(&answer));
    }
    let canary = first.iter().filter(|c| **c).count();
    // Binomial(200, 0.5): sd ~7; the hash is deterministic, the bound is 4 sd.
    assert!(
        (72..=128).contains(&canary),
        "{canary} of 200 on the canary"
    );
    // Same weights: every user keeps their version, over and over.
    for _ in 0..2 {
        for (user, was) in users.iter().zip(&first).take(60) {
            let answer = handle(&rt, &gateway, as_user(user)).response;
            assert_eq!(is_canary(&answer), *was, "{user} flipped: {answer}");
        }
    }
    let health = handle(&rt, &gateway, json!({"lee": "health"})).response;
    let rollout = &scripts_health(&health)["canary"];
    let stable_n = rollout["stable"]["invocations"].as_u64().unwrap_or(0);
    let canary_n = rollout["canary"]["invocations"].as_u64().unwrap_or(0);
    assert_eq!(stable_n + canary_n, 320, "{rollout}");
    let canary_repeats = first.iter().take(60).filter(|c| **c).count() as u64 * 2;
    assert_eq!(canary_n, canary as u64 + canary_repeats, "{rollout}");
    assert_eq!(rollout["canary"]["version"], "2.0.0");
    assert_eq!(rollout["stable"]["failures"], 0);
    assert_eq!(rollout["serving"], "split");
}

#[test]
fn a_failing_canary_is_rolled_back_automatically_in_lambda_mode() {
    let ha = HomeAssistant::get();
    // The hostile component answers no skill intent: every canary invocation fails.
    let dir = dir("hostile", 50, 8, 20);
    let mut events: Vec<(String, Value)> = (0..60)
        .map(|i| {
            (
                format!("req-{i}"),
                as_user(&format!("amzn1.ask.account.R{i:04}")),
            )
        })
        .collect();
    events.push(("health".into(), json!({"lee": "health"})));
    let run = run_lambda(
        &dir.path(),
        &[
            ("HOME_ASSISTANT_URL", &ha.url),
            ("HOME_ASSISTANT_TOKEN", &ha.token),
        ],
        events,
        std::time::Duration::from_secs(60),
    );
    let answers: Vec<Value> = (0..60)
        .map(|i| run.result(&format!("req-{i}")).body.clone())
        .collect();
    let failed: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, a)| speech(a).starts_with("Sorry"))
        .map(|(i, _)| i)
        .collect();
    // Exactly the window's worth of users met the broken canary, then it was rolled back.
    assert_eq!(failed.len(), 8, "{failed:?}");
    let last_failure = *failed.last().unwrap_or(&0);
    for (i, answer) in answers.iter().enumerate().skip(last_failure + 1) {
        assert!(
            !speech(answer).starts_with("Sorry"),
            "request {i} after rollback: {answer}"
        );
    }
    assert!(
        run.stderr.contains("canary rolled back")
            && run.stderr.contains("failed 100% of its last 8"),
        "{}",
        lee_e2e::lambda_process::tail(&run.stderr)
    );
    let health = &run.result("health").body;
    let rollout = &scripts_health(health)["canary"];
    assert_eq!(rollout["serving"], "stable only", "{rollout}");
    assert_eq!(rollout["canary"]["failures"], 8, "{rollout}");
    assert_eq!(rollout["stable"]["failures"], 0, "{rollout}");
    // Per-version EMF lines, both versions, with the component and version dimensions.
    let emf = run.emf();
    let versions: Vec<&Value> = emf
        .iter()
        .filter(|d| d["VersionInvocations"] == 1.0)
        .collect();
    assert!(
        versions
            .iter()
            .any(|d| d["version"] == "2.0.0" && d["VersionFailures"] == 1.0)
    );
    assert!(
        versions
            .iter()
            .any(|d| d["version"] == "1.0.0" && d["VersionFailures"] == 0.0)
    );
    assert_eq!(
        versions[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        json!([["component", "version"]])
    );
    assert_eq!(versions.len(), 60);
}
