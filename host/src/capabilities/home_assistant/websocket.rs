//! Registry reads over Home Assistant's websocket API (the registries have no REST
//! listing). One connection per batch: the auth message and every requested command
//! (each with its own id) sent at once, then the auth answer and the results, close.
//! Messages are read typed and a command's
//! `result` stays inside the message Home Assistant sent, as text (a registry of a large
//! home is tens of megabytes; a JSON tree of it would be several times that). Follow-up
//! commands (derived from the first results) are sent together and their results
//! handed one by one to the caller, so none of them has to be held with the others.
//! The handshake carries the operator's extra headers (a proxy in front of Home
//! Assistant checks them on the upgrade request as on any other) and uses the same TLS
//! configuration as REST, client certificate included.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message, protocol::WebSocketConfig};

use super::breaker::CircuitBreaker;
use super::call::{CallContext, Verdict, guarded};
use super::error::HaError;
use super::tls::{refused_client_certificate, rejected_certificate};
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

/// One command's result: the message Home Assistant sent and where `result` is in it.
pub struct Outcome {
    message: tungstenite::Utf8Bytes,
    result: std::ops::Range<usize>,
}

impl Outcome {
    /// The result's JSON text.
    pub fn get(&self) -> &str {
        &self.message.as_str()[self.result.clone()]
    }

    /// The result's text as a `String`, reusing the message's buffer when nothing else
    /// holds it (a registry listing of a large home is not copied).
    pub fn into_string(self) -> String {
        let mut bytes = Vec::from(bytes::Bytes::from(self.message));
        bytes.truncate(self.result.end);
        bytes.drain(..self.result.start);
        // The range is a JSON value's text inside UTF-8: it is UTF-8.
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// Commands derived from the first results, and what to do with each of their results.
pub trait FollowUp: Send {
    fn commands(&mut self, results: &[Outcome]) -> Vec<Value>;
    /// One follow-up's result (failed ones are skipped).
    fn consume(&mut self, result: &str);
}

/// The largest websocket message accepted (a registry listing of a very large home).
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// Runs `commands` (command objects without `id`, e.g. `{"type":
/// "config/area_registry/list"}`) and returns their results in order (any failure fails
/// the call); then, on the same connection, the commands `follow_up` derives from those
/// results, whose results go to `follow_up` (a failed follow-up is skipped). The session
/// is one call behind `breaker`, like a REST request.
pub async fn run_commands(
    base_url: &str,
    tls: Arc<rustls::ClientConfig>,
    headers: &HeaderMap,
    breaker: &CircuitBreaker,
    ctx: CallContext<'_>,
    commands: &[Value],
    follow_up: Option<&mut dyn FollowUp>,
) -> Result<Vec<Outcome>, HaError> {
    let remaining = ctx.deadline.saturating_duration_since(Instant::now());
    if remaining < Duration::from_millis(20) {
        return Err(HaError::Unreachable(
            "no time left before the invocation deadline".into(),
        ));
    }
    let trip = async {
        let started = Instant::now();
        let span = ctx.stats.begin_round_trip();
        let result = tokio::time::timeout(
            remaining,
            session(base_url, tls, headers, ctx, commands, follow_up),
        )
        .await
        .unwrap_or_else(|_| {
            Err(HaError::Unreachable(
                "websocket timed out before the invocation deadline".into(),
            ))
        });
        ctx.stats.record(started.elapsed());
        if let Some(mut span) = span {
            span.http("GET", &websocket_url(base_url), None);
            span.metadata("websocket_commands", commands.len());
            if let Err(e) = &result {
                let refused = matches!(e, HaError::Unauthorized(_) | HaError::BadRequest { .. });
                span.fail(!refused, e.kind());
            }
            span.end();
        }
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
    headers: &HeaderMap,
    ctx: CallContext<'_>,
    commands: &[Value],
    follow_up: Option<&mut dyn FollowUp>,
) -> Result<Vec<Outcome>, HaError> {
    let url = websocket_url(base_url);
    let connector = tokio_tungstenite::Connector::Rustls(tls);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| HaError::Invalid(format!("websocket URL {url}: {e}")))?;
    request.headers_mut().extend(headers.clone());
    let (mut socket, _) = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(config),
        true,
        Some(connector),
    )
    .await
    .map_err(|e| {
        if let Some(refusal) = refused_client_certificate(&e) {
            return HaError::Certificate(refusal);
        }
        match rejected_certificate(&e) {
            Some(reason) => HaError::Certificate(format!(
                "Home Assistant's TLS certificate was rejected: {reason}"
            )),
            None => match e {
                // A proxy refusing the upgrade (Cloudflare Access: 403) answers HTTP.
                tungstenite::Error::Http(response) => match response.status().as_u16() {
                    401 | 403 => HaError::Unauthorized(response.status().as_u16()),
                    status => {
                        HaError::Upstream(format!("websocket upgrade refused with HTTP {status}"))
                    }
                },
                e => HaError::Unreachable(format!("websocket connect failed: {e}")),
            },
        }
    })?;

    // Pipelined: the auth message and the commands go out at once, not each after Home
    // Assistant's answer to the one before (a round trip each on a real link). Home
    // Assistant reads a connection's messages in order: it sends auth_required, takes
    // the first message as the auth, and reads the commands only once it accepted it
    // (on auth_invalid it closes the connection without reading them).
    send(
        &mut socket,
        json!({"type": "auth", "access_token": ctx.token.expose()}),
    )
    .await?;
    send_commands(&mut socket, commands, 1).await?;
    expect_type(&mut socket, "auth_required").await?;
    let auth = next_text(&mut socket).await?;
    match parse(auth.as_str())?.kind.as_deref() {
        Some("auth_ok") => {}
        Some("auth_invalid") => return Err(HaError::Unauthorized(401)),
        other => {
            return Err(HaError::Upstream(format!(
                "unexpected websocket auth answer {other:?}"
            )));
        }
    }
    let mut results = Vec::with_capacity(commands.len());
    receive_results(&mut socket, commands, 1, &mut |outcome| match outcome {
        Ok(outcome) => {
            results.push(outcome);
            Ok(())
        }
        Err(error) => Err(error),
    })
    .await?;
    if let Some(follow_up) = follow_up {
        let more = follow_up.commands(&results);
        send_commands(&mut socket, &more, commands.len() + 1).await?;
        receive_results(&mut socket, &more, commands.len() + 1, &mut |outcome| {
            match outcome {
                Ok(outcome) => follow_up.consume(outcome.get()),
                Err(error) => tracing::debug!(error = %error, "optional websocket command failed"),
            }
            Ok(())
        })
        .await?;
    }
    let _ = socket.close(None).await;
    Ok(results)
}

/// A message from Home Assistant, with `result` left as text.
#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    id: Option<u64>,
    success: Option<bool>,
    #[serde(borrow)]
    result: Option<&'a RawValue>,
    error: Option<IncomingError>,
}

#[derive(Deserialize)]
struct IncomingError {
    message: Option<String>,
}

fn parse(text: &str) -> Result<Incoming<'_>, HaError> {
    serde_json::from_str(text)
        .map_err(|e| HaError::Upstream(format!("websocket sent invalid JSON: {e}")))
}

/// Sends `commands` with ids from `first_id`.
async fn send_commands(
    socket: &mut Socket,
    commands: &[Value],
    first_id: usize,
) -> Result<(), HaError> {
    for (index, command) in commands.iter().enumerate() {
        let mut command = command.clone();
        command["id"] = json!(first_id + index);
        send(socket, command).await?;
    }
    Ok(())
}

/// Hands the result of each of `commands` (sent with ids from `first_id`), in command
/// order, to `each` (a failed command as an error, which `each` may pass on to stop).
async fn receive_results(
    socket: &mut Socket,
    commands: &[Value],
    first_id: usize,
    each: &mut (dyn FnMut(Result<Outcome, HaError>) -> Result<(), HaError> + Send),
) -> Result<(), HaError> {
    // Results may come in any order; deliver them in command order.
    let mut waiting: Vec<Option<Result<Outcome, HaError>>> =
        (0..commands.len()).map(|_| None).collect();
    let mut next = 0;
    while next < commands.len() {
        let text = next_text(socket).await?;
        let (index, outcome) = {
            let message = parse(text.as_str())?;
            if message.kind.as_deref() != Some("result") {
                continue;
            }
            let Some(index) = message
                .id
                .map(|id| (id as usize).wrapping_sub(first_id))
                .filter(|index| *index < commands.len())
            else {
                continue;
            };
            let outcome = if message.success == Some(true) {
                let range = message.result.map(|raw| {
                    let start = raw.get().as_ptr() as usize - text.as_str().as_ptr() as usize;
                    start..start + raw.get().len()
                });
                Ok(range)
            } else {
                let error = message
                    .error
                    .and_then(|e| e.message)
                    .unwrap_or_else(|| "unknown error".into());
                let command = commands[index]["type"].as_str().unwrap_or("command");
                Err(HaError::BadRequest {
                    status: 400,
                    message: format!("{command}: {error}"),
                })
            };
            (index, outcome)
        };
        waiting[index] = Some(outcome.map(|range| match range {
            Some(result) => Outcome {
                message: text,
                result,
            },
            None => Outcome {
                message: tungstenite::Utf8Bytes::from_static("null"),
                result: 0..4,
            },
        }));
        while let Some(ready) = waiting.get_mut(next).and_then(Option::take) {
            each(ready)?;
            next += 1;
        }
    }
    Ok(())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(socket: &mut Socket, value: Value) -> Result<(), HaError> {
    socket
        .send(Message::text(value.to_string()))
        .await
        .map_err(|e| HaError::Unreachable(format!("websocket send failed: {e}")))
}

async fn next_text(socket: &mut Socket) -> Result<tungstenite::Utf8Bytes, HaError> {
    loop {
        let message = socket
            .next()
            .await
            .ok_or_else(|| HaError::Unreachable("websocket closed by Home Assistant".into()))?
            .map_err(|e| match e {
                tungstenite::Error::Capacity(why) => HaError::Upstream(format!(
                    "a websocket message from Home Assistant exceeds lee's limit of {} MiB ({why})",
                    MAX_MESSAGE_BYTES >> 20
                )),
                e => HaError::Unreachable(format!("websocket read failed: {e}")),
            })?;
        match message {
            Message::Text(text) => return Ok(text),
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
    let text = next_text(socket).await?;
    match parse(text.as_str())?.kind.as_deref() {
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
