use super::*;
use crate::config::{EntityConfig, Filter};
use crate::test_support::demo_home;
use serde_json::json;

static CTX: std::sync::LazyLock<Ctx> = std::sync::LazyLock::new(Ctx::default);

fn ids(d: &Discovered) -> Vec<String> {
    d.endpoints.iter().map(|e| e.endpoint_id.clone()).collect()
}

fn listing(entries: Value) -> Registry {
    registry_entries(&entries.to_string()).expect("a registry listing")
}

#[test]
fn registry_hides_hidden_and_category_entities() {
    let registry = listing(json!([
        {"entity_id": "light.bed_light", "hidden_by": "user", "entity_category": null},
        {"entity_id": "switch.ac", "hidden_by": null, "entity_category": "config"},
        {"entity_id": "lock.front_door", "hidden_by": null, "entity_category": null,
         "aliases": ["Front Lock"]},
        {"entity_id": "light.kitchen_lights", "hidden_by": null, "entity_category": null,
         "aliases": [], "platform": "demo", "options": {"conversation": {}}},
    ]));
    // Only entries that change discovery are kept.
    assert_eq!(registry.len(), 3);
    assert_eq!(registry["lock.front_door"].aliases, vec!["Front Lock"]);
    let d = discover(&demo_home(), &Config::default(), &registry, &CTX);
    let ids = ids(&d);
    assert!(!ids.contains(&"light#bed_light".to_string()));
    assert!(!ids.contains(&"switch#ac".to_string()));
    assert!(ids.contains(&"lock#front_door".to_string()));
    // Explicitly included entities win over the registry flags.
    let mut config = Config::default();
    config.filter.include_entities = vec!["switch.ac".into()];
    let d = discover(&demo_home(), &config, &registry, &CTX);
    assert_eq!(ids_of(&d), vec!["switch#ac"]);
}

fn ids_of(d: &Discovered) -> Vec<String> {
    ids(d)
}

#[test]
fn filter_and_entity_config_apply() {
    let mut config = Config {
        filter: Filter {
            include_domains: vec!["light".into()],
            ..Filter::default()
        },
        ..Config::default()
    };
    config.entity_config.insert(
        "light.kitchen_lights".into(),
        EntityConfig {
            name: Some("Island".into()),
            description: Some("Over the island".into()),
            display_categories: vec!["switch".into(), "BOGUS".into()],
        },
    );
    let d = discover(&demo_home(), &config, &HashMap::new(), &CTX);
    assert_eq!(ids(&d), vec!["light#bed_light", "light#kitchen_lights"]);
    let kitchen = serde_json::to_value(&d.endpoints[1]).expect("json");
    assert_eq!(kitchen["friendlyName"], "Island");
    assert_eq!(kitchen["description"], "Over the island via Home Assistant");
    assert_eq!(kitchen["displayCategories"], json!(["SWITCH"]));
    assert_eq!(kitchen["manufacturerName"], "Home Assistant");
    assert_eq!(kitchen["cookie"], json!({}));
}

#[test]
fn names_fall_back_to_alias_and_object_id() {
    let s = crate::test_support::st("switch.garden_pump", "off", json!({}));
    let entry = RegistryEntry {
        aliases: vec!["Pump".into()],
        ..RegistryEntry::default()
    };
    assert_eq!(friendly_name(&s, &Config::default(), Some(&entry)), "Pump");
    assert_eq!(friendly_name(&s, &Config::default(), None), "garden pump");
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
    let d = discover(&states, &Config::default(), &HashMap::new(), &CTX);
    assert_eq!(d.endpoints.len(), MAX_ENDPOINTS);
    assert_eq!(d.dropped.len(), 25);
    // Lights (controllable) survive; the last sensors by id are dropped.
    assert_eq!(d.endpoints[0].endpoint_id, "light#l0");
    assert_eq!(d.dropped[0], "sensor.t295");
}

#[test]
fn capability_objects_carry_their_configuration() {
    let ctx = Ctx::default();
    let s = crate::test_support::find("input_select.house_mode");
    let d = crate::interfaces::device(&s, &ctx).expect("select");
    let mode = serde_json::to_value(Interface {
        cap: &d.caps[0],
        locale: &ctx.locale,
    })
    .expect("json");
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

#[test]
fn registry_listing_errors_are_reported_not_panics() {
    assert!(registry_entries("{\"not\": \"a list\"}").is_err());
    assert!(registry_entries("[{\"hidden_by\": null}]").is_err());
    // Aliases may contain null (Home Assistant's "use the entity name" marker).
    let r = listing(json!([{"entity_id": "light.x", "aliases": [null, "Desk", " "]}]));
    assert_eq!(r["light.x"].aliases, vec!["Desk"]);
}

#[test]
fn dropped_ids_are_logged_in_parts_that_fit() {
    let ids: Vec<String> = (0..500).map(|i| format!("sensor.t{i:04}")).collect();
    let parts = chunk_ids(&ids, 100);
    assert!(parts.iter().all(|p| p.len() <= 100));
    assert_eq!(parts.join(","), ids.join(","));
    assert_eq!(chunk_ids(&[], 100), Vec::<String>::new());
    assert_eq!(chunk_ids(&["x".repeat(150)], 100).len(), 1);
}

#[test]
fn discovery_reads_only_the_attributes_it_asks_for() {
    // The demo home with every attribute, and as the host sends it for QUERY: the same
    // endpoints, byte for byte. A new attribute read by `interfaces` without being
    // added to ATTRIBUTES fails here.
    let full = demo_home();
    let projected: Vec<State> = full
        .iter()
        .filter(|s| QUERY.selects(s))
        .cloned()
        .map(|s| QUERY.project(s))
        .collect();
    let render = |states: &[State]| {
        let d = discover(states, &Config::default(), &Registry::new(), &CTX);
        serde_json::to_string(&d.endpoints).expect("endpoints serialise")
    };
    assert_eq!(render(&full), render(&projected));
    assert!(projected.len() < full.len() || full.iter().all(|s| QUERY.selects(s)));
}
