//! X-Ray subsegments for the hop that matters: with active tracing (the invocation's trace
//! header says `Sampled=1`), the component run and each Home Assistant round trip become
//! subsegments of the Lambda function segment, so the X-Ray map shows whether a slow or
//! failed answer was Home Assistant, the link to it, or lee.
//!
//! The documents are the daemon's UDP format, one per datagram:
//! `{"format": "json", "version": 1}\n{<subsegment>}` to `AWS_XRAY_DAEMON_ADDRESS`. A
//! finished subsegment is only queued; [`flush_after_answer`] sends the queue once the
//! runtime has posted the answer to the Runtime API, so tracing never delays Alexa. An
//! unsampled invocation (`Tracing: PassThrough`) or a function without a daemon address
//! records and sends nothing.
//!
//! What a document may carry: ids, times, names, the component's route and version, and
//! for a Home Assistant call the method, the URL without userinfo, query or fragment, the
//! status and a fixed error kind. Never a token, a header, a body or an error message.
//!
//! Hand-written (about 200 lines over serde_json) rather than a crate: the one Rust X-Ray
//! daemon client (xray-lite 0.0.x) sends each subsegment when it opens and when it
//! closes, i.e. while the answer is still pending, and takes the trace header from the
//! process environment; neither fits "after the answer".

use std::future::Future;
use std::net::{SocketAddr, UdpSocket};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lambda_runtime::tower::{Layer, Service};
use serde_json::{Map, Value, json};

/// The daemon's datagram header.
const HEADER: &[u8] = b"{\"format\": \"json\", \"version\": 1}\n";
/// Finished subsegments kept for sending at most (a bound on memory, far above what one
/// invocation makes).
const MAX_PENDING: usize = 512;
/// The name Home Assistant calls appear under in the trace map.
pub const HOME_ASSISTANT: &str = "Home Assistant";

/// The parts of an X-Ray trace header (`Root=1-...;Parent=...;Sampled=1`) lee uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHeader {
    pub root: String,
    pub parent: Option<String>,
    pub sampled: bool,
}

impl TraceHeader {
    pub fn parse(header: &str) -> Option<TraceHeader> {
        let mut root = None;
        let mut parent = None;
        let mut sampled = false;
        for part in header.split(';') {
            let Some((key, value)) = part.split_once('=') else {
                continue;
            };
            match key.trim() {
                "Root" => root = Some(value.trim().to_string()),
                "Parent" => parent = Some(value.trim().to_string()),
                "Sampled" => sampled = value.trim() == "1",
                _ => {}
            }
        }
        let root = root.filter(|r| valid_trace_id(r))?;
        let parent = parent.filter(|p| valid_segment_id(p));
        Some(TraceHeader {
            root,
            parent,
            sampled,
        })
    }
}

/// `1-<8 hex>-<24 hex>`.
fn valid_trace_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 3
        && parts[0] == "1"
        && parts[1].len() == 8
        && parts[2].len() == 24
        && parts[1..].iter().all(|p| is_hex(p))
}

fn valid_segment_id(id: &str) -> bool {
    id.len() == 16 && is_hex(id)
}

fn is_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The daemon's UDP address from `AWS_XRAY_DAEMON_ADDRESS`: `host:port`, or Lambda's
/// two-part form `tcp:host:port udp:host:port` (the UDP one is used).
pub fn daemon_address(value: &str) -> Option<SocketAddr> {
    let mut plain = None;
    for part in value.split_whitespace() {
        if let Some(udp) = part.strip_prefix("udp:") {
            return udp.parse().ok();
        }
        if !part.starts_with("tcp:") {
            plain = part.parse().ok();
        }
    }
    plain
}

/// Where finished subsegments wait for the answer to be sent, and the socket they go out on.
pub struct Daemon {
    address: SocketAddr,
    socket: OnceLock<Option<UdpSocket>>,
    pending: Mutex<Vec<Vec<u8>>>,
}

impl Daemon {
    /// From `AWS_XRAY_DAEMON_ADDRESS`; `None` when it is not set or not an address.
    pub fn from_env() -> Option<Arc<Daemon>> {
        let value = std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok()?;
        match daemon_address(&value) {
            Some(address) => Some(Arc::new(Daemon::new(address))),
            None => {
                tracing::warn!(
                    address = %value,
                    "AWS_XRAY_DAEMON_ADDRESS is not an ip:port; no X-Ray subsegments"
                );
                None
            }
        }
    }

    pub fn new(address: SocketAddr) -> Daemon {
        Daemon {
            address,
            socket: OnceLock::new(),
            pending: Mutex::new(Vec::new()),
        }
    }

    /// The invocation's trace when its header says it is sampled and names the
    /// function segment, else `None` (nothing is recorded).
    pub fn trace(self: &Arc<Self>, header: Option<&str>) -> Option<Arc<Trace>> {
        let header = TraceHeader::parse(header?)?;
        if !header.sampled {
            return None;
        }
        Some(Arc::new(Trace {
            daemon: self.clone(),
            trace_id: header.root,
            parent_id: header.parent?,
        }))
    }

    fn queue(&self, document: Vec<u8>) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.len() < MAX_PENDING {
            pending.push(document);
        }
    }

    /// Sends every queued document, one datagram each; returns how many were sent. A
    /// failed send is logged at debug and dropped: tracing never fails an invocation.
    pub fn flush(&self) -> usize {
        let documents =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if documents.is_empty() {
            return 0;
        }
        let Some(socket) = self.socket.get_or_init(|| self.connect()) else {
            return 0;
        };
        let mut sent = 0;
        for document in documents {
            match socket.send(&document) {
                Ok(_) => sent += 1,
                Err(e) => tracing::debug!(error = %e, "X-Ray subsegment not sent"),
            }
        }
        sent
    }

    fn connect(&self) -> Option<UdpSocket> {
        let local: SocketAddr = if self.address.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            ([0u16; 8], 0).into()
        };
        let socket = UdpSocket::bind(local)
            .and_then(|s| s.set_nonblocking(true).map(|_| s))
            .and_then(|s| s.connect(self.address).map(|_| s));
        match socket {
            Ok(socket) => Some(socket),
            Err(e) => {
                tracing::warn!(error = %e, address = %self.address, "cannot reach the X-Ray daemon");
                None
            }
        }
    }
}

/// One sampled invocation: its trace id and the Lambda function segment's id.
pub struct Trace {
    daemon: Arc<Daemon>,
    trace_id: String,
    parent_id: String,
}

impl Trace {
    /// Opens a subsegment of the function segment.
    pub fn begin(self: &Arc<Self>, name: &str) -> Subsegment {
        Subsegment::open(self.clone(), self.parent_id.clone(), name)
    }
}

/// Where a subsegment hangs: the trace and its parent's id (cheap to clone into the
/// Home Assistant context of an invocation).
#[derive(Clone)]
pub struct Parent {
    trace: Arc<Trace>,
    id: Arc<str>,
}

impl std::fmt::Debug for Parent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parent")
            .field("trace_id", &self.trace.trace_id)
            .field("id", &self.id)
            .finish()
    }
}

impl Parent {
    /// Opens a subsegment under this parent.
    pub fn begin(&self, name: &str) -> Subsegment {
        Subsegment::open(self.trace.clone(), self.id.to_string(), name)
    }
}

/// An open subsegment; [`Subsegment::end`] queues it.
pub struct Subsegment {
    trace: Arc<Trace>,
    id: String,
    parent_id: String,
    start_time: f64,
    started: Instant,
    fields: Map<String, Value>,
}

impl Subsegment {
    fn open(trace: Arc<Trace>, parent_id: String, name: &str) -> Subsegment {
        let mut fields = Map::new();
        fields.insert("name".into(), Value::String(segment_name(name)));
        Subsegment {
            trace,
            id: new_id(),
            parent_id,
            start_time: epoch_seconds(),
            started: Instant::now(),
            fields,
        }
    }

    /// This subsegment as the parent of others.
    pub fn parent(&self) -> Parent {
        Parent {
            trace: self.trace.clone(),
            id: Arc::from(self.id.as_str()),
        }
    }

    /// An indexed annotation (string, number or bool).
    pub fn annotate(&mut self, key: &str, value: impl Into<Value>) {
        let annotations = self
            .fields
            .entry("annotations")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(map) = annotations {
            map.insert(key.to_string(), value.into());
        }
    }

    /// Unindexed metadata under the `lee` namespace.
    pub fn metadata(&mut self, key: &str, value: impl Into<Value>) {
        let metadata = self
            .fields
            .entry("metadata")
            .or_insert_with(|| json!({ "lee": {} }));
        if let Some(Value::Object(map)) = metadata.get_mut("lee") {
            map.insert(key.to_string(), value.into());
        }
    }

    /// Marks the subsegment failed: `fault` (lee's or the server's side), else `error`
    /// (the request was refused), with a fixed kind (never an error message).
    pub fn fail(&mut self, fault: bool, kind: &str) {
        self.fields.insert(
            if fault { "fault" } else { "error" }.into(),
            Value::Bool(true),
        );
        self.metadata("error", kind);
    }

    /// A call to a remote HTTP service: method, URL (without userinfo, query or
    /// fragment) and, if it answered, the status (4xx `error`, 429 `throttle`, 5xx `fault`).
    pub fn http(&mut self, method: &str, url: &str, status: Option<u16>) {
        self.fields.insert("namespace".into(), "remote".into());
        let mut http = json!({ "request": { "method": method, "url": clean_url(url) } });
        if let Some(status) = status {
            http["response"] = json!({ "status": status });
            match status {
                429 => {
                    self.fields.insert("throttle".into(), Value::Bool(true));
                    self.fields.insert("error".into(), Value::Bool(true));
                }
                400..=499 => {
                    self.fields.insert("error".into(), Value::Bool(true));
                }
                500.. => {
                    self.fields.insert("fault".into(), Value::Bool(true));
                }
                _ => {}
            }
        }
        self.fields.insert("http".into(), http);
    }

    /// Closes the subsegment and queues it for sending after the answer.
    pub fn end(self) {
        let Subsegment {
            trace,
            id,
            parent_id,
            start_time,
            started,
            mut fields,
        } = self;
        fields.insert("id".into(), Value::String(id));
        fields.insert("parent_id".into(), Value::String(parent_id));
        fields.insert("trace_id".into(), Value::String(trace.trace_id.clone()));
        fields.insert("type".into(), "subsegment".into());
        fields.insert("start_time".into(), json!(start_time));
        let end_time = start_time + started.elapsed().as_secs_f64();
        fields.insert("end_time".into(), json!(end_time));
        let Ok(body) = serde_json::to_vec(&Value::Object(fields)) else {
            return;
        };
        let mut document = Vec::with_capacity(HEADER.len() + body.len());
        document.extend_from_slice(HEADER);
        document.extend_from_slice(&body);
        trace.daemon.queue(document);
    }
}

/// `url` without userinfo, query or fragment (a URL that does not parse: its scheme and
/// host part only, without anything before an `@`).
pub fn clean_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => {
            let cut = url.find(['?', '#']).unwrap_or(url.len());
            let url = &url[..cut];
            match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    format!("{}{}", &url[..scheme + 3], &url[at + 1..])
                }
                _ => url.to_string(),
            }
        }
    }
}

/// X-Ray names: at most 200 of letters, digits, whitespace and `_ . : / % & # = + \ - @`.
fn segment_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c.is_whitespace() || "_.:/%&#=+\\-@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(200)
        .collect();
    if cleaned.is_empty() {
        "lee".into()
    } else {
        cleaned
    }
}

fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// 16 random hex digits (64 bits from the OS), never all zeros.
fn new_id() -> String {
    static FALLBACK: AtomicU64 = AtomicU64::new(1);
    let mut bytes = [0u8; 8];
    let mut id = match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_be_bytes(bytes),
        // No OS randomness: still unique within the process.
        Err(_) => {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default();
            nanos ^ FALLBACK.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
        }
    };
    if id == 0 {
        id = 1;
    }
    format!("{id:016x}")
}

/// A runtime layer that sends the queued subsegments once the inner service (which posts
/// the answer to the Runtime API) has finished with an invocation.
pub fn flush_after_answer(daemon: Option<Arc<Daemon>>) -> FlushLayer {
    FlushLayer { daemon }
}

#[derive(Clone)]
pub struct FlushLayer {
    daemon: Option<Arc<Daemon>>,
}

impl<S> Layer<S> for FlushLayer {
    type Service = FlushService<S>;

    fn layer(&self, inner: S) -> FlushService<S> {
        FlushService {
            inner,
            daemon: self.daemon.clone(),
        }
    }
}

#[derive(Clone)]
pub struct FlushService<S> {
    inner: S,
    daemon: Option<Arc<Daemon>>,
}

impl<S, R> Service<R> for FlushService<S>
where
    S: Service<R>,
    S::Future: 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let answered = self.inner.call(request);
        let daemon = self.daemon.clone();
        Box::pin(async move {
            let result = answered.await;
            if let Some(daemon) = daemon {
                daemon.flush();
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_headers_and_daemon_addresses_parse() {
        let h = TraceHeader::parse(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a:1",
        )
        .unwrap();
        assert_eq!(h.root, "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(h.parent.as_deref(), Some("53995c3f42cd8ad8"));
        assert!(h.sampled);
        let off = TraceHeader::parse("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0").unwrap();
        assert!(!off.sampled && off.parent.is_none());
        assert!(TraceHeader::parse("Root=2-x-y;Sampled=1").is_none());
        assert!(TraceHeader::parse("").is_none());

        assert_eq!(
            daemon_address("169.254.79.129:2000"),
            Some("169.254.79.129:2000".parse().unwrap())
        );
        assert_eq!(
            daemon_address("tcp:127.0.0.1:2000 udp:127.0.0.2:2001"),
            Some("127.0.0.2:2001".parse().unwrap())
        );
        assert_eq!(daemon_address("xray.local:2000"), None);
    }

    #[test]
    fn unsampled_or_parentless_invocations_are_not_traced() {
        let daemon = Arc::new(Daemon::new("127.0.0.1:9".parse().unwrap()));
        let root = "Root=1-5759e988-bd862e3fe1be46a994272793";
        assert!(daemon.trace(None).is_none());
        assert!(
            daemon
                .trace(Some(&format!("{root};Parent=53995c3f42cd8ad8;Sampled=0")))
                .is_none()
        );
        assert!(daemon.trace(Some(&format!("{root};Sampled=1"))).is_none());
        assert!(
            daemon
                .trace(Some(&format!("{root};Parent=53995c3f42cd8ad8;Sampled=1")))
                .is_some()
        );
    }

    #[test]
    fn urls_lose_userinfo_query_and_fragment() {
        assert_eq!(
            clean_url(
                "https://u:p@ha.example:8123/api/services/weather/get_forecasts?return_response#x"
            ),
            "https://ha.example:8123/api/services/weather/get_forecasts"
        );
        assert_eq!(clean_url("http://u:p@[::1/api?q"), "http://[::1/api");
        assert_eq!(segment_name("alexa-smart-home"), "alexa-smart-home");
        assert_eq!(segment_name("a<b>"), "a_b_");
        let id = new_id();
        assert!(id.len() == 16 && is_hex(&id) && id != new_id());
    }

    #[test]
    fn documents_are_queued_until_flushed() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver
            .set_read_timeout(Some(std::time::Duration::from_secs(2)))
            .unwrap();
        let daemon = Arc::new(Daemon::new(receiver.local_addr().unwrap()));
        let trace = daemon
            .trace(Some(
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            ))
            .unwrap();
        let mut component = trace.begin("alexa-smart-home");
        component.annotate("route", "skill:ListAreas");
        let mut call = component.parent().begin(HOME_ASSISTANT);
        call.http("GET", "http://u:p@127.0.0.1:1/api/states?x=1", Some(503));
        call.end();
        component.end();
        receiver.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 4096];
        assert!(receiver.recv(&mut buf).is_err(), "nothing before the flush");
        receiver.set_nonblocking(false).unwrap();
        assert_eq!(daemon.flush(), 2);
        let mut docs = Vec::new();
        for _ in 0..2 {
            let n = receiver.recv(&mut buf).unwrap();
            let text = std::str::from_utf8(&buf[..n]).unwrap();
            let body = text
                .strip_prefix("{\"format\": \"json\", \"version\": 1}\n")
                .unwrap();
            docs.push(serde_json::from_str::<Value>(body).unwrap());
        }
        let (call, component) = (&docs[0], &docs[1]);
        assert_eq!(component["parent_id"], "53995c3f42cd8ad8");
        assert_eq!(call["parent_id"], component["id"]);
        assert_eq!(
            call["http"]["request"]["url"],
            "http://127.0.0.1:1/api/states"
        );
        assert_eq!(call["fault"], true);
        assert_eq!(component["annotations"]["route"], "skill:ListAreas");
        assert_eq!(daemon.flush(), 0);
    }
}
