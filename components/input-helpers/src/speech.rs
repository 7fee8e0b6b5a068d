//! Everything the `input-helpers` component says and the words it understands in the
//! HelperValue slot, one table per locale. Pick with [`for_locale`]; locales without a
//! table fall back to en-US. Not found, did you mean, unavailable and the "or" of spoken
//! lists are the shared [`lee_sdk::locale::phrases`]; this table only names the thing
//! looked up.

use lee_sdk::clock::Date;
use lee_sdk::locale::{self, EN_MONTHS};

use crate::when::{Time, TimeWords};

/// Phrases (`{name}`, `{value}`, `{choices}`, `{min}`, `{max}`, `{step}`, `{lower}`,
/// `{upper}`, `{when}` are filled in), formatters and slot vocabulary of one locale.
#[derive(Debug)]
pub struct Speech {
    pub which_helper: &'static str,
    /// A helper, with its article, for the shared not-found phrase.
    pub thing: &'static str,
    pub ask_value: &'static str,
    pub ask_on_off: &'static str,
    pub bool_only: &'static str,
    pub bool_set: &'static str,
    pub toggled: &'static str,
    pub number_invalid: &'static str,
    pub number_range: &'static str,
    pub number_step: &'static str,
    pub select_options: &'static str,
    pub text_length: &'static str,
    pub text_pattern: &'static str,
    pub value_set: &'static str,
    pub secret_set: &'static str,
    pub when_invalid: &'static str,
    pub time_only: &'static str,
    pub date_only: &'static str,
    pub pressed: &'static str,
    pub read_value: &'static str,
    pub read_secret: &'static str,
    pub read_empty: &'static str,
    pub button_last: &'static str,
    pub button_never: &'static str,
    pub state_on: &'static str,
    pub state_off: &'static str,
    /// " percent" for "%"; the unit as spoken after a number.
    pub unit: fn(&str) -> String,
    pub time: fn(Time) -> String,
    pub date: fn(Date) -> String,
    /// Joins a spoken date and time ("December 24, 2026 at 7 AM").
    pub date_time: fn(&str, &str) -> String,
    pub on_words: &'static [&'static str],
    pub off_words: &'static [&'static str],
    pub toggle_words: &'static [&'static str],
    pub time_words: TimeWords,
}

fn en_unit(unit: &str) -> String {
    match unit.trim() {
        "" => String::new(),
        "%" => " percent".to_string(),
        "°C" => " degrees Celsius".to_string(),
        "°F" => " degrees Fahrenheit".to_string(),
        "s" => " seconds".to_string(),
        "min" => " minutes".to_string(),
        "h" => " hours".to_string(),
        other => format!(" {other}"),
    }
}

fn en_time(time: Time) -> String {
    let (hour, suffix) = match time.hour {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    match (time.minute, time.second) {
        (0, 0) => format!("{hour} {suffix}"),
        (m, 0) => format!("{hour}:{m:02} {suffix}"),
        (m, s) => format!("{hour}:{m:02}:{s:02} {suffix}"),
    }
}

fn en_date(date: Date) -> String {
    let month = EN_MONTHS
        .get((date.month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("?");
    format!("{month} {}, {}", date.day, date.year)
}

fn en_date_time(date: &str, time: &str) -> String {
    format!("{date} at {time}")
}

pub const EN_US: Speech = Speech {
    which_helper: "Which helper?",
    thing: "a helper",
    ask_value: "What should I set {name} to?",
    ask_on_off: "Should I turn {name} on or off?",
    bool_only: "{name} can only be turned on or off.",
    bool_set: "{name} is now {value}.",
    toggled: "Toggled {name}. It is now {value}.",
    number_invalid: "{value} is not a number I can set {name} to.",
    number_range: "{name} goes from {min} to {max}.",
    number_step: "{name} moves in steps of {step}. Try {lower} or {upper}.",
    select_options: "{name} can be {choices}.",
    text_length: "{name} takes between {min} and {max} characters.",
    text_pattern: "That doesn't fit the format {name} expects.",
    value_set: "{name} is set to {value}.",
    secret_set: "{name} is updated.",
    when_invalid: "I didn't understand {value} as a time or a date.",
    time_only: "{name} only holds a time.",
    date_only: "{name} only holds a date.",
    pressed: "Pressed {name}.",
    read_value: "{name} is {value}.",
    read_secret: "{name} is set, but I won't read it out loud.",
    read_empty: "{name} is empty.",
    button_last: "{name} was last pressed on {when}.",
    button_never: "{name} has never been pressed.",
    state_on: "on",
    state_off: "off",
    unit: en_unit,
    time: en_time,
    date: en_date,
    date_time: en_date_time,
    on_words: &[
        "on", "true", "yes", "enable", "enabled", "activate", "active", "start", "turn on",
    ],
    off_words: &[
        "off",
        "false",
        "no",
        "disable",
        "disabled",
        "deactivate",
        "inactive",
        "stop",
        "turn off",
    ],
    toggle_words: &["toggle", "flip"],
    time_words: TimeWords {
        noon: &["noon", "midday", "twelve noon"],
        midnight: &["midnight"],
        am: &["am", "a.m.", "in the morning"],
        pm: &[
            "pm",
            "p.m.",
            "in the afternoon",
            "in the evening",
            "at night",
        ],
    },
};

const TABLES: &[(&str, Speech)] = &[("en-US", EN_US)];

/// The table for a request's locale.
pub fn for_locale(locale: &str) -> &'static Speech {
    locale::pick(locale, TABLES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn en_us_formats() {
        let t = |h, m, s| Time::new(h, m, s).expect("time");
        assert_eq!(en_time(t(7, 0, 0)), "7 AM");
        assert_eq!(en_time(t(0, 30, 0)), "12:30 AM");
        assert_eq!(en_time(t(12, 0, 0)), "12 PM");
        assert_eq!(en_time(t(19, 5, 9)), "7:05:09 PM");
        let date = Date::parse("2026-12-24").expect("date");
        assert_eq!(en_date(date), "December 24, 2026");
        assert_eq!(en_unit("%"), " percent");
        assert_eq!(en_unit("lx"), " lx");
        assert_eq!(for_locale("de-DE").pressed, "Pressed {name}.");
    }
}
