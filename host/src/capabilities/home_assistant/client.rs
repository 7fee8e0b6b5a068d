//! The HTTP side of the Home Assistant capability: one pooled keep-alive reqwest client
//! (rustls, verification on unless the operator turned it off, no redirects), every
//! attempt bounded by the invocation deadline, retries after 100/200/400 ms on connect
//! errors, 429, 502, 503 and 504 (never on a rejected certificate or a request that
//! could not be built), and a circuit breaker that counts each call once, after its
//! retries. The operator's extra headers (`HOME_ASSISTANT_HEADERS`, for a proxy such as
//! Cloudflare Access) go on every request, marked sensitive.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};

use super::breaker::CircuitBreaker;
use super::call::{CallContext, Verdict, guarded};
use super::error::HaError;
use super::tls;
use crate::settings::{Secret, Settings, without_userinfo};

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
    /// Why Home Assistant's certificate was last rejected (for health), if it was.
    pub certificate_error: Mutex<Option<String>>,
    /// `HOME_ASSISTANT_HEADERS`, for the websocket handshake too (values sensitive).
    pub extra_headers: HeaderMap,
}

/// `HOME_ASSISTANT_HEADERS` as a header map; every value is marked sensitive so no
/// client debug output shows it.
pub fn extra_headers(settings: &Settings) -> anyhow::Result<HeaderMap> {
    let mut map = HeaderMap::new();
    for (name, value) in &settings.ha_headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            anyhow::anyhow!("HOME_ASSISTANT_HEADERS: {name:?} is not a header name")
        })?;
        let mut value = HeaderValue::from_str(value.expose()).map_err(|_| {
            anyhow::anyhow!("HOME_ASSISTANT_HEADERS: the value of {name} cannot be a header")
        })?;
        value.set_sensitive(true);
        map.append(name, value);
    }
    Ok(map)
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
        let extra_headers = extra_headers(settings)?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .default_headers(extra_headers.clone())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(4)
            .tcp_nodelay(true)
            .connect_timeout(settings.ha_timeout.min(Duration::from_secs(3)))
            // A redirect is a misconfiguration (or an attack): following it would send
            // the token elsewhere and turn a POST into a GET.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("lee/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()?;
        Ok(Self {
            base_url: base_url.to_string(),
            client,
            attempt_timeout: settings.ha_timeout,
            breaker: CircuitBreaker::default(),
            certificate_error: Mutex::new(None),
            extra_headers,
        })
    }

    /// Sends one request, retrying transient failures while time remains; returns the
    /// 2xx body or a classified error. The whole call, retries included, is one call for
    /// the circuit breaker.
    pub async fn send(
        &self,
        ctx: CallContext<'_>,
        method: Method,
        path: &str,
        body: Body<'_>,
    ) -> Result<Vec<u8>, HaError> {
        let url = format!("{}{}", self.base_url, path);
        let authorization = bearer(ctx.token)?;
        let call = async {
            let mut last = (
                Err(HaError::Unreachable(
                    "no time left before the invocation deadline".to_string(),
                )),
                Verdict::NotSent,
            );
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
                let started = Instant::now();
                let span = ctx.stats.begin_round_trip();
                let (outcome, verdict, status) = self
                    .attempt(method.clone(), &url, &authorization, &body, timeout)
                    .await;
                if verdict != Verdict::NotSent {
                    ctx.stats.record(started.elapsed());
                    if let Some(mut span) = span {
                        span.http(method.as_str(), &url, status);
                        span.metadata("attempt", attempt);
                        if status.is_none()
                            && let Attempt::Done(Err(e)) | Attempt::Retry(e) = &outcome
                        {
                            span.fail(true, e.kind());
                        }
                        span.end();
                    }
                }
                match outcome {
                    Attempt::Done(result) => return (result, verdict),
                    Attempt::Retry(error) => {
                        tracing::warn!(path, attempt, error = %error, "Home Assistant call failed; retrying if time allows");
                        last = (Err(error), verdict);
                    }
                }
            }
            last
        };
        guarded(&self.breaker, ctx.breaker, call).await?
    }

    async fn attempt(
        &self,
        method: Method,
        url: &str,
        authorization: &HeaderValue,
        body: &Body<'_>,
        timeout: Duration,
    ) -> (Attempt, Verdict, Option<u16>) {
        let mut request = self
            .client
            .request(method, url)
            .header(reqwest::header::AUTHORIZATION, authorization.clone())
            .timeout(timeout);
        if let Body::Json(bytes) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.to_vec());
        }
        match request.send().await {
            // Nothing was sent: the request itself is malformed (bad input, not an outage).
            Err(e) if e.is_builder() => (
                Attempt::Done(Err(HaError::Invalid(format!(
                    "the request could not be built: {}",
                    describe_transport_error(&e)
                )))),
                Verdict::NotSent,
                None,
            ),
            Err(e) if tls::refused_client_certificate(&e).is_some() => {
                let message = tls::refused_client_certificate(&e).unwrap_or_default();
                tracing::error!(error = %message, "the TLS server refused the connection");
                *self
                    .certificate_error
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(message.clone());
                (
                    Attempt::Done(Err(HaError::Certificate(message))),
                    Verdict::Failed,
                    None,
                )
            }
            Err(e) => match tls::rejected_certificate(&e) {
                // Not transient: retrying cannot make a rejected certificate acceptable.
                Some(reason) => {
                    let message = format!(
                        "Home Assistant's TLS certificate was rejected: {reason}; trust its CA with \
                         HOME_ASSISTANT_CA_FILE or pin it with HOME_ASSISTANT_CERT_SHA256"
                    );
                    tracing::error!(error = %message, "TLS verification of Home Assistant failed");
                    *self
                        .certificate_error
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some(reason);
                    (
                        Attempt::Done(Err(HaError::Certificate(message))),
                        Verdict::Failed,
                        None,
                    )
                }
                None => {
                    let error = HaError::Unreachable(describe_transport_error(&e));
                    let attempt = if e.is_connect() {
                        Attempt::Retry(error)
                    } else {
                        Attempt::Done(Err(error))
                    };
                    (attempt, Verdict::Failed, None)
                }
            },
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    self.certificate_error
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .take();
                }
                let verdict = if status.is_server_error() {
                    Verdict::Failed
                } else {
                    Verdict::Answered
                };
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                let attempt = match read_body(response).await {
                    Err(e) => Attempt::Done(Err(e)),
                    Ok(bytes) if status.is_success() => Attempt::Done(Ok(bytes)),
                    Ok(bytes) if is_transient(status) => {
                        Attempt::Retry(classify_status(status, &bytes, location.as_deref()))
                    }
                    Ok(bytes) => {
                        Attempt::Done(Err(classify_status(status, &bytes, location.as_deref())))
                    }
                };
                (attempt, verdict, Some(status.as_u16()))
            }
        }
    }
}

/// The `Authorization` header for `token`, checked before anything is sent: a token
/// with characters a header cannot carry (CR/LF) is bad input, not an outage.
fn bearer(token: &Secret) -> Result<HeaderValue, HaError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
        HaError::Invalid("the access token has characters an HTTP header cannot carry".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, HaError> {
    let too_large = || {
        let message = format!(
            "Home Assistant's answer is larger than lee's limit of {} MiB",
            MAX_BODY_BYTES >> 20
        );
        tracing::error!(error = %message, "answer refused");
        HaError::Upstream(message)
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(response.content_length().unwrap_or(0) as usize);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(HaError::Unreachable(describe_transport_error(&e))),
        }
    }
}

fn classify_status(status: StatusCode, body: &[u8], location: Option<&str>) -> HaError {
    let message: String = String::from_utf8_lossy(body).chars().take(300).collect();
    if status.is_redirection() {
        let to: String = location
            .unwrap_or("(no Location)")
            .chars()
            .take(200)
            .collect();
        return HaError::Upstream(format!(
            "HTTP {} redirect to {}; lee does not follow redirects: set HOME_ASSISTANT_URL to \
             the address Home Assistant itself answers on",
            status.as_u16(),
            without_userinfo(&to)
        ));
    }
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
            classify_status(StatusCode::UNAUTHORIZED, b"", None),
            HaError::Unauthorized(401)
        );
        assert!(matches!(
            classify_status(StatusCode::BAD_REQUEST, b"bad", None),
            HaError::BadRequest { status: 400, .. }
        ));
        assert!(matches!(
            classify_status(StatusCode::BAD_GATEWAY, b"", None),
            HaError::Upstream(_)
        ));
        assert!(matches!(
            classify_status(StatusCode::TOO_MANY_REQUESTS, b"", None),
            HaError::Upstream(_)
        ));
        let redirect = classify_status(StatusCode::FOUND, b"", Some("https://u:p@elsewhere/login"));
        let text = redirect.to_string();
        assert!(
            text.contains("redirect to https://elsewhere/login"),
            "{text}"
        );
        assert!(!text.contains("u:p"), "{text}");
        assert!(bearer(&Secret::new("a\r\nX-Evil: 1")).is_err());
        assert!(bearer(&Secret::new("eyJ.abc.def")).is_ok());
        assert!(is_transient(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!is_transient(StatusCode::INTERNAL_SERVER_ERROR));
    }
}
