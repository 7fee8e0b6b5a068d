//! Every directive family and Amazon's own sample directives, answered through the
//! handler against a fake home and validated against Amazon's schema.

use serde_json::{Value, json};

use crate::schema_tests::{assert_valid, kind, shared};
use crate::test_support::{FakeHome, directive, directive_instance};

/// (namespace, name, instance, endpoint, payload) -> a successful, valid answer.
fn control_cases() -> Vec<(
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    Value,
)> {
    vec![
        (
            "Alexa.PowerController",
            "TurnOn",
            None,
            "light#bed_light",
            json!({}),
        ),
        (
            "Alexa.PowerController",
            "TurnOff",
            None,
            "switch#ac",
            json!({}),
        ),
        (
            "Alexa.PowerController",
            "TurnOn",
            None,
            "group#all_lights",
            json!({}),
        ),
        (
            "Alexa.PowerController",
            "TurnOn",
            None,
            "timer#laundry",
            json!({}),
        ),
        (
            "Alexa.BrightnessController",
            "SetBrightness",
            None,
            "light#bed_light",
            json!({"brightness": 40}),
        ),
        (
            "Alexa.BrightnessController",
            "AdjustBrightness",
            None,
            "light#kitchen_lights",
            json!({"brightnessDelta": -25}),
        ),
        (
            "Alexa.ColorController",
            "SetColor",
            None,
            "light#kitchen_lights",
            json!({"color": {"hue": 350.5, "saturation": 0.7138, "brightness": 0.6524}}),
        ),
        (
            "Alexa.ColorTemperatureController",
            "SetColorTemperature",
            None,
            "light#kitchen_lights",
            json!({"colorTemperatureInKelvin": 5000}),
        ),
        (
            "Alexa.ColorTemperatureController",
            "IncreaseColorTemperature",
            None,
            "light#kitchen_lights",
            json!({}),
        ),
        (
            "Alexa.ColorTemperatureController",
            "DecreaseColorTemperature",
            None,
            "light#kitchen_lights",
            json!({}),
        ),
        (
            "Alexa.SceneController",
            "Activate",
            None,
            "scene#relax",
            json!({"cause": {"type": "VOICE_INTERACTION"}}),
        ),
        (
            "Alexa.SceneController",
            "Deactivate",
            None,
            "script#good_night",
            json!({}),
        ),
        (
            "Alexa.SceneController",
            "Activate",
            None,
            "input_button#doorbell_test",
            json!({}),
        ),
        (
            "Alexa.ThermostatController",
            "SetTargetTemperature",
            None,
            "climate#hvac",
            json!({"targetSetpoint": {"value": 70.0, "scale": "FAHRENHEIT"}}),
        ),
        (
            "Alexa.ThermostatController",
            "SetTargetTemperature",
            None,
            "climate#ecobee",
            json!({"lowerSetpoint": {"value": 20.0, "scale": "CELSIUS"},
                   "upperSetpoint": {"value": 25.0, "scale": "CELSIUS"}}),
        ),
        (
            "Alexa.ThermostatController",
            "AdjustTargetTemperature",
            None,
            "climate#hvac",
            json!({"targetSetpointDelta": {"value": -2.0, "scale": "CELSIUS"}}),
        ),
        (
            "Alexa.ThermostatController",
            "SetThermostatMode",
            None,
            "climate#hvac",
            json!({"thermostatMode": {"value": "HEAT"}}),
        ),
        (
            "Alexa.ThermostatController",
            "SetThermostatMode",
            None,
            "climate#ecobee",
            json!({"thermostatMode": {"value": "ECO"}}),
        ),
        (
            "Alexa.ThermostatController",
            "SetTargetTemperature",
            None,
            "water_heater#demo_water_heater",
            json!({"targetSetpoint": {"value": 50.0, "scale": "CELSIUS"}}),
        ),
        (
            "Alexa.RangeController",
            "SetRangeValue",
            Some("cover.position"),
            "cover#living_room_window",
            json!({"rangeValue": 30}),
        ),
        (
            "Alexa.RangeController",
            "AdjustRangeValue",
            Some("cover.tilt"),
            "cover#living_room_window",
            json!({"rangeValueDelta": 10, "rangeValueDeltaDefault": false}),
        ),
        (
            "Alexa.RangeController",
            "SetRangeValue",
            Some("fan.percentage"),
            "fan#living_room_fan",
            json!({"rangeValue": 33}),
        ),
        (
            "Alexa.RangeController",
            "SetRangeValue",
            Some("humidifier.humidity"),
            "humidifier#hygrostat",
            json!({"rangeValue": 45}),
        ),
        (
            "Alexa.RangeController",
            "SetRangeValue",
            Some("vacuum.fan_speed"),
            "vacuum#0_ground_floor",
            json!({"rangeValue": 3}),
        ),
        (
            "Alexa.RangeController",
            "SetRangeValue",
            Some("input_number.value"),
            "input_number#target_humidity",
            json!({"rangeValue": 55}),
        ),
        (
            "Alexa.RangeController",
            "SetRangeValue",
            Some("number.value"),
            "number#volume",
            json!({"rangeValue": 12}),
        ),
        (
            "Alexa.RangeController",
            "SetRangeValue",
            Some("valve.position"),
            "valve#back_garden",
            json!({"rangeValue": 10}),
        ),
        (
            "Alexa.ModeController",
            "SetMode",
            Some("cover.position"),
            "cover#kitchen_window",
            json!({"mode": "position.open"}),
        ),
        (
            "Alexa.ModeController",
            "SetMode",
            Some("fan.preset_mode"),
            "fan#living_room_fan",
            json!({"mode": "preset_mode.sleep"}),
        ),
        (
            "Alexa.ModeController",
            "SetMode",
            Some("fan.direction"),
            "fan#living_room_fan",
            json!({"mode": "direction.reverse"}),
        ),
        (
            "Alexa.ModeController",
            "SetMode",
            Some("humidifier.mode"),
            "humidifier#hygrostat",
            json!({"mode": "mode.eco"}),
        ),
        (
            "Alexa.ModeController",
            "SetMode",
            Some("remote.activity"),
            "remote#tv",
            json!({"mode": "activity.Play Game"}),
        ),
        (
            "Alexa.ModeController",
            "SetMode",
            Some("water_heater.operation_mode"),
            "water_heater#demo_water_heater",
            json!({"mode": "operation_mode.gas"}),
        ),
        (
            "Alexa.ModeController",
            "SetMode",
            Some("input_select.option"),
            "input_select#house_mode",
            json!({"mode": "option.Away"}),
        ),
        (
            "Alexa.ModeController",
            "AdjustMode",
            Some("select.option"),
            "select#speed",
            json!({"modeDelta": 1}),
        ),
        (
            "Alexa.ModeController",
            "SetMode",
            Some("valve.state"),
            "valve#front_garden",
            json!({"mode": "state.closed"}),
        ),
        (
            "Alexa.ToggleController",
            "TurnOn",
            Some("fan.oscillating"),
            "fan#living_room_fan",
            json!({}),
        ),
        (
            "Alexa.PercentageController",
            "SetPercentage",
            None,
            "fan#living_room_fan",
            json!({"percentage": 74}),
        ),
        (
            "Alexa.PercentageController",
            "AdjustPercentage",
            None,
            "fan#living_room_fan",
            json!({"percentageDelta": -20}),
        ),
        (
            "Alexa.PowerLevelController",
            "SetPowerLevel",
            None,
            "fan#living_room_fan",
            json!({"powerLevel": 42}),
        ),
        (
            "Alexa.PowerLevelController",
            "AdjustPowerLevel",
            None,
            "fan#living_room_fan",
            json!({"powerLevelDelta": 3}),
        ),
        (
            "Alexa.LockController",
            "Lock",
            None,
            "lock#front_door",
            json!({}),
        ),
        (
            "Alexa.LockController",
            "Unlock",
            None,
            "lock#front_door",
            json!({}),
        ),
        (
            "Alexa.SecurityPanelController",
            "Arm",
            None,
            "alarm_control_panel#security",
            json!({"armState": "ARMED_AWAY", "bypassType": "BYPASS_ALL", "followUpAction": "NOTIFY_OPEN_SENSORS"}),
        ),
        (
            "Alexa.SecurityPanelController",
            "Disarm",
            None,
            "alarm_control_panel#security",
            json!({"authorization": {"type": "FOUR_DIGIT_PIN", "value": "1234"}}),
        ),
        (
            "Alexa.Speaker",
            "SetVolume",
            None,
            "media_player#living_room",
            json!({"volume": 50}),
        ),
        (
            "Alexa.Speaker",
            "AdjustVolume",
            None,
            "media_player#living_room",
            json!({"volume": -10, "volumeDefault": false}),
        ),
        (
            "Alexa.Speaker",
            "SetMute",
            None,
            "media_player#living_room",
            json!({"mute": true}),
        ),
        (
            "Alexa.PlaybackController",
            "Pause",
            None,
            "media_player#living_room",
            json!({}),
        ),
        (
            "Alexa.PlaybackController",
            "Next",
            None,
            "media_player#living_room",
            json!({}),
        ),
        (
            "Alexa.PlaybackController",
            "StartOver",
            None,
            "media_player#living_room",
            json!({}),
        ),
        (
            "Alexa.PlaybackController",
            "Stop",
            None,
            "cover#living_room_window",
            json!({}),
        ),
        (
            "Alexa.InputController",
            "SelectInput",
            None,
            "media_player#lounge_room",
            json!({"input": "YouTube"}),
        ),
        (
            "Alexa.ChannelController",
            "ChangeChannel",
            None,
            "media_player#living_room",
            json!({"channel": {"number": "1234"}, "channelMetadata": {"name": "Alternate"}}),
        ),
        (
            "Alexa.ChannelController",
            "SkipChannels",
            None,
            "media_player#living_room",
            json!({"channelCount": 2}),
        ),
        (
            "Alexa.SeekController",
            "AdjustSeekPosition",
            None,
            "media_player#living_room",
            json!({"deltaPositionMilliseconds": -30000}),
        ),
        (
            "Alexa.TimeHoldController",
            "Hold",
            None,
            "vacuum#0_ground_floor",
            json!({}),
        ),
        (
            "Alexa.TimeHoldController",
            "Resume",
            None,
            "vacuum#0_ground_floor",
            json!({}),
        ),
    ]
}

#[test]
fn every_directive_family_answers_validly() {
    for (ns, name, instance, endpoint, payload) in control_cases() {
        let home = FakeHome::new();
        let event = match instance {
            Some(i) => directive_instance(ns, name, i, endpoint, payload),
            None => directive(ns, name, Some(endpoint), payload),
        };
        let response = home.run(&event);
        assert_valid(&response);
        assert_eq!(
            kind(&response),
            None,
            "{ns}.{name} on {endpoint}: {response}"
        );
        assert!(!home.calls.borrow().is_empty(), "{ns}.{name} made no call");
        assert_eq!(response["event"]["header"]["correlationToken"], "corr-1");
        assert_eq!(response["event"]["endpoint"]["endpointId"], endpoint);
    }
}

/// Sample directives whose endpoint we point at a demo entity with that interface.
fn sample_target(namespace: &str) -> Option<&'static str> {
    Some(match namespace {
        "Alexa.PowerController" => "light#bed_light",
        "Alexa.BrightnessController"
        | "Alexa.ColorController"
        | "Alexa.ColorTemperatureController" => "light#kitchen_lights",
        "Alexa.SceneController" => "script#good_night",
        "Alexa.ThermostatController" => "climate#hvac",
        "Alexa.LockController" => "lock#front_door",
        "Alexa.PercentageController" | "Alexa.PowerLevelController" => "fan#living_room_fan",
        "Alexa.Speaker"
        | "Alexa.StepSpeaker"
        | "Alexa.PlaybackController"
        | "Alexa.ChannelController" => "media_player#living_room",
        "Alexa.InputController" => "media_player#lounge_room",
        "Alexa" => "light#kitchen_lights",
        _ => return None,
    })
}

#[test]
fn amazon_sample_directives_are_answered_validly() {
    let mut handled = 0;
    let dir = shared().join("sample_messages");
    for folder in std::fs::read_dir(&dir).expect("sample_messages").flatten() {
        for file in std::fs::read_dir(folder.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(text) = std::fs::read_to_string(file.path()) else {
                continue;
            };
            let Ok(mut event) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let Some(ns) = event
                .pointer("/directive/header/namespace")
                .and_then(Value::as_str)
            else {
                continue;
            };
            let ns = ns.to_string();
            let name = file.file_name().to_string_lossy().into_owned();
            let home = FakeHome::new();
            if event.pointer("/directive/endpoint").is_some() {
                let Some(target) = sample_target(&ns) else {
                    continue;
                };
                // Dual setpoints go to the dual-setpoint thermostat.
                let target = if name.contains("DualMode") {
                    "climate#ecobee"
                } else {
                    target
                };
                event["directive"]["endpoint"]["endpointId"] = json!(target);
            }
            let response = home.run(&event);
            assert_valid(&response);
            let error = kind(&response);
            // Amazon's samples use a TV input ("HDMI1") the demo player does not have and
            // triple setpoints Home Assistant cannot take: both are answered with errors.
            let allowed = name.contains("TripleMode")
                || (ns == "Alexa.InputController" && error == Some("INVALID_VALUE"))
                || ns == "Alexa.StepSpeaker";
            assert!(error.is_none() || allowed, "{name}: {response}");
            handled += 1;
        }
    }
    assert!(handled >= 30, "only {handled} samples handled");
}
