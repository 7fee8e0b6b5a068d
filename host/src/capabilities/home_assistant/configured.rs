//! The configured Home Assistant token (the one used when a request carries none, and for
//! the warm-up, health and `lee doctor`): given in `HOME_ASSISTANT_TOKEN`, or read once
//! per container from the SSM parameter `HOME_ASSISTANT_TOKEN_SSM` through the AWS
//! Parameters and Secrets Lambda Extension ([`crate::aws::ssm`]) and kept for the life of
//! the process. A failed read (the extension not there yet, a missing permission) is
//! retried at the next invocation, at most every [`RETRY_EVERY`], so one bad init does
//! not leave a container without its token.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::aws::ssm::Extension;
use crate::settings::{Secret, Settings};

/// Shortest wait between two reads of a parameter that failed.
pub const RETRY_EVERY: Duration = Duration::from_secs(10);

/// Where the configured token comes from, and the token once known.
pub struct ConfiguredToken {
    token: OnceLock<Secret>,
    parameter: Option<String>,
    /// When the parameter was last read without success, and why.
    last_failure: Mutex<Option<(Instant, String)>>,
    /// Serialises reads: concurrent callers wait for one read instead of each sending one.
    reading: tokio::sync::Mutex<()>,
}

impl ConfiguredToken {
    pub fn new(settings: &Settings) -> Self {
        let token = OnceLock::new();
        match (&settings.ha_token_ssm, &settings.ha_token) {
            (Some(name), Some(_)) => tracing::warn!(
                parameter = %name,
                "both HOME_ASSISTANT_TOKEN_SSM and HOME_ASSISTANT_TOKEN are set; using the SSM \
                 parameter (remove the plain token from the function's environment)"
            ),
            (None, Some(plain)) => {
                let _ = token.set(plain.clone());
            }
            _ => {}
        }
        Self {
            token,
            parameter: settings.ha_token_ssm.clone(),
            last_failure: Mutex::new(None),
            reading: tokio::sync::Mutex::new(()),
        }
    }

    /// The token, when known.
    pub fn get(&self) -> Option<&Secret> {
        self.token.get()
    }

    /// Is a token configured at all (given, or to be read from SSM)?
    pub fn is_configured(&self) -> bool {
        self.token.get().is_some() || self.parameter.is_some()
    }

    /// Reads the SSM parameter if the token is not known yet (and the last failure is at
    /// least [`RETRY_EVERY`] old), within `budget`. Returns the token when known.
    pub async fn ensure(&self, budget: Duration) -> Option<&Secret> {
        if let Some(token) = self.token.get() {
            return Some(token);
        }
        let name = self.parameter.as_deref()?;
        let _reading = self.reading.lock().await;
        if let Some(token) = self.token.get() {
            return Some(token);
        }
        if self
            .failure()
            .is_some_and(|(at, _)| at.elapsed() < RETRY_EVERY)
        {
            return None;
        }
        let started = Instant::now();
        match Extension::from_env().secure_string(name, budget).await {
            Ok(token) => {
                tracing::info!(
                    parameter = %name,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "Home Assistant token read from SSM"
                );
                *self.lock() = None;
                let _ = self.token.set(token);
                self.token.get()
            }
            Err(e) => {
                tracing::error!(parameter = %name, error = %e, "cannot read HOME_ASSISTANT_TOKEN_SSM; retrying at a later invocation");
                *self.lock() = Some((Instant::now(), e.to_string()));
                None
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, String)>> {
        self.last_failure.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn failure(&self) -> Option<(Instant, String)> {
        self.lock().clone()
    }

    /// For health and `lee doctor`: where the token comes from and whether it is known.
    pub fn describe(&self) -> Value {
        let source = match (&self.parameter, self.token.get()) {
            (Some(_), _) => "ssm",
            (None, Some(_)) => "environment",
            (None, None) => "none",
        };
        json!({
            "source": source,
            "parameter": self.parameter,
            "loaded": self.token.get().is_some(),
            "last_error": self.failure().map(|(_, e)| e),
        })
    }
}
