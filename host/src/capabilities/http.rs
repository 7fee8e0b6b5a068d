//! `lee:gateway/http`: outbound HTTP for extension components, only to the hosts in the
//! component's `http` grant, with no redirects (a redirect could leave the allowed
//! hosts), a time cap inside the invocation deadline and a response size cap.

use std::time::{Duration, Instant};

use crate::runtime::bindings::lee::gateway::http::{self as wit, HttpError, Request, Response};
use crate::runtime::state::HostState;

/// Largest response body handed to a guest.
pub const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;
/// Time cap when the guest passes 0.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The shared outbound client, built on first use (most components never use it, and
/// building it costs cold-start time). TLS verification is always on for extensions.
#[derive(Default)]
pub struct OutboundHttp {
    client: std::sync::OnceLock<Result<reqwest::Client, String>>,
}

impl OutboundHttp {
    fn client(&self) -> Result<&reqwest::Client, HttpError> {
        self.client
            .get_or_init(|| {
                let tls = crate::capabilities::home_assistant::client::verified_tls_config(None)
                    .map_err(|e| e.to_string())?;
                reqwest::Client::builder()
                    .tls_backend_preconfigured(tls)
                    .redirect(reqwest::redirect::Policy::none())
                    .no_proxy()
                    .user_agent(concat!("lee/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| HttpError::Transport(format!("cannot build the HTTP client: {e}")))
    }
}

impl HostState {
    fn check_http_request(
        &self,
        request: &Request,
    ) -> Result<(reqwest::Method, url::Url), HttpError> {
        let url = url::Url::parse(&request.url)
            .map_err(|e| HttpError::InvalidRequest(format!("bad URL {:?}: {e}", request.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HttpError::InvalidRequest("only http and https URLs".into()));
        }
        let host = url.host_str().unwrap_or_default();
        if !self
            .scope
            .grants
            .allows_http_host(host, url.port_or_known_default())
        {
            self.log_denied(&format!("http {host}"));
            return Err(HttpError::Denied(format!(
                "component {} is not granted http access to {host}",
                self.scope.component_id
            )));
        }
        let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| HttpError::InvalidRequest(format!("bad method {:?}", request.method)))?;
        Ok((method, url))
    }
}

impl wit::Host for HostState {
    async fn send(&mut self, request: Request) -> Result<Response, HttpError> {
        let (method, url) = self.check_http_request(&request)?;
        let wanted = match request.timeout_ms {
            0 => DEFAULT_TIMEOUT,
            ms => Duration::from_millis(u64::from(ms)),
        };
        let timeout = wanted.min(
            self.scope
                .deadline
                .saturating_duration_since(Instant::now()),
        );
        if timeout.is_zero() {
            return Err(HttpError::Timeout);
        }
        let mut builder = self
            .capabilities
            .http
            .client()?
            .request(method, url)
            .timeout(timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let mut response = builder.send().await.map_err(|e| {
            if e.is_timeout() {
                HttpError::Timeout
            } else {
                HttpError::Transport(e.to_string())
            }
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            if e.is_timeout() {
                HttpError::Timeout
            } else {
                HttpError::Transport(e.to_string())
            }
        })? {
            if (body.len() + chunk.len()) as u64 > MAX_RESPONSE_BYTES {
                return Err(HttpError::TooLarge(MAX_RESPONSE_BYTES));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}
