//! The host capabilities a component can import, one module each, registered in one
//! table. Every capability has the same [`shape`](shape::Capability); the table makes
//! from its rows everything the rest of the host iterates: [`Capabilities`] (the
//! process-wide states), [`Grants`] (each capability's part of `[component.grants]`),
//! [`Prepared`] and [`Contexts`] (per component and per invocation), [`link`] and
//! [`INTERFACES`].
//!
//! Every interface is linked for every component: the grants are what protect, not the
//! import list. A context refuses (`denied`) whatever its component's grant does not
//! allow, so a component built by a toolchain that imports the whole world (JavaScript,
//! Python) loads, and an ungranted call never leaves the host.
//!
//! Adding a WIT interface: the WIT, one module here implementing `Capability`, one row
//! in the table below, and the SDK wrapper.

pub mod cache;
pub mod config;
pub mod home_assistant;
pub mod http;
pub mod log;
pub mod metrics;
pub mod shape;

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use wasmtime::component::Linker;

pub use shape::{Capability, ComponentInfo, Grant, Init, MetricsSink, Report, Scope};

/// The Store data gives each capability its context (wasmtime's `*View` pattern).
pub trait HasContexts {
    fn contexts(&mut self) -> &mut Contexts;
}

macro_rules! capability_table {
    ($($field:ident: $ty:ty,)*) => {
        /// Every capability's process-wide state.
        pub struct Capabilities {
            $(pub $field: Arc<$ty>,)*
        }

        /// A component's grants, as written in its `[component.grants]` table: each
        /// capability reads its own keys; an unknown key is an error.
        #[derive(Debug, Clone, Default, PartialEq, Serialize)]
        pub struct Grants {
            $(#[serde(flatten)] pub $field: <$ty as Capability>::Grant,)*
        }

        /// What one loaded component's invocations share, per capability.
        pub struct Prepared {
            $($field: <$ty as Capability>::Prepared,)*
        }

        /// One invocation's contexts, per capability.
        pub struct Contexts {
            $(pub $field: <$ty as Capability>::Ctx,)*
        }

        /// Each capability's WIT interface and whether given grants allow any use of it.
        pub const INTERFACES: &[Interface] = &[
            $((<$ty as Capability>::INTERFACE, |g: &Grants| <$ty as Capability>::granted(&g.$field)),)*
        ];

        impl Capabilities {
            pub fn new(init: &Init<'_>) -> anyhow::Result<Self> {
                Ok(Self { $($field: Arc::new(<$ty as Capability>::new(init)?),)* })
            }

            /// At load time, for one component.
            pub fn prepare(
                &self,
                component: &ComponentInfo<'_>,
                grants: &Grants,
            ) -> Result<Prepared, String> {
                Ok(Prepared { $($field: self.$field.prepare(component, &grants.$field)?,)* })
            }

            /// At the start of one invocation.
            pub fn contexts(&self, prepared: &Prepared, scope: &Arc<Scope>) -> Contexts {
                Contexts { $($field: self.$field.context(&prepared.$field, scope),)* }
            }

            /// After one invocation.
            pub fn finish(&self, contexts: Contexts, report: &Report) {
                $(self.$field.finish(contexts.$field, report);)*
            }

            /// Each capability's health, keyed by interface name.
            pub fn describe(&self) -> Map<String, Value> {
                let mut all = Map::new();
                $(all.insert(short_name(<$ty as Capability>::INTERFACE).into(), self.$field.describe());)*
                all
            }
        }

        /// Links every interface; `T` is the Store data (its contexts enforce the grants).
        pub fn link<T: HasContexts + Send + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
            $(<$ty as Capability>::add_to_linker(linker, |s: &mut T| &mut s.contexts().$field)?;)*
            Ok(())
        }

        impl Grants {
            /// Malformed grant entries, one sentence each.
            pub fn problems(&self) -> Vec<String> {
                let mut problems = Vec::new();
                $(problems.extend(Grant::problems(&self.$field));)*
                problems
            }

            fn from_table(table: toml::Table) -> Result<Self, String> {
                let known: &[&[&str]] = &[$(<<$ty as Capability>::Grant as Grant>::KEYS,)*];
                if let Some(unknown) = table
                    .keys()
                    .find(|k| !known.iter().any(|keys| keys.contains(&k.as_str())))
                {
                    let all: Vec<&str> = known.iter().flat_map(|keys| keys.iter().copied()).collect();
                    return Err(format!("unknown grant `{unknown}`, expected one of {}", all.join(", ")));
                }
                Ok(Self {
                    $($field: part_of(&table, <<$ty as Capability>::Grant as Grant>::KEYS)?,)*
                })
            }
        }
    };
}

capability_table! {
    home_assistant: home_assistant::HomeAssistant,
    http: http::OutboundHttp,
    cache: cache::ComponentCaches,
    metrics: metrics::Metrics,
    log: log::Log,
    config: config::Config,
}

/// `http` for `lee:gateway/http`.
fn short_name(interface: &str) -> &str {
    interface.rsplit('/').next().unwrap_or(interface)
}

/// The keys `keys` of `table`, deserialised as one capability's grant.
fn part_of<G: Grant>(table: &toml::Table, keys: &[&str]) -> Result<G, String> {
    let part: toml::Table = table
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    part.try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())
}

impl<'de> Deserialize<'de> for Grants {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = toml::Table::deserialize(deserializer)?;
        Grants::from_table(table).map_err(serde::de::Error::custom)
    }
}

/// A WIT interface name and whether given grants allow any use of it.
pub type Interface = (&'static str, fn(&Grants) -> bool);

/// The capability whose interface a component import (`lee:gateway/http@0.1.0`) names.
pub fn interface_of(import: &str) -> Option<Interface> {
    let base = import.split('@').next().unwrap_or(import);
    INTERFACES.iter().copied().find(|(name, _)| *name == base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(text: &str) -> Result<Grants, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        Grants::from_table(table)
    }

    #[test]
    fn each_capability_reads_its_own_keys() {
        let g = grants(
            "services = ['script.*']\nread_states = true\nhttp = ['a.example']\ncache_bytes = 5",
        )
        .unwrap();
        assert!(g.home_assistant.read_states);
        assert_eq!(g.http.http, vec!["a.example".to_string()]);
        assert_eq!(g.cache.cache_bytes, 5);
        let err = grants("servics = []").unwrap_err();
        assert!(err.contains("unknown grant `servics`"), "{err}");
        assert!(grants("read_states = 'yes'").is_err());
    }

    #[test]
    fn interfaces_follow_grants() {
        let g = grants("services = ['script.*']").unwrap();
        let linked = |import: &str| interface_of(import).map(|(_, granted)| granted(&g));
        assert_eq!(linked("lee:gateway/home-assistant@0.1.1"), Some(true));
        assert_eq!(linked("lee:gateway/http@0.1.0"), Some(false));
        assert_eq!(linked("lee:gateway/cache"), Some(false));
        assert_eq!(linked("lee:gateway/log@0.1.0"), Some(true));
        assert_eq!(linked("wasi:cli/stdout@0.2.6"), None);
        let none = Grants::default();
        assert!(!interface_of("lee:gateway/home-assistant").unwrap().1(
            &none
        ));
    }

    #[test]
    fn grants_serialise_flat() {
        let g = grants("services = ['light.turn_on']\ncache_bytes = 64").unwrap();
        let value = serde_json::to_value(&g).unwrap();
        assert_eq!(value["services"], serde_json::json!(["light.turn_on"]));
        assert_eq!(value["cache_bytes"], 64);
        let back: Grants = toml::from_str(&toml::to_string(&g).unwrap()).unwrap();
        assert_eq!(back, g);
    }
}
