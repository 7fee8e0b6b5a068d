//! The reporter's settings, from the names issue 12 fixes: `ALEXA_CLIENT_ID` /
//! `ALEXA_CLIENT_SECRET` (the skill's Alexa Skill Messaging credentials),
//! `LEE_REPORTER_STATE_DIR`, and the test overrides `LEE_LWA_TOKEN_URL` /
//! `LEE_EVENT_GATEWAY_URL` (plain `http://` only for loopback addresses), plus
//! `LEE_ALEXA_REGION` (NA/EU/FE) choosing the default event gateway and
//! `LEE_REPORTER_COALESCE_MS` (burst window per endpoint).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::settings::Secret;

/// Amazon's Login with Amazon token endpoint.
pub const LWA_TOKEN_URL: &str = "https://api.amazon.com/auth/o2/token";

/// Event gateways by region (Amazon's documented endpoints).
pub fn gateway_for_region(region: &str) -> Option<&'static str> {
    match region.trim().to_ascii_uppercase().as_str() {
        "" | "NA" | "US" => Some("https://api.amazonalexa.com/v3/events"),
        "EU" => Some("https://api.eu.amazonalexa.com/v3/events"),
        "FE" => Some("https://api.fe.amazonalexa.com/v3/events"),
        _ => None,
    }
}

/// Everything `lee reporter` reads beyond the usual Home Assistant settings.
#[derive(Debug, Clone)]
pub struct ReporterConfig {
    pub client_id: String,
    pub client_secret: Secret,
    pub state_dir: PathBuf,
    pub lwa_token_url: url::Url,
    pub event_gateway_url: url::Url,
    /// How long a burst of changes to one endpoint is gathered into one ChangeReport.
    pub coalesce: Duration,
}

impl ReporterConfig {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|n| std::env::var(n).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |n: &str| {
            lookup(n)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let client_id = get("ALEXA_CLIENT_ID").context(
            "ALEXA_CLIENT_ID is not set: the skill's Alexa Skill Messaging client id \
             (developer console -> your skill -> Permissions)",
        )?;
        let client_secret = Secret::new(get("ALEXA_CLIENT_SECRET").context(
            "ALEXA_CLIENT_SECRET is not set: the skill's Alexa Skill Messaging client secret",
        )?);
        let state_dir = state_dir(&lookup);
        let lwa_token_url = endpoint_url(
            "LEE_LWA_TOKEN_URL",
            &get("LEE_LWA_TOKEN_URL").unwrap_or_else(|| LWA_TOKEN_URL.into()),
        )?;
        let gateway = match get("LEE_EVENT_GATEWAY_URL") {
            Some(url) => url,
            None => {
                let region = get("LEE_ALEXA_REGION").unwrap_or_default();
                gateway_for_region(&region)
                    .with_context(|| {
                        format!("LEE_ALEXA_REGION must be NA, EU or FE, got {region:?}")
                    })?
                    .to_string()
            }
        };
        let event_gateway_url = endpoint_url("LEE_EVENT_GATEWAY_URL", &gateway)?;
        let coalesce = match get("LEE_REPORTER_COALESCE_MS") {
            Some(v) => Duration::from_millis(
                v.parse::<u64>()
                    .with_context(|| {
                        format!("LEE_REPORTER_COALESCE_MS must be milliseconds, got {v:?}")
                    })?
                    .min(2_000),
            ),
            None => Duration::from_millis(200),
        };
        Ok(Self {
            client_id,
            client_secret,
            state_dir,
            lwa_token_url,
            event_gateway_url,
            coalesce,
        })
    }
}

/// Where tokens, the last reported endpoint set and health live.
pub fn state_dir(lookup: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    lookup("LEE_REPORTER_STATE_DIR")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_STATE_DIR), PathBuf::from)
}

pub const DEFAULT_STATE_DIR: &str = "/var/lib/lee-reporter";

/// An Amazon endpoint: https, or http to a loopback address (test fakes).
pub fn endpoint_url(name: &str, text: &str) -> anyhow::Result<url::Url> {
    let url = url::Url::parse(text).with_context(|| format!("{name} {text:?} is not a URL"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => {
            bail!("{name}: plain http:// is accepted only for loopback addresses, got {text:?}")
        }
        other => bail!("{name} must be https://, got scheme {other:?}"),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> anyhow::Result<ReporterConfig> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ReporterConfig::from_lookup(|n| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_and_overrides() {
        let c = with(&[("ALEXA_CLIENT_ID", "id"), ("ALEXA_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(c.lwa_token_url.as_str(), LWA_TOKEN_URL);
        assert_eq!(
            c.event_gateway_url.as_str(),
            "https://api.amazonalexa.com/v3/events"
        );
        let eu = with(&[
            ("ALEXA_CLIENT_ID", "id"),
            ("ALEXA_CLIENT_SECRET", "s"),
            ("LEE_ALEXA_REGION", "eu"),
        ])
        .unwrap();
        assert!(eu.event_gateway_url.as_str().contains(".eu."));
        let local = with(&[
            ("ALEXA_CLIENT_ID", "id"),
            ("ALEXA_CLIENT_SECRET", "s"),
            ("LEE_LWA_TOKEN_URL", "http://127.0.0.1:9/auth/o2/token"),
            ("LEE_EVENT_GATEWAY_URL", "http://[::1]:9/v3/events"),
        ])
        .unwrap();
        assert_eq!(local.lwa_token_url.port(), Some(9));
    }

    #[test]
    fn refuses_what_it_must() {
        assert!(with(&[("ALEXA_CLIENT_SECRET", "s")]).is_err());
        assert!(with(&[("ALEXA_CLIENT_ID", "id")]).is_err());
        let remote_http = with(&[
            ("ALEXA_CLIENT_ID", "id"),
            ("ALEXA_CLIENT_SECRET", "s"),
            ("LEE_EVENT_GATEWAY_URL", "http://example.com/v3/events"),
        ]);
        assert!(remote_http.unwrap_err().to_string().contains("loopback"));
        assert!(
            with(&[
                ("ALEXA_CLIENT_ID", "i"),
                ("ALEXA_CLIENT_SECRET", "s"),
                ("LEE_ALEXA_REGION", "XX")
            ])
            .is_err()
        );
    }
}
