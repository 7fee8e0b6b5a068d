//! Everything the sensors component says, one table per locale (en-US now): sentences,
//! the spoken words for each kind of reading, and how units are read out. Not found, did
//! you mean and unavailable are the shared [`lee_sdk::locale::phrases`]; this table only
//! names the thing looked up.

use lee_sdk::locale;

/// The words of one locale.
pub struct Speech {
    /// "The temperature in the Office is 23 degrees Celsius."
    pub in_area: &'static str,
    /// "The average temperature in the Living Room is 21.5 degrees Celsius, from 2 sensors."
    pub in_area_average: &'static str,
    /// "Outside Temperature is 15.6 degrees Celsius."
    pub named: &'static str,
    pub no_sensor_in_area: &'static str,
    /// A sensor of `{kind}`, with its article, for the shared not-found phrase.
    pub thing: &'static str,
    pub which_kind: &'static str,
    pub where_question: &'static str,
    pub unknown_kind: &'static str,
    /// Spoken words -> sensor device class. The first entry per class names it in speech.
    pub kinds: &'static [(&'static str, &'static str)],
    /// Unit symbol -> how it is read out.
    pub units: &'static [(&'static str, &'static str)],
}

pub static EN_US: Speech = Speech {
    in_area: "The {kind} in the {place} is {value}.",
    in_area_average: "The average {kind} in the {place} is {value}, from {count} sensors.",
    named: "{name} is {value}.",
    no_sensor_in_area: "I couldn't find a {kind} sensor in the {place}.",
    thing: "a {kind} sensor",
    which_kind: "Which reading would you like, for example temperature or humidity?",
    where_question: "Where? For example, say the name of a room.",
    unknown_kind: "Sorry, I can't read {spoken} yet. Try temperature or humidity.",
    kinds: &[
        ("temperature", "temperature"),
        ("temp", "temperature"),
        ("warm", "temperature"),
        ("hot", "temperature"),
        ("cold", "temperature"),
        ("degrees", "temperature"),
        ("humidity", "humidity"),
        ("humid", "humidity"),
        ("relative humidity", "humidity"),
        ("pressure", "pressure"),
        ("air pressure", "pressure"),
        ("barometric pressure", "pressure"),
        ("carbon dioxide", "carbon_dioxide"),
        ("co2", "carbon_dioxide"),
        ("c o two", "carbon_dioxide"),
        ("carbon monoxide", "carbon_monoxide"),
        ("co", "carbon_monoxide"),
        ("illuminance", "illuminance"),
        ("light level", "illuminance"),
        ("brightness", "illuminance"),
        ("power", "power"),
        ("power usage", "power"),
        ("power consumption", "power"),
        ("energy", "energy"),
        ("battery", "battery"),
        ("battery level", "battery"),
    ],
    units: &[
        ("°C", "degrees Celsius"),
        ("°F", "degrees Fahrenheit"),
        ("K", "kelvin"),
        ("%", "percent"),
        ("ppm", "parts per million"),
        ("hPa", "hectopascals"),
        ("mbar", "millibars"),
        ("inHg", "inches of mercury"),
        ("lx", "lux"),
        ("W", "watts"),
        ("kW", "kilowatts"),
        ("Wh", "watt hours"),
        ("kWh", "kilowatt hours"),
        ("MWh", "megawatt hours"),
        ("µg/m³", "micrograms per cubic meter"),
    ],
};

static TABLES: &[(&str, &Speech)] = &[("en-US", &EN_US)];

/// The table for a request's locale (en-US when there is none for it).
pub fn for_locale(tag: &str) -> &'static Speech {
    locale::pick::<&Speech>(tag, TABLES)
}

impl Speech {
    /// The device class a spoken kind means ("temp" -> `temperature`).
    pub fn kind(&self, spoken: &str) -> Option<&'static str> {
        let spoken = lee_sdk::matching::normalize(spoken);
        self.kinds
            .iter()
            .find(|(word, _)| *word == spoken)
            .or_else(|| {
                // "the temperature reading", "humidity level": any known word inside.
                self.kinds
                    .iter()
                    .find(|(word, _)| spoken.split(' ').any(|w| w == *word))
            })
            .map(|(_, class)| *class)
    }

    /// How a device class is named in speech ("carbon dioxide").
    pub fn kind_name(&self, class: &str) -> &'static str {
        self.kinds
            .iter()
            .find(|(_, c)| *c == class)
            .map(|(word, _)| *word)
            .unwrap_or("reading")
    }

    /// "15.6 degrees Celsius", "54 percent", "3 lights".
    pub fn value(&self, number: &str, unit: Option<&str>) -> String {
        match unit.map(str::trim).filter(|u| !u.is_empty()) {
            None => number.to_string(),
            Some(unit) => {
                let words = self
                    .units
                    .iter()
                    .find(|(symbol, _)| *symbol == unit)
                    .map(|(_, words)| *words)
                    .unwrap_or(unit);
                format!("{number} {words}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_units() {
        let s = for_locale("en-US");
        assert_eq!(s.kind("Temperature"), Some("temperature"));
        assert_eq!(s.kind("temp"), Some("temperature"));
        assert_eq!(s.kind("the humidity"), Some("humidity"));
        assert_eq!(s.kind("CO2"), Some("carbon_dioxide"));
        assert_eq!(s.kind("humidity level"), Some("humidity"));
        assert_eq!(s.kind("mood"), None);
        assert_eq!(s.kind_name("carbon_dioxide"), "carbon dioxide");
        assert_eq!(s.value("15.6", Some("°C")), "15.6 degrees Celsius");
        assert_eq!(s.value("54", Some("%")), "54 percent");
        assert_eq!(s.value("3", Some("lights")), "3 lights");
        assert_eq!(s.value("3", None), "3");
    }
}
