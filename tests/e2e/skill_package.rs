//! The Alexa skill package in `skill-package/` (ASK CLI layout), one multi-capability
//! skill: `skill.json` has what the ASK CLI and SMAPI require of a manifest (publishing
//! information per locale, `apis.smartHome` with payload version 3 and `apis.custom`, both
//! with per-region endpoints NA/EU/FE on Lambda ARNs of the right AWS region), every
//! manifest locale (en-US, en-GB, de-DE) has an interaction model in
//! `interactionModels/custom/` whose example phrases are its sample utterances, every
//! model is well formed and has en-US's intents, slots and slot types (checked in
//! `skill_package/models.rs`), every intent of every model — plus the requests every
//! skill receives — is routed by a component in `components/lee.toml`, and the account
//! linking request of each region (`account-linking/<region>/account-linking.json`, for
//! `ask smapi update-account-linking-info`) carries Home Assistant's OAuth values.

use std::collections::{BTreeMap, BTreeSet};

use lee::runtime::manifest::Manifest;
use lee_e2e::repo_root;
use serde_json::Value;

#[path = "skill_package/models.rs"]
mod models;

use models::{
    LAUNCH_PHRASES, REFERENCE, check_against_reference, check_model, language, language_model,
    model_locales, said_fits_a_sample, samples,
};

fn read_json(relative: &str) -> Value {
    let path = repo_root().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The manifest's locales (the minimum).
const LOCALES: &[&str] = &["de-DE", "en-GB", "en-US"];
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

    // Locales: a custom model for each published locale, none for another.
    let models = model_locales();
    assert_eq!(models, LOCALES, "one interaction model per manifest locale");

    // Each example phrase opens the skill with its invocation name or hands it a request
    // that is a sample utterance, in the launch phrases of the locale's language.
    for locale in &models {
        let model = language_model(locale);
        let invocation = model["invocationName"].as_str().unwrap_or_default();
        let samples = samples(&model);
        let (_, opens, requests) = LAUNCH_PHRASES
            .iter()
            .find(|(lang, _, _)| *lang == language(locale))
            .unwrap_or_else(|| panic!("{locale}: no launch phrases known for its language"));
        for phrase in locales[locale.as_str()]["examplePhrases"]
            .as_array()
            .unwrap()
        {
            let text = phrase.as_str().unwrap().to_lowercase();
            let Some(rest) = text.strip_prefix("alexa, ") else {
                panic!("{locale}: {text:?} does not start with the wake word");
            };
            // Commas and colons are for the reader; Alexa hears words.
            let rest: String = rest.chars().filter(|c| !matches!(c, ',' | ':')).collect();
            let fill = |form: &str| form.replace("{inv}", invocation);
            if opens.iter().any(|form| rest == fill(form)) {
                continue;
            }
            let said = requests
                .iter()
                .find_map(|form| rest.strip_prefix(&fill(form)))
                .unwrap_or_else(|| {
                    panic!(
                        "{locale}: {text:?} neither opens {invocation:?} nor passes it a request"
                    )
                });
            assert!(
                said_fits_a_sample(&samples, said),
                "{locale}: example phrase {text:?} matches no sample utterance"
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

#[test]
fn every_interaction_model_is_well_formed_and_names_the_contract() {
    let locales = model_locales();
    assert!(locales.iter().any(|l| l == REFERENCE), "{locales:?}");
    let reference = language_model(REFERENCE);
    // One invocation name per language: a user of en-GB says what a user of en-US says.
    let mut invocations: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for locale in &locales {
        let model = language_model(locale);
        check_model(locale, &model);
        check_against_reference(locale, &model, &reference);
        invocations
            .entry(language(locale).to_string())
            .or_default()
            .insert(
                model["invocationName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
    }
    for (language, names) in &invocations {
        assert_eq!(names.len(), 1, "{language}: one invocation name: {names:?}");
    }
}

/// The checks themselves: each refuses a model broken in the way it looks for.
#[test]
fn the_model_checks_refuse_broken_models() {
    let reference = language_model(REFERENCE);
    let refused = |what: &str, break_it: &dyn Fn(&mut Value)| {
        let mut model = reference.clone();
        break_it(&mut model);
        let result = std::panic::catch_unwind(|| {
            check_model("en-ZZ", &model);
            check_against_reference("en-ZZ", &model, &reference);
        });
        assert!(result.is_err(), "a model with {what} passed the checks");
    };
    let intent = |model: &mut Value, name: &str| -> usize {
        model["intents"]
            .as_array()
            .unwrap()
            .iter()
            .position(|i| i["name"] == name)
            .unwrap()
    };
    refused("an undeclared slot in a sample", &|m| {
        let i = intent(m, "ListAreas");
        m["intents"][i]["samples"][0] = "list the {Room}".into();
    });
    refused("a sample of two intents", &|m| {
        let i = intent(m, "ListAreas");
        let j = intent(m, "ListAutomations");
        let sample = m["intents"][j]["samples"][0].clone();
        m["intents"][i]["samples"][0] = sample;
    });
    refused("a digit in a sample", &|m| {
        let i = intent(m, "ListAreas");
        m["intents"][i]["samples"][0] = "list 2 areas".into();
    });
    refused("a missing intent", &|m| {
        let i = intent(m, "GetWeather");
        m["intents"].as_array_mut().unwrap().remove(i);
    });
    refused("a slot of another type", &|m| {
        let i = intent(m, "GetWeather");
        m["intents"][i]["slots"][0]["type"] = "AMAZON.NUMBER".into();
    });
    refused("a translated keyword value", &|m| {
        let types = m["types"].as_array_mut().unwrap();
        let t = types
            .iter_mut()
            .find(|t| t["name"] == "AREA_ACTION")
            .unwrap();
        t["values"][0]["name"]["value"] = "an".into();
    });
    refused("a synonym twice in a type", &|m| {
        let types = m["types"].as_array_mut().unwrap();
        let t = types
            .iter_mut()
            .find(|t| t["name"] == "AREA_ACTION")
            .unwrap();
        t["values"][1]["name"]["synonyms"][0] = "turn on".into();
    });
    refused("a launch word in the invocation name", &|m| {
        m["invocationName"] = "open home".into();
    });
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
