//! Reads one SSM parameter (the Home Assistant token, `LEE_MANIFEST_SSM`) through the AWS
//! Parameters and Secrets Lambda Extension:
//! `GET http://localhost:<PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, 2773>/systemsmanager/
//! parameters/get?name=<name>&withDecryption=true` with the header
//! `X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN`. The extension calls SSM with the
//! function's role and caches; lee reads the value once per container
//! ([`crate::capabilities::home_assistant::configured`]).
//!
//! The value never appears in an error or a log line: a successful body is parsed and
//! dropped; a refusal is quoted (the extension's refusals carry no secret). The
//! extension registers during Lambda's init phase and may not answer yet when lee starts:
//! a refused connection or its "not ready" answer is retried until the budget runs out.

use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use serde::Deserialize;

use crate::settings::Secret;

/// The extension's default port.
pub const DEFAULT_PORT: u16 = 2773;
/// The header the extension authenticates callers with.
pub const TOKEN_HEADER: &str = "X-Aws-Parameters-Secrets-Token";
/// Waits between attempts while the extension is not ready.
const BACKOFF_MS: [u64; 5] = [25, 50, 100, 200, 400];

/// Where the extension listens and how to authenticate to it.
#[derive(Debug, Clone)]
pub struct Extension {
    pub port: u16,
    session_token: Option<Secret>,
}

/// Why the parameter could not be read (never contains its value).
#[derive(Debug, thiserror::Error)]
pub enum SsmError {
    #[error(
        "the AWS Parameters and Secrets Lambda Extension does not answer on 127.0.0.1:{port} \
         ({detail}); add its layer to the function (or set PARAMETERS_SECRETS_EXTENSION_HTTP_PORT)"
    )]
    Unreachable { port: u16, detail: String },
    #[error("AWS_SESSION_TOKEN is not set: the extension only answers inside Lambda")]
    NoSessionToken,
    #[error("the extension refused to read {name}: HTTP {status}: {message}")]
    Refused {
        name: String,
        status: u16,
        message: String,
    },
    #[error("the extension's answer for {name} is not an SSM GetParameter result with a value")]
    Malformed { name: String },
}

#[derive(Deserialize)]
struct GetParameter {
    #[serde(rename = "Parameter")]
    parameter: Parameter,
}

#[derive(Deserialize)]
struct Parameter {
    #[serde(rename = "Value")]
    value: String,
}

impl Extension {
    /// From `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` and `AWS_SESSION_TOKEN`.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let port = lookup("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(DEFAULT_PORT);
        let session_token = lookup("AWS_SESSION_TOKEN")
            .filter(|t| !t.trim().is_empty())
            .map(Secret::new);
        Self {
            port,
            session_token,
        }
    }

    /// The request URL for parameter `name` (decrypted).
    pub fn url(&self, name: &str) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("name", name)
            .append_pair("withDecryption", "true")
            .finish();
        format!(
            "http://127.0.0.1:{}/systemsmanager/parameters/get?{query}",
            self.port
        )
    }

    /// Reads the SecureString `name`, retrying while the extension is not ready, until
    /// `budget` is spent.
    pub async fn secure_string(&self, name: &str, budget: Duration) -> Result<Secret, SsmError> {
        let session = self
            .session_token
            .as_ref()
            .ok_or(SsmError::NoSessionToken)?;
        let mut header =
            HeaderValue::from_str(session.expose()).map_err(|_| SsmError::Refused {
                name: name.to_string(),
                status: 0,
                message: "AWS_SESSION_TOKEN has characters a header cannot carry".into(),
            })?;
        header.set_sensitive(true);
        let deadline = Instant::now() + budget;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(
                crate::capabilities::home_assistant::tls::verified_tls_config(None).map_err(
                    |e| SsmError::Unreachable {
                        port: self.port,
                        detail: format!("cannot build the HTTP client: {e}"),
                    },
                )?,
            )
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SsmError::Unreachable {
                port: self.port,
                detail: format!("cannot build the HTTP client: {e}"),
            })?;
        let url = self.url(name);
        let mut attempt = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let result = self.once(&client, &url, &header, name, remaining).await;
            let retry = match &result {
                Err(SsmError::Unreachable { .. }) => true,
                // The extension answers 400 "not ready to serve traffic" while it starts.
                Err(SsmError::Refused {
                    status: 400,
                    message,
                    ..
                }) => message.contains("not ready"),
                _ => false,
            };
            let Some(wait) = BACKOFF_MS.get(attempt).map(|ms| Duration::from_millis(*ms)) else {
                return result;
            };
            if !retry || Instant::now() + wait >= deadline {
                return result;
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn once(
        &self,
        client: &reqwest::Client,
        url: &str,
        header: &HeaderValue,
        name: &str,
        timeout: Duration,
    ) -> Result<Secret, SsmError> {
        let response = client
            .get(url)
            .header(TOKEN_HEADER, header.clone())
            .timeout(timeout.max(Duration::from_millis(10)))
            .send()
            .await
            .map_err(|e| SsmError::Unreachable {
                port: self.port,
                detail: if e.is_timeout() {
                    "timed out".into()
                } else {
                    "connection failed".into()
                },
            })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|_| SsmError::Unreachable {
            port: self.port,
            detail: "the answer was cut off".into(),
        })?;
        if !status.is_success() {
            return Err(SsmError::Refused {
                name: name.to_string(),
                status: status.as_u16(),
                message: String::from_utf8_lossy(&body).chars().take(300).collect(),
            });
        }
        let parsed: GetParameter =
            serde_json::from_slice(&body).map_err(|_| SsmError::Malformed {
                name: name.to_string(),
            })?;
        let value = parsed.parameter.value.trim();
        if value.is_empty() {
            return Err(SsmError::Malformed {
                name: name.to_string(),
            });
        }
        Ok(Secret::new(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_url_and_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            Extension::from_lookup(move |n| {
                vars.iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            })
        };
        let default = env(&[]);
        assert_eq!(default.port, 2773);
        assert!(default.session_token.is_none());
        let e = env(&[
            ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "4000"),
            ("AWS_SESSION_TOKEN", "s"),
        ]);
        assert_eq!(
            e.url("/lee/ha token&x"),
            "http://127.0.0.1:4000/systemsmanager/parameters/get?name=%2Flee%2Fha+token%26x&withDecryption=true"
        );
    }

    #[tokio::test]
    async fn without_a_session_token_nothing_is_sent() {
        let e = Extension::from_lookup(|_| None);
        let err = e
            .secure_string("/lee/token", Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(matches!(err, SsmError::NoSessionToken), "{err}");
    }
}
