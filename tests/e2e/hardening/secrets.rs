//! Secrets stay out of what lee prints: with `LEE_LOG=trace` neither the configured Home
//! Assistant token (the websocket auth frame) nor an account-linking token (the Lambda
//! event) appears on stderr or stdout, in `lee invoke` or in Lambda mode; userinfo in
//! `HOME_ASSISTANT_URL` never appears in health, logs or error messages.

use std::process::Command;
use std::time::Duration;

use lee_e2e::echo_server::{EchoServer, Reply};
use lee_e2e::lambda_process::{run_lambda, tail};
use lee_e2e::leaks::{around, assert_absent};
use lee_e2e::{
    HomeAssistant, Invocation, Lee, closed_port, directive_with_token, hostile, intent, lee_binary,
};
use serde_json::{Value, json};

/// A Discovery directive carrying `token` as its account-linking token, or none.
fn discovery(token: Option<&str>) -> Value {
    let mut event = directive_with_token("Alexa.Discovery", "Discover", None, json!({}), "x");
    match token {
        Some(token) => event["directive"]["payload"]["scope"]["token"] = json!(token),
        None => event["directive"]["payload"] = json!({}),
    }
    event
}

/// A custom-skill ListAutomations carrying `token` as the user's access token.
fn list_automations(token: &str) -> Value {
    let mut event = intent("ListAutomations", &[]);
    event["context"]["System"]["user"]["accessToken"] = json!(token);
    event
}

fn endpoints(run: &Invocation) -> usize {
    run.response["event"]["payload"]["endpoints"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn trace_logs_of_lee_invoke_never_carry_a_token() {
    let ha = HomeAssistant::get();
    let traced = Lee::dist().env("LEE_LOG", "trace");
    let unconfigured = traced.clone().env("HOME_ASSISTANT_TOKEN", "");
    let cases = [
        (
            "configured and in the directive",
            &traced,
            discovery(Some(&ha.token)),
        ),
        ("configured only", &traced, discovery(None)),
        (
            "in the directive only",
            &unconfigured,
            discovery(Some(&ha.token)),
        ),
    ];
    for (what, lee, event) in cases {
        let run = lee.invoke(&event).unwrap();
        // The token really was used: Discovery read states and registries (websocket).
        assert!(endpoints(&run) > 20, "{what}: {}", run.response);
        assert!(
            run.stderr.contains("\"level\":\"TRACE\"") && run.stderr.contains("event classified"),
            "{what}: trace logging is on: {}",
            tail(&run.stderr)
        );
        assert_absent(&run.stderr, &ha.token, what);
        assert_absent(&run.response.to_string(), &ha.token, what);
    }
    let skill = unconfigured.invoke(&list_automations(&ha.token)).unwrap();
    assert!(skill.speech().starts_with("You have"), "{}", skill.speech());
    assert_absent(&skill.stderr, &ha.token, "custom skill access token");
}

#[test]
fn trace_logs_in_lambda_mode_never_carry_a_token() {
    let ha = HomeAssistant::get();
    let events = || {
        vec![
            ("req-discover".to_string(), discovery(Some(&ha.token))),
            ("req-skill".to_string(), list_automations(&ha.token)),
            ("req-health".to_string(), json!({"lee": "health"})),
        ]
    };
    let components = lee_e2e::dist_components();
    let env = [
        ("HOME_ASSISTANT_URL", ha.url.as_str()),
        ("LEE_LOG", "trace"),
    ];
    let configured = [
        env.as_slice(),
        &[("HOME_ASSISTANT_TOKEN", ha.token.as_str())],
    ]
    .concat();
    for (what, env) in [
        ("configured", configured.as_slice()),
        ("account linking only", &env),
    ] {
        let run = run_lambda(&components, env, events(), Duration::from_secs(30));
        let discovered = &run.result("req-discover").body;
        assert!(
            discovered["event"]["payload"]["endpoints"]
                .as_array()
                .is_some_and(|e| e.len() > 20),
            "{what}: {discovered}"
        );
        assert!(
            run.result("req-skill").body["response"]["outputSpeech"]["text"]
                .as_str()
                .unwrap_or_default()
                .starts_with("You have"),
            "{what}: {:?}",
            run.result("req-skill")
        );
        assert!(
            run.stderr.contains("\"level\":\"TRACE\""),
            "{what}: trace is on"
        );
        assert_absent(&run.stderr, &ha.token, what);
        assert_absent(&run.stdout, &ha.token, what);
    }
}

const USER: &str = "lee-user-7f3a";
const PASSWORD: &str = "lee-pass-91c2";

/// `http://USER:PASSWORD@<host:port of url>`.
fn with_userinfo(url: &str) -> String {
    url.replacen("://", &format!("://{USER}:{PASSWORD}@"), 1)
}

fn assert_no_userinfo(output: &str, what: &str) {
    for needle in [USER, PASSWORD] {
        if let Some(context) = around(output, needle) {
            panic!("{what}: userinfo shown: ...{context}...");
        }
    }
}

#[test]
fn userinfo_in_the_home_assistant_url_is_never_shown() {
    let ha = HomeAssistant::get();
    let lee = Lee::dist()
        .env("HOME_ASSISTANT_URL", &with_userinfo(&ha.url))
        .env("LEE_LOG", "trace");
    let health = lee.invoke(&json!({"lee": "health"})).unwrap();
    assert_eq!(
        health.response["configuration"]["home_assistant_url"],
        ha.url.as_str()
    );
    let discovered = lee.invoke(&discovery(Some(&ha.token))).unwrap();
    for (what, run) in [("health", &health), ("discovery", &discovered)] {
        assert_no_userinfo(&run.stderr, what);
        assert_no_userinfo(&run.response.to_string(), what);
    }

    // Unreachable: the errors in health, the Alexa answer and the logs name the URL.
    let down = format!("http://127.0.0.1:{}", closed_port());
    let lee = lee.env("HOME_ASSISTANT_URL", &with_userinfo(&down));
    let health = lee.invoke(&json!({"lee": "health"})).unwrap();
    assert_eq!(
        health.response["home_assistant"]["reachable"], false,
        "{}",
        health.response
    );
    let report = directive_with_token(
        "Alexa",
        "ReportState",
        Some("light#bed_light"),
        json!({}),
        &ha.token,
    );
    let answer = lee.invoke(&report).unwrap();
    assert_eq!(
        answer.response["event"]["payload"]["type"], "BRIDGE_UNREACHABLE",
        "{}",
        answer.response
    );
    assert_eq!(
        health.response["configuration"]["home_assistant_url"],
        down.as_str(),
        "health names the URL, without its userinfo"
    );
    for (what, run) in [("health, down", &health), ("ReportState, down", &answer)] {
        assert!(
            run.stderr.contains("Connection refused"),
            "{what}: the failure is logged: {}",
            tail(&run.stderr)
        );
        assert_no_userinfo(&run.stderr, what);
        assert_no_userinfo(&run.response.to_string(), what);
    }

    // A URL that does not parse is refused without showing its userinfo. (lee fails
    // before it reads its input, so the event comes from a file, not a pipe.)
    let event = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(event.path(), json!({"lee": "health"}).to_string()).unwrap();
    let refused = Command::new(lee_binary())
        .arg("invoke")
        .arg(event.path())
        .env_clear()
        .env(
            "HOME_ASSISTANT_URL",
            format!("http://{USER}:{PASSWORD}@[::1"),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains(r#"HOME_ASSISTANT_URL "http://[::1" is not a URL"#),
        "the URL is named without its userinfo: {stderr}"
    );
    assert_no_userinfo(&String::from_utf8_lossy(&refused.stdout), "unparsable URL");
    assert_no_userinfo(&stderr, "unparsable URL");
}

#[test]
fn userinfo_in_lambda_mode_and_in_a_redirect_is_never_shown() {
    let ha = HomeAssistant::get();
    let url = with_userinfo(&ha.url);
    let run = run_lambda(
        &lee_e2e::dist_components(),
        &[
            ("HOME_ASSISTANT_URL", url.as_str()),
            ("HOME_ASSISTANT_TOKEN", ha.token.as_str()),
            ("LEE_LOG", "trace"),
        ],
        vec![
            ("req-health".into(), json!({"lee": "health"})),
            ("req-discover".into(), discovery(None)),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(
        run.result("req-health").body["configuration"]["home_assistant_url"],
        ha.url.as_str()
    );
    assert_no_userinfo(&run.stderr, "lambda logs");
    assert_no_userinfo(&run.stdout, "lambda stdout");
    for posted in &run.posted {
        assert_no_userinfo(&posted.body.to_string(), &posted.request_id);
    }

    // Home Assistant (a stand-in) redirects to a URL with userinfo: the error the
    // component gets names the redirect, not the credentials.
    let elsewhere = format!("127.0.0.1:{}", closed_port());
    let redirecting = EchoServer::start(Reply {
        status: 302,
        headers: vec![(
            "Location".into(),
            format!("http://{USER}:{PASSWORD}@{elsewhere}/api/"),
        )],
        body: String::new(),
    });
    let dir = hostile::under(
        &format!("services = [\"script.*\"]\n{}", hostile::LOADS),
        5000,
    );
    let answer = dir
        .lee()
        .env("HOME_ASSISTANT_URL", &with_userinfo(&redirecting.url()))
        .env("LEE_LOG", "trace")
        .invoke(&json!({
            "lee": "test-call",
            "domain": "script",
            "service": "turn_on",
            "data": {"entity_id": "script.good_night"},
        }))
        .unwrap();
    let message = answer.response["outcome"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains(&format!("redirect to http://{elsewhere}/api")),
        "{}",
        answer.response
    );
    assert_eq!(
        redirecting.requests().len(),
        1,
        "a redirect is not followed"
    );
    assert_no_userinfo(&answer.stderr, "redirect logs");
    assert_no_userinfo(&answer.response.to_string(), "redirect answer");
}
