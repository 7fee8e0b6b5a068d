use super::*;
use crate::interfaces::device;
use crate::test_support::{find, st};

fn props(s: &State) -> Vec<Value> {
    let ctx = Ctx::default();
    let d = device(s, &ctx).expect("device");
    properties(
        s,
        &d,
        &ctx,
        Sample {
            millis: 0,
            uncertainty_ms: 0,
        },
    )
}

fn value(props: &[Value], ns: &str, name: &str) -> Value {
    props
        .iter()
        .find(|p| p["namespace"] == ns && p["name"] == name)
        .map(|p| p["value"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn light_properties() {
    let p = props(&find("light.kitchen_lights"));
    assert_eq!(value(&p, "Alexa.PowerController", "powerState"), "ON");
    assert_eq!(value(&p, "Alexa.BrightnessController", "brightness"), 71);
    assert_eq!(value(&p, "Alexa.ColorController", "color")["hue"], 345.0);
    assert_eq!(
        value(&p, "Alexa.ColorController", "color")["saturation"],
        0.75
    );
    assert_eq!(
        value(&p, "Alexa.EndpointHealth", "connectivity")["value"],
        "OK"
    );
    assert!(
        p.iter()
            .all(|x| x["timeOfSample"] == "1970-01-01T00:00:00.00Z")
    );
    assert!(p.iter().all(|x| x["uncertaintyInMilliseconds"] == 0));
    let off = props(&find("light.bed_light"));
    assert_eq!(value(&off, "Alexa.BrightnessController", "brightness"), 0);
    assert_eq!(value(&off, "Alexa.PowerController", "powerState"), "OFF");
}

#[test]
fn thermostat_properties() {
    let p = props(&find("climate.ecobee"));
    assert_eq!(
        value(&p, "Alexa.ThermostatController", "thermostatMode"),
        "AUTO"
    );
    assert_eq!(
        value(&p, "Alexa.ThermostatController", "lowerSetpoint"),
        json!({"value": 21.0, "scale": "CELSIUS"})
    );
    assert_eq!(
        value(&p, "Alexa.ThermostatController", "targetSetpoint"),
        Value::Null
    );
    assert_eq!(
        value(&p, "Alexa.TemperatureSensor", "temperature")["value"],
        23.0
    );
    let dry = st(
        "climate.x",
        "dry",
        json!({"hvac_modes": ["dry", "off"], "supported_features": 1}),
    );
    assert_eq!(
        value(&props(&dry), "Alexa.ThermostatController", "thermostatMode"),
        Value::Null
    );
    let eco = st(
        "climate.y",
        "heat",
        json!({"hvac_modes": ["heat"], "preset_mode": "eco"}),
    );
    assert_eq!(
        value(&props(&eco), "Alexa.ThermostatController", "thermostatMode"),
        "ECO"
    );
}

#[test]
fn controller_properties_have_instances() {
    let p = props(&find("cover.living_room_window"));
    let position = p
        .iter()
        .find(|x| x["instance"] == "cover.position")
        .expect("position");
    assert_eq!(position["value"], 70.0);
    let p = props(&find("input_select.house_mode"));
    assert_eq!(value(&p, "Alexa.ModeController", "mode"), "option.Home");
    let p = props(&find("vacuum.0_ground_floor"));
    assert_eq!(value(&p, "Alexa.RangeController", "rangeValue"), 1.0);
    let p = props(&find("fan.living_room_fan"));
    assert_eq!(value(&p, "Alexa.ToggleController", "toggleState"), "OFF");
    assert_eq!(value(&p, "Alexa.PercentageController", "percentage"), 67);
}

#[test]
fn sensors_locks_and_panels() {
    assert_eq!(
        value(
            &props(&find("sensor.outside_temperature")),
            "Alexa.TemperatureSensor",
            "temperature"
        ),
        json!({"value": 15.6, "scale": "CELSIUS"})
    );
    assert_eq!(
        value(
            &props(&find("binary_sensor.movement_backyard")),
            "Alexa.MotionSensor",
            "detectionState"
        ),
        "DETECTED"
    );
    assert_eq!(lock_state("locking"), "LOCKED");
    assert_eq!(lock_state("jammed"), "JAMMED");
    assert_eq!(lock_state("open"), "UNLOCKED");
    let arming = st(
        "alarm_control_panel.a",
        "arming",
        json!({"next_state": "armed_night"}),
    );
    assert_eq!(arm_state(&arming), Some("ARMED_NIGHT"));
    let p = props(&find("media_player.living_room"));
    assert_eq!(value(&p, "Alexa.Speaker", "volume"), 100);
    assert_eq!(value(&p, "Alexa.Speaker", "muted"), false);
}

#[test]
fn unavailable_reports_only_health() {
    let s = st(
        "light.x",
        "unavailable",
        json!({"supported_color_modes": ["hs"]}),
    );
    let p = props(&s);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["value"]["value"], "UNREACHABLE");
}

#[test]
fn power_state_per_domain() {
    assert!(is_on(&st("timer.t", "paused", json!({}))));
    assert!(!is_on(&st("timer.t", "idle", json!({}))));
    assert!(!is_on(&st("vacuum.v", "docked", json!({}))));
    assert!(!is_on(&st("media_player.m", "standby", json!({}))));
    assert!(is_on(&st("cover.c", "opening", json!({}))));
    assert!(!is_on(&st("group.g", "not_home", json!({}))));
}
