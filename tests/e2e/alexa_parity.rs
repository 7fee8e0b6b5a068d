//! The interfaces lee offers so that its Discovery is a superset of Home Assistant's
//! own Alexa integration, each working against the real harness Home Assistant through
//! the shipped component: EqualizerController on media players (sound modes),
//! ContactSensor on switches and input_booleans, EventDetectionSensor on buttons (and
//! the reporter's ChangeReport for every press), PlaybackController Stop on covers with
//! Home Assistant's `cover.stop` instance. Every answer is checked against Amazon's
//! schema by the `invoke` helper.

use std::time::Duration;

use lee_e2e::alexa::{expect_error, invoke, prop, send};
use lee_e2e::fake_amazon::FakeAmazon;
use lee_e2e::reporter_process::{CLIENT_ID, SECRET, linked};
use lee_e2e::{HomeAssistant, Lee, directive, serial};
use serde_json::json;

fn report(lee: &Lee, endpoint: &str) -> serde_json::Value {
    invoke(
        lee,
        &directive("Alexa", "ReportState", Some(endpoint), json!({})),
    )
    .response
}

#[test]
fn equalizer_modes_select_the_players_sound_mode() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let lee = Lee::dist();
    for (mode, sound_mode) in [("MOVIE", "Movie"), ("MUSIC", "Music")] {
        let r = send(
            &lee,
            "Alexa.EqualizerController",
            "SetMode",
            None,
            "media_player#living_room",
            json!({"mode": mode}),
        );
        assert_eq!(prop(&r, "Alexa.EqualizerController", "mode"), mode, "{r}");
        let state = ha.state("media_player.living_room").expect("state");
        assert_eq!(state["attributes"]["sound_mode"], sound_mode, "{state}");
        let r = report(&lee, "media_player#living_room");
        assert_eq!(prop(&r, "Alexa.EqualizerController", "mode"), mode, "{r}");
    }
    // A mode the player does not have, and bands (none are offered).
    expect_error(
        &lee,
        &directive(
            "Alexa.EqualizerController",
            "SetMode",
            Some("media_player#living_room"),
            json!({"mode": "NIGHT"}),
        ),
        "Alexa",
        "INVALID_VALUE",
    );
    expect_error(
        &lee,
        &directive(
            "Alexa.EqualizerController",
            "SetBands",
            Some("media_player#living_room"),
            json!({"bands": [{"name": "BASS", "value": 2}]}),
        ),
        "Alexa",
        "INVALID_DIRECTIVE",
    );
}

#[test]
fn switches_and_input_booleans_are_contact_sensors_too() {
    let _guard = serial();
    let lee = Lee::dist();
    for endpoint in ["switch#decorative_lights", "input_boolean#guest_mode"] {
        for (name, detection) in [("TurnOn", "DETECTED"), ("TurnOff", "NOT_DETECTED")] {
            let r = send(
                &lee,
                "Alexa.PowerController",
                name,
                None,
                endpoint,
                json!({}),
            );
            assert_eq!(
                prop(&r, "Alexa.ContactSensor", "detectionState"),
                detection,
                "{endpoint} {name}: {r}"
            );
            let r = report(&lee, endpoint);
            assert_eq!(
                prop(&r, "Alexa.ContactSensor", "detectionState"),
                detection,
                "{endpoint}: {r}"
            );
        }
    }
}

#[test]
fn a_cover_stops_with_and_without_home_assistants_instance() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let lee = Lee::dist();
    for instance in [Some("cover.stop"), None] {
        ha.call_service(
            "cover",
            "open_cover",
            json!({"entity_id": "cover.hall_window"}),
        )
        .expect("open");
        let r = send(
            &lee,
            "Alexa.PlaybackController",
            "Stop",
            instance,
            "cover#hall_window",
            json!({}),
        );
        assert_eq!(r["event"]["header"]["name"], "Response", "{r}");
    }
}

#[test]
fn a_button_press_is_a_detection_and_each_press_is_reported() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let lee = Lee::dist();
    ha.call_service(
        "input_button",
        "press",
        json!({"entity_id": "input_button.doorbell_test"}),
    )
    .expect("press");
    let r = report(&lee, "input_button#doorbell_test");
    assert_eq!(
        prop(
            &r,
            "Alexa.EventDetectionSensor",
            "humanPresenceDetectionState"
        )["value"],
        "DETECTED",
        "{r}"
    );

    let amazon = FakeAmazon::start(CLIENT_ID, SECRET, 3600);
    let _reporter = linked(&amazon);
    for presses in 1..=2 {
        // Button states are timestamps with second resolution in the history; a fresh
        // one each time.
        std::thread::sleep(Duration::from_millis(1100));
        ha.call_service(
            "input_button",
            "press",
            json!({"entity_id": "input_button.doorbell_test"}),
        )
        .expect("press");
        assert!(
            amazon.wait_for(Duration::from_secs(5), |_| {
                amazon
                    .events_for("ChangeReport", "input_button#doorbell_test")
                    .len()
                    >= presses
            }),
            "press {presses}: {:?}",
            amazon.accepted()
        );
    }
    let reports = amazon.events_for("ChangeReport", "input_button#doorbell_test");
    let detected = reports[0].event["event"]["payload"]["change"]["properties"]
        .as_array()
        .and_then(|p| {
            p.iter()
                .find(|p| p["namespace"] == "Alexa.EventDetectionSensor")
        })
        .map(|p| p["value"]["value"].clone());
    assert_eq!(detected, Some(json!("DETECTED")), "{:?}", reports[0].event);
    assert_eq!(amazon.schema_errors(), Vec::<String>::new());
}
