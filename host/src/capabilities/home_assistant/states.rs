//! Entity states as the host keeps them: `attributes` stays raw JSON text (the host
//! never interprets it), parsed from Home Assistant's answers in one pass. Also the
//! identifier rules every call checks before anything is sent.

use std::sync::Arc;

use serde::Deserialize;

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
            attributes: w
                .attributes
                .map(|r| r.get().to_string())
                .unwrap_or_else(|| "{}".into()),
            last_changed: w.last_changed,
            last_updated: w.last_updated,
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
    fn states_parse_with_raw_attributes() {
        let states = parse_states(
            br#"[{"entity_id":"light.a","state":"on","attributes":{"brightness":255},"last_changed":"t","last_updated":"u"}]"#,
        )
        .unwrap();
        assert_eq!(states[0].attributes, r#"{"brightness":255}"#);
        assert!(parse_states(b"{").is_err());
    }
}
