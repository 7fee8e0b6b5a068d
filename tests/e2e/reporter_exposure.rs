//! `lee reporter` keeps Alexa's device list in step with Home Assistant's registries and
//! exposure settings: renames, hiding, labels (on entities and on devices) and the
//! "Expose to Assist" toggles become DeleteReport / AddOrUpdateReport, against the real
//! harness Home Assistant with a fake Login with Amazon and event gateway on 127.0.0.1.
//! Discovery through `lee invoke` answers the same set.

use std::time::Duration;

use lee_e2e::alexa::discovery_event;
use lee_e2e::fake_amazon::FakeAmazon;
use lee_e2e::ha_admin::ws_command;
use lee_e2e::reporter_process::{CLIENT_ID, Reporter, SECRET, link, linked};
use lee_e2e::{Lee, serial};
use serde_json::{Value, json};

fn no_schema_errors(amazon: &FakeAmazon) {
    assert_eq!(amazon.schema_errors(), Vec::<String>::new());
}

/// A reporter with `exposure` whose baseline endpoint set is written.
fn exposed_reporter(amazon: &FakeAmazon, exposure: &str) -> Reporter {
    let dir = tempfile::tempdir().expect("dir");
    let reporter = Reporter::start_with(
        amazon,
        SECRET,
        dir,
        &[("LEE_ALEXA_SMART_HOME_EXPOSURE", exposure)],
    );
    let reporter = link(amazon, reporter);
    assert!(reporter.wait_health(Duration::from_secs(5), |_| {
        reporter.state_dir().join("endpoints.json").exists()
    }));
    reporter
}

/// The endpoint ids `lee invoke` Discovery answers with `exposure`.
fn discovered(exposure: &str) -> Vec<String> {
    let answer = Lee::dist()
        .env("LEE_ALEXA_SMART_HOME_EXPOSURE", exposure)
        .invoke(&discovery_event())
        .expect("invoke");
    lee_e2e::assert_alexa_valid(&answer.response);
    answer.response["event"]["payload"]["endpoints"]
        .as_array()
        .unwrap_or_else(|| panic!("no endpoints: {}", answer.response))
        .iter()
        .filter_map(|e| e["endpointId"].as_str().map(str::to_string))
        .collect()
}

/// A label made for the test (found again when an interrupted run left it).
fn test_label(name: &str) -> String {
    let created = ws_command(json!({"type": "config/label_registry/create", "name": name}));
    match created["result"]["label_id"].as_str() {
        Some(l) => l.to_string(),
        None => ws_command(json!({"type": "config/label_registry/list"}))["result"]
            .as_array()
            .and_then(|all| all.iter().find(|l| l["name"] == name))
            .and_then(|l| l["label_id"].as_str())
            .map(str::to_string)
            .expect("label"),
    }
}

fn endpoint_ids(r: &lee_e2e::fake_amazon::Received) -> Vec<String> {
    r.event["event"]["payload"]["endpoints"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["endpointId"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn discovery_report(amazon: &FakeAmazon, name: &str, endpoint_id: &str) -> bool {
    amazon.accepted().iter().any(|r| {
        r.event.pointer("/event/header/name") == Some(&json!(name))
            && endpoint_ids(r).iter().any(|id| id == endpoint_id)
    })
}

#[test]
fn rename_and_hide_send_delete_and_add_or_update_reports() {
    let _guard = serial();
    let amazon = FakeAmazon::start(CLIENT_ID, SECRET, 3600);
    let reporter = linked(&amazon);
    assert!(
        reporter.wait_health(Duration::from_secs(5), |_| reporter
            .state_dir()
            .join("endpoints.json")
            .exists()),
        "no baseline endpoint set: {}",
        reporter.log()
    );
    let (old, new) = ("light.living_room_rgbww_lights", "light.lee_renamed_rgbww");
    let renamed = ws_command(json!({"type": "config/entity_registry/update",
        "entity_id": old, "new_entity_id": new}));
    assert_eq!(renamed["success"], true, "{renamed}");
    let reported = amazon.wait_for(Duration::from_secs(6), |_| {
        discovery_report(&amazon, "DeleteReport", "light#living_room_rgbww_lights")
            && discovery_report(&amazon, "AddOrUpdateReport", "light#lee_renamed_rgbww")
    });
    let hidden = ws_command(json!({"type": "config/entity_registry/update",
        "entity_id": new, "hidden_by": "user"}));
    let hidden_reported = amazon.wait_for(Duration::from_secs(6), |_| {
        discovery_report(&amazon, "DeleteReport", "light#lee_renamed_rgbww")
    });
    // Put the home back before asserting.
    ws_command(json!({"type": "config/entity_registry/update",
        "entity_id": new, "hidden_by": null, "new_entity_id": old}));
    assert!(
        reported,
        "rename: {:?}\n{}",
        amazon.accepted(),
        reporter.log()
    );
    assert_eq!(hidden["success"], true, "{hidden}");
    assert!(hidden_reported, "hide: {:?}", amazon.accepted());
    no_schema_errors(&amazon);
}

#[test]
fn labelling_an_entity_in_home_assistant_adds_it_with_label_exposure() {
    let _guard = serial();
    let label = test_label("lee alexa test");
    let amazon = FakeAmazon::start(CLIENT_ID, SECRET, 3600);
    let reporter = exposed_reporter(&amazon, &format!("label:{label}"));
    let entity = "light.entrance_color_white_lights";
    let labelled = ws_command(json!({"type": "config/entity_registry/update",
        "entity_id": entity, "labels": [label]}));
    let added = amazon.wait_for(Duration::from_secs(6), |_| {
        discovery_report(
            &amazon,
            "AddOrUpdateReport",
            "light#entrance_color_white_lights",
        )
    });
    ws_command(json!({"type": "config/entity_registry/update", "entity_id": entity, "labels": []}));
    let removed = amazon.wait_for(Duration::from_secs(6), |_| {
        discovery_report(&amazon, "DeleteReport", "light#entrance_color_white_lights")
    });
    ws_command(json!({"type": "config/label_registry/delete", "label_id": label}));
    assert_eq!(labelled["success"], true, "{labelled}");
    assert!(added, "{:?}\n{}", amazon.accepted(), reporter.log());
    assert!(removed, "{:?}", amazon.accepted());
    // Only the labelled entity was ever reported.
    for r in amazon.accepted() {
        if r.event.pointer("/event/header/name") == Some(&json!("AddOrUpdateReport")) {
            assert_eq!(endpoint_ids(&r), vec!["light#entrance_color_white_lights"]);
        }
    }
    no_schema_errors(&amazon);
}

#[test]
fn a_labelled_device_exposes_its_entities() {
    let _guard = serial();
    let label = test_label("lee alexa device test");
    let entity = "light.living_room_rgbww_lights";
    let entry = ws_command(json!({"type": "config/entity_registry/get", "entity_id": entity}));
    let device = entry
        .pointer("/result/device_id")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{entity} has no device: {entry}"))
        .to_string();
    let exposure = format!("label:{label}");
    assert!(!discovered(&exposure).contains(&"light#living_room_rgbww_lights".to_string()));
    let labelled = ws_command(json!({"type": "config/device_registry/update",
        "device_id": device, "labels": [label]}));
    let with_label = discovered(&exposure);
    ws_command(json!({"type": "config/device_registry/update", "device_id": device, "labels": []}));
    ws_command(json!({"type": "config/label_registry/delete", "label_id": label}));
    assert_eq!(labelled["success"], true, "{labelled}");
    assert!(
        with_label.contains(&"light#living_room_rgbww_lights".to_string()),
        "{with_label:?}"
    );
    // Only entities of labelled devices: every one of them shares the device.
    for id in &with_label {
        let entity_id = id.replacen('#', ".", 1);
        let e = ws_command(json!({"type": "config/entity_registry/get", "entity_id": entity_id}));
        assert_eq!(e.pointer("/result/device_id"), Some(&json!(device)), "{id}");
    }
}

/// Sets Home Assistant's "Expose to Assist" toggle of `entity_ids`.
fn expose_to_assist(entity_ids: &[&str], should_expose: bool) {
    let answer = ws_command(json!({"type": "homeassistant/expose_entity",
        "assistants": ["conversation"], "entity_ids": entity_ids,
        "should_expose": should_expose}));
    assert_eq!(answer["success"], true, "{answer}");
}

#[test]
fn the_expose_to_assist_toggle_decides_with_assist_exposure() {
    let _guard = serial();
    let entity = "light.entrance_color_white_lights";
    let listed = ws_command(json!({"type": "homeassistant/expose_entity/list"}));
    let expected: Vec<String> = listed["result"]["exposed_entities"]
        .as_object()
        .expect("exposed_entities")
        .iter()
        .filter(|(id, s)| s["conversation"] == true && id.as_str() != entity)
        .map(|(id, _)| id.clone())
        .collect();
    expose_to_assist(&[entity], false);
    let amazon = FakeAmazon::start(CLIENT_ID, SECRET, 3600);
    let reporter = exposed_reporter(&amazon, "assist");
    let before = discovered("assist");
    expose_to_assist(&[entity], true);
    let added = amazon.wait_for(Duration::from_secs(6), |_| {
        discovery_report(
            &amazon,
            "AddOrUpdateReport",
            "light#entrance_color_white_lights",
        )
    });
    let after = discovered("assist");
    expose_to_assist(&[entity], false);
    let removed = amazon.wait_for(Duration::from_secs(6), |_| {
        discovery_report(&amazon, "DeleteReport", "light#entrance_color_white_lights")
    });
    let endpoint = "light#entrance_color_white_lights".to_string();
    assert!(!before.contains(&endpoint), "{before:?}");
    assert!(after.contains(&endpoint), "{after:?}");
    assert!(added, "{:?}\n{}", amazon.accepted(), reporter.log());
    assert!(removed, "{:?}", amazon.accepted());
    // Every endpoint Discovery offers is one Home Assistant exposes to Assist.
    for id in &before {
        let entity_id = id.replacen('#', ".", 1);
        assert!(
            expected.contains(&entity_id),
            "{id} is not exposed to Assist"
        );
    }
    assert!(
        !before.is_empty(),
        "the demo home exposes some entities to Assist"
    );
    no_schema_errors(&amazon);
}

#[test]
fn assist_exposure_for_a_non_administrator_account_is_an_error_not_an_empty_home() {
    let _guard = serial();
    let user = lee_e2e::ha_admin::NonAdmin::create("lee-e2e-exposure").expect("user");
    // The skill linked to a user who is not an administrator: Home Assistant refuses
    // that token its exposure settings.
    let event =
        lee_e2e::directive_with_token("Alexa.Discovery", "Discover", None, json!({}), &user.token);
    let answer = Lee::dist()
        .env("LEE_ALEXA_SMART_HOME_EXPOSURE", "assist")
        .invoke(&event)
        .expect("invoke");
    lee_e2e::assert_alexa_valid(&answer.response);
    assert_eq!(
        answer.response["event"]["header"]["name"], "ErrorResponse",
        "{}",
        answer.response
    );
    let message = answer.response["event"]["payload"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("administrator"), "{message}");
    assert!(
        !answer.stderr.contains(&user.token),
        "the token is never logged"
    );
    // The same account under `filter` exposure still discovers the home.
    let filtered = Lee::dist().invoke(&event).expect("invoke");
    assert_eq!(
        filtered.response["event"]["header"]["name"], "Discover.Response",
        "{}",
        filtered.response
    );
}
