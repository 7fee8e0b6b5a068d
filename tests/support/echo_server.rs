//! A recording HTTP/1.1 server on 127.0.0.1: answers every request with one fixed reply
//! and keeps every request it read (method, path, headers, body), so a test can check
//! what a component's outbound request carried, or that nothing arrived at all. It also
//! stands in for a Home Assistant whose services must never be called for real
//! (`homeassistant.stop`): the test then checks which service paths reached it.

use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::fault_server::{read_request, write_response};

/// The reply to every request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(body: &str) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }
}

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// Every value of the header `name` (any case).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

pub struct EchoServer {
    pub port: u16,
    seen: Arc<Mutex<Vec<Recorded>>>,
}

impl EchoServer {
    pub fn start(reply: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (reply, log) = (reply.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &reply, &log));
            }
        });
        Self { port, seen }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn serve(stream: TcpStream, reply: &Reply, log: &Mutex<Vec<Recorded>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        log.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Recorded {
                method: request.method,
                path: request.path,
                headers: request.headers,
                body: request.body,
            });
        let headers: Vec<(&str, String)> = reply
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        if write_response(&mut writer, reply.status, &headers, &reply.body).is_err() {
            return;
        }
    }
}
