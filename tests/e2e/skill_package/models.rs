//! The custom interaction models of `skill-package/interactionModels/custom/<locale>.json`,
//! checked against what the Alexa build accepts and against each other: sample utterances
//! only in lower-case letters of the locale (no digits or punctuation), naming only declared
//! slots, never twice in one model; every declared slot used; custom slot types with
//! values, each value or synonym once per type; an invocation name without wake or launch
//! words, one per language. Every locale's model has exactly the intents, slots and slot
//! types of en-US (the reference), and the canonical values of the slot types the
//! components read as keywords (with their en-US word tables, whatever the locale) are
//! those of en-US, so entity resolution hands every component the words it knows.

use std::collections::{BTreeMap, BTreeSet};

use lee_e2e::repo_root;
use serde_json::Value;

/// The model every other locale is compared with.
pub const REFERENCE: &str = "en-US";

/// Intent -> slots, as the product contract names them.
pub const CONTRACT: &[(&str, &[&str])] = &[
    ("TalkToHomeAssistant", &["Query"]),
    ("ControlArea", &["AreaName", "Action", "DeviceType"]),
    ("ListAreas", &[]),
    ("ActivateScene", &["SceneName"]),
    ("SetInputHelper", &["HelperName", "HelperValue"]),
    ("GetInputHelper", &["HelperName"]),
    ("MakeAnnouncement", &["Message", "Target"]),
    ("SendNotification", &["Message"]),
    ("CreatePersistentNotification", &["Message"]),
    ("DismissNotifications", &[]),
    ("ManageTimer", &["TimerAction", "TimerName", "Duration"]),
    ("TimerStatus", &["TimerName"]),
    ("TurnOnDevice", &["DeviceName"]),
    ("TurnOffDevice", &["DeviceName"]),
    ("GetDeviceState", &["DeviceName"]),
    ("GetSensorValue", &["SensorType", "Location"]),
    ("SetClimate", &["Location", "Temperature", "Mode"]),
    ("GetWeather", &["Day"]),
    ("RunScript", &["ScriptName"]),
    ("TriggerAutomation", &["AutomationName"]),
    ("EnableAutomation", &["AutomationName"]),
    ("DisableAutomation", &["AutomationName"]),
    ("ListAutomations", &[]),
    ("AMAZON.HelpIntent", &[]),
    ("AMAZON.StopIntent", &[]),
    ("AMAZON.CancelIntent", &[]),
    ("AMAZON.FallbackIntent", &[]),
    ("AMAZON.NavigateHomeIntent", &[]),
];

/// Slot types whose canonical values a component parses as keywords (areas: on/off/toggle
/// and device kinds, timers: actions, sensors: kinds, climate: Home Assistant hvac modes):
/// every locale keeps en-US's canonical values and says its own words as synonyms.
pub const KEYWORD_TYPES: &[&str] = &[
    "AREA_ACTION",
    "DEVICE_TYPE",
    "TIMER_ACTION",
    "SENSOR_TYPE",
    "CLIMATE_MODE",
];
/// Canonical values a component recognises inside an otherwise free slot type
/// (notifications: "Everywhere"; input helpers: the on/off of a boolean).
pub const KEYWORD_VALUES: &[(&str, &[&str])] = &[
    ("ANNOUNCE_TARGET", &["Everywhere"]),
    ("HELPER_VALUE", &["on", "off"]),
];

/// Language -> how an example phrase opens the skill, and how it passes a request to it
/// (`{inv}` is the invocation name): Alexa's launch phrases for custom skills.
pub const LAUNCH_PHRASES: &[(&str, &[&str], &[&str])] = &[
    ("en", &["open {inv}"], &["ask {inv} to "]),
    (
        "de",
        &["öffne {inv}", "starte {inv}"],
        &["sage {inv} ", "frage {inv} ", "starte {inv} und "],
    ),
];

/// Words an invocation name must not contain (wake words, and the launch words of its
/// language, which Alexa would take for the launch phrase).
const FORBIDDEN_IN_INVOCATION: &[(&str, &[&str])] = &[
    (
        "*",
        &["alexa", "amazon", "echo", "computer", "skill", "app"],
    ),
    (
        "en",
        &[
            "ask", "tell", "open", "launch", "start", "begin", "run", "load", "enable", "use",
            "play", "resume",
        ],
    ),
    (
        "de",
        &[
            "öffne",
            "starte",
            "frage",
            "frag",
            "sage",
            "sag",
            "bitte",
            "aktiviere",
            "lade",
            "spiele",
            "benutze",
            "verwende",
        ],
    ),
];

fn read_json(relative: &str) -> Value {
    let path = repo_root().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The `languageModel` of a locale's interaction model.
pub fn language_model(locale: &str) -> Value {
    read_json(&format!(
        "skill-package/interactionModels/custom/{locale}.json"
    ))["interactionModel"]["languageModel"]
        .clone()
}

/// The locales that have a custom interaction model (file names in interactionModels/custom).
pub fn model_locales() -> Vec<String> {
    let dir = repo_root().join("skill-package/interactionModels/custom");
    let mut locales: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    locales.sort();
    locales
}

/// The language of a locale tag ("de-DE" -> "de").
pub fn language(locale: &str) -> &str {
    locale.split('-').next().unwrap_or_default()
}

/// Every sample utterance of a model.
pub fn samples(model: &Value) -> Vec<String> {
    model["intents"]
        .as_array()
        .expect("intents")
        .iter()
        .flat_map(|i| i["samples"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// Whether `said` (the words after the launch phrase) is one of the samples: a slot may
/// stand for one or more words; literal words must match.
pub fn said_fits_a_sample(samples: &[String], said: &str) -> bool {
    let said: Vec<&str> = said.split_whitespace().collect();
    samples.iter().any(|sample| {
        let words: Vec<&str> = sample.split_whitespace().collect();
        fits_words(&words, &said)
    })
}

fn fits_words(pattern: &[&str], said: &[&str]) -> bool {
    match pattern.split_first() {
        None => said.is_empty(),
        Some((word, rest)) if word.starts_with('{') => {
            (1..=said.len()).any(|n| fits_words(rest, &said[n..]))
        }
        Some((word, rest)) => said.first() == Some(word) && fits_words(rest, &said[1..]),
    }
}

/// Intent -> slot -> slot type.
pub type Signature = BTreeMap<String, BTreeMap<String, String>>;

/// An intent's slots and their slot types.
fn slot_types(intent: &Value) -> BTreeMap<String, String> {
    intent["slots"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["name"].as_str().expect("slot name").to_string(),
                s["type"].as_str().expect("slot type").to_string(),
            )
        })
        .collect()
}

/// A model's intents with their slots and slot types.
pub fn signature(model: &Value) -> Signature {
    model["intents"]
        .as_array()
        .expect("intents")
        .iter()
        .map(|intent| {
            (
                intent["name"].as_str().expect("intent").to_string(),
                slot_types(intent),
            )
        })
        .collect()
}

/// Custom slot type -> its canonical values.
pub fn canonical_values(model: &Value) -> BTreeMap<String, BTreeSet<String>> {
    model["types"]
        .as_array()
        .expect("types")
        .iter()
        .map(|t| {
            let values = t["values"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v["name"]["value"].as_str().map(str::to_string))
                .collect();
            (t["name"].as_str().expect("type name").to_string(), values)
        })
        .collect()
}

/// What the Alexa build and the certification rules check of an invocation name.
pub fn check_invocation(locale: &str, invocation: &str) {
    assert!(
        !invocation.trim().is_empty()
            && invocation.trim() == invocation
            && !invocation.contains("  ")
            && invocation
                .chars()
                .all(|c| c.is_lowercase() || c == ' ' || c == '\'' || c == '.'),
        "{locale}: invocation name {invocation:?}: lower-case letters, single spaces, \
         possessive apostrophes and abbreviation periods only"
    );
    for (lang, words) in FORBIDDEN_IN_INVOCATION {
        if *lang != "*" && *lang != language(locale) {
            continue;
        }
        for word in invocation.split(' ') {
            assert!(
                !words.contains(&word),
                "{locale}: invocation name {invocation:?} contains {word:?}"
            );
        }
    }
}

/// A model is well formed and carries the contract's intents and slots.
pub fn check_model(locale: &str, model: &Value) {
    check_invocation(locale, model["invocationName"].as_str().unwrap_or_default());
    let types: BTreeMap<String, usize> = model["types"]
        .as_array()
        .expect("types")
        .iter()
        .map(|t| {
            let name = t["name"].as_str().expect("type name").to_string();
            let values = t["values"].as_array().cloned().unwrap_or_default();
            // A value or synonym twice in one type is a build error (and an ambiguity).
            let mut words = BTreeSet::new();
            for value in &values {
                let name_field = &value["name"];
                let canonical = name_field["value"].as_str().unwrap_or_default();
                assert!(
                    !canonical.trim().is_empty(),
                    "{locale}: {name}: empty value"
                );
                let synonyms = name_field["synonyms"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for word in std::iter::once(canonical.to_string()).chain(
                    synonyms
                        .iter()
                        .filter_map(|s| s.as_str().map(str::to_string)),
                ) {
                    assert!(
                        words.insert(word.to_lowercase()),
                        "{locale}: {name}: {word:?} twice"
                    );
                }
            }
            (name, values.len())
        })
        .collect();
    for (name, values) in &types {
        assert!(
            *values > 0,
            "{locale}: slot type {name} has no sample values"
        );
    }
    let mut intents: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut used_types = BTreeSet::new();
    for intent in model["intents"].as_array().expect("intents") {
        let name = intent["name"].as_str().expect("intent name").to_string();
        let slots = slot_types(intent);
        for (slot, kind) in &slots {
            assert!(
                kind.starts_with("AMAZON.") || types.contains_key(kind),
                "{locale}: {name}.{slot} has undefined type {kind}"
            );
            used_types.insert(kind.clone());
        }
        let samples = intent["samples"].as_array().cloned().unwrap_or_default();
        if !name.starts_with("AMAZON.") {
            assert!(
                samples.len() >= 3,
                "{locale}: {name} needs sample utterances"
            );
        }
        let mut named = BTreeSet::new();
        for sample in samples {
            let sample = sample.as_str().expect("sample").to_string();
            let mut literal = sample.clone();
            for part in sample.split('{').skip(1) {
                let slot = part.split('}').next().unwrap_or_default();
                assert!(
                    slots.contains_key(slot),
                    "{locale}: {name}: {sample:?} names undeclared slot {slot}"
                );
                named.insert(slot.to_string());
                literal = literal.replace(&format!("{{{slot}}}"), "");
            }
            // Letters of any script, lower case: "küche", "straße"; no digits or punctuation.
            assert!(
                literal
                    .chars()
                    .all(|c| c.is_lowercase() || c == ' ' || c == '\''),
                "{locale}: {name}: {sample:?} must be lower-case words without digits or punctuation"
            );
            let key = sample.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(key, sample, "{locale}: {name}: {sample:?} has stray spaces");
            if let Some(other) = seen.insert(key, name.clone()) {
                panic!("{locale}: {sample:?} is a sample of both {other} and {name}");
            }
        }
        if !name.starts_with("AMAZON.") {
            for slot in slots.keys() {
                assert!(
                    named.contains(slot),
                    "{locale}: {name}: slot {slot} is in no sample utterance"
                );
            }
        }
        assert!(
            intents
                .insert(name.clone(), slots.keys().cloned().collect())
                .is_none(),
            "{locale}: intent {name} twice"
        );
    }
    for kind in types.keys() {
        assert!(
            used_types.contains(kind),
            "{locale}: slot type {kind} is unused"
        );
    }
    for (name, slots) in CONTRACT {
        let found = intents
            .get(*name)
            .unwrap_or_else(|| panic!("{locale}: the model lacks intent {name}"));
        let mut expected: Vec<String> = slots.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(found, &expected, "{locale}: slots of {name}");
    }
    assert_eq!(
        intents.len(),
        CONTRACT.len(),
        "{locale}: intents outside the contract: {intents:?}"
    );
}

/// A locale's model has en-US's intents, slots, slot types and keyword values.
pub fn check_against_reference(locale: &str, model: &Value, reference: &Value) {
    assert_eq!(
        signature(model),
        signature(reference),
        "{locale}: intents, slots and slot types differ from {REFERENCE}"
    );
    let values = canonical_values(model);
    let reference_values = canonical_values(reference);
    let names: BTreeSet<&String> = values.keys().collect();
    let reference_names: BTreeSet<&String> = reference_values.keys().collect();
    assert_eq!(
        names, reference_names,
        "{locale}: custom slot types differ from {REFERENCE}"
    );
    for kind in KEYWORD_TYPES {
        assert_eq!(
            values.get(*kind),
            reference_values.get(*kind),
            "{locale}: {kind} must keep {REFERENCE}'s canonical values (the words its \
             component parses); the locale's words go into synonyms"
        );
    }
    for (kind, words) in KEYWORD_VALUES {
        for word in *words {
            for (which, table) in [(locale, &values), (REFERENCE, &reference_values)] {
                assert!(
                    table.get(*kind).is_some_and(|v| v.contains(*word)),
                    "{which}: {kind} lacks the canonical value {word:?}"
                );
            }
        }
    }
}
