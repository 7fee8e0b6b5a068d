//! Alexa Smart Home directives for lights, thermostats and water heaters through the
//! shipped component against the real harness Home Assistant; each new state is checked
//! with GET /api/states and each response validated against Amazon's schema.

use lee_e2e::alexa::{expect_error, invoke, prop, send};
use lee_e2e::{HomeAssistant, Lee, directive, serial};
use serde_json::json;

#[test]
fn power_brightness_color_and_temperature_of_lights() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let lee = Lee::dist();
    let light = "light#bed_light";
    let r = send(
        &lee,
        "Alexa.PowerController",
        "TurnOff",
        None,
        light,
        json!({}),
    );
    assert_eq!(prop(&r, "Alexa.PowerController", "powerState"), "OFF");
    ha.wait_for("light.bed_light", |s| s["state"] == "off")
        .unwrap();
    // Setting brightness on an off light turns it on, and the response says so.
    let r = send(
        &lee,
        "Alexa.BrightnessController",
        "SetBrightness",
        None,
        light,
        json!({"brightness": 40}),
    );
    assert_eq!(prop(&r, "Alexa.PowerController", "powerState"), "ON");
    assert_eq!(prop(&r, "Alexa.BrightnessController", "brightness"), 40);
    let s = ha.state("light.bed_light").unwrap();
    assert_eq!(s["state"], "on");
    assert_eq!(s["attributes"]["brightness"], 102);
    let r = send(
        &lee,
        "Alexa.BrightnessController",
        "AdjustBrightness",
        None,
        light,
        json!({"brightnessDelta": 20}),
    );
    assert_eq!(prop(&r, "Alexa.BrightnessController", "brightness"), 60);
    let r = send(
        &lee,
        "Alexa.ColorController",
        "SetColor",
        None,
        light,
        json!({"color": {"hue": 120.0, "saturation": 1.0, "brightness": 1.0}}),
    );
    assert_eq!(prop(&r, "Alexa.ColorController", "color")["hue"], 120.0);
    let s = ha.state("light.bed_light").unwrap();
    assert_eq!(s["attributes"]["hs_color"], json!([120.0, 100.0]));
    let r = send(
        &lee,
        "Alexa.ColorTemperatureController",
        "SetColorTemperature",
        None,
        light,
        json!({"colorTemperatureInKelvin": 2700}),
    );
    assert_eq!(
        prop(
            &r,
            "Alexa.ColorTemperatureController",
            "colorTemperatureInKelvin"
        ),
        2700
    );
    assert_eq!(
        ha.state("light.bed_light").unwrap()["attributes"]["color_temp_kelvin"],
        2700
    );
    send(
        &lee,
        "Alexa.ColorTemperatureController",
        "IncreaseColorTemperature",
        None,
        light,
        json!({}),
    );
    assert_eq!(
        ha.state("light.bed_light").unwrap()["attributes"]["color_temp_kelvin"],
        3000
    );
    send(
        &lee,
        "Alexa.PowerController",
        "TurnOff",
        None,
        light,
        json!({}),
    );
    assert_eq!(ha.state("light.bed_light").unwrap()["state"], "off");

    for (endpoint, entity) in [
        ("switch#ac", "switch.ac"),
        ("input_boolean#vacation_mode", "input_boolean.vacation_mode"),
    ] {
        let r = send(
            &lee,
            "Alexa.PowerController",
            "TurnOn",
            None,
            endpoint,
            json!({}),
        );
        assert_eq!(prop(&r, "Alexa.PowerController", "powerState"), "ON");
        assert_eq!(ha.state(entity).unwrap()["state"], "on");
        send(
            &lee,
            "Alexa.PowerController",
            "TurnOff",
            None,
            endpoint,
            json!({}),
        );
        assert_eq!(ha.state(entity).unwrap()["state"], "off");
    }
    send(
        &lee,
        "Alexa.PowerController",
        "TurnOff",
        None,
        "automation#night_lights",
        json!({}),
    );
    assert_eq!(ha.state("automation.night_lights").unwrap()["state"], "off");
    send(
        &lee,
        "Alexa.PowerController",
        "TurnOn",
        None,
        "automation#night_lights",
        json!({}),
    );
    assert_eq!(ha.state("automation.night_lights").unwrap()["state"], "on");
}

#[test]
fn thermostats_and_water_heater() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let lee = Lee::dist();
    let r = send(
        &lee,
        "Alexa.ThermostatController",
        "SetTargetTemperature",
        None,
        "climate#hvac",
        json!({"targetSetpoint": {"value": 70.0, "scale": "FAHRENHEIT"}}),
    );
    let target = ha.state("climate.hvac").unwrap()["attributes"]["temperature"]
        .as_f64()
        .unwrap();
    assert!(
        (target - 21.0).abs() < 0.6,
        "70 F should be ~21 C, got {target}"
    );
    assert_eq!(
        prop(&r, "Alexa.ThermostatController", "targetSetpoint")["scale"],
        "CELSIUS"
    );
    send(
        &lee,
        "Alexa.ThermostatController",
        "AdjustTargetTemperature",
        None,
        "climate#hvac",
        json!({"targetSetpointDelta": {"value": 2.0, "scale": "CELSIUS"}}),
    );
    let adjusted = ha.state("climate.hvac").unwrap()["attributes"]["temperature"]
        .as_f64()
        .unwrap();
    assert!(
        (adjusted - target - 2.0).abs() < 0.01,
        "{target} -> {adjusted}"
    );
    let before = ha.state("climate.hvac").unwrap()["state"].clone();
    let r = send(
        &lee,
        "Alexa.ThermostatController",
        "SetThermostatMode",
        None,
        "climate#hvac",
        json!({"thermostatMode": {"value": "HEAT"}}),
    );
    assert_eq!(
        prop(&r, "Alexa.ThermostatController", "thermostatMode"),
        "HEAT"
    );
    assert_eq!(ha.state("climate.hvac").unwrap()["state"], "heat");
    let r = send(
        &lee,
        "Alexa.PowerController",
        "TurnOff",
        None,
        "climate#hvac",
        json!({}),
    );
    assert_eq!(prop(&r, "Alexa.PowerController", "powerState"), "OFF");
    assert_eq!(ha.state("climate.hvac").unwrap()["state"], "off");
    ha.call_service(
        "climate",
        "set_hvac_mode",
        json!({"entity_id": "climate.hvac", "hvac_mode": before}),
    )
    .unwrap();

    send(
        &lee,
        "Alexa.ThermostatController",
        "SetTargetTemperature",
        None,
        "climate#ecobee",
        json!({"lowerSetpoint": {"value": 20.0, "scale": "CELSIUS"}, "upperSetpoint": {"value": 25.0, "scale": "CELSIUS"}}),
    );
    let s = ha.state("climate.ecobee").unwrap();
    assert_eq!(s["attributes"]["target_temp_low"], 20.0);
    assert_eq!(s["attributes"]["target_temp_high"], 25.0);
    expect_error(
        &lee,
        &directive(
            "Alexa.ThermostatController",
            "SetTargetTemperature",
            Some("climate#ecobee"),
            json!({"lowerSetpoint": {"value": 23.0, "scale": "CELSIUS"}, "upperSetpoint": {"value": 23.0, "scale": "CELSIUS"}}),
        ),
        "Alexa.ThermostatController",
        "REQUESTED_SETPOINTS_TOO_CLOSE",
    );
    let r = send(
        &lee,
        "Alexa.ThermostatController",
        "SetThermostatMode",
        None,
        "climate#ecobee",
        json!({"thermostatMode": {"value": "ECO"}}),
    );
    assert_eq!(
        prop(&r, "Alexa.ThermostatController", "thermostatMode"),
        "ECO"
    );
    assert_eq!(
        ha.state("climate.ecobee").unwrap()["attributes"]["preset_mode"],
        "eco"
    );
    ha.call_service(
        "climate",
        "set_preset_mode",
        json!({"entity_id": "climate.ecobee", "preset_mode": "home"}),
    )
    .unwrap();
    expect_error(
        &lee,
        &directive(
            "Alexa.ThermostatController",
            "SetThermostatMode",
            Some("climate#heatpump"),
            json!({"thermostatMode": {"value": "COOL"}}),
        ),
        "Alexa.ThermostatController",
        "UNSUPPORTED_THERMOSTAT_MODE",
    );
    expect_error(
        &lee,
        &directive(
            "Alexa.ThermostatController",
            "SetTargetTemperature",
            Some("climate#hvac"),
            json!({"targetSetpoint": {"value": 95.0, "scale": "CELSIUS"}}),
        ),
        "Alexa",
        "TEMPERATURE_VALUE_OUT_OF_RANGE",
    );

    let heater = "water_heater#demo_water_heater_celsius";
    send(
        &lee,
        "Alexa.ThermostatController",
        "SetTargetTemperature",
        None,
        heater,
        json!({"targetSetpoint": {"value": 50.0, "scale": "CELSIUS"}}),
    );
    assert_eq!(
        ha.state("water_heater.demo_water_heater_celsius").unwrap()["attributes"]["temperature"],
        50.0
    );
    let r = send(
        &lee,
        "Alexa.ModeController",
        "SetMode",
        Some("water_heater.operation_mode"),
        heater,
        json!({"mode": "operation_mode.gas"}),
    );
    assert_eq!(
        prop(&r, "Alexa.ModeController", "mode"),
        "operation_mode.gas"
    );
    assert_eq!(
        ha.state("water_heater.demo_water_heater_celsius").unwrap()["attributes"]["operation_mode"],
        "gas"
    );
    send(
        &lee,
        "Alexa.ModeController",
        "SetMode",
        Some("water_heater.operation_mode"),
        heater,
        json!({"mode": "operation_mode.eco"}),
    );
    let r = invoke(
        &lee,
        &directive(
            "Alexa",
            "ReportState",
            Some("sensor#outside_temperature"),
            json!({}),
        ),
    )
    .response;
    assert_eq!(
        prop(&r, "Alexa.TemperatureSensor", "temperature")["scale"],
        "CELSIUS"
    );
}
