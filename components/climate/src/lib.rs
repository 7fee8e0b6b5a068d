//! The `climate` feature component: set a thermostat's target temperature and/or HVAC
//! mode by name or area, for the custom-skill intent `SetClimate{Location, Temperature,
//! Mode}`.
//!
//! - The target is rounded to the entity's `target_temp_step` (default 0.5 °C / 1 °F) and
//!   must lie within `min_temp`..`max_temp`, else the skill says the allowed range and
//!   changes nothing.
//! - Only modes listed in the entity's `hvac_modes` are set; otherwise it says which are.
//! - Entities that only take a range (`target_temp_low`/`high`, e.g. in `heat_cool`) get
//!   the range moved: in heat the low end, in cool the high end, otherwise the range is
//!   centred on the spoken temperature, keeping its width.
//! - Temperature and mode together are one `climate.set_temperature` call with
//!   `hvac_mode`; a mode alone is `climate.set_hvac_mode`.
//! - `Location` is a thermostat name first, then an area (every thermostat in it).
//!
//! Config: `temperature_unit` ("°C"/"°F"; default Home Assistant's unit system, else
//! inferred from the entity's range).
//! Grants needed: `climate.set_temperature`, `climate.set_hvac_mode`, `read_states`.

pub mod speech;

use lee_sdk::areas::Directory;
use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, State};
use lee_sdk::locale::{Phrases, fill, phrases};
use lee_sdk::matching::{Match, spoken_list};
use lee_sdk::numbers;
use lee_sdk::resolve::{self, Lookup};
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, log};
use serde_json::{Value, json};

use crate::speech::Speech;

pub struct Climate;

const ROUTES: Routes = &[("skill:SetClimate", Handler::Skill(set_climate))];

lee_sdk::component!(Climate, ROUTES);

/// `ClimateEntityFeature.TARGET_TEMPERATURE`.
const FEATURE_TARGET: u64 = 1;
/// `ClimateEntityFeature.TARGET_TEMPERATURE_RANGE`.
const FEATURE_RANGE: u64 = 2;

/// What to do with one thermostat.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Call `climate.<service>` with `data`, then say `speech`.
    Call {
        service: &'static str,
        data: Value,
        speech: String,
    },
    /// Change nothing; say why.
    Refuse(String),
}

fn number_attr(state: &State, name: &str) -> Option<f64> {
    state.attributes.get(name).and_then(Value::as_f64)
}

/// The unit of a thermostat: configured, else inferred from its range.
fn is_fahrenheit(state: &State, configured: &str) -> bool {
    match configured.trim() {
        "" => number_attr(state, "max_temp").unwrap_or(35.0) > 60.0,
        unit => unit.contains('F'),
    }
}

/// `value` rounded to a multiple of `step`.
pub fn round_to_step(value: f64, step: f64) -> f64 {
    if step <= 0.0 {
        return value;
    }
    let rounded = (value / step).round() * step;
    // Keep 20.5 from becoming 20.499999999.
    (rounded * 1000.0).round() / 1000.0
}

/// The new `(low, high)` range for a range-only thermostat asked for `target`.
pub fn range_for(target: f64, mode: &str, state: &State, step: f64) -> (f64, f64) {
    let min = number_attr(state, "min_temp").unwrap_or(f64::MIN);
    let max = number_attr(state, "max_temp").unwrap_or(f64::MAX);
    let low = number_attr(state, "target_temp_low");
    let high = number_attr(state, "target_temp_high");
    match mode {
        "heat" => (target, high.unwrap_or(target).max(target)),
        "cool" => (low.unwrap_or(target).min(target), target),
        _ => {
            let width = match (low, high) {
                (Some(l), Some(h)) if h >= l => h - l,
                _ => 4.0,
            };
            let mut new_low = round_to_step(target - width / 2.0, step);
            let mut new_high = round_to_step(new_low + width, step);
            if new_low < min {
                new_high += min - new_low;
                new_low = min;
            }
            if new_high > max {
                new_low = (new_low - (new_high - max)).max(min);
                new_high = max;
            }
            (new_low, new_high)
        }
    }
}

/// Decides what to do for one thermostat (pure: no Home Assistant calls).
pub fn plan(
    state: &State,
    temperature: Option<f64>,
    mode: Option<&str>,
    unit: &str,
    speech: &Speech,
    shared: &Phrases,
) -> Plan {
    let name = state.friendly_name();
    let spoken = |n: f64| numbers::spoken(n, 1);
    if !state.is_available() {
        return Plan::Refuse(shared.unavailable(&name));
    }
    if let Some(mode) = mode {
        let supported: Vec<String> = state
            .attributes
            .get("hvac_modes")
            .and_then(Value::as_array)
            .map(|modes| {
                modes
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if !supported.iter().any(|m| m == mode) {
            let names: Vec<String> = supported.iter().map(|m| speech.mode_name(m)).collect();
            return Plan::Refuse(fill(
                speech.unsupported_mode,
                &[
                    ("name", &name),
                    ("mode", &speech.mode_name(mode)),
                    ("modes", &spoken_list(&names, shared.or)),
                ],
            ));
        }
    }
    let mode_name = mode.map(|m| speech.mode_name(m)).unwrap_or_default();
    let Some(target) = temperature else {
        let Some(mode) = mode else {
            return Plan::Refuse(speech.what_to_set.to_string());
        };
        return Plan::Call {
            service: "set_hvac_mode",
            data: json!({"entity_id": state.entity_id, "hvac_mode": mode}),
            speech: fill(speech.set_mode, &[("name", &name), ("mode", &mode_name)]),
        };
    };
    let features = state
        .attributes
        .get("supported_features")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let (single, range) = (
        features & FEATURE_TARGET != 0,
        features & FEATURE_RANGE != 0,
    );
    if !single && !range {
        return Plan::Refuse(fill(speech.no_target_temperature, &[("name", &name)]));
    }
    let default_step = if is_fahrenheit(state, unit) { 1.0 } else { 0.5 };
    let step = number_attr(state, "target_temp_step")
        .filter(|s| *s > 0.0)
        .unwrap_or(default_step);
    let target = round_to_step(target, step);
    let min = number_attr(state, "min_temp").unwrap_or(f64::MIN);
    let max = number_attr(state, "max_temp").unwrap_or(f64::MAX);
    if target < min - 1e-9 || target > max + 1e-9 {
        return Plan::Refuse(fill(
            speech.out_of_range,
            &[
                ("name", &name),
                ("min", &spoken(min)),
                ("max", &spoken(max)),
            ],
        ));
    }
    let effective_mode = mode.unwrap_or(state.state.as_str());
    let use_range = range && (!single || effective_mode == "heat_cool");
    let mut data = json!({"entity_id": state.entity_id});
    if let Some(mode) = mode {
        data["hvac_mode"] = json!(mode);
    }
    let sentence = if use_range {
        let (low, high) = range_for(target, effective_mode, state, step);
        data["target_temp_low"] = json!(low);
        data["target_temp_high"] = json!(high);
        let args = [
            ("name", name.as_str()),
            ("mode", mode_name.as_str()),
            ("low", &spoken(low)),
            ("high", &spoken(high)),
        ];
        let template = if mode.is_some() {
            speech.set_mode_and_range
        } else {
            speech.set_range
        };
        fill(template, &args)
    } else {
        data["temperature"] = json!(target);
        let args = [
            ("name", name.as_str()),
            ("mode", mode_name.as_str()),
            ("temperature", &spoken(target)),
        ];
        let template = if mode.is_some() {
            speech.set_mode_and_temperature
        } else {
            speech.set_temperature
        };
        fill(template, &args)
    };
    Plan::Call {
        service: "set_temperature",
        data,
        speech: sentence,
    }
}

fn say(text: String) -> Result<String, Failure> {
    SkillResponse::say(text).into_result()
}

fn ask(text: String) -> Result<String, Failure> {
    SkillResponse::ask(text.clone(), text).into_result()
}

/// The thermostats meant, or what to answer instead.
enum Targets {
    These(Vec<State>),
    Answer(Result<String, Failure>),
}

fn targets(location: Option<&str>, speech: &Speech, shared: &Phrases) -> Result<Targets, Failure> {
    let thermostats = ha::states_in_domain("climate", Freshness::ForLookup)?;
    let Some(location) = location else {
        return Ok(match thermostats.as_slice() {
            [] => Targets::Answer(say(speech.no_thermostats.to_string())),
            [only] => Targets::These(vec![only.clone()]),
            all => {
                let names: Vec<String> = all.iter().map(State::friendly_name).collect();
                Targets::Answer(ask(fill(
                    speech.which_thermostat,
                    &[("names", &spoken_list(&names, shared.or))],
                )))
            }
        });
    };
    match resolve::among(location, thermostats.clone()) {
        Lookup::Found(state) => return Ok(Targets::These(vec![state])),
        Lookup::Ambiguous(states) => {
            let names: Vec<String> = states.iter().take(4).map(State::friendly_name).collect();
            return Ok(Targets::Answer(ask(shared.did_you_mean(&names))));
        }
        Lookup::NotFound => {}
    }
    let directory = Directory::load()?;
    Ok(match directory.find_area(location) {
        Match::Found(area) => {
            let here = directory.entities_in(&area.id);
            let in_area: Vec<State> = thermostats
                .into_iter()
                .filter(|t| here.contains(&t.entity_id.as_str()))
                .collect();
            if in_area.is_empty() {
                Targets::Answer(say(fill(speech.none_in_area, &[("place", &area.name)])))
            } else {
                Targets::These(in_area)
            }
        }
        Match::Ambiguous(areas) => {
            let names: Vec<String> = areas.iter().take(4).map(|a| a.name.clone()).collect();
            Targets::Answer(ask(shared.did_you_mean(&names)))
        }
        Match::NotFound => Targets::Answer(say(shared.not_found(speech.thing, location))),
    })
}

fn set_climate(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let temperature = match request.slot("Temperature") {
        Some(text) => match numbers::parse(&text) {
            Some(value) => Some(value),
            None => return say(fill(speech.bad_temperature, &[("spoken", &text)])),
        },
        None => None,
    };
    let mode = match request.slot("Mode") {
        Some(text) => match speech.mode(&text) {
            Some(mode) => Some(mode),
            None => return say(fill(speech.unknown_mode, &[("spoken", &text)])),
        },
        None => None,
    };
    if temperature.is_none() && mode.is_none() {
        return ask(speech.what_to_set.to_string());
    }
    let states = match targets(request.slot("Location").as_deref(), speech, shared)? {
        Targets::These(states) => states,
        Targets::Answer(answer) => return answer,
    };
    let unit = ha::preferred_temperature_unit();
    let mut sentences = Vec::new();
    for listed in states {
        // The lookup list may be a minute old; plan against the current state.
        let state = ha::state(&listed.entity_id, Freshness::Now)?.unwrap_or(listed);
        match plan(&state, temperature, mode, &unit, speech, shared) {
            Plan::Call {
                service,
                data,
                speech: sentence,
            } => {
                ha::call_service("climate", service, &data)?;
                log::info(
                    "climate set",
                    &[("entity", &state.entity_id), ("service", service)],
                );
                sentences.push(sentence);
            }
            Plan::Refuse(sentence) => sentences.push(sentence),
        }
    }
    say(sentences.join(speech.sentence_separator))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thermostat(id: &str, mode: &str, attributes: Value) -> State {
        State::new(id, mode, attributes)
    }

    fn heatpump() -> State {
        thermostat(
            "climate.heatpump",
            "heat",
            json!({"friendly_name": "HeatPump", "hvac_modes": ["heat", "off"], "min_temp": 7.0,
                   "max_temp": 35.0, "temperature": 20.0, "supported_features": 385}),
        )
    }

    fn ecobee() -> State {
        thermostat(
            "climate.ecobee",
            "heat_cool",
            json!({"friendly_name": "Ecobee", "hvac_modes": ["off", "cool", "heat_cool", "auto", "dry", "fan_only"],
                   "min_temp": 7, "max_temp": 35, "target_temp_low": 20.0, "target_temp_high": 25.0,
                   "supported_features": 442}),
        )
    }

    fn s() -> &'static Speech {
        speech::for_locale("en-US")
    }

    fn en() -> &'static Phrases {
        phrases("en-US")
    }

    #[test]
    fn temperature_is_rounded_to_the_step_and_range_checked() {
        let plan1 = plan(&heatpump(), Some(21.3), None, "", s(), en());
        assert_eq!(
            plan1,
            Plan::Call {
                service: "set_temperature",
                data: json!({"entity_id": "climate.heatpump", "temperature": 21.5}),
                speech: "HeatPump is set to 21.5 degrees.".into(),
            }
        );
        let mut stepped = heatpump();
        stepped.attributes["target_temp_step"] = json!(1);
        assert!(matches!(plan(&stepped, Some(21.3), None, "", s(), en()),
            Plan::Call { data, .. } if data["temperature"] == json!(21.0)));
        assert_eq!(
            plan(&heatpump(), Some(40.0), None, "", s(), en()),
            Plan::Refuse("HeatPump can only be set between 7 and 35 degrees.".into())
        );
        assert!(matches!(
            plan(&heatpump(), Some(5.0), None, "", s(), en()),
            Plan::Refuse(_)
        ));
        let fahrenheit = thermostat(
            "climate.f",
            "heat",
            json!({"friendly_name": "F", "min_temp": 45, "max_temp": 95, "supported_features": 1}),
        );
        assert!(matches!(plan(&fahrenheit, Some(70.4), None, "", s(), en()),
            Plan::Call { data, .. } if data["temperature"] == json!(70.0)));
    }

    #[test]
    fn only_supported_modes() {
        assert_eq!(
            plan(&heatpump(), None, Some("cool"), "", s(), en()),
            Plan::Refuse("HeatPump can't be set to cool. It can be set to heat or off.".into())
        );
        assert_eq!(
            plan(&heatpump(), None, Some("off"), "", s(), en()),
            Plan::Call {
                service: "set_hvac_mode",
                data: json!({"entity_id": "climate.heatpump", "hvac_mode": "off"}),
                speech: "HeatPump is set to off.".into(),
            }
        );
        assert_eq!(
            plan(&heatpump(), Some(22.0), Some("heat"), "", s(), en()),
            Plan::Call {
                service: "set_temperature",
                data: json!({"entity_id": "climate.heatpump", "hvac_mode": "heat", "temperature": 22.0}),
                speech: "HeatPump is set to heat at 22 degrees.".into(),
            }
        );
        assert_eq!(
            plan(&heatpump(), None, None, "", s(), en()),
            Plan::Refuse("What should I set, a temperature or a mode?".into())
        );
    }

    #[test]
    fn range_thermostats_move_their_range() {
        assert_eq!(
            plan(&ecobee(), Some(21.0), None, "", s(), en()),
            Plan::Call {
                service: "set_temperature",
                data: json!({"entity_id": "climate.ecobee", "target_temp_low": 18.5, "target_temp_high": 23.5}),
                speech: "Ecobee is set to between 18.5 and 23.5 degrees.".into(),
            }
        );
        assert!(
            matches!(plan(&ecobee(), Some(18.0), Some("cool"), "", s(), en()),
            Plan::Call { data, .. } if data["target_temp_high"] == json!(18.0) && data["target_temp_low"] == json!(18.0))
        );
        // Near the top of the allowed range the whole range shifts down.
        assert_eq!(range_for(35.0, "heat_cool", &ecobee(), 0.5), (30.0, 35.0));
        assert_eq!(range_for(7.0, "auto", &ecobee(), 0.5), (7.0, 12.0));
        assert_eq!(range_for(22.0, "heat", &ecobee(), 0.5), (22.0, 25.0));
        let off = thermostat(
            "climate.x",
            "off",
            json!({"friendly_name": "X", "supported_features": 0}),
        );
        assert_eq!(
            plan(&off, Some(20.0), None, "", s(), en()),
            Plan::Refuse("X doesn't take a target temperature.".into())
        );
    }

    #[test]
    fn steps() {
        assert_eq!(round_to_step(20.26, 0.5), 20.5);
        assert_eq!(round_to_step(20.24, 0.5), 20.0);
        assert_eq!(round_to_step(20.26, 0.1), 20.3);
        assert_eq!(round_to_step(20.26, 0.0), 20.26);
    }
}
