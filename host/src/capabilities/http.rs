//! The outbound HTTP capability (`lee:gateway/http`) for extension components: only to
//! the hosts in the component's `http` grant, with no redirects (a redirect could leave
//! the allowed hosts), a time cap inside the invocation deadline and a response size cap.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wasmtime::component::{HasSelf, Linker};

use super::home_assistant::tls::verified_tls_config;
use super::shape::{Capability, ComponentInfo, Grant, Init, Scope};
use crate::bindings::gateway::http::{self as wit, HttpError, Request, Response};

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
                let tls = verified_tls_config(None).map_err(|e| e.to_string())?;
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

/// The `http` part of `[component.grants]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HttpGrant {
    /// Hosts (`example.com`, `example.com:8443`, `*.example.com`) the import may reach.
    #[serde(default)]
    pub http: Vec<String>,
}

impl Grant for HttpGrant {
    const KEYS: &'static [&'static str] = &["http"];

    fn problems(&self) -> Vec<String> {
        self.http
            .iter()
            .filter(|host| host.is_empty() || host.contains('/') || host.contains("://"))
            .map(|host| {
                format!("http grant {host:?} must be a host name (optionally :port or *.suffix)")
            })
            .collect()
    }
}

impl HttpGrant {
    /// May the import reach `host` (with optional `port`)?
    pub fn allows_host(&self, host: &str, port: Option<u16>) -> bool {
        let host = host.to_ascii_lowercase();
        self.http.iter().any(|pattern| {
            let pattern = pattern.to_ascii_lowercase();
            let (pattern_host, pattern_port) = match pattern.rsplit_once(':') {
                Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_string(), p.parse().ok()),
                _ => (pattern.clone(), None),
            };
            let port_ok = pattern_port.is_none() || pattern_port == port;
            let host_ok = match pattern_host.strip_prefix("*.") {
                Some(suffix) => host.ends_with(&format!(".{suffix}")),
                None => pattern_host == host,
            };
            host_ok && port_ok
        })
    }
}

impl Capability for OutboundHttp {
    const INTERFACE: &'static str = "lee:gateway/http";
    type Grant = HttpGrant;
    type Prepared = Arc<HttpGrant>;
    type Ctx = HttpCtx;

    fn new(_: &Init<'_>) -> anyhow::Result<Self> {
        Ok(Self::default())
    }

    fn linked(grant: &HttpGrant) -> bool {
        !grant.http.is_empty()
    }

    fn add_to_linker<T: Send + 'static>(
        linker: &mut Linker<T>,
        project: fn(&mut T) -> &mut HttpCtx,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasSelf<HttpCtx>>(linker, project)
    }

    fn prepare(&self, _: &ComponentInfo<'_>, grant: &HttpGrant) -> Result<Arc<HttpGrant>, String> {
        Ok(Arc::new(grant.clone()))
    }

    fn context(self: &Arc<Self>, grant: &Arc<HttpGrant>, scope: &Arc<Scope>) -> HttpCtx {
        HttpCtx {
            http: self.clone(),
            grant: grant.clone(),
            scope: scope.clone(),
        }
    }

    fn describe(&self) -> Value {
        json!({"client_built": self.client.get().is_some()})
    }
}

/// One invocation's outbound HTTP context.
pub struct HttpCtx {
    http: Arc<OutboundHttp>,
    grant: Arc<HttpGrant>,
    scope: Arc<Scope>,
}

impl HttpCtx {
    fn check_request(&self, request: &Request) -> Result<(reqwest::Method, url::Url), HttpError> {
        let url = url::Url::parse(&request.url)
            .map_err(|e| HttpError::InvalidRequest(format!("bad URL {:?}: {e}", request.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HttpError::InvalidRequest("only http and https URLs".into()));
        }
        let host = url.host_str().unwrap_or_default();
        if !self.grant.allows_host(host, url.port_or_known_default()) {
            return Err(HttpError::Denied(
                self.scope
                    .deny(&format!("http {host}"), &format!("http access to {host}")),
            ));
        }
        let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| HttpError::InvalidRequest(format!("bad method {:?}", request.method)))?;
        Ok((method, url))
    }
}

impl wit::Host for HttpCtx {
    async fn send(&mut self, request: Request) -> Result<Response, HttpError> {
        let (method, url) = self.check_request(&request)?;
        let wanted = match request.timeout_ms {
            0 => DEFAULT_TIMEOUT,
            ms => Duration::from_millis(u64::from(ms)),
        };
        let timeout = wanted.min(self.scope.remaining());
        if timeout.is_zero() {
            return Err(HttpError::Timeout);
        }
        let mut builder = self.http.client()?.request(method, url).timeout(timeout);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_hosts() {
        let g = HttpGrant {
            http: vec![
                "api.example.com".into(),
                "*.example.org".into(),
                "127.0.0.1:9000".into(),
            ],
        };
        assert!(g.allows_host("API.example.com", Some(443)));
        assert!(g.allows_host("a.example.org", None));
        assert!(!g.allows_host("example.org", None));
        assert!(g.allows_host("127.0.0.1", Some(9000)));
        assert!(!g.allows_host("127.0.0.1", Some(9001)));
        assert!(!g.allows_host("evil.com", None));
        let bad = HttpGrant {
            http: vec!["https://x".into()],
        };
        assert_eq!(bad.problems().len(), 1);
    }
}
