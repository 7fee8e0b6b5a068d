//! Home Assistant round trips per Alexa directive family, on one long-lived host (a
//! warm Lambda container) against the real harness Home Assistant: `ha_round_trips`
//! (the sequential depth of the invocation's Home Assistant calls) is at most one for
//! every family Home Assistant can serve in one call, two for the ones that need a
//! current value first (`needs_current` in the component lists them with why), and a
//! cold Discovery fetches states, the entity registry and the configuration
//! concurrently. The table the test prints is the one the report quotes.

use std::time::{Duration, Instant};

use lee_e2e::alexa::{discovery_event, prop};
use lee_e2e::in_process::{Handled, gateway, handle, runtime};
use lee_e2e::{HomeAssistant, assert_alexa_valid, directive, dist_components, serial};
use serde_json::{Value, json};

#[path = "alexa_round_trips/websocket.rs"]
mod websocket;

/// One directive: family label, namespace, name, instance, endpoint, payload, and the
/// most round trips it may take on a warm host.
struct Case {
    family: &'static str,
    ns: &'static str,
    name: &'static str,
    instance: Option<&'static str>,
    endpoint: &'static str,
    payload: Value,
    max_trips: u32,
}

fn case(
    family: &'static str,
    ns: &'static str,
    name: &'static str,
    endpoint: &'static str,
    payload: Value,
    max_trips: u32,
) -> Case {
    Case {
        family,
        ns,
        name,
        instance: None,
        endpoint,
        payload,
        max_trips,
    }
}

fn event(c: &Case) -> Value {
    let mut e = directive(c.ns, c.name, Some(c.endpoint), c.payload.clone());
    if let Some(i) = c.instance {
        e["directive"]["header"]["instance"] = json!(i);
    }
    e
}

fn ok(h: &Handled, what: &str) {
    assert_alexa_valid(&h.response);
    assert_ne!(
        h.response["event"]["header"]["name"], "ErrorResponse",
        "{what}: {}",
        h.response
    );
}

/// Puts the demo entities in states every case below changes (so Home Assistant
/// reports the entity among the changed states).
fn set_up(ha: &HomeAssistant) {
    let calls = [
        ("switch", "turn_off", json!({"entity_id": "switch.ac"})),
        (
            "light",
            "turn_on",
            json!({"entity_id": "light.ceiling_lights", "brightness": 100, "color_temp_kelvin": 2700}),
        ),
        ("lock", "unlock", json!({"entity_id": "lock.kitchen_door"})),
        (
            "fan",
            "turn_off",
            json!({"entity_id": "fan.living_room_fan"}),
        ),
        (
            "climate",
            "set_temperature",
            json!({"entity_id": "climate.heatpump", "temperature": 20}),
        ),
        (
            "climate",
            "set_hvac_mode",
            json!({"entity_id": "climate.hvac", "hvac_mode": "cool"}),
        ),
        (
            "media_player",
            "volume_set",
            json!({"entity_id": "media_player.living_room", "volume_level": 0.5}),
        ),
        (
            "input_select",
            "select_option",
            json!({"entity_id": "input_select.house_mode", "option": "Home"}),
        ),
    ];
    for (domain, service, data) in calls {
        ha.call_service(domain, service, data).expect("set up");
    }
}

/// Handles one case, checks it answered well and prints its row of the table.
fn handle_row(
    rt: &tokio::runtime::Runtime,
    gw: &lee::gateway::Gateway,
    c: &Case,
    what: &str,
) -> Handled {
    let h = handle(rt, gw, event(c));
    ok(&h, what);
    println!(
        "{:<64} {:>5} {:>11}",
        format!("{} ({})", c.family, c.name),
        h.timings.ha_calls,
        h.timings.ha_round_trips
    );
    h
}

/// SetMode of the house-mode input_select (its ModeController instance).
fn mode_case() -> Case {
    let mut mode = case(
        "Mode Set",
        "Alexa.ModeController",
        "SetMode",
        "input_select#house_mode",
        json!({"mode": "option.Away"}),
        1,
    );
    mode.instance = Some("input_select.option");
    mode
}

fn cases() -> Vec<Case> {
    let mut v = vec![
        case(
            "ReportState",
            "Alexa",
            "ReportState",
            "light#ceiling_lights",
            json!({}),
            1,
        ),
        case(
            "Power",
            "Alexa.PowerController",
            "TurnOn",
            "switch#ac",
            json!({}),
            1,
        ),
        case(
            "Power",
            "Alexa.PowerController",
            "TurnOff",
            "switch#ac",
            json!({}),
            1,
        ),
        case(
            "Brightness Set",
            "Alexa.BrightnessController",
            "SetBrightness",
            "light#ceiling_lights",
            json!({"brightness": 30}),
            1,
        ),
        case(
            "Brightness Adjust",
            "Alexa.BrightnessController",
            "AdjustBrightness",
            "light#ceiling_lights",
            json!({"brightnessDelta": 20}),
            1,
        ),
        case(
            "Color Set",
            "Alexa.ColorController",
            "SetColor",
            "light#ceiling_lights",
            json!({"color": {"hue": 120.0, "saturation": 1.0, "brightness": 1.0}}),
            1,
        ),
        case(
            "ColorTemperature Set",
            "Alexa.ColorTemperatureController",
            "SetColorTemperature",
            "light#ceiling_lights",
            json!({"colorTemperatureInKelvin": 4000}),
            1,
        ),
        case(
            "ColorTemperature Step (reads first)",
            "Alexa.ColorTemperatureController",
            "IncreaseColorTemperature",
            "light#ceiling_lights",
            json!({}),
            2,
        ),
        case(
            "Thermostat Set",
            "Alexa.ThermostatController",
            "SetTargetTemperature",
            "climate#heatpump",
            json!({"targetSetpoint": {"value": 22.0, "scale": "CELSIUS"}}),
            1,
        ),
        case(
            "Thermostat Adjust (reads first)",
            "Alexa.ThermostatController",
            "AdjustTargetTemperature",
            "climate#heatpump",
            json!({"targetSetpointDelta": {"value": 1.0, "scale": "CELSIUS"}}),
            2,
        ),
        case(
            "Thermostat Mode",
            "Alexa.ThermostatController",
            "SetThermostatMode",
            "climate#hvac",
            json!({"thermostatMode": {"value": "HEAT"}}),
            1,
        ),
        case(
            "Lock",
            "Alexa.LockController",
            "Lock",
            "lock#kitchen_door",
            json!({}),
            1,
        ),
        case(
            "Lock",
            "Alexa.LockController",
            "Unlock",
            "lock#kitchen_door",
            json!({}),
            1,
        ),
        case(
            "Scene",
            "Alexa.SceneController",
            "Activate",
            "script#good_night",
            json!({}),
            1,
        ),
        case(
            "Percentage Set",
            "Alexa.PercentageController",
            "SetPercentage",
            "fan#living_room_fan",
            json!({"percentage": 33}),
            1,
        ),
        case(
            "Percentage Adjust",
            "Alexa.PercentageController",
            "AdjustPercentage",
            "fan#living_room_fan",
            json!({"percentageDelta": 33}),
            1,
        ),
        case(
            "Speaker Set",
            "Alexa.Speaker",
            "SetVolume",
            "media_player#living_room",
            json!({"volume": 30}),
            1,
        ),
        case(
            "Speaker Adjust (reads first)",
            "Alexa.Speaker",
            "AdjustVolume",
            "media_player#living_room",
            json!({"volume": 10, "volumeDefault": false}),
            2,
        ),
    ];
    v.push(mode_case());
    let mut range = case(
        "Range Set",
        "Alexa.RangeController",
        "SetRangeValue",
        "input_number#target_humidity",
        json!({"rangeValue": 55}),
        1,
    );
    range.instance = Some("input_number.value");
    v.push(range);
    let mut adjust = case(
        "Range Adjust (reads first)",
        "Alexa.RangeController",
        "AdjustRangeValue",
        "input_number#target_humidity",
        json!({"rangeValueDelta": -5, "rangeValueDeltaDefault": false}),
        2,
    );
    adjust.instance = Some("input_number.value");
    v.push(adjust);
    v
}

#[test]
fn round_trips_per_directive_family() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    set_up(ha);
    let rt = runtime();
    let gw = gateway(&dist_components());

    // Cold: the first Discovery of a new host reads states, the entity registry and the
    // core configuration concurrently: one round trip of three calls.
    let cold = handle(&rt, &gw, discovery_event());
    ok(&cold, "cold Discovery");
    let t = &cold.timings;
    println!(
        "cold Discovery: ha_calls {} ha_round_trips {}",
        t.ha_calls, t.ha_round_trips
    );
    assert!(t.ha_round_trips <= 2, "{t:?}");
    assert!(t.ha_calls >= 3 && t.ha_round_trips < t.ha_calls, "{t:?}");
    // Warm: Discovery again is the response cache's.
    let again = handle(&rt, &gw, discovery_event());
    assert!(again.timings.cached && again.timings.ha_calls == 0);

    let mut fallbacks = Vec::new();
    println!("{:<64} {:>5} {:>11}", "directive", "calls", "round trips");
    for c in cases() {
        if c.max_trips == 2 {
            // A state read within the last second would be answered from the cache:
            // let the entity's cached state age so the read-first cost shows.
            std::thread::sleep(Duration::from_millis(1_100));
        }
        let what = format!("{}.{} {}", c.ns, c.name, c.endpoint);
        let h = handle_row(&rt, &gw, &c, &what);
        let t = &h.timings;
        if c.max_trips == 1 && c.name != "ReportState" && t.ha_round_trips > 1 {
            fallbacks.push(what.clone());
        }
        assert!(
            t.ha_round_trips <= c.max_trips,
            "{what}: {} round trips (at most {}): {t:?}",
            t.ha_round_trips,
            c.max_trips
        );
    }
    println!("post-command reads (entity not among the changed states): {fallbacks:?}");

    // A command that changes nothing (the switch is already off) leaves the entity out
    // of the changed states: the host read it alongside the call (its cached entry said
    // off), so the answer still takes one round trip, of two calls.
    let off = case(
        "Power",
        "Alexa.PowerController",
        "TurnOff",
        "switch#ac",
        json!({}),
        2,
    );
    let h = handle(&rt, &gw, event(&off));
    ok(&h, "TurnOff of an off switch");
    assert_eq!(
        prop(&h.response, "Alexa.PowerController", "powerState"),
        "OFF"
    );
    println!(
        "TurnOff of an off switch: ha_calls {} ha_round_trips {}",
        h.timings.ha_calls, h.timings.ha_round_trips
    );
    assert_eq!(h.timings.ha_round_trips, 1, "{:?}", h.timings);
    assert_eq!(h.timings.ha_calls, 2, "{:?}", h.timings);
}

/// The same directive twice on the same entity (Alexa asked again, or the device was
/// already there): the second call changes nothing, so Home Assistant leaves the entity
/// out of its changed states; it still takes one round trip, and answers the state
/// Home Assistant has (checked against a read of Home Assistant itself).
#[test]
fn the_same_directive_twice_is_one_round_trip_each_time() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    set_up(ha);
    let rt = runtime();
    let gw = gateway(&dist_components());
    handle(&rt, &gw, discovery_event());
    let mode = mode_case();
    let repeated = [
        (
            case(
                "Power",
                "Alexa.PowerController",
                "TurnOn",
                "switch#ac",
                json!({}),
                1,
            ),
            ("Alexa.PowerController", "powerState", "ON"),
            "switch.ac",
            "on",
        ),
        (
            case(
                "Power",
                "Alexa.PowerController",
                "TurnOff",
                "switch#ac",
                json!({}),
                1,
            ),
            ("Alexa.PowerController", "powerState", "OFF"),
            "switch.ac",
            "off",
        ),
        (
            case(
                "Lock",
                "Alexa.LockController",
                "Lock",
                "lock#kitchen_door",
                json!({}),
                1,
            ),
            ("Alexa.LockController", "lockState", "LOCKED"),
            "lock.kitchen_door",
            "locked",
        ),
        (
            case(
                "Lock",
                "Alexa.LockController",
                "Unlock",
                "lock#kitchen_door",
                json!({}),
                1,
            ),
            ("Alexa.LockController", "lockState", "UNLOCKED"),
            "lock.kitchen_door",
            "unlocked",
        ),
        (
            mode,
            ("Alexa.ModeController", "mode", "option.Away"),
            "input_select.house_mode",
            "Away",
        ),
    ];
    println!(
        "{:<40} {:>5} {:>11}",
        "directive, twice", "calls", "round trips"
    );
    for (c, (ns, name, want), entity, ha_state) in repeated {
        for attempt in ["first", "again"] {
            let h = handle(&rt, &gw, event(&c));
            let what = format!("{}.{} {} ({attempt})", c.ns, c.name, c.endpoint);
            ok(&h, &what);
            let t = &h.timings;
            println!("{what:<40} {:>5} {:>11}", t.ha_calls, t.ha_round_trips);
            assert_eq!(t.ha_round_trips, 1, "{what}: {t:?}");
            assert_eq!(prop(&h.response, ns, name), want, "{what}: {}", h.response);
            assert_eq!(
                ha.state(entity).expect("state")["state"],
                ha_state,
                "{what}"
            );
        }
    }
}

/// The same directives on a cold host (a new gateway each, its caches empty: a cold
/// Lambda container whose background warm-up has not answered yet): the plan's read of
/// the entity comes first, so at most one round trip more than warm; a thermostat's
/// also reads the configuration (its temperature unit) after the entity, one more.
#[test]
fn cold_round_trips_per_directive_family() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    set_up(ha);
    let rt = runtime();
    println!(
        "{:<64} {:>5} {:>11}",
        "directive, cold", "calls", "round trips"
    );
    for c in cases() {
        let gw = gateway(&dist_components());
        let what = format!("{}.{} {} (cold)", c.ns, c.name, c.endpoint);
        let h = handle_row(&rt, &gw, &c, &what);
        let t = &h.timings;
        let bound = c.max_trips + 1 + u32::from(c.endpoint.starts_with("climate#"));
        assert!(
            t.ha_round_trips <= bound,
            "{what}: {} round trips (at most {bound}): {t:?}",
            t.ha_round_trips,
        );
    }
}

#[test]
fn the_demo_lock_answers_locked_after_home_assistant_finishes() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    ha.call_service("lock", "unlock", json!({"entity_id": "lock.front_door"}))
        .expect("unlock");
    let rt = runtime();
    let gw = gateway(&dist_components());
    let lock = case(
        "Lock",
        "Alexa.LockController",
        "Lock",
        "lock#front_door",
        json!({}),
        2,
    );
    // Warm the host's cache first (as a container that served a directive before).
    handle(&rt, &gw, discovery_event());
    let started = Instant::now();
    let h = handle(&rt, &gw, event(&lock));
    let took = started.elapsed();
    ok(&h, "Lock");
    // Home Assistant's call blocks until the demo lock reports locked (~2 s), and its
    // changed states carry the final state: one round trip, answered LOCKED.
    println!(
        "Lock of the demo lock: {} ms, ha_calls {} ha_round_trips {}",
        took.as_millis(),
        h.timings.ha_calls,
        h.timings.ha_round_trips
    );
    assert_eq!(
        prop(&h.response, "Alexa.LockController", "lockState"),
        "LOCKED"
    );
    assert_eq!(h.timings.ha_round_trips, 1, "{:?}", h.timings);
    assert!(took < Duration::from_secs(7), "{took:?}");
    assert_eq!(
        ha.state("lock.front_door").expect("state")["state"],
        "locked"
    );
}

#[test]
fn without_a_configured_token_the_first_directive_warms_the_caches() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let rt = runtime();
    // No HOME_ASSISTANT_TOKEN: account linking only, as in Lambda with no SSM token.
    let gw = lee_e2e::in_process::gateway_without_token(&dist_components(), &ha.url);
    gw.warm_on_first_token();
    let first = handle(
        &rt,
        &gw,
        directive("Alexa", "ReportState", Some("switch#ac"), json!({})),
    );
    ok(&first, "first ReportState");
    // The warm-up runs in the background; give it the time a second directive takes
    // to arrive.
    rt.block_on(async { tokio::time::sleep(Duration::from_millis(1_500)).await });
    let discovery = handle(&rt, &gw, discovery_event());
    ok(&discovery, "Discovery after the warm-up");
    assert_eq!(
        discovery.timings.ha_calls, 0,
        "the warm-up should have filled the caches: {:?}",
        discovery.timings
    );
}
