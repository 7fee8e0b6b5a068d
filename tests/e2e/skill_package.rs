//! The Alexa custom-skill package in `skill-package/` (ASK CLI layout): `skill.json` and
//! the en-US interaction model parse as JSON and are well formed (slots typed, sample
//! utterances naming only declared slots, no duplicates, custom slot types with values),
//! every intent and slot the contract names is there with that exact name, and every
//! intent the model names — plus the requests every skill receives — is routed by a
//! component in `components/lee.toml`.

use std::collections::{BTreeMap, BTreeSet};

use lee::runtime::manifest::Manifest;
use lee_e2e::repo_root;
use serde_json::Value;

fn read_json(relative: &str) -> Value {
    let path = repo_root().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn language_model() -> Value {
    read_json("skill-package/interactionModels/custom/en-US.json")["interactionModel"]
        ["languageModel"]
        .clone()
}

/// Intent -> slots, as the product contract names them.
const CONTRACT: &[(&str, &[&str])] = &[
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

/// Request types every custom skill receives besides intents.
const REQUESTS: &[&str] = &["LaunchRequest", "SessionEndedRequest"];

#[test]
fn skill_manifest_is_an_ask_cli_skill_json() {
    let skill = read_json("skill-package/skill.json");
    let manifest = &skill["manifest"];
    assert_eq!(manifest["manifestVersion"], "1.0");
    let locale = &manifest["publishingInformation"]["locales"]["en-US"];
    for field in ["name", "summary", "description"] {
        assert!(
            locale[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}"
        );
    }
    assert!(
        manifest["apis"]["custom"]["endpoint"]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("arn:aws:lambda:")),
        "the custom skill points at a Lambda"
    );
    let model = language_model();
    let invocation = model["invocationName"].as_str().unwrap_or_default();
    assert!(
        !invocation.is_empty() && invocation == invocation.to_lowercase(),
        "{invocation:?}"
    );
    // Each example phrase is a sample utterance of some intent (slots filled in).
    let samples: Vec<String> = model["intents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["samples"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    for phrase in locale["examplePhrases"].as_array().unwrap() {
        let phrase = phrase.as_str().unwrap().to_lowercase();
        let Some(rest) = phrase
            .strip_prefix("alexa, ask ")
            .and_then(|r| r.strip_prefix(invocation))
            .and_then(|r| r.strip_prefix(" to "))
        else {
            assert_eq!(phrase, format!("alexa, open {invocation}"));
            continue;
        };
        let fits = samples.iter().any(|sample| {
            let words: Vec<&str> = sample.split(' ').collect();
            let said: Vec<&str> = rest.split(' ').collect();
            // A slot may stand for one or more words; literal words must match.
            fits_words(&words, &said)
        });
        assert!(
            fits,
            "example phrase {phrase:?} matches no sample utterance"
        );
    }
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

#[test]
fn interaction_model_is_well_formed_and_names_the_contract() {
    let model = language_model();
    let types: BTreeMap<String, usize> = model["types"]
        .as_array()
        .expect("types")
        .iter()
        .map(|t| {
            let values = t["values"].as_array().map(Vec::len).unwrap_or(0);
            (t["name"].as_str().unwrap().to_string(), values)
        })
        .collect();
    for (name, values) in &types {
        assert!(*values > 0, "slot type {name} has no sample values");
    }
    let mut intents: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut used_types = BTreeSet::new();
    for intent in model["intents"].as_array().expect("intents") {
        let name = intent["name"].as_str().expect("intent name").to_string();
        let slots: BTreeMap<String, String> = intent["slots"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["type"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for (slot, kind) in &slots {
            assert!(
                kind.starts_with("AMAZON.") || types.contains_key(kind),
                "{name}.{slot} has undefined type {kind}"
            );
            used_types.insert(kind.clone());
        }
        let samples = intent["samples"].as_array().cloned().unwrap_or_default();
        if !name.starts_with("AMAZON.") {
            assert!(samples.len() >= 3, "{name} needs sample utterances");
        }
        for sample in samples {
            let sample = sample.as_str().expect("sample").to_string();
            let mut literal = sample.clone();
            for part in sample.split('{').skip(1) {
                let slot = part.split('}').next().unwrap_or_default();
                assert!(
                    slots.contains_key(slot),
                    "{name}: {sample:?} names undeclared slot {slot}"
                );
                literal = literal.replace(&format!("{{{slot}}}"), "");
            }
            assert!(
                literal
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == ' ' || c == '\''),
                "{name}: {sample:?} must be lower-case words without digits or punctuation"
            );
            if let Some(other) = seen.insert(sample.clone(), name.clone()) {
                panic!("{sample:?} is a sample of both {other} and {name}");
            }
        }
        assert!(
            intents
                .insert(name.clone(), slots.keys().cloned().collect())
                .is_none(),
            "intent {name} twice"
        );
    }
    for kind in types.keys() {
        assert!(used_types.contains(kind), "slot type {kind} is unused");
    }
    for (name, slots) in CONTRACT {
        let found = intents
            .get(*name)
            .unwrap_or_else(|| panic!("the model lacks intent {name}"));
        let mut expected: Vec<String> = slots.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(found, &expected, "slots of {name}");
    }
    assert_eq!(
        intents.len(),
        CONTRACT.len(),
        "intents outside the contract: {intents:?}"
    );
}

#[test]
fn every_intent_in_the_model_is_routed_by_a_component() {
    let dir = repo_root().join("components");
    let text = std::fs::read_to_string(dir.join("lee.toml")).expect("components/lee.toml");
    let manifest = Manifest::parse(&dir, &text).expect("components/lee.toml parses");
    let model = language_model();
    let mut routes: Vec<String> = model["intents"]
        .as_array()
        .expect("intents")
        .iter()
        .map(|i| format!("skill:{}", i["name"].as_str().unwrap()))
        .collect();
    routes.extend(REQUESTS.iter().map(|r| format!("skill:{r}")));
    let unrouted: Vec<&String> = routes
        .iter()
        .filter(|route| manifest.resolve(route).is_none())
        .collect();
    assert!(
        unrouted.is_empty(),
        "no component in components/lee.toml routes {unrouted:?}"
    );
}
