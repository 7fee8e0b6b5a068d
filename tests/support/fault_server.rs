//! A tiny HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose — fixed status, hang,
//! garbage, a huge or truncated body, a dripping answer, a redirect, an untrusted TLS
//! certificate, or a 503 blip before it passes the bytes through to the harness Home
//! Assistant — and counts connections and requests: a stand-in for a broken Home
//! Assistant in fault tests. It never stands in for a working Home Assistant (after a
//! blip the real one answers). Also the HTTP/1.1 reading and writing the other local
//! servers of the tests share.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::tls_server::{TlsIdentity, harness_address};

/// How the server answers every request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status and a short JSON body.
    Status(u16),
    /// Read the request, then never answer.
    Hang,
    /// 200 with a body that is not JSON.
    Garbage,
    /// 200 with a 50 MB body, delimited by the connection's close (no Content-Length,
    /// so the client cannot refuse it from the header and must cap what it reads).
    Huge,
    /// 200 with a Content-Length, half the body, then the connection closes.
    CloseMidBody,
    /// A well-formed answer sent one byte per second.
    Drip,
    /// 302 to another origin (a second listener on 127.0.0.1 that counts who follows).
    Redirect,
    /// TLS with this (self-signed) certificate; a client that accepts it gets a 503.
    TlsUntrusted(TlsIdentity),
    /// 503 to every request for `window` after the server started (each connection
    /// closed after its answer, as a restarting proxy does); connections accepted after
    /// that are forwarded byte for byte to the harness Home Assistant (REST and
    /// websocket). A zero window makes a counting pass-through.
    Blip { window: Duration },
}

/// Size of the [`Fault::Huge`] body.
pub const HUGE_BODY_BYTES: usize = 50 * 1024 * 1024;
/// How long a [`Fault::Hang`] connection is held at most (the server's drop ends it sooner).
const HANG_FOR: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Counters {
    connections: AtomicUsize,
    requests: AtomicUsize,
    forwarded: AtomicUsize,
    redirects_followed: AtomicUsize,
}

struct Shared {
    fault: Fault,
    tls: Option<Arc<rustls::ServerConfig>>,
    upstream: Option<SocketAddr>,
    redirect_port: u16,
    started: Instant,
    stopped: AtomicBool,
    counters: Counters,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Sleeps up to `duration`, waking early when the server is dropped; false if it was.
    fn sleep(&self, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            if self.stopped() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
        }
        !self.stopped()
    }
}

/// A running fault server; stops accepting (and ends hanging and dripping answers) when
/// dropped.
pub struct FaultServer {
    pub port: u16,
    shared: Arc<Shared>,
}

impl FaultServer {
    pub fn start(fault: Fault) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let trap = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let redirect_port = trap.local_addr().expect("addr").port();
        let tls = match &fault {
            Fault::TlsUntrusted(identity) => Some(identity.server_config().expect("TLS config")),
            _ => None,
        };
        let upstream = match &fault {
            Fault::Blip { .. } => Some(harness_address().expect("harness Home Assistant")),
            _ => None,
        };
        let shared = Arc::new(Shared {
            fault,
            tls,
            upstream,
            redirect_port,
            started: Instant::now(),
            stopped: AtomicBool::new(false),
            counters: Counters::default(),
        });
        let state = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if state.stopped() {
                    return;
                }
                state.counters.connections.fetch_add(1, Ordering::SeqCst);
                let state = state.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        let state = shared.clone();
        std::thread::spawn(move || {
            for stream in trap.incoming().flatten() {
                if state.stopped() {
                    return;
                }
                state
                    .counters
                    .redirects_followed
                    .fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Self { port, shared }
    }

    /// The base URL to give lee (`https://` for [`Fault::TlsUntrusted`]).
    pub fn url(&self) -> String {
        let scheme = if self.shared.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Requests the server read and answered (or held) itself; forwarded bytes are not
    /// parsed, so not counted here.
    pub fn requests(&self) -> usize {
        self.shared.counters.requests.load(Ordering::SeqCst)
    }

    /// TCP connections accepted (TLS handshakes attempted, forwarded ones included).
    pub fn connections(&self) -> usize {
        self.shared.counters.connections.load(Ordering::SeqCst)
    }

    /// Connections passed through to the harness Home Assistant ([`Fault::Blip`]).
    pub fn forwarded(&self) -> usize {
        self.shared.counters.forwarded.load(Ordering::SeqCst)
    }

    /// Connections to the [`Fault::Redirect`] target: anyone who followed the redirect.
    pub fn redirects_followed(&self) -> usize {
        self.shared
            .counters
            .redirects_followed
            .load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        // Wake both accept loops so their threads end.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        let _ = TcpStream::connect(("127.0.0.1", self.shared.redirect_port));
    }
}

/// One parsed request: method, path, headers, body.
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one HTTP/1.1 request (Content-Length bodies only); `None` at end of stream.
pub fn read_request(reader: &mut impl BufRead) -> Option<HttpRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut length = 0usize;
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let chunked = headers.iter().any(|(k, v): &(String, String)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        body
    };
    Some(HttpRequest {
        method,
        path,
        headers,
        body,
    })
}

/// A `Transfer-Encoding: chunked` body (what hyper sends for a streamed request, e.g.
/// the Lambda runtime client posting a large answer).
fn read_chunked(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            // Trailers (none expected), then the blank line.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).ok()? == 0 || line.trim().is_empty() {
                    return Some(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).ok()?;
        let mut crlf = String::new();
        reader.read_line(&mut crlf).ok()?;
    }
}

/// Writes a response with a body and extra headers.
pub fn write_response(
    writer: &mut impl Write,
    status: u16,
    headers: &[(&str, String)],
    body: &str,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    writer.write_all(body.as_bytes())?;
    writer.flush()
}

fn serve(stream: TcpStream, shared: &Shared) {
    match &shared.fault {
        Fault::TlsUntrusted(_) => serve_tls(stream, shared),
        Fault::Blip { window } if shared.started.elapsed() >= *window => forward(stream, shared),
        _ => serve_plain(stream, shared),
    }
}

fn serve_plain(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        shared.counters.requests.fetch_add(1, Ordering::SeqCst);
        match answer(&mut writer, &request, shared) {
            Ok(Flow::KeepAlive) => continue,
            Ok(Flow::Close) | Err(_) => break,
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// After the handshake (only a client that accepts the certificate gets that far), one
/// request is read and answered 503.
fn serve_tls(stream: TcpStream, shared: &Shared) {
    let Some(config) = shared.tls.clone() else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(connection) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(connection, stream);
    let request = read_request(&mut BufReader::new(&mut tls));
    if request.is_some() {
        shared.counters.requests.fetch_add(1, Ordering::SeqCst);
        let headers = [("Connection", "close".to_string())];
        let _ = write_response(&mut tls, 503, &headers, r#"{"message":"fault 503"}"#);
        tls.conn.send_close_notify();
        let _ = tls.flush();
    }
}

/// Copies bytes both ways between `client` and the harness Home Assistant.
fn forward(client: TcpStream, shared: &Shared) {
    let Some(upstream) = shared.upstream else {
        return;
    };
    let Ok(home) = TcpStream::connect(upstream) else {
        return;
    };
    shared.counters.forwarded.fetch_add(1, Ordering::SeqCst);
    let (Ok(mut client_in), Ok(mut home_out)) = (client.try_clone(), home.try_clone()) else {
        return;
    };
    let requests = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut home_out);
        let _ = home_out.shutdown(Shutdown::Write);
    });
    let (mut home_in, mut client_out) = (home, client);
    let _ = std::io::copy(&mut home_in, &mut client_out);
    let _ = client_out.shutdown(Shutdown::Write);
    let _ = requests.join();
}

enum Flow {
    KeepAlive,
    Close,
}

/// A state document, as Home Assistant would send one (for the truncated answer).
const STATE_JSON: &str = r#"{"entity_id":"light.bed_light","state":"on","attributes":{"friendly_name":"Bed Light","supported_color_modes":["hs"],"color_mode":"hs","brightness":180},"last_changed":"2026-01-01T00:00:00+00:00","last_updated":"2026-01-01T00:00:00+00:00","context":{"id":"01","parent_id":null,"user_id":null}}"#;

fn answer(writer: &mut TcpStream, request: &HttpRequest, shared: &Shared) -> std::io::Result<Flow> {
    let json = [("Content-Type", "application/json".to_string())];
    match &shared.fault {
        Fault::Status(code) => {
            let body = format!("{{\"message\":\"fault {code}\"}}");
            write_response(writer, *code, &json, &body)?;
            Ok(Flow::KeepAlive)
        }
        Fault::Hang => {
            shared.sleep(HANG_FOR);
            Ok(Flow::Close)
        }
        Fault::Garbage => {
            write_response(writer, 200, &json, "<html>definitely not json")?;
            Ok(Flow::KeepAlive)
        }
        Fault::Huge => {
            write_huge(writer, shared)?;
            Ok(Flow::Close)
        }
        Fault::CloseMidBody => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                STATE_JSON.len()
            );
            writer.write_all(head.as_bytes())?;
            writer.write_all(&STATE_JSON.as_bytes()[..STATE_JSON.len() / 2])?;
            writer.flush()?;
            Ok(Flow::Close)
        }
        Fault::Drip => {
            let whole =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]";
            for byte in whole.as_bytes() {
                writer.write_all(std::slice::from_ref(byte))?;
                writer.flush()?;
                if !shared.sleep(Duration::from_secs(1)) {
                    break;
                }
            }
            Ok(Flow::Close)
        }
        Fault::Redirect => {
            let location = format!(
                "http://127.0.0.1:{}/redirected{}",
                shared.redirect_port, request.path
            );
            write_response(writer, 302, &[("Location", location)], "")?;
            Ok(Flow::KeepAlive)
        }
        Fault::Blip { .. } | Fault::TlsUntrusted(_) => {
            let headers = [
                ("Content-Type", "application/json".to_string()),
                ("Connection", "close".to_string()),
            ];
            write_response(writer, 503, &headers, r#"{"message":"restarting"}"#)?;
            Ok(Flow::Close)
        }
    }
}

/// [`HUGE_BODY_BYTES`] of a JSON array that never ends, then the connection closes.
fn write_huge(writer: &mut TcpStream, shared: &Shared) -> std::io::Result<()> {
    writer.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[",
    )?;
    let item = br#"{"entity_id":"sensor.huge","state":"0","attributes":{}},"#;
    let chunk: Vec<u8> = item.iter().copied().cycle().take(64 * 1024).collect();
    let mut sent = 1;
    while sent < HUGE_BODY_BYTES && !shared.stopped() {
        let n = chunk.len().min(HUGE_BODY_BYTES - sent);
        writer.write_all(&chunk[..n])?;
        sent += n;
    }
    writer.flush()
}
