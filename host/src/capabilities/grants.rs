//! What the operator allows one component to do: which Home Assistant services it may
//! call, whether it may read states and registries or talk to Assist, which hosts its
//! outbound HTTP may reach, and how many cache bytes it may hold. Also decides which WIT
//! interfaces the component is linked with at all.

use serde::{Deserialize, Serialize};

/// A component's grants, as written in its manifest `[component.grants]` table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Service patterns: `light.turn_on`, `script.*`, `*.turn_off`, `*`.
    #[serde(default)]
    pub services: Vec<String>,
    /// May read states, registries and render templates.
    #[serde(default)]
    pub read_states: bool,
    /// May send text to Home Assistant's conversation agent (which can control devices).
    #[serde(default)]
    pub conversation: bool,
    /// Hosts (`example.com`, `example.com:8443`, `*.example.com`) the `http` import may reach.
    #[serde(default)]
    pub http: Vec<String>,
    /// Cache quota in bytes; 0 means the component is not linked with the `cache` interface.
    #[serde(default)]
    pub cache_bytes: u64,
}

/// The WIT interfaces a component can be linked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    HomeAssistant,
    Http,
    Cache,
    Metrics,
    Log,
    Config,
}

impl Capability {
    pub const ALL: [Capability; 6] = [
        Capability::HomeAssistant,
        Capability::Http,
        Capability::Cache,
        Capability::Metrics,
        Capability::Log,
        Capability::Config,
    ];

    /// The WIT interface name without the package version.
    pub fn interface(self) -> &'static str {
        match self {
            Capability::HomeAssistant => "lee:gateway/home-assistant",
            Capability::Http => "lee:gateway/http",
            Capability::Cache => "lee:gateway/cache",
            Capability::Metrics => "lee:gateway/metrics",
            Capability::Log => "lee:gateway/log",
            Capability::Config => "lee:gateway/config",
        }
    }

    /// Finds the capability a component import name (`lee:gateway/http@0.1.0`) refers to.
    pub fn from_import(name: &str) -> Option<Capability> {
        let base = name.split('@').next().unwrap_or(name);
        Capability::ALL.into_iter().find(|c| c.interface() == base)
    }
}

impl Grants {
    /// Is `capability` linked for this component? Log, metrics and config are harmless
    /// and always granted.
    pub fn allows_capability(&self, capability: Capability) -> bool {
        match capability {
            Capability::HomeAssistant => {
                !self.services.is_empty() || self.read_states || self.conversation
            }
            Capability::Http => !self.http.is_empty(),
            Capability::Cache => self.cache_bytes > 0,
            Capability::Metrics | Capability::Log | Capability::Config => true,
        }
    }

    /// May the component call `domain.service`?
    pub fn allows_service(&self, domain: &str, service: &str) -> bool {
        self.services
            .iter()
            .any(|pattern| service_pattern_matches(pattern, domain, service))
    }

    /// May the `http` import reach `host` (with optional `port`)?
    pub fn allows_http_host(&self, host: &str, port: Option<u16>) -> bool {
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

    /// Malformed grant entries, one sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for pattern in &self.services {
            let ok = pattern == "*"
                || pattern.split_once('.').is_some_and(|(d, s)| {
                    !d.is_empty() && !s.is_empty() && valid_part(d) && valid_part(s)
                });
            if !ok {
                problems.push(format!(
                    "grant service pattern {pattern:?} must be `*` or `domain.service` (either part may be `*`)"
                ));
            }
        }
        for host in &self.http {
            if host.is_empty() || host.contains('/') || host.contains("://") {
                problems.push(format!(
                    "http grant {host:?} must be a host name (optionally :port or *.suffix)"
                ));
            }
        }
        problems
    }
}

fn valid_part(part: &str) -> bool {
    part == "*"
        || part
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn service_pattern_matches(pattern: &str, domain: &str, service: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some((pattern_domain, pattern_service)) = pattern.split_once('.') else {
        return false;
    };
    (pattern_domain == "*" || pattern_domain == domain)
        && (pattern_service == "*" || pattern_service == service)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(services: &[&str]) -> Grants {
        Grants {
            services: services.iter().map(|s| s.to_string()).collect(),
            ..Grants::default()
        }
    }

    #[test]
    fn service_patterns() {
        let g = grants(&["script.*", "light.turn_on", "*.toggle"]);
        assert!(g.allows_service("script", "turn_on"));
        assert!(g.allows_service("script", "good_night"));
        assert!(g.allows_service("light", "turn_on"));
        assert!(!g.allows_service("light", "turn_off"));
        assert!(g.allows_service("switch", "toggle"));
        assert!(!g.allows_service("scripts", "turn_on"));
        assert!(grants(&["*"]).allows_service("lock", "unlock"));
        assert!(!Grants::default().allows_service("light", "turn_on"));
    }

    #[test]
    fn capabilities_follow_grants() {
        let g = grants(&["script.*"]);
        assert!(g.allows_capability(Capability::HomeAssistant));
        assert!(!g.allows_capability(Capability::Http));
        assert!(!g.allows_capability(Capability::Cache));
        assert!(g.allows_capability(Capability::Log));
        assert!(!Grants::default().allows_capability(Capability::HomeAssistant));
        assert_eq!(
            Capability::from_import("lee:gateway/http@0.1.0"),
            Some(Capability::Http)
        );
        assert_eq!(Capability::from_import("wasi:cli/stdout@0.2.6"), None);
    }

    #[test]
    fn http_hosts() {
        let g = Grants {
            http: vec![
                "api.example.com".into(),
                "*.example.org".into(),
                "127.0.0.1:9000".into(),
            ],
            ..Grants::default()
        };
        assert!(g.allows_http_host("API.example.com", Some(443)));
        assert!(g.allows_http_host("a.example.org", None));
        assert!(!g.allows_http_host("example.org", None));
        assert!(g.allows_http_host("127.0.0.1", Some(9000)));
        assert!(!g.allows_http_host("127.0.0.1", Some(9001)));
        assert!(!g.allows_http_host("evil.com", None));
    }

    #[test]
    fn malformed_patterns_reported() {
        let g = Grants {
            services: vec!["light".into(), "Light.on".into(), "script.*".into()],
            http: vec!["https://x".into()],
            ..Grants::default()
        };
        assert_eq!(g.problems().len(), 3);
    }
}
