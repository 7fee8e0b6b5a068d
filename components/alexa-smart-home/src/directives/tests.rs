use super::*;
use crate::interfaces::device;
use crate::test_support::{directive, directive_instance, find};
use crate::units::Scale;
use serde_json::{Value, json};

fn plan_for(event: Value, id: &str) -> Result<Plan, AlexaError> {
    plan_ctx(event, id, &Ctx::default())
}

fn plan_ctx(event: Value, id: &str, ctx: &Ctx) -> Result<Plan, AlexaError> {
    let d = Directive::parse(&event.to_string()).expect("directive");
    let s = find(id);
    let dev = device(&s, ctx).expect("device");
    plan(&d, &s, &dev, ctx)
}

fn only(p: Plan) -> (String, Value) {
    assert_eq!(p.calls.len(), 1, "{p:?}");
    let c = &p.calls[0];
    (format!("{}.{}", c.domain, c.service), c.data.clone())
}

#[test]
fn power_services_per_domain() {
    let on = |ep: &str, id: &str| {
        only(
            plan_for(
                directive("Alexa.PowerController", "TurnOn", Some(ep), json!({})),
                id,
            )
            .expect("plan"),
        )
        .0
    };
    let off = |ep: &str, id: &str| {
        only(
            plan_for(
                directive("Alexa.PowerController", "TurnOff", Some(ep), json!({})),
                id,
            )
            .expect("plan"),
        )
        .0
    };
    assert_eq!(on("light#bed_light", "light.bed_light"), "light.turn_on");
    assert_eq!(
        on("group#all_lights", "group.all_lights"),
        "homeassistant.turn_on"
    );
    assert_eq!(
        off("cover#kitchen_window", "cover.kitchen_window"),
        "cover.close_cover"
    );
    assert_eq!(on("timer#laundry", "timer.laundry"), "timer.start");
    assert_eq!(off("timer#laundry", "timer.laundry"), "timer.cancel");
    assert_eq!(
        on("vacuum#0_ground_floor", "vacuum.0_ground_floor"),
        "vacuum.start"
    );
    assert_eq!(
        off("vacuum#0_ground_floor", "vacuum.0_ground_floor"),
        "vacuum.return_to_base"
    );
}

#[test]
fn brightness_set_adjust_and_range() {
    let (svc, data) = only(
        plan_for(
            directive(
                "Alexa.BrightnessController",
                "SetBrightness",
                Some("light#bed_light"),
                json!({"brightness": 40}),
            ),
            "light.bed_light",
        )
        .expect("plan"),
    );
    assert_eq!(svc, "light.turn_on");
    assert_eq!(
        data,
        json!({"entity_id": "light.bed_light", "brightness_pct": 40.0})
    );
    // Home Assistant steps the brightness itself (and turns the light off at 0).
    let (svc, data) = only(
        plan_for(
            directive(
                "Alexa.BrightnessController",
                "AdjustBrightness",
                Some("light#kitchen_lights"),
                json!({"brightnessDelta": -80}),
            ),
            "light.kitchen_lights",
        )
        .expect("plan"),
    );
    assert_eq!(svc, "light.turn_on");
    assert_eq!(data["brightness_step_pct"], json!(-80.0));
    let err = plan_for(
        directive(
            "Alexa.BrightnessController",
            "SetBrightness",
            Some("light#bed_light"),
            json!({"brightness": -1}),
        ),
        "light.bed_light",
    )
    .expect_err("range");
    assert_eq!(err.kind, "VALUE_OUT_OF_RANGE");
    let err = plan_for(
        directive(
            "Alexa.BrightnessController",
            "SetBrightness",
            Some("light#bed_light"),
            json!({"brightness": "x"}),
        ),
        "light.bed_light",
    )
    .expect_err("type");
    assert_eq!(err.kind, "INVALID_VALUE");
}

#[test]
fn color_and_temperature() {
    let (_, data) = only(
        plan_for(
            directive(
                "Alexa.ColorController",
                "SetColor",
                Some("light#bed_light"),
                json!({"color": {"hue": 350.5, "saturation": 0.7138, "brightness": 0.6524}}),
            ),
            "light.bed_light",
        )
        .expect("plan"),
    );
    assert_eq!(data["hs_color"], json!([350.5, 71.38]));
    // The colour's brightness is its own, not the light's.
    assert_eq!(data.get("brightness_pct"), None);
    let (_, data) = only(
        plan_for(
            directive(
                "Alexa.ColorTemperatureController",
                "SetColorTemperature",
                Some("light#bed_light"),
                json!({"colorTemperatureInKelvin": 9000}),
            ),
            "light.bed_light",
        )
        .expect("plan"),
    );
    assert_eq!(data["color_temp_kelvin"], json!(6535.0));
    let (min, max) = (2000.0, 6535.0);
    assert_eq!(light::step_kelvin(2700.0, false, min, max), 3000.0);
    assert_eq!(light::step_kelvin(2700.0, true, min, max), 2200.0);
    // Past the named whites: toward the device's own limits, clamped there.
    assert_eq!(light::step_kelvin(2200.0, true, min, max), 2000.0);
    assert_eq!(light::step_kelvin(2000.0, true, min, max), 2000.0);
    assert_eq!(light::step_kelvin(5500.0, false, min, max), 6535.0);
    assert_eq!(light::step_kelvin(6535.0, false, min, max), 6535.0);
    // An off light is turned on first; the step is planned from what it comes back with.
    let p = plan_for(
        directive(
            "Alexa.ColorTemperatureController",
            "DecreaseColorTemperature",
            Some("light#bed_light"),
            json!({}),
        ),
        "light.bed_light",
    )
    .expect("plan");
    assert_eq!(p.then, Some(Then::StepKelvin { warmer: true }));
    assert_eq!(p.calls.len(), 1);
    assert_eq!(p.calls[0].data, json!({"entity_id": "light.bed_light"}));
}

#[test]
fn thermostat_conversion_and_errors() {
    let (svc, data) = only(
        plan_for(
            directive(
                "Alexa.ThermostatController",
                "SetTargetTemperature",
                Some("climate#hvac"),
                json!({"targetSetpoint": {"value": 70.0, "scale": "FAHRENHEIT"}}),
            ),
            "climate.hvac",
        )
        .expect("plan"),
    );
    assert_eq!(svc, "climate.set_temperature");
    assert_eq!(data["temperature"], json!(21.0));
    // In Fahrenheit homes the value goes through unchanged.
    let f = Ctx {
        scale: Scale::Fahrenheit,
        ..Ctx::default()
    };
    let event = directive(
        "Alexa.ThermostatController",
        "SetTargetTemperature",
        Some("water_heater#demo_water_heater"),
        json!({"targetSetpoint": {"value": 120.0, "scale": "FAHRENHEIT"}}),
    );
    let d = Directive::parse(&event.to_string()).expect("directive");
    let mut s = find("water_heater.demo_water_heater");
    s.attributes["min_temp"] = json!(110);
    s.attributes["max_temp"] = json!(140);
    let dev = device(&s, &f).expect("device");
    let (_, data) = only(plan(&d, &s, &dev, &f).expect("plan"));
    assert_eq!(data["temperature"], json!(120.0));
    // A target on a range-only thermostat moves the range around it.
    let (_, data) = only(
        plan_for(
            directive(
                "Alexa.ThermostatController",
                "SetTargetTemperature",
                Some("climate#ecobee"),
                json!({"targetSetpoint": {"value": 23.0, "scale": "CELSIUS"}}),
            ),
            "climate.ecobee",
        )
        .expect("plan"),
    );
    assert_eq!(
        data,
        json!({"entity_id": "climate.ecobee", "target_temp_low": 21.5, "target_temp_high": 24.5})
    );
    let (_, data) = only(
        plan_for(
            directive(
                "Alexa.ThermostatController",
                "AdjustTargetTemperature",
                Some("climate#ecobee"),
                json!({"targetSetpointDelta": {"value": 1.8, "scale": "FAHRENHEIT"}}),
            ),
            "climate.ecobee",
        )
        .expect("plan"),
    );
    assert_eq!(data["target_temp_low"], json!(22.0));
    assert_eq!(data["target_temp_high"], json!(25.0));
    let err = plan_for(
        directive(
            "Alexa.ThermostatController",
            "SetTargetTemperature",
            Some("climate#hvac"),
            json!({"targetSetpoint": {"value": 100.0, "scale": "FAHRENHEIT"}}),
        ),
        "climate.hvac",
    )
    .expect_err("range");
    assert_eq!(err.kind, "TEMPERATURE_VALUE_OUT_OF_RANGE");
    assert_eq!(
        err.payload()["validRange"]["maximumValue"],
        json!({"value": 95.0, "scale": "FAHRENHEIT"})
    );
    let err = plan_for(directive("Alexa.ThermostatController", "SetTargetTemperature", Some("water_heater#demo_water_heater"),
        json!({"lowerSetpoint": {"value": 45.0, "scale": "CELSIUS"}, "upperSetpoint": {"value": 50.0, "scale": "CELSIUS"}})),
        "water_heater.demo_water_heater").expect_err("dual");
    assert_eq!(
        (err.namespace, err.kind),
        ("Alexa.ThermostatController", "DUAL_SETPOINTS_UNSUPPORTED")
    );
}

#[test]
fn thermostat_modes() {
    let mode = |id: &str, ep: &str, m: Value| {
        plan_for(
            directive(
                "Alexa.ThermostatController",
                "SetThermostatMode",
                Some(ep),
                json!({"thermostatMode": m}),
            ),
            id,
        )
    };
    let (svc, data) =
        only(mode("climate.ecobee", "climate#ecobee", json!({"value": "AUTO"})).expect("auto"));
    assert_eq!(
        (svc.as_str(), &data["hvac_mode"]),
        ("climate.set_hvac_mode", &json!("heat_cool"))
    );
    let (svc, _) =
        only(mode("climate.ecobee", "climate#ecobee", json!({"value": "ECO"})).expect("eco"));
    assert_eq!(svc, "climate.set_preset_mode");
    let (_, data) = only(
        mode(
            "climate.hvac",
            "climate#hvac",
            json!({"value": "CUSTOM", "customName": "DEHUMIDIFY"}),
        )
        .expect("dry"),
    );
    assert_eq!(data["hvac_mode"], "dry");
    assert_eq!(
        mode("climate.hvac", "climate#hvac", json!({"value": "ECO"}))
            .expect_err("eco")
            .kind,
        "UNSUPPORTED_THERMOSTAT_MODE"
    );
}

#[test]
fn range_mode_and_toggle_instances() {
    let (svc, data) = only(
        plan_for(
            directive_instance(
                "Alexa.RangeController",
                "SetRangeValue",
                "cover.position",
                "cover#living_room_window",
                json!({"rangeValue": 0}),
            ),
            "cover.living_room_window",
        )
        .expect("plan"),
    );
    assert_eq!(
        (svc.as_str(), data.get("position")),
        ("cover.close_cover", None)
    );
    let (svc, data) = only(
        plan_for(
            directive_instance(
                "Alexa.RangeController",
                "AdjustRangeValue",
                "cover.tilt",
                "cover#living_room_window",
                json!({"rangeValueDelta": 80}),
            ),
            "cover.living_room_window",
        )
        .expect("plan"),
    );
    assert_eq!(svc, "cover.open_cover_tilt", "{data}");
    let (_, data) = only(
        plan_for(
            directive_instance(
                "Alexa.RangeController",
                "SetRangeValue",
                "input_number.value",
                "input_number#target_humidity",
                json!({"rangeValue": 47}),
            ),
            "input_number.target_humidity",
        )
        .expect("plan"),
    );
    assert_eq!(data["value"], json!(45.0), "snapped to the step of 5");
    let (_, data) = only(
        plan_for(
            directive_instance(
                "Alexa.ModeController",
                "AdjustMode",
                "select.option",
                "select#speed",
                json!({"modeDelta": 5}),
            ),
            "select.speed",
        )
        .expect("plan"),
    );
    assert_eq!(data["option"], "ludicrous_speed");
    let err = plan_for(
        directive_instance(
            "Alexa.ModeController",
            "SetMode",
            "input_select.option",
            "input_select#house_mode",
            json!({"mode": "option.Moon"}),
        ),
        "input_select.house_mode",
    )
    .expect_err("mode");
    assert_eq!(err.kind, "INVALID_VALUE");
    let err = plan_for(
        directive_instance(
            "Alexa.ModeController",
            "SetMode",
            "fan.speed",
            "fan#living_room_fan",
            json!({"mode": "x"}),
        ),
        "fan.living_room_fan",
    )
    .expect_err("instance");
    assert_eq!(err.kind, "INVALID_DIRECTIVE");
    let (svc, data) = only(
        plan_for(
            directive_instance(
                "Alexa.ToggleController",
                "TurnOff",
                "fan.oscillating",
                "fan#living_room_fan",
                json!({}),
            ),
            "fan.living_room_fan",
        )
        .expect("plan"),
    );
    assert_eq!(
        (svc.as_str(), &data["oscillating"]),
        ("fan.oscillate", &json!(false))
    );
    let (svc, data) = only(
        plan_for(
            directive_instance(
                "Alexa.RangeController",
                "SetRangeValue",
                "vacuum.fan_speed",
                "vacuum#0_ground_floor",
                json!({"rangeValue": 2}),
            ),
            "vacuum.0_ground_floor",
        )
        .expect("plan"),
    );
    assert_eq!(
        (svc.as_str(), &data["fan_speed"]),
        ("vacuum.set_fan_speed", &json!("high"))
    );
}

#[test]
fn media_security_and_scenes() {
    let p = plan_for(
        directive(
            "Alexa.StepSpeaker",
            "AdjustVolume",
            Some("media_player#living_room"),
            json!({"volumeSteps": -30}),
        ),
        "media_player.living_room",
    );
    // The living room player has VOLUME_SET, so it is a Speaker, not a StepSpeaker.
    assert_eq!(p.expect_err("step").kind, "INVALID_DIRECTIVE");
    let (svc, data) = only(
        plan_for(
            directive(
                "Alexa.Speaker",
                "AdjustVolume",
                Some("media_player#living_room"),
                json!({"volume": -25}),
            ),
            "media_player.living_room",
        )
        .expect("plan"),
    );
    assert_eq!(
        (svc.as_str(), &data["volume_level"]),
        ("media_player.volume_set", &json!(0.75))
    );
    let p = plan_for(
        directive(
            "Alexa.SeekController",
            "AdjustSeekPosition",
            Some("media_player#living_room"),
            json!({"deltaPositionMilliseconds": 1_000_000_000}),
        ),
        "media_player.living_room",
    )
    .expect("plan");
    assert_eq!(
        p.reply,
        Reply::Seek {
            position_ms: 300_000
        }
    );
    let (svc, data) = only(
        plan_for(
            directive(
                "Alexa.SecurityPanelController",
                "Disarm",
                Some("alarm_control_panel#security"),
                json!({"authorization": {"type": "FOUR_DIGIT_PIN", "value": "1234"}}),
            ),
            "alarm_control_panel.security",
        )
        .expect("plan"),
    );
    assert_eq!(
        (svc.as_str(), &data["code"]),
        ("alarm_control_panel.alarm_disarm", &json!("1234"))
    );
    let p = plan_for(
        directive(
            "Alexa.SecurityPanelController",
            "Arm",
            Some("alarm_control_panel#security"),
            json!({"armState": "ARMED_STAY"}),
        ),
        "alarm_control_panel.security",
    )
    .expect("plan");
    assert_eq!(
        p.reply,
        Reply::Armed {
            exit_delay_seconds: 0
        }
    );
    assert_eq!(p.calls[0].service, "alarm_arm_home");
    let err = plan_for(
        directive(
            "Alexa.SceneController",
            "Deactivate",
            Some("scene#relax"),
            json!({}),
        ),
        "scene.relax",
    )
    .expect_err("scene");
    assert_eq!(err.kind, "INVALID_DIRECTIVE");
    let (svc, _) = only(
        plan_for(
            directive(
                "Alexa.SceneController",
                "Activate",
                Some("input_button#doorbell_test"),
                json!({}),
            ),
            "input_button.doorbell_test",
        )
        .expect("plan"),
    );
    assert_eq!(svc, "input_button.press");
    let err = plan_for(
        directive(
            "Alexa.TimeHoldController",
            "Hold",
            Some("timer#laundry"),
            json!({}),
        ),
        "timer.laundry",
    )
    .expect_err("idle timer");
    assert_eq!(err.kind, "NOT_IN_OPERATION");
}
