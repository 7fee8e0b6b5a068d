//! A stand-in for the AWS Parameters and Secrets Lambda Extension on 127.0.0.1 (the real
//! one exists only inside Lambda): it serves `GET /systemsmanager/parameters/get?name=...
//! &withDecryption=true` the way the extension does — `401` without the right
//! `X-Aws-Parameters-Secrets-Token` (the function's `AWS_SESSION_TOKEN`), `400` for a
//! missing name or an unknown parameter, a SecureString only with `withDecryption=true`,
//! an SSM `GetParameter` result otherwise — and can answer "not ready" for its first
//! requests, as the extension does while it starts. It counts what it was asked.

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::fault_server::{read_request, write_response};

/// What one request asked for, as the extension saw it.
#[derive(Debug, Clone)]
pub struct Asked {
    pub path: String,
    pub name: Option<String>,
    pub with_decryption: bool,
    pub token_ok: bool,
}

struct Shared {
    session_token: String,
    parameters: Vec<(String, String)>,
    not_ready_for: usize,
    asked: Mutex<Vec<Asked>>,
    requests: AtomicUsize,
}

pub struct SsmExtension {
    pub port: u16,
    shared: Arc<Shared>,
}

impl SsmExtension {
    /// Serves the SecureStrings `parameters` (name, value) to callers presenting
    /// `session_token`; the first `not_ready_for` requests are answered "not ready".
    pub fn start(session_token: &str, parameters: &[(&str, &str)], not_ready_for: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Shared {
            session_token: session_token.to_string(),
            parameters: parameters
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            not_ready_for,
            asked: Mutex::new(Vec::new()),
            requests: AtomicUsize::new(0),
        });
        let state = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = state.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Self { port, shared }
    }

    /// Every request so far.
    pub fn asked(&self) -> Vec<Asked> {
        self.shared
            .asked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        let n = shared.requests.fetch_add(1, Ordering::SeqCst);
        let (path, query) = request
            .path
            .split_once('?')
            .unwrap_or((request.path.as_str(), ""));
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let asked = Asked {
            path: path.to_string(),
            name: get("name"),
            with_decryption: get("withDecryption").as_deref() == Some("true"),
            token_ok: request.header("X-Aws-Parameters-Secrets-Token")
                == Some(shared.session_token.as_str()),
        };
        shared
            .asked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(asked.clone());
        let (status, body) = if n < shared.not_ready_for {
            (400, "not ready to serve traffic, please wait".to_string())
        } else if !asked.token_ok {
            (
                401,
                "missing or invalid X-Aws-Parameters-Secrets-Token".to_string(),
            )
        } else if request.method != "GET" || path != "/systemsmanager/parameters/get" {
            (404, "not found".to_string())
        } else {
            match asked.name.as_deref() {
                None => (400, "name is required".to_string()),
                Some(name) => match shared.parameters.iter().find(|(k, _)| k == name) {
                    None => (
                        400,
                        json!({"__type": "ParameterNotFound", "message": format!("parameter {name} not found")})
                            .to_string(),
                    ),
                    Some((_, value)) => {
                        // A SecureString read without decryption comes back encrypted.
                        let value = if asked.with_decryption {
                            value.clone()
                        } else {
                            "AQICAHh-encrypted-blob".to_string()
                        };
                        (
                            200,
                            json!({
                                "Parameter": {
                                    "ARN": format!("arn:aws:ssm:eu-west-1:000000000000:parameter{name}"),
                                    "DataType": "text",
                                    "LastModifiedDate": "2026-01-01T00:00:00Z",
                                    "Name": name,
                                    "Selector": null,
                                    "SourceResult": null,
                                    "Type": "SecureString",
                                    "Value": value,
                                    "Version": 1
                                },
                                "ResultMetadata": {}
                            })
                            .to_string(),
                        )
                    }
                },
            }
        };
        let headers = [("Content-Type", "application/json".to_string())];
        if write_response(&mut writer, status, &headers, &body).is_err() {
            return;
        }
    }
}
