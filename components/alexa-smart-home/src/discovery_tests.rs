use super::*;
use crate::config::{EntityConfig, Filter};
use crate::test_support::demo_home;

fn ids(d: &Discovered) -> Vec<String> {
    d.endpoints
        .iter()
        .map(|e| e["endpointId"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn registry_hides_hidden_and_category_entities() {
    let registry = registry_entries(&[
        json!({"entity_id": "light.bed_light", "hidden_by": "user", "entity_category": null}),
        json!({"entity_id": "switch.ac", "hidden_by": null, "entity_category": "config"}),
        json!({"entity_id": "lock.front_door", "hidden_by": null, "entity_category": null,
               "aliases": ["Front Lock"]}),
    ]);
    let d = discover(
        &demo_home(),
        &Settings::default(),
        &registry,
        &Ctx::default(),
    );
    let ids = ids(&d);
    assert!(!ids.contains(&"light#bed_light".to_string()));
    assert!(!ids.contains(&"switch#ac".to_string()));
    assert!(ids.contains(&"lock#front_door".to_string()));
    // Explicitly included entities win over the registry flags.
    let mut settings = Settings::default();
    settings.filter.include_entities = vec!["switch.ac".into()];
    let d = discover(&demo_home(), &settings, &registry, &Ctx::default());
    assert_eq!(ids_of(&d), vec!["switch#ac"]);
}

fn ids_of(d: &Discovered) -> Vec<String> {
    ids(d)
}

#[test]
fn filter_and_entity_config_apply() {
    let mut settings = Settings {
        filter: Filter {
            include_domains: vec!["light".into()],
            ..Filter::default()
        },
        ..Settings::default()
    };
    settings.entity_config.insert(
        "light.kitchen_lights".into(),
        EntityConfig {
            name: Some("Island".into()),
            description: Some("Over the island".into()),
            display_categories: vec!["switch".into(), "BOGUS".into()],
        },
    );
    let d = discover(&demo_home(), &settings, &HashMap::new(), &Ctx::default());
    assert_eq!(ids(&d), vec!["light#bed_light", "light#kitchen_lights"]);
    let kitchen = &d.endpoints[1];
    assert_eq!(kitchen["friendlyName"], "Island");
    assert_eq!(kitchen["description"], "Over the island via Home Assistant");
    assert_eq!(kitchen["displayCategories"], json!(["SWITCH"]));
    assert_eq!(kitchen["manufacturerName"], "Home Assistant");
}

#[test]
fn names_fall_back_to_alias_and_object_id() {
    let s = crate::test_support::st("switch.garden_pump", "off", json!({}));
    let entry = RegistryEntry {
        aliases: vec!["Pump".into()],
        ..RegistryEntry::default()
    };
    assert_eq!(
        friendly_name(&s, &Settings::default(), Some(&entry)),
        "Pump"
    );
    assert_eq!(friendly_name(&s, &Settings::default(), None), "garden pump");
}

#[test]
fn at_most_300_endpoints_deterministically() {
    let mut states = Vec::new();
    for i in 0..320 {
        states.push(crate::test_support::st(
            &format!("sensor.t{i:03}"),
            "20",
            json!({"device_class": "temperature", "unit_of_measurement": "°C"}),
        ));
    }
    for i in 0..5 {
        states.push(crate::test_support::st(
            &format!("light.l{i}"),
            "on",
            json!({}),
        ));
    }
    let d = discover(
        &states,
        &Settings::default(),
        &HashMap::new(),
        &Ctx::default(),
    );
    assert_eq!(d.endpoints.len(), MAX_ENDPOINTS);
    assert_eq!(d.dropped.len(), 25);
    // Lights (controllable) survive; the last sensors by id are dropped.
    assert_eq!(d.endpoints[0]["endpointId"], "light#l0");
    assert_eq!(d.dropped[0], "sensor.t295");
}

#[test]
fn capability_objects_carry_their_configuration() {
    let ctx = Ctx::default();
    let s = crate::test_support::find("input_select.house_mode");
    let d = crate::capabilities::device(&s, &ctx).expect("select");
    let mode = capability(&d.caps[0], &ctx);
    assert_eq!(mode["instance"], "input_select.option");
    assert_eq!(
        mode["configuration"]["supportedModes"][1]["value"],
        "option.Away"
    );
    assert_eq!(
        mode["configuration"]["supportedModes"][1]["modeResources"]["friendlyNames"][0]["value"]["text"],
        "Away"
    );
    assert_eq!(mode["properties"]["retrievable"], true);
    assert_eq!(mode["properties"]["proactivelyReported"], false);
}

/// Timing probe on a real state dump: `ASH_STATES=/path/states.json cargo test -- --ignored`.
#[test]
#[ignore]
fn discovery_speed_probe() {
    let Ok(path) = std::env::var("ASH_STATES") else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("states");
    let raw: Vec<Value> = serde_json::from_str(&text).expect("json");
    let states: Vec<State> = raw
        .iter()
        .map(|v| State {
            entity_id: v["entity_id"].as_str().unwrap_or_default().into(),
            state: v["state"].as_str().unwrap_or_default().into(),
            attributes: v["attributes"].clone(),
            last_changed: String::new(),
            last_updated: String::new(),
        })
        .collect();
    let started = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..100 {
        let d = discover(
            &states,
            &Settings::default(),
            &HashMap::new(),
            &Ctx::default(),
        );
        n += serde_json::to_string(&d.endpoints)
            .map(|s| s.len())
            .unwrap_or(0);
    }
    eprintln!(
        "{} states: {:?} per discovery ({n} bytes)",
        states.len(),
        started.elapsed() / 100
    );
}
