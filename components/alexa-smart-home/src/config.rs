//! The component's configuration (its `config` table in the manifest), with Home Assistant's
//! own `alexa: smart_home:` semantics:
//!
//! ```toml
//! [component.config.filter]
//! include_domains = ["light", "switch"]
//! include_entity_globs = ["binary_sensor.*_door"]
//! include_entities = ["fan.ceiling"]
//! exclude_domains = []
//! exclude_entity_globs = ["*_debug"]
//! exclude_entities = ["light.hidden"]
//! [component.config.entity_config."light.kitchen_lights"]
//! name = "Kitchen"
//! description = "Ceiling lights over the island"
//! display_categories = "LIGHT"
//! ```
//! plus `temperature_unit` ("C" or "F") to override Home Assistant's unit system (read
//! from `/api/config`) and `locale` for text friendly names (default "en-US"), and
//! `accept_grant` (`accept` | `relay` | `forward`, env `LEE_ACCEPT_GRANT`): whether
//! proactive events are on, which Discovery states in `proactivelyReported`; `exposure`
//! (`filter` | `label:<label_id>`, see [`Exposure`]).

use std::collections::BTreeMap;

use serde_json::Value;

/// Home Assistant's entity filter (`homeassistant.helpers.entityfilter`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub include_domains: Vec<String>,
    pub include_entity_globs: Vec<String>,
    pub include_entities: Vec<String>,
    pub exclude_domains: Vec<String>,
    pub exclude_entity_globs: Vec<String>,
    pub exclude_entities: Vec<String>,
}

/// Per-entity overrides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntityConfig {
    pub name: Option<String>,
    pub description: Option<String>,
    pub display_categories: Vec<String>,
}

/// All config.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub filter: Filter,
    pub entity_config: BTreeMap<String, EntityConfig>,
    pub temperature_unit: Option<String>,
    pub locale: Option<String>,
    pub accept_grant: AcceptGrant,
    /// Which entities Alexa sees (`exposure`).
    pub exposure: Exposure,
}

/// The `exposure` setting: `filter` (the `filter` / `entity_config` tables, the default),
/// `label:<label_id>` (entities, or entities of devices, carrying that Home Assistant
/// label, set in Home Assistant's own UI), `assist` (the "Expose to Assist" toggles every
/// Home Assistant user sees) or `alexa` (Home Assistant Cloud's Alexa exposure, for users
/// leaving it). An unknown value exposes nothing (never everything) and Discovery says why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Exposure {
    #[default]
    Filter,
    Label(String),
    Assist,
    Alexa,
    Invalid(String),
}

impl Exposure {
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        match text {
            "" | "filter" => Self::Filter,
            "assist" => Self::Assist,
            "alexa" => Self::Alexa,
            _ => match text.strip_prefix("label:").map(str::trim) {
                Some(label) if !label.is_empty() => Self::Label(label.to_string()),
                _ => Self::Invalid(format!(
                    "exposure {text:?} is not filter, label:<label_id>, assist or alexa"
                )),
            },
        }
    }

    /// Whether deciding needs the entity registry (labels, exposure settings).
    pub fn needs_registry(&self) -> bool {
        !matches!(self, Self::Filter)
    }

    /// The assistant whose exposure settings decide (`homeassistant/expose_entity/list`
    /// keys: `conversation` is Assist, `cloud.alexa` Home Assistant Cloud's Alexa).
    pub fn assistant(&self) -> Option<&'static str> {
        match self {
            Self::Assist => Some("conversation"),
            Self::Alexa => Some("cloud.alexa"),
            _ => None,
        }
    }
}

/// What happens to an `AcceptGrant` (and so whether proactive events are on).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AcceptGrant {
    /// Accepted and dropped: no proactive events (today's behaviour).
    #[default]
    Accept,
    /// Relayed to `lee reporter` through Home Assistant's event bus.
    Relay,
    /// Forwarded to Home Assistant core's own `/api/alexa/smart_home`.
    Forward,
}

impl AcceptGrant {
    /// `None` for an unknown mode (the caller keeps the default and says so).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "accept" => Some(Self::Accept),
            "relay" => Some(Self::Relay),
            "forward" => Some(Self::Forward),
            _ => None,
        }
    }

    /// Whether Alexa gets proactive events (someone holds the grant).
    pub fn proactive(self) -> bool {
        self != Self::Accept
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    lee_sdk::config::string_list(v).unwrap_or_default()
}

/// A setting that may arrive as a table or as JSON text (environment override).
fn table(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::String(s) => serde_json::from_str(s).ok(),
        other => Some(other.clone()),
    }
}

impl Config {
    /// From the component's whole config table (JSON object).
    pub fn from_json(all: &Value) -> Self {
        let filter = table(all.get("filter")).unwrap_or(Value::Null);
        let filter = Filter {
            include_domains: strings(filter.get("include_domains")),
            include_entity_globs: strings(filter.get("include_entity_globs")),
            include_entities: strings(filter.get("include_entities")),
            exclude_domains: strings(filter.get("exclude_domains")),
            exclude_entity_globs: strings(filter.get("exclude_entity_globs")),
            exclude_entities: strings(filter.get("exclude_entities")),
        };
        let entity_config = table(all.get("entity_config"))
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
            .into_iter()
            .map(|(id, c)| {
                let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
                let config = EntityConfig {
                    name: text("name"),
                    description: text("description"),
                    display_categories: strings(c.get("display_categories")),
                };
                (id, config)
            })
            .collect();
        let text = |k: &str| all.get(k).and_then(Value::as_str).map(str::to_string);
        Self {
            filter,
            entity_config,
            temperature_unit: text("temperature_unit"),
            locale: text("locale"),
            accept_grant: text("accept_grant")
                .and_then(|t| AcceptGrant::parse(&t))
                .unwrap_or_default(),
            exposure: text("exposure")
                .map(|t| Exposure::parse(&t))
                .unwrap_or_default(),
        }
    }

    pub fn locale(&self) -> &str {
        self.locale.as_deref().unwrap_or("en-US")
    }
}

/// `fnmatch`-style glob: `*` any run, `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

impl Filter {
    /// No rule at all: every supported entity is exposed.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Which rule leaves `entity_id` out, when the filter does (for `lee doctor`'s
    /// discovery explanation); `None` when it passes.
    pub fn rejection(&self, entity_id: &str) -> Option<&'static str> {
        if self.allows(entity_id) {
            return None;
        }
        let domain = entity_id.split_once('.').map_or("", |(d, _)| d);
        Some(if self.exclude_entities.iter().any(|e| e == entity_id) {
            "exclude_entities"
        } else if self
            .exclude_entity_globs
            .iter()
            .any(|g| glob_match(g, entity_id))
        {
            "exclude_entity_globs"
        } else if self.exclude_domains.iter().any(|d| d == domain) {
            "exclude_domains"
        } else {
            "not matched by include_domains, include_entity_globs or include_entities"
        })
    }

    /// Whether `entity_id` passes, with Home Assistant's six cases.
    pub fn allows(&self, entity_id: &str) -> bool {
        let domain = entity_id.split_once('.').map_or("", |(d, _)| d);
        let has = |list: &[String], v: &str| list.iter().any(|x| x == v);
        let globbed = |list: &[String]| list.iter().any(|g| glob_match(g, entity_id));
        let in_include_e = has(&self.include_entities, entity_id);
        let in_exclude_e = has(&self.exclude_entities, entity_id);
        let in_include_d = has(&self.include_domains, domain);
        let in_exclude_d = has(&self.exclude_domains, domain);
        let include_g = globbed(&self.include_entity_globs);
        let exclude_g = globbed(&self.exclude_entity_globs);
        let have_include = !self.include_entities.is_empty()
            || !self.include_domains.is_empty()
            || !self.include_entity_globs.is_empty();
        let have_exclude = !self.exclude_entities.is_empty()
            || !self.exclude_domains.is_empty()
            || !self.exclude_entity_globs.is_empty();
        match (have_include, have_exclude) {
            // Case 1: no filter.
            (false, false) => true,
            // Case 2: only includes.
            (true, false) => in_include_e || in_include_d || include_g,
            // Case 3: only excludes.
            (false, true) => !(in_exclude_e || in_exclude_d || exclude_g),
            // Case 4: domain and/or glob includes (may also have excludes).
            _ if !self.include_domains.is_empty() || !self.include_entity_globs.is_empty() => {
                in_include_e || (!in_exclude_e && (include_g || (in_include_d && !exclude_g)))
            }
            // Case 5: domain and/or glob excludes (no domain or glob includes).
            _ if !self.exclude_domains.is_empty() || !self.exclude_entity_globs.is_empty() => {
                in_include_e || (!in_exclude_e && !exclude_g && !in_exclude_d)
            }
            // Case 6: only entity lists.
            _ => in_include_e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filter(v: Value) -> Filter {
        Config::from_json(&json!({ "filter": v })).filter
    }

    #[test]
    fn globs() {
        assert!(glob_match("light.*", "light.kitchen"));
        assert!(glob_match("*_door", "binary_sensor.front_door"));
        assert!(glob_match("sensor.t?mp", "sensor.temp"));
        assert!(!glob_match("light.*", "switch.x"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn home_assistant_filter_cases() {
        assert!(Filter::default().allows("light.x"));
        let only_include =
            filter(json!({"include_domains": ["light"], "include_entities": ["switch.a"]}));
        assert!(only_include.allows("light.x"));
        assert!(only_include.allows("switch.a"));
        assert!(!only_include.allows("switch.b"));
        let only_exclude =
            filter(json!({"exclude_domains": ["light"], "exclude_entity_globs": ["*_debug"]}));
        assert!(!only_exclude.allows("light.x"));
        assert!(!only_exclude.allows("switch.a_debug"));
        assert!(only_exclude.allows("switch.a"));
        let case4 = filter(json!({
            "include_domains": ["light"], "exclude_entities": ["light.no"],
            "exclude_entity_globs": ["light.tmp_*"], "include_entities": ["switch.yes"]
        }));
        assert!(case4.allows("light.ok"));
        assert!(!case4.allows("light.no"));
        assert!(!case4.allows("light.tmp_1"));
        assert!(case4.allows("switch.yes"));
        assert!(!case4.allows("switch.other"));
        let case5 = filter(
            json!({"exclude_domains": ["switch"], "include_entities": ["switch.keep"], "exclude_entities": ["light.no"]}),
        );
        assert!(case5.allows("switch.keep"));
        assert!(!case5.allows("switch.drop"));
        assert!(!case5.allows("light.no"));
        assert!(case5.allows("light.yes"));
        let case6 =
            filter(json!({"include_entities": ["light.a"], "exclude_entities": ["light.b"]}));
        assert!(case6.allows("light.a"));
        assert!(!case6.allows("light.c"));
        assert_eq!(case6.rejection("light.a"), None);
        assert_eq!(case6.rejection("light.b"), Some("exclude_entities"));
        assert!(
            case6
                .rejection("light.c")
                .is_some_and(|r| r.starts_with("not matched"))
        );
        assert_eq!(only_exclude.rejection("light.x"), Some("exclude_domains"));
        assert_eq!(
            only_exclude.rejection("switch.a_debug"),
            Some("exclude_entity_globs")
        );
    }

    #[test]
    fn entity_config_and_env_json() {
        let s = Config::from_json(&json!({
            "entity_config": "{\"light.k\": {\"name\": \"Kitchen\", \"display_categories\": \"LIGHT\"}}",
            "filter": {"include_domains": "light, switch"},
            "temperature_unit": "F"
        }));
        let k = &s.entity_config["light.k"];
        assert_eq!(k.name.as_deref(), Some("Kitchen"));
        assert_eq!(k.display_categories, vec!["LIGHT".to_string()]);
        assert_eq!(s.filter.include_domains, vec!["light", "switch"]);
        assert_eq!(s.temperature_unit.as_deref(), Some("F"));
        assert_eq!(s.locale(), "en-US");
    }
}
