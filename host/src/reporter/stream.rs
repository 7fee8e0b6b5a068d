//! The reporter's long-lived Home Assistant websocket: authenticate with the configured
//! token, subscribe to `state_changed`, the registry updates and the AcceptGrant relay
//! event, fetch every
//! state (the catch-up after a reconnect), and pass what arrives to the reporter loop;
//! commands from the loop (firing the grant result event) go out on the same socket.
//! Reconnects with exponential backoff (0.5 s doubling to 30 s) after Home Assistant
//! restarts. Uses the same URL rule and TLS settings as the host's registry reads.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, protocol::WebSocketConfig};

use crate::capabilities::home_assistant::tls::tls_config;
use crate::capabilities::home_assistant::websocket::{MAX_MESSAGE_BYTES, websocket_url};
use crate::settings::Settings;

/// What Home Assistant told the reporter.
#[derive(Debug)]
pub enum FromHa {
    /// Subscribed; `states` is every current state (for the catch-up).
    Connected {
        states: Vec<Value>,
    },
    /// `new` is `None` when the entity was removed.
    Changed {
        entity_id: String,
        new: Option<Value>,
    },
    /// An entity, device or label registry changed (rename, hide, label, exposure).
    RegistryChanged,
    /// A relayed AcceptGrant.
    Grant {
        code: String,
        request_id: String,
    },
    Disconnected(String),
}

/// What the reporter asks Home Assistant to do.
#[derive(Debug)]
pub enum ToHa {
    FireEvent { event_type: String, data: Value },
}

/// The relayed grant on Home Assistant's event bus (data: `code`, `request_id`).
pub const GRANT_EVENT: &str = "lee_alexa_accept_grant";
/// The reporter's answer (data: `request_id`, `ok`, `error`).
pub const RESULT_EVENT: &str = "lee_alexa_accept_grant_result";

const SUBSCRIBE_STATES: u64 = 1;
const SUBSCRIBE_GRANTS: u64 = 2;
const GET_STATES: u64 = 3;
/// Registry events that may change the exposed endpoint set.
const REGISTRY_EVENTS: [&str; 3] = [
    "entity_registry_updated",
    "device_registry_updated",
    "label_registry_updated",
];

/// Runs until the loop hangs up.
pub async fn run(settings: Settings, tx: mpsc::Sender<FromHa>, mut commands: mpsc::Receiver<ToHa>) {
    let mut backoff = Duration::from_millis(500);
    loop {
        let mut subscribed = false;
        let reason = match session(&settings, &tx, &mut commands, &mut subscribed).await {
            Ok(()) => return,
            Err(reason) => reason,
        };
        if subscribed {
            backoff = Duration::from_millis(500);
        }
        if tx.send(FromHa::Disconnected(reason)).await.is_err() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
        if tx.is_closed() {
            return;
        }
    }
}

/// Opens the websocket (authentication is the caller's: the first message is
/// `auth_required`).
pub async fn connect(settings: &Settings) -> Result<Socket, String> {
    let base = settings
        .ha_url
        .as_deref()
        .ok_or("HOME_ASSISTANT_URL is not set")?;
    let tls = Arc::new(tls_config(settings).map_err(|e| format!("TLS setup: {e}"))?);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let (socket, _) = tokio_tungstenite::connect_async_tls_with_config(
        websocket_url(base).as_str(),
        Some(config),
        true,
        Some(tokio_tungstenite::Connector::Rustls(tls)),
    )
    .await
    .map_err(|e| format!("websocket connect failed: {e}"))?;
    Ok(socket)
}

/// One connection; `Ok` only when the loop hung up.
async fn session(
    settings: &Settings,
    tx: &mpsc::Sender<FromHa>,
    commands: &mut mpsc::Receiver<ToHa>,
    subscribed: &mut bool,
) -> Result<(), String> {
    let token = settings.ha_token.as_ref().ok_or(
        "HOME_ASSISTANT_TOKEN is not set: the reporter needs an administrator's long-lived token",
    )?;
    let mut socket = connect(settings).await?;
    let send = async |socket: &mut Socket, v: Value| {
        socket
            .send(Message::text(v.to_string()))
            .await
            .map_err(|e| format!("websocket send failed: {e}"))
    };
    let mut next_id = 10u64;
    let mut authenticated = false;
    loop {
        tokio::select! {
            message = socket.next() => {
                let text = match message {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None => return Err("websocket closed by Home Assistant".into()),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Err(format!("websocket read failed: {e}")),
                };
                let v: Value = serde_json::from_str(text.as_str()).map_err(|e| format!("invalid JSON from Home Assistant: {e}"))?;
                match v.get("type").and_then(Value::as_str) {
                    Some("auth_required") => {
                        send(&mut socket, json!({"type": "auth", "access_token": token.expose()})).await?;
                    }
                    Some("auth_invalid") => return Err("Home Assistant refused HOME_ASSISTANT_TOKEN".into()),
                    Some("auth_ok") => {
                        authenticated = true;
                        send(&mut socket, json!({"id": SUBSCRIBE_STATES, "type": "subscribe_events", "event_type": "state_changed"})).await?;
                        send(&mut socket, json!({"id": SUBSCRIBE_GRANTS, "type": "subscribe_events", "event_type": GRANT_EVENT})).await?;
                        send(&mut socket, json!({"id": GET_STATES, "type": "get_states"})).await?;
                        for (i, kind) in REGISTRY_EVENTS.iter().enumerate() {
                            send(&mut socket, json!({"id": GET_STATES + 1 + i as u64, "type": "subscribe_events", "event_type": kind})).await?;
                        }
                    }
                    Some("result") => {
                        let id = v.get("id").and_then(Value::as_u64).unwrap_or(0);
                        let ok = v.get("success").and_then(Value::as_bool) == Some(true);
                        if !ok && id <= GET_STATES {
                            let why = v.pointer("/error/message").and_then(Value::as_str).unwrap_or("refused");
                            return Err(format!(
                                "Home Assistant refused the reporter's subscription ({why}): \
                                 HOME_ASSISTANT_TOKEN must belong to an administrator"
                            ));
                        }
                        if id == GET_STATES {
                            *subscribed = true;
                            let states = v.get("result").and_then(Value::as_array).cloned().unwrap_or_default();
                            tx.send(FromHa::Connected { states }).await.map_err(|_| "closed")?;
                        }
                    }
                    Some("event") => {
                        if let Some(m) = incoming_event(&v) && tx.send(m).await.is_err() {
                            return Ok(());
                        }
                    }
                    _ => {}
                }
            }
            command = commands.recv(), if authenticated => {
                let Some(ToHa::FireEvent { event_type, data }) = command else { return Ok(()) };
                next_id += 1;
                send(&mut socket, json!({"id": next_id, "type": "fire_event", "event_type": event_type, "event_data": data})).await?;
            }
        }
    }
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn incoming_event(v: &Value) -> Option<FromHa> {
    let event = v.get("event")?;
    let data = event.get("data")?;
    match event.get("event_type")?.as_str()? {
        "state_changed" => Some(FromHa::Changed {
            entity_id: data.get("entity_id")?.as_str()?.to_string(),
            new: data.get("new_state").filter(|s| !s.is_null()).cloned(),
        }),
        kind if REGISTRY_EVENTS.contains(&kind) => Some(FromHa::RegistryChanged),
        GRANT_EVENT => Some(FromHa::Grant {
            code: data.get("code")?.as_str()?.to_string(),
            request_id: data.get("request_id")?.as_str()?.to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events() {
        let v = json!({"type": "event", "event": {"event_type": "state_changed",
            "data": {"entity_id": "light.x", "old_state": null, "new_state": {"state": "on"}}}});
        assert!(matches!(
            incoming_event(&v),
            Some(FromHa::Changed { new: Some(_), .. })
        ));
        let removed = json!({"type": "event", "event": {"event_type": "state_changed",
            "data": {"entity_id": "light.x", "new_state": null}}});
        assert!(matches!(
            incoming_event(&removed),
            Some(FromHa::Changed { new: None, .. })
        ));
        let grant = json!({"type": "event", "event": {"event_type": GRANT_EVENT,
            "data": {"code": "c", "request_id": "r"}}});
        assert!(matches!(incoming_event(&grant), Some(FromHa::Grant { .. })));
        assert!(incoming_event(&json!({"type": "event"})).is_none());
    }
}
