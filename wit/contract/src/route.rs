//! Routes: how an event names the work it asks for, and how a component claims work.
//!
//! A route is `scheme:name`: `alexa:<Namespace>/<Name>` for an Alexa Smart Home
//! directive, `skill:<Intent or request type>` for a custom-skill request,
//! `lee:<action>` for the host's own events, `test:<name>` for test components. Names
//! are 1-128 characters of ASCII letters, digits, `.`, `_` and `-` (an Alexa route has
//! two such names around one `/`), so a route can never contain a pattern character.
//!
//! A [`RoutePattern`] is a route, or a prefix ending in `*` (`alexa:*`,
//! `alexa:Alexa.PowerController/*`). Of the patterns that match a route, an exact one
//! wins, then the longest prefix ([`best_match`]).

use std::fmt;

/// The part before the `:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Alexa,
    Skill,
    Lee,
    Test,
}

impl Scheme {
    pub const ALL: [Scheme; 4] = [Scheme::Alexa, Scheme::Skill, Scheme::Lee, Scheme::Test];

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Alexa => "alexa",
            Scheme::Skill => "skill",
            Scheme::Lee => "lee",
            Scheme::Test => "test",
        }
    }

    fn parse(text: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Why a route or pattern was refused (the sentence completes "route X ...").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteError {
    NoScheme,
    UnknownScheme,
    EmptyName,
    BadName,
    StarNotLast,
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RouteError::NoScheme => "must look like scheme:name (e.g. skill:RunScript)",
            RouteError::UnknownScheme => "has an unknown scheme (alexa, skill, lee, test)",
            RouteError::EmptyName => "has an empty name",
            RouteError::BadName => {
                "has a name that is not 1-128 letters, digits, '.', '_' or '-' \
                 (alexa routes: Namespace/Name)"
            }
            RouteError::StarNotLast => "may only use '*' as its last character",
        })
    }
}

impl std::error::Error for RouteError {}

/// Longest name part.
pub const MAX_NAME: usize = 128;

/// Is `part` a valid route name part?
pub fn valid_name(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= MAX_NAME
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A concrete route, as the host derives it from an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    scheme: Scheme,
    text: String,
}

impl Route {
    /// `alexa:<namespace>/<name>`.
    pub fn alexa(namespace: &str, name: &str) -> Result<Route, RouteError> {
        if !valid_name(namespace) || !valid_name(name) {
            return Err(RouteError::BadName);
        }
        Ok(Route {
            scheme: Scheme::Alexa,
            text: format!("alexa:{namespace}/{name}"),
        })
    }

    /// `<scheme>:<name>` for the single-name schemes (skill, lee, test).
    pub fn named(scheme: Scheme, name: &str) -> Result<Route, RouteError> {
        if scheme == Scheme::Alexa {
            let (namespace, name) = name.split_once('/').ok_or(RouteError::BadName)?;
            return Route::alexa(namespace, name);
        }
        if !valid_name(name) {
            return Err(RouteError::BadName);
        }
        Ok(Route {
            scheme,
            text: format!("{}:{name}", scheme.as_str()),
        })
    }

    /// Parses `scheme:name`.
    pub fn parse(text: &str) -> Result<Route, RouteError> {
        let (scheme, name) = text.split_once(':').ok_or(RouteError::NoScheme)?;
        let scheme = Scheme::parse(scheme).ok_or(RouteError::UnknownScheme)?;
        if name.is_empty() {
            return Err(RouteError::EmptyName);
        }
        Route::named(scheme, name)
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The part after `scheme:`.
    pub fn name(&self) -> &str {
        &self.text[self.scheme.as_str().len() + 1..]
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A route a component claims: exact, or a prefix ending in `*`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoutePattern {
    text: String,
}

impl RoutePattern {
    /// Checks the grammar: a known scheme, a name, `*` only at the end, and otherwise
    /// only characters a route can contain.
    pub fn parse(text: &str) -> Result<RoutePattern, RouteError> {
        let (scheme, rest) = text.split_once(':').ok_or(RouteError::NoScheme)?;
        Scheme::parse(scheme).ok_or(RouteError::UnknownScheme)?;
        if rest.is_empty() {
            return Err(RouteError::EmptyName);
        }
        let fixed = match rest.find('*') {
            Some(pos) if pos != rest.len() - 1 => return Err(RouteError::StarNotLast),
            Some(pos) => &rest[..pos],
            None => rest,
        };
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/');
        if fixed.len() > 2 * MAX_NAME + 1 || !fixed.bytes().all(allowed) {
            return Err(RouteError::BadName);
        }
        if !rest.ends_with('*') {
            Route::parse(text)?;
        }
        Ok(RoutePattern {
            text: text.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Is this a prefix pattern (`...*`)?
    pub fn is_prefix(&self) -> bool {
        self.text.ends_with('*')
    }

    /// Does the pattern claim `route`?
    pub fn matches(&self, route: &str) -> bool {
        match self.text.strip_suffix('*') {
            Some(prefix) => route.starts_with(prefix),
            None => self.text == route,
        }
    }

    /// Ordering among matching patterns: exact first, then the longest prefix.
    fn specificity(&self) -> (bool, usize) {
        (!self.is_prefix(), self.text.len())
    }
}

impl fmt::Display for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The item whose pattern claims `route` best: an exact pattern, else the longest
/// matching prefix; among equals, the first.
pub fn best_match<'a, T>(
    route: &str,
    candidates: impl IntoIterator<Item = (&'a RoutePattern, T)>,
) -> Option<T> {
    let mut best: Option<((bool, usize), T)> = None;
    for (pattern, item) in candidates {
        if !pattern.matches(route) {
            continue;
        }
        let rank = pattern.specificity();
        if best.as_ref().is_none_or(|(current, _)| rank > *current) {
            best = Some((rank, item));
        }
    }
    best.map(|(_, item)| item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse_and_build() {
        let r = Route::parse("alexa:Alexa.PowerController/TurnOn").unwrap();
        assert_eq!(r.scheme(), Scheme::Alexa);
        assert_eq!(r.name(), "Alexa.PowerController/TurnOn");
        assert_eq!(r, Route::alexa("Alexa.PowerController", "TurnOn").unwrap());
        assert_eq!(
            Route::named(Scheme::Skill, "AMAZON.HelpIntent")
                .unwrap()
                .as_str(),
            "skill:AMAZON.HelpIntent"
        );
        assert_eq!(Route::parse("nonsense"), Err(RouteError::NoScheme));
        assert_eq!(Route::parse("web:x"), Err(RouteError::UnknownScheme));
        assert_eq!(Route::parse("skill:"), Err(RouteError::EmptyName));
        assert_eq!(Route::parse("skill:a:b*"), Err(RouteError::BadName));
        assert_eq!(Route::parse("alexa:NoSlash"), Err(RouteError::BadName));
        assert_eq!(
            Route::alexa("A", &"x".repeat(129)),
            Err(RouteError::BadName)
        );
    }

    #[test]
    fn patterns_validate() {
        assert!(RoutePattern::parse("alexa:*").unwrap().is_prefix());
        assert!(RoutePattern::parse("alexa:Alexa.PowerController/*").is_ok());
        assert!(RoutePattern::parse("lee:test-*").is_ok());
        assert_eq!(
            RoutePattern::parse("alexa:*x"),
            Err(RouteError::StarNotLast)
        );
        assert_eq!(RoutePattern::parse("nonsense"), Err(RouteError::NoScheme));
        assert_eq!(RoutePattern::parse("skill:a b"), Err(RouteError::BadName));
        assert_eq!(RoutePattern::parse("alexa:Alexa"), Err(RouteError::BadName));
    }

    #[test]
    fn exact_beats_prefix_and_longer_prefix_beats_shorter() {
        let all = RoutePattern::parse("alexa:*").unwrap();
        let power = RoutePattern::parse("alexa:Alexa.PowerController/*").unwrap();
        let on = RoutePattern::parse("alexa:Alexa.PowerController/TurnOn").unwrap();
        let table = [(&all, "all"), (&power, "power"), (&on, "on")];
        assert_eq!(
            best_match("alexa:Alexa.PowerController/TurnOn", table),
            Some("on")
        );
        assert_eq!(
            best_match("alexa:Alexa.PowerController/TurnOff", table),
            Some("power")
        );
        assert_eq!(best_match("alexa:Alexa/ReportState", table), Some("all"));
        assert_eq!(best_match("skill:RunScript", table), None);
        assert!(!on.matches("alexa:Alexa.PowerController/TurnOnX"));
    }
}
