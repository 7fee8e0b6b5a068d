//! Big homes, measured: Discovery, a ReportState and a custom-skill intent against
//! generated homes (30,000 small entities, ~10 MB of states; 3,000 entities with ~4 KB
//! of attributes each, ~12 MB) served on 127.0.0.1, through the real `dist/lee` with
//! the real components, cold (`lee invoke`, one process per event) and in Lambda mode
//! (init warm-up, then the event). Prints wall time, the whole process's peak RSS and
//! what came back; asserts nothing. Run: `cargo bench -p lee-e2e --bench big_home`
//! after `./build.sh`.

use std::process::Command;
use std::time::Duration;

use lee_e2e::lambda_api::RuntimeApi;
use lee_e2e::peak::{self, Measured};
use lee_e2e::static_home::{HomeProcess, Shape, TOKEN};
use lee_e2e::{dist_components, lee_binary};
use serde_json::{Value, json};

fn discovery() -> Value {
    json!({"directive": {"header": {"namespace": "Alexa.Discovery", "name": "Discover",
        "payloadVersion": "3", "messageId": "big"}, "payload": {}}})
}

fn report_state(entity: &str) -> Value {
    json!({"directive": {"header": {"namespace": "Alexa", "name": "ReportState",
        "payloadVersion": "3", "messageId": "big", "correlationToken": "c"},
        "endpoint": {"endpointId": entity.replace('.', "#"), "cookie": {}}, "payload": {}}})
}

fn list_automations() -> Value {
    json!({"version": "1.0", "request": {"type": "IntentRequest", "locale": "en-US",
        "intent": {"name": "ListAutomations", "slots": {}}}})
}

/// One line about an answer: endpoints, error type or speech.
pub fn summary(answer: &Value) -> String {
    if let Some(endpoints) = answer
        .pointer("/event/payload/endpoints")
        .and_then(Value::as_array)
    {
        return format!("{} endpoints", endpoints.len());
    }
    if let Some(kind) = answer
        .pointer("/event/payload/type")
        .and_then(Value::as_str)
    {
        return format!("ErrorResponse {kind}");
    }
    if let Some(name) = answer.pointer("/event/header/name").and_then(Value::as_str) {
        return name.to_string();
    }
    if let Some(text) = answer
        .pointer("/response/outputSpeech/text")
        .and_then(Value::as_str)
    {
        return format!("\"{}\"", text.chars().take(40).collect::<String>());
    }
    answer.to_string().chars().take(60).collect()
}

fn invoke(home: &HomeProcess, event: &Value) -> Measured {
    let mut command = Command::new(lee_binary());
    command
        .args(["invoke", "-", "--components"])
        .arg(dist_components())
        .env_clear()
        .env("HOME_ASSISTANT_URL", home.url())
        .env("HOME_ASSISTANT_TOKEN", TOKEN);
    peak::run(command, event.to_string().as_bytes()).expect("run lee invoke")
}

// The child is reaped by `peak::wait4`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn lambda(home: &HomeProcess, event: &Value) -> (Measured, Value) {
    let api = RuntimeApi::start(vec![("big-1".into(), event.clone())]);
    let mut command = Command::new(lee_binary());
    command
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
        .env("HOME_ASSISTANT_TOKEN", TOKEN);
    let watcher = std::thread::spawn(move || {
        let posted = api.wait_for_results(1, Duration::from_secs(30));
        posted
            .first()
            .map(|p| p.body.clone())
            .unwrap_or(Value::Null)
    });
    // The process runs until killed: stop it once the answer is in. Its log is drained
    // meanwhile (a full pipe would block it).
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn lee lambda");
    let mut log = child.stderr.take().expect("stderr");
    let drain = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut log, &mut s);
        s
    });
    let started = std::time::Instant::now();
    let answer = watcher.join().unwrap_or(Value::Null);
    let wall = started.elapsed();
    let _ = child.kill();
    let (status, peak_rss_kib) = peak::wait4(&child).expect("wait4");
    let stderr = drain.join().unwrap_or_default();
    let measured = Measured {
        stdout: String::new(),
        stderr,
        status,
        wall,
        peak_rss_kib,
    };
    (measured, answer)
}

fn main() {
    println!("| home | /api/states | event | mode | answer | wall | peak RSS |");
    println!("|---|---|---|---|---|---|---|");
    for (label, shape) in [
        ("30,000 small entities", Shape::SMALL_30K),
        ("3,000 entities, ~4 KB attributes", Shape::LARGE_3K),
    ] {
        let home = HomeProcess::spawn(env!("CARGO_BIN_EXE_static-home").as_ref(), shape)
            .expect("start static-home");
        let size = format!("{:.1} MB", home.states_bytes as f64 / 1e6);
        let light = home.light.clone();
        for (name, event) in [
            ("Discovery", discovery()),
            ("ReportState", report_state(&light)),
            ("ListAutomations", list_automations()),
        ] {
            let cold = invoke(&home, &event);
            let answer: Value = serde_json::from_str(&cold.stdout).unwrap_or(Value::Null);
            let note = if cold.status == 0 {
                summary(&answer)
            } else {
                format!(
                    "exit {}: {}",
                    cold.status,
                    cold.stderr.lines().last().unwrap_or("")
                )
            };
            println!(
                "| {label} | {size} | {name} | invoke | {note} | {:.0} ms | {:.1} MiB |",
                cold.wall.as_secs_f64() * 1000.0,
                cold.peak_rss_mib()
            );
            let (warm, answer) = lambda(&home, &event);
            if answer.is_null() {
                eprintln!("lambda {name} gave no answer; its log ends:");
                for line in warm.stderr.lines().rev().take(6) {
                    eprintln!("  {}", line.chars().take(300).collect::<String>());
                }
            }
            println!(
                "| {label} | {size} | {name} | lambda (warm-up + event) | {} | {:.0} ms | {:.1} MiB |",
                summary(&answer),
                warm.wall.as_secs_f64() * 1000.0,
                warm.peak_rss_mib()
            );
        }
    }
}
