//! Every kind of message this component produces, validated against Amazon's Alexa
//! Smart Home JSON schema (draft-04) from ../shared/alexa-smarthome, plus Amazon's own
//! sample directives replayed against demo entities.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::test_support::{FakeHome, directive, directive_instance};

pub(crate) fn shared() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/alexa-smarthome")
}

pub(crate) fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = shared().join("validation_schemas/alexa_smart_home_message_schema.json");
        let text = std::fs::read_to_string(&path).expect("Amazon's schema is readable");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::draft4::new(&schema).expect("schema compiles")
    })
}

#[track_caller]
pub(crate) fn assert_valid(message: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(message)
        .take(8)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}\nmessage: {}",
        errors.join("\n"),
        serde_json::to_string_pretty(message).unwrap_or_default()
    );
}

pub(crate) fn kind(response: &Value) -> Option<&str> {
    (response
        .pointer("/event/header/name")
        .and_then(Value::as_str)
        == Some("ErrorResponse"))
    .then(|| {
        response
            .pointer("/event/payload/type")
            .and_then(Value::as_str)
    })
    .flatten()
}

fn discover(home: &FakeHome) -> Value {
    home.run(&json!({"directive": {
        "header": {"namespace": "Alexa.Discovery", "name": "Discover",
                   "payloadVersion": "3", "messageId": "m"},
        "payload": {"scope": {"type": "BearerToken", "token": "tok"}}
    }}))
}

#[test]
fn discovery_response_is_valid() {
    let response = discover(&FakeHome::new());
    assert_valid(&response);
    let endpoints = response["event"]["payload"]["endpoints"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Everything in the fixture except the humidity sensor and the sun.
    assert_eq!(endpoints.len(), crate::test_support::demo_home().len() - 2);
}

#[test]
fn state_reports_are_valid_for_every_endpoint() {
    let home = FakeHome::new();
    let response = discover(&home);
    for endpoint in response["event"]["payload"]["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let id = endpoint["endpointId"].as_str().unwrap_or_default();
        let report = home.run(&directive("Alexa", "ReportState", Some(id), json!({})));
        assert_valid(&report);
        assert_eq!(
            report["event"]["header"]["name"], "StateReport",
            "{id}: {report}"
        );
        let props = report["context"]["properties"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!props.is_empty(), "{id} reports nothing");
    }
}

#[test]
fn unavailable_entities_report_unreachable() {
    let home = FakeHome::new();
    home.set("light.bed_light", "unavailable", json!({}));
    let report = home.run(&directive(
        "Alexa",
        "ReportState",
        Some("light#bed_light"),
        json!({}),
    ));
    assert_valid(&report);
    assert_eq!(
        report["context"]["properties"][0]["value"]["value"],
        "UNREACHABLE"
    );
}

#[test]
fn error_responses_are_valid() {
    let cases = vec![
        (
            directive(
                "Alexa.PowerController",
                "TurnOn",
                Some("light#nope"),
                json!({}),
            ),
            "NO_SUCH_ENDPOINT",
        ),
        (
            directive(
                "Alexa.BrightnessController",
                "SetBrightness",
                Some("light#bed_light"),
                json!({"brightness": 140}),
            ),
            "VALUE_OUT_OF_RANGE",
        ),
        (
            directive(
                "Alexa.BrightnessController",
                "SetBrightness",
                Some("switch#ac"),
                json!({"brightness": 40}),
            ),
            "INVALID_DIRECTIVE",
        ),
        (
            directive(
                "Alexa.ThermostatController",
                "SetTargetTemperature",
                Some("climate#hvac"),
                json!({"targetSetpoint": {"value": 99.0, "scale": "CELSIUS"}}),
            ),
            "TEMPERATURE_VALUE_OUT_OF_RANGE",
        ),
        (
            directive(
                "Alexa.ThermostatController",
                "SetTargetTemperature",
                Some("climate#ecobee"),
                json!({"lowerSetpoint": {"value": 22.0, "scale": "CELSIUS"},
                   "upperSetpoint": {"value": 22.0, "scale": "CELSIUS"}}),
            ),
            "REQUESTED_SETPOINTS_TOO_CLOSE",
        ),
        (
            directive(
                "Alexa.ThermostatController",
                "SetTargetTemperature",
                Some("climate#hvac"),
                json!({"targetSetpoint": {"value": 21.0, "scale": "CELSIUS"},
                   "lowerSetpoint": {"value": 20.0, "scale": "CELSIUS"},
                   "upperSetpoint": {"value": 23.0, "scale": "CELSIUS"}}),
            ),
            "TRIPLE_SETPOINTS_UNSUPPORTED",
        ),
        (
            directive(
                "Alexa.ThermostatController",
                "SetThermostatMode",
                Some("climate#hvac"),
                json!({"thermostatMode": {"value": "ECO"}}),
            ),
            "UNSUPPORTED_THERMOSTAT_MODE",
        ),
        (
            directive(
                "Alexa.SecurityPanelController",
                "Disarm",
                Some("alarm_control_panel#security"),
                json!({}),
            ),
            "UNAUTHORIZED",
        ),
        (
            directive(
                "Alexa.RangeController",
                "SetRangeValue",
                Some("input_number#target_humidity"),
                json!({"rangeValue": 90}),
            ),
            "INVALID_DIRECTIVE",
        ),
        (
            directive_instance(
                "Alexa.RangeController",
                "SetRangeValue",
                "input_number.value",
                "input_number#target_humidity",
                json!({"rangeValue": 90}),
            ),
            "VALUE_OUT_OF_RANGE",
        ),
        (
            directive(
                "Alexa.Cooking",
                "SetCookingMode",
                Some("light#bed_light"),
                json!({}),
            ),
            "INVALID_DIRECTIVE",
        ),
        (
            directive(
                "Alexa.Authorization",
                "AcceptGrant",
                None,
                json!({"grant": {}}),
            ),
            "ACCEPT_GRANT_FAILED",
        ),
    ];
    for (event, expected) in cases {
        let response = FakeHome::new().run(&event);
        assert_valid(&response);
        assert_eq!(kind(&response), Some(expected), "{response}");
    }
    let mut wrong_version = directive(
        "Alexa.PowerController",
        "TurnOn",
        Some("light#bed_light"),
        json!({}),
    );
    wrong_version["directive"]["header"]["payloadVersion"] = json!("2");
    let response = FakeHome::new().run(&wrong_version);
    assert_valid(&response);
    assert_eq!(kind(&response), Some("INVALID_DIRECTIVE"));
}
