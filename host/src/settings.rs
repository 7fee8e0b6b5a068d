//! Host settings from the environment, including the names the Home Assistant docs
//! Lambda uses (BASE_URL, LONG_LIVED_ACCESS_TOKEN, NOT_VERIFY_SSL) so users can switch
//! without renaming. Secrets are wrapped so they never print.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

/// A secret string (the Home Assistant token). `Debug`/`Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is put on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Everything the host reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Home Assistant base URL without a trailing slash (e.g. `https://ha.example.com`).
    pub ha_url: Option<String>,
    pub ha_token: Option<Secret>,
    pub verify_tls: bool,
    /// Extra CA certificate (PEM) to trust for Home Assistant.
    pub ca_file: Option<PathBuf>,
    /// Budget for one Home Assistant HTTP attempt.
    pub ha_timeout: Duration,
    /// Components directory from `$LEE_COMPONENTS_DIR`.
    pub components_dir: Option<PathBuf>,
    /// Custom skill id that requests must carry (refuse others) when set.
    pub alexa_skill_id: Option<String>,
    pub debug: bool,
}

/// The names a setting may come from, first match wins.
const URL_VARS: [&str; 2] = ["HOME_ASSISTANT_URL", "BASE_URL"];
const TOKEN_VARS: [&str; 2] = ["HOME_ASSISTANT_TOKEN", "LONG_LIVED_ACCESS_TOKEN"];

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let first = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| lookup(n).filter(|v| !v.trim().is_empty()))
        };
        let ha_url = first(&URL_VARS).map(|u| u.trim().trim_end_matches('/').to_string());
        if let Some(url) = &ha_url {
            let parsed = url::Url::parse(url)
                .map_err(|e| anyhow::anyhow!("HOME_ASSISTANT_URL {url:?} is not a URL: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                anyhow::bail!("HOME_ASSISTANT_URL must be http:// or https://, got {url:?}");
            }
        }
        let ha_token = first(&TOKEN_VARS).map(|t| Secret::new(t.trim()));
        let verify_tls = match lookup("HOME_ASSISTANT_VERIFY_SSL") {
            Some(v) => parse_bool("HOME_ASSISTANT_VERIFY_SSL", &v)?,
            None => match lookup("NOT_VERIFY_SSL") {
                Some(v) => !parse_bool("NOT_VERIFY_SSL", &v)?,
                None => true,
            },
        };
        let ha_timeout = match lookup("HOME_ASSISTANT_TIMEOUT_MS") {
            Some(v) => {
                let ms: u64 = v.trim().parse().map_err(|_| {
                    anyhow::anyhow!("HOME_ASSISTANT_TIMEOUT_MS must be milliseconds, got {v:?}")
                })?;
                Duration::from_millis(ms.clamp(100, 60_000))
            }
            None => Duration::from_millis(5_000),
        };
        let debug = match lookup("DEBUG") {
            Some(v) => parse_bool("DEBUG", &v).unwrap_or(false),
            None => false,
        };
        Ok(Self {
            ha_url,
            ha_token,
            verify_tls,
            ca_file: lookup("HOME_ASSISTANT_CA_FILE").map(PathBuf::from),
            ha_timeout,
            components_dir: lookup("LEE_COMPONENTS_DIR").map(PathBuf::from),
            alexa_skill_id: lookup("ALEXA_SKILL_ID").filter(|v| !v.is_empty()),
            debug,
        })
    }

    /// The settings as JSON with secrets redacted (for the health event).
    pub fn redacted_json(&self) -> Value {
        json!({
            "home_assistant_url": self.ha_url,
            "home_assistant_token": self.ha_token.as_ref().map(|_| "[redacted]"),
            "verify_tls": self.verify_tls,
            "ca_file": self.ca_file,
            "home_assistant_timeout_ms": self.ha_timeout.as_millis() as u64,
            "components_dir": self.components_dir,
            "alexa_skill_id": self.alexa_skill_id,
            "debug": self.debug,
        })
    }
}

fn parse_bool(name: &str, value: &str) -> anyhow::Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => anyhow::bail!("{name} must be true or false, got {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn docs_lambda_names_work() {
        let s = settings(&[
            ("BASE_URL", "https://ha.example.com/"),
            ("LONG_LIVED_ACCESS_TOKEN", "abc"),
            ("NOT_VERIFY_SSL", "true"),
        ])
        .unwrap();
        assert_eq!(s.ha_url.as_deref(), Some("https://ha.example.com"));
        assert_eq!(s.ha_token.as_ref().map(Secret::expose), Some("abc"));
        assert!(!s.verify_tls);
    }

    #[test]
    fn lee_names_win_and_verify_defaults_on() {
        let s = settings(&[
            ("BASE_URL", "http://old"),
            ("HOME_ASSISTANT_URL", "http://new:8123"),
        ])
        .unwrap();
        assert_eq!(s.ha_url.as_deref(), Some("http://new:8123"));
        assert!(s.verify_tls);
        assert_eq!(s.ha_timeout, Duration::from_secs(5));
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(settings(&[("HOME_ASSISTANT_URL", "ftp://x")]).is_err());
        assert!(settings(&[("HOME_ASSISTANT_VERIFY_SSL", "maybe")]).is_err());
        assert!(settings(&[("HOME_ASSISTANT_TIMEOUT_MS", "soon")]).is_err());
    }

    #[test]
    fn secrets_never_print() {
        let s = settings(&[("HOME_ASSISTANT_TOKEN", "supersecret")]).unwrap();
        assert!(!format!("{s:?}").contains("supersecret"));
        assert!(!s.redacted_json().to_string().contains("supersecret"));
    }
}
