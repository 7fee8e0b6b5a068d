//! Registry reads over Home Assistant's websocket API (the registries have no REST
//! listing). One connection per batch: authenticate, send every requested command with
//! its own id, collect the results, close.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::breaker::CircuitBreaker;
use super::call::{CallContext, Verdict, guarded};
use super::error::HaError;
use super::tls::rejected_certificate;
use crate::settings::without_userinfo;

/// `http(s)://host/...` -> `ws(s)://host/api/websocket` (without userinfo: the websocket
/// authenticates with the token, and errors may quote the URL).
pub fn websocket_url(base_url: &str) -> String {
    let base_url = without_userinfo(base_url);
    let rest = base_url
        .strip_prefix("https://")
        .map(|r| format!("wss://{r}"))
        .or_else(|| {
            base_url
                .strip_prefix("http://")
                .map(|r| format!("ws://{r}"))
        })
        .unwrap_or_else(|| base_url.clone());
    format!("{rest}/api/websocket")
}

/// Builds the follow-up commands from the first batch's results.
pub type FollowUp<'a> = &'a (dyn Fn(&[Value]) -> Vec<Value> + Sync);

/// Runs `commands` (command objects without `id`, e.g. `{"type":
/// "config/area_registry/list"}`) and returns their `result` values in order; then, on
/// the same connection, the commands `follow_up` derives from those results, whose
/// results are appended (a failed follow-up yields `null`, not an error). The session is
/// one round trip behind `breaker`, like a REST attempt.
pub async fn run_commands(
    base_url: &str,
    tls: Arc<rustls::ClientConfig>,
    breaker: &CircuitBreaker,
    ctx: CallContext<'_>,
    commands: &[Value],
    follow_up: Option<FollowUp<'_>>,
) -> Result<Vec<Value>, HaError> {
    let remaining = ctx.deadline.saturating_duration_since(Instant::now());
    if remaining < Duration::from_millis(20) {
        return Err(HaError::Unreachable(
            "no time left before the invocation deadline".into(),
        ));
    }
    let trip = async {
        let started = Instant::now();
        let result =
            tokio::time::timeout(remaining, session(base_url, tls, ctx, commands, follow_up))
                .await
                .unwrap_or_else(|_| {
                    Err(HaError::Unreachable(
                        "websocket timed out before the invocation deadline".into(),
                    ))
                });
        ctx.stats.record(started.elapsed());
        let verdict = match &result {
            Ok(_) | Err(HaError::Unauthorized(_)) | Err(HaError::BadRequest { .. }) => {
                Verdict::Answered
            }
            Err(_) => Verdict::Failed,
        };
        (result, verdict)
    };
    guarded(breaker, ctx.breaker, trip).await?
}

async fn session(
    base_url: &str,
    tls: Arc<rustls::ClientConfig>,
    ctx: CallContext<'_>,
    commands: &[Value],
    follow_up: Option<FollowUp<'_>>,
) -> Result<Vec<Value>, HaError> {
    let url = websocket_url(base_url);
    let connector = tokio_tungstenite::Connector::Rustls(tls);
    let (mut socket, _) =
        tokio_tungstenite::connect_async_tls_with_config(url.as_str(), None, true, Some(connector))
            .await
            .map_err(|e| match rejected_certificate(&e) {
                Some(reason) => HaError::Certificate(format!(
                    "Home Assistant's TLS certificate was rejected: {reason}"
                )),
                None => HaError::Unreachable(format!("websocket connect failed: {e}")),
            })?;

    expect_type(&mut socket, "auth_required").await?;
    send(
        &mut socket,
        json!({"type": "auth", "access_token": ctx.token.expose()}),
    )
    .await?;
    let auth = next_json(&mut socket).await?;
    match auth.get("type").and_then(Value::as_str) {
        Some("auth_ok") => {}
        Some("auth_invalid") => return Err(HaError::Unauthorized(401)),
        other => {
            return Err(HaError::Upstream(format!(
                "unexpected websocket auth answer {other:?}"
            )));
        }
    }
    let mut results = exchange(&mut socket, commands, 1, true).await?;
    if let Some(follow_up) = follow_up {
        let more = follow_up(&results);
        let first_id = results.len() + 1;
        results.extend(exchange(&mut socket, &more, first_id, false).await?);
    }
    let _ = socket.close(None).await;
    Ok(results)
}

/// Sends `commands` with ids from `first_id` and collects their results in order. With
/// `required`, a failed command fails the whole exchange; otherwise it yields `null`.
async fn exchange(
    socket: &mut Socket,
    commands: &[Value],
    first_id: usize,
    required: bool,
) -> Result<Vec<Value>, HaError> {
    for (index, command) in commands.iter().enumerate() {
        let mut command = command.clone();
        command["id"] = json!(first_id + index);
        send(socket, command).await?;
    }
    let mut results: Vec<Option<Value>> = vec![None; commands.len()];
    while results.iter().any(Option::is_none) {
        let message = next_json(socket).await?;
        if message.get("type").and_then(Value::as_str) != Some("result") {
            continue;
        }
        let Some(id) = message.get("id").and_then(Value::as_u64) else {
            continue;
        };
        let index = (id as usize).wrapping_sub(first_id);
        let Some(slot) = results.get_mut(index) else {
            continue;
        };
        if message.get("success").and_then(Value::as_bool) != Some(true) {
            let error = message
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            let command = commands[index]["type"].as_str().unwrap_or("command");
            if required {
                return Err(HaError::BadRequest {
                    status: 400,
                    message: format!("{command}: {error}"),
                });
            }
            tracing::debug!(command, error, "optional websocket command failed");
            *slot = Some(Value::Null);
            continue;
        }
        *slot = Some(message.get("result").cloned().unwrap_or(Value::Null));
    }
    Ok(results.into_iter().map(Option::unwrap_or_default).collect())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(socket: &mut Socket, value: Value) -> Result<(), HaError> {
    socket
        .send(Message::text(value.to_string()))
        .await
        .map_err(|e| HaError::Unreachable(format!("websocket send failed: {e}")))
}

async fn next_json(socket: &mut Socket) -> Result<Value, HaError> {
    loop {
        let message = socket
            .next()
            .await
            .ok_or_else(|| HaError::Unreachable("websocket closed by Home Assistant".into()))?
            .map_err(|e| HaError::Unreachable(format!("websocket read failed: {e}")))?;
        match message {
            Message::Text(text) => {
                return serde_json::from_str(text.as_str())
                    .map_err(|e| HaError::Upstream(format!("websocket sent invalid JSON: {e}")));
            }
            Message::Close(_) => {
                return Err(HaError::Unreachable(
                    "websocket closed by Home Assistant".into(),
                ));
            }
            _ => continue,
        }
    }
}

async fn expect_type(socket: &mut Socket, expected: &str) -> Result<(), HaError> {
    let message = next_json(socket).await?;
    match message.get("type").and_then(Value::as_str) {
        Some(t) if t == expected => Ok(()),
        other => Err(HaError::Upstream(format!(
            "expected websocket message {expected}, got {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls() {
        assert_eq!(
            websocket_url("http://127.0.0.1:8123"),
            "ws://127.0.0.1:8123/api/websocket"
        );
        assert_eq!(
            websocket_url("https://ha.example.com/base"),
            "wss://ha.example.com/base/api/websocket"
        );
    }
}
