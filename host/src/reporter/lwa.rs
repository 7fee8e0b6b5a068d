//! Login with Amazon for the reporter: the AcceptGrant code exchanged for access and
//! refresh tokens (form POST, `grant_type=authorization_code`), refreshed before they
//! expire, and kept in `<state dir>/tokens.json` with mode 0600 (written to a temporary
//! file and renamed, so a crash never leaves half a token file). Tokens never reach
//! logs: they live in [`Secret`]s and files.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::config::ReporterConfig;
use crate::settings::Secret;

/// Refresh this long before the access token expires.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(120);
const TOKEN_FILE: &str = "tokens.json";

/// What LWA answered, as far as the reporter must tell the cases apart.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum LwaError {
    /// LWA refused (bad code, bad client credentials, revoked refresh token): no retry.
    #[error("Login with Amazon refused: {0}")]
    Refused(String),
    /// Could not reach LWA or it failed: retry later.
    #[error("Login with Amazon unavailable: {0}")]
    Unavailable(String),
    /// No grant yet (or it was dropped after SKILL_DISABLED).
    #[error("not linked: no AcceptGrant received yet")]
    NotLinked,
}

#[derive(Clone, Serialize, Deserialize)]
struct Stored {
    access_token: String,
    refresh_token: String,
    /// Unix seconds.
    expires_at: u64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

/// The reporter's LWA client and token store.
pub struct Lwa {
    http: reqwest::Client,
    url: url::Url,
    client_id: String,
    client_secret: Secret,
    path: PathBuf,
    tokens: Mutex<Option<Stored>>,
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Lwa {
    /// Loads persisted tokens, if any (an unreadable file is logged and ignored: the user
    /// re-links).
    pub fn new(config: &ReporterConfig, http: reqwest::Client) -> Self {
        let path = config.state_dir.join(TOKEN_FILE);
        let tokens = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<Stored>(&bytes)
                .inspect_err(|e| tracing::warn!(file = %path.display(), error = %e, "token file unreadable; re-link the skill"))
                .ok(),
            Err(_) => None,
        };
        Self {
            http,
            url: config.lwa_token_url.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            path,
            tokens: Mutex::new(tokens),
        }
    }

    pub async fn linked(&self) -> bool {
        self.tokens.lock().await.is_some()
    }

    /// Unix seconds when the access token expires.
    pub async fn expires_at(&self) -> Option<u64> {
        self.tokens.lock().await.as_ref().map(|t| t.expires_at)
    }

    /// Exchanges an AcceptGrant code.
    pub async fn exchange(&self, code: &str) -> Result<(), LwaError> {
        let answer = self
            .post(&[("grant_type", "authorization_code"), ("code", code)])
            .await?;
        let refresh = answer
            .refresh_token
            .clone()
            .ok_or_else(|| LwaError::Refused("LWA answered without a refresh_token".into()))?;
        self.store(answer, refresh).await
    }

    /// A current access token: refreshed first when it expires within [`REFRESH_MARGIN`].
    pub async fn access_token(&self) -> Result<Secret, LwaError> {
        let stored = self
            .tokens
            .lock()
            .await
            .clone()
            .ok_or(LwaError::NotLinked)?;
        if stored.expires_at > unix_now() + REFRESH_MARGIN.as_secs() {
            return Ok(Secret::new(stored.access_token));
        }
        self.refresh().await
    }

    /// Refreshes now (after INVALID_ACCESS_TOKEN_EXCEPTION, or near expiry).
    pub async fn refresh(&self) -> Result<Secret, LwaError> {
        let refresh = self
            .tokens
            .lock()
            .await
            .as_ref()
            .map(|t| t.refresh_token.clone())
            .ok_or(LwaError::NotLinked)?;
        let answer = self
            .post(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
            .await?;
        let access = Secret::new(answer.access_token.clone());
        let refresh = answer.refresh_token.clone().unwrap_or(refresh);
        self.store(answer, refresh).await?;
        Ok(access)
    }

    /// Forgets the grant (SKILL_DISABLED: the user unlinked or disabled the skill).
    pub async fn unlink(&self) {
        *self.tokens.lock().await = None;
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %self.path.display(), error = %e, "cannot remove the token file");
        }
    }

    async fn post(&self, fields: &[(&str, &str)]) -> Result<TokenAnswer, LwaError> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            form.append_pair(k, v);
        }
        form.append_pair("client_id", &self.client_id);
        form.append_pair("client_secret", self.client_secret.expose());
        let response = self
            .http
            .post(self.url.clone())
            .header(
                "content-type",
                "application/x-www-form-urlencoded;charset=UTF-8",
            )
            .body(form.finish())
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| LwaError::Unavailable(format!("token request failed: {e}")))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if status.is_success() {
            return serde_json::from_str(&body)
                .map_err(|e| LwaError::Unavailable(format!("LWA answered invalid JSON: {e}")));
        }
        let why = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                let error = v.get("error")?.as_str()?.to_string();
                let description = v
                    .get("error_description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("");
                Some(format!("{error}: {description}"))
            })
            .unwrap_or_else(|| format!("HTTP {status}"));
        if status.is_server_error() || status.as_u16() == 429 {
            Err(LwaError::Unavailable(why))
        } else {
            Err(LwaError::Refused(why))
        }
    }

    async fn store(&self, answer: TokenAnswer, refresh_token: String) -> Result<(), LwaError> {
        let stored = Stored {
            access_token: answer.access_token,
            refresh_token,
            expires_at: unix_now() + answer.expires_in.unwrap_or(3600),
        };
        write_private(&self.path, &serde_json::to_vec(&stored).unwrap_or_default()).map_err(
            |e| {
                LwaError::Unavailable(format!(
                    "cannot store tokens in {}: {e}",
                    self.path.display()
                ))
            },
        )?;
        *self.tokens.lock().await = Some(stored);
        Ok(())
    }
}

/// Writes `bytes` to `path` with mode 0600 (temporary file + rename).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    // A leftover temporary file keeps its old mode: start from none.
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/tokens.json");
        write_private(&path, b"{}").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
    }
}
