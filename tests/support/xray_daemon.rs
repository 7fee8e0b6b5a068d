//! A stand-in for the X-Ray daemon Lambda runs: a UDP socket on 127.0.0.1 that records
//! each datagram with the moment it arrived, and checks it the way the daemon does before
//! forwarding it (the `{"format": "json", "version": 1}` header line, then one segment
//! document; an independently sent subsegment needs `type`, `parent_id` and `trace_id`;
//! ids and times well formed; names of allowed characters). A datagram the real daemon
//! would drop is recorded with why.

use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const HEADER: &str = "{\"format\": \"json\", \"version\": 1}\n";

/// One datagram received.
#[derive(Debug, Clone)]
pub struct Datagram {
    pub at: Instant,
    pub raw: String,
    /// The segment document, or why the daemon would refuse the datagram.
    pub document: Result<Value, String>,
}

pub struct FakeDaemon {
    /// `127.0.0.1:<port>`, for `AWS_XRAY_DAEMON_ADDRESS`.
    pub address: String,
    received: Arc<Mutex<Vec<Datagram>>>,
}

impl FakeDaemon {
    pub fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind the fake X-Ray daemon");
        let address = socket.local_addr().expect("local address").to_string();
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65_536];
            while let Ok(n) = socket.recv(&mut buf) {
                let at = Instant::now();
                let raw = String::from_utf8_lossy(&buf[..n]).into_owned();
                let document = check(&raw);
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Datagram { at, raw, document });
            }
        });
        Self { address, received }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Datagram> {
        self.received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until nothing new arrived for `quiet` (or `timeout` passed), then returns
    /// everything received.
    pub fn settle(&self, quiet: Duration, timeout: Duration) -> Vec<Datagram> {
        let deadline = Instant::now() + timeout;
        let mut seen = usize::MAX;
        loop {
            let count = self.received().len();
            if count == seen || Instant::now() >= deadline {
                return self.received();
            }
            seen = count;
            std::thread::sleep(quiet);
        }
    }
}

/// The daemon's checks of one datagram.
pub fn check(raw: &str) -> Result<Value, String> {
    let body = raw
        .strip_prefix(HEADER)
        .ok_or_else(|| "no {\"format\": \"json\", \"version\": 1} header line".to_string())?;
    let doc: Value =
        serde_json::from_str(body).map_err(|e| format!("not one JSON document: {e}"))?;
    let text = |field: &str| {
        doc[field]
            .as_str()
            .ok_or_else(|| format!("{field} missing or not a string"))
    };
    let name = text("name")?;
    if name.is_empty()
        || name.chars().count() > 200
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/%&#=+\\-@".contains(c))
    {
        return Err(format!("invalid name {name:?}"));
    }
    let hex16 = |id: &str| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex16(text("id")?) {
        return Err("id is not 16 hex digits".into());
    }
    let trace = text("trace_id")?;
    let parts: Vec<&str> = trace.split('-').collect();
    if !(parts.len() == 3 && parts[0] == "1" && parts[1].len() == 8 && parts[2].len() == 24) {
        return Err(format!("trace_id {trace:?} is not 1-<8 hex>-<24 hex>"));
    }
    if text("type")? != "subsegment" {
        return Err("a document sent on its own must be a subsegment".into());
    }
    if !hex16(text("parent_id")?) {
        return Err("parent_id is not 16 hex digits".into());
    }
    let start = doc["start_time"]
        .as_f64()
        .ok_or("start_time missing or not a number")?;
    match doc["end_time"].as_f64() {
        Some(end) if end >= start => {}
        Some(_) => return Err("end_time before start_time".into()),
        None if doc["in_progress"] == true => {}
        None => return Err("neither end_time nor in_progress".into()),
    }
    Ok(doc)
}
