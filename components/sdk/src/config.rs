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

/// A list of strings from a setting's value: an array, or one comma-separated string (the
/// form environment overrides arrive in); `None` when absent or of another type.
pub fn string_list(value: Option<&Value>) -> Option<Vec<String>> {
    match value? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        Value::String(text) => Some(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    }
}

/// Setting `key` as a list of strings (see [`string_list`]).
pub fn get_list(key: &str) -> Option<Vec<String>> {
    string_list(get_json(key).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_from_arrays_and_comma_strings() {
        assert_eq!(
            string_list(Some(&json!(["a", "b", 3]))),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(
            string_list(Some(&json!("garage, door,,gate"))),
            Some(vec!["garage".into(), "door".into(), "gate".into()])
        );
        assert_eq!(string_list(Some(&json!(7))), None);
        assert_eq!(string_list(None), None);
    }
}
