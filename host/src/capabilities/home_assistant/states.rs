//! Entity states as the host keeps them: `attributes` stays raw JSON text (the host
//! never interprets it, except to keep only the attributes a query asks for), parsed
//! from Home Assistant's answers in one pass without copying it twice. Also the
//! identifier rules every call checks before anything is sent.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::error::HaError;

/// One entity's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub entity_id: String,
    pub state: String,
    pub attributes: String,
    pub last_changed: String,
    pub last_updated: String,
}

#[derive(Deserialize)]
struct StateWire {
    entity_id: String,
    state: String,
    #[serde(default)]
    attributes: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    last_changed: String,
    #[serde(default)]
    last_updated: String,
}

impl From<StateWire> for State {
    fn from(w: StateWire) -> Self {
        Self {
            entity_id: w.entity_id,
            state: w.state,
            // The raw text's own allocation becomes the String: no second copy.
            attributes: w
                .attributes
                .map(|r| String::from(Box::<str>::from(r)))
                .unwrap_or_else(|| "{}".into()),
            last_changed: w.last_changed,
            last_updated: w.last_updated,
        }
    }
}

impl State {
    /// An entity in `state` with no attributes or timestamps (unit tests of the cache
    /// and of the writes that consult it).
    #[cfg(test)]
    pub(crate) fn bare(entity_id: &str, state: &str) -> Arc<Self> {
        Arc::new(State {
            entity_id: entity_id.into(),
            state: state.into(),
            attributes: "{}".into(),
            last_changed: String::new(),
            last_updated: String::new(),
        })
    }

    /// `domain` of `domain.object_id`.
    pub fn domain(&self) -> &str {
        self.entity_id.split_once('.').map_or("", |(d, _)| d)
    }
}

/// `object` (a JSON object's text) with only the members named in `keep`, in that order;
/// `None` when it is not a JSON object. Values are copied as text, never parsed.
pub fn project_object(object: &str, keep: &[impl AsRef<str>]) -> Option<String> {
    let all = serde_json::from_str::<HashMap<Cow<str>, &RawValue>>(object).ok()?;
    let mut out = String::with_capacity(2 + keep.len() * 24);
    out.push('{');
    for name in keep {
        let name = name.as_ref();
        if let Some(value) = all.get(name) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&serde_json::Value::from(name).to_string());
            out.push(':');
            out.push_str(value.get());
        }
    }
    out.push('}');
    Some(out)
}

/// A JSON array of objects (a registry listing) with only `fields` of each object;
/// entries that are not objects are left out. `None` when `array` is not an array.
pub fn project_array(array: &str, fields: &[impl AsRef<str>]) -> Option<String> {
    let entries = serde_json::from_str::<Vec<&RawValue>>(array).ok()?;
    let mut out = String::with_capacity(2 + entries.len() * 16 * fields.len().max(1));
    out.push('[');
    for entry in entries {
        if let Some(projected) = project_object(entry.get(), fields) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&projected);
        }
    }
    out.push(']');
    Some(out)
}

/// Which states to read and how much of each (the WIT `state-query`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateQuery {
    /// Only these domains; empty: all.
    pub domains: Vec<String>,
    /// Only these entities; empty: no restriction by id.
    pub entity_ids: Vec<String>,
    /// Only these attributes; `None`: all.
    pub attributes: Option<Vec<String>>,
}

impl StateQuery {
    /// The states of `all` the query selects (shared, not copied).
    pub fn select(&self, all: Vec<Arc<State>>) -> Vec<Arc<State>> {
        let ids: std::collections::HashSet<&str> =
            self.entity_ids.iter().map(String::as_str).collect();
        all.into_iter()
            .filter(|s| self.domains.is_empty() || self.domains.iter().any(|d| d == s.domain()))
            .filter(|s| ids.is_empty() || ids.contains(s.entity_id.as_str()))
            .collect()
    }

    /// `state`'s attributes as the query wants them (projected straight into what the
    /// guest receives: no intermediate copy of the state).
    pub fn attributes_of(&self, state: &State) -> String {
        match &self.attributes {
            Some(keep) => {
                project_object(&state.attributes, keep).unwrap_or_else(|| state.attributes.clone())
            }
            None => state.attributes.clone(),
        }
    }
}

/// A JSON array of states (`GET /api/states`, a service call's changed states).
pub fn parse_states(bytes: &[u8]) -> Result<Vec<Arc<State>>, HaError> {
    let wire: Vec<StateWire> = serde_json::from_slice(bytes)
        .map_err(|e| HaError::Upstream(format!("states are not valid JSON: {e}")))?;
    Ok(wire.into_iter().map(|w| Arc::new(State::from(w))).collect())
}

/// One state object (`GET /api/states/<id>`).
pub fn parse_state(bytes: &[u8]) -> Result<Arc<State>, HaError> {
    let wire: StateWire = serde_json::from_slice(bytes)
        .map_err(|e| HaError::Upstream(format!("state is not valid JSON: {e}")))?;
    Ok(Arc::new(State::from(wire)))
}

/// Home Assistant identifiers are lower-case letters, digits and underscores.
pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Longest entity id accepted (Home Assistant's own limit is 255).
pub const MAX_ENTITY_ID: usize = 255;

pub fn valid_entity_id(id: &str) -> bool {
    id.len() <= MAX_ENTITY_ID
        && id
            .split_once('.')
            .is_some_and(|(d, o)| valid_slug(d) && valid_slug(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids_validate() {
        assert!(valid_entity_id("light.kitchen_2"));
        assert!(!valid_entity_id("light.Kitchen"));
        assert!(!valid_entity_id("light/../x"));
        assert!(!valid_entity_id("light."));
        assert!(!valid_entity_id("light"));
        assert!(valid_entity_id(&format!("light.{}", "a".repeat(249))));
        assert!(!valid_entity_id(&format!("light.{}", "a".repeat(250))));
    }

    #[test]
    fn projection_keeps_only_the_named_attributes() {
        let states = parse_states(
            br#"[{"entity_id":"light.a","state":"on","attributes":{"friendly_name":"A","brightness":255,"huge":[1,2,3],"sup\u0070orted":1}}]"#,
        )
        .unwrap();
        let names = ["supported", "friendly_name", "missing"];
        let projected = project_object(&states[0].attributes, &names).unwrap();
        assert_eq!(projected, r#"{"supported":1,"friendly_name":"A"}"#);
        assert_eq!(states[0].domain(), "light");
        let none: [&str; 0] = [];
        assert_eq!(project_object(&states[0].attributes, &none).unwrap(), "{}");
    }

    #[test]
    fn registry_listings_project() {
        let listing =
            r#"[{"entity_id":"a","options":{"x":[1]},"area_id":null},7,{"entity_id":"b"}]"#;
        assert_eq!(
            project_array(listing, &["entity_id", "area_id"]).unwrap(),
            r#"[{"entity_id":"a","area_id":null},{"entity_id":"b"}]"#
        );
        assert!(project_array("{}", &["x"]).is_none());
    }

    #[test]
    fn queries_select_by_domain_and_id() {
        let all = parse_states(
            br#"[{"entity_id":"light.a","state":"on","attributes":{"x":1}},
                 {"entity_id":"light.b","state":"on"},
                 {"entity_id":"switch.c","state":"off"}]"#,
        )
        .unwrap();
        let lights = StateQuery {
            domains: vec!["light".into()],
            ..StateQuery::default()
        };
        assert_eq!(lights.select(all.clone()).len(), 2);
        let one = StateQuery {
            entity_ids: vec!["switch.c".into(), "light.a".into()],
            attributes: Some(vec![]),
            ..StateQuery::default()
        };
        let picked = one.select(all);
        assert_eq!(picked.len(), 2);
        assert_eq!(picked[0].entity_id, "light.a", "Home Assistant's order");
        assert_eq!(one.attributes_of(&picked[0]), "{}");
    }

    #[test]
    fn states_parse_with_raw_attributes() {
        let states = parse_states(
            br#"[{"entity_id":"light.a","state":"on","attributes":{"brightness":255},"last_changed":"t","last_updated":"u"}]"#,
        )
        .unwrap();
        assert_eq!(states[0].attributes, r#"{"brightness":255}"#);
        assert!(parse_states(b"{").is_err());
    }
}
