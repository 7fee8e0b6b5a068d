//! Areas the way Home Assistant's registries define them: an entity is in an area when
//! its registry entry names one, or else when its device does. [`Directory`] joins the
//! area, device and entity registries once (the host caches them; [`Directory::load`]
//! reads them with [`Freshness::Mapping`]), answers "which area is this entity in" and
//! "which entities are in this area", and finds an area by spoken name or alias.
//!
//! Hidden and disabled entities and configuration/diagnostic entities are left out of
//! [`Directory::entities_in`], as Assist and the Alexa integration leave them out.
//!
//! [`Directory::lookup`] finds an entity the way people name it: friendly name, registry
//! name and aliases, object id (fuzzy), then "<area> <name>" ("living room relax").

use std::collections::HashMap;

use serde_json::Value;

use crate::ha::{self, Freshness, HaError, Registry, State};
use crate::matching::{self, Candidate, Match};
use crate::resolve::{self, Lookup};

/// Minimum score for area-qualified and generic names ("living room relax", "office
/// light"): word order may differ, spelling may not, since a short misheard word there
/// ("light" / "bright") would otherwise pick the wrong thing.
pub const QUALIFIED_THRESHOLD: f64 = 0.95;

/// Names of an entity for one lookup tier.
type NamesOf<'a> = &'a dyn Fn(&State) -> Vec<String>;

/// The entity registry fields the directory reads (the host sends only these).
pub const ENTITY_FIELDS: &[&str] = &[
    "entity_id",
    "area_id",
    "device_id",
    "name",
    "aliases",
    "hidden_by",
    "disabled_by",
    "entity_category",
];
/// The device registry fields the directory reads.
pub const DEVICE_FIELDS: &[&str] = &["id", "area_id"];

/// One area from the area registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
}

impl Area {
    /// Every name the area can be called by (name, aliases, id with spaces).
    pub fn names(&self) -> Vec<String> {
        let mut names = vec![self.name.clone()];
        names.extend(self.aliases.iter().cloned());
        names.push(self.id.replace('_', " "));
        names
    }
}

/// What the directory knows about one registered entity.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    pub entity_id: String,
    /// The effective area: the entity's own, else its device's.
    pub area_id: Option<String>,
    /// The registry name the user gave the entity, if any.
    pub name: Option<String>,
    /// Entity aliases, when the registry listing carries them.
    pub aliases: Vec<String>,
    /// Hidden, disabled, or a configuration/diagnostic entity.
    pub excluded: bool,
}

/// The joined registries.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub areas: Vec<Area>,
    entries: HashMap<String, Entry>,
    /// Entity ids in registry order, per area id.
    by_area: HashMap<String, Vec<String>>,
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Directory {
    /// Joins registry listings as Home Assistant returns them (`config/*_registry/list`).
    pub fn from_registries(areas: &[Value], devices: &[Value], entities: &[Value]) -> Self {
        let areas: Vec<Area> = areas
            .iter()
            .filter_map(|a| {
                Some(Area {
                    id: text(a, "area_id")?,
                    name: text(a, "name")?,
                    aliases: strings(a, "aliases"),
                })
            })
            .collect();
        let device_area: HashMap<String, String> = devices
            .iter()
            .filter_map(|d| Some((text(d, "id")?, text(d, "area_id")?)))
            .collect();
        let mut entries = HashMap::new();
        let mut by_area: HashMap<String, Vec<String>> = HashMap::new();
        for e in entities {
            let Some(entity_id) = text(e, "entity_id") else {
                continue;
            };
            let area_id = text(e, "area_id")
                .or_else(|| text(e, "device_id").and_then(|d| device_area.get(&d).cloned()));
            let excluded = !e.get("hidden_by").is_none_or(Value::is_null)
                || !e.get("disabled_by").is_none_or(Value::is_null)
                || !e.get("entity_category").is_none_or(Value::is_null);
            if let Some(area) = &area_id {
                by_area
                    .entry(area.clone())
                    .or_default()
                    .push(entity_id.clone());
            }
            entries.insert(
                entity_id.clone(),
                Entry {
                    entity_id,
                    area_id,
                    name: text(e, "name"),
                    aliases: strings(e, "aliases"),
                    excluded,
                },
            );
        }
        Self {
            areas,
            entries,
            by_area,
        }
    }

    /// Reads the three registries (cached by the host for up to ten minutes).
    pub fn load() -> Result<Self, HaError> {
        let areas = ha::registry(Registry::Area, Freshness::Mapping)?;
        let devices = ha::registry_fields(Registry::Device, DEVICE_FIELDS, Freshness::Mapping)?;
        let entities = ha::registry_fields(Registry::Entity, ENTITY_FIELDS, Freshness::Mapping)?;
        Ok(Self::from_registries(&areas, &devices, &entities))
    }

    /// The registry entry of an entity (`None` for entities without a unique id).
    pub fn entry(&self, entity_id: &str) -> Option<&Entry> {
        self.entries.get(entity_id)
    }

    /// The area an entity is in, directly or through its device.
    pub fn area_of(&self, entity_id: &str) -> Option<&Area> {
        let area_id = self.entries.get(entity_id)?.area_id.as_deref()?;
        self.areas.iter().find(|a| a.id == area_id)
    }

    /// The visible entities in an area (directly or through their device).
    pub fn entities_in(&self, area_id: &str) -> Vec<&str> {
        self.by_area
            .get(area_id)
            .map(|ids| {
                ids.iter()
                    .filter(|id| self.entries.get(*id).is_some_and(|e| !e.excluded))
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Finds an area by spoken name or alias (fuzzy; equally close areas are ambiguous).
    pub fn find_area(&self, spoken: &str) -> Match<'_, Area> {
        let candidates: Vec<Candidate<&Area>> = self
            .areas
            .iter()
            .map(|a| Candidate::new(a, a.names()))
            .collect();
        match matching::find(spoken, &candidates) {
            Match::Found(area) => Match::Found(*area),
            Match::Ambiguous(areas) => Match::Ambiguous(areas.into_iter().copied().collect()),
            Match::NotFound => Match::NotFound,
        }
    }

    /// The names an entity itself has: [`resolve::names_of`] except the raw entity id
    /// (the lookups match ids exactly; as a fuzzy name its domain word, "light living
    /// room ...", would act like a generic noun), plus the registry name and aliases.
    pub fn own_names(&self, state: &State) -> Vec<String> {
        let mut names: Vec<String> = resolve::names_of(state)
            .into_iter()
            .filter(|n| n != &state.entity_id)
            .collect();
        if let Some(entry) = self.entries.get(&state.entity_id) {
            names.extend(entry.name.iter().cloned());
            names.extend(entry.aliases.iter().cloned());
        }
        names
    }

    /// The friendly name qualified by the entity's area: prefixed by the area's name and
    /// aliases ("living room relax"), or, when it already contains the area's name, with
    /// that replaced by each alias ("lounge lamp" for "Living Room Lamp").
    pub fn qualified_names(&self, state: &State) -> Vec<String> {
        let Some(area) = self.area_of(&state.entity_id) else {
            return Vec::new();
        };
        let friendly = matching::normalize(&state.friendly_name());
        let area_name = matching::normalize(&area.name);
        let aliases = area.aliases.iter().map(|a| matching::normalize(a));
        if friendly.contains(&area_name) {
            aliases.map(|a| friendly.replace(&area_name, &a)).collect()
        } else {
            std::iter::once(area_name)
                .chain(aliases)
                .map(|a| format!("{a} {friendly}"))
                .collect()
        }
    }

    /// Every name of an entity: [`Directory::own_names`] and [`Directory::qualified_names`].
    pub fn names_of(&self, state: &State) -> Vec<String> {
        let mut names = self.own_names(state);
        names.extend(self.qualified_names(state));
        names
    }

    /// Finds the entity `spoken` names among `states`, in tiers; the first tier with a
    /// match (or a tie) decides:
    /// 1. the entity's own names, fuzzy with the default threshold;
    /// 2. area-qualified names, nearly exact ([`QUALIFIED_THRESHOLD`]), so "living room
    ///    light" is not fuzzily the "Living Room Bright" scene;
    /// 3. `extra` names (e.g. "office light" for a light in the Office), nearly exact.
    pub fn lookup_with(
        &self,
        spoken: &str,
        states: Vec<State>,
        extra: impl Fn(&State, Option<&Area>) -> Vec<String>,
    ) -> Lookup {
        let spoken = spoken.trim();
        if let Some(exact) = states.iter().find(|s| s.entity_id == spoken) {
            return Lookup::Found(exact.clone());
        }
        let extra = |s: &State| extra(s, self.area_of(&s.entity_id));
        let tiers: [(NamesOf<'_>, f64); 3] = [
            (&|s| self.own_names(s), matching::DEFAULT_THRESHOLD),
            (&|s| self.qualified_names(s), QUALIFIED_THRESHOLD),
            (&extra, QUALIFIED_THRESHOLD),
        ];
        for (names, threshold) in tiers {
            let candidates: Vec<Candidate<&State>> = states
                .iter()
                .map(|s| Candidate::new(s, names(s)))
                .filter(|c| !c.names.is_empty())
                .collect();
            match matching::find_with_threshold(spoken, &candidates, threshold) {
                Match::Found(state) => return Lookup::Found((*state).clone()),
                Match::Ambiguous(states) => {
                    return Lookup::Ambiguous(states.into_iter().map(|s| (*s).clone()).collect());
                }
                Match::NotFound => {}
            }
        }
        Lookup::NotFound
    }

    /// [`Directory::lookup_with`] without extra names.
    pub fn lookup(&self, spoken: &str, states: Vec<State>) -> Lookup {
        self.lookup_with(spoken, states, |_, _| Vec::new())
    }

    /// Area names sorted for speech.
    pub fn area_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.areas.iter().map(|a| a.name.clone()).collect();
        names.sort_by_key(|n| n.to_lowercase());
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn directory() -> Directory {
        let areas = vec![
            json!({"area_id": "living_room", "name": "Living Room", "aliases": ["Lounge"]}),
            json!({"area_id": "kitchen", "name": "Kitchen", "aliases": []}),
            json!({"area_id": "office", "name": "Office"}),
        ];
        let devices = vec![
            json!({"id": "d1", "area_id": "kitchen"}),
            json!({"id": "d2", "area_id": null}),
        ];
        let entities = vec![
            json!({"entity_id": "light.kitchen", "device_id": "d1", "area_id": null}),
            json!({"entity_id": "light.lamp", "device_id": "d1", "area_id": "living_room"}),
            json!({"entity_id": "switch.tv", "device_id": "d2", "area_id": "living_room",
                   "aliases": ["telly"], "name": "Television"}),
            json!({"entity_id": "sensor.d1_battery", "device_id": "d1", "entity_category": "diagnostic"}),
            json!({"entity_id": "light.hidden", "area_id": "kitchen", "hidden_by": "user"}),
            json!({"entity_id": "light.nowhere"}),
        ];
        Directory::from_registries(&areas, &devices, &entities)
    }

    #[test]
    fn entity_area_comes_from_entity_then_device() {
        let d = directory();
        assert_eq!(
            d.area_of("light.kitchen").map(|a| a.name.as_str()),
            Some("Kitchen")
        );
        assert_eq!(
            d.area_of("light.lamp").map(|a| a.name.as_str()),
            Some("Living Room")
        );
        assert_eq!(d.area_of("light.nowhere"), None);
        assert_eq!(d.area_of("light.unknown"), None);
        assert_eq!(d.entities_in("kitchen"), vec!["light.kitchen"]);
        assert_eq!(
            d.entities_in("living_room"),
            vec!["light.lamp", "switch.tv"]
        );
        assert!(d.entities_in("office").is_empty());
        let tv = d.entry("switch.tv").expect("entry");
        assert_eq!(tv.aliases, vec!["telly".to_string()]);
        assert_eq!(tv.name.as_deref(), Some("Television"));
    }

    #[test]
    fn areas_by_name_alias_and_fuzzy() {
        let d = directory();
        let found = |spoken: &str| match d.find_area(spoken) {
            Match::Found(a) => Some(a.id.clone()),
            _ => None,
        };
        assert_eq!(found("the living room").as_deref(), Some("living_room"));
        assert_eq!(found("LIVING-ROOM!").as_deref(), Some("living_room"));
        assert_eq!(found("lounge").as_deref(), Some("living_room"));
        assert_eq!(found("kitchn").as_deref(), Some("kitchen"));
        assert_eq!(found("garage"), None);
        assert_eq!(d.area_names(), vec!["Kitchen", "Living Room", "Office"]);
    }

    fn state(entity_id: &str, name: &str) -> State {
        State::new(entity_id, "off", json!({"friendly_name": name}))
    }

    #[test]
    fn entities_by_alias_area_and_name() {
        let d = directory();
        let states = vec![
            state("light.lamp", "Floor Lamp"),
            state("switch.tv", "TV Plug"),
            state("light.kitchen", "Kitchen Light"),
        ];
        let id = |lookup: Lookup| match lookup {
            Lookup::Found(s) => s.entity_id,
            other => format!("{other:?}"),
        };
        assert_eq!(id(d.lookup("telly", states.clone())), "switch.tv");
        assert_eq!(id(d.lookup("television", states.clone())), "switch.tv");
        assert_eq!(
            id(d.lookup("living room floor lamp", states.clone())),
            "light.lamp"
        );
        assert_eq!(
            id(d.lookup("lounge floor lamp", states.clone())),
            "light.lamp"
        );
        assert_eq!(
            id(d.lookup("kitchen light", states.clone())),
            "light.kitchen"
        );
        let extra = |s: &State, area: Option<&Area>| match (s.domain(), area) {
            ("light", Some(a)) => vec![format!("{} light", a.name)],
            _ => Vec::new(),
        };
        assert_eq!(
            id(d.lookup_with("living room light", states.clone(), extra)),
            "light.lamp"
        );
        assert!(
            d.names_of(&states[2])
                .iter()
                .all(|n| !n.starts_with("Kitchen Kitchen"))
        );
    }
}
