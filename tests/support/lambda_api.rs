//! A local AWS Lambda Runtime API (the protocol `bootstrap` speaks) on 127.0.0.1: hands
//! out queued events with a request id and deadline and records what the runtime posts
//! back, and when, so Lambda mode is tested with the real lambda_runtime client in the
//! real binary. [`LambdaProcess`] runs `dist/lee lambda` against it.

use std::collections::VecDeque;
use std::io::{BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::fault_server::{read_request, write_response};
use crate::{Lee, lee_binary};

/// The X-Ray trace header the API hands out with `request_id`'s event (as Lambda does:
/// a root id, the parent segment and the sampling decision), distinct per request.
pub fn trace_id_for(request_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(request_id.as_bytes()));
    format!(
        "Root=1-5f8e1a2b-{};Parent={};Sampled=1",
        &digest[..24],
        &digest[24..40]
    )
}

/// What the runtime posted for one request id.
#[derive(Debug, Clone)]
pub struct Posted {
    pub request_id: String,
    /// `response` or `error`.
    pub kind: String,
    pub body: Value,
    /// When the API received the post.
    pub received: Instant,
    /// When the API handed this request's event to the runtime (`None` if it never did,
    /// which a runtime posting for it would make a protocol error).
    pub handed_out: Option<Instant>,
}

/// One event waiting in the queue.
struct Queued {
    request_id: String,
    event: Value,
    /// Not handed out before this much time after the API started.
    hold: Duration,
}

struct Shared {
    /// The trace header handed out with a request id's event.
    trace: fn(&str) -> String,
    queue: VecDeque<Queued>,
    handed_out: Vec<(String, Instant)>,
    posted: Vec<Posted>,
}

pub struct RuntimeApi {
    pub port: u16,
    shared: Arc<(Mutex<Shared>, Condvar)>,
}

impl RuntimeApi {
    /// Serves `events` (request id, event) in order.
    pub fn start(events: Vec<(String, Value)>) -> Self {
        Self::start_held(
            events
                .into_iter()
                .map(|(id, event)| (id, event, Duration::ZERO))
                .collect(),
        )
    }

    /// Serves `events` (request id, event, hold) in order; none is handed out before its
    /// hold has passed since the API started (traffic that comes after a while).
    pub fn start_held(events: Vec<(String, Value, Duration)>) -> Self {
        Self::start_with(events, trace_id_for)
    }

    /// Serves `events` in order, each with the trace header `trace(request id)` (an
    /// unsampled one, say) instead of [`trace_id_for`]'s.
    pub fn start_traced(events: Vec<(String, Value)>, trace: fn(&str) -> String) -> Self {
        let events = events
            .into_iter()
            .map(|(id, event)| (id, event, Duration::ZERO))
            .collect();
        Self::start_with(events, trace)
    }

    fn start_with(events: Vec<(String, Value, Duration)>, trace: fn(&str) -> String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let queue = events
            .into_iter()
            .map(|(request_id, event, hold)| Queued {
                request_id,
                event,
                hold,
            })
            .collect();
        let shared = Arc::new((
            Mutex::new(Shared {
                trace,
                queue,
                handed_out: Vec::new(),
                posted: Vec::new(),
            }),
            Condvar::new(),
        ));
        let state = shared.clone();
        let started = Instant::now();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = state.clone();
                std::thread::spawn(move || serve(stream, state, started));
            }
        });
        Self { port, shared }
    }

    /// Waits until `count` results were posted (or the timeout passes).
    pub fn wait_for_results(&self, count: usize, timeout: Duration) -> Vec<Posted> {
        let (lock, condvar) = &*self.shared;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = condvar
            .wait_timeout_while(guard, timeout, |s| s.posted.len() < count)
            .unwrap_or_else(|p| p.into_inner());
        guard.posted.clone()
    }
}

fn serve(stream: TcpStream, state: Arc<(Mutex<Shared>, Condvar)>, started: Instant) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        let (lock, condvar) = &*state;
        if request.method == "GET" && request.path.ends_with("/runtime/invocation/next") {
            let (next, trace) = {
                let mut shared = lock.lock().unwrap_or_else(|p| p.into_inner());
                (shared.queue.pop_front(), shared.trace)
            };
            let Some(next) = next else {
                // No more work: hold the runtime here until the test ends it.
                std::thread::sleep(Duration::from_secs(600));
                return;
            };
            if let Some(wait) = (started + next.hold).checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() + 8_000)
                .unwrap_or_default();
            let headers = [
                ("Content-Type", "application/json".to_string()),
                ("Lambda-Runtime-Aws-Request-Id", next.request_id.clone()),
                ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
                (
                    "Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:eu-west-1:000000000000:function:lee".to_string(),
                ),
                ("Lambda-Runtime-Trace-Id", trace(&next.request_id)),
            ];
            lock.lock()
                .unwrap_or_else(|p| p.into_inner())
                .handed_out
                .push((next.request_id.clone(), Instant::now()));
            if write_response(&mut writer, 200, &headers, &next.event.to_string()).is_err() {
                return;
            }
        } else if request.method == "POST" {
            let received = Instant::now();
            let parts: Vec<&str> = request.path.split('/').collect();
            // /2018-06-01/runtime/invocation/<id>/<kind>
            if parts.len() >= 6 {
                let mut shared = lock.lock().unwrap_or_else(|p| p.into_inner());
                let handed_out = shared
                    .handed_out
                    .iter()
                    .find(|(id, _)| id == parts[4])
                    .map(|(_, at)| *at);
                let posted = Posted {
                    request_id: parts[4].to_string(),
                    kind: parts[5].to_string(),
                    body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
                    received,
                    handed_out,
                };
                shared.posted.push(posted);
                condvar.notify_all();
            }
            let _ = write_response(&mut writer, 202, &[], "{}");
        } else {
            let _ = write_response(&mut writer, 404, &[], "{}");
        }
    }
}

/// `dist/lee lambda` running against a [`RuntimeApi`], its stderr collected as it comes
/// (a full pipe would stall the runtime).
pub struct LambdaProcess {
    child: Child,
    stderr: Option<JoinHandle<String>>,
    /// When the process was spawned: a cold start's first event counts from here.
    pub spawned: Instant,
}

impl LambdaProcess {
    /// Spawns `lee lambda` with `lee`'s components directory and environment (and nothing
    /// else of the test's environment but PATH).
    pub fn spawn(lee: &Lee, api: &RuntimeApi) -> Result<Self> {
        let mut command = Command::new(lee_binary());
        command
            .arg("lambda")
            .arg("--components")
            .arg(&lee.components)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{}", api.port))
            .env("AWS_LAMBDA_FUNCTION_NAME", "lee")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "stream")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "group")
            .envs(lee.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let spawned = Instant::now();
        let mut child = command.spawn().context("spawn lee lambda")?;
        let mut pipe = child.stderr.take().context("stderr")?;
        let stderr = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        Ok(Self {
            child,
            stderr: Some(stderr),
            spawned,
        })
    }

    /// Ends the process (Lambda would freeze it; nothing more is expected of it) and
    /// returns everything it wrote on stderr.
    pub fn finish(mut self) -> String {
        self.stop()
    }

    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for LambdaProcess {
    fn drop(&mut self) {
        if self.stderr.is_some() {
            self.stop();
        }
    }
}
