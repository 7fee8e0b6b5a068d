//! A fake Login with Amazon token endpoint and a fake Alexa event gateway on 127.0.0.1,
//! for `lee reporter` (the real ones cannot be reached from here). They check what the
//! real ones check: LWA the client id and secret, single-use grant codes and refresh
//! tokens (form POST); the gateway the bearer token (issued, unexpired, the same in the
//! event's scope) and every event against Amazon's schema in ../shared (DeleteReport,
//! absent from it, against a small schema of Amazon's documented shape). Tests switch
//! the gateway's behaviour (down, throttled, INVALID_ACCESS_TOKEN_EXCEPTION,
//! SKILL_DISABLED_EXCEPTION) and read what was accepted.

use std::collections::{HashMap, HashSet};
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fault_server::{read_request, write_response};

/// How the gateway answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayMode {
    Accept,
    /// 503 to everything.
    Down,
    /// 403 SKILL_DISABLED_EXCEPTION.
    SkillDisabled,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    /// Wall-clock receipt time (compared with Home Assistant's timestamps).
    pub wall: std::time::SystemTime,
    pub event: Value,
}

#[derive(Default)]
struct State {
    client_id: String,
    client_secret: String,
    codes: HashSet<String>,
    access: HashMap<String, Instant>,
    refresh: HashSet<String>,
    issued: u32,
    expires_in: u64,
    exchanges: u32,
    refreshes: u32,
    lwa_refusals: Vec<String>,
    mode: Option<GatewayMode>,
    accepted: Vec<Received>,
    refused: Vec<String>,
    schema_errors: Vec<String>,
    gateway_calls: u32,
}

pub struct FakeAmazon {
    pub lwa_port: u16,
    pub gateway_port: u16,
    state: Arc<Mutex<State>>,
}

impl FakeAmazon {
    /// Credentials the skill has; access tokens live `expires_in` seconds.
    pub fn start(client_id: &str, client_secret: &str, expires_in: u64) -> Self {
        let state = Arc::new(Mutex::new(State {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            expires_in,
            mode: Some(GatewayMode::Accept),
            ..State::default()
        }));
        let lwa_port = serve(state.clone(), lwa);
        let gateway_port = serve(state.clone(), gateway);
        Self {
            lwa_port,
            gateway_port,
            state,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn lwa_url(&self) -> String {
        format!("http://127.0.0.1:{}/auth/o2/token", self.lwa_port)
    }

    pub fn gateway_url(&self) -> String {
        format!("http://127.0.0.1:{}/v3/events", self.gateway_port)
    }

    /// A grant code Alexa would put in AcceptGrant (single use).
    pub fn new_code(&self) -> String {
        let mut s = self.lock();
        s.issued += 1;
        let code = format!("code-{}", s.issued);
        s.codes.insert(code.clone());
        code
    }

    pub fn set_mode(&self, mode: GatewayMode) {
        self.lock().mode = Some(mode);
    }

    /// Every issued access token stops working (the gateway answers
    /// INVALID_ACCESS_TOKEN_EXCEPTION until the reporter refreshes).
    pub fn invalidate_access_tokens(&self) {
        self.lock().access.clear();
    }

    pub fn accepted(&self) -> Vec<Received> {
        self.lock().accepted.clone()
    }

    /// How many events were accepted (without copying them).
    pub fn accepted_count(&self) -> usize {
        self.lock().accepted.len()
    }

    /// Forgets the accepted events (between benchmark rounds).
    pub fn clear_accepted(&self) {
        self.lock().accepted.clear();
    }

    pub fn exchanges(&self) -> u32 {
        self.lock().exchanges
    }

    pub fn refreshes(&self) -> u32 {
        self.lock().refreshes
    }

    pub fn gateway_calls(&self) -> u32 {
        self.lock().gateway_calls
    }

    /// Requests the fakes refused (wrong secret, bad token, ...), in words.
    pub fn refusals(&self) -> Vec<String> {
        let s = self.lock();
        s.lwa_refusals.iter().chain(&s.refused).cloned().collect()
    }

    /// Schema violations of received events (none is the only acceptable answer).
    pub fn schema_errors(&self) -> Vec<String> {
        self.lock().schema_errors.clone()
    }

    /// The accepted events about `endpoint_id` named `name`.
    pub fn events_for(&self, name: &str, endpoint_id: &str) -> Vec<Received> {
        self.accepted()
            .into_iter()
            .filter(|r| {
                r.event
                    .pointer("/event/header/name")
                    .and_then(Value::as_str)
                    == Some(name)
                    && r.event
                        .pointer("/event/endpoint/endpointId")
                        .and_then(Value::as_str)
                        == Some(endpoint_id)
            })
            .collect()
    }

    /// Waits up to `timeout` for `check` over the accepted events.
    pub fn wait_for(&self, timeout: Duration, check: impl Fn(&[Received]) -> bool) -> bool {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if check(&self.accepted()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        check(&self.accepted())
    }
}

type Handler = fn(&Mutex<State>, &str, &[(String, String)], &[u8]) -> (u16, String);

fn serve(state: Arc<Mutex<State>>, handler: Handler) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let state = state.clone();
            std::thread::spawn(move || connection(stream, &state, handler));
        }
    });
    port
}

fn connection(stream: TcpStream, state: &Mutex<State>, handler: Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        let (status, body) = if request.method == "POST" {
            handler(state, &request.path, &request.headers, &request.body)
        } else {
            (405, "{}".into())
        };
        let headers = [("Content-Type", "application/json".to_string())];
        if write_response(&mut writer, status, &headers, &body).is_err() {
            return;
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `application/x-www-form-urlencoded` decoding (the fake's own; tests send ASCII).
fn form(body: &[u8]) -> HashMap<String, String> {
    let decode = |s: &str| {
        let bytes = s.replace('+', " ").into_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%'
                && i + 2 < bytes.len()
                && let Ok(b) =
                    u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16)
            {
                out.push(b);
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn lwa(
    state: &Mutex<State>,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, String) {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    let refuse = |s: &mut State, status: u16, error: &str| {
        s.lwa_refusals.push(format!("LWA {status} {error}"));
        (
            status,
            json!({"error": error, "error_description": error}).to_string(),
        )
    };
    if path != "/auth/o2/token" {
        return refuse(&mut s, 404, "not_found");
    }
    if !header(headers, "content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    {
        return refuse(&mut s, 400, "invalid_request");
    }
    let f = form(body);
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != s.client_id || get("client_secret") != s.client_secret {
        return refuse(&mut s, 401, "invalid_client");
    }
    match get("grant_type") {
        "authorization_code" => {
            if !s.codes.remove(get("code")) {
                return refuse(&mut s, 400, "invalid_grant");
            }
            s.exchanges += 1;
        }
        "refresh_token" => {
            if !s.refresh.contains(get("refresh_token")) {
                return refuse(&mut s, 400, "invalid_grant");
            }
            s.refreshes += 1;
        }
        _ => return refuse(&mut s, 400, "unsupported_grant_type"),
    }
    s.issued += 1;
    let access = format!("Atza|access-{}", s.issued);
    let refresh = format!("Atzr|refresh-{}", s.issued);
    let lifetime = Duration::from_secs(s.expires_in);
    s.access.insert(access.clone(), Instant::now() + lifetime);
    s.refresh.insert(refresh.clone());
    let answer = json!({"access_token": access, "refresh_token": refresh,
        "token_type": "bearer", "expires_in": s.expires_in});
    (200, answer.to_string())
}

fn gateway_error(code: &str, description: &str) -> String {
    json!({"header": {"namespace": "System", "name": "Exception", "messageId": "m"},
           "payload": {"code": code, "description": description}})
    .to_string()
}

fn gateway(
    state: &Mutex<State>,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, String) {
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
    s.gateway_calls += 1;
    if path != "/v3/events" {
        return (404, gateway_error("NOT_FOUND", path));
    }
    match s.mode {
        Some(GatewayMode::Down) => {
            return (503, gateway_error("INTERNAL_SERVICE_EXCEPTION", "down"));
        }
        Some(GatewayMode::SkillDisabled) => {
            return (
                403,
                gateway_error("SKILL_DISABLED_EXCEPTION", "skill disabled"),
            );
        }
        _ => {}
    }
    let bearer = header(headers, "authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("");
    let valid = s
        .access
        .get(bearer)
        .is_some_and(|until| *until > Instant::now());
    if !valid {
        s.refused
            .push(format!("gateway: bearer {bearer:?} not valid"));
        return (
            401,
            gateway_error("INVALID_ACCESS_TOKEN_EXCEPTION", "token"),
        );
    }
    let Ok(event) = serde_json::from_slice::<Value>(body) else {
        s.refused.push("gateway: body is not JSON".into());
        return (400, gateway_error("INVALID_REQUEST_EXCEPTION", "json"));
    };
    let scope = event
        .pointer("/event/endpoint/scope/token")
        .or_else(|| event.pointer("/event/payload/scope/token"))
        .and_then(Value::as_str);
    if scope != Some(bearer) {
        s.refused
            .push("gateway: scope token differs from the bearer".into());
        return (400, gateway_error("INVALID_REQUEST_EXCEPTION", "scope"));
    }
    let errors = validate(&event);
    if !errors.is_empty() {
        s.schema_errors.extend(errors);
        return (400, gateway_error("INVALID_REQUEST_EXCEPTION", "schema"));
    }
    s.accepted.push(Received {
        at: Instant::now(),
        wall: std::time::SystemTime::now(),
        event,
    });
    (202, String::new())
}

/// Amazon's schema, or for DeleteReport (not in it) the documented shape.
pub fn validate(event: &Value) -> Vec<String> {
    if event.pointer("/event/header/name").and_then(Value::as_str) == Some("DeleteReport") {
        let schema = delete_report_schema();
        return schema
            .iter_errors(event)
            .map(|e| format!("DeleteReport: {e} at {}", e.instance_path()))
            .collect();
    }
    crate::alexa_schema()
        .iter_errors(event)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(10)
        .collect()
}

fn delete_report_schema() -> &'static jsonschema::Validator {
    static V: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let schema = json!({
            "type": "object", "required": ["event"],
            "properties": {"event": {"type": "object", "required": ["header", "payload"],
                "properties": {
                    "header": {"type": "object",
                        "required": ["namespace", "name", "messageId", "payloadVersion"],
                        "properties": {"namespace": {"enum": ["Alexa.Discovery"]},
                            "name": {"enum": ["DeleteReport"]},
                            "payloadVersion": {"enum": ["3"]},
                            "messageId": {"type": "string", "minLength": 1}}},
                    "payload": {"type": "object", "required": ["endpoints", "scope"],
                        "properties": {
                            "endpoints": {"type": "array", "minItems": 1, "items": {
                                "type": "object", "required": ["endpointId"],
                                "properties": {"endpointId": {"type": "string",
                                    "pattern": "^[a-zA-Z0-9_\\-=#;:?@&]{1,256}$"}}}},
                            "scope": {"type": "object", "required": ["type", "token"],
                                "properties": {"type": {"enum": ["BearerToken"]},
                                    "token": {"type": "string", "minLength": 1}}}}}}}}
        });
        jsonschema::draft4::new(&schema).expect("DeleteReport schema compiles")
    })
}
