//! The custom-skill home components — `conversation`, `areas`, `scenes`, `input-helpers`
//! and `devices` — built for wasm32-wasip2, run by the real `lee` binary from a scratch
//! components directory with the manifest entries below, against the real harness Home
//! Assistant. Every check reads Home Assistant's own state (or Assist's real answer)
//! afterwards; one test per component shows that its grants are all it can use.

use std::path::PathBuf;

use lee_e2e::{ComponentsDir, HomeAssistant, Invocation, Lee, intent, serial};
use serde_json::{Value, json};

#[path = "skill_home_areas.rs"]
mod areas;
#[path = "skill_home_devices.rs"]
mod devices;
#[path = "skill_home_helpers.rs"]
mod helpers;

/// The manifest entries, exactly as they go into components/lee.toml.
pub const CONVERSATION: &str = r#"
[[component]]
id = "conversation"
file = "conversation.wasm"
version = "0.1.0"
routes = [
    "skill:LaunchRequest",
    "skill:AMAZON.HelpIntent",
    "skill:AMAZON.StopIntent",
    "skill:AMAZON.CancelIntent",
    "skill:AMAZON.NavigateHomeIntent",
    "skill:SessionEndedRequest",
    "skill:AMAZON.FallbackIntent",
    "skill:TalkToHomeAssistant",
]
[component.grants]
conversation = true
[component.limits]
memory_mib = 32
timeout_ms = 7000
"#;

pub const AREAS: &str = r#"
[[component]]
id = "areas"
file = "areas.wasm"
version = "0.1.0"
routes = ["skill:ControlArea", "skill:ListAreas"]
[component.grants]
services = [
    "light.turn_on", "light.turn_off", "light.toggle",
    "switch.turn_on", "switch.turn_off", "switch.toggle",
    "fan.turn_on", "fan.turn_off", "fan.toggle",
    "cover.open_cover", "cover.close_cover", "cover.toggle",
    "climate.turn_on", "climate.turn_off", "climate.toggle",
    "media_player.turn_on", "media_player.turn_off", "media_player.toggle",
]
read_states = true
[component.limits]
memory_mib = 32
timeout_ms = 6000
[component.config]
# Cover device classes an area command never opens (closing is always allowed).
protected_cover_classes = ["garage", "door", "gate"]
"#;

pub const SCENES: &str = r#"
[[component]]
id = "scenes"
file = "scenes.wasm"
version = "0.1.0"
routes = ["skill:ActivateScene"]
[component.grants]
services = ["scene.turn_on"]
read_states = true
[component.limits]
memory_mib = 32
timeout_ms = 5000
"#;

pub const INPUT_HELPERS: &str = r#"
[[component]]
id = "input-helpers"
file = "input-helpers.wasm"
version = "0.1.0"
routes = ["skill:SetInputHelper", "skill:GetInputHelper"]
[component.grants]
services = [
    "input_boolean.turn_on", "input_boolean.turn_off", "input_boolean.toggle",
    "input_number.set_value",
    "input_select.select_option",
    "input_text.set_value",
    "input_datetime.set_datetime",
    "input_button.press",
]
read_states = true
templates = true
[component.limits]
memory_mib = 32
timeout_ms = 5000
"#;

pub const DEVICES: &str = r#"
[[component]]
id = "devices"
file = "devices.wasm"
version = "0.1.0"
routes = ["skill:TurnOnDevice", "skill:TurnOffDevice", "skill:GetDeviceState"]
[component.grants]
services = [
    "light.turn_on", "light.turn_off", "switch.turn_on", "switch.turn_off",
    "fan.turn_on", "fan.turn_off", "input_boolean.turn_on", "input_boolean.turn_off",
    "media_player.turn_on", "media_player.turn_off", "climate.turn_on", "climate.turn_off",
    "humidifier.turn_on", "humidifier.turn_off", "siren.turn_on", "siren.turn_off",
    "remote.turn_on", "remote.turn_off", "water_heater.turn_on", "water_heater.turn_off",
    "automation.turn_on", "automation.turn_off", "cover.open_cover", "cover.close_cover",
    "valve.open_valve", "valve.close_valve", "scene.turn_on", "script.turn_on",
    "script.turn_off", "button.press", "input_button.press", "vacuum.start",
    "vacuum.return_to_base",
]
read_states = true
[component.limits]
memory_mib = 32
timeout_ms = 5000
[component.config]
protected_cover_classes = ["garage", "door", "gate"]
"#;

/// The built artifact of a component (`lee_<name>.wasm`).
pub fn wasm(id: &str) -> PathBuf {
    lee_e2e::test_component(id)
}

/// A scratch components directory holding one component with `manifest` as its entry.
pub fn with(id: &str, manifest: &str) -> (ComponentsDir, Lee) {
    let file = format!("{id}.wasm");
    let dir = ComponentsDir::new(manifest, &[(file.as_str(), wasm(id))]).expect("components dir");
    let lee = dir.lee();
    (dir, lee)
}

/// Runs `event` and checks the process succeeded.
pub fn run(lee: &Lee, event: &Value) -> Invocation {
    let run = lee.invoke(event).expect("lee invoke");
    assert_eq!(run.status, 0, "{}", run.stderr);
    run
}

/// A custom-skill request of another type (LaunchRequest, SessionEndedRequest).
fn request_of_type(kind: &str) -> Value {
    let mut event = intent("unused", &[]);
    event["request"] = json!({
        "type": kind,
        "requestId": "amzn1.echo-api.request.test",
        "timestamp": "2026-11-28T00:00:00Z",
        "locale": "en-US",
        "reason": "USER_INITIATED"
    });
    event
}

fn ends_session(run: &Invocation) -> bool {
    run.response["response"]["shouldEndSession"] == json!(true)
}

#[test]
fn conversation_launch_help_stop_fallback_and_session_end() {
    let (_dir, lee) = with("conversation", CONVERSATION);
    let launch = run(&lee, &request_of_type("LaunchRequest"));
    assert!(
        launch.speech().starts_with("Welcome home."),
        "{}",
        launch.speech()
    );
    assert!(!ends_session(&launch));
    assert!(launch.response["response"]["reprompt"].is_object());

    let help = run(&lee, &intent("AMAZON.HelpIntent", &[]));
    assert!(
        help.speech().starts_with("You can say things like"),
        "{}",
        help.speech()
    );
    assert!(!ends_session(&help));

    for stop in [
        "AMAZON.StopIntent",
        "AMAZON.CancelIntent",
        "AMAZON.NavigateHomeIntent",
    ] {
        let bye = run(&lee, &intent(stop, &[]));
        assert_eq!(bye.speech(), "Goodbye.");
        assert!(ends_session(&bye));
    }

    let fallback = run(&lee, &intent("AMAZON.FallbackIntent", &[]));
    assert!(fallback.speech().starts_with("Sorry, I didn't catch that."));
    assert!(!ends_session(&fallback));

    let ended = run(&lee, &request_of_type("SessionEndedRequest"));
    assert_eq!(ended.response, json!({"version": "1.0", "response": {}}));
    assert_eq!(
        ended.timings().expect("timings")["component"],
        "conversation"
    );
}

#[test]
fn talk_to_home_assistant_answers_from_assist_and_continues_the_conversation() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("conversation", CONVERSATION);
    let state = ha.state("light.kitchen_lights").expect("state")["state"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let first = run(
        &lee,
        &intent(
            "TalkToHomeAssistant",
            &[("Query", "what is the state of the kitchen lights")],
        ),
    );
    assert_eq!(first.speech(), format!("Kitchen lights is {state}"));
    assert!(!ends_session(&first));
    let id = first.response["sessionAttributes"]["conversation_id"]
        .as_str()
        .expect("conversation id in the session")
        .to_string();
    assert!(!id.is_empty());

    // The follow-up carries the session attributes back, as Alexa does.
    let mut follow_up = intent("TalkToHomeAssistant", &[("Query", "turn on the bed light")]);
    follow_up["session"]["new"] = json!(false);
    follow_up["session"]["attributes"] = first.response["sessionAttributes"].clone();
    ha.call_service("light", "turn_off", json!({"entity_id": "light.bed_light"}))
        .expect("bed light off");
    let second = run(&lee, &follow_up);
    assert_eq!(
        second.response["sessionAttributes"]["conversation_id"],
        json!(id)
    );
    assert!(!ends_session(&second));
    assert!(!second.speech().is_empty());
    ha.wait_for("light.bed_light", |s| s["state"] == "on")
        .expect("Assist turned it on");

    let asked = run(&lee, &intent("TalkToHomeAssistant", &[]));
    assert_eq!(asked.speech(), "What should I ask Home Assistant?");
    assert!(!ends_session(&asked));
}

#[test]
fn activate_scene_sets_its_entities() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("scenes", SCENES);
    ha.call_service(
        "light",
        "turn_on",
        json!({"entity_id": ["light.ceiling_lights", "light.living_room_rgbww_lights"], "brightness": 255}),
    )
    .expect("lights on");
    let before = ha.state("scene.relax").expect("scene")["state"].clone();
    let relax = run(
        &lee,
        &intent("ActivateScene", &[("SceneName", "the relax")]),
    );
    assert_eq!(relax.speech(), "Activated Relax.");
    ha.wait_for("light.ceiling_lights", |s| s["state"] == "off")
        .expect("ceiling off");
    ha.wait_for("light.living_room_rgbww_lights", |s| {
        s["state"] == "on" && s["attributes"]["brightness"] == json!(90)
    })
    .expect("rgbww at 90");
    ha.wait_for("scene.relax", |s| s["state"] != before)
        .expect("scene activated");

    // The scene's area qualifies its name.
    let bright = run(
        &lee,
        &intent("ActivateScene", &[("SceneName", "Living Room Bright")]),
    );
    assert_eq!(bright.speech(), "Activated Bright.");
    ha.wait_for("light.kitchen_lights", |s| {
        s["state"] == "on" && s["attributes"]["brightness"] == json!(255)
    })
    .expect("bright sets the kitchen lights");

    let unknown = run(
        &lee,
        &intent("ActivateScene", &[("SceneName", "disco inferno")]),
    );
    assert_eq!(
        unknown.speech(),
        "I couldn't find a scene called disco inferno."
    );
}

#[test]
fn scenes_granted_only_scene_turn_on_cannot_switch_lights() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    // The same component with a grant for lights instead of scenes: its scene.turn_on is
    // refused by the host before it reaches Home Assistant.
    let manifest = SCENES.replace(
        r#"services = ["scene.turn_on"]"#,
        r#"services = ["light.turn_off"]"#,
    );
    let (_dir, lee) = with("scenes", &manifest);
    ha.call_service(
        "light",
        "turn_on",
        json!({"entity_id": "light.ceiling_lights"}),
    )
    .expect("ceiling on");
    let before = ha.state("scene.relax").expect("scene")["state"].clone();
    let refused = run(&lee, &intent("ActivateScene", &[("SceneName", "relax")]));
    assert_eq!(refused.speech(), "Sorry, I'm not allowed to do that.");
    assert!(
        refused.stderr.contains("refused by its grants"),
        "{}",
        refused.stderr
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(ha.state("scene.relax").expect("scene")["state"], before);
    assert_eq!(
        ha.state("light.ceiling_lights").expect("light")["state"],
        "on"
    );
}
