//! The `sensors`, `climate` and `weather` components (built to
//! `target/test-components/<name>.wasm`, staged by `./build.sh test`) in a scratch components directory with
//! the manifest entries proposed for `components/lee.toml`, run by the real `lee` binary
//! against the real harness Home Assistant. Spoken readings are compared with Home
//! Assistant's own states and with its `weather.get_forecasts` response; thermostat
//! changes are read back from Home Assistant (and undone).

use std::sync::OnceLock;

use lee_e2e::{ComponentsDir, HomeAssistant, Lee, intent, serial, test_component};
use serde_json::{Value, json};

const MANIFEST: &str = r#"
[[component]]
id = "sensors"
file = "sensors.wasm"
version = "0.1.0"
routes = ["skill:GetSensorValue"]
[component.grants]
read_states = true
[component.limits]
memory_mib = 32
timeout_ms = 5000

[[component]]
id = "climate"
file = "climate.wasm"
version = "0.1.0"
routes = ["skill:SetClimate"]
[component.grants]
services = ["climate.set_temperature", "climate.set_hvac_mode"]
read_states = true
[component.limits]
memory_mib = 32
timeout_ms = 5000

[[component]]
id = "weather"
file = "weather.wasm"
version = "0.1.0"
routes = ["skill:GetWeather"]
[component.grants]
services = ["weather.get_forecasts"]
read_states = true
templates = true
[component.limits]
memory_mib = 32
timeout_ms = 5000
[component.config]
entity = ""
"#;

fn components() -> &'static ComponentsDir {
    static DIR: OnceLock<ComponentsDir> = OnceLock::new();
    DIR.get_or_init(|| {
        ComponentsDir::new(
            MANIFEST,
            &[
                ("sensors.wasm", test_component("sensors")),
                ("climate.wasm", test_component("climate")),
                ("weather.wasm", test_component("weather")),
            ],
        )
        .expect("components dir")
    })
}

fn say_with(lee: &Lee, name: &str, slots: &[(&str, &str)]) -> String {
    let run = lee.invoke(&intent(name, slots)).expect("lee invoke");
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        !run.speech().is_empty(),
        "{} / {}",
        run.response,
        run.stderr
    );
    run.speech()
}

fn say(name: &str, slots: &[(&str, &str)]) -> String {
    say_with(&components().lee(), name, slots)
}

/// A number as the components speak it (at most `decimals` decimals, no trailing zeros).
fn spoken(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".into() } else { text }
}

fn attr(state: &Value, name: &str) -> f64 {
    state["attributes"][name]
        .as_f64()
        .unwrap_or_else(|| panic!("{name} missing: {state}"))
}

#[test]
fn sensor_readings_by_area_and_by_name_match_home_assistant() {
    let ha = HomeAssistant::get();
    // Office has no temperature sensor; its thermostat (Ecobee) reports the temperature.
    let ecobee = ha.state("climate.ecobee").unwrap();
    assert_eq!(
        say(
            "GetSensorValue",
            &[("SensorType", "temperature"), ("Location", "the office")]
        ),
        format!(
            "The temperature in the Office is {} degrees Celsius.",
            spoken(attr(&ecobee, "current_temperature"), 1)
        )
    );
    let outside = ha.state("sensor.outside_temperature").unwrap();
    let value: f64 = outside["state"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        say(
            "GetSensorValue",
            &[("SensorType", "temp"), ("Location", "outside")]
        ),
        format!(
            "Outside Temperature is {} degrees Celsius.",
            spoken(value, 1)
        )
    );
    let humidity = ha.state("sensor.outside_humidity").unwrap();
    assert_eq!(
        say(
            "GetSensorValue",
            &[("SensorType", "humidity"), ("Location", "Outside")]
        ),
        format!(
            "Outside Humidity is {} percent.",
            humidity["state"].as_str().unwrap()
        )
    );
    // Without a location, the only humidity sensor is meant.
    assert_eq!(
        say("GetSensorValue", &[("SensorType", "humidity")]),
        format!(
            "Outside Humidity is {} percent.",
            humidity["state"].as_str().unwrap()
        )
    );
    assert_eq!(
        say(
            "GetSensorValue",
            &[("SensorType", "humidity"), ("Location", "office")]
        ),
        "I couldn't find a humidity sensor in the Office."
    );
    assert_eq!(
        say(
            "GetSensorValue",
            &[("SensorType", "temperature"), ("Location", "the moon")]
        ),
        "I couldn't find a temperature sensor called the moon."
    );
    let run = components()
        .lee()
        .invoke(&intent("GetSensorValue", &[("Location", "office")]))
        .unwrap();
    assert_eq!(
        run.speech(),
        "Which reading would you like, for example temperature or humidity?"
    );
    assert_eq!(run.response["response"]["shouldEndSession"], false);
}

#[test]
fn set_temperature_by_name_respects_step_and_range() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let before = attr(&ha.state("climate.heatpump").unwrap(), "temperature");
    assert_eq!(
        say(
            "SetClimate",
            &[("Location", "heat pump"), ("Temperature", "21.3")]
        ),
        "HeatPump is set to 21.5 degrees."
    );
    ha.wait_for("climate.heatpump", |s| {
        s["attributes"]["temperature"] == json!(21.5)
    })
    .unwrap();
    // Outside min_temp..max_temp: refused, unchanged.
    assert_eq!(
        say(
            "SetClimate",
            &[("Location", "HeatPump"), ("Temperature", "40")]
        ),
        "HeatPump can only be set between 7 and 35 degrees."
    );
    // A mode the entity does not list: refused, unchanged.
    assert_eq!(
        say(
            "SetClimate",
            &[("Location", "heatpump"), ("Mode", "cooling")]
        ),
        "HeatPump can't be set to cool. It can be set to heat or off."
    );
    let state = ha.state("climate.heatpump").unwrap();
    assert_eq!(state["attributes"]["temperature"], json!(21.5));
    assert_eq!(state["state"], "heat");
    ha.call_service(
        "climate",
        "set_temperature",
        json!({"entity_id": "climate.heatpump", "temperature": before}),
    )
    .unwrap();
}

#[test]
fn set_mode_and_temperature_together_and_by_area() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let hvac = ha.state("climate.hvac").unwrap();
    let (mode_before, temp_before) = (hvac["state"].clone(), attr(&hvac, "temperature"));
    assert_eq!(
        say(
            "SetClimate",
            &[
                ("Location", "hvac"),
                ("Mode", "heat"),
                ("Temperature", "24")
            ]
        ),
        "Hvac is set to heat at 24 degrees."
    );
    ha.wait_for("climate.hvac", |s| {
        s["state"] == "heat" && s["attributes"]["temperature"] == json!(24.0)
    })
    .unwrap();
    ha.call_service(
        "climate",
        "set_temperature",
        json!({"entity_id": "climate.hvac", "temperature": temp_before, "hvac_mode": mode_before}),
    )
    .unwrap();

    // The Office area holds the Ecobee, which takes a range in heat_cool: the range is
    // moved to centre on the spoken temperature, keeping its width.
    let ecobee = ha.state("climate.ecobee").unwrap();
    let (low, high) = (
        attr(&ecobee, "target_temp_low"),
        attr(&ecobee, "target_temp_high"),
    );
    assert_eq!(ecobee["state"], "heat_cool");
    let width = high - low;
    let new_low = ((22.0 - width / 2.0) / 0.5).round() * 0.5;
    let new_high = ((new_low + width) / 0.5).round() * 0.5;
    assert_eq!(
        say(
            "SetClimate",
            &[("Location", "office"), ("Temperature", "22")]
        ),
        format!(
            "Ecobee is set to between {} and {} degrees.",
            spoken(new_low, 1),
            spoken(new_high, 1)
        )
    );
    ha.wait_for("climate.ecobee", |s| {
        s["attributes"]["target_temp_low"] == json!(new_low)
            && s["attributes"]["target_temp_high"] == json!(new_high)
    })
    .unwrap();
    ha.call_service(
        "climate",
        "set_temperature",
        json!({"entity_id": "climate.ecobee", "target_temp_low": low, "target_temp_high": high}),
    )
    .unwrap();

    // Several thermostats and no location: the skill asks which.
    let run = components()
        .lee()
        .invoke(&intent("SetClimate", &[("Temperature", "21")]))
        .unwrap();
    assert_eq!(
        run.speech(),
        "Which one? You can say HeatPump, Hvac or Ecobee."
    );
    assert_eq!(run.response["response"]["shouldEndSession"], false);
}

/// How the weather component names Home Assistant's conditions.
fn condition(c: &str) -> String {
    match c {
        "clear-night" => "clear".into(),
        "fog" => "foggy".into(),
        "lightning" => "thunderstorms".into(),
        "lightning-rainy" => "thunderstorms with rain".into(),
        "partlycloudy" => "partly cloudy".into(),
        "pouring" => "pouring rain".into(),
        "snowy-rainy" => "sleet".into(),
        "windy-variant" => "windy and cloudy".into(),
        "exceptional" => "exceptional weather".into(),
        other => other.into(),
    }
}

/// Home Assistant's own daily forecast for `entity` (its time zone is UTC here).
fn forecast(ha: &HomeAssistant, entity: &str) -> Vec<Value> {
    let answer = ha
        .post(
            "/api/services/weather/get_forecasts?return_response",
            &json!({"entity_id": entity, "type": "daily"}),
        )
        .unwrap();
    answer["service_response"][entity]["forecast"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn sentence(label: &str, day: &Value) -> String {
    let mut text = format!(
        "{label}: {}, with a high of {} and a low of {} degrees",
        condition(day["condition"].as_str().unwrap()),
        spoken(day["temperature"].as_f64().unwrap(), 1),
        spoken(day["templow"].as_f64().unwrap(), 1)
    );
    let p = day["precipitation_probability"].as_f64().unwrap_or(0.0);
    if p > 0.0 {
        text.push_str(&format!(
            ", and a {} percent chance of precipitation",
            spoken(p, 0)
        ));
    }
    text + "."
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The weekday (0 = Monday) of a `YYYY-MM-DD...` date.
fn weekday(date: &str) -> usize {
    let (y, m, d): (i64, i64, i64) = (
        date[0..4].parse().unwrap(),
        date[5..7].parse().unwrap(),
        date[8..10].parse().unwrap(),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    (days + 3).rem_euclid(7) as usize
}

#[test]
fn weather_answers_match_the_get_forecasts_response() {
    let ha = HomeAssistant::get();
    // No entity configured: the first weather entity by id.
    let entity = "weather.demo_weather_north";
    let state = ha.state(entity).unwrap();
    let days = forecast(ha, entity);
    assert!(days.len() >= 5, "{days:?}");
    let today = format!(
        "It's currently {} and {} degrees. {}",
        condition(state["state"].as_str().unwrap()),
        spoken(attr(&state, "temperature"), 1),
        sentence("Today", &days[0])
    );
    assert_eq!(say("GetWeather", &[]), today);
    assert_eq!(say("GetWeather", &[("Day", "today")]), today);
    assert_eq!(
        say("GetWeather", &[("Day", "tomorrow")]),
        sentence("Tomorrow", &days[1])
    );
    // A weekday name and an AMAZON.DATE value for the same day, three days ahead.
    let date = &days[3]["datetime"].as_str().unwrap()[..10];
    let name = WEEKDAYS[weekday(date)];
    assert_eq!(
        say("GetWeather", &[("Day", &name.to_lowercase())]),
        sentence(name, &days[3])
    );
    assert_eq!(
        say("GetWeather", &[("Day", date)]),
        sentence(name, &days[3])
    );
    assert_eq!(
        say("GetWeather", &[("Day", "someday")]),
        "Sorry, I can tell the weather for today, tomorrow or a day of the week, not someday."
    );

    // The configured entity is used instead (daily-only demo entity).
    let south = components()
        .lee()
        .env("LEE_WEATHER_ENTITY", "weather.demo_weather_south");
    let days = forecast(ha, "weather.demo_weather_south");
    assert_eq!(
        say_with(&south, "GetWeather", &[("Day", "tomorrow")]),
        sentence("Tomorrow", &days[1])
    );
}
