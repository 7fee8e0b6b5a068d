//! The config capability (`lee:gateway/config`): a component's own settings, from its
//! manifest `config` table with `LEE_<COMPONENT>_<KEY>` environment overrides applied
//! once at load time, and the few settings the issue names process-wide
//! ([`SHARED_ENV`], e.g. `LEE_ACCEPT_GRANT`) for every component whose table has the key.

use std::sync::Arc;

use serde_json::{Map, Value};
use wasmtime::component::{HasSelf, Linker};

use super::shape::{Capability, ComponentInfo, Init, NoGrant, Scope};
use crate::bindings::gateway::config as wit;

/// Config keys with a process-wide environment name, used when the component-specific
/// `LEE_<COMPONENT>_<KEY>` is not set (the host reads the same names itself).
pub const SHARED_ENV: &[(&str, &str)] = &[("accept_grant", "LEE_ACCEPT_GRANT")];

/// Builds the config a component sees: the manifest table, then environment overrides
/// (`LEE_SCRIPTS_DEFAULT_VARIABLES` overrides `default_variables` of component `scripts`).
pub fn component_config(
    component_id: &str,
    table: &toml::Table,
    env: impl Fn(&str) -> Option<String>,
) -> Map<String, Value> {
    let mut config: Map<String, Value> = table
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
        .collect();
    let prefix = format!("LEE_{}_", env_name(component_id));
    for key in table.keys() {
        let shared = SHARED_ENV.iter().find(|(k, _)| k == key).map(|(_, n)| *n);
        // The component's own name wins even when empty (an explicit "unset this key");
        // an empty shared name counts as not set.
        if let Some(value) = env(&format!("{prefix}{}", env_name(key)))
            .or_else(|| shared.and_then(&env).filter(|v| !v.trim().is_empty()))
        {
            config.insert(key.clone(), Value::String(value));
        }
    }
    config
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

/// Every component gets its own config; nothing is shared across components.
pub struct Config;

impl Capability for Config {
    const INTERFACE: &'static str = "lee:gateway/config";
    type Grant = NoGrant;
    type Prepared = Arc<Map<String, Value>>;
    type Ctx = ConfigCtx;

    fn new(_: &Init<'_>) -> anyhow::Result<Self> {
        Ok(Config)
    }

    fn granted(_: &NoGrant) -> bool {
        true
    }

    fn add_to_linker<T: Send + 'static>(
        linker: &mut Linker<T>,
        project: fn(&mut T) -> &mut ConfigCtx,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasSelf<ConfigCtx>>(linker, project)
    }

    fn prepare(
        &self,
        component: &ComponentInfo<'_>,
        _: &NoGrant,
    ) -> Result<Arc<Map<String, Value>>, String> {
        Ok(Arc::new(component_config(
            component.id,
            component.config,
            |name| std::env::var(name).ok(),
        )))
    }

    fn context(self: &Arc<Self>, config: &Arc<Map<String, Value>>, _: &Arc<Scope>) -> ConfigCtx {
        ConfigCtx {
            config: config.clone(),
        }
    }
}

/// One invocation's config context.
pub struct ConfigCtx {
    config: Arc<Map<String, Value>>,
}

impl wit::Host for ConfigCtx {
    async fn get(&mut self, key: String) -> Option<String> {
        self.config.get(&key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    async fn all(&mut self) -> String {
        Value::Object((*self.config).clone()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_manifest_values() {
        let table: toml::Table = toml::from_str("default_variables = '{}'\nlimit = 3").unwrap();
        let config = component_config("my-comp", &table, |name| {
            (name == "LEE_MY_COMP_LIMIT").then(|| "7".to_string())
        });
        assert_eq!(config["limit"], Value::String("7".into()));
        assert_eq!(config["default_variables"], Value::String("{}".into()));
    }

    #[test]
    fn shared_names_apply_below_component_names() {
        let table: toml::Table = toml::from_str("accept_grant = 'accept'").unwrap();
        let shared = |name: &str| (name == "LEE_ACCEPT_GRANT").then(|| "relay".to_string());
        let config = component_config("alexa-smart-home", &table, shared);
        assert_eq!(config["accept_grant"], Value::String("relay".into()));
        let both = |name: &str| match name {
            "LEE_ACCEPT_GRANT" => Some("relay".to_string()),
            "LEE_ALEXA_SMART_HOME_ACCEPT_GRANT" => Some("forward".to_string()),
            _ => None,
        };
        let config = component_config("alexa-smart-home", &table, both);
        assert_eq!(config["accept_grant"], Value::String("forward".into()));
        let none = component_config("alexa-smart-home", &table, |_| None);
        assert_eq!(config.len(), none.len());
        assert_eq!(none["accept_grant"], Value::String("accept".into()));
    }
}
