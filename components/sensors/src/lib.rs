//! The `sensors` feature component: "what is the temperature / humidity in <area or
//! name>", for the custom-skill intent `GetSensorValue{SensorType, Location}`.
//!
//! `SensorType` is a spoken kind ("temperature", "humidity", "CO2"...) mapped to a sensor
//! device class. `Location` is tried as an area first (name or alias, via the registries):
//! the area's chosen temperature/humidity sensor when it has one, else every sensor of
//! that class in the area (averaged), else the area's thermostats' current temperature
//! / humidity. When the area has none — or `Location` is no area — it is matched as a
//! name among those sensors and thermostats ("outside" -> "Outside Temperature").
//! Without a location the only sensor of that class is read, or the skill asks where.
//!
//! Config: `temperature_unit` ("°C"/"°F") for thermostat readings, which carry no unit
//! (default: Home Assistant's unit system, else inferred from the thermostat's range).
//! Grants needed: `read_states`.

pub mod speech;

use lee_sdk::Failure;
use lee_sdk::areas::Directory;
use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, Registry, State};
use lee_sdk::locale::{Phrases, fill, phrases};
use lee_sdk::matching::Match;
use lee_sdk::numbers;
use lee_sdk::resolve::{self, Lookup};
use lee_sdk::skill::{SkillRequest, SkillResponse};
use serde_json::Value;

use crate::speech::Speech;

pub struct Sensors;

const ROUTES: Routes = &[("skill:GetSensorValue", Handler::Skill(get_value))];

lee_sdk::component!(Sensors, ROUTES);

/// How fresh a reading must be: a spoken answer may be a few seconds old.
const READING_AGE: Freshness = Freshness::Within(10_000);

/// The thermostat-style attribute holding the current value of a device class.
fn device_attribute(domain: &str, class: &str) -> Option<&'static str> {
    match (domain, class) {
        ("climate", "temperature") | ("water_heater", "temperature") => Some("current_temperature"),
        ("climate", "humidity") | ("humidifier", "humidity") => Some("current_humidity"),
        _ => None,
    }
}

/// Is `state` a source of `class` readings (a sensor of that device class, or a device
/// reporting it as an attribute)?
pub fn is_source(state: &State, class: &str) -> bool {
    match state.domain() {
        "sensor" => state.attribute_str("device_class") == Some(class),
        domain => device_attribute(domain, class)
            .is_some_and(|attr| state.attributes.get(attr).is_some_and(|v| !v.is_null())),
    }
}

/// A numeric reading with its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub value: f64,
    pub unit: Option<String>,
}

/// The current reading of a source; `None` when unavailable or not numeric.
pub fn reading(state: &State, class: &str, temperature_unit: &str) -> Option<Reading> {
    if state.domain() == "sensor" {
        let value = state.state.parse::<f64>().ok().filter(|v| v.is_finite())?;
        let unit = state
            .attribute_str("unit_of_measurement")
            .map(str::to_string);
        return Some(Reading { value, unit });
    }
    if !state.is_available() {
        return None;
    }
    let attr = device_attribute(state.domain(), class)?;
    let value = state.attributes.get(attr).and_then(Value::as_f64)?;
    let unit = match class {
        "temperature" => temperature_unit_of(state, temperature_unit),
        "humidity" => "%".to_string(),
        _ => return Some(Reading { value, unit: None }),
    };
    Some(Reading {
        value,
        unit: Some(unit),
    })
}

/// Thermostats carry no unit: the configured one, else inferred from their range
/// (Home Assistant's default maximum is 35 °C or 95 °F).
fn temperature_unit_of(state: &State, configured: &str) -> String {
    if !configured.is_empty() {
        return configured.to_string();
    }
    let max = state
        .attributes
        .get("max_temp")
        .and_then(Value::as_f64)
        .unwrap_or(35.0);
    if max > 60.0 { "°F" } else { "°C" }.to_string()
}

/// The average of readings sharing the first reading's unit, and how many were used.
pub fn average(readings: &[Reading]) -> Option<(Reading, usize)> {
    let first = readings.first()?;
    let same: Vec<f64> = readings
        .iter()
        .filter(|r| r.unit == first.unit)
        .map(|r| r.value)
        .collect();
    let mean = same.iter().sum::<f64>() / same.len() as f64;
    Some((
        Reading {
            value: mean,
            unit: first.unit.clone(),
        },
        same.len(),
    ))
}

fn say(text: String) -> Result<String, Failure> {
    SkillResponse::say(text).into_result()
}

fn ask(text: &str) -> Result<String, Failure> {
    SkillResponse::ask(text, text).into_result()
}

fn spoken_value(reading: &Reading, speech: &Speech) -> String {
    speech.value(&numbers::spoken(reading.value, 1), reading.unit.as_deref())
}

/// "Outside Temperature is 15.6 degrees Celsius."
fn say_named(
    state: &State,
    class: &str,
    unit: &str,
    speech: &Speech,
    shared: &Phrases,
) -> Result<String, Failure> {
    let name = state.friendly_name();
    match reading(state, class, unit) {
        Some(r) => say(fill(
            speech.named,
            &[("name", &name), ("value", &spoken_value(&r, speech))],
        )),
        None => say(shared.unavailable(&name)),
    }
}

fn get_value(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let Some(spoken_kind) = request.slot("SensorType") else {
        return ask(speech.which_kind);
    };
    let Some(class) = speech.kind(&spoken_kind) else {
        return say(fill(speech.unknown_kind, &[("spoken", &spoken_kind)]));
    };
    let unit = ha::preferred_temperature_unit();
    let kind = speech.kind_name(class);
    let sources: Vec<State> = ha::states(READING_AGE)?
        .into_iter()
        .filter(|s| is_source(s, class))
        .collect();

    let Some(location) = request.slot("Location") else {
        let sensors: Vec<&State> = sources.iter().filter(|s| s.domain() == "sensor").collect();
        return match sensors.as_slice() {
            [only] => say_named(only, class, &unit, speech, shared),
            _ => ask(speech.where_question),
        };
    };

    let directory = Directory::load()?;
    let mut area_name = None;
    match directory.find_area(&location) {
        Match::Found(area) => {
            let preferred = preferred_sensor(&area.id, class)?;
            let in_area = directory.entities_in(&area.id);
            let chosen: Vec<&State> = match preferred
                .as_deref()
                .and_then(|id| sources.iter().find(|s| s.entity_id == id))
            {
                Some(state) => vec![state],
                None => {
                    let here: Vec<&State> = sources
                        .iter()
                        .filter(|s| in_area.contains(&s.entity_id.as_str()))
                        .collect();
                    let sensors: Vec<&State> = here
                        .iter()
                        .copied()
                        .filter(|s| s.domain() == "sensor")
                        .collect();
                    if sensors.is_empty() { here } else { sensors }
                }
            };
            let readings: Vec<Reading> = chosen
                .iter()
                .filter_map(|s| reading(s, class, &unit))
                .collect();
            let place = area.name.clone();
            if let Some((mean, count)) = average(&readings) {
                let value = spoken_value(&mean, speech);
                let template = if count > 1 {
                    speech.in_area_average
                } else {
                    speech.in_area
                };
                return say(fill(
                    template,
                    &[
                        ("kind", kind),
                        ("place", &place),
                        ("value", &value),
                        ("count", &count.to_string()),
                    ],
                ));
            }
            if let [only] = chosen.as_slice() {
                return say(shared.unavailable(&only.friendly_name()));
            }
            area_name = Some(place);
        }
        Match::Ambiguous(areas) => {
            let names: Vec<String> = areas.iter().take(4).map(|a| a.name.clone()).collect();
            return ask(&shared.did_you_mean(&names));
        }
        Match::NotFound => {}
    }

    match resolve::among(&location, sources) {
        Lookup::Found(state) => say_named(&state, class, &unit, speech, shared),
        Lookup::Ambiguous(states) => {
            let names: Vec<String> = states.iter().take(4).map(State::friendly_name).collect();
            ask(&shared.did_you_mean(&names))
        }
        Lookup::NotFound => match area_name {
            Some(place) => say(fill(
                speech.no_sensor_in_area,
                &[("kind", kind), ("place", &place)],
            )),
            None => {
                let thing = fill(speech.thing, &[("kind", kind)]);
                say(shared.not_found(&thing, &location))
            }
        },
    }
}

/// The sensor an area names as its temperature or humidity sensor (HA 2024.10+).
fn preferred_sensor(area_id: &str, class: &str) -> Result<Option<String>, Failure> {
    let field = match class {
        "temperature" => "temperature_entity_id",
        "humidity" => "humidity_entity_id",
        _ => return Ok(None),
    };
    let areas = ha::registry(Registry::Area, Freshness::Mapping)?;
    Ok(areas
        .iter()
        .find(|a| a.get("area_id").and_then(Value::as_str) == Some(area_id))
        .and_then(|a| a.get(field))
        .and_then(Value::as_str)
        .map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(entity_id: &str, value: &str, attributes: Value) -> State {
        State::new(entity_id, value, attributes)
    }

    #[test]
    fn sources_and_readings() {
        let outside = state(
            "sensor.outside_temperature",
            "15.6",
            json!({"device_class": "temperature", "unit_of_measurement": "°C"}),
        );
        let humidity = state(
            "sensor.outside_humidity",
            "54",
            json!({"device_class": "humidity", "unit_of_measurement": "%"}),
        );
        let ecobee = state(
            "climate.ecobee",
            "heat_cool",
            json!({"current_temperature": 23, "max_temp": 35}),
        );
        let fahrenheit = state(
            "climate.f",
            "heat",
            json!({"current_temperature": 70, "max_temp": 95, "current_humidity": 40}),
        );
        assert!(is_source(&outside, "temperature"));
        assert!(!is_source(&humidity, "temperature"));
        assert!(is_source(&ecobee, "temperature"));
        assert!(!is_source(&ecobee, "humidity"));
        assert!(is_source(&fahrenheit, "humidity"));
        let r = reading(&outside, "temperature", "").unwrap();
        assert_eq!(r.value, 15.6);
        assert_eq!(r.unit.as_deref(), Some("°C"));
        assert_eq!(
            reading(&ecobee, "temperature", "").unwrap().unit.as_deref(),
            Some("°C")
        );
        assert_eq!(
            reading(&fahrenheit, "temperature", "")
                .unwrap()
                .unit
                .as_deref(),
            Some("°F")
        );
        assert_eq!(
            reading(&ecobee, "temperature", "°F")
                .unwrap()
                .unit
                .as_deref(),
            Some("°F")
        );
        assert_eq!(
            reading(&fahrenheit, "humidity", "").unwrap(),
            Reading {
                value: 40.0,
                unit: Some("%".into())
            }
        );
        let unavailable = state(
            "sensor.x",
            "unavailable",
            json!({"device_class": "temperature"}),
        );
        assert_eq!(reading(&unavailable, "temperature", ""), None);
    }

    #[test]
    fn averages_share_a_unit() {
        let c = |v: f64| Reading {
            value: v,
            unit: Some("°C".into()),
        };
        let (mean, count) = average(&[
            c(20.0),
            c(22.0),
            Reading {
                value: 70.0,
                unit: Some("°F".into()),
            },
        ])
        .unwrap();
        assert_eq!((mean.value, count), (21.0, 2));
        assert_eq!(average(&[]), None);
        let speech = speech::for_locale("en-US");
        assert_eq!(spoken_value(&mean, speech), "21 degrees Celsius");
    }
}
