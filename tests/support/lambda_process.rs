//! The real `dist/lee` in Lambda mode (`lee lambda`) against the local Runtime API
//! ([`crate::lambda_api::RuntimeApi`]), with a chosen environment: what the runtime posted
//! for each event, and everything the process wrote on stdout (CloudWatch EMF lines and
//! nothing else) and stderr (its logs), for tests of what Lambda mode prints.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use crate::lambda_api::{Posted, RuntimeApi};
use crate::lee_binary;

/// What one `lee lambda` run produced.
#[derive(Debug)]
pub struct LambdaRun {
    pub posted: Vec<Posted>,
    pub stdout: String,
    pub stderr: String,
}

impl LambdaRun {
    /// The posted result for `request_id`.
    pub fn result(&self, request_id: &str) -> &Posted {
        self.posted
            .iter()
            .find(|p| p.request_id == request_id)
            .unwrap_or_else(|| panic!("no result for {request_id}: {:?}", self.posted))
    }

    /// The EMF documents on stdout (every stdout line that parses as one).
    pub fn emf(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["_aws"]["CloudWatchMetrics"].is_array())
            .collect()
    }
}

/// Reads `pipe` to its end on a thread of its own.
fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs `lee lambda --components <components>` with only `env` (plus PATH and the
/// Lambda variables) until every event was answered or `timeout` passed, then stops it.
pub fn run_lambda(
    components: &Path,
    env: &[(&str, &str)],
    events: Vec<(String, Value)>,
    timeout: Duration,
) -> LambdaRun {
    let events = events
        .into_iter()
        .map(|(id, event)| (id, event, Duration::ZERO))
        .collect();
    run_lambda_held(components, env, events, timeout)
}

/// [`run_lambda`] with events that are handed out only once their hold has passed
/// since the start (see [`RuntimeApi::start_held`]).
pub fn run_lambda_held(
    components: &Path,
    env: &[(&str, &str)],
    events: Vec<(String, Value, Duration)>,
    timeout: Duration,
) -> LambdaRun {
    let mut command = Command::new(lee_binary());
    command.arg("lambda").arg("--components").arg(components);
    run_lambda_command(command, env, events, timeout)
}

/// [`run_lambda_held`] for any program that speaks the Runtime API (a packaged
/// `bootstrap`, or one under `qemu-aarch64`), given with its arguments.
pub fn run_lambda_command(
    mut command: Command,
    env: &[(&str, &str)],
    events: Vec<(String, Value, Duration)>,
    timeout: Duration,
) -> LambdaRun {
    let expected = events.len();
    let api = RuntimeApi::start_held(events);
    let mut child = command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{}", api.port))
        .env("AWS_LAMBDA_FUNCTION_NAME", "lee")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "stream")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "group")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {command:?}: {e}"));
    // Drained while it runs: a full pipe would stop the process mid-event.
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let posted = api.wait_for_results(expected, timeout);
    // Give the last invocation's metrics and log lines time to be written.
    std::thread::sleep(Duration::from_millis(200));
    let _ = child.kill();
    let _ = child.wait();
    let run = LambdaRun {
        posted,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    assert_eq!(
        run.posted.len(),
        expected,
        "results: {:?}\nstderr (last 4 KB): {}",
        run.posted,
        tail(&run.stderr)
    );
    run
}

/// The last 4 KB of `text` (whole characters), for failure messages.
pub fn tail(text: &str) -> &str {
    let mut start = text.len().saturating_sub(4096);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
