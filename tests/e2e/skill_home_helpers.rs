//! `input-helpers` end to end: SetInputHelper and GetInputHelper on the harness's real
//! helpers, with Home Assistant's state checked after every change.

use lee_e2e::{HomeAssistant, Lee, intent, serial};
use serde_json::json;

use super::{INPUT_HELPERS, run, with};

fn set(lee: &Lee, name: &str, value: &str) -> String {
    run(
        lee,
        &intent(
            "SetInputHelper",
            &[("HelperName", name), ("HelperValue", value)],
        ),
    )
    .speech()
}

fn get(lee: &Lee, name: &str) -> String {
    run(lee, &intent("GetInputHelper", &[("HelperName", name)])).speech()
}

fn state(ha: &HomeAssistant, entity_id: &str) -> String {
    ha.state(entity_id).expect("state")["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn booleans_and_numbers() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("input-helpers", INPUT_HELPERS);
    assert_eq!(set(&lee, "vacation mode", "on"), "Vacation Mode is now on.");
    ha.wait_for("input_boolean.vacation_mode", |s| s["state"] == "on")
        .expect("on");
    assert_eq!(get(&lee, "Vacation-Mode"), "Vacation Mode is on.");
    assert_eq!(
        set(&lee, "vacation mode", "off"),
        "Vacation Mode is now off."
    );
    ha.wait_for("input_boolean.vacation_mode", |s| s["state"] == "off")
        .expect("off");

    assert_eq!(
        set(&lee, "target humidity", "55"),
        "Target Humidity is set to 55 percent."
    );
    ha.wait_for("input_number.target_humidity", |s| s["state"] == "55.0")
        .expect("55");
    assert_eq!(
        set(&lee, "target humidity", "47"),
        "Target Humidity moves in steps of 5. Try 45 or 50."
    );
    assert_eq!(
        set(&lee, "target humidity", "80"),
        "Target Humidity goes from 30 to 70 percent."
    );
    assert_eq!(state(ha, "input_number.target_humidity"), "55.0");
    assert_eq!(
        get(&lee, "humidity target"),
        "Target Humidity is 55 percent."
    );
    assert_eq!(
        set(&lee, "target humidity", "45"),
        "Target Humidity is set to 45 percent."
    );
}

#[test]
fn selects_and_texts() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("input-helpers", INPUT_HELPERS);
    assert_eq!(
        set(&lee, "house mode", "away"),
        "House Mode is set to Away."
    );
    ha.wait_for("input_select.house_mode", |s| s["state"] == "Away")
        .expect("Away");
    assert_eq!(
        set(&lee, "house mode", "vacation"),
        "House Mode can be Home, Away or Night."
    );
    assert_eq!(state(ha, "input_select.house_mode"), "Away");
    assert_eq!(get(&lee, "house mode"), "House Mode is Away.");
    assert_eq!(
        set(&lee, "house mode", "Home"),
        "House Mode is set to Home."
    );
    ha.wait_for("input_select.house_mode", |s| s["state"] == "Home")
        .expect("Home");

    assert_eq!(
        set(&lee, "welcome message", "Hello from lee"),
        "Welcome Message is set to Hello from lee."
    );
    ha.wait_for("input_text.welcome_message", |s| {
        s["state"] == "Hello from lee"
    })
    .expect("text");
    assert_eq!(
        set(&lee, "welcome message", &"x".repeat(41)),
        "Welcome Message takes between 0 and 40 characters."
    );
    assert_eq!(state(ha, "input_text.welcome_message"), "Hello from lee");

    assert_eq!(set(&lee, "door code", "4 3 2 1"), "Door Code is updated.");
    ha.wait_for("input_text.door_code", |s| s["state"] == "4321")
        .expect("code");
    assert_eq!(
        set(&lee, "door code", "12ab"),
        "That doesn't fit the format Door Code expects."
    );
    assert_eq!(
        set(&lee, "door code", "123"),
        "Door Code takes between 4 and 8 characters."
    );
    assert_eq!(state(ha, "input_text.door_code"), "4321");
    let said = get(&lee, "door code");
    assert_eq!(said, "Door Code is set, but I won't read it out loud.");
    assert_eq!(set(&lee, "door code", "1234"), "Door Code is updated.");
}

#[test]
fn datetimes_and_buttons() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("input-helpers", INPUT_HELPERS);
    assert_eq!(
        set(&lee, "alarm time", "6:30 am"),
        "Alarm Time is set to 6:30 AM."
    );
    ha.wait_for("input_datetime.alarm_time", |s| s["state"] == "06:30:00")
        .expect("06:30");
    assert_eq!(get(&lee, "bedroom alarm time"), "Alarm Time is 6:30 AM.");
    assert_eq!(
        set(&lee, "alarm time", "2026-12-24"),
        "Alarm Time only holds a time."
    );
    assert_eq!(
        set(&lee, "alarm time", "07:00"),
        "Alarm Time is set to 7 AM."
    );
    ha.wait_for("input_datetime.alarm_time", |s| s["state"] == "07:00:00")
        .expect("07:00");

    let presses: f64 = state(ha, "counter.doorbell_presses")
        .parse()
        .expect("count");
    let pressed = run(
        &lee,
        &intent("SetInputHelper", &[("HelperName", "doorbell test")]),
    );
    assert_eq!(pressed.speech(), "Pressed Doorbell Test.");
    // The harness automation counts presses: the press really happened.
    ha.wait_for("counter.doorbell_presses", |s| {
        s["state"].as_str().and_then(|v| v.parse::<f64>().ok()) == Some(presses + 1.0)
    })
    .expect("counted");
    let last = get(&lee, "doorbell test");
    assert!(
        last.starts_with("Doorbell Test was last pressed on "),
        "{last}"
    );
}

#[test]
fn unknown_and_missing_names() {
    let (_dir, lee) = with("input-helpers", INPUT_HELPERS);
    assert_eq!(
        get(&lee, "warp drive"),
        "I couldn't find a helper called warp drive."
    );
    let asked = run(
        &lee,
        &intent("SetInputHelper", &[("HelperName", "house mode")]),
    );
    assert_eq!(asked.speech(), "What should I set House Mode to?");
    assert_eq!(asked.response["response"]["shouldEndSession"], false);
    assert_eq!(
        asked.response["sessionAttributes"]["input_helper"],
        json!("input_select.house_mode")
    );
    let which = run(&lee, &intent("GetInputHelper", &[]));
    assert_eq!(which.speech(), "Which helper?");
}
