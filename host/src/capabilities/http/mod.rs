//! The outbound HTTP capability (`lee:gateway/http`) for extension components: only to
//! the hosts and ports in the component's `http` grant ([`grant`]), never to a private
//! address a granted name resolves to, with no host-owned headers ([`guard`]), no
//! redirects (a redirect could leave the allowed hosts), a time cap inside the
//! invocation deadline and a response size cap.

pub mod grant;
pub mod guard;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};
use wasmtime::component::{HasSelf, Linker};

pub use self::grant::HttpGrant;
use self::guard::{GuardedResolver, forbidden_header, refused_address};
use super::home_assistant::tls::verified_tls_config;
use super::shape::{Capability, ComponentInfo, Init, Scope};
use crate::bindings::gateway::http::{self as wit, HttpError, Request, Response};

/// Largest response body handed to a guest.
pub const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;
/// Time cap when the guest passes 0.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The shared outbound clients, built on first use (most components never use them, and
/// building one costs cold-start time): one whose resolver refuses non-public addresses,
/// one for grants with `allow_private`. TLS verification is always on for extensions.
#[derive(Default)]
pub struct OutboundHttp {
    public_only: OnceLock<Result<reqwest::Client, String>>,
    any_address: OnceLock<Result<reqwest::Client, String>>,
}

impl OutboundHttp {
    fn client(&self, allow_private: bool) -> Result<&reqwest::Client, HttpError> {
        let slot = if allow_private {
            &self.any_address
        } else {
            &self.public_only
        };
        slot.get_or_init(|| {
            let tls = verified_tls_config(None).map_err(|e| e.to_string())?;
            reqwest::Client::builder()
                .tls_backend_preconfigured(tls)
                .dns_resolver(Arc::new(GuardedResolver { allow_private }))
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

impl Capability for OutboundHttp {
    const INTERFACE: &'static str = "lee:gateway/http";
    type Grant = HttpGrant;
    type Prepared = Arc<HttpGrant>;
    type Ctx = HttpCtx;

    fn new(_: &Init<'_>) -> anyhow::Result<Self> {
        Ok(Self::default())
    }

    fn granted(grant: &HttpGrant) -> bool {
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
        let built = [self.public_only.get(), self.any_address.get()]
            .iter()
            .filter(|c| c.is_some())
            .count();
        json!({ "clients_built": built })
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
        if !url.username().is_empty() || url.password().is_some() {
            return Err(HttpError::InvalidRequest(
                "URLs with userinfo are refused; send credentials in a header".into(),
            ));
        }
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => return Err(HttpError::InvalidRequest("the URL has no host".into())),
        };
        let port = url.port_or_known_default().unwrap_or(0);
        if !self.grant.allows_host(&host, port) {
            return Err(HttpError::Denied(self.scope.deny(
                &format!("http {host}:{port}"),
                &format!("http access to {host}:{port}"),
            )));
        }
        if let Some((name, _)) = request.headers.iter().find(|(n, _)| forbidden_header(n)) {
            return Err(HttpError::InvalidRequest(format!(
                "header {name:?} is set by the host; a component may not send it"
            )));
        }
        let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| HttpError::InvalidRequest(format!("bad method {:?}", request.method)))?;
        Ok((method, url))
    }
}

/// A transport error for the guest; a name that resolved only to refused addresses is a
/// denial.
fn transport_error(error: reqwest::Error) -> HttpError {
    if error.is_timeout() {
        HttpError::Timeout
    } else if let Some(refused) = refused_address(&error) {
        HttpError::Denied(refused)
    } else {
        HttpError::Transport(error.to_string())
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
        let mut builder = self
            .http
            .client(self.grant.allow_private)?
            .request(method, url)
            .timeout(timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let mut response = builder.send().await.map_err(transport_error)?;
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
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
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
