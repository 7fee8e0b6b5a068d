//! A stand-in for the AWS Parameters and Secrets Lambda Extension on 127.0.0.1 serving
//! parameters whose values a test changes while lee runs (the manifest in
//! `LEE_MANIFEST_SSM`). It checks what the real one checks: `401` without the right
//! `X-Aws-Parameters-Secrets-Token` (the function's `AWS_SESSION_TOKEN`), `400` for a
//! missing name or an unknown parameter (`ParameterNotFound`), `404` for another path,
//! and an SSM `GetParameter` result otherwise, with the parameter's version.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::fault_server::{read_request, write_response};

#[derive(Default)]
struct State {
    /// name -> (value, version)
    parameters: BTreeMap<String, (String, u64)>,
    requests: usize,
    refused_token: usize,
}

pub struct ParametersExtension {
    pub port: u16,
    session_token: String,
    state: Arc<Mutex<State>>,
}

impl ParametersExtension {
    /// Answers callers presenting `session_token`.
    pub fn start(session_token: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let token = session_token.to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                let token = token.clone();
                std::thread::spawn(move || serve(stream, &shared, &token));
            }
        });
        Self {
            port,
            session_token: session_token.to_string(),
            state,
        }
    }

    pub fn session_token(&self) -> &str {
        &self.session_token
    }

    /// Sets (or replaces, bumping its version) parameter `name`.
    pub fn put(&self, name: &str, value: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let version = state.parameters.get(name).map(|(_, v)| v + 1).unwrap_or(1);
        state
            .parameters
            .insert(name.to_string(), (value.to_string(), version));
    }

    /// Requests so far, and how many of them were refused for a wrong token.
    pub fn requests(&self) -> (usize, usize) {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (state.requests, state.refused_token)
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, token: &str) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        let (path, query) = request
            .path
            .split_once('?')
            .unwrap_or((request.path.as_str(), ""));
        let name = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "name")
            .map(|(_, v)| v.into_owned());
        let token_ok = request.header("X-Aws-Parameters-Secrets-Token") == Some(token);
        let (status, body) = {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.requests += 1;
            if !token_ok {
                state.refused_token += 1;
                (
                    401,
                    "missing or invalid X-Aws-Parameters-Secrets-Token".to_string(),
                )
            } else if request.method != "GET" || path != "/systemsmanager/parameters/get" {
                (404, "not found".to_string())
            } else {
                match name.as_deref().map(|n| (n, state.parameters.get(n))) {
                    None => (400, "name is required".to_string()),
                    Some((n, None)) => (
                        400,
                        json!({"__type": "ParameterNotFound", "message": format!("parameter {n} not found")})
                            .to_string(),
                    ),
                    Some((n, Some((value, version)))) => (
                        200,
                        json!({
                            "Parameter": {
                                "ARN": format!("arn:aws:ssm:eu-west-1:000000000000:parameter{n}"),
                                "DataType": "text",
                                "LastModifiedDate": "2026-01-01T00:00:00Z",
                                "Name": n,
                                "Type": "String",
                                "Value": value,
                                "Version": version
                            },
                            "ResultMetadata": {}
                        })
                        .to_string(),
                    ),
                }
            }
        };
        let headers = [("Content-Type", "application/json".to_string())];
        if write_response(&mut writer, status, &headers, &body).is_err() {
            return;
        }
    }
}
