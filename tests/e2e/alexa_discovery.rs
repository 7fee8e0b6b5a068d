//! Alexa Smart Home discovery and error paths, through the shipped `alexa-smart-home`
//! component in `dist/` against the real harness Home Assistant: discovery is compared
//! with Home Assistant's own Alexa endpoint for the same instance; every response is
//! validated against Amazon's schema.

use std::collections::{BTreeMap, BTreeSet};

use lee_e2e::alexa::{
    discovery_event, expect_error, instanced_interfaces, invoke, per_endpoint, prop,
};
use lee_e2e::{HomeAssistant, Lee, closed_port, directive, directive_with_token, serial};
use serde_json::{Value, json};

/// Interfaces Home Assistant's integration offers that lee does not, on any endpoint,
/// with the reason (the discovery explanation lists the same ones).
const INTERFACE_EXCEPTIONS: &[(&str, &str)] = &[(
    "Alexa.PlaybackStateReporter",
    "not in Amazon's validation schema: a Discovery response carrying it is invalid",
)];

/// Endpoints Home Assistant lists that lee leaves out, with the reason (each one's
/// line in the discovery explanation says it too).
const ENDPOINT_EXCEPTIONS: &[(&str, &str)] = &[
    (
        "camera#demo_camera",
        "HA lists it with no interface (no external HTTPS URL); CameraStreamController \
         would need HLS, which the schema's camera streams do not accept",
    ),
    ("camera#demo_camera_png", "as camera#demo_camera"),
    (
        "camera#demo_camera_without_stream",
        "cannot stream; HA lists it with no interface",
    ),
    (
        "vacuum#4_fourth_floor",
        "supports no feature: HA lists it with no interface, there is nothing to call",
    ),
    (
        "media_player#browse",
        "supports only BROWSE_MEDIA: HA offers PowerController, but media_player.turn_on \
         on it answers HTTP 500; lee does not expose controls that cannot work",
    ),
];

/// Display categories of Home Assistant's that lee answers differently: (HA's, lee's).
/// Neither is in the validation schema's display categories.
const CATEGORY_EXCEPTIONS: &[(&str, &str)] =
    &[("VACUUM_CLEANER", "OTHER"), ("WATER_HEATER", "THERMOSTAT")];

/// endpointId -> (display categories, interfaces as `interface` or `interface:instance`).
fn endpoints(response: &Value) -> BTreeMap<String, (Vec<String>, BTreeSet<String>)> {
    per_endpoint(response, |e| {
        let categories = e["displayCategories"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect();
        (categories, instanced_interfaces(e))
    })
}

/// `lee doctor --json` against the harness Home Assistant: the discovery explanation.
fn explanation(ha: &HomeAssistant) -> Value {
    let output = std::process::Command::new(lee_e2e::lee_binary())
        .arg("doctor")
        .arg("--components")
        .arg(lee_e2e::dist_components())
        .arg("--json")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME_ASSISTANT_URL", &ha.url)
        .env("HOME_ASSISTANT_TOKEN", &ha.token)
        .output()
        .expect("run lee doctor");
    let report: Value = serde_json::from_slice(&output.stdout).expect("doctor --json");
    report["discovery"].clone()
}

#[test]
fn discovery_covers_everything_home_assistant_exposes() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let lee = Lee::dist();
    let run = invoke(&lee, &discovery_event());
    let ours = endpoints(&run.response);
    let theirs = endpoints(
        &ha.post("/api/alexa/smart_home", &discovery_event())
            .expect("Home Assistant's own discovery"),
    );

    // Every endpoint of Home Assistant's is one of lee's, or a listed exception; and
    // every exception is still needed (the list cannot go stale).
    let excepted = |id: &str| ENDPOINT_EXCEPTIONS.iter().any(|(e, _)| *e == id);
    let missing: Vec<&String> = theirs
        .keys()
        .filter(|id| !ours.contains_key(*id) && !excepted(id))
        .collect();
    assert!(
        missing.is_empty(),
        "endpoints Home Assistant exposes but lee does not: {missing:?}"
    );
    for (id, why) in ENDPOINT_EXCEPTIONS {
        assert!(
            theirs.contains_key(*id) && !ours.contains_key(*id),
            "stale exception {id} ({why})"
        );
    }

    // Per endpoint: a superset of Home Assistant's interfaces (with instances), and a
    // display category at least as specific.
    let mut used = BTreeSet::new();
    for (id, (their_categories, their_caps)) in &theirs {
        let Some((our_categories, our_caps)) = ours.get(id) else {
            continue;
        };
        let lacking: Vec<&String> = their_caps
            .iter()
            .filter(|c| !our_caps.contains(*c))
            .filter(|c| {
                let excepted = INTERFACE_EXCEPTIONS.iter().any(|(i, _)| i == c);
                if excepted {
                    used.insert(c.to_string());
                }
                !excepted
            })
            .collect();
        assert!(
            lacking.is_empty(),
            "{id}: lee lacks {lacking:?} (has {our_caps:?})"
        );
        let theirs_first = their_categories.first().map(String::as_str);
        let ours_first = our_categories.first().map(String::as_str).unwrap_or("");
        let specific_enough = match theirs_first {
            None | Some("OTHER") => true,
            Some(c) if c == ours_first => true,
            Some(c) => CATEGORY_EXCEPTIONS.contains(&(c, ours_first)),
        };
        assert!(
            specific_enough,
            "{id}: category {our_categories:?}, Home Assistant {their_categories:?}"
        );
    }
    for (interface, why) in INTERFACE_EXCEPTIONS {
        assert!(
            used.contains(*interface),
            "stale exception {interface} ({why})"
        );
    }
    // What lee offers beyond Home Assistant stays.
    for (id, extra) in [
        (
            "input_select#house_mode",
            "Alexa.ModeController:input_select.option",
        ),
        ("select#speed", "Alexa.ModeController:select.option"),
        ("light#bed_light", "Alexa.EndpointHealth"),
        ("input_boolean#guest_mode", "Alexa.ContactSensor"),
        ("button#push", "Alexa.EventDetectionSensor"),
        ("media_player#living_room", "Alexa.EqualizerController"),
        ("cover#hall_window", "Alexa.PlaybackController:cover.stop"),
    ] {
        assert!(
            ours.get(id).is_some_and(|(_, caps)| caps.contains(extra)),
            "{id} lacks {extra}: {:?}",
            ours.get(id)
        );
    }

    // The explanation says why each exception is left out, and lists the differences.
    let explained = explanation(ha);
    let line = |entity: &str| -> Value {
        explained["entities"]
            .as_array()
            .and_then(|all| all.iter().find(|e| e["entity_id"] == entity).cloned())
            .unwrap_or(Value::Null)
    };
    assert!(
        line("camera.demo_camera")["reason"]
            .as_str()
            .is_some_and(|r| r.contains("external_url") && r.contains("HLS")),
        "{}",
        line("camera.demo_camera")
    );
    assert!(
        line("camera.demo_camera_without_stream")["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot stream")),
        "{}",
        line("camera.demo_camera_without_stream")
    );
    assert_eq!(
        line("vacuum.4_fourth_floor")["outcome"],
        "no_usable_interface"
    );
    let differences = explained["differences_from_home_assistant"].to_string();
    for needle in [
        "PlaybackStateReporter",
        "VACUUM_CLEANER",
        "WATER_HEATER",
        "CameraStreamController",
    ] {
        assert!(differences.contains(needle), "{needle}: {differences}");
    }

    let timings = run.timings().expect("timings");
    eprintln!(
        "discovery: lee {} endpoints, Home Assistant {}; timings {timings}",
        ours.len(),
        theirs.len(),
    );
    // Every endpoint answers ReportState validly.
    for id in ours.keys() {
        let report = invoke(
            &lee,
            &directive("Alexa", "ReportState", Some(id), json!({})),
        )
        .response;
        assert_eq!(
            report["event"]["header"]["name"], "StateReport",
            "{id}: {report}"
        );
    }
}

#[test]
fn error_paths() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let lee = Lee::dist();
    expect_error(
        &lee,
        &directive(
            "Alexa.PowerController",
            "TurnOn",
            Some("light#does_not_exist"),
            json!({}),
        ),
        "Alexa",
        "NO_SUCH_ENDPOINT",
    );
    expect_error(
        &lee,
        &directive(
            "Alexa",
            "ReportState",
            Some("light#does_not_exist"),
            json!({}),
        ),
        "Alexa",
        "NO_SUCH_ENDPOINT",
    );
    expect_error(
        &lee,
        &directive(
            "Alexa.BrightnessController",
            "SetBrightness",
            Some("light#bed_light"),
            json!({"brightness": 150}),
        ),
        "Alexa",
        "VALUE_OUT_OF_RANGE",
    );
    expect_error(
        &lee,
        &directive(
            "Alexa.BrightnessController",
            "SetBrightness",
            Some("switch#ac"),
            json!({"brightness": 50}),
        ),
        "Alexa",
        "INVALID_DIRECTIVE",
    );
    expect_error(
        &lee,
        &directive(
            "Alexa.Cooking",
            "SetCookingMode",
            Some("light#bed_light"),
            json!({}),
        ),
        "Alexa",
        "INVALID_DIRECTIVE",
    );
    let mut v2 = directive(
        "Alexa.PowerController",
        "TurnOn",
        Some("light#bed_light"),
        json!({}),
    );
    v2["directive"]["header"]["payloadVersion"] = json!("2");
    let r = expect_error(&lee, &v2, "Alexa", "INVALID_DIRECTIVE");
    assert_eq!(r["event"]["endpoint"]["endpointId"], "light#bed_light");

    // An unavailable entity: ENDPOINT_UNREACHABLE and no service call.
    let id = "switch.lee_e2e_unreachable";
    ha.post(
        &format!("/api/states/{id}"),
        &json!({"state": "unavailable",
        "attributes": {"friendly_name": "Lee E2E Unreachable"}}),
    )
    .unwrap();
    let report = invoke(
        &lee,
        &directive(
            "Alexa",
            "ReportState",
            Some("switch#lee_e2e_unreachable"),
            json!({}),
        ),
    )
    .response;
    let turn_on = directive(
        "Alexa.PowerController",
        "TurnOn",
        Some("switch#lee_e2e_unreachable"),
        json!({}),
    );
    let unreachable = invoke(&lee, &turn_on).response;
    let after = ha.state(id).unwrap();
    ha.delete_state(id).unwrap();
    assert_eq!(
        prop(&report, "Alexa.EndpointHealth", "connectivity")["value"],
        "UNREACHABLE"
    );
    assert_eq!(
        unreachable["event"]["payload"]["type"], "ENDPOINT_UNREACHABLE",
        "{unreachable}"
    );
    assert_eq!(after["state"], "unavailable");

    // Home Assistant refusing the token.
    let bad = directive_with_token(
        "Alexa.PowerController",
        "TurnOn",
        Some("light#bed_light"),
        json!({}),
        "not-a-valid-token",
    );
    let r = invoke(&lee, &bad).response;
    assert_eq!(
        r["event"]["payload"]["type"], "INVALID_AUTHORIZATION_CREDENTIAL",
        "{r}"
    );
    // Home Assistant stopped.
    let down = Lee::dist().env(
        "HOME_ASSISTANT_URL",
        &format!("http://127.0.0.1:{}", closed_port()),
    );
    let r = invoke(
        &down,
        &directive("Alexa", "ReportState", Some("light#bed_light"), json!({})),
    )
    .response;
    assert_eq!(r["event"]["payload"]["type"], "BRIDGE_UNREACHABLE", "{r}");
    let r = invoke(&down, &discovery_event()).response;
    assert_eq!(r["event"]["payload"]["type"], "BRIDGE_UNREACHABLE", "{r}");

    // AcceptGrant.
    let grant = directive(
        "Alexa.Authorization",
        "AcceptGrant",
        None,
        json!({"grant": {"type": "OAuth2.AuthorizationCode", "code": "abc"},
               "grantee": {"type": "BearerToken", "token": HomeAssistant::get().token}}),
    );
    let r = invoke(&lee, &grant).response;
    assert_eq!(r["event"]["header"]["name"], "AcceptGrant.Response");
}
