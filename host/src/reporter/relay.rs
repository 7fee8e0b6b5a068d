//! The function side of AcceptGrant when proactive events are on (`LEE_ACCEPT_GRANT` /
//! config `accept_grant`):
//! - `relay`: the grant code goes to `lee reporter` through Home Assistant's event bus
//!   (`POST /api/events/lee_alexa_accept_grant` with the linked user's token), and the
//!   function waits, within Alexa's budget, for the reporter's
//!   `lee_alexa_accept_grant_result` event (subscribed on HA's websocket before posting).
//!   Both need a Home Assistant administrator (`require_admin` on the events API, custom
//!   event types outside the websocket subscribe allow-list): when the linked user is
//!   not one, the configured long-lived token relays instead; without one the answer is
//!   ACCEPT_GRANT_FAILED and the log says what to do.
//! - `forward`: the directive goes unchanged to Home Assistant core's own
//!   `/api/alexa/smart_home`, which keeps doing its own proactive reporting.
//! - `accept` (default): the component answers as before (no proactive events).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

pub use super::stream::{GRANT_EVENT, RESULT_EVENT};
use super::stream::{Socket, connect};
use crate::capabilities::config::component_config;
use crate::capabilities::home_assistant::tls::tls_config;
use crate::response::Response;
use crate::runtime::registry::ComponentRegistry;
use crate::settings::{Secret, Settings};

pub const ACCEPT_GRANT_ROUTE: &str = "alexa:Alexa.Authorization/AcceptGrant";
/// Longest wait for the reporter (an LWA exchange takes well under a second; the rest of
/// Alexa's 8 s stays for answering).
const RELAY_WAIT: Duration = Duration::from_secs(6);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    Relay,
    Forward,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "accept" => Some(Mode::Accept),
            "relay" => Some(Mode::Relay),
            "forward" => Some(Mode::Forward),
            _ => None,
        }
    }
}

/// The mode the component serving AcceptGrant is configured with (the same value the
/// component sees: manifest, then `LEE_<ID>_ACCEPT_GRANT`, then `LEE_ACCEPT_GRANT`).
pub fn mode(registry: &ComponentRegistry) -> Mode {
    let from_env = || std::env::var("LEE_ACCEPT_GRANT").ok();
    let configured = registry
        .resolve(ACCEPT_GRANT_ROUTE)
        .map(|entry| component_config(&entry.id, &entry.config, |n| std::env::var(n).ok()))
        .and_then(|c| {
            c.get("accept_grant")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(from_env)
        .unwrap_or_default();
    Mode::parse(&configured).unwrap_or_else(|| {
        tracing::warn!(value = %configured, "accept_grant must be accept, relay or forward; using accept");
        Mode::Accept
    })
}

/// For the health event: what AcceptGrant does and whether proactive events are on.
pub fn describe(registry: &ComponentRegistry) -> Value {
    let (mode, note) = match mode(registry) {
        Mode::Accept => (
            "accept",
            "off: AcceptGrant is accepted and dropped (accept_grant = \"accept\"); set \
             LEE_ACCEPT_GRANT=relay and run `lee reporter` for ChangeReports and doorbell events",
        ),
        Mode::Relay => ("relay", "on: AcceptGrant is relayed to lee reporter"),
        Mode::Forward => (
            "forward",
            "on: AcceptGrant is forwarded to Home Assistant core, which sends the events",
        ),
    };
    json!({"accept_grant": mode, "status": note})
}

/// Handles AcceptGrant in `relay` / `forward` mode; `None` in `accept` mode (the
/// component answers).
pub async fn intercept(
    settings: &Settings,
    registry: &ComponentRegistry,
    event: &Value,
    user_token: Option<&Secret>,
    deadline: Instant,
) -> Option<Response> {
    let answer = match mode(registry) {
        Mode::Accept => return None,
        Mode::Forward => forward(settings, event, user_token, deadline).await,
        Mode::Relay => relay(settings, event, user_token, deadline).await,
    };
    Some(Response::from_value(&match answer {
        Ok(response) => response,
        Err(why) => {
            tracing::warn!(error = %why, "AcceptGrant failed");
            failed(event, &why)
        }
    }))
}

fn header(event: &Value, name: &str) -> Value {
    let mut header = json!({
        "namespace": "Alexa.Authorization",
        "name": name,
        "payloadVersion": "3",
        "messageId": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(t) = event.pointer("/directive/header/correlationToken") {
        header["correlationToken"] = t.clone();
    }
    header
}

pub fn accepted(event: &Value) -> Value {
    json!({"event": {"header": header(event, "AcceptGrant.Response"), "payload": {}}})
}

pub fn failed(event: &Value, why: &str) -> Value {
    let message: String = why.chars().take(300).collect();
    json!({"event": {"header": header(event, "ErrorResponse"),
        "payload": {"type": "ACCEPT_GRANT_FAILED", "message": message}}})
}

fn http(settings: &Settings) -> Result<reqwest::Client, String> {
    let tls = tls_config(settings).map_err(|e| format!("TLS setup: {e}"))?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

async fn forward(
    settings: &Settings,
    event: &Value,
    user_token: Option<&Secret>,
    deadline: Instant,
) -> Result<Value, String> {
    let base = settings
        .ha_url
        .as_deref()
        .ok_or("HOME_ASSISTANT_URL is not set")?;
    let token = user_token
        .or(settings.ha_token.as_ref())
        .ok_or("AcceptGrant carries no token and HOME_ASSISTANT_TOKEN is not set")?;
    let response = http(settings)?
        .post(format!("{base}/api/alexa/smart_home"))
        .bearer_auth(token.expose())
        .json(event)
        .timeout(remaining(deadline))
        .send()
        .await
        .map_err(|e| format!("forwarding AcceptGrant to Home Assistant failed: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!(
            "Home Assistant's /api/alexa/smart_home answered HTTP {status}: is `alexa: smart_home:` \
             configured in Home Assistant?"
        ));
    }
    response
        .json()
        .await
        .map_err(|e| format!("Home Assistant's AcceptGrant answer is not JSON: {e}"))
}

async fn relay(
    settings: &Settings,
    event: &Value,
    user_token: Option<&Secret>,
    deadline: Instant,
) -> Result<Value, String> {
    let code = event
        .pointer("/directive/payload/grant/code")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .ok_or("payload.grant.code is missing")?;
    let mut tokens: Vec<(&str, &Secret)> = Vec::new();
    if let Some(t) = user_token {
        tokens.push(("the linked account's token", t));
    }
    if let Some(t) = settings.ha_token.as_ref()
        && user_token.is_none_or(|u| u.expose() != t.expose())
    {
        tokens.push(("HOME_ASSISTANT_TOKEN", t));
    }
    if tokens.is_empty() {
        return Err("AcceptGrant carries no token and HOME_ASSISTANT_TOKEN is not set".into());
    }
    let mut refusals = Vec::new();
    for (which, token) in tokens {
        match relay_with(settings, code, token, deadline).await {
            Ok(()) => return Ok(accepted(event)),
            Err(RelayError::Failed(why)) => return Err(why),
            Err(RelayError::Refused(why)) => {
                tracing::info!(token = which, reason = %why, "relay refused; trying the next token");
                refusals.push(format!("{which}: {why}"));
            }
        }
    }
    Err(format!(
        "cannot relay the grant to lee reporter through Home Assistant ({}). Relaying needs a \
         Home Assistant administrator: link the skill with an administrator account, or set \
         HOME_ASSISTANT_TOKEN to an administrator's long-lived token",
        refusals.join("; ")
    ))
}

enum RelayError {
    /// Home Assistant refused this token for the relay (not an administrator, invalid):
    /// another token may work.
    Refused(String),
    /// The relay ran and failed (reporter refused, absent, Home Assistant down).
    Failed(String),
}

fn failed_with(e: String) -> RelayError {
    RelayError::Failed(e)
}

/// `Ok` when the reporter exchanged the code.
async fn relay_with(
    settings: &Settings,
    code: &str,
    token: &Secret,
    deadline: Instant,
) -> Result<(), RelayError> {
    let budget = remaining(deadline).min(RELAY_WAIT);
    let request_id = uuid::Uuid::new_v4().to_string();
    let run = async {
        let mut socket = connect(settings).await.map_err(failed_with)?;
        authenticate(&mut socket, token).await?;
        let subscribe = json!({"id": 1, "type": "subscribe_events", "event_type": RESULT_EVENT});
        send(&mut socket, &subscribe).await?;
        loop {
            let v = next_json(&mut socket).await.map_err(failed_with)?;
            if v.get("type").and_then(Value::as_str) == Some("result")
                && v.get("id") == Some(&json!(1))
            {
                if v.get("success") != Some(&json!(true)) {
                    let why = v
                        .pointer("/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or("refused");
                    return Err(RelayError::Refused(format!(
                        "cannot subscribe to the result event ({why})"
                    )));
                }
                break;
            }
        }
        let base = settings.ha_url.as_deref().unwrap_or_default();
        let posted = http(settings)
            .map_err(failed_with)?
            .post(format!("{base}/api/events/{GRANT_EVENT}"))
            .bearer_auth(token.expose())
            .json(&json!({"code": code, "request_id": request_id}))
            .timeout(remaining(deadline))
            .send()
            .await
            .map_err(|e| RelayError::Failed(format!("posting the grant event failed: {e}")))?;
        let status = posted.status();
        match status.as_u16() {
            200..=299 => {}
            401 | 403 => {
                return Err(RelayError::Refused(format!(
                    "POST /api/events answered {status}"
                )));
            }
            _ => {
                return Err(RelayError::Failed(format!(
                    "POST /api/events answered {status}"
                )));
            }
        }
        loop {
            let v = next_json(&mut socket).await.map_err(failed_with)?;
            let Some(data) = v.pointer("/event/data") else {
                continue;
            };
            if data.get("request_id").and_then(Value::as_str) != Some(request_id.as_str()) {
                continue;
            }
            let verdict = if data.get("ok") == Some(&json!(true)) {
                Ok(())
            } else {
                let why = data
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("refused");
                Err(RelayError::Failed(format!(
                    "lee reporter could not exchange the grant: {why}"
                )))
            };
            let _ = socket.close(None).await;
            return verdict;
        }
    };
    tokio::time::timeout(budget, run).await.unwrap_or_else(|_| {
        Err(RelayError::Failed(format!(
            "lee reporter did not answer within {} ms: is it running and connected to Home Assistant?",
            budget.as_millis()
        )))
    })
}

async fn send(socket: &mut Socket, v: &Value) -> Result<(), RelayError> {
    socket
        .send(Message::text(v.to_string()))
        .await
        .map_err(|e| RelayError::Failed(format!("websocket send failed: {e}")))
}

async fn authenticate(socket: &mut Socket, token: &Secret) -> Result<(), RelayError> {
    loop {
        let v = next_json(socket).await.map_err(failed_with)?;
        match v.get("type").and_then(Value::as_str) {
            Some("auth_required") => {
                send(
                    socket,
                    &json!({"type": "auth", "access_token": token.expose()}),
                )
                .await?;
            }
            Some("auth_ok") => return Ok(()),
            Some("auth_invalid") => {
                return Err(RelayError::Refused(
                    "Home Assistant refused the token".into(),
                ));
            }
            _ => {}
        }
    }
}

async fn next_json(socket: &mut Socket) -> Result<Value, String> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(t))) => {
                return serde_json::from_str(t.as_str())
                    .map_err(|e| format!("invalid JSON from Home Assistant: {e}"));
            }
            Some(Ok(Message::Close(_))) | None => {
                return Err("websocket closed by Home Assistant".into());
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(format!("websocket read failed: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_alexa_authorization_messages() {
        let event = json!({"directive": {"header": {"namespace": "Alexa.Authorization",
            "name": "AcceptGrant", "payloadVersion": "3", "messageId": "m"}, "payload": {}}});
        assert_eq!(
            accepted(&event)["event"]["header"]["name"],
            "AcceptGrant.Response"
        );
        let f = failed(&event, "why");
        assert_eq!(f["event"]["payload"]["type"], "ACCEPT_GRANT_FAILED");
        assert_eq!(f["event"]["header"]["namespace"], "Alexa.Authorization");
        assert_eq!(Mode::parse("Relay"), Some(Mode::Relay));
        assert_eq!(Mode::parse("x"), None);
    }
}
