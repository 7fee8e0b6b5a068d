use super::*;
use crate::test_support::{find, st};
use serde_json::json;

fn interfaces(id: &str) -> Vec<String> {
    let d = device(&find(id), &Ctx::default()).expect("exposed");
    d.caps
        .iter()
        .map(|c| match c.instance() {
            Some(i) => format!("{}:{i}", c.interface()),
            None => c.interface().to_string(),
        })
        .collect()
}

#[test]
fn lights_get_the_controllers_their_colour_modes_allow() {
    let caps = interfaces("light.kitchen_lights");
    for i in [
        "Alexa.PowerController",
        "Alexa.BrightnessController",
        "Alexa.ColorController",
        "Alexa.ColorTemperatureController",
        "Alexa.EndpointHealth",
        "Alexa",
    ] {
        assert!(caps.contains(&i.to_string()), "{i} in {caps:?}");
    }
    let onoff = st("light.x", "on", json!({"supported_color_modes": ["onoff"]}));
    let d = device(&onoff, &Ctx::default()).expect("light");
    assert_eq!(d.caps.len(), 3);
}

#[test]
fn categories_follow_device_classes() {
    let cat = |id: &str| {
        device(&find(id), &Ctx::default())
            .expect("exposed")
            .categories
    };
    assert_eq!(cat("switch.ac"), vec!["SMARTPLUG"]);
    assert_eq!(cat("cover.garage_door"), vec!["GARAGE_DOOR"]);
    assert_eq!(cat("scene.relax"), vec!["SCENE_TRIGGER"]);
    assert_eq!(cat("script.good_night"), vec!["ACTIVITY_TRIGGER"]);
    assert_eq!(cat("media_player.lounge_room"), vec!["TV"]);
    assert_eq!(cat("binary_sensor.front_door"), vec!["CONTACT_SENSOR"]);
    assert_eq!(cat("event.doorbell"), vec!["DOORBELL"]);
    for s in crate::test_support::demo_home() {
        if let Some(d) = device(&s, &Ctx::default()) {
            assert!(
                d.categories.iter().all(|c| CATEGORIES.contains(c)),
                "{}",
                s.entity_id
            );
            assert!(DOMAINS.contains(&s.domain()), "{}", s.entity_id);
        }
    }
}

#[test]
fn covers_use_range_or_mode_and_garages_have_no_power() {
    let window = interfaces("cover.living_room_window");
    assert!(window.contains(&"Alexa.RangeController:cover.position".to_string()));
    assert!(window.contains(&"Alexa.RangeController:cover.tilt".to_string()));
    assert!(window.contains(&"Alexa.PlaybackController:cover.stop".to_string()));
    let kitchen = interfaces("cover.kitchen_window");
    assert!(kitchen.contains(&"Alexa.ModeController:cover.position".to_string()));
    let garage = interfaces("cover.garage_door");
    assert!(!garage.contains(&"Alexa.PowerController".to_string()));
}

#[test]
fn thermostat_modes_and_setpoints() {
    let d = device(&find("climate.ecobee"), &Ctx::default()).expect("climate");
    let Some(Cap::Thermostat(t)) = d.cap("Alexa.ThermostatController", None) else {
        panic!("no thermostat")
    };
    assert_eq!(t.modes, vec!["OFF", "COOL", "AUTO", "ECO"]);
    assert!(t.dual && !t.single);
    assert!(d.has("Alexa.PowerController"));
    let heater = interfaces("water_heater.demo_water_heater");
    assert!(heater.contains(&"Alexa.ModeController:water_heater.operation_mode".to_string()));
    assert!(heater.contains(&"Alexa.TemperatureSensor".to_string()));
}

#[test]
fn fans_media_and_helpers() {
    let fan = interfaces("fan.living_room_fan");
    for i in [
        "Alexa.RangeController:fan.percentage",
        "Alexa.ModeController:fan.preset_mode",
        "Alexa.ModeController:fan.direction",
        "Alexa.ToggleController:fan.oscillating",
        "Alexa.PercentageController",
    ] {
        assert!(fan.contains(&i.to_string()), "{i}");
    }
    // An on/off fan still gets a (0/100) range so Alexa treats it as a fan.
    assert!(
        interfaces("fan.ceiling_fan").contains(&"Alexa.RangeController:fan.percentage".to_string())
    );
    let tv = interfaces("media_player.living_room");
    for i in [
        "Alexa.Speaker",
        "Alexa.PlaybackController",
        "Alexa.SeekController",
        "Alexa.ChannelController",
    ] {
        assert!(tv.contains(&i.to_string()), "{i}");
    }
    assert!(interfaces("media_player.lounge_room").contains(&"Alexa.InputController".to_string()));
    assert!(
        interfaces("input_select.house_mode")
            .contains(&"Alexa.ModeController:input_select.option".to_string())
    );
    assert!(interfaces("select.speed").contains(&"Alexa.ModeController:select.option".to_string()));
    assert!(interfaces("timer.laundry").contains(&"Alexa.TimeHoldController".to_string()));
    assert!(
        interfaces("vacuum.0_ground_floor")
            .contains(&"Alexa.RangeController:vacuum.fan_speed".to_string())
    );
}

#[test]
fn unsupported_entities_are_not_devices() {
    for id in ["sensor.outside_humidity", "sun.sun"] {
        assert!(device(&find(id), &Ctx::default()).is_none(), "{id}");
    }
    let text_code = st(
        "alarm_control_panel.x",
        "disarmed",
        json!({"code_format": "text"}),
    );
    assert!(device(&text_code, &Ctx::default()).is_none());
    let empty_select = st("input_select.x", "a", json!({"options": []}));
    assert!(device(&empty_select, &Ctx::default()).is_none());
}

#[test]
fn what_home_assistant_offers_for_routines_is_offered_too() {
    let has = |id: &str, interface: &str| interfaces(id).contains(&interface.to_string());
    // A moisture sensor (a class Alexa has no sensor for) is a contact sensor, as are
    // switches and input_booleans; buttons detect a press; covers stop.
    assert!(has(
        "binary_sensor.basement_floor_wet",
        "Alexa.ContactSensor"
    ));
    assert_eq!(
        device(&find("binary_sensor.basement_floor_wet"), &Ctx::default()).map(|d| d.categories),
        Some(vec!["CONTACT_SENSOR"])
    );
    assert!(has(
        "input_button.doorbell_test",
        "Alexa.EventDetectionSensor"
    ));
    assert!(has("input_button.doorbell_test", "Alexa.SceneController"));
    let switch = st("switch.x", "on", json!({}));
    let caps: Vec<&str> = device(&switch, &Ctx::default())
        .map(|d| d.caps.iter().map(|c| c.interface()).collect())
        .unwrap_or_default();
    assert!(caps.contains(&"Alexa.ContactSensor"), "{caps:?}");
    let presence = st("binary_sensor.p", "on", json!({"device_class": "presence"}));
    let caps: Vec<&str> = device(&presence, &Ctx::default())
        .map(|d| d.caps.iter().map(|c| c.interface()).collect())
        .unwrap_or_default();
    assert!(caps.contains(&"Alexa.EventDetectionSensor"), "{caps:?}");
    let button_event = st("event.remote", "unknown", json!({"device_class": "button"}));
    let caps: Vec<&str> = device(&button_event, &Ctx::default())
        .map(|d| d.caps.iter().map(|c| c.interface()).collect())
        .unwrap_or_default();
    assert!(caps.contains(&"Alexa.EventDetectionSensor"), "{caps:?}");
}
