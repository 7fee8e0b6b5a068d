//! Everything the `devices` component says and the nouns it understands after an area
//! name ("office light"), one table per locale. Pick with [`for_locale`]; locales
//! without a table fall back to en-US. Not found, did you mean and unavailable are the
//! shared [`lee_sdk::locale::phrases`]; this table only names the thing looked up.

use lee_sdk::locale;

use crate::verb::Verb;

/// Phrases (`{name}`, `{state}`, `{value}`, `{target}`, `{current}`, `{title}` are
/// filled in), formatters and vocabulary of one locale.
#[derive(Debug)]
pub struct Speech {
    pub which_device: &'static str,
    /// A device, with its article, for the shared not-found phrase.
    pub thing: &'static str,
    pub cannot_turn_on: &'static str,
    pub cannot_turn_off: &'static str,
    pub protected: &'static str,
    pub is_state: &'static str,
    pub light_on: &'static str,
    pub cover_at: &'static str,
    pub climate: &'static str,
    pub climate_off: &'static str,
    pub playing: &'static str,
    /// Done phrase per [`Verb`].
    pub done: fn(Verb) -> &'static str,
    /// A unit as spoken after a number (" percent" for "%").
    pub unit: fn(&str) -> String,
    /// A state as spoken, given the domain and device class ("on" of a door -> "open").
    pub state: fn(&str, Option<&str>, &str) -> String,
    /// Nouns per domain that follow an area name ("kitchen light").
    pub nouns: &'static [(&'static str, &'static [&'static str])],
}

fn en_done(verb: Verb) -> &'static str {
    match verb {
        Verb::TurnOn => "Turned on {name}.",
        Verb::TurnOff => "Turned off {name}.",
        Verb::Open => "Opening {name}.",
        Verb::Close => "Closing {name}.",
        Verb::Activate => "Activated {name}.",
        Verb::Press => "Pressed {name}.",
        Verb::Start => "Started {name}.",
        Verb::Stop => "Stopped {name}.",
        Verb::Dock => "Sent {name} back to its dock.",
    }
}

fn en_unit(unit: &str) -> String {
    match unit.trim() {
        "" => String::new(),
        "%" => " percent".to_string(),
        "°C" => " degrees Celsius".to_string(),
        "°F" => " degrees Fahrenheit".to_string(),
        "W" => " watts".to_string(),
        "kW" => " kilowatts".to_string(),
        "kWh" => " kilowatt hours".to_string(),
        "V" => " volts".to_string(),
        "A" => " amps".to_string(),
        "lx" => " lux".to_string(),
        "ppm" => " parts per million".to_string(),
        "µg/m³" => " micrograms per cubic meter".to_string(),
        "hPa" => " hectopascals".to_string(),
        "s" => " seconds".to_string(),
        "min" => " minutes".to_string(),
        "h" => " hours".to_string(),
        other => format!(" {other}"),
    }
}

fn en_state(domain: &str, device_class: Option<&str>, state: &str) -> String {
    let binary = |on: &str, off: &str| match state {
        "on" => on.to_string(),
        "off" => off.to_string(),
        other => other.replace('_', " "),
    };
    match (domain, device_class) {
        ("binary_sensor", Some("door" | "window" | "opening" | "garage_door" | "lock")) => {
            if device_class == Some("lock") {
                binary("unlocked", "locked")
            } else {
                binary("open", "closed")
            }
        }
        ("binary_sensor", Some("motion" | "occupancy" | "presence" | "sound" | "vibration")) => {
            binary("detecting something", "clear")
        }
        ("binary_sensor", Some("moisture")) => binary("wet", "dry"),
        ("binary_sensor", Some("smoke" | "gas" | "carbon_monoxide" | "problem" | "safety")) => {
            binary("reporting a problem", "OK")
        }
        ("binary_sensor", Some("battery")) => binary("low", "normal"),
        ("binary_sensor", Some("connectivity")) => binary("connected", "disconnected"),
        ("person" | "device_tracker", _) if state == "not_home" => "away".to_string(),
        ("person" | "device_tracker", _) if state == "home" => "at home".to_string(),
        _ => state.replace('_', " "),
    }
}

pub const EN_US: Speech = Speech {
    which_device: "Which device?",
    thing: "a device",
    cannot_turn_on: "{name} can't be turned on.",
    cannot_turn_off: "{name} can't be turned off.",
    protected: "For safety, I can't open {name} by voice.",
    is_state: "{name} is {state}.",
    light_on: "{name} is on at {value} percent brightness.",
    cover_at: "{name} is {state} at {value} percent.",
    climate: "{name} is set to {state} at {target} degrees. It is {current} degrees now.",
    climate_off: "{name} is off. It is {current} degrees now.",
    playing: "{name} is playing {title}.",
    done: en_done,
    unit: en_unit,
    state: en_state,
    nouns: &[
        ("light", &["light", "lights", "lamp"]),
        ("switch", &["switch", "plug"]),
        ("fan", &["fan"]),
        (
            "cover",
            &[
                "blind", "blinds", "shade", "shades", "curtain", "curtains", "window",
            ],
        ),
        (
            "climate",
            &["thermostat", "heating", "heater", "ac", "air conditioning"],
        ),
        ("media_player", &["tv", "television", "speaker", "music"]),
        ("lock", &["lock", "door"]),
        ("vacuum", &["vacuum", "robot"]),
    ],
};

const TABLES: &[(&str, Speech)] = &[("en-US", EN_US)];

/// The table for a request's locale.
pub fn for_locale(locale: &str) -> &'static Speech {
    locale::pick(locale, TABLES)
}
