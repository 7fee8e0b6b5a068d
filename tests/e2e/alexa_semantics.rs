//! Amazon's interface semantics where they differ from a plain mapping onto Home
//! Assistant, each against the real harness Home Assistant (demo lights and climate)
//! on one long-lived host (the colour's brightness is remembered by the component, as
//! in a warm container), and each checked by a ReportState afterwards.

use lee::gateway::Gateway;
use lee_e2e::alexa::prop;
use lee_e2e::in_process::{Handled, gateway, handle, runtime};
use lee_e2e::{HomeAssistant, assert_alexa_valid, directive, dist_components, serial};
use serde_json::{Value, json};

struct Host {
    rt: tokio::runtime::Runtime,
    gw: Gateway,
}

impl Host {
    fn new() -> Self {
        Self {
            rt: runtime(),
            gw: gateway(&dist_components()),
        }
    }

    fn run(&self, ns: &str, name: &str, endpoint: &str, payload: Value) -> Value {
        let h: Handled = handle(
            &self.rt,
            &self.gw,
            directive(ns, name, Some(endpoint), payload),
        );
        assert_alexa_valid(&h.response);
        h.response
    }

    fn send(&self, ns: &str, name: &str, endpoint: &str, payload: Value) -> Value {
        let r = self.run(ns, name, endpoint, payload);
        assert_ne!(
            r["event"]["header"]["name"], "ErrorResponse",
            "{ns}.{name} on {endpoint}: {r}"
        );
        r
    }

    fn report(&self, endpoint: &str) -> Value {
        let r = self.send("Alexa", "ReportState", endpoint, json!({}));
        assert_eq!(r["event"]["header"]["name"], "StateReport", "{r}");
        r
    }
}

fn kelvin(r: &Value) -> &Value {
    prop(
        r,
        "Alexa.ColorTemperatureController",
        "colorTemperatureInKelvin",
    )
}

fn power(r: &Value) -> &Value {
    prop(r, "Alexa.PowerController", "powerState")
}

const LIGHT: &str = "light#ceiling_lights";
const ENTITY: &str = "light.ceiling_lights";

/// The light on at `kelvin`, then (if `off`) off again: it comes back at `kelvin`.
fn light_at(ha: &HomeAssistant, kelvin: u32, off: bool) {
    ha.call_service(
        "light",
        "turn_on",
        json!({"entity_id": ENTITY, "color_temp_kelvin": kelvin, "brightness": 128}),
    )
    .expect("turn on");
    if off {
        ha.call_service("light", "turn_off", json!({"entity_id": ENTITY}))
            .expect("turn off");
        ha.wait_for(ENTITY, |s| s["state"] == "off").expect("off");
    }
    // The change was made behind lee's back: a read-first directive accepts a state up
    // to 1 s old (`Within(1000)`), so wait that out instead of racing the cache.
    std::thread::sleep(std::time::Duration::from_millis(1_100));
}

#[test]
fn the_colour_brightness_is_the_colours_own() {
    let _guard = serial();
    let host = Host::new();
    let red = json!({"hue": 0.0, "saturation": 1.0, "brightness": 1.0});
    let r = host.send(
        "Alexa.ColorController",
        "SetColor",
        "light#kitchen_lights",
        json!({"color": red}),
    );
    assert_eq!(prop(&r, "Alexa.ColorController", "color"), &red);
    let r = host.send(
        "Alexa.BrightnessController",
        "SetBrightness",
        "light#kitchen_lights",
        json!({"brightness": 50}),
    );
    assert_eq!(prop(&r, "Alexa.BrightnessController", "brightness"), 50);
    assert_eq!(prop(&r, "Alexa.ColorController", "color"), &red);
    let r = host.report("light#kitchen_lights");
    assert_eq!(prop(&r, "Alexa.ColorController", "color"), &red);
    assert_eq!(prop(&r, "Alexa.BrightnessController", "brightness"), 50);
    // A colour at half its brightness: reported as set; the light's brightness stays.
    let blue = json!({"hue": 240.0, "saturation": 1.0, "brightness": 0.5});
    host.send(
        "Alexa.ColorController",
        "SetColor",
        "light#kitchen_lights",
        json!({"color": blue}),
    );
    let r = host.report("light#kitchen_lights");
    assert_eq!(prop(&r, "Alexa.ColorController", "color"), &blue);
    assert_eq!(prop(&r, "Alexa.BrightnessController", "brightness"), 50);
}

#[test]
fn stepping_the_temperature_of_an_off_light_steps_from_what_it_comes_back_with() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let host = Host::new();
    // Off, last at 3000 K: Increase turns it on and steps 3000 -> 4000 (not from a default).
    light_at(ha, 3000, true);
    let r = host.send(
        "Alexa.ColorTemperatureController",
        "IncreaseColorTemperature",
        LIGHT,
        json!({}),
    );
    assert_eq!(power(&r), "ON");
    assert_eq!(kelvin(&r), 4000);
    let r = host.report(LIGHT);
    assert_eq!((power(&r), kelvin(&r)), (&json!("ON"), &json!(4000)));
    // Off, last at 2700 K: Decrease steps to 2200.
    light_at(ha, 2700, true);
    host.send(
        "Alexa.ColorTemperatureController",
        "DecreaseColorTemperature",
        LIGHT,
        json!({}),
    );
    let r = host.report(LIGHT);
    assert_eq!((power(&r), kelvin(&r)), (&json!("ON"), &json!(2200)));
}

#[test]
fn stepping_past_the_named_whites_reaches_the_devices_own_limits() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let host = Host::new();
    let step = |name: &str| {
        host.send("Alexa.ColorTemperatureController", name, LIGHT, json!({}));
        kelvin(&host.report(LIGHT)).clone()
    };
    // The demo light takes 2000..6535 K.
    light_at(ha, 2200, false);
    assert_eq!(step("DecreaseColorTemperature"), 2000);
    assert_eq!(step("DecreaseColorTemperature"), 2000);
    light_at(ha, 5500, false);
    assert_eq!(step("IncreaseColorTemperature"), 6535);
    assert_eq!(step("IncreaseColorTemperature"), 6535);
    // Set clamps to the device range and reports what the device took.
    for (asked, took) in [(1000, 2000), (9000, 6535)] {
        let r = host.send(
            "Alexa.ColorTemperatureController",
            "SetColorTemperature",
            LIGHT,
            json!({"colorTemperatureInKelvin": asked}),
        );
        assert_eq!(kelvin(&r), took);
        assert_eq!(kelvin(&host.report(LIGHT)), took);
        let s = ha.state(ENTITY).expect("state");
        assert_eq!(s["attributes"]["color_temp_kelvin"], took);
    }
}

#[test]
fn brightness_colour_and_temperature_turn_an_off_light_on() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let host = Host::new();
    let directives = [
        (
            "Alexa.BrightnessController",
            "SetBrightness",
            json!({"brightness": 40}),
        ),
        (
            "Alexa.BrightnessController",
            "AdjustBrightness",
            json!({"brightnessDelta": 30}),
        ),
        (
            "Alexa.ColorController",
            "SetColor",
            json!({"color": {"hue": 60.0, "saturation": 1.0, "brightness": 1.0}}),
        ),
        (
            "Alexa.ColorTemperatureController",
            "SetColorTemperature",
            json!({"colorTemperatureInKelvin": 2700}),
        ),
    ];
    for (ns, name, payload) in directives {
        light_at(ha, 3000, true);
        let r = host.send(ns, name, LIGHT, payload);
        assert_eq!(power(&r), "ON", "{name}: {r}");
        let r = host.report(LIGHT);
        assert_eq!(power(&r), "ON", "{name}: {r}");
        if name == "AdjustBrightness" {
            // From 0 (off) up by 30.
            assert_eq!(prop(&r, "Alexa.BrightnessController", "brightness"), 30);
        }
        assert_eq!(ha.state(ENTITY).expect("state")["state"], "on", "{name}");
    }
}

#[test]
fn a_thermostat_set_outside_its_range_is_refused_and_changes_nothing() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let host = Host::new();
    ha.call_service(
        "climate",
        "set_temperature",
        json!({"entity_id": "climate.heatpump", "temperature": 20}),
    )
    .expect("set up");
    let setpoint =
        |r: &Value| prop(r, "Alexa.ThermostatController", "targetSetpoint")["value"].clone();
    let r = host.run(
        "Alexa.ThermostatController",
        "SetTargetTemperature",
        "climate#heatpump",
        json!({"targetSetpoint": {"value": 40.0, "scale": "CELSIUS"}}),
    );
    assert_eq!(r["event"]["header"]["name"], "ErrorResponse", "{r}");
    assert_eq!(
        r["event"]["payload"]["type"],
        "TEMPERATURE_VALUE_OUT_OF_RANGE"
    );
    let range = &r["event"]["payload"]["validRange"];
    assert_eq!(range["minimumValue"]["value"], 7.0, "{r}");
    assert_eq!(range["maximumValue"]["value"], 35.0, "{r}");
    assert_eq!(range["maximumValue"]["scale"], "CELSIUS", "{r}");
    assert_eq!(setpoint(&host.report("climate#heatpump")), 20.0);
    // Adjust after the refused Set moves from the unchanged setpoint.
    let r = host.send(
        "Alexa.ThermostatController",
        "AdjustTargetTemperature",
        "climate#heatpump",
        json!({"targetSetpointDelta": {"value": 1.0, "scale": "CELSIUS"}}),
    );
    assert_eq!(setpoint(&r), 21.0);
    assert_eq!(setpoint(&host.report("climate#heatpump")), 21.0);
    assert_eq!(
        ha.state("climate.heatpump").expect("state")["attributes"]["temperature"],
        21.0
    );
}
