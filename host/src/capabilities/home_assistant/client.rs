//! The HTTP side of the Home Assistant capability: one pooled keep-alive reqwest client
//! (rustls, verification on unless the operator turned it off), every attempt bounded by
//! the invocation deadline, retries after 100/200/400 ms on connect errors, 429, 502,
//! 503 and 504, and a circuit breaker that fails fast while Home Assistant is down.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use super::breaker::CircuitBreaker;
use super::call::{CallContext, Verdict, guarded};
use super::error::HaError;
use crate::settings::Settings;

/// Backoff before each retry.
pub const RETRY_BACKOFF_MS: [u64; 3] = [100, 200, 400];
/// An attempt is not started with less time than this left before the deadline.
const MIN_ATTEMPT: Duration = Duration::from_millis(20);
/// Largest response body accepted from Home Assistant.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// A body to send.
pub enum Body<'a> {
    None,
    Json(&'a [u8]),
}

/// The HTTP client for one Home Assistant base URL.
pub struct HaHttp {
    pub base_url: String,
    client: reqwest::Client,
    attempt_timeout: Duration,
    /// Shared with the websocket path: one breaker per base URL.
    pub breaker: CircuitBreaker,
}

/// Is this status worth another attempt?
fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// What a finished attempt means.
enum Attempt {
    Done(Result<Vec<u8>, HaError>),
    Retry(HaError),
}

impl HaHttp {
    pub fn new(
        base_url: &str,
        settings: &Settings,
        tls: rustls::ClientConfig,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(4)
            .tcp_nodelay(true)
            .connect_timeout(settings.ha_timeout.min(Duration::from_secs(3)))
            .user_agent(concat!("lee/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()?;
        Ok(Self {
            base_url: base_url.to_string(),
            client,
            attempt_timeout: settings.ha_timeout,
            breaker: CircuitBreaker::default(),
        })
    }

    /// Sends one request with retries; returns the 2xx body or a classified error.
    pub async fn send(
        &self,
        ctx: CallContext<'_>,
        method: Method,
        path: &str,
        body: Body<'_>,
    ) -> Result<Vec<u8>, HaError> {
        let url = format!("{}{}", self.base_url, path);
        let mut last_error = None;
        for attempt in 0..=RETRY_BACKOFF_MS.len() {
            if attempt > 0 {
                let backoff = Duration::from_millis(RETRY_BACKOFF_MS[attempt - 1]);
                if Instant::now() + backoff + MIN_ATTEMPT > ctx.deadline {
                    break;
                }
                tokio::time::sleep(backoff).await;
            }
            let remaining = ctx.deadline.saturating_duration_since(Instant::now());
            if remaining < MIN_ATTEMPT {
                break;
            }
            let timeout = remaining.min(self.attempt_timeout);
            let trip = self.attempt(ctx, method.clone(), &url, &body, timeout);
            match guarded(&self.breaker, ctx.stats, trip).await? {
                Attempt::Done(result) => return result,
                Attempt::Retry(error) => {
                    tracing::warn!(path, attempt, error = %error, "Home Assistant call failed; retrying if time allows");
                    last_error = Some(error);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| {
            HaError::Unreachable("no time left before the invocation deadline".to_string())
        }))
    }

    async fn attempt(
        &self,
        ctx: CallContext<'_>,
        method: Method,
        url: &str,
        body: &Body<'_>,
        timeout: Duration,
    ) -> (Attempt, Verdict) {
        let mut request = self
            .client
            .request(method, url)
            .bearer_auth(ctx.token.expose())
            .timeout(timeout);
        if let Body::Json(bytes) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.to_vec());
        }
        match request.send().await {
            Err(e) => {
                let error = HaError::Unreachable(describe_transport_error(&e));
                let attempt = if e.is_connect() {
                    Attempt::Retry(error)
                } else {
                    Attempt::Done(Err(error))
                };
                (attempt, Verdict::Failed)
            }
            Ok(response) => {
                let status = response.status();
                let verdict = if status.is_server_error() {
                    Verdict::Failed
                } else {
                    Verdict::Answered
                };
                let attempt = match read_body(response).await {
                    Err(e) => Attempt::Done(Err(e)),
                    Ok(bytes) if status.is_success() => Attempt::Done(Ok(bytes)),
                    Ok(bytes) if is_transient(status) => {
                        Attempt::Retry(classify_status(status, &bytes))
                    }
                    Ok(bytes) => Attempt::Done(Err(classify_status(status, &bytes))),
                };
                (attempt, verdict)
            }
        }
    }
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, HaError> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(HaError::Upstream(format!(
                        "response larger than {MAX_BODY_BYTES} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(HaError::Unreachable(describe_transport_error(&e))),
        }
    }
}

fn classify_status(status: StatusCode, body: &[u8]) -> HaError {
    let message: String = String::from_utf8_lossy(body).chars().take(300).collect();
    match status.as_u16() {
        401 | 403 => HaError::Unauthorized(status.as_u16()),
        404 => HaError::NotFound(if message.is_empty() {
            "HTTP 404".to_string()
        } else {
            message
        }),
        s if s >= 500 || is_transient(status) => HaError::Upstream(format!("HTTP {s}: {message}")),
        s => HaError::BadRequest { status: s, message },
    }
}

/// A transport error as one line, without the URL's query or any header.
fn describe_transport_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "transport error"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_classify() {
        assert_eq!(
            classify_status(StatusCode::UNAUTHORIZED, b""),
            HaError::Unauthorized(401)
        );
        assert!(matches!(
            classify_status(StatusCode::BAD_REQUEST, b"bad"),
            HaError::BadRequest { status: 400, .. }
        ));
        assert!(matches!(
            classify_status(StatusCode::BAD_GATEWAY, b""),
            HaError::Upstream(_)
        ));
        assert!(matches!(
            classify_status(StatusCode::TOO_MANY_REQUESTS, b""),
            HaError::Upstream(_)
        ));
        assert!(is_transient(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!is_transient(StatusCode::INTERNAL_SERVER_ERROR));
    }
}
