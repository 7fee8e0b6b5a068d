//! The `scripts` and `automations` components from `dist/`, run by the real `lee`
//! binary against the real harness Home Assistant; every check reads Home Assistant's
//! own state afterwards.

use lee_e2e::{HomeAssistant, Lee, intent, serial};
use serde_json::{Value, json};

fn last_triggered(ha: &HomeAssistant, entity_id: &str) -> Value {
    ha.state(entity_id).expect("state")["attributes"]["last_triggered"].clone()
}

#[test]
fn run_script_by_spoken_name_runs_it() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let before = last_triggered(ha, "script.good_night");
    let run = Lee::dist()
        .invoke(&intent("RunScript", &[("ScriptName", "good night")]))
        .unwrap();
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.speech(), "Running Good Night.");
    ha.wait_for("script.good_night", |s| {
        s["attributes"]["last_triggered"] != before
    })
    .unwrap();
    ha.wait_for("input_select.house_mode", |s| s["state"] == "Night")
        .unwrap();
    let timings = run.timings().expect("timings line");
    assert_eq!(timings["component"], "scripts");
    assert!(timings["ha_calls"].as_u64().unwrap() >= 2, "{timings}");
}

#[test]
fn run_script_passes_slots_as_variables() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let run = Lee::dist()
        .invoke(&intent(
            "RunScript",
            &[("ScriptName", "Movie Time"), ("Brightness", "37")],
        ))
        .unwrap();
    assert_eq!(run.speech(), "Running Movie Time.");
    ha.wait_for("light.living_room_rgbww_lights", |s| {
        s["state"] == "on" && s["attributes"]["brightness"] == json!(37)
    })
    .unwrap();

    let run = Lee::dist()
        .invoke(&intent(
            "RunScript",
            &[("ScriptName", "set mode"), ("Mode", "Away")],
        ))
        .unwrap();
    assert_eq!(run.speech(), "Running Set Mode.");
    ha.wait_for("input_select.house_mode", |s| s["state"] == "Away")
        .unwrap();
}

#[test]
fn fuzzy_names_resolve_and_unknown_names_change_nothing() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let before = last_triggered(ha, "script.morning_routine");
    let run = Lee::dist()
        .invoke(&intent(
            "RunScript",
            &[("ScriptName", "the mornin routine")],
        ))
        .unwrap();
    assert_eq!(run.speech(), "Running Morning Routine.");
    ha.wait_for("script.morning_routine", |s| {
        s["attributes"]["last_triggered"] != before
    })
    .unwrap();

    let scripts_before: Vec<Value> = ha
        .states()
        .unwrap()
        .into_iter()
        .filter(|s| s["entity_id"].as_str().unwrap_or("").starts_with("script."))
        .map(|s| s["attributes"]["last_triggered"].clone())
        .collect();
    let run = Lee::dist()
        .invoke(&intent(
            "RunScript",
            &[("ScriptName", "launch the rockets")],
        ))
        .unwrap();
    assert_eq!(
        run.speech(),
        "I couldn't find a script called launch the rockets."
    );
    let scripts_after: Vec<Value> = ha
        .states()
        .unwrap()
        .into_iter()
        .filter(|s| s["entity_id"].as_str().unwrap_or("").starts_with("script."))
        .map(|s| s["attributes"]["last_triggered"].clone())
        .collect();
    assert_eq!(scripts_before, scripts_after);
}

#[test]
fn missing_script_name_asks_and_keeps_the_session_open() {
    let run = Lee::dist().invoke(&intent("RunScript", &[])).unwrap();
    assert_eq!(run.speech(), "Which script should I run?");
    assert_eq!(run.response["response"]["shouldEndSession"], false);
}

#[test]
fn trigger_automation_runs_its_actions() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    ha.call_service(
        "input_text",
        "set_value",
        json!({"entity_id": "input_text.welcome_message", "value": "nobody"}),
    )
    .unwrap();
    let before = last_triggered(ha, "automation.welcome_home");
    let run = Lee::dist()
        .invoke(&intent(
            "TriggerAutomation",
            &[("AutomationName", "welcome home")],
        ))
        .unwrap();
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.speech().starts_with("Triggered Welcome Home."),
        "{}",
        run.speech()
    );
    ha.wait_for("automation.welcome_home", |s| {
        s["attributes"]["last_triggered"] != before
    })
    .unwrap();
    ha.wait_for("input_text.welcome_message", |s| {
        s["state"] == "Welcome, guest"
    })
    .unwrap();
}

#[test]
fn disable_enable_and_list_automations() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let lee = Lee::dist();
    let run = lee
        .invoke(&intent(
            "DisableAutomation",
            &[("AutomationName", "Night Lights")],
        ))
        .unwrap();
    assert_eq!(run.speech(), "Night Lights is disabled.");
    ha.wait_for("automation.night_lights", |s| s["state"] == "off")
        .unwrap();

    let list = lee.invoke(&intent("ListAutomations", &[])).unwrap();
    assert!(list.speech().contains("Welcome Home"), "{}", list.speech());
    assert!(
        list.speech().contains("Night Lights is disabled."),
        "{}",
        list.speech()
    );

    let run = lee
        .invoke(&intent(
            "EnableAutomation",
            &[("AutomationName", "night lights")],
        ))
        .unwrap();
    assert_eq!(run.speech(), "Night Lights is enabled.");
    ha.wait_for("automation.night_lights", |s| s["state"] == "on")
        .unwrap();
}

#[test]
fn unrouted_intent_gets_a_spoken_answer() {
    let run = Lee::dist().invoke(&intent("OrderPizza", &[])).unwrap();
    assert_eq!(run.status, 0);
    assert_eq!(run.speech(), "Sorry, I can't do that yet.");
}
