//! Unit tests of the `areas` decisions: slot parsing, target selection per domain with
//! feature and safety filtering, counting and speech.

use std::collections::{BTreeMap, HashMap};

use lee_sdk::areas::Directory;
use lee_sdk::ha::{HaError, State};
use lee_sdk::locale::phrases;
use serde_json::{Value, json};

use crate::plan::{self, Action, CallOutcome, DeviceType, Domain, Targets};
use crate::speech::EN_US;
use crate::{DEFAULT_PROTECTED_COVERS, protected_classes};

/// [`plan::summary`] in en-US.
fn summary(
    area: &str,
    filter: Option<Domain>,
    action: Action,
    targets: &Targets,
    outcomes: &BTreeMap<Domain, CallOutcome>,
) -> String {
    plan::summary(
        &EN_US,
        phrases("en-US"),
        area,
        filter,
        action,
        targets,
        outcomes,
    )
}

fn state(entity_id: &str, name: &str, value: &str, attributes: Value) -> State {
    let mut attributes = attributes;
    attributes["friendly_name"] = json!(name);
    State::new(entity_id, value, attributes)
}

fn states() -> HashMap<String, State> {
    [
        state("light.ceiling", "Ceiling Lights", "on", json!({})),
        state("light.lamp", "Lamp", "off", json!({})),
        state("switch.deco", "Decorative Lights", "on", json!({})),
        state(
            "fan.lr",
            "Living Room Fan",
            "off",
            json!({"supported_features": 55}),
        ),
        state("fan.old", "Old Fan", "on", json!({"supported_features": 1})),
        state(
            "cover.lr",
            "Living Room Window",
            "open",
            json!({"supported_features": 15}),
        ),
        state(
            "cover.tilt",
            "Tilt Only",
            "open",
            json!({"supported_features": 240}),
        ),
        state(
            "media_player.tv",
            "TV",
            "playing",
            json!({"supported_features": 384}),
        ),
        state(
            "media_player.dumb",
            "Dumb Speaker",
            "playing",
            json!({"supported_features": 0}),
        ),
        state("sensor.temp", "Temperature", "21", json!({})),
        state("scene.relax", "Relax", "unknown", json!({})),
        state(
            "cover.garage",
            "Garage Door",
            "closed",
            json!({"supported_features": 3, "device_class": "garage"}),
        ),
        state(
            "cover.hall",
            "Hall Window",
            "closed",
            json!({"supported_features": 15}),
        ),
        state(
            "climate.eco",
            "Ecobee",
            "heat_cool",
            json!({"supported_features": 387}),
        ),
        state("light.office", "Office Light", "unavailable", json!({})),
    ]
    .into_iter()
    .map(|s| (s.entity_id.clone(), s))
    .collect()
}

fn directory() -> Directory {
    let areas = vec![
        json!({"area_id": "living_room", "name": "Living Room", "aliases": ["Lounge"]}),
        json!({"area_id": "hallway", "name": "Hallway", "aliases": []}),
        json!({"area_id": "office", "name": "Office", "aliases": []}),
    ];
    let devices = vec![json!({"id": "dev_lamp", "area_id": "living_room"})];
    let mut entities =
        vec![json!({"entity_id": "light.lamp", "device_id": "dev_lamp", "area_id": null})];
    for (id, area) in [
        ("light.ceiling", "living_room"),
        ("switch.deco", "living_room"),
        ("fan.lr", "living_room"),
        ("fan.old", "living_room"),
        ("cover.lr", "living_room"),
        ("cover.tilt", "living_room"),
        ("media_player.tv", "living_room"),
        ("media_player.dumb", "living_room"),
        ("sensor.temp", "living_room"),
        ("scene.relax", "living_room"),
        ("cover.garage", "hallway"),
        ("cover.hall", "hallway"),
        ("climate.eco", "office"),
        ("light.office", "office"),
    ] {
        entities.push(json!({"entity_id": id, "area_id": area}));
    }
    Directory::from_registries(&areas, &devices, &entities)
}

fn targets_for(area: &str, filter: Option<Domain>, action: Action) -> Targets {
    let d = directory();
    plan::targets(
        &d.entities_in(area),
        &states(),
        filter,
        action,
        &protected_classes(None),
    )
}

fn ids(t: &Targets, domain: Domain) -> Vec<&str> {
    t.by_domain
        .get(&domain)
        .map(|v| v.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn actions_and_device_types_parse() {
    assert_eq!(Action::parse(&EN_US, "Off"), Some(Action::Off));
    assert_eq!(Action::parse(&EN_US, "turn on"), Some(Action::On));
    assert_eq!(Action::parse(&EN_US, "close"), Some(Action::Off));
    assert_eq!(Action::parse(&EN_US, "TOGGLE"), Some(Action::Toggle));
    assert_eq!(Action::parse(&EN_US, "explode"), None);
    assert_eq!(plan::device_type(&EN_US, None), DeviceType::Any);
    assert_eq!(
        plan::device_type(&EN_US, Some("Lights")),
        DeviceType::Only(Domain::Light)
    );
    assert_eq!(
        plan::device_type(&EN_US, Some("the blinds")),
        DeviceType::Only(Domain::Cover)
    );
    assert_eq!(
        plan::device_type(&EN_US, Some("media_player")),
        DeviceType::Only(Domain::MediaPlayer)
    );
    assert_eq!(
        plan::device_type(&EN_US, Some("A/C")),
        DeviceType::Only(Domain::Climate)
    );
    assert_eq!(
        plan::device_type(&EN_US, Some("everything")),
        DeviceType::Any
    );
    assert_eq!(
        plan::device_type(&EN_US, Some("robots")),
        DeviceType::Unknown
    );
}

#[test]
fn one_batch_per_domain_with_feature_filtering() {
    let t = targets_for("living_room", None, Action::Off);
    // The lamp is in the area through its device; sensors and scenes are not controlled.
    assert_eq!(ids(&t, Domain::Light), vec!["light.lamp", "light.ceiling"]);
    assert_eq!(ids(&t, Domain::Switch), vec!["switch.deco"]);
    // fan.old predates the TURN_ON/TURN_OFF flags and is assumed to support them.
    assert_eq!(ids(&t, Domain::Fan), vec!["fan.lr", "fan.old"]);
    // The tilt-only cover cannot close; the speaker without TURN_OFF cannot turn off.
    assert_eq!(ids(&t, Domain::Cover), vec!["cover.lr"]);
    assert_eq!(ids(&t, Domain::MediaPlayer), vec!["media_player.tv"]);
    assert_eq!(t.count(), 7);
    assert!(t.already.contains("light.lamp") && t.already.contains("fan.lr"));
    assert_eq!(t.already.len(), 2);
    assert_eq!(Domain::Cover.service(Action::Off), "close_cover");
    assert_eq!(Domain::Cover.service(Action::On), "open_cover");
    assert_eq!(Domain::Climate.service(Action::Toggle), "toggle");
}

#[test]
fn filter_limits_to_one_domain() {
    let t = targets_for("living_room", Some(Domain::Light), Action::On);
    assert_eq!(t.by_domain.len(), 1);
    assert_eq!(ids(&t, Domain::Light), vec!["light.lamp", "light.ceiling"]);
}

#[test]
fn garage_doors_are_not_opened_and_unavailable_is_skipped() {
    let t = targets_for("hallway", None, Action::On);
    assert_eq!(ids(&t, Domain::Cover), vec!["cover.hall"]);
    assert_eq!(t.protected, vec!["Garage Door".to_string()]);
    let t = targets_for("hallway", None, Action::Off);
    assert_eq!(ids(&t, Domain::Cover), vec!["cover.garage", "cover.hall"]);
    assert!(t.protected.is_empty());
    let t = targets_for("office", None, Action::Off);
    assert_eq!(ids(&t, Domain::Climate), vec!["climate.eco"]);
    assert_eq!(t.unavailable, vec!["Office Light".to_string()]);
    assert_eq!(protected_classes(Some(&json!([]))), Vec::<String>::new());
    assert_eq!(
        protected_classes(None).len(),
        DEFAULT_PROTECTED_COVERS.len()
    );
}

fn done(t: &Targets, reported: &[&str]) -> BTreeMap<Domain, CallOutcome> {
    t.by_domain
        .keys()
        .map(|d| {
            (
                *d,
                CallOutcome::Done(reported.iter().map(|s| s.to_string()).collect()),
            )
        })
        .collect()
}

#[test]
fn speech_counts_changed_devices() {
    let t = targets_for("living_room", None, Action::Off);
    // Nothing reported: the five not already off count.
    let text = summary("Living Room", None, Action::Off, &t, &done(&t, &[]));
    assert_eq!(text, "Turned off 5 devices in the Living Room.");
    let t = targets_for("living_room", Some(Domain::Light), Action::Off);
    let text = summary(
        "Living Room",
        Some(Domain::Light),
        Action::Off,
        &t,
        &done(&t, &["light.ceiling"]),
    );
    assert_eq!(text, "Turned off 1 light in the Living Room.");
    let t = targets_for("hallway", None, Action::On);
    let text = summary("Hallway", None, Action::On, &t, &done(&t, &[]));
    assert_eq!(
        text,
        "Turned on 1 device in the Hallway. I left Garage Door alone for safety."
    );
}

#[test]
fn speech_for_already_nothing_and_failures() {
    let t = targets_for("hallway", None, Action::Off);
    let text = summary("Hallway", None, Action::Off, &t, &done(&t, &[]));
    assert_eq!(text, "Everything in the Hallway was already off.");
    let t = targets_for("hallway", Some(Domain::Light), Action::Off);
    let text = summary(
        "Hallway",
        Some(Domain::Light),
        Action::Off,
        &t,
        &BTreeMap::new(),
    );
    assert_eq!(text, "I found no lights in the Hallway.");
    let t = targets_for("living_room", None, Action::Toggle);
    let mut outcomes = done(&t, &[]);
    outcomes.insert(
        Domain::Switch,
        CallOutcome::Failed(HaError::Denied("no".into())),
    );
    outcomes.insert(
        Domain::Fan,
        CallOutcome::Failed(HaError::Unreachable("down".into())),
    );
    let text = summary("Living Room", None, Action::Toggle, &t, &outcomes);
    assert_eq!(
        text,
        "Toggled 4 devices in the Living Room. I'm not allowed to control the switches. The fans did not respond."
    );
    let t = targets_for("office", None, Action::On);
    let text = summary("Office", None, Action::On, &t, &done(&t, &["climate.eco"]));
    assert_eq!(
        text,
        "Turned on 1 device in the Office. Office Light is unavailable."
    );
    assert_eq!((EN_US.area_phrase)("Bob's Room"), "Bob's Room");
}
