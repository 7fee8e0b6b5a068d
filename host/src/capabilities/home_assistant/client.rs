//! The HTTP side of the Home Assistant capability: one pooled keep-alive reqwest client
//! (rustls, verification on unless the operator turned it off), every attempt bounded by
//! the invocation deadline, retries after 100/200/400 ms on connect errors, 429, 502,
//! 503 and 504, and a circuit breaker that fails fast while Home Assistant is down.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use super::breaker::{Admission, CircuitBreaker};
use super::error::HaError;
use crate::settings::{Secret, Settings};

/// Backoff before each retry.
pub const RETRY_BACKOFF_MS: [u64; 3] = [100, 200, 400];
/// An attempt is not started with less time than this left before the deadline.
const MIN_ATTEMPT: Duration = Duration::from_millis(20);
/// Largest response body accepted from Home Assistant.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Counts real round trips to Home Assistant for `--timings` and metrics.
#[derive(Debug, Default)]
pub struct CallStats {
    pub calls: std::sync::atomic::AtomicU32,
    pub micros: std::sync::atomic::AtomicU64,
}

impl CallStats {
    fn record(&self, elapsed: Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        self.calls.fetch_add(1, Relaxed);
        self.micros.fetch_add(elapsed.as_micros() as u64, Relaxed);
    }
}

/// One call's context: the token to use and the deadline it must finish by.
#[derive(Clone, Copy)]
pub struct CallContext<'a> {
    pub token: &'a Secret,
    pub deadline: Instant,
    pub stats: &'a CallStats,
}

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
    pub breaker: CircuitBreaker,
}

/// Builds the rustls config for Home Assistant: Mozilla roots (plus an optional extra
/// CA), or no verification at all when the operator explicitly disabled it.
pub fn tls_config(settings: &Settings) -> anyhow::Result<rustls::ClientConfig> {
    if settings.verify_tls {
        verified_tls_config(settings.ca_file.as_deref())
    } else {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
                .with_no_client_auth(),
        )
    }
}

/// A verifying rustls config: Mozilla's roots (compiled in, so nothing is read from disk
/// at cold start) plus an optional extra CA (PEM) for self-signed Home Assistant setups.
pub fn verified_tls_config(
    ca_file: Option<&std::path::Path>,
) -> anyhow::Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read CA file {}: {e}", path.display()))?;
        for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
            let cert =
                cert.map_err(|e| anyhow::anyhow!("CA file {} is not PEM: {e:?}", path.display()))?;
            roots
                .add(cert)
                .map_err(|e| anyhow::anyhow!("CA file {}: {e}", path.display()))?;
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Accepts any certificate; used only when HOME_ASSISTANT_VERIFY_SSL=false / NOT_VERIFY_SSL.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
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
            if let Admission::Rejected { retry_in_ms } = self.breaker.admit() {
                return Err(HaError::Unreachable(format!(
                    "circuit breaker open after repeated failures; next probe in {retry_in_ms} ms"
                )));
            }
            let timeout = remaining.min(self.attempt_timeout);
            match self
                .attempt(ctx, method.clone(), &url, &body, timeout)
                .await
            {
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
    ) -> Attempt {
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
        let started = Instant::now();
        let response = request.send().await;
        let outcome = match response {
            Err(e) => {
                self.breaker.record_failure();
                let error = HaError::Unreachable(describe_transport_error(&e));
                if e.is_connect() {
                    Attempt::Retry(error)
                } else {
                    Attempt::Done(Err(error))
                }
            }
            Ok(response) => {
                let status = response.status();
                let body = read_body(response).await;
                if status.is_server_error() {
                    self.breaker.record_failure();
                } else {
                    self.breaker.record_success();
                }
                match body {
                    Err(e) => Attempt::Done(Err(e)),
                    Ok(bytes) if status.is_success() => Attempt::Done(Ok(bytes)),
                    Ok(bytes) => {
                        let error = classify_status(status, &bytes);
                        if is_transient(status) {
                            Attempt::Retry(error)
                        } else {
                            Attempt::Done(Err(error))
                        }
                    }
                }
            }
        };
        ctx.stats.record(started.elapsed());
        outcome
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
