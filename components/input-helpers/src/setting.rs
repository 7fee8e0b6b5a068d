//! Pure decisions for `SetInputHelper` (no host calls, unit-tested natively): the value
//! is checked the way Home Assistant's helper defines it (number range and step, select
//! options, text length and pattern, time versus date) before any service is called,
//! so the user hears why a value does not fit instead of a silent no-op.

use lee_sdk::ha::State;
use lee_sdk::locale::{Phrases, fill};
use lee_sdk::matching::{self, Candidate, Match, normalize, spoken_list};
use lee_sdk::numbers;
use serde_json::{Value, json};

use crate::speech::Speech;
use crate::when::{self, When};

/// The helper domains this component handles.
pub const DOMAINS: [&str; 6] = [
    "input_boolean",
    "input_number",
    "input_select",
    "input_text",
    "input_datetime",
    "input_button",
];

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Answer without calling a service; `ask` keeps the session open.
    Reply { text: String, ask: bool },
    /// Call `<helper domain>.<service>` with `data` (entity_id included), then say `text`.
    Call {
        service: &'static str,
        data: Value,
        text: String,
    },
}

fn say(text: String) -> Plan {
    Plan::Reply { text, ask: false }
}

fn ask(text: String) -> Plan {
    Plan::Reply { text, ask: true }
}

/// Decides how to set `helper` to the spoken `value`.
pub fn plan_set(speech: &Speech, shared: &Phrases, helper: &State, value: Option<&str>) -> Plan {
    let name = helper.friendly_name();
    if helper.state == "unavailable" {
        return say(shared.unavailable(&name));
    }
    let call = |service: &'static str, extra: Value, text: String| {
        let mut data = json!({"entity_id": helper.entity_id});
        if let (Some(data), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
            data.extend(extra.clone());
        }
        Plan::Call {
            service,
            data,
            text,
        }
    };
    let domain = helper.domain();
    if domain == "input_button" {
        return call("press", json!({}), fill(speech.pressed, &[("name", &name)]));
    }
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        let template = if domain == "input_boolean" {
            speech.ask_on_off
        } else {
            speech.ask_value
        };
        return ask(fill(template, &[("name", &name)]));
    };
    match domain {
        "input_boolean" => set_boolean(speech, helper, &name, value, call),
        "input_number" => set_number(speech, helper, &name, value, call),
        "input_select" => set_select(speech, shared, helper, &name, value, call),
        "input_text" => set_text(speech, helper, &name, value, call),
        "input_datetime" => set_datetime(speech, helper, &name, value, call),
        _ => say(shared.not_found(speech.thing, &name)),
    }
}

fn set_boolean(
    speech: &Speech,
    helper: &State,
    name: &str,
    value: &str,
    call: impl Fn(&'static str, Value, String) -> Plan,
) -> Plan {
    let word = normalize(value);
    let is = |words: &[&str]| words.iter().any(|w| normalize(w) == word);
    let (service, now_on, sentence) = if is(speech.on_words) {
        ("turn_on", true, speech.bool_set)
    } else if is(speech.off_words) {
        ("turn_off", false, speech.bool_set)
    } else if is(speech.toggle_words) {
        ("toggle", helper.state != "on", speech.toggled)
    } else {
        return say(fill(speech.bool_only, &[("name", name)]));
    };
    let state = if now_on {
        speech.state_on
    } else {
        speech.state_off
    };
    call(
        service,
        json!({}),
        fill(sentence, &[("name", name), ("value", state)]),
    )
}

fn number_attr(helper: &State, key: &str) -> Option<f64> {
    helper.attributes.get(key).and_then(Value::as_f64)
}

/// A number with its unit, as spoken.
pub fn spoken_number(speech: &Speech, value: f64, unit: Option<&str>) -> String {
    format!(
        "{}{}",
        numbers::spoken(value, 3),
        unit.map(speech.unit).unwrap_or_default()
    )
}

fn set_number(
    speech: &Speech,
    helper: &State,
    name: &str,
    value: &str,
    call: impl Fn(&'static str, Value, String) -> Plan,
) -> Plan {
    let Some(number) = numbers::parse(value) else {
        return say(fill(
            speech.number_invalid,
            &[("name", name), ("value", value)],
        ));
    };
    let unit = helper.attribute_str("unit_of_measurement");
    let min = number_attr(helper, "min").unwrap_or(f64::MIN);
    let max = number_attr(helper, "max").unwrap_or(f64::MAX);
    if number < min || number > max {
        return say(fill(
            speech.number_range,
            &[
                ("name", name),
                ("min", &spoken_number(speech, min, None)),
                ("max", &spoken_number(speech, max, unit)),
            ],
        ));
    }
    if let Some(step) = number_attr(helper, "step").filter(|s| *s > 0.0) {
        let steps = (number - min) / step;
        if (steps - steps.round()).abs() > 1e-6 {
            let lower = min + steps.floor() * step;
            let upper = (min + steps.ceil() * step).min(max);
            return say(fill(
                speech.number_step,
                &[
                    ("name", name),
                    ("step", &spoken_number(speech, step, None)),
                    ("lower", &spoken_number(speech, lower, None)),
                    ("upper", &spoken_number(speech, upper, None)),
                ],
            ));
        }
    }
    call(
        "set_value",
        json!({"value": number}),
        fill(
            speech.value_set,
            &[
                ("name", name),
                ("value", &spoken_number(speech, number, unit)),
            ],
        ),
    )
}

fn set_select(
    speech: &Speech,
    shared: &Phrases,
    helper: &State,
    name: &str,
    value: &str,
    call: impl Fn(&'static str, Value, String) -> Plan,
) -> Plan {
    let options: Vec<String> = helper
        .attributes
        .get("options")
        .and_then(Value::as_array)
        .map(|o| {
            o.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let candidates: Vec<Candidate<String>> = options
        .iter()
        .map(|o| Candidate::new(o.clone(), [o.clone()]))
        .collect();
    match matching::find(value, &candidates) {
        Match::Found(option) => call(
            "select_option",
            json!({"option": option}),
            fill(speech.value_set, &[("name", name), ("value", option)]),
        ),
        Match::Ambiguous(close) => {
            let close: Vec<String> = close.into_iter().cloned().collect();
            ask(shared.did_you_mean(&close))
        }
        Match::NotFound => say(fill(
            speech.select_options,
            &[
                ("name", name),
                ("choices", &spoken_list(&options, shared.or)),
            ],
        )),
    }
}

/// Does `value` fit the helper's pattern, anchored at both ends like the frontend's
/// `<input pattern>`? An invalid pattern accepts everything (Home Assistant would too).
pub fn fits_pattern(pattern: &str, value: &str) -> bool {
    match regex_lite::Regex::new(&format!("^(?:{pattern})$")) {
        Ok(re) => re.is_match(value),
        Err(_) => true,
    }
}

fn set_text(
    speech: &Speech,
    helper: &State,
    name: &str,
    value: &str,
    call: impl Fn(&'static str, Value, String) -> Plan,
) -> Plan {
    let min = number_attr(helper, "min").unwrap_or(0.0).max(0.0) as usize;
    let max = number_attr(helper, "max").unwrap_or(255.0).max(0.0) as usize;
    let pattern = helper.attribute_str("pattern").filter(|p| !p.is_empty());
    // Alexa may hear "1 2 3 4" for a code: try without spaces when the pattern wants that.
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let text = match pattern {
        Some(p) if !fits_pattern(p, value) && fits_pattern(p, &compact) => compact,
        _ => value.to_string(),
    };
    let length = text.chars().count();
    if length < min || length > max {
        return say(fill(
            speech.text_length,
            &[
                ("name", name),
                ("min", &min.to_string()),
                ("max", &max.to_string()),
            ],
        ));
    }
    if let Some(p) = pattern
        && !fits_pattern(p, &text)
    {
        return say(fill(speech.text_pattern, &[("name", name)]));
    }
    let secret = helper.attribute_str("mode") == Some("password");
    let spoken = if secret {
        fill(speech.secret_set, &[("name", name)])
    } else {
        fill(speech.value_set, &[("name", name), ("value", &text)])
    };
    call("set_value", json!({"value": text}), spoken)
}

/// How a time, date or both are spoken.
pub fn spoken_when(speech: &Speech, when: When) -> String {
    match when {
        When::Time(t) => (speech.time)(t),
        When::Date(d) => (speech.date)(d),
        When::DateTime(d, t) => (speech.date_time)(&(speech.date)(d), &(speech.time)(t)),
    }
}

fn set_datetime(
    speech: &Speech,
    helper: &State,
    name: &str,
    value: &str,
    call: impl Fn(&'static str, Value, String) -> Plan,
) -> Plan {
    let has = |key: &str| helper.attributes.get(key).and_then(Value::as_bool);
    let has_date = has("has_date").unwrap_or(false);
    let has_time = has("has_time").unwrap_or(true);
    let Some(when) = when::parse_when(value, &speech.time_words) else {
        return say(fill(speech.when_invalid, &[("value", value)]));
    };
    // A date and time said for a helper holding only one of them sets that part.
    let when = match (when, has_date, has_time) {
        (When::DateTime(_, t), false, _) => When::Time(t),
        (When::DateTime(d, _), true, false) => When::Date(d),
        (other, _, _) => other,
    };
    let data = match when {
        When::Time(_) if !has_time => return say(fill(speech.date_only, &[("name", name)])),
        When::Date(_) if !has_date => return say(fill(speech.time_only, &[("name", name)])),
        When::Time(t) => json!({"time": t.to_ha()}),
        When::Date(d) => json!({"date": date_ha(d)}),
        When::DateTime(d, t) => json!({"datetime": format!("{} {}", date_ha(d), t.to_ha())}),
    };
    call(
        "set_datetime",
        data,
        fill(
            speech.value_set,
            &[("name", name), ("value", &spoken_when(speech, when))],
        ),
    )
}

fn date_ha(date: lee_sdk::clock::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}
