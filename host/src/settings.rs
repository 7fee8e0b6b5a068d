//! Host settings from the environment, including the names the Home Assistant docs
//! Lambda uses (BASE_URL, LONG_LIVED_ACCESS_TOKEN, NOT_VERIFY_SSL) so users can switch
//! without renaming. Secrets are wrapped so they never print; the URL is shown without
//! its userinfo. An empty value is the same as an unset one (the Lambda console saves
//! empty values), so only an explicit `false` turns TLS verification off.
//!
//! Also the ways in to a Home Assistant behind a proxy (extra headers, a client
//! certificate) and the token's other source (an SSM parameter name), and [`NAMES`]: every
//! variable lee reads, with its deprecated aliases, for `lee doctor`.

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
    /// SSM parameter (SecureString) holding the token, read through the AWS Parameters and
    /// Secrets Lambda Extension; when set it replaces `ha_token`.
    pub ha_token_ssm: Option<String>,
    /// Extra headers on every request to Home Assistant, REST and websocket alike (a proxy
    /// such as Cloudflare Access in front of it). Values are secrets.
    pub ha_headers: Vec<(String, Secret)>,
    /// Client certificate and key (PEM files) for a Home Assistant behind mutual TLS.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
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

/// One setting and the variables it is read from: the current name first, then the
/// deprecated aliases (the Home Assistant docs Lambda's names) it also accepts.
pub struct Name {
    pub setting: &'static str,
    pub names: &'static [&'static str],
    /// The value is a secret: never shown, only whether it is set.
    pub secret: bool,
}

/// Every variable [`Settings::from_lookup`] reads (`lee doctor` reports which were used).
pub const NAMES: &[Name] = &[
    Name {
        setting: "Home Assistant URL",
        names: &URL_VARS,
        secret: false,
    },
    Name {
        setting: "token",
        names: &TOKEN_VARS,
        secret: true,
    },
    Name {
        setting: "token from SSM",
        names: &["HOME_ASSISTANT_TOKEN_SSM"],
        secret: false,
    },
    Name {
        setting: "verify TLS",
        names: &["HOME_ASSISTANT_VERIFY_SSL", "NOT_VERIFY_SSL"],
        secret: false,
    },
    Name {
        setting: "extra CA",
        names: &["HOME_ASSISTANT_CA_FILE"],
        secret: false,
    },
    Name {
        setting: "pinned certificate",
        names: &["HOME_ASSISTANT_CERT_SHA256"],
        secret: false,
    },
    Name {
        setting: "client certificate",
        names: &["HOME_ASSISTANT_CLIENT_CERT"],
        secret: false,
    },
    Name {
        setting: "client key",
        names: &["HOME_ASSISTANT_CLIENT_KEY"],
        secret: false,
    },
    Name {
        setting: "extra headers",
        names: &["HOME_ASSISTANT_HEADERS"],
        secret: true,
    },
    Name {
        setting: "HTTP timeout",
        names: &["HOME_ASSISTANT_TIMEOUT_MS"],
        secret: false,
    },
    Name {
        setting: "components directory",
        names: &["LEE_COMPONENTS_DIR"],
        secret: false,
    },
    Name {
        setting: "custom skill id",
        names: &["ALEXA_SKILL_ID"],
        secret: false,
    },
    Name {
        setting: "log filter",
        names: &["LEE_LOG"],
        secret: false,
    },
    Name {
        setting: "debug logs",
        names: &["DEBUG"],
        secret: false,
    },
];

/// Headers `HOME_ASSISTANT_HEADERS` may not set: lee sets them itself (the token, the
/// websocket handshake), or they belong to one hop of the connection.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "upgrade",
    "keep-alive",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
];

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
        let ha_token_ssm = get("HOME_ASSISTANT_TOKEN_SSM").map(|n| n.trim().to_string());
        if let Some(name) = &ha_token_ssm
            && (name.len() > 2048 || name.chars().any(char::is_whitespace))
        {
            anyhow::bail!(
                "HOME_ASSISTANT_TOKEN_SSM must be an SSM parameter name such as /lee/token"
            );
        }
        let ha_headers = match get("HOME_ASSISTANT_HEADERS") {
            Some(text) => parse_headers(&text)?,
            None => Vec::new(),
        };
        let client_cert = get("HOME_ASSISTANT_CLIENT_CERT").map(PathBuf::from);
        let client_key = get("HOME_ASSISTANT_CLIENT_KEY").map(PathBuf::from);
        if client_cert.is_some() != client_key.is_some() {
            anyhow::bail!(
                "HOME_ASSISTANT_CLIENT_CERT and HOME_ASSISTANT_CLIENT_KEY go together: set both \
                 (PEM files of the client certificate and its private key) or neither"
            );
        }
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
            ha_token_ssm,
            ha_headers,
            client_cert,
            client_key,
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
            "home_assistant_token_ssm": self.ha_token_ssm,
            "home_assistant_headers": self.header_names_redacted(),
            "client_cert": self.client_cert,
            "client_key": self.client_key,
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

impl Settings {
    /// The extra headers as they may be shown: names with `[redacted]` values.
    pub fn header_names_redacted(&self) -> Value {
        Value::Object(
            self.ha_headers
                .iter()
                .map(|(name, _)| (name.clone(), json!("[redacted]")))
                .collect(),
        )
    }
}

/// `HOME_ASSISTANT_HEADERS`: a JSON object of header names to string values, e.g.
/// `{"CF-Access-Client-Id": "x.access", "CF-Access-Client-Secret": "y"}`. Names must be
/// HTTP tokens and not one lee sets itself ([`RESERVED_HEADERS`], `Sec-WebSocket-*`);
/// values must fit in a header (no CR, LF or other control characters). Errors name the
/// header, never its value.
pub fn parse_headers(text: &str) -> anyhow::Result<Vec<(String, Secret)>> {
    let object: serde_json::Map<String, Value> = serde_json::from_str(text).map_err(|_| {
        anyhow::anyhow!(
            "HOME_ASSISTANT_HEADERS must be a JSON object of header names to values, e.g. \
             {{\"CF-Access-Client-Id\": \"...\", \"CF-Access-Client-Secret\": \"...\"}}"
        )
    })?;
    let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    let mut headers = Vec::with_capacity(object.len());
    for (name, value) in object {
        if name.is_empty() || name.len() > 256 || !name.chars().all(token_char) {
            anyhow::bail!("HOME_ASSISTANT_HEADERS: {name:?} is not an HTTP header name");
        }
        let lower = name.to_ascii_lowercase();
        if RESERVED_HEADERS.contains(&lower.as_str()) || lower.starts_with("sec-websocket-") {
            anyhow::bail!(
                "HOME_ASSISTANT_HEADERS may not set {name}: lee sets it itself (the token goes in \
                 HOME_ASSISTANT_TOKEN)"
            );
        }
        let Value::String(value) = value else {
            anyhow::bail!("HOME_ASSISTANT_HEADERS: the value of {name} must be a string");
        };
        if value.len() > 8192 || value.chars().any(|c| c.is_control() && c != '\t') {
            anyhow::bail!(
                "HOME_ASSISTANT_HEADERS: the value of {name} has characters a header cannot carry"
            );
        }
        headers.push((name, Secret::new(value.trim())));
    }
    Ok(headers)
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
    fn proxy_headers_are_a_json_object_of_secrets() {
        let s = settings(&[(
            "HOME_ASSISTANT_HEADERS",
            r#"{"CF-Access-Client-Id": "id.access", "CF-Access-Client-Secret": "s3cr3t-value"}"#,
        )])
        .unwrap();
        let names: Vec<&str> = s.ha_headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["CF-Access-Client-Id", "CF-Access-Client-Secret"]);
        assert_eq!(s.ha_headers[1].1.expose(), "s3cr3t-value");
        let shown = s.redacted_json().to_string();
        assert!(shown.contains("CF-Access-Client-Secret") && !shown.contains("s3cr3t-value"));
        assert!(!format!("{s:?}").contains("s3cr3t-value"));
        for bad in [
            "CF-Access-Client-Id: x",
            r#"{"Authorization": "Bearer x"}"#,
            r#"{"sec-websocket-key": "x"}"#,
            r#"{"Bad Name": "x"}"#,
            r#"{"X-A": 1}"#,
        ] {
            let err = settings(&[("HOME_ASSISTANT_HEADERS", bad)]).unwrap_err();
            assert!(
                err.to_string().contains("HOME_ASSISTANT_HEADERS"),
                "{bad}: {err}"
            );
        }
        let err =
            settings(&[("HOME_ASSISTANT_HEADERS", "{\"X-A\": \"s3cr3t\\r\\nX: y\"}")]).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
    }

    #[test]
    fn client_certificate_and_key_go_together() {
        let both = settings(&[
            ("HOME_ASSISTANT_CLIENT_CERT", "/c.pem"),
            ("HOME_ASSISTANT_CLIENT_KEY", "/k.pem"),
        ])
        .unwrap();
        assert_eq!(both.client_cert, Some(PathBuf::from("/c.pem")));
        assert!(settings(&[("HOME_ASSISTANT_CLIENT_CERT", "/c.pem")]).is_err());
        assert!(settings(&[("HOME_ASSISTANT_CLIENT_KEY", "/k.pem")]).is_err());
    }

    #[test]
    fn ssm_parameter_names() {
        let s = settings(&[("HOME_ASSISTANT_TOKEN_SSM", " /lee/token ")]).unwrap();
        assert_eq!(s.ha_token_ssm.as_deref(), Some("/lee/token"));
        assert!(settings(&[("HOME_ASSISTANT_TOKEN_SSM", "/a b")]).is_err());
        let every: Vec<&str> = NAMES.iter().flat_map(|n| n.names.iter().copied()).collect();
        for name in [
            "BASE_URL",
            "HOME_ASSISTANT_TOKEN_SSM",
            "HOME_ASSISTANT_HEADERS",
            "NOT_VERIFY_SSL",
        ] {
            assert!(every.contains(&name), "{name} is in NAMES");
        }
    }

    #[test]
    fn secrets_never_print() {
        let s = settings(&[("HOME_ASSISTANT_TOKEN", "supersecret")]).unwrap();
        assert!(!format!("{s:?}").contains("supersecret"));
        assert!(!s.redacted_json().to_string().contains("supersecret"));
    }
}
