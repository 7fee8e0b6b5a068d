//! `areas` end to end: ControlArea and ListAreas against the harness's real areas
//! (entities assigned directly and through their devices), checked on Home Assistant.

use lee_e2e::{HomeAssistant, intent, serial};
use serde_json::{Value, json};

use super::{AREAS, run, with};

/// Moves a demo cover with a position 10 % (about a second) and waits until it stops
/// part-open. The demo cover only writes its state while it moves, and reports
/// "opening" when told to close meanwhile; a finished move leaves a true "open".
fn settle_cover(ha: &HomeAssistant, entity_id: &str) {
    let position = ha.state(entity_id).expect("cover")["attributes"]["current_position"]
        .as_i64()
        .expect("position");
    let target = if position >= 20 {
        position - 10
    } else {
        position + 10
    };
    ha.call_service(
        "cover",
        "set_cover_position",
        json!({"entity_id": entity_id, "position": target}),
    )
    .expect("move cover");
    ha.wait_for(entity_id, |s| {
        s["state"] == "open" && s["attributes"]["current_position"] == json!(target)
    })
    .expect("cover settled part-open");
}

fn context_id(ha: &HomeAssistant, entity_id: &str) -> Value {
    ha.state(entity_id).expect("state")["context"]["id"].clone()
}

#[test]
fn control_area_off_switches_every_domain_with_one_call_each() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("areas", AREAS);
    ha.call_service(
        "light",
        "turn_on",
        json!({"entity_id": ["light.ceiling_lights", "light.living_room_rgbww_lights"]}),
    )
    .expect("lights on");
    ha.call_service(
        "switch",
        "turn_on",
        json!({"entity_id": "switch.decorative_lights"}),
    )
    .expect("switch on");
    ha.call_service(
        "fan",
        "turn_on",
        json!({"entity_id": "fan.living_room_fan"}),
    )
    .expect("fan on");
    settle_cover(ha, "cover.living_room_window");

    let off = run(
        &lee,
        &intent(
            "ControlArea",
            &[("AreaName", "the living-room"), ("Action", "off")],
        ),
    );
    assert_eq!(off.speech(), "Turned off 5 devices in the Living Room.");
    for light in ["light.ceiling_lights", "light.living_room_rgbww_lights"] {
        ha.wait_for(light, |s| s["state"] == "off")
            .expect("light off");
    }
    ha.wait_for("switch.decorative_lights", |s| s["state"] == "off")
        .expect("switch off");
    ha.wait_for("fan.living_room_fan", |s| s["state"] == "off")
        .expect("fan off");
    ha.wait_for("cover.living_room_window", |s| {
        s["state"] == "closing" || s["state"] == "closed"
    })
    .expect("window closing");

    // One service call per domain: both lights changed in the same call (one context),
    // the switch in another.
    let lights = context_id(ha, "light.ceiling_lights");
    assert_eq!(lights, context_id(ha, "light.living_room_rgbww_lights"));
    assert_ne!(lights, context_id(ha, "switch.decorative_lights"));
    let timings = off.timings().expect("timings");
    assert_eq!(timings["component"], "areas");
    // 4 service calls (light, switch, fan, cover) + at most 4 reads (states, 3 registries).
    assert!(timings["ha_calls"].as_u64().unwrap_or(99) <= 8, "{timings}");

    let again = run(
        &lee,
        &intent(
            "ControlArea",
            &[
                ("AreaName", "Living Room"),
                ("Action", "off"),
                ("DeviceType", "lights"),
            ],
        ),
    );
    assert_eq!(
        again.speech(),
        "The lights in the Living Room were already off."
    );
}

#[test]
fn device_type_filter_and_device_assigned_entities() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("areas", AREAS);
    ha.call_service(
        "light",
        "turn_off",
        json!({"entity_id": "light.kitchen_lights"}),
    )
    .expect("kitchen off");
    let window = ha.state("cover.kitchen_window").expect("window")["state"].clone();
    let on = run(
        &lee,
        &intent(
            "ControlArea",
            &[
                ("AreaName", "kitchen"),
                ("Action", "on"),
                ("DeviceType", "lights"),
            ],
        ),
    );
    assert_eq!(on.speech(), "Turned on 1 light in the Kitchen.");
    ha.wait_for("light.kitchen_lights", |s| s["state"] == "on")
        .expect("kitchen on");
    assert_eq!(
        ha.state("cover.kitchen_window").expect("window")["state"],
        window
    );

    // Toggle with a misheard area name; toggling twice restores the office lights.
    let before = ha.state("light.office_rgbw_lights").expect("office")["state"].clone();
    let flipped = if before == "on" { "off" } else { "on" };
    let toggle = run(
        &lee,
        &intent(
            "ControlArea",
            &[
                ("AreaName", "ofice"),
                ("Action", "toggle"),
                ("DeviceType", "light"),
            ],
        ),
    );
    assert_eq!(toggle.speech(), "Toggled 1 light in the Office.");
    ha.wait_for("light.office_rgbw_lights", |s| s["state"] == flipped)
        .expect("toggled");
    run(
        &lee,
        &intent(
            "ControlArea",
            &[
                ("AreaName", "office"),
                ("Action", "toggle"),
                ("DeviceType", "lights"),
            ],
        ),
    );
    ha.wait_for("light.office_rgbw_lights", |s| s["state"] == before)
        .expect("toggled back");
}

#[test]
fn hallway_on_opens_windows_but_never_the_garage_door() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("areas", AREAS);
    ha.call_service(
        "cover",
        "close_cover",
        json!({"entity_id": "cover.garage_door"}),
    )
    .expect("garage closing");
    ha.wait_for("cover.garage_door", |s| s["state"] == "closed")
        .expect("garage closed");
    settle_cover(ha, "cover.hall_window");
    ha.call_service(
        "light",
        "turn_off",
        json!({"entity_id": "light.entrance_color_white_lights"}),
    )
    .expect("entrance off");
    let on = run(
        &lee,
        &intent("ControlArea", &[("AreaName", "Hallway"), ("Action", "on")]),
    );
    // The entrance light and the part-open hall window (HA reports it changed).
    let expected = "Turned on 2 devices in the Hallway.";
    assert!(on.speech().starts_with(expected), "{}", on.speech());
    assert!(
        on.speech()
            .ends_with("I left Garage Door alone for safety."),
        "{}",
        on.speech()
    );
    ha.wait_for("light.entrance_color_white_lights", |s| s["state"] == "on")
        .expect("entrance on");
    ha.wait_for("cover.hall_window", |s| {
        s["state"] == "opening" || s["state"] == "open"
    })
    .expect("hall window opening");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        ha.state("cover.garage_door").expect("garage")["state"],
        "closed"
    );
}

#[test]
fn list_areas_unknown_areas_and_a_missing_action() {
    let (_dir, lee) = with("areas", AREAS);
    let list = run(&lee, &intent("ListAreas", &[]));
    assert_eq!(
        list.speech(),
        "Your areas are Bedroom, Hallway, Kitchen, Living Room and Office."
    );
    let unknown = run(
        &lee,
        &intent("ControlArea", &[("AreaName", "garage"), ("Action", "off")]),
    );
    assert_eq!(unknown.speech(), "I couldn't find an area called garage.");
    let kind = run(
        &lee,
        &intent(
            "ControlArea",
            &[
                ("AreaName", "kitchen"),
                ("Action", "off"),
                ("DeviceType", "robots"),
            ],
        ),
    );
    assert!(
        kind.speech()
            .starts_with("I don't know the device type robots.")
    );

    // No action: the skill asks and remembers the area for the answer.
    let asked = run(&lee, &intent("ControlArea", &[("AreaName", "bed room")]));
    assert_eq!(asked.speech(), "Should I turn the Bedroom on or off?");
    assert_eq!(asked.response["response"]["shouldEndSession"], false);
    assert_eq!(asked.response["sessionAttributes"]["areas_area"], "Bedroom");

    let _guard = serial();
    let ha = HomeAssistant::get();
    ha.call_service("light", "turn_on", json!({"entity_id": "light.bed_light"}))
        .expect("bed light on");
    let mut answer = intent("ControlArea", &[("Action", "off")]);
    answer["session"]["attributes"] = asked.response["sessionAttributes"].clone();
    let done = run(&lee, &answer);
    assert_eq!(done.speech(), "Turned off 1 device in the Bedroom.");
    ha.wait_for("light.bed_light", |s| s["state"] == "off")
        .expect("bed light off");
}

#[test]
fn areas_granted_only_lights_cannot_switch_the_switch() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let manifest = AREAS.replace(
        r#"    "switch.turn_on", "switch.turn_off", "switch.toggle","#,
        "",
    );
    assert!(
        !manifest.contains("switch."),
        "the scratch grants still name switch"
    );
    let (_dir, lee) = with("areas", &manifest);
    ha.call_service(
        "light",
        "turn_on",
        json!({"entity_id": "light.ceiling_lights"}),
    )
    .expect("ceiling on");
    ha.call_service(
        "switch",
        "turn_on",
        json!({"entity_id": "switch.decorative_lights"}),
    )
    .expect("switch on");
    let off = run(
        &lee,
        &intent(
            "ControlArea",
            &[
                ("AreaName", "Living Room"),
                ("Action", "off"),
                ("DeviceType", "switches"),
            ],
        ),
    );
    assert_eq!(off.speech(), "I'm not allowed to control the switches.");
    assert!(
        off.stderr.contains("refused by its grants"),
        "{}",
        off.stderr
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        ha.state("switch.decorative_lights").expect("switch")["state"],
        "on"
    );

    // The granted lights in the same area still work.
    let lights = run(
        &lee,
        &intent(
            "ControlArea",
            &[
                ("AreaName", "Living Room"),
                ("Action", "off"),
                ("DeviceType", "lights"),
            ],
        ),
    );
    assert!(
        lights.speech().starts_with("Turned off"),
        "{}",
        lights.speech()
    );
    ha.wait_for("light.ceiling_lights", |s| s["state"] == "off")
        .expect("ceiling off");
}
