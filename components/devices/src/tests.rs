//! Unit tests of the `devices` name resolution and on/off decisions, on entities shaped
//! like the harness Home Assistant's.

use lee_sdk::areas::Directory;
use lee_sdk::ha::State;
use lee_sdk::locale::phrases;
use lee_sdk::resolve::Lookup;
use serde_json::{Value, json};

use crate::control::{self, Plan, Verb};
use crate::speech::EN_US;
use crate::{DEFAULT_PROTECTED_COVERS, find};

fn entity(entity_id: &str, name: &str, state: &str, attributes: Value) -> State {
    let mut attributes = attributes;
    attributes["friendly_name"] = json!(name);
    State::new(entity_id, state, attributes)
}

fn states() -> Vec<State> {
    vec![
        entity("light.bed_light", "Bed Light", "off", json!({})),
        entity("light.ceiling_lights", "Ceiling Lights", "on", json!({})),
        entity(
            "light.living_room_rgbww_lights",
            "Living Room RGBWW Lights",
            "on",
            json!({}),
        ),
        entity(
            "light.office_rgbw_lights",
            "Office RGBW Lights",
            "on",
            json!({}),
        ),
        entity("switch.ac", "AC", "off", json!({})),
        entity("climate.ecobee", "Ecobee", "heat_cool", json!({})),
        entity(
            "cover.garage_door",
            "Garage Door",
            "closed",
            json!({"device_class": "garage"}),
        ),
        entity("cover.kitchen_window", "Kitchen Window", "open", json!({})),
        entity("lock.front_door", "Front Door", "locked", json!({})),
        entity(
            "sensor.outside_temperature",
            "Outside Temperature",
            "15.6",
            json!({}),
        ),
        entity("media_player.kitchen", "Kitchen", "playing", json!({})),
        entity("scene.relax", "Relax", "unknown", json!({})),
        entity("scene.bright", "Bright", "unknown", json!({})),
    ]
}

fn directory() -> Directory {
    let areas = [
        json!({"area_id": "living_room", "name": "Living Room", "aliases": ["Lounge"]}),
        json!({"area_id": "bedroom", "name": "Bedroom", "aliases": []}),
        json!({"area_id": "office", "name": "Office", "aliases": []}),
        json!({"area_id": "kitchen", "name": "Kitchen", "aliases": []}),
    ];
    let devices = [json!({"id": "d_bed", "area_id": "bedroom"})];
    let entities = [
        json!({"entity_id": "light.bed_light", "device_id": "d_bed"}),
        json!({"entity_id": "light.ceiling_lights", "area_id": "living_room"}),
        json!({"entity_id": "light.living_room_rgbww_lights", "area_id": "living_room"}),
        json!({"entity_id": "light.office_rgbw_lights", "area_id": "office"}),
        json!({"entity_id": "switch.ac", "area_id": "office", "aliases": ["air con"]}),
        json!({"entity_id": "climate.ecobee", "area_id": "office"}),
        json!({"entity_id": "scene.bright", "area_id": "living_room"}),
        json!({"entity_id": "cover.kitchen_window", "area_id": "kitchen"}),
    ];
    Directory::from_registries(&areas, &devices, &entities)
}

fn found(spoken: &str, switch: Option<bool>) -> String {
    match find(&EN_US, &directory(), spoken, states(), switch) {
        Lookup::Found(s) => s.entity_id,
        Lookup::Ambiguous(list) => format!(
            "ambiguous: {}",
            list.iter()
                .map(|s| s.entity_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Lookup::NotFound => "not found".into(),
    }
}

#[test]
fn names_resolve_the_way_people_speak() {
    assert_eq!(found("bed light", Some(true)), "light.bed_light");
    assert_eq!(found("The Bed-Light!", Some(true)), "light.bed_light");
    assert_eq!(found("bedroom light", Some(true)), "light.bed_light");
    assert_eq!(
        found("office light", Some(true)),
        "light.office_rgbw_lights"
    );
    // The switch really called AC wins over the Office thermostat's generic noun "ac".
    assert_eq!(found("office ac", Some(true)), "switch.ac");
    assert_eq!(found("office thermostat", Some(true)), "climate.ecobee");
    assert_eq!(found("air con", Some(true)), "switch.ac");
    assert_eq!(found("ceiling light", Some(true)), "light.ceiling_lights");
    assert_eq!(found("seiling lights", Some(true)), "light.ceiling_lights");
    assert_eq!(found("kitchen", Some(true)), "media_player.kitchen");
    assert_eq!(
        found("outside temperature", None),
        "sensor.outside_temperature"
    );
    // Sensors cannot be switched, so they are not candidates for on/off.
    assert_eq!(found("outside temperature", Some(true)), "not found");
    assert_eq!(found("spaceship", Some(true)), "not found");
}

#[test]
fn equally_close_names_are_asked_about() {
    assert_eq!(
        found("living room light", Some(true)),
        "ambiguous: light.ceiling_lights, light.living_room_rgbww_lights"
    );
    // "Living Room Bright" (a scene) is one letter off, but area-qualified names must
    // match nearly exactly; and a scene cannot be turned off at all.
    assert_eq!(
        found("living room light", Some(false)),
        "ambiguous: light.ceiling_lights, light.living_room_rgbww_lights"
    );
    assert_eq!(found("living room bright", Some(true)), "scene.bright");
    assert_eq!(found("living room bright", Some(false)), "not found");
    assert_eq!(
        found("lounge lights", Some(true)),
        "ambiguous: light.ceiling_lights, light.living_room_rgbww_lights"
    );
}

fn plan(entity_id: &str, on: bool) -> Plan {
    let entity = states()
        .into_iter()
        .find(|s| s.entity_id == entity_id)
        .expect("entity");
    let protected: Vec<String> = DEFAULT_PROTECTED_COVERS
        .iter()
        .map(|c| c.to_string())
        .collect();
    control::plan_switch(&EN_US, phrases("en-US"), &entity, on, &protected)
}

#[test]
fn switching_picks_the_domain_service() {
    assert_eq!(
        plan("light.bed_light", true),
        Plan::Call {
            domain: "light".into(),
            service: "turn_on",
            data: json!({"entity_id": "light.bed_light"}),
            text: "Turned on Bed Light.".into()
        }
    );
    assert!(matches!(
        plan("cover.kitchen_window", false),
        Plan::Call { service: "close_cover", ref text, .. } if text == "Closing Kitchen Window."
    ));
    assert!(matches!(
        plan("scene.relax", true),
        Plan::Call {
            service: "turn_on",
            ..
        }
    ));
    assert_eq!(
        plan("scene.relax", false),
        Plan::Reply("Relax can't be turned off.".into())
    );
    assert_eq!(
        plan("lock.front_door", false),
        Plan::Reply("Front Door can't be turned off.".into())
    );
    assert_eq!(
        plan("cover.garage_door", true),
        Plan::Reply("For safety, I can't open Garage Door by voice.".into())
    );
    assert!(matches!(
        plan("cover.garage_door", false),
        Plan::Call {
            service: "close_cover",
            ..
        }
    ));
    assert_eq!(
        control::service_for("vacuum", false),
        Some(("return_to_base", Verb::Dock))
    );
}

#[test]
fn grants_cover_every_service_used() {
    let granted = control::granted_services();
    assert!(granted.contains(&"light.turn_off".to_string()));
    assert!(granted.contains(&"cover.open_cover".to_string()));
    assert!(granted.contains(&"input_button.press".to_string()));
    assert!(!granted.iter().any(|g| g.starts_with("lock.")));
    println!("grants: {granted:?}");
}
