//! `lee:gateway/config`: a component's own settings, from its manifest `config` table
//! with `LEE_<COMPONENT>_<KEY>` environment overrides applied once at load time.

use serde_json::{Map, Value};

use crate::runtime::bindings::lee::gateway::config as wit;
use crate::runtime::state::HostState;

/// Builds the settings a component sees: the manifest table, then environment overrides
/// (`LEE_SCRIPTS_DEFAULT_VARIABLES` overrides `default_variables` of component `scripts`).
pub fn component_settings(
    component_id: &str,
    table: &toml::Table,
    env: impl Fn(&str) -> Option<String>,
) -> Map<String, Value> {
    let mut settings: Map<String, Value> = table
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
        .collect();
    let prefix = format!("LEE_{}_", env_name(component_id));
    for key in table.keys() {
        if let Some(value) = env(&format!("{prefix}{}", env_name(key))) {
            settings.insert(key.clone(), Value::String(value));
        }
    }
    settings
}

fn env_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

impl wit::Host for HostState {
    fn get(&mut self, key: String) -> Option<String> {
        self.scope.config.get(&key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    fn all(&mut self) -> String {
        Value::Object((*self.scope.config).clone()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_manifest_values() {
        let table: toml::Table = toml::from_str("default_variables = '{}'\nlimit = 3").unwrap();
        let settings = component_settings("my-comp", &table, |name| {
            (name == "LEE_MY_COMP_LIMIT").then(|| "7".to_string())
        });
        assert_eq!(settings["limit"], Value::String("7".into()));
        assert_eq!(settings["default_variables"], Value::String("{}".into()));
    }
}
