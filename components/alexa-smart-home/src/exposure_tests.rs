//! Tests of [`crate::exposure`].

use serde_json::{Value, json};

use crate::config::Exposure;
use crate::test_support::FakeHome;

fn ids(out: &Value) -> Vec<String> {
    out["event"]["payload"]["endpoints"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|e| e["endpointId"].as_str().map(str::to_string))
        .collect()
}

fn settings() -> Value {
    json!({"exposed_entities": {
        "light.bed_light": {"conversation": true, "cloud.alexa": false},
        "light.kitchen_lights": {"conversation": false, "cloud.alexa": true},
        "switch.ac": {"conversation": true},
        "light.ceiling_lights": {}
    }})
}

#[test]
fn assist_follows_home_assistants_expose_toggles() {
    let mut home = FakeHome::new();
    home.config.exposure = Exposure::Assist;
    home.exposure = Some(settings());
    assert_eq!(ids(&home.discover()), ["light#bed_light", "switch#ac"]);
    let refused = home.turn_on("light#kitchen_lights");
    assert_eq!(refused["event"]["payload"]["type"], "NO_SUCH_ENDPOINT");
}

#[test]
fn alexa_follows_the_cloud_alexa_setting() {
    let mut home = FakeHome::new();
    home.config.exposure = Exposure::Alexa;
    home.exposure = Some(settings());
    assert_eq!(ids(&home.discover()), ["light#kitchen_lights"]);
}

#[test]
fn unreadable_settings_are_an_error_not_an_empty_home() {
    let mut home = FakeHome::new();
    home.config.exposure = Exposure::Assist;
    home.exposure = None;
    let out = home.discover();
    assert_eq!(out["event"]["header"]["name"], "ErrorResponse", "{out}");
    let message = out["event"]["payload"]["message"].as_str().unwrap_or("");
    assert!(message.contains("administrator"), "{message}");
}

#[test]
fn a_device_label_exposes_the_devices_entities() {
    let mut home = FakeHome::new();
    home.config.exposure = Exposure::Label("alexa".into());
    home.registry = vec![
        json!({"entity_id": "light.bed_light", "device_id": "d1"}),
        json!({"entity_id": "light.kitchen_lights", "device_id": "d2", "labels": ["alexa"]}),
        json!({"entity_id": "light.ceiling_lights", "device_id": "d2"}),
    ];
    home.devices = vec![
        json!({"id": "d1", "labels": ["alexa"]}),
        json!({"id": "d2", "labels": ["kitchen"]}),
    ];
    assert_eq!(
        ids(&home.discover()),
        ["light#bed_light", "light#kitchen_lights"]
    );
}

#[test]
fn listing_parse_errors_name_the_command() {
    let e = crate::exposure::exposed_to("[]", "conversation").unwrap_err();
    assert!(e.contains("expose_entity/list"), "{e}");
}
