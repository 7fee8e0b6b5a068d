//! The manifest from outside the package, reloaded under a running `lee lambda`:
//! `LEE_MANIFEST` (a file elsewhere) and `LEE_MANIFEST_SSM` (through a stand-in for the
//! Parameters and Secrets extension on 127.0.0.1 that checks the session-token header).
//! With `LEE_MANIFEST_RELOAD_SECONDS=1`, a new version (the canary's weight raised to
//! 100) takes effect at the next invocation after the interval; a broken one is refused,
//! logged, shown in health, and the old one keeps answering. Health and every EMF line
//! name the config version. Real components (`scripts`, `scripts-v2`) against the
//! harness Home Assistant.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use lee_e2e::lambda_process::LambdaRun;
use lee_e2e::parameters_extension::ParametersExtension;
use lee_e2e::{ComponentsDir, HomeAssistant, Lee, intent, test_component};
use serde_json::{Value, json};

/// The precompiled components (scripts, canary scripts-v2 at weight 0) and the manifest
/// text `lee precompile` wrote for them, with config version `cfg-1`.
fn components() -> (ComponentsDir, String) {
    let manifest = r#"
version = "cfg-1"

[[component]]
id = "scripts"
file = "scripts.wasm"
version = "1.0.0"
routes = ["skill:RunScript"]
[component.grants]
services = ["script.turn_on"]
read_states = true
[component.canary]
file = "scripts-v2.wasm"
version = "2.0.0"
weight = 0
"#;
    let dir = ComponentsDir::new(
        manifest,
        &[
            ("scripts.wasm", test_component("scripts")),
            ("scripts-v2.wasm", test_component("scripts-v2")),
        ],
    )
    .expect("components dir");
    let text = std::fs::read_to_string(dir.path().join("lee.toml")).expect("lee.toml");
    assert!(
        text.contains("version = \"cfg-1\"") && text.contains("weight = 0"),
        "{text}"
    );
    // The package's own lee.toml is not where the manifest comes from.
    std::fs::remove_file(dir.path().join("lee.toml")).expect("remove lee.toml");
    (dir, text)
}

fn promoted(text: &str) -> String {
    text.replacen("version = \"cfg-1\"", "version = \"cfg-2\"", 1)
        .replacen("weight = 0", "weight = 100", 1)
}

fn run_script() -> Value {
    intent("RunScript", &[("ScriptName", "no such script anywhere")])
}

fn speech(body: &Value) -> String {
    body["response"]["outputSpeech"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Events at 0 s, 6 s and 12 s (a RunScript and a health each); `change` runs at 3 s and
/// 9 s with the phase number (1, 2), while `lee lambda` keeps running.
fn drive(
    dir: &Path,
    env: Vec<(String, String)>,
    change: impl Fn(u32) + Send + 'static,
) -> LambdaRun {
    let started = Instant::now();
    let changer = thread::spawn(move || {
        for phase in 1..=2u32 {
            let at = Duration::from_secs(u64::from(phase) * 6 - 3);
            thread::sleep(at.saturating_sub(started.elapsed()));
            change(phase);
        }
    });
    let mut events = Vec::new();
    for phase in 0..3u64 {
        let hold = Duration::from_secs(phase * 6);
        events.push((format!("run-{phase}"), run_script(), hold));
        events.push((format!("health-{phase}"), json!({"lee": "health"}), hold));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = lee_e2e::lambda_process::run_lambda_held(dir, &env, events, Duration::from_secs(40));
    changer.join().expect("changer");
    run
}

fn check(run: &LambdaRun, refused_because: &str) {
    let manifest = |phase: u32| run.result(&format!("health-{phase}")).body["manifest"].clone();
    let answer = |phase: u32| speech(&run.result(&format!("run-{phase}")).body);
    assert!(!answer(0).starts_with("Version two"), "{}", answer(0));
    assert_eq!(manifest(0)["config_version"], "cfg-1", "{}", manifest(0));
    // Promoted: the canary takes every user, without a restart.
    assert!(answer(1).starts_with("Version two"), "{}", answer(1));
    assert_eq!(manifest(1)["config_version"], "cfg-2", "{}", manifest(1));
    assert_eq!(manifest(1)["reloads"], 1);
    // Broken: refused, the previous version keeps answering, health says why.
    assert!(answer(2).starts_with("Version two"), "{}", answer(2));
    let last = manifest(2);
    assert_eq!(last["config_version"], "cfg-2", "{last}");
    let reason = last["last_refused"]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(refused_because), "{last}");
    assert!(
        run.stderr.contains("manifest reloaded"),
        "{}",
        lee_e2e::lambda_process::tail(&run.stderr)
    );
    assert!(
        run.stderr.contains("new manifest refused"),
        "{}",
        lee_e2e::lambda_process::tail(&run.stderr)
    );
    // Every EMF line names the config version that served it; cfg-3 never served.
    let emf = run.emf();
    assert!(!emf.is_empty());
    for doc in &emf {
        let version = doc["config_version"].as_str().unwrap_or_default();
        assert!(version == "cfg-1" || version == "cfg-2", "{doc}");
    }
    assert!(emf.iter().any(|d| d["config_version"] == "cfg-1"));
    assert!(
        emf.iter()
            .any(|d| d["config_version"] == "cfg-2" && d["version"] == "2.0.0")
    );
}

#[test]
fn a_manifest_file_outside_the_package_is_reloaded_and_a_broken_one_refused() {
    let ha = HomeAssistant::get();
    let (dir, text) = components();
    let outside = tempfile::tempdir().expect("tempdir");
    let path = outside.path().join("lee.toml");
    std::fs::write(&path, &text).expect("write manifest");
    let env = vec![
        ("HOME_ASSISTANT_URL".to_string(), ha.url.clone()),
        ("HOME_ASSISTANT_TOKEN".to_string(), ha.token.clone()),
        (
            "LEE_MANIFEST".to_string(),
            path.to_string_lossy().into_owned(),
        ),
        ("LEE_MANIFEST_RELOAD_SECONDS".to_string(), "1".to_string()),
    ];
    let file = path.clone();
    let run = drive(&dir.path(), env, move |phase| {
        let next = if phase == 1 {
            promoted(&text)
        } else {
            // cfg-3 points the canary at an artifact that is not there.
            promoted(&text).replacen("cfg-2", "cfg-3", 1).replacen(
                "scripts-v2.cwasm",
                "gone.cwasm",
                1,
            )
        };
        std::fs::write(&file, next).expect("rewrite manifest");
    });
    check(&run, "does not exist");
    let health = &run.result("health-0").body["manifest"];
    assert_eq!(health["source"], "file");
    assert_eq!(health["path"], json!(path));
}

#[test]
fn a_manifest_in_ssm_is_read_through_the_extension_and_reloaded() {
    let ha = HomeAssistant::get();
    let (dir, text) = components();
    let extension = std::sync::Arc::new(ParametersExtension::start("session-token-for-lee"));
    extension.put("/lee/manifest", &text);
    let env = vec![
        ("HOME_ASSISTANT_URL".to_string(), ha.url.clone()),
        ("HOME_ASSISTANT_TOKEN".to_string(), ha.token.clone()),
        ("LEE_MANIFEST_SSM".to_string(), "/lee/manifest".to_string()),
        ("LEE_MANIFEST_RELOAD_SECONDS".to_string(), "1".to_string()),
        (
            "AWS_SESSION_TOKEN".to_string(),
            extension.session_token().to_string(),
        ),
        (
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT".to_string(),
            extension.port.to_string(),
        ),
    ];
    let ext = extension.clone();
    let run = drive(&dir.path(), env, move |phase| {
        if phase == 1 {
            ext.put("/lee/manifest", &promoted(&text));
        } else {
            ext.put("/lee/manifest", "version = \"cfg-3\"\n[[component]\nbroken");
        }
    });
    check(&run, "not valid TOML");
    let health = &run.result("health-0").body["manifest"];
    assert_eq!(health["source"], "ssm");
    assert_eq!(health["parameter"], "/lee/manifest");
    let (requests, refused) = extension.requests();
    assert!(requests >= 3, "{requests} reads");
    assert_eq!(refused, 0);
    assert!(!run.stderr.contains("session-token-for-lee"));
}

#[test]
fn a_wrong_session_token_or_a_missing_parameter_is_a_clear_start_up_error() {
    let (dir, text) = components();
    let extension = ParametersExtension::start("the-right-token");
    extension.put("/lee/manifest", &text);
    let lee = Lee::with_components(dir.path())
        .env("LEE_MANIFEST_SSM", "/lee/manifest")
        .env("AWS_SESSION_TOKEN", "a-wrong-token")
        .env(
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
            &extension.port.to_string(),
        );
    let run = lee.invoke(&json!({"lee": "health"})).expect("lee invoke");
    assert_ne!(run.status, 0);
    assert!(run.stderr.contains("HTTP 401"), "{}", run.stderr);
    assert_eq!(extension.requests().1, 1);
    let missing = lee
        .env("AWS_SESSION_TOKEN", "the-right-token")
        .env("LEE_MANIFEST_SSM", "/lee/other");
    let run = missing
        .invoke(&json!({"lee": "health"}))
        .expect("lee invoke");
    assert!(run.stderr.contains("ParameterNotFound"), "{}", run.stderr);
}
