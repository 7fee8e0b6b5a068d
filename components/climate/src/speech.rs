//! Everything the climate component says, one table per locale (en-US now): sentences,
//! spoken HVAC mode words and how each mode is named. Not found, did you mean,
//! unavailable and the "or" of spoken lists are the shared [`lee_sdk::locale::phrases`];
//! this table only names the thing looked up.

use lee_sdk::locale;
use lee_sdk::matching::normalize;

/// The words of one locale.
pub struct Speech {
    pub set_temperature: &'static str,
    pub set_range: &'static str,
    pub set_mode: &'static str,
    pub set_mode_and_temperature: &'static str,
    pub set_mode_and_range: &'static str,
    pub out_of_range: &'static str,
    pub unsupported_mode: &'static str,
    pub unknown_mode: &'static str,
    pub no_target_temperature: &'static str,
    pub bad_temperature: &'static str,
    pub what_to_set: &'static str,
    pub which_thermostat: &'static str,
    /// A thermostat, with its article, for the shared not-found phrase.
    pub thing: &'static str,
    pub none_in_area: &'static str,
    pub no_thermostats: &'static str,
    pub sentence_separator: &'static str,
    /// Spoken words -> Home Assistant HVAC mode.
    pub modes: &'static [(&'static str, &'static str)],
    /// HVAC mode -> how it is said.
    pub mode_names: &'static [(&'static str, &'static str)],
}

pub static EN_US: Speech = Speech {
    set_temperature: "{name} is set to {temperature} degrees.",
    set_range: "{name} is set to between {low} and {high} degrees.",
    set_mode: "{name} is set to {mode}.",
    set_mode_and_temperature: "{name} is set to {mode} at {temperature} degrees.",
    set_mode_and_range: "{name} is set to {mode}, between {low} and {high} degrees.",
    out_of_range: "{name} can only be set between {min} and {max} degrees.",
    unsupported_mode: "{name} can't be set to {mode}. It can be set to {modes}.",
    unknown_mode: "Sorry, I don't know the mode {spoken}.",
    no_target_temperature: "{name} doesn't take a target temperature.",
    bad_temperature: "Sorry, I didn't understand {spoken} as a temperature.",
    what_to_set: "What should I set, a temperature or a mode?",
    which_thermostat: "Which one? You can say {names}.",
    thing: "a thermostat",
    none_in_area: "There is no thermostat in the {place}.",
    no_thermostats: "You have no thermostats.",
    sentence_separator: " ",
    modes: &[
        ("off", "off"),
        ("turn off", "off"),
        ("heat", "heat"),
        ("heating", "heat"),
        ("warm", "heat"),
        ("cool", "cool"),
        ("cooling", "cool"),
        ("cold", "cool"),
        ("air conditioning", "cool"),
        ("ac", "cool"),
        ("auto", "auto"),
        ("automatic", "auto"),
        ("heat cool", "heat_cool"),
        ("heat and cool", "heat_cool"),
        ("heat and cooling", "heat_cool"),
        ("heating and cooling", "heat_cool"),
        ("dual", "heat_cool"),
        ("dry", "dry"),
        ("dehumidify", "dry"),
        ("dehumidifier", "dry"),
        ("fan", "fan_only"),
        ("fan only", "fan_only"),
        ("fan mode", "fan_only"),
    ],
    mode_names: &[
        ("off", "off"),
        ("heat", "heat"),
        ("cool", "cool"),
        ("auto", "auto"),
        ("heat_cool", "heat and cool"),
        ("dry", "dry"),
        ("fan_only", "fan only"),
    ],
};

static TABLES: &[(&str, &Speech)] = &[("en-US", &EN_US)];

/// The table for a request's locale (en-US when there is none for it).
pub fn for_locale(tag: &str) -> &'static Speech {
    locale::pick::<&Speech>(tag, TABLES)
}

impl Speech {
    /// The HVAC mode a spoken word means ("heating" -> `heat`).
    pub fn mode(&self, spoken: &str) -> Option<&'static str> {
        let spoken = normalize(spoken);
        let spoken = spoken.strip_suffix(" mode").unwrap_or(&spoken);
        self.modes
            .iter()
            .find(|(word, _)| *word == spoken)
            .map(|(_, mode)| *mode)
    }

    /// How an HVAC mode is said ("heat_cool" -> "heat and cool").
    pub fn mode_name(&self, mode: &str) -> String {
        self.mode_names
            .iter()
            .find(|(m, _)| *m == mode)
            .map(|(_, name)| name.to_string())
            .unwrap_or_else(|| mode.replace('_', " "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let s = for_locale("en-US");
        assert_eq!(s.mode("Heating"), Some("heat"));
        assert_eq!(s.mode("heat mode"), Some("heat"));
        assert_eq!(s.mode("heat/cool"), Some("heat_cool"));
        assert_eq!(s.mode("heat_cool"), Some("heat_cool"));
        assert_eq!(s.mode("fan_only"), Some("fan_only"));
        assert_eq!(s.mode("AC"), Some("cool"));
        assert_eq!(s.mode("party"), None);
        assert_eq!(s.mode_name("heat_cool"), "heat and cool");
        assert_eq!(s.mode_name("eco"), "eco");
    }
}
