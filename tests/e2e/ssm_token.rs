//! `HOME_ASSISTANT_TOKEN_SSM`: the configured token read through the AWS Parameters and
//! Secrets Lambda Extension (a stand-in on 127.0.0.1 that checks what the real one
//! checks), by the real `dist/lee` against the real harness Home Assistant. The token is
//! used (health reachable, a custom-skill request without account linking answered), read
//! once per container (Lambda mode, several events), retried while the extension starts,
//! and never printed, even at `LEE_LOG=trace`; a refusal is said and rate-limited.

use std::time::Duration;

use lee_e2e::lambda_process::{run_lambda, tail};
use lee_e2e::leaks::assert_absent;
use lee_e2e::ssm_extension::SsmExtension;
use lee_e2e::{HomeAssistant, Lee, dist_components, intent};
use serde_json::json;

const SESSION: &str = "session-token-4c1e9a";
const PARAMETER: &str = "/lee/home-assistant/token";

/// `lee invoke` against `extension`, with no plain token configured.
fn lee_with(extension: &SsmExtension) -> Lee {
    Lee::dist()
        .env("HOME_ASSISTANT_TOKEN", "")
        .env("HOME_ASSISTANT_TOKEN_SSM", PARAMETER)
        .env(
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
            &extension.port.to_string(),
        )
        .env("AWS_SESSION_TOKEN", SESSION)
        .env("LEE_LOG", "trace")
}

#[test]
fn lee_invoke_reads_the_token_from_ssm_and_never_prints_it() {
    let ha = HomeAssistant::get();
    let extension = SsmExtension::start(SESSION, &[(PARAMETER, &ha.token)], 0);
    let lee = lee_with(&extension);

    let health = lee.invoke(&json!({"lee": "health"})).unwrap();
    assert_eq!(
        health.response["home_assistant"]["reachable"],
        true,
        "the SSM token reached Home Assistant: {}\n{}",
        health.response,
        tail(&health.stderr)
    );
    assert_eq!(health.response["home_assistant"]["token"]["source"], "ssm");
    assert_eq!(
        health.response["configuration"]["home_assistant_token_ssm"],
        PARAMETER
    );
    let asked = extension.asked();
    assert_eq!(asked.len(), 1, "one read per process: {asked:?}");
    assert_eq!(asked[0].path, "/systemsmanager/parameters/get");
    assert_eq!(
        asked[0].name.as_deref(),
        Some(PARAMETER),
        "the name is URL-encoded and decoded back"
    );
    assert!(asked[0].with_decryption && asked[0].token_ok, "{asked:?}");

    // A custom-skill request without account linking runs on the configured token.
    let skill = lee.invoke(&intent("ListAutomations", &[])).unwrap();
    assert!(skill.speech().starts_with("You have"), "{}", skill.speech());

    for (what, run) in [("health", &health), ("skill", &skill)] {
        assert!(
            run.stderr.contains("event classified"),
            "{what}: debug logging is on"
        );
        assert_absent(&run.stderr, &ha.token, what);
        assert_absent(&run.response.to_string(), &ha.token, what);
        assert_absent(&run.stderr, SESSION, what);
        assert_absent(&run.response.to_string(), SESSION, what);
    }
}

#[test]
fn lambda_reads_it_once_per_container_waiting_for_the_extension_to_start() {
    let ha = HomeAssistant::get();
    // The extension answers "not ready" twice, as it does while it starts.
    let extension = SsmExtension::start(SESSION, &[(PARAMETER, &ha.token)], 2);
    let port = extension.port.to_string();
    let env = [
        ("HOME_ASSISTANT_URL", ha.url.as_str()),
        ("HOME_ASSISTANT_TOKEN_SSM", PARAMETER),
        ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", port.as_str()),
        ("AWS_SESSION_TOKEN", SESSION),
        ("LEE_LOG", "trace"),
    ];
    let events = vec![
        ("req-health".to_string(), json!({"lee": "health"})),
        ("req-skill".to_string(), intent("ListAutomations", &[])),
        ("req-health-2".to_string(), json!({"lee": "health"})),
    ];
    let run = run_lambda(&dist_components(), &env, events, Duration::from_secs(30));
    for id in ["req-health", "req-health-2"] {
        assert_eq!(
            run.result(id).body["home_assistant"]["reachable"],
            true,
            "{id}: {}\n{}",
            run.result(id).body,
            tail(&run.stderr)
        );
    }
    let speech = run.result("req-skill").body["response"]["outputSpeech"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(speech.starts_with("You have"), "{speech}");
    let asked = extension.asked();
    assert_eq!(
        asked.len(),
        3,
        "two 'not ready' answers retried, then one read for the whole container: {asked:?}"
    );
    assert!(asked.iter().all(|a| a.token_ok && a.with_decryption));
    assert!(run.stderr.contains("Home Assistant token read from SSM"));
    assert_absent(&run.stderr, &ha.token, "lambda stderr");
    assert_absent(&run.stdout, &ha.token, "lambda stdout");
    assert_absent(&run.stderr, SESSION, "lambda stderr");
}

#[test]
fn a_refused_read_is_said_and_not_repeated_at_every_invocation() {
    let ha = HomeAssistant::get();
    // The function's session token is not the one the extension expects.
    let extension = SsmExtension::start("another-session-token", &[(PARAMETER, &ha.token)], 0);
    let port = extension.port.to_string();
    let env = [
        ("HOME_ASSISTANT_URL", ha.url.as_str()),
        ("HOME_ASSISTANT_TOKEN_SSM", PARAMETER),
        ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", port.as_str()),
        ("AWS_SESSION_TOKEN", SESSION),
    ];
    let events = vec![
        ("req-1".to_string(), json!({"lee": "health"})),
        ("req-2".to_string(), json!({"lee": "health"})),
    ];
    let run = run_lambda(&dist_components(), &env, events, Duration::from_secs(30));
    for id in ["req-1", "req-2"] {
        let home = &run.result(id).body["home_assistant"];
        assert_eq!(home["reachable"], false, "{id}: {home}");
        assert!(
            home["token"]["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("HTTP 401")),
            "{id}: health says why: {home}"
        );
    }
    assert_eq!(
        extension.requests(),
        1,
        "a refusal is not retried at once (init read only): {:?}",
        extension.asked()
    );
    assert!(
        run.stderr.contains("cannot read HOME_ASSISTANT_TOKEN_SSM"),
        "{}",
        tail(&run.stderr)
    );
    assert_absent(&run.stderr, SESSION, "lambda stderr");
}

#[test]
fn without_the_extension_lee_says_what_to_add() {
    let unused = lee_e2e::closed_port();
    let lee = Lee::dist()
        .env("HOME_ASSISTANT_TOKEN", "")
        .env("HOME_ASSISTANT_TOKEN_SSM", PARAMETER)
        .env(
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
            &unused.to_string(),
        )
        .env("AWS_SESSION_TOKEN", SESSION);
    let health = lee.invoke(&json!({"lee": "health"})).unwrap();
    let error = health.response["home_assistant"]["token"]["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        error.contains("does not answer") && error.contains("layer"),
        "{}",
        health.response
    );
    assert_eq!(health.response["home_assistant"]["reachable"], false);
}
