//! Unit tests of `SetInputHelper` decisions against helpers shaped like the harness's.

use lee_sdk::ha::State;
use lee_sdk::locale::{Phrases, phrases};
use serde_json::{Value, json};

use crate::setting::{Plan, fits_pattern, plan_set};
use crate::speech::EN_US;

/// The shared phrases of en-US.
fn en() -> &'static Phrases {
    phrases("en-US")
}

fn helper(entity_id: &str, name: &str, state: &str, attributes: Value) -> State {
    let mut attributes = attributes;
    attributes["friendly_name"] = json!(name);
    State::new(entity_id, state, attributes)
}

fn humidity() -> State {
    helper(
        "input_number.target_humidity",
        "Target Humidity",
        "45.0",
        json!({"min": 30.0, "max": 70.0, "step": 5.0, "unit_of_measurement": "%"}),
    )
}

fn house_mode() -> State {
    helper(
        "input_select.house_mode",
        "House Mode",
        "Home",
        json!({"options": ["Home", "Away", "Night"]}),
    )
}

fn door_code() -> State {
    helper(
        "input_text.door_code",
        "Door Code",
        "1234",
        json!({"min": 4, "max": 8, "pattern": "[0-9]*", "mode": "password"}),
    )
}

fn alarm() -> State {
    helper(
        "input_datetime.alarm_time",
        "Alarm Time",
        "07:00:00",
        json!({"has_date": false, "has_time": true}),
    )
}

fn call(service: &'static str, data: Value, text: &str) -> Plan {
    Plan::Call {
        service,
        data,
        text: text.into(),
    }
}

fn reply(text: &str) -> Plan {
    Plan::Reply {
        text: text.into(),
        ask: false,
    }
}

#[test]
fn booleans() {
    let guest = helper("input_boolean.guest_mode", "Guest Mode", "off", json!({}));
    assert_eq!(
        plan_set(&EN_US, en(), &guest, Some("On")),
        call(
            "turn_on",
            json!({"entity_id": "input_boolean.guest_mode"}),
            "Guest Mode is now on."
        )
    );
    assert_eq!(
        plan_set(&EN_US, en(), &guest, Some("disable")),
        call(
            "turn_off",
            json!({"entity_id": "input_boolean.guest_mode"}),
            "Guest Mode is now off."
        )
    );
    assert_eq!(
        plan_set(&EN_US, en(), &guest, Some("toggle")),
        call(
            "toggle",
            json!({"entity_id": "input_boolean.guest_mode"}),
            "Toggled Guest Mode. It is now on."
        )
    );
    assert_eq!(
        plan_set(&EN_US, en(), &guest, Some("purple")),
        reply("Guest Mode can only be turned on or off.")
    );
    assert_eq!(
        plan_set(&EN_US, en(), &guest, None),
        Plan::Reply {
            text: "Should I turn Guest Mode on or off?".into(),
            ask: true
        }
    );
}

#[test]
fn numbers_check_range_and_step() {
    assert_eq!(
        plan_set(&EN_US, en(), &humidity(), Some("55 percent")),
        call(
            "set_value",
            json!({"entity_id": "input_number.target_humidity", "value": 55.0}),
            "Target Humidity is set to 55 percent."
        )
    );
    assert_eq!(
        plan_set(&EN_US, en(), &humidity(), Some("80")),
        reply("Target Humidity goes from 30 to 70 percent.")
    );
    assert_eq!(
        plan_set(&EN_US, en(), &humidity(), Some("47")),
        reply("Target Humidity moves in steps of 5. Try 45 or 50.")
    );
    assert_eq!(
        plan_set(&EN_US, en(), &humidity(), Some("lots")),
        reply("lots is not a number I can set Target Humidity to.")
    );
    let decimal = helper(
        "input_number.x",
        "X",
        "0",
        json!({"min": 0, "max": 1, "step": 0.1}),
    );
    assert!(matches!(
        plan_set(&EN_US, en(), &decimal, Some("0.3")),
        Plan::Call { .. }
    ));
}

#[test]
fn selects_match_options_fuzzily() {
    assert_eq!(
        plan_set(&EN_US, en(), &house_mode(), Some("away")),
        call(
            "select_option",
            json!({"entity_id": "input_select.house_mode", "option": "Away"}),
            "House Mode is set to Away."
        )
    );
    assert_eq!(
        plan_set(&EN_US, en(), &house_mode(), Some("nite")),
        reply("House Mode can be Home, Away or Night.")
    );
    assert!(matches!(
        plan_set(&EN_US, en(), &house_mode(), Some("the night")),
        Plan::Call { .. }
    ));
    assert_eq!(
        plan_set(&EN_US, en(), &house_mode(), Some("vacation")),
        reply("House Mode can be Home, Away or Night.")
    );
    let scenes = helper(
        "input_select.s",
        "S",
        "A",
        json!({"options": ["Movie Night Up", "Movie Night Down"]}),
    );
    assert!(matches!(
        plan_set(&EN_US, en(), &scenes, Some("movie night")),
        Plan::Reply { ask: true, .. }
    ));
}

#[test]
fn texts_check_length_and_pattern() {
    assert_eq!(
        plan_set(&EN_US, en(), &door_code(), Some("4 3 2 1")),
        call(
            "set_value",
            json!({"entity_id": "input_text.door_code", "value": "4321"}),
            "Door Code is updated."
        )
    );
    assert_eq!(
        plan_set(&EN_US, en(), &door_code(), Some("12ab")),
        reply("That doesn't fit the format Door Code expects.")
    );
    assert_eq!(
        plan_set(&EN_US, en(), &door_code(), Some("123")),
        reply("Door Code takes between 4 and 8 characters.")
    );
    let welcome = helper(
        "input_text.welcome_message",
        "Welcome Message",
        "",
        json!({"min": 0, "max": 40, "pattern": null}),
    );
    assert_eq!(
        plan_set(&EN_US, en(), &welcome, Some("Hello there")),
        call(
            "set_value",
            json!({"entity_id": "input_text.welcome_message", "value": "Hello there"}),
            "Welcome Message is set to Hello there."
        )
    );
    assert!(matches!(
        plan_set(&EN_US, en(), &welcome, Some(&"x".repeat(41))),
        Plan::Reply { ask: false, .. }
    ));
    assert!(fits_pattern("[0-9]*", "") && !fits_pattern("[0-9]*", "1a"));
    assert!(fits_pattern("\\d{4}", "1234"));
    assert!(fits_pattern("([", "anything"));
}

#[test]
fn datetimes_fit_what_the_helper_holds() {
    assert_eq!(
        plan_set(&EN_US, en(), &alarm(), Some("6:30 am")),
        call(
            "set_datetime",
            json!({"entity_id": "input_datetime.alarm_time", "time": "06:30:00"}),
            "Alarm Time is set to 6:30 AM."
        )
    );
    assert_eq!(
        plan_set(&EN_US, en(), &alarm(), Some("2026-12-24")),
        reply("Alarm Time only holds a time.")
    );
    assert_eq!(
        plan_set(&EN_US, en(), &alarm(), Some("tomorrowish")),
        reply("I didn't understand tomorrowish as a time or a date.")
    );
    let trip = helper(
        "input_datetime.trip",
        "Trip",
        "2026-01-01 00:00:00",
        json!({"has_date": true, "has_time": true}),
    );
    assert_eq!(
        plan_set(&EN_US, en(), &trip, Some("2026-12-24T18:00")),
        call(
            "set_datetime",
            json!({"entity_id": "input_datetime.trip", "datetime": "2026-12-24 18:00:00"}),
            "Trip is set to December 24, 2026 at 6 PM."
        )
    );
    let day = helper(
        "input_datetime.day",
        "Day",
        "2026-01-01",
        json!({"has_date": true, "has_time": false}),
    );
    assert_eq!(
        plan_set(&EN_US, en(), &day, Some("18:00")),
        reply("Day only holds a date.")
    );
}

#[test]
fn buttons_press_and_unavailable_helpers_refuse() {
    let button = helper(
        "input_button.doorbell_test",
        "Doorbell Test",
        "unknown",
        json!({}),
    );
    assert_eq!(
        plan_set(&EN_US, en(), &button, None),
        call(
            "press",
            json!({"entity_id": "input_button.doorbell_test"}),
            "Pressed Doorbell Test."
        )
    );
    let gone = helper("input_number.gone", "Gone", "unavailable", json!({}));
    assert_eq!(
        plan_set(&EN_US, en(), &gone, Some("3")),
        reply("Gone is unavailable right now.")
    );
}
