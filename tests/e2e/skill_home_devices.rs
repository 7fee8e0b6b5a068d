//! `devices` end to end: TurnOnDevice, TurnOffDevice and GetDeviceState by spoken name
//! on the harness's real entities, with Home Assistant's state checked afterwards.

use lee_e2e::{HomeAssistant, intent, serial};
use serde_json::json;

use super::{AREAS, DEVICES, run, with};

#[test]
fn turn_on_and_off_by_name_and_by_area() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("devices", DEVICES);
    ha.call_service("light", "turn_off", json!({"entity_id": "light.bed_light"}))
        .expect("bed light off");
    // "bedroom light": the only light in the Bedroom (assigned through its device).
    let on = run(
        &lee,
        &intent("TurnOnDevice", &[("DeviceName", "bedroom light")]),
    );
    assert_eq!(on.speech(), "Turned on Bed Light.");
    let lit = ha
        .wait_for("light.bed_light", |s| s["state"] == "on")
        .expect("on");

    let brightness = lit["attributes"]["brightness"]
        .as_f64()
        .expect("brightness");
    let percent = (brightness / 255.0 * 100.0).round();
    let state = run(
        &lee,
        &intent("GetDeviceState", &[("DeviceName", "the Bed-Light")]),
    );
    assert_eq!(
        state.speech(),
        format!("Bed Light is on at {percent} percent brightness.")
    );

    let off = run(
        &lee,
        &intent("TurnOffDevice", &[("DeviceName", "bed lights")]),
    );
    assert_eq!(off.speech(), "Turned off Bed Light.");
    ha.wait_for("light.bed_light", |s| s["state"] == "off")
        .expect("off");

    ha.call_service("switch", "turn_off", json!({"entity_id": "switch.ac"}))
        .expect("ac off");
    let ac = run(
        &lee,
        &intent("TurnOnDevice", &[("DeviceName", "office AC")]),
    );
    assert_eq!(ac.speech(), "Turned on AC.");
    ha.wait_for("switch.ac", |s| s["state"] == "on")
        .expect("ac on");
    run(&lee, &intent("TurnOffDevice", &[("DeviceName", "AC")]));
    ha.wait_for("switch.ac", |s| s["state"] == "off")
        .expect("ac off again");
}

#[test]
fn equally_close_names_are_asked_about_and_change_nothing() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("devices", DEVICES);
    let before = [
        ha.state("light.ceiling_lights").expect("ceiling")["state"].clone(),
        ha.state("light.living_room_rgbww_lights").expect("rgbww")["state"].clone(),
    ];
    let asked = run(
        &lee,
        &intent("TurnOffDevice", &[("DeviceName", "living room light")]),
    );
    assert_eq!(
        asked.speech(),
        "Did you mean Ceiling Lights or Living Room RGBWW Lights?"
    );
    assert_eq!(asked.response["response"]["shouldEndSession"], false);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let after = [
        ha.state("light.ceiling_lights").expect("ceiling")["state"].clone(),
        ha.state("light.living_room_rgbww_lights").expect("rgbww")["state"].clone(),
    ];
    assert_eq!(before, after);
    let unknown = run(
        &lee,
        &intent("TurnOnDevice", &[("DeviceName", "flux capacitor")]),
    );
    assert_eq!(
        unknown.speech(),
        "I couldn't find a device called flux capacitor."
    );
}

#[test]
fn garage_doors_and_locks_are_not_switched_by_voice() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("devices", DEVICES);
    ha.call_service(
        "cover",
        "close_cover",
        json!({"entity_id": "cover.garage_door"}),
    )
    .expect("garage closing");
    ha.wait_for("cover.garage_door", |s| s["state"] == "closed")
        .expect("closed");
    let garage = run(
        &lee,
        &intent("TurnOnDevice", &[("DeviceName", "garage door")]),
    );
    assert_eq!(
        garage.speech(),
        "For safety, I can't open Garage Door by voice."
    );
    let lock = run(
        &lee,
        &intent("TurnOffDevice", &[("DeviceName", "front door")]),
    );
    assert_eq!(lock.speech(), "Front Door can't be turned off.");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        ha.state("cover.garage_door").expect("garage")["state"],
        "closed"
    );
    assert_eq!(
        ha.state("lock.front_door").expect("lock")["state"],
        "locked"
    );
}

#[test]
fn states_of_sensors_covers_and_climate_are_read_from_home_assistant() {
    let ha = HomeAssistant::get();
    let (_dir, lee) = with("devices", DEVICES);
    let outside = ha.state("sensor.outside_temperature").expect("sensor");
    let value: f64 = outside["state"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("number");
    let said = run(
        &lee,
        &intent("GetDeviceState", &[("DeviceName", "outside temperature")]),
    );
    assert_eq!(
        said.speech(),
        format!("Outside Temperature is {value} degrees Celsius.")
    );
    let lock = run(
        &lee,
        &intent("GetDeviceState", &[("DeviceName", "front door")]),
    );
    let locked = ha.state("lock.front_door").expect("lock")["state"].clone();
    assert_eq!(
        lock.speech(),
        format!("Front Door is {}.", locked.as_str().unwrap_or_default())
    );
    let flood = run(
        &lee,
        &intent("GetDeviceState", &[("DeviceName", "basement floor wet")]),
    );
    let wet = ha
        .state("binary_sensor.basement_floor_wet")
        .expect("sensor")["state"]
        == "on";
    assert_eq!(
        flood.speech(),
        format!("Basement Floor Wet is {}.", if wet { "wet" } else { "dry" })
    );
}

/// The harness gives `light.bed_light` the alias "Reading Lamp" and the Living Room the
/// alias "Lounge" in Home Assistant's registries; the host merges entity aliases into the
/// entity registry listing, so both resolve by the alias alone.
#[test]
fn entity_and_area_aliases_resolve() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let (_dir, devices) = with("devices", DEVICES);
    ha.call_service("light", "turn_off", json!({"entity_id": "light.bed_light"}))
        .expect("bed light off");
    let on = run(
        &devices,
        &intent("TurnOnDevice", &[("DeviceName", "reading lamp")]),
    );
    assert_eq!(on.speech(), "Turned on Bed Light.");
    ha.wait_for("light.bed_light", |s| s["state"] == "on")
        .expect("on by alias");

    let (_dir, areas) = with("areas", AREAS);
    ha.call_service(
        "light",
        "turn_on",
        json!({"entity_id": "light.living_room_rgbww_lights"}),
    )
    .expect("living room light on");
    let off = run(
        &areas,
        &intent(
            "ControlArea",
            &[
                ("AreaName", "lounge"),
                ("Action", "off"),
                ("DeviceType", "lights"),
            ],
        ),
    );
    assert!(off.speech().contains("Living Room"), "{}", off.speech());
    ha.wait_for("light.living_room_rgbww_lights", |s| s["state"] == "off")
        .expect("off by area alias");
}
