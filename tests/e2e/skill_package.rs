//! The Alexa skill package in `skill-package/` (ASK CLI layout), one multi-capability
//! skill: `skill.json` has what the ASK CLI and SMAPI require of a manifest (publishing
//! information per locale, `apis.smartHome` with payload version 3 and `apis.custom`, both
//! with per-region endpoints NA/EU/FE on Lambda ARNs of the right AWS region), every
//! interaction model in `interactionModels/custom/` is for a manifest locale and is well
//! formed (slots typed, sample utterances naming only declared slots, no duplicates,
//! custom slot types with values) with every intent and slot the contract names, every
//! intent of every model — plus the requests every skill receives — is routed by a
//! component in `components/lee.toml`, and the account linking request of each region
//! (`account-linking/<region>/account-linking.json`, for `ask smapi
//! update-account-linking-info`) carries Home Assistant's OAuth values.

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

fn language_model(locale: &str) -> Value {
    read_json(&format!(
        "skill-package/interactionModels/custom/{locale}.json"
    ))["interactionModel"]["languageModel"]
        .clone()
}

/// The locales that have a custom interaction model (file names in interactionModels/custom).
fn model_locales() -> Vec<String> {
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

/// The manifest's locales (the minimum).
const LOCALES: &[&str] = &["de-DE", "en-GB", "en-US"];
/// Manifest locales whose custom interaction model is a follow-up (Smart Home needs none).
const MODEL_FOLLOW_UP: &[&str] = &["de-DE"];
/// Alexa region -> the AWS region its endpoint must be in.
const REGIONS: &[(&str, &str)] = &[
    ("NA", "us-east-1"),
    ("EU", "eu-west-1"),
    ("FE", "us-west-2"),
];
/// Region -> Amazon's OAuth client id for Home Assistant's account linking.
const CLIENT_IDS: &[(&str, &str)] = &[
    ("NA", "https://pitangui.amazon.com/"),
    ("EU", "https://layla.amazon.com/"),
    ("FE", "https://alexa.amazon.co.jp/"),
];

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
fn skill_manifest_is_an_ask_cli_multi_capability_skill_json() {
    let skill = read_json("skill-package/skill.json");
    let top: Vec<&String> = skill.as_object().expect("an object").keys().collect();
    assert_eq!(top, ["manifest"], "skill.json holds only the manifest");
    let manifest = &skill["manifest"];
    assert_eq!(manifest["manifestVersion"], "1.0");
    let known = [
        "publishingInformation",
        "apis",
        "permissions",
        "privacyAndCompliance",
        "events",
        "manifestVersion",
    ];
    for key in manifest.as_object().expect("manifest").keys() {
        assert!(
            known.contains(&key.as_str()),
            "unknown manifest field {key}"
        );
    }

    // Publishing information: every locale with what the console and SMAPI require.
    let publishing = &manifest["publishingInformation"];
    let locales = publishing["locales"].as_object().expect("locales");
    let names: Vec<&str> = locales.keys().map(String::as_str).collect();
    assert_eq!(names, LOCALES, "manifest locales");
    for (locale, info) in locales {
        for field in ["name", "summary", "description"] {
            assert!(
                info[field].as_str().is_some_and(|s| !s.trim().is_empty()),
                "{locale}.{field}"
            );
        }
        assert!(
            info["summary"].as_str().unwrap().chars().count() <= 160,
            "{locale}.summary"
        );
        let phrases = info["examplePhrases"].as_array().expect("examplePhrases");
        assert!(
            (1..=3).contains(&phrases.len()),
            "{locale}: 1 to 3 example phrases"
        );
        for phrase in phrases {
            let phrase = phrase.as_str().expect("phrase");
            assert!(phrase.starts_with("Alexa, "), "{locale}: {phrase:?}");
        }
        let keywords = info["keywords"].as_array().expect("keywords");
        assert!(
            keywords.len() <= 30 && keywords.iter().all(Value::is_string),
            "{locale}"
        );
    }
    assert_eq!(publishing["category"], "SMART_HOME");
    assert_eq!(publishing["isAvailableWorldwide"], false);
    let countries: BTreeSet<&str> = publishing["distributionCountries"]
        .as_array()
        .expect("distributionCountries")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for locale in LOCALES {
        let country = locale.rsplit('-').next().unwrap();
        assert!(
            countries.contains(country),
            "{locale}: {country} not distributed"
        );
    }

    // One function behind both capabilities, per Alexa region.
    let apis = &manifest["apis"];
    let smart_home = &apis["smartHome"];
    assert_eq!(
        smart_home["protocolVersion"], "3",
        "Smart Home payload version 3"
    );
    let custom = &apis["custom"];
    assert!(custom["interfaces"].is_array(), "apis.custom.interfaces");
    for (api, value) in [("smartHome", smart_home), ("custom", custom)] {
        let default = lambda_region(&value["endpoint"]["uri"], api);
        assert!(
            REGIONS.iter().any(|(_, aws)| *aws == default),
            "{api}: {default}"
        );
        let regions = value["regions"].as_object().expect("regions");
        let keys: BTreeSet<&str> = regions.keys().map(String::as_str).collect();
        let expected: BTreeSet<&str> = REGIONS.iter().map(|(r, _)| *r).collect();
        assert_eq!(keys, expected, "{api}.regions");
        for (region, aws) in REGIONS {
            let uri = &regions[*region]["endpoint"]["uri"];
            assert_eq!(lambda_region(uri, api), *aws, "{api}.regions.{region}");
        }
    }
    for (region, _) in REGIONS {
        assert_eq!(
            apis["smartHome"]["regions"][region], apis["custom"]["regions"][region],
            "{region}: both capabilities on the same function"
        );
    }
    // Proactive state reports (lee reporter) need the async event permission.
    assert!(
        manifest["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .any(|p| p["name"] == "alexa::async_event:write"),
        "alexa::async_event:write"
    );
    let privacy = &manifest["privacyAndCompliance"];
    for field in [
        "allowsPurchases",
        "usesPersonalInfo",
        "isChildDirected",
        "isExportCompliant",
        "containsAds",
    ] {
        assert!(privacy[field].is_boolean(), "privacyAndCompliance.{field}");
    }

    // Locales: a custom model for each, except the documented follow-ups; no model for
    // a locale the manifest does not publish.
    let models = model_locales();
    for locale in LOCALES {
        let has_model = models.iter().any(|m| m == locale);
        assert_eq!(
            has_model,
            !MODEL_FOLLOW_UP.contains(locale),
            "{locale}: interaction model present = {has_model}"
        );
    }
    for locale in &models {
        assert!(
            LOCALES.contains(&locale.as_str()),
            "model for unpublished {locale}"
        );
    }

    // Each example phrase of a locale with a model is a sample utterance of it.
    for locale in &models {
        let model = language_model(locale);
        let invocation = model["invocationName"].as_str().unwrap_or_default();
        assert!(
            !invocation.is_empty() && invocation == invocation.to_lowercase(),
            "{locale}: {invocation:?}"
        );
        let samples: Vec<String> = model["intents"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["samples"].as_array().cloned().unwrap_or_default())
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect();
        for phrase in locales[locale.as_str()]["examplePhrases"]
            .as_array()
            .unwrap()
        {
            let phrase = phrase.as_str().unwrap().to_lowercase();
            let Some(rest) = phrase
                .strip_prefix("alexa, ask ")
                .and_then(|r| r.strip_prefix(invocation))
                .and_then(|r| r.strip_prefix(" to "))
            else {
                assert_eq!(phrase, format!("alexa, open {invocation}"), "{locale}");
                continue;
            };
            let said: Vec<&str> = rest.split(' ').collect();
            // A slot may stand for one or more words; literal words must match.
            let fits = samples.iter().any(|sample| {
                let words: Vec<&str> = sample.split(' ').collect();
                fits_words(&words, &said)
            });
            assert!(
                fits,
                "{locale}: example phrase {phrase:?} matches no sample utterance"
            );
        }
    }
}

/// The AWS region of a Lambda function ARN (`arn:aws:lambda:<region>:<account>:function:<name>`).
fn lambda_region<'a>(uri: &'a Value, what: &str) -> &'a str {
    let uri = uri
        .as_str()
        .unwrap_or_else(|| panic!("{what}: endpoint uri"));
    let parts: Vec<&str> = uri.split(':').collect();
    assert!(
        parts.len() == 7
            && parts[..3] == ["arn", "aws", "lambda"]
            && parts[4].len() == 12
            && parts[4].bytes().all(|b| b.is_ascii_digit())
            && parts[5] == "function"
            && !parts[6].is_empty(),
        "{what}: {uri} is not a Lambda function ARN"
    );
    parts[3]
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
fn every_interaction_model_is_well_formed_and_names_the_contract() {
    let locales = model_locales();
    assert!(
        locales.iter().any(|l| l == "en-US") && locales.iter().any(|l| l == "en-GB"),
        "{locales:?}"
    );
    let mut invocations = BTreeSet::new();
    for locale in &locales {
        check_model(locale, &language_model(locale));
        invocations.insert(
            language_model(locale)["invocationName"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert_eq!(invocations.len(), 1, "one invocation name: {invocations:?}");
}

fn check_model(locale: &str, model: &Value) {
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
        for sample in samples {
            let sample = sample.as_str().expect("sample").to_string();
            let mut literal = sample.clone();
            for part in sample.split('{').skip(1) {
                let slot = part.split('}').next().unwrap_or_default();
                assert!(
                    slots.contains_key(slot),
                    "{locale}: {name}: {sample:?} names undeclared slot {slot}"
                );
                literal = literal.replace(&format!("{{{slot}}}"), "");
            }
            assert!(
                literal
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == ' ' || c == '\''),
                "{locale}: {name}: {sample:?} must be lower-case words without digits or punctuation"
            );
            if let Some(other) = seen.insert(sample.clone(), name.clone()) {
                panic!("{locale}: {sample:?} is a sample of both {other} and {name}");
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

#[test]
fn every_intent_of_every_model_is_routed_by_a_component() {
    let dir = repo_root().join("components");
    let text = std::fs::read_to_string(dir.join("lee.toml")).expect("components/lee.toml");
    let manifest = Manifest::parse(&dir, &text).expect("components/lee.toml parses");
    for locale in model_locales() {
        let model = language_model(&locale);
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
            "{locale}: no component in components/lee.toml routes {unrouted:?}"
        );
    }
}

#[test]
fn account_linking_requests_carry_home_assistants_oauth_values_per_region() {
    let dir = repo_root().join("skill-package/account-linking");
    let mut regions: Vec<String> = std::fs::read_dir(&dir)
        .expect("skill-package/account-linking")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    regions.sort();
    let mut expected: Vec<&str> = CLIENT_IDS.iter().map(|(r, _)| *r).collect();
    expected.sort();
    assert_eq!(regions, expected);
    // The fields of SMAPI's accountLinkingRequest (v1).
    let known = [
        "type",
        "authorizationUrl",
        "domains",
        "clientId",
        "scopes",
        "accessTokenUrl",
        "clientSecret",
        "accessTokenScheme",
        "defaultTokenExpirationInSeconds",
        "reciprocalAccessTokenUrl",
        "redirectUrls",
        "authorizationUrlsByPlatform",
        "skipOnEnablement",
        "voiceForwardAccountLinking",
    ];
    for (region, client_id) in CLIENT_IDS {
        let file = format!("skill-package/account-linking/{region}/account-linking.json");
        let json = read_json(&file);
        let top: Vec<&String> = json.as_object().expect("object").keys().collect();
        assert_eq!(top, ["accountLinkingRequest"], "{file}");
        let request = &json["accountLinkingRequest"];
        for key in request.as_object().expect("accountLinkingRequest").keys() {
            assert!(known.contains(&key.as_str()), "{file}: unknown field {key}");
        }
        // Smart Home skills must use the authorization code grant.
        assert_eq!(request["type"], "AUTH_CODE", "{file}");
        assert_eq!(
            request["authorizationUrl"], "https://HA/auth/authorize",
            "{file}"
        );
        assert_eq!(request["accessTokenUrl"], "https://HA/auth/token", "{file}");
        assert_eq!(request["clientId"], *client_id, "{file}");
        assert_eq!(
            request["accessTokenScheme"], "REQUEST_BODY_CREDENTIALS",
            "{file}"
        );
        assert_eq!(
            request["scopes"],
            serde_json::json!(["smart_home"]),
            "{file}"
        );
        assert!(
            request["clientSecret"]
                .as_str()
                .is_some_and(|s| !s.is_empty()),
            "{file}: AUTH_CODE needs a client secret (Home Assistant ignores its value)"
        );
        assert!(
            request["domains"].as_array().is_some_and(|d| d.len() <= 15),
            "{file}"
        );
    }
}

#[test]
fn the_template_deploys_the_packages_and_serves_the_manifest_regions() {
    let template = std::fs::read_to_string(repo_root().join("deploy/template.yaml"))
        .expect("deploy/template.yaml");
    for zip in ["lee-lambda-arm64.zip", "lee-lambda-x86_64.zip"] {
        assert!(
            template.contains(&format!("CodeUri: ../dist/{zip}")),
            "the template deploys dist/{zip}"
        );
    }
    // The template's mapping names, for each AWS region, the manifest's region key.
    for (region, aws) in REGIONS {
        let block = template
            .split(&format!("\n    {aws}:\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("the template maps {aws}"));
        // The entries of this region: the lines indented deeper than its key.
        let entries: Vec<&str> = block
            .lines()
            .take_while(|line| line.starts_with("      "))
            .map(str::trim)
            .collect();
        assert!(
            entries.contains(&format!("alexa: {region}").as_str()),
            "{aws} serves {region}: {entries:?}"
        );
    }
    for principal in ["alexa-connectedhome.amazon.com", "alexa-appkit.amazon.com"] {
        assert!(
            template.contains(&format!("Principal: {principal}")),
            "{principal}"
        );
    }
}
