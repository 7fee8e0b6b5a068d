//! A generated home served like Home Assistant serves it, on 127.0.0.1: REST (`/api/`,
//! `/api/config`, `/api/states`, `/api/states/<id>`, services, templates) and the
//! websocket (`auth`, registries, `get_entries`), with bearer-token checks. It stands in
//! for homes far larger than a real Home Assistant can start here (30,000 entities,
//! 12 MB of attributes), for the big-home suite and its harness; everything else runs
//! against the real Home Assistant.

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message};

use crate::fault_server::{HttpRequest, read_request, write_response};

/// The token the home accepts.
pub const TOKEN: &str = "static-home-token";

/// What the home is made of.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub entities: usize,
    /// Extra attribute bytes per entity (a `notes` attribute), on top of the usual ones.
    pub padding: usize,
}

impl Shape {
    /// 30,000 entities with the attributes integrations usually set (~10 MB of states).
    pub const SMALL_30K: Shape = Shape {
        entities: 30_000,
        padding: 0,
    };
    /// 3,000 entities with ~4 KB of attributes each (~12 MB of states).
    pub const LARGE_3K: Shape = Shape {
        entities: 3_000,
        padding: 3_900,
    };
}

/// The documents the home serves, generated once.
pub struct Documents {
    pub states: String,
    pub registry: String,
    pub entries: String,
    pub config: String,
    pub entity_ids: Vec<String>,
}

const DOMAINS: &[&str] = &[
    "light",
    "switch",
    "sensor",
    "binary_sensor",
    "cover",
    "climate",
    "fan",
    "lock",
    "media_player",
    "input_boolean",
    "script",
    "automation",
    "scene",
    "sensor",
    "light",
    "switch",
];

fn attributes(domain: &str, i: usize, padding: usize) -> Value {
    let name = format!("{} {i}", domain.replace('_', " "));
    let mut a = match domain {
        "light" => json!({"supported_color_modes": ["brightness", "color_temp", "hs"],
            "color_mode": "hs", "brightness": 180, "hs_color": [30.0, 60.0],
            "min_color_temp_kelvin": 2000, "max_color_temp_kelvin": 6500, "supported_features": 44}),
        "sensor" => json!({"state_class": "measurement", "unit_of_measurement": "°C",
            "device_class": "temperature"}),
        "binary_sensor" => {
            json!({"device_class": if i.is_multiple_of(2) { "door" } else { "motion" }})
        }
        "cover" => {
            json!({"current_position": 40, "device_class": "blind", "supported_features": 15})
        }
        "climate" => {
            json!({"hvac_modes": ["off", "heat", "cool", "auto"], "min_temp": 7, "max_temp": 35,
            "target_temp_step": 0.5, "current_temperature": 21.5, "temperature": 21, "supported_features": 385})
        }
        "fan" => json!({"percentage": 50, "percentage_step": 10, "preset_modes": ["auto", "sleep"],
            "supported_features": 57}),
        "lock" => json!({"supported_features": 0}),
        "media_player" => json!({"volume_level": 0.4, "is_volume_muted": false,
            "source_list": ["TV", "Radio"], "supported_features": 152461}),
        _ => json!({}),
    };
    a["friendly_name"] = json!(name);
    if padding > 0 {
        a["notes"] = json!("n".repeat(padding));
    }
    a
}

fn state_of(domain: &str, i: usize) -> &'static str {
    match domain {
        "sensor" => "21.4",
        "cover" => "open",
        "climate" => "heat",
        "lock" => "locked",
        "media_player" => "playing",
        "scene" => "unknown",
        _ if i.is_multiple_of(3) => "on",
        _ => "off",
    }
}

impl Documents {
    pub fn generate(shape: Shape) -> Documents {
        let mut states = Vec::with_capacity(shape.entities);
        let mut registry = Vec::with_capacity(shape.entities);
        let mut entries = serde_json::Map::new();
        let mut entity_ids = Vec::with_capacity(shape.entities);
        for i in 0..shape.entities {
            let domain = DOMAINS[i % DOMAINS.len()];
            let entity_id = format!("{domain}.synthetic_{i:05}");
            let stamp = "2026-12-01T10:00:00.000000+00:00";
            states.push(json!({
                "entity_id": entity_id,
                "state": state_of(domain, i),
                "attributes": attributes(domain, i, shape.padding),
                "last_changed": stamp,
                "last_reported": stamp,
                "last_updated": stamp,
                "context": {"id": format!("01JE{i:022}"), "parent_id": null, "user_id": null},
            }));
            let entry = json!({
                "area_id": null, "categories": {}, "config_entry_id": "01JESYNTHETIC",
                "config_subentry_id": null, "created_at": 1733000000.0, "device_id": null,
                "disabled_by": null,
                "entity_category": if i % 97 == 0 { json!("diagnostic") } else { Value::Null },
                "entity_id": entity_id, "has_entity_name": false,
                "hidden_by": if i % 89 == 0 { json!("user") } else { Value::Null },
                "icon": null, "id": format!("{i:032x}"), "labels": [], "modified_at": 1733000000.0,
                "name": null, "options": {}, "original_name": null, "platform": "synthetic",
                "translation_key": null, "unique_id": format!("synthetic-{i}"),
            });
            let aliases: Vec<String> = if i % 50 == 0 {
                vec![format!("alias {i}")]
            } else {
                Vec::new()
            };
            let mut full = entry.clone();
            full["aliases"] = json!(aliases);
            full["original_icon"] = Value::Null;
            entries.insert(entity_id.clone(), full);
            registry.push(entry);
            entity_ids.push(entity_id);
        }
        Documents {
            states: Value::Array(states).to_string(),
            registry: Value::Array(registry).to_string(),
            entries: Value::Object(entries).to_string(),
            config: json!({
                "location_name": "Synthetic", "time_zone": "UTC", "language": "en",
                "version": "2025.4.4", "state": "RUNNING",
                "unit_system": {"length": "km", "mass": "g", "temperature": "°C", "volume": "L"},
            })
            .to_string(),
            entity_ids,
        }
    }
}

/// The running home.
pub struct StaticHome {
    pub port: u16,
    pub documents: Arc<Documents>,
    requests: Arc<AtomicUsize>,
}

impl StaticHome {
    pub fn start(shape: Shape) -> StaticHome {
        let documents = Arc::new(Documents::generate(shape));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let (docs, counter) = (documents.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (docs, counter) = (docs.clone(), counter.clone());
                std::thread::spawn(move || serve(stream, &docs, &counter));
            }
        });
        StaticHome {
            port,
            documents,
            requests,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Requests and websocket commands served so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn is_websocket(stream: &TcpStream) -> bool {
    let mut head = [0u8; 512];
    let n = stream.peek(&mut head).unwrap_or(0);
    head[..n].starts_with(b"GET /api/websocket")
}

fn serve(stream: TcpStream, docs: &Documents, counter: &AtomicUsize) {
    if is_websocket(&stream) {
        serve_websocket(stream, docs, counter);
        return;
    }
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        counter.fetch_add(1, Ordering::SeqCst);
        let authorized = request.header("authorization") == Some(&format!("Bearer {TOKEN}"));
        let (status, body) = if authorized {
            answer(&request, docs)
        } else {
            (401, r#"{"message":"401: Unauthorized"}"#.to_string())
        };
        let headers = [("Content-Type", "application/json".to_string())];
        if write_response(&mut writer, status, &headers, &body).is_err() {
            return;
        }
    }
}

fn answer(request: &HttpRequest, docs: &Documents) -> (u16, String) {
    let path = request.path.split('?').next().unwrap_or_default();
    match (request.method.as_str(), path) {
        ("GET", "/api/") => (200, r#"{"message":"API running."}"#.into()),
        ("GET", "/api/config") => (200, docs.config.clone()),
        ("GET", "/api/states") => (200, docs.states.clone()),
        ("GET", p) if p.starts_with("/api/states/") => {
            let id = &p["/api/states/".len()..];
            let states: Vec<Value> = serde_json::from_str(&docs.states).unwrap_or_default();
            match states.into_iter().find(|s| s["entity_id"] == id) {
                Some(state) => (200, state.to_string()),
                None => (404, r#"{"message":"Entity not found."}"#.into()),
            }
        }
        ("POST", p) if p.starts_with("/api/services/") => (200, "[]".into()),
        ("POST", "/api/template") => (200, "0".into()),
        _ => (404, r#"{"message":"not found"}"#.into()),
    }
}

fn serve_websocket(stream: TcpStream, docs: &Documents, counter: &AtomicUsize) {
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let Ok(mut socket) = tungstenite::accept_with_config(stream, Some(config)) else {
        return;
    };
    let send = |socket: &mut tungstenite::WebSocket<TcpStream>, value: String| {
        socket.send(Message::text(value)).is_ok()
    };
    if !send(&mut socket, json!({"type": "auth_required"}).to_string()) {
        return;
    }
    let mut authed = false;
    while let Ok(message) = socket.read() {
        let Message::Text(text) = message else {
            continue;
        };
        let Ok(command) = serde_json::from_str::<Value>(text.as_str()) else {
            return;
        };
        counter.fetch_add(1, Ordering::SeqCst);
        if !authed {
            let ok = command["access_token"] == TOKEN;
            let kind = if ok { "auth_ok" } else { "auth_invalid" };
            if !send(&mut socket, json!({"type": kind}).to_string()) || !ok {
                return;
            }
            authed = true;
            continue;
        }
        let id = command["id"].clone();
        let result = match command["type"].as_str().unwrap_or_default() {
            "config/entity_registry/list" => docs.registry.as_str(),
            "config/entity_registry/get_entries" => docs.entries.as_str(),
            "config/area_registry/list"
            | "config/device_registry/list"
            | "config/floor_registry/list"
            | "config/label_registry/list" => "[]",
            _ => {
                let error = json!({"id": id, "type": "result", "success": false,
                    "error": {"code": "unknown_command", "message": "Unknown command."}});
                if !send(&mut socket, error.to_string()) {
                    return;
                }
                continue;
            }
        };
        // The result is spliced in as text: these documents are megabytes.
        let reply = format!(r#"{{"id":{id},"type":"result","success":true,"result":{result}}}"#);
        if !send(&mut socket, reply) {
            return;
        }
    }
    let _ = socket.get_mut().flush();
}
