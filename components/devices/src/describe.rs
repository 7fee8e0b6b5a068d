//! Pure answers for `GetDeviceState` (no host calls, unit-tested natively): an entity's
//! state as spoken, with the details people ask for (brightness, position, set and
//! current temperature, what is playing, a sensor's unit).

use lee_sdk::ha::State;
use lee_sdk::locale::{Phrases, fill};
use lee_sdk::numbers;
use serde_json::Value;

use crate::speech::Speech;

fn number(state: &State, key: &str) -> Option<f64> {
    state.attributes.get(key).and_then(Value::as_f64)
}

/// What to say about `entity`'s current state.
pub fn describe(speech: &Speech, shared: &Phrases, entity: &State) -> String {
    let name = entity.friendly_name();
    if entity.state == "unavailable" {
        return shared.unavailable(&name);
    }
    let domain = entity.domain();
    let device_class = entity.attribute_str("device_class");
    let spoken_state = (speech.state)(domain, device_class, &entity.state);
    let plain = || {
        fill(
            speech.is_state,
            &[("name", &name), ("state", &spoken_state)],
        )
    };
    match domain {
        "light" if entity.state == "on" => match number(entity, "brightness") {
            Some(b) => {
                let percent = (b / 255.0 * 100.0).round();
                fill(
                    speech.light_on,
                    &[("name", &name), ("value", &numbers::spoken(percent, 0))],
                )
            }
            None => plain(),
        },
        "cover" => match number(entity, "current_position") {
            Some(p) if entity.state != "closed" => fill(
                speech.cover_at,
                &[
                    ("name", &name),
                    ("state", &spoken_state),
                    ("value", &numbers::spoken(p, 0)),
                ],
            ),
            _ => plain(),
        },
        "climate" => {
            let current = number(entity, "current_temperature").map(|t| numbers::spoken(t, 1));
            let target = number(entity, "temperature").map(|t| numbers::spoken(t, 1));
            match (entity.state.as_str(), current, target) {
                ("off", Some(current), _) => fill(
                    speech.climate_off,
                    &[("name", &name), ("current", &current)],
                ),
                (_, Some(current), Some(target)) => fill(
                    speech.climate,
                    &[
                        ("name", &name),
                        ("state", &spoken_state),
                        ("target", &target),
                        ("current", &current),
                    ],
                ),
                _ => plain(),
            }
        }
        "media_player" if entity.state == "playing" => match entity.attribute_str("media_title") {
            Some(title) if !title.trim().is_empty() => {
                fill(speech.playing, &[("name", &name), ("title", title.trim())])
            }
            _ => plain(),
        },
        "sensor" | "number" | "input_number" => match entity.state.parse::<f64>() {
            Ok(value) => {
                let unit = entity
                    .attribute_str("unit_of_measurement")
                    .map(speech.unit)
                    .unwrap_or_default();
                let value = format!("{}{unit}", numbers::spoken(value, 1));
                fill(speech.is_state, &[("name", &name), ("state", &value)])
            }
            Err(_) => plain(),
        },
        _ => plain(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::EN_US;
    use lee_sdk::locale::phrases;
    use serde_json::json;

    fn entity(entity_id: &str, name: &str, state: &str, attributes: Value) -> State {
        let mut attributes = attributes;
        attributes["friendly_name"] = json!(name);
        State::new(entity_id, state, attributes)
    }

    #[test]
    fn states_read_naturally() {
        let d = |id: &str, name: &str, state: &str, attrs: Value| {
            describe(&EN_US, phrases("en-US"), &entity(id, name, state, attrs))
        };
        assert_eq!(
            d(
                "light.bed_light",
                "Bed Light",
                "on",
                json!({"brightness": 128})
            ),
            "Bed Light is on at 50 percent brightness."
        );
        assert_eq!(
            d("light.bed_light", "Bed Light", "off", json!({})),
            "Bed Light is off."
        );
        assert_eq!(
            d(
                "cover.hall_window",
                "Hall Window",
                "open",
                json!({"current_position": 10})
            ),
            "Hall Window is open at 10 percent."
        );
        assert_eq!(
            d("cover.garage_door", "Garage Door", "closed", json!({})),
            "Garage Door is closed."
        );
        assert_eq!(
            d(
                "climate.heatpump",
                "HeatPump",
                "heat",
                json!({"temperature": 20.0, "current_temperature": 25.0})
            ),
            "HeatPump is set to heat at 20 degrees. It is 25 degrees now."
        );
        assert_eq!(
            d(
                "climate.ecobee",
                "Ecobee",
                "heat_cool",
                json!({"current_temperature": 23})
            ),
            "Ecobee is heat cool."
        );
        assert_eq!(
            d(
                "media_player.walkman",
                "Walkman",
                "playing",
                json!({"media_title": "Children Of The Night"})
            ),
            "Walkman is playing Children Of The Night."
        );
        assert_eq!(
            d(
                "sensor.outside_temperature",
                "Outside Temperature",
                "15.6",
                json!({"unit_of_measurement": "°C"})
            ),
            "Outside Temperature is 15.6 degrees Celsius."
        );
        assert_eq!(
            d(
                "binary_sensor.basement_floor_wet",
                "Basement Floor Wet",
                "off",
                json!({"device_class": "moisture"})
            ),
            "Basement Floor Wet is dry."
        );
        assert_eq!(
            d("lock.front_door", "Front Door", "locked", json!({})),
            "Front Door is locked."
        );
        assert_eq!(
            d(
                "device_tracker.demo_paulus",
                "Paulus",
                "not_home",
                json!({})
            ),
            "Paulus is away."
        );
        assert_eq!(
            d("switch.ac", "AC", "unavailable", json!({})),
            "AC is unavailable right now."
        );
    }
}
