use super::*;
use serde_json::json;

use crate::test_support::{FakeHome, directive, st};

fn prop(response: &Value, ns: &str, name: &str) -> Value {
    response["context"]["properties"]
        .as_array()
        .and_then(|p| p.iter().find(|x| x["namespace"] == ns && x["name"] == name))
        .map(|x| x["value"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn responses_report_the_state_after_the_command() {
    let home = FakeHome::new();
    let r = home.run(&directive(
        "Alexa.BrightnessController",
        "SetBrightness",
        Some("light#bed_light"),
        json!({"brightness": 40}),
    ));
    assert_eq!(prop(&r, "Alexa.PowerController", "powerState"), "ON");
    assert_eq!(prop(&r, "Alexa.BrightnessController", "brightness"), 40);
    // Planned from the cached entry (what the light is); the post-command state came
    // from the call: on a warm host, one round trip.
    assert_eq!(
        home.reads.borrow().as_slice(),
        &[("light.bed_light".to_string(), 600_000)]
    );
}

#[test]
fn only_value_dependent_plans_read_fresh_first() {
    let home = FakeHome::new();
    for (ns, name, endpoint, payload) in [
        ("Alexa.PowerController", "TurnOn", "switch#ac", json!({})),
        (
            "Alexa.LockController",
            "Lock",
            "lock#kitchen_door",
            json!({}),
        ),
        (
            "Alexa.BrightnessController",
            "AdjustBrightness",
            "light#kitchen_lights",
            json!({"brightnessDelta": 10}),
        ),
    ] {
        home.reads.borrow_mut().clear();
        home.run(&directive(ns, name, Some(endpoint), payload));
        let reads = home.reads.borrow();
        assert!(
            reads.iter().all(|(_, age)| *age == 600_000),
            "{name}: {reads:?}"
        );
    }
    home.reads.borrow_mut().clear();
    home.run(&directive(
        "Alexa.ColorTemperatureController",
        "IncreaseColorTemperature",
        Some("light#kitchen_lights"),
        json!({}),
    ));
    assert_eq!(
        home.reads.borrow().last(),
        Some(&("light.kitchen_lights".to_string(), 1000))
    );
}

#[test]
fn the_colour_keeps_its_own_brightness() {
    let home = FakeHome::new();
    let color = |r: &Value| prop(r, "Alexa.ColorController", "color");
    let r = home.run(&directive(
        "Alexa.ColorController",
        "SetColor",
        Some("light#kitchen_lights"),
        json!({"color": {"hue": 0.0, "saturation": 1.0, "brightness": 0.5}}),
    ));
    assert_eq!(
        color(&r),
        json!({"hue": 0.0, "saturation": 1.0, "brightness": 0.5})
    );
    let r = home.run(&directive(
        "Alexa.BrightnessController",
        "SetBrightness",
        Some("light#kitchen_lights"),
        json!({"brightness": 20}),
    ));
    assert_eq!(prop(&r, "Alexa.BrightnessController", "brightness"), 20);
    assert_eq!(color(&r)["brightness"], 0.5);
    // Never set: 1.0, whatever the light's brightness.
    let r = FakeHome::new().run(&directive(
        "Alexa",
        "ReportState",
        Some("light#kitchen_lights"),
        json!({}),
    ));
    assert_eq!(color(&r)["brightness"], 1.0);
}

#[test]
fn stepping_the_temperature_of_an_off_light_turns_it_on_first() {
    let home = FakeHome::new();
    let r = home.run(&directive(
        "Alexa.ColorTemperatureController",
        "DecreaseColorTemperature",
        Some("light#bed_light"),
        json!({}),
    ));
    assert_eq!(prop(&r, "Alexa.PowerController", "powerState"), "ON");
    let calls = home.calls.borrow();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].2, json!({"entity_id": "light.bed_light"}));
    assert!(calls[1].2.get("color_temp_kelvin").is_some(), "{calls:?}");
}

/// Left out of the changed states, the entity is read again, accepting only what the
/// host recorded in the last second: after the call, which dropped the entity's entry
/// (or read it alongside, when it expected no change).
#[test]
fn a_fresh_read_when_the_call_reports_no_change() {
    let mut home = FakeHome::new();
    home.report_changed = false;
    let r = home.turn_on("switch#ac");
    assert_eq!(prop(&r, "Alexa.PowerController", "powerState"), "ON");
    let reads = home.reads.borrow();
    assert_eq!(reads.last(), Some(&("switch.ac".to_string(), 1_000)));
}

#[test]
fn report_state_reads_now() {
    let home = FakeHome::new();
    let r = home.run(&directive(
        "Alexa",
        "ReportState",
        Some("lock#front_door"),
        json!({}),
    ));
    assert_eq!(r["event"]["header"]["name"], "StateReport");
    assert_eq!(prop(&r, "Alexa.LockController", "lockState"), "LOCKED");
    assert_eq!(
        home.reads.borrow().as_slice(),
        &[("lock.front_door".to_string(), 0)]
    );
}

#[test]
fn unavailable_entities_are_not_called() {
    let home = FakeHome::new();
    home.set("switch.ac", "unavailable", json!({}));
    let r = home.turn_on("switch#ac");
    assert_eq!(r["event"]["payload"]["type"], "ENDPOINT_UNREACHABLE");
    assert!(home.calls.borrow().is_empty());
}

#[test]
fn home_assistant_failures_become_alexa_errors() {
    let mut home = FakeHome::new();
    home.fail = Some(HaError::Unreachable("refused".into()));
    let r = home.turn_on("switch#ac");
    assert_eq!(r["event"]["payload"]["type"], "BRIDGE_UNREACHABLE");
    assert_eq!(r["event"]["endpoint"]["endpointId"], "switch#ac");
    home.fail = Some(HaError::Unauthorized("401".into()));
    let r = home.run(&directive(
        "Alexa",
        "ReportState",
        Some("switch#ac"),
        json!({}),
    ));
    assert_eq!(
        r["event"]["payload"]["type"],
        "INVALID_AUTHORIZATION_CREDENTIAL"
    );
    home.fail = None;
    home.fail_calls = Some(HaError::BadRequest("invalid code".into()));
    let r = home.run(&directive(
        "Alexa.SecurityPanelController",
        "Disarm",
        Some("alarm_control_panel#security"),
        json!({"authorization": {"type": "FOUR_DIGIT_PIN", "value": "9999"}}),
    ));
    assert_eq!(
        r["event"]["header"]["namespace"],
        "Alexa.SecurityPanelController"
    );
    assert_eq!(r["event"]["payload"]["type"], "UNAUTHORIZED");
}

#[test]
fn filtered_entities_do_not_exist() {
    let mut home = FakeHome::new();
    home.config.filter.exclude_domains = vec!["switch".into()];
    let r = home.turn_on("switch#ac");
    assert_eq!(r["event"]["payload"]["type"], "NO_SUCH_ENDPOINT");
    assert!(home.calls.borrow().is_empty());
}

#[test]
fn payload_version_is_enforced() {
    let home = FakeHome::new();
    let mut event = directive(
        "Alexa.PowerController",
        "TurnOn",
        Some("switch#ac"),
        json!({}),
    );
    event["directive"]["header"]["payloadVersion"] = json!("2");
    let r = home.run(&event);
    assert_eq!(r["event"]["payload"]["type"], "INVALID_DIRECTIVE");
    assert!(home.calls.borrow().is_empty());
}

#[test]
fn temperature_unit_inference() {
    let f = vec![
        st(
            "sensor.a",
            "70",
            json!({"device_class": "temperature", "unit_of_measurement": "°F"}),
        ),
        st("weather.w", "sunny", json!({"temperature_unit": "°F"})),
        st(
            "sensor.b",
            "20",
            json!({"device_class": "temperature", "unit_of_measurement": "°C"}),
        ),
    ];
    assert_eq!(infer_scale(&Config::default(), &f), Scale::Fahrenheit);
    assert_eq!(infer_scale(&Config::default(), &[]), Scale::Celsius);
    let configured = Config {
        temperature_unit: Some("C".into()),
        ..Config::default()
    };
    assert_eq!(infer_scale(&configured, &f), Scale::Celsius);
}

#[test]
fn thermostat_post_state_in_response() {
    let home = FakeHome::new();
    let r = home.run(&directive(
        "Alexa.ThermostatController",
        "SetTargetTemperature",
        Some("climate#hvac"),
        json!({"targetSetpoint": {"value": 24.0, "scale": "CELSIUS"}}),
    ));
    assert_eq!(
        prop(&r, "Alexa.ThermostatController", "targetSetpoint"),
        json!({"value": 24.0, "scale": "CELSIUS"})
    );
}

#[test]
fn home_assistant_unit_system_decides_without_reading_every_state() {
    let mut home = FakeHome::new();
    home.unit = Some("°F".into());
    // A Fahrenheit installation: climate attributes are in °F.
    home.set(
        "climate.hvac",
        "cool",
        json!({"min_temp": 45, "max_temp": 95, "temperature": 70}),
    );
    let r = home.run(&directive(
        "Alexa.ThermostatController",
        "SetTargetTemperature",
        Some("climate#hvac"),
        json!({"targetSetpoint": {"value": 24.0, "scale": "CELSIUS"}}),
    ));
    // 24 °C is 75.2 °F: the service call is in Home Assistant's unit (rounded to the
    // entity's whole-degree step).
    let calls = home.calls.borrow();
    let (_, _, data) = calls.last().expect("a service call");
    assert!(data["temperature"].as_f64() == Some(75.0), "{data}");
    assert!(
        home.reads.borrow().iter().all(|(id, _)| id != "*"),
        "no full state listing for a thermostat directive: {:?}",
        home.reads.borrow()
    );
    assert_ne!(r["event"]["header"]["name"], "ErrorResponse", "{r}");
    // The component's own setting wins over Home Assistant's.
    home.config.temperature_unit = Some("C".into());
    let ctx_scale = temperature_scale(&home.config, &home, None);
    assert_eq!(ctx_scale, Scale::Celsius);
}
