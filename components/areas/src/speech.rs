//! Everything the `areas` component says and the words it understands in slots, one
//! table per locale. Pick with [`for_locale`]; locales without a table fall back to en-US.
//! Not found, did you mean and the "and" of spoken lists are the shared
//! [`lee_sdk::locale::phrases`]; this table only names the thing looked up.

use lee_sdk::locale;

use crate::domain::Domain;

/// Phrases (`{area}`, `{count}`, `{devices}`, `{state}`, `{type}`, `{names}` are filled
/// in) and slot vocabulary of one locale.
#[derive(Debug)]
pub struct Speech {
    pub which_area: &'static str,
    pub on_or_off: &'static str,
    pub unknown_action: &'static str,
    /// An area, with its article, for the shared not-found phrase.
    pub thing: &'static str,
    pub unknown_type: &'static str,
    pub turned_on: &'static str,
    pub turned_off: &'static str,
    pub toggled: &'static str,
    pub already_all: &'static str,
    pub already_typed: &'static str,
    pub nothing_all: &'static str,
    pub nothing_typed: &'static str,
    pub protected: &'static str,
    pub unavailable_one: &'static str,
    pub unavailable_many: &'static str,
    pub denied: &'static str,
    pub failed: &'static str,
    pub list_areas: &'static str,
    pub no_areas: &'static str,
    pub state_on: &'static str,
    pub state_off: &'static str,
    pub device: &'static str,
    pub devices: &'static str,
    /// How an area is named inside a sentence ("the Kitchen").
    pub area_phrase: fn(&str) -> String,
    /// (singular, plural) noun per [`Domain`], in [`Domain::ALL`] order.
    pub nouns: [(&'static str, &'static str); 6],
    /// DeviceType words per [`Domain`], in [`Domain::ALL`] order.
    pub type_words: [&'static [&'static str]; 6],
    /// DeviceType words meaning "everything".
    pub all_words: &'static [&'static str],
    pub on_words: &'static [&'static str],
    pub off_words: &'static [&'static str],
    pub toggle_words: &'static [&'static str],
}

impl Speech {
    pub fn noun(&self, domain: Domain, count: usize) -> &'static str {
        let (one, many) = self.nouns[domain as usize];
        locale::plural(count, one, many)
    }
}

fn en_area(name: &str) -> String {
    let lower = name.to_lowercase();
    if lower.starts_with("the ") || lower.contains("'s ") || lower.contains("s' ") {
        name.to_string()
    } else {
        format!("the {name}")
    }
}

pub const EN_US: Speech = Speech {
    which_area: "Which area?",
    on_or_off: "Should I turn {area} on or off?",
    unknown_action: "I can turn an area on or off, or toggle it.",
    thing: "an area",
    unknown_type: "I don't know the device type {type}. You can say lights, switches, fans, covers, thermostats or media players.",
    turned_on: "Turned on {count} {devices} in {area}.",
    turned_off: "Turned off {count} {devices} in {area}.",
    toggled: "Toggled {count} {devices} in {area}.",
    already_all: "Everything in {area} was already {state}.",
    already_typed: "The {devices} in {area} were already {state}.",
    nothing_all: "I found nothing I can turn on or off in {area}.",
    nothing_typed: "I found no {devices} in {area}.",
    protected: " I left {names} alone for safety.",
    unavailable_one: " {names} is unavailable.",
    unavailable_many: " {names} are unavailable.",
    denied: " I'm not allowed to control the {devices}.",
    failed: " The {devices} did not respond.",
    list_areas: "Your areas are {names}.",
    no_areas: "You have no areas set up in Home Assistant.",
    state_on: "on",
    state_off: "off",
    device: "device",
    devices: "devices",
    area_phrase: en_area,
    nouns: [
        ("light", "lights"),
        ("switch", "switches"),
        ("fan", "fans"),
        ("cover", "covers"),
        ("thermostat", "thermostats"),
        ("media player", "media players"),
    ],
    type_words: [
        &[
            "light", "lights", "lamp", "lamps", "lighting", "bulb", "bulbs",
        ],
        &[
            "switch", "switches", "plug", "plugs", "outlet", "outlets", "socket", "sockets",
        ],
        &["fan", "fans", "ventilator", "ventilation"],
        &[
            "cover",
            "covers",
            "blind",
            "blinds",
            "shade",
            "shades",
            "curtain",
            "curtains",
            "shutter",
            "shutters",
            "window",
            "windows",
            "awning",
            "garage door",
            "garage doors",
        ],
        &[
            "climate",
            "thermostat",
            "thermostats",
            "heating",
            "heater",
            "heaters",
            "ac",
            "a c",
            "air conditioning",
            "air conditioner",
            "hvac",
            "heat pump",
        ],
        &[
            "media player",
            "media players",
            "media",
            "tv",
            "tvs",
            "television",
            "televisions",
            "speaker",
            "speakers",
            "music",
            "stereo",
        ],
    ],
    all_words: &[
        "everything",
        "all",
        "all devices",
        "devices",
        "things",
        "stuff",
    ],
    on_words: &[
        "on",
        "turn on",
        "switch on",
        "open",
        "start",
        "power on",
        "activate",
    ],
    off_words: &[
        "off",
        "turn off",
        "switch off",
        "close",
        "shut",
        "stop",
        "power off",
        "deactivate",
    ],
    toggle_words: &["toggle", "flip"],
};

const TABLES: &[(&str, Speech)] = &[("en-US", EN_US)];

/// The table for a request's locale.
pub fn for_locale(locale: &str) -> &'static Speech {
    locale::pick(locale, TABLES)
}
