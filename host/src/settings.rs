//! Host settings from the environment, including the names the Home Assistant docs
//! Lambda uses (BASE_URL, LONG_LIVED_ACCESS_TOKEN, NOT_VERIFY_SSL) so users can switch
//! without renaming. Secrets are wrapped so they never print; the URL is shown without
//! its userinfo. An empty value is the same as an unset one (the Lambda console saves
//! empty values), so only an explicit `false` turns TLS verification off.

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
    /// sha256 of Home Assistant's own (leaf) certificate: trust exactly that certificate,
    /// e.g. a self-signed one, instead of a CA chain.
    pub cert_sha256: Option<[u8; 32]>,
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
        // Empty means unset.
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let first = |names: &[&str]| names.iter().find_map(|n| get(n));
        let ha_url = first(&URL_VARS).map(|u| u.trim().trim_end_matches('/').to_string());
        if let Some(url) = &ha_url {
            let parsed = url::Url::parse(url).map_err(|e| {
                anyhow::anyhow!(
                    "HOME_ASSISTANT_URL {:?} is not a URL: {e}",
                    without_userinfo(url)
                )
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                anyhow::bail!(
                    "HOME_ASSISTANT_URL must be http:// or https://, got {:?}",
                    without_userinfo(url)
                );
            }
        }
        let ha_token = first(&TOKEN_VARS).map(|t| Secret::new(t.trim()));
        let verify_tls = match get("HOME_ASSISTANT_VERIFY_SSL") {
            Some(v) => parse_bool("HOME_ASSISTANT_VERIFY_SSL", &v)?,
            None => match get("NOT_VERIFY_SSL") {
                Some(v) => !parse_bool("NOT_VERIFY_SSL", &v)?,
                None => true,
            },
        };
        let ha_timeout = match get("HOME_ASSISTANT_TIMEOUT_MS") {
            Some(v) => {
                let ms: u64 = v.trim().parse().map_err(|_| {
                    anyhow::anyhow!("HOME_ASSISTANT_TIMEOUT_MS must be milliseconds, got {v:?}")
                })?;
                Duration::from_millis(ms.clamp(100, 60_000))
            }
            None => Duration::from_millis(5_000),
        };
        let cert_sha256 = get("HOME_ASSISTANT_CERT_SHA256")
            .map(|v| parse_sha256("HOME_ASSISTANT_CERT_SHA256", &v))
            .transpose()?;
        let debug = match get("DEBUG") {
            Some(v) => parse_bool("DEBUG", &v).unwrap_or(false),
            None => false,
        };
        Ok(Self {
            ha_url,
            ha_token,
            verify_tls,
            ca_file: get("HOME_ASSISTANT_CA_FILE").map(PathBuf::from),
            cert_sha256,
            ha_timeout,
            components_dir: get("LEE_COMPONENTS_DIR").map(PathBuf::from),
            alexa_skill_id: get("ALEXA_SKILL_ID"),
            debug,
        })
    }

    /// The Home Assistant URL as it may be shown (health, logs): without userinfo.
    pub fn ha_url_shown(&self) -> Option<String> {
        self.ha_url.as_deref().map(without_userinfo)
    }

    /// The settings as JSON with secrets redacted (for the health event).
    pub fn redacted_json(&self) -> Value {
        json!({
            "home_assistant_url": self.ha_url_shown(),
            "home_assistant_token": self.ha_token.as_ref().map(|_| "[redacted]"),
            "verify_tls": self.verify_tls,
            "ca_file": self.ca_file,
            "cert_sha256": self.cert_sha256.map(hex::encode),
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
        "0" | "false" | "no" | "off" => Ok(false),
        other => anyhow::bail!("{name} must be true or false, got {other:?}"),
    }
}

/// 64 hex digits, optionally in `AA:BB:...` form (as `openssl x509 -fingerprint` prints).
fn parse_sha256(name: &str, value: &str) -> anyhow::Result<[u8; 32]> {
    let digits: String = value.trim().chars().filter(|c| *c != ':').collect();
    let bytes = hex::decode(&digits)
        .map_err(|_| anyhow::anyhow!("{name} must be a sha256 in hex, got {value:?}"))?;
    bytes.try_into().map_err(|_| {
        anyhow::anyhow!(
            "{name} must be 32 bytes (64 hex digits), got {} hex digits",
            digits.len()
        )
    })
}

/// `https://user:pass@ha.example.com` -> `https://ha.example.com`.
pub fn without_userinfo(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let shown = parsed.to_string();
            // `Url` adds a root `/` the operator did not write.
            match shown.strip_suffix('/') {
                Some(trimmed) if !url.ends_with('/') => trimmed.to_string(),
                _ => shown,
            }
        }
        Ok(_) => url.to_string(),
        // Not a URL: hide anything before an '@' that follows the scheme.
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}{}", &url[..scheme + 3], &url[at + 1..])
            }
            _ => url.to_string(),
        },
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
    fn empty_values_are_unset_and_only_false_disables_verification() {
        let s = settings(&[
            ("HOME_ASSISTANT_VERIFY_SSL", ""),
            ("HOME_ASSISTANT_CA_FILE", ""),
            ("HOME_ASSISTANT_URL", "  "),
        ])
        .unwrap();
        assert!(s.verify_tls);
        assert!(s.ca_file.is_none() && s.ha_url.is_none());
        assert!(settings(&[("NOT_VERIFY_SSL", "")]).unwrap().verify_tls);
        assert!(
            !settings(&[("HOME_ASSISTANT_VERIFY_SSL", "off")])
                .unwrap()
                .verify_tls
        );
        assert!(!settings(&[("NOT_VERIFY_SSL", "1")]).unwrap().verify_tls);
    }

    #[test]
    fn userinfo_never_shows() {
        let s = settings(&[(
            "HOME_ASSISTANT_URL",
            "https://me:hunter2@ha.example.com:8123/",
        )])
        .unwrap();
        assert_eq!(
            s.ha_url_shown().as_deref(),
            Some("https://ha.example.com:8123")
        );
        assert!(!s.redacted_json().to_string().contains("hunter2"));
        let err = settings(&[("HOME_ASSISTANT_URL", "ftp://me:hunter2@x")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert_eq!(without_userinfo("nonsense://a:b@@host"), "nonsense://host");
    }

    #[test]
    fn certificate_pins_parse() {
        let hex64 = "ab".repeat(32);
        let s = settings(&[("HOME_ASSISTANT_CERT_SHA256", &hex64)]).unwrap();
        assert_eq!(s.cert_sha256, Some([0xab; 32]));
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(
            settings(&[("HOME_ASSISTANT_CERT_SHA256", &colons)])
                .unwrap()
                .cert_sha256,
            Some([0xab; 32])
        );
        assert!(settings(&[("HOME_ASSISTANT_CERT_SHA256", "abcd")]).is_err());
    }

    #[test]
    fn secrets_never_print() {
        let s = settings(&[("HOME_ASSISTANT_TOKEN", "supersecret")]).unwrap();
        assert!(!format!("{s:?}").contains("supersecret"));
        assert!(!s.redacted_json().to_string().contains("supersecret"));
    }
}
