//! The Home Assistant part of `[component.grants]`: which services a component may
//! call, whether it may read states and registries, render templates, or talk to Assist.
//!
//! Wildcards never reach Home Assistant's cross-domain meta services: `*.toggle` does
//! not grant `homeassistant.toggle` (which toggles any entity of any domain), and `*`
//! does not grant `homeassistant.stop`. Those match only when named in full.

use serde::{Deserialize, Serialize};

use crate::capabilities::shape::Grant;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HaGrant {
    /// Service patterns: `light.turn_on`, `script.*`, `*.turn_off`, `*`.
    #[serde(default)]
    pub services: Vec<String>,
    /// May read states, registries and the core configuration.
    #[serde(default)]
    pub read_states: bool,
    /// May render Jinja templates (which run on Home Assistant's event loop and can read
    /// any state): only for components that need it.
    #[serde(default)]
    pub templates: bool,
    /// May send text to Home Assistant's conversation agent (which can control devices).
    #[serde(default)]
    pub conversation: bool,
}

impl Grant for HaGrant {
    const KEYS: &'static [&'static str] = &["services", "read_states", "templates", "conversation"];

    fn problems(&self) -> Vec<String> {
        self.services
            .iter()
            .filter(|pattern| {
                !(*pattern == "*"
                    || pattern.split_once('.').is_some_and(|(d, s)| {
                        !d.is_empty() && !s.is_empty() && valid_part(d) && valid_part(s)
                    }))
            })
            .map(|pattern| {
                format!(
                    "grant service pattern {pattern:?} must be `*` or `domain.service` (either part may be `*`)"
                )
            })
            .collect()
    }
}

impl HaGrant {
    /// Is the interface linked at all?
    pub fn any(&self) -> bool {
        !self.services.is_empty() || self.read_states || self.templates || self.conversation
    }

    /// May the component call `domain.service`?
    pub fn allows_service(&self, domain: &str, service: &str) -> bool {
        self.services
            .iter()
            .any(|pattern| service_pattern_matches(pattern, domain, service))
    }
}

fn valid_part(part: &str) -> bool {
    part == "*"
        || part
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Domains whose services act on entities of every domain.
pub const META_DOMAINS: &[&str] = &["homeassistant"];

fn service_pattern_matches(pattern: &str, domain: &str, service: &str) -> bool {
    if META_DOMAINS.contains(&domain) {
        return pattern == format!("{domain}.{service}");
    }
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

    fn grant(services: &[&str]) -> HaGrant {
        HaGrant {
            services: services.iter().map(|s| s.to_string()).collect(),
            ..HaGrant::default()
        }
    }

    #[test]
    fn service_patterns() {
        let g = grant(&["script.*", "light.turn_on", "*.toggle"]);
        assert!(g.allows_service("script", "turn_on"));
        assert!(g.allows_service("script", "good_night"));
        assert!(g.allows_service("light", "turn_on"));
        assert!(!g.allows_service("light", "turn_off"));
        assert!(g.allows_service("switch", "toggle"));
        assert!(!g.allows_service("scripts", "turn_on"));
        assert!(grant(&["*"]).allows_service("lock", "unlock"));
        assert!(!HaGrant::default().allows_service("light", "turn_on"));
    }

    #[test]
    fn wildcards_never_reach_the_meta_domain() {
        let g = grant(&["*.toggle", "*.stop", "*.restart", "homeassistant.*"]);
        assert!(g.allows_service("switch", "toggle"));
        assert!(!g.allows_service("homeassistant", "toggle"));
        assert!(!g.allows_service("homeassistant", "stop"));
        assert!(!g.allows_service("homeassistant", "restart"));
        assert!(!grant(&["*"]).allows_service("homeassistant", "stop"));
        let named = grant(&["homeassistant.turn_on"]);
        assert!(named.allows_service("homeassistant", "turn_on"));
        assert!(!named.allows_service("homeassistant", "turn_off"));
    }

    #[test]
    fn malformed_patterns_reported() {
        assert_eq!(
            grant(&["light", "Light.on", "script.*"]).problems().len(),
            2
        );
        assert!(grant(&["script.*"]).any());
        assert!(!HaGrant::default().any());
    }
}
