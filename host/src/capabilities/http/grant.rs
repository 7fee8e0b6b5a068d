//! The `http` part of `[component.grants]`: which hosts (and ports) the import may reach,
//! and whether a granted name may resolve to a private address.
//!
//! A host without a port allows 80 and 443 only. An IP literal must be granted as that
//! literal (then it may be private: the operator named it). A name that resolves to a
//! loopback, private or link-local address is refused after resolution unless
//! `allow_private = true` (otherwise `api.example.com` pointed at 127.0.0.1 would reach
//! the Lambda Runtime API and the next event's token).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::capabilities::shape::Grant;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HttpGrant {
    /// Hosts (`example.com`, `example.com:8443`, `*.example.com`, `192.0.2.7:8080`).
    #[serde(default)]
    pub http: Vec<String>,
    /// May a granted name resolve to a loopback, private or link-local address?
    #[serde(default)]
    pub allow_private: bool,
}

/// Ports a grant without an explicit port allows.
pub const DEFAULT_PORTS: [u16; 2] = [80, 443];

impl Grant for HttpGrant {
    const KEYS: &'static [&'static str] = &["http", "allow_private"];

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

/// A grant entry split into host pattern and optional port.
fn split(pattern: &str) -> (String, Option<u16>) {
    let pattern = pattern.to_ascii_lowercase();
    // `[::1]:8080` and `[::1]`
    if let Some(rest) = pattern.strip_prefix('[')
        && let Some((host, after)) = rest.split_once(']')
    {
        return (
            host.to_string(),
            after.strip_prefix(':').and_then(|p| p.parse().ok()),
        );
    }
    match pattern.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.parse::<u16>().is_ok() => {
            (h.to_string(), p.parse().ok())
        }
        _ => (pattern, None),
    }
}

impl HttpGrant {
    /// May the import reach `host` on `port`? (`host` as the URL has it, without
    /// brackets for IPv6.)
    pub fn allows_host(&self, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        let literal = host.parse::<IpAddr>().ok();
        self.http.iter().any(|pattern| {
            let (pattern_host, pattern_port) = split(pattern);
            let port_ok = match pattern_port {
                Some(p) => p == port,
                None => DEFAULT_PORTS.contains(&port),
            };
            let host_ok = match (literal, pattern_host.parse::<IpAddr>().ok()) {
                // An address matches only the same address, written any way.
                (Some(ip), Some(granted)) => ip == granted,
                (Some(_), None) | (None, Some(_)) => false,
                (None, None) => match pattern_host.strip_prefix("*.") {
                    Some(suffix) => host.ends_with(&format!(".{suffix}")),
                    None => pattern_host == host,
                },
            };
            host_ok && port_ok
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(hosts: &[&str]) -> HttpGrant {
        HttpGrant {
            http: hosts.iter().map(|h| h.to_string()).collect(),
            allow_private: false,
        }
    }

    #[test]
    fn hosts_and_ports() {
        let g = grant(&[
            "api.example.com",
            "*.example.org",
            "127.0.0.1:9000",
            "[::1]:8080",
        ]);
        assert!(g.allows_host("API.example.com", 443));
        assert!(g.allows_host("api.example.com", 80));
        assert!(
            !g.allows_host("api.example.com", 8443),
            "no port: 80 and 443 only"
        );
        assert!(g.allows_host("a.example.org", 443));
        assert!(!g.allows_host("example.org", 443));
        assert!(g.allows_host("127.0.0.1", 9000));
        assert!(!g.allows_host("127.0.0.1", 9001));
        assert!(g.allows_host("::1", 8080));
        assert!(!g.allows_host("evil.com", 443));
        assert!(!grant(&["*.example.org"]).allows_host("127.0.0.1", 443));
        assert_eq!(grant(&["https://x"]).problems().len(), 1);
    }
}
