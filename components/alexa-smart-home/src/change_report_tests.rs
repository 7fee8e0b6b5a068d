//! ChangeReport / DoorbellPress from state changes: the same properties as ReportState,
//! changed ones in `payload.change`, the rest in `context`, every event valid against
//! Amazon's schema once the reporter adds its scope.

use serde_json::{Value, json};

use super::*;
use crate::config::AcceptGrant;
use crate::schema_tests::assert_valid;
use crate::test_support::{FakeHome, directive, find};

fn run(home: &FakeHome, old: Value, new: Value) -> Value {
    let event = directive("lee", "StateChanged", None, json!({"old": old, "new": new}));
    let d = Directive::parse(&event.to_string()).expect("directive");
    serde_json::from_str(&handle(&d, home).expect("answer")).expect("json")
}

fn state_json(id: &str, state: &str, attrs: Value) -> Value {
    json!({"entity_id": id, "state": state, "attributes": attrs,
           "last_changed": "2026-12-04T10:00:00+00:00", "last_updated": "2026-12-04T10:00:00+00:00"})
}

/// As the reporter sends it: with its bearer token in `endpoint.scope`.
fn scoped(mut event: Value) -> Value {
    event["event"]["endpoint"]["scope"] = json!({"type": "BearerToken", "token": "lwa"});
    event
}

fn attrs_of(id: &str) -> Value {
    find(id).attributes
}

#[test]
fn light_toggle_is_one_change_report() {
    let home = FakeHome::new();
    let attrs = attrs_of("light.bed_light");
    let out = run(
        &home,
        state_json("light.bed_light", "off", attrs.clone()),
        state_json("light.bed_light", "on", attrs),
    );
    assert_eq!(out["exposed"], true);
    let events = out["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "{out}");
    let e = &events[0];
    assert_eq!(e["event"]["header"]["name"], "ChangeReport");
    assert_eq!(e["event"]["endpoint"]["endpointId"], "light#bed_light");
    let changed = e["event"]["payload"]["change"]["properties"]
        .as_array()
        .expect("changed");
    assert!(
        changed
            .iter()
            .any(|p| p["name"] == "powerState" && p["value"] == "ON")
    );
    // Unchanged properties are context, never duplicated in the change.
    for p in e["context"]["properties"].as_array().expect("context") {
        assert!(!changed.iter().any(|c| c["name"] == p["name"]), "{p}");
    }
    assert_eq!(
        e["event"]["payload"]["change"]["cause"]["type"],
        "PHYSICAL_INTERACTION"
    );
    assert_valid(&scoped(e.clone()));
}

#[test]
fn matches_report_state_properties() {
    let home = FakeHome::new();
    let s = find("light.kitchen_lights");
    let new = state_json(&s.entity_id, &s.state, s.attributes.clone());
    let out = run(&home, Value::Null, new);
    let e = &out["events"][0];
    let mut from_change: Vec<String> = e["event"]["payload"]["change"]["properties"]
        .as_array()
        .expect("changed")
        .iter()
        .map(|p| format!("{}/{}={}", p["namespace"], p["name"], p["value"]))
        .collect();
    let report = home.run(&directive(
        "Alexa",
        "ReportState",
        Some("light#kitchen_lights"),
        json!({}),
    ));
    let mut from_report: Vec<String> = report["context"]["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .map(|p| format!("{}/{}={}", p["namespace"], p["name"], p["value"]))
        .collect();
    from_change.sort();
    from_report.sort();
    assert_eq!(from_change, from_report);
}

#[test]
fn attribute_noise_sends_nothing() {
    let home = FakeHome::new();
    let mut attrs = attrs_of("light.bed_light");
    let old = state_json("light.bed_light", "on", attrs.clone());
    attrs["some_vendor_counter"] = json!(42);
    let out = run(&home, old, state_json("light.bed_light", "on", attrs));
    assert_eq!(out["events"], json!([]));
}

#[test]
fn app_cause_from_context_user() {
    let home = FakeHome::new();
    let attrs = attrs_of("light.bed_light");
    let mut new = state_json("light.bed_light", "on", attrs.clone());
    new["context"] = json!({"id": "c", "user_id": "u1"});
    let out = run(&home, state_json("light.bed_light", "off", attrs), new);
    assert_eq!(
        out["events"][0]["event"]["payload"]["change"]["cause"]["type"],
        "APP_INTERACTION"
    );
}

#[test]
fn contact_sensor_detection_state() {
    let home = FakeHome::new();
    let attrs = attrs_of("binary_sensor.front_door");
    let out = run(
        &home,
        state_json("binary_sensor.front_door", "off", attrs.clone()),
        state_json("binary_sensor.front_door", "on", attrs),
    );
    let e = &out["events"][0];
    let change = &e["event"]["payload"]["change"]["properties"][0];
    assert_eq!(change["namespace"], "Alexa.ContactSensor");
    assert_eq!(change["value"], "DETECTED");
    assert_valid(&scoped(e.clone()));
}

#[test]
fn unavailable_reports_unreachable() {
    let home = FakeHome::new();
    let attrs = attrs_of("light.bed_light");
    let out = run(
        &home,
        state_json("light.bed_light", "on", attrs.clone()),
        state_json("light.bed_light", "unavailable", attrs),
    );
    let e = &out["events"][0];
    let change = &e["event"]["payload"]["change"]["properties"][0];
    assert_eq!(change["name"], "connectivity");
    assert_eq!(change["value"]["value"], "UNREACHABLE");
    assert_valid(&scoped(e.clone()));
}

#[test]
fn doorbell_press_rules() {
    let home = FakeHome::new();
    let attrs = attrs_of("event.doorbell");
    let now = clock::iso8601(clock::now_millis());
    let out = run(
        &home,
        state_json(
            "event.doorbell",
            "2026-01-01T00:00:00.000+00:00",
            attrs.clone(),
        ),
        state_json("event.doorbell", &now, attrs.clone()),
    );
    let e = &out["events"][0];
    assert_eq!(e["event"]["header"]["name"], "DoorbellPress");
    assert_valid(&scoped(e.clone()));
    // Restored from unavailable, or a stale timestamp: no press.
    for (old, new) in [
        ("unavailable", now.as_str()),
        ("unknown", now.as_str()),
        ("2026-01-01T00:00:00+00:00", "2026-01-01T00:00:05+00:00"),
        (now.as_str(), now.as_str()),
    ] {
        let out = run(
            &home,
            state_json("event.doorbell", old, attrs.clone()),
            state_json("event.doorbell", new, attrs.clone()),
        );
        assert_eq!(out["events"], json!([]), "{old} -> {new}");
    }
}

#[test]
fn doorbell_binary_sensor_off_to_on() {
    let s = |state: &str| State::new("binary_sensor.bell", state, json!({}));
    assert!(doorbell_pressed(Some(&s("off")), &s("on"), 0));
    assert!(doorbell_pressed(None, &s("on"), 0));
    assert!(!doorbell_pressed(Some(&s("on")), &s("on"), 0));
    assert!(!doorbell_pressed(Some(&s("on")), &s("off"), 0));
}

#[test]
fn filtered_out_entity_sends_nothing() {
    let mut home = FakeHome::new();
    home.config.filter.exclude_entities = vec!["light.bed_light".into()];
    let attrs = attrs_of("light.bed_light");
    let out = run(
        &home,
        state_json("light.bed_light", "off", attrs.clone()),
        state_json("light.bed_light", "on", attrs),
    );
    assert_eq!(out["exposed"], false);
    assert_eq!(out["events"], json!([]));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let home = FakeHome::new();
    let event = directive("lee", "StateChanged", None, json!({"new": {"state": 1}}));
    let d = Directive::parse(&event.to_string()).expect("directive");
    assert!(handle(&d, &home).is_err());
    let removed = run(
        &home,
        state_json("light.bed_light", "on", json!({})),
        Value::Null,
    );
    assert_eq!(removed["events"], json!([]));
}

#[test]
fn discovery_proactively_reported_follows_accept_grant() {
    for (mode, expected) in [
        (AcceptGrant::Accept, false),
        (AcceptGrant::Relay, true),
        (AcceptGrant::Forward, true),
    ] {
        let mut home = FakeHome::new();
        home.config.accept_grant = mode;
        let out = home.discover();
        assert_valid(&out);
        let mut seen = 0;
        for endpoint in out["event"]["payload"]["endpoints"]
            .as_array()
            .expect("eps")
        {
            for cap in endpoint["capabilities"].as_array().expect("caps") {
                if let Some(p) = cap.get("properties") {
                    assert_eq!(p["proactivelyReported"], expected, "{mode:?} {cap}");
                    seen += 1;
                }
                if cap["interface"] == "Alexa.DoorbellEventSource" {
                    assert_eq!(cap["proactivelyReported"], expected);
                }
            }
        }
        assert!(seen > 20);
    }
}

#[test]
fn accept_grant_modes_parse() {
    assert_eq!(AcceptGrant::parse("Relay"), Some(AcceptGrant::Relay));
    assert_eq!(AcceptGrant::parse("forward"), Some(AcceptGrant::Forward));
    assert_eq!(AcceptGrant::parse(""), Some(AcceptGrant::Accept));
    assert_eq!(AcceptGrant::parse("bogus"), None);
    let c = Config::from_json(&json!({"accept_grant": "relay"}));
    assert_eq!(c.accept_grant, AcceptGrant::Relay);
}

#[test]
fn label_exposure_lists_controls_and_reports_only_labelled_entities() {
    use crate::config::Exposure;
    let mut home = FakeHome::new();
    home.config.exposure = Exposure::Label("alexa".into());
    home.registry = vec![
        json!({"entity_id": "light.bed_light", "labels": ["alexa", "bedroom"]}),
        json!({"entity_id": "light.kitchen_lights", "labels": ["kitchen"]}),
        json!({"entity_id": "light.ceiling_lights", "labels": ["alexa"], "hidden_by": "user"}),
    ];
    let out = home.discover();
    let ids: Vec<&str> = out["event"]["payload"]["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter_map(|e| e["endpointId"].as_str())
        .collect();
    assert_eq!(ids, vec!["light#bed_light"]);
    let refused = home.turn_on("light#kitchen_lights");
    assert_eq!(refused["event"]["payload"]["type"], "NO_SUCH_ENDPOINT");
    let attrs = attrs_of("light.bed_light");
    let reported = run(
        &home,
        state_json("light.bed_light", "off", attrs.clone()),
        state_json("light.bed_light", "on", attrs),
    );
    assert_eq!(reported["events"].as_array().map(Vec::len), Some(1));
    let attrs = attrs_of("light.kitchen_lights");
    let silent = run(
        &home,
        state_json("light.kitchen_lights", "off", attrs.clone()),
        state_json("light.kitchen_lights", "on", attrs),
    );
    assert_eq!(silent["events"], json!([]));
}

#[test]
fn exposure_values() {
    use crate::config::Exposure;
    assert_eq!(Exposure::parse("filter"), Exposure::Filter);
    assert_eq!(
        Exposure::parse("label:alexa"),
        Exposure::Label("alexa".into())
    );
    assert!(matches!(Exposure::parse("label:"), Exposure::Invalid(_)));
    assert_eq!(Exposure::parse("assist"), Exposure::Assist);
    assert_eq!(Exposure::parse(" alexa "), Exposure::Alexa);
    let mut home = FakeHome::new();
    home.config.exposure = Exposure::parse("bogus");
    let out = home.discover();
    assert_eq!(out["event"]["payload"]["endpoints"], json!([]));
}
