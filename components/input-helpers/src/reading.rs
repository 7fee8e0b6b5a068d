//! Pure answers for `GetInputHelper` (no host calls, unit-tested natively): a helper's
//! current value as it is spoken, never reading a password-mode text out loud.

use lee_sdk::clock::{self, Date};
use lee_sdk::ha::State;
use lee_sdk::locale::{Phrases, fill};

use crate::setting::{spoken_number, spoken_when};
use crate::speech::Speech;
use crate::when::{self, Time, When};

/// What to say about `helper`. `pressed_local` is an input_button's last press in Home
/// Assistant's local time ("2026-11-28 09:43:07"), when it could be rendered.
pub fn describe(
    speech: &Speech,
    shared: &Phrases,
    helper: &State,
    pressed_local: Option<&str>,
) -> String {
    let name = helper.friendly_name();
    let value = |v: &str| fill(speech.read_value, &[("name", &name), ("value", v)]);
    let domain = helper.domain();
    if domain == "input_button" {
        return describe_button(speech, shared, helper, &name, pressed_local);
    }
    if !helper.is_available() {
        return shared.unavailable(&name);
    }
    match domain {
        "input_boolean" => value(if helper.state == "on" {
            speech.state_on
        } else {
            speech.state_off
        }),
        "input_number" => match helper.state.parse::<f64>() {
            Ok(n) => value(&spoken_number(
                speech,
                n,
                helper.attribute_str("unit_of_measurement"),
            )),
            Err(_) => value(&helper.state),
        },
        "input_text" if helper.attribute_str("mode") == Some("password") => {
            fill(speech.read_secret, &[("name", &name)])
        }
        "input_text" if helper.state.is_empty() => fill(speech.read_empty, &[("name", &name)]),
        "input_datetime" => match when::parse_state(&helper.state) {
            Some(when) => value(&spoken_when(speech, when)),
            None => value(&helper.state),
        },
        _ => value(&helper.state),
    }
}

fn describe_button(
    speech: &Speech,
    shared: &Phrases,
    helper: &State,
    name: &str,
    pressed_local: Option<&str>,
) -> String {
    if helper.state == "unavailable" {
        return shared.unavailable(name);
    }
    let local = pressed_local.and_then(when::parse_state);
    let utc = || {
        let seconds = clock::parse_timestamp(&helper.state)?;
        let date = Date::from_unix(seconds, 0);
        let of_day = (seconds - date.days() as f64 * 86_400.0).floor() as u32;
        Time::new(of_day / 3600, of_day / 60 % 60, of_day % 60).map(|t| When::DateTime(date, t))
    };
    match local.or_else(utc) {
        Some(When::DateTime(date, time)) => {
            // Minutes are precise enough for speech.
            let time = Time { second: 0, ..time };
            let when = (speech.date_time)(&(speech.date)(date), &(speech.time)(time));
            fill(speech.button_last, &[("name", name), ("when", &when)])
        }
        _ => fill(speech.button_never, &[("name", name)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::EN_US;
    use lee_sdk::locale::phrases;
    use serde_json::{Value, json};

    fn helper(entity_id: &str, state: &str, attributes: Value) -> State {
        let mut attributes = attributes;
        attributes["friendly_name"] = json!(
            entity_id
                .split_once('.')
                .map(|(_, o)| o.replace('_', " "))
                .unwrap_or_default()
        );
        State::new(entity_id, state, attributes)
    }

    #[test]
    fn values_are_spoken() {
        let d = |id: &str, state: &str, attrs: Value| {
            describe(&EN_US, phrases("en-US"), &helper(id, state, attrs), None)
        };
        assert_eq!(
            d("input_boolean.guest_mode", "on", json!({})),
            "guest mode is on."
        );
        assert_eq!(
            d(
                "input_number.target_humidity",
                "45.0",
                json!({"unit_of_measurement": "%"})
            ),
            "target humidity is 45 percent."
        );
        assert_eq!(
            d("input_select.house_mode", "Away", json!({})),
            "house mode is Away."
        );
        assert_eq!(
            d("input_text.door_code", "1234", json!({"mode": "password"})),
            "door code is set, but I won't read it out loud."
        );
        assert_eq!(
            d("input_text.note", "", json!({"mode": "text"})),
            "note is empty."
        );
        assert_eq!(
            d("input_datetime.alarm_time", "06:45:00", json!({})),
            "alarm time is 6:45 AM."
        );
        assert_eq!(
            d("input_datetime.trip", "2026-12-24 18:00:00", json!({})),
            "trip is December 24, 2026 at 6 PM."
        );
        assert_eq!(
            d("input_boolean.x", "unavailable", json!({})),
            "x is unavailable right now."
        );
    }

    #[test]
    fn buttons_say_when_they_were_pressed() {
        let button = helper(
            "input_button.doorbell_test",
            "2026-11-28T08:43:07.824192+00:00",
            json!({}),
        );
        assert_eq!(
            describe(
                &EN_US,
                phrases("en-US"),
                &button,
                Some("2026-11-28 09:43:07")
            ),
            "doorbell test was last pressed on November 28, 2026 at 9:43 AM."
        );
        assert_eq!(
            describe(&EN_US, phrases("en-US"), &button, None),
            "doorbell test was last pressed on November 28, 2026 at 8:43 AM."
        );
        let never = helper("input_button.doorbell_test", "unknown", json!({}));
        assert_eq!(
            describe(&EN_US, phrases("en-US"), &never, None),
            "doorbell test has never been pressed."
        );
    }
}
