//! The component's own settings (manifest `config` table plus environment overrides).

use serde_json::Value;

use crate::bindings::lee::gateway::config as host;

/// One setting as text (non-string values come JSON-encoded).
pub fn get(key: &str) -> Option<String> {
    host::get(key)
}

/// One setting parsed as JSON (a string setting that holds JSON is parsed too).
pub fn get_json(key: &str) -> Option<Value> {
    let all: Value = serde_json::from_str(&host::all()).ok()?;
    match all.get(key)? {
        Value::String(s) => serde_json::from_str(s)
            .ok()
            .or(Some(Value::String(s.clone()))),
        other => Some(other.clone()),
    }
}
