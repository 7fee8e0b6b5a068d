//! A local AWS Lambda Runtime API (the protocol `bootstrap` speaks) on 127.0.0.1: hands
//! out queued events with a request id and deadline and records what the runtime posts
//! back, so Lambda mode is tested with the real lambda_runtime client in the real binary.

use std::collections::VecDeque;
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::fault_server::{read_request, write_response};

/// What the runtime posted for one request id.
#[derive(Debug, Clone)]
pub struct Posted {
    pub request_id: String,
    /// `response` or `error`.
    pub kind: String,
    pub body: Value,
}

#[derive(Default)]
struct Shared {
    queue: VecDeque<(String, Value)>,
    posted: Vec<Posted>,
}

pub struct RuntimeApi {
    pub port: u16,
    shared: Arc<(Mutex<Shared>, Condvar)>,
}

impl RuntimeApi {
    /// Serves `events` (request id, event) in order.
    pub fn start(events: Vec<(String, Value)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new((
            Mutex::new(Shared {
                queue: events.into(),
                posted: Vec::new(),
            }),
            Condvar::new(),
        ));
        let state = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = state.clone();
                std::thread::spawn(move || serve(stream, state));
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

fn serve(stream: TcpStream, state: Arc<(Mutex<Shared>, Condvar)>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        let (lock, condvar) = &*state;
        if request.method == "GET" && request.path.ends_with("/runtime/invocation/next") {
            let next = lock
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .queue
                .pop_front();
            let Some((request_id, event)) = next else {
                // No more work: hold the runtime here until the test ends it.
                std::thread::sleep(Duration::from_secs(600));
                return;
            };
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() + 8_000)
                .unwrap_or_default();
            let headers = [
                ("Content-Type", "application/json".to_string()),
                ("Lambda-Runtime-Aws-Request-Id", request_id),
                ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
                (
                    "Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:eu-west-1:000000000000:function:lee".to_string(),
                ),
                (
                    "Lambda-Runtime-Trace-Id",
                    "Root=1-00000000-000000000000000000000000".to_string(),
                ),
            ];
            if write_response(&mut writer, 200, &headers, &event.to_string()).is_err() {
                return;
            }
        } else if request.method == "POST" {
            let parts: Vec<&str> = request.path.split('/').collect();
            // /2018-06-01/runtime/invocation/<id>/<kind>
            if parts.len() >= 6 {
                let posted = Posted {
                    request_id: parts[4].to_string(),
                    kind: parts[5].to_string(),
                    body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
                };
                lock.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .posted
                    .push(posted);
                condvar.notify_all();
            }
            let _ = write_response(&mut writer, 202, &[], "{}");
        } else {
            let _ = write_response(&mut writer, 404, &[], "{}");
        }
    }
}
