//! Temperature scales: Alexa's `CELSIUS`/`FAHRENHEIT`/`KELVIN` and Home Assistant's
//! `°C`/`°F`/`K`, with conversions for absolute values and for deltas.

use serde_json::{Value, json};

/// A temperature scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Celsius,
    Fahrenheit,
    Kelvin,
}

impl Scale {
    /// Alexa's name for the scale.
    pub fn alexa(self) -> &'static str {
        match self {
            Scale::Celsius => "CELSIUS",
            Scale::Fahrenheit => "FAHRENHEIT",
            Scale::Kelvin => "KELVIN",
        }
    }

    /// From Alexa's name (case-insensitive).
    pub fn from_alexa(name: &str) -> Option<Scale> {
        match name.to_ascii_uppercase().as_str() {
            "CELSIUS" => Some(Scale::Celsius),
            "FAHRENHEIT" => Some(Scale::Fahrenheit),
            "KELVIN" => Some(Scale::Kelvin),
            _ => None,
        }
    }

    /// From a Home Assistant unit of measurement (`°C`, `°F`, `K`, also `C`/`F`).
    pub fn from_ha_unit(unit: &str) -> Option<Scale> {
        match unit
            .trim()
            .trim_start_matches('°')
            .to_ascii_uppercase()
            .as_str()
        {
            "C" | "CELSIUS" => Some(Scale::Celsius),
            "F" | "FAHRENHEIT" => Some(Scale::Fahrenheit),
            "K" | "KELVIN" => Some(Scale::Kelvin),
            _ => None,
        }
    }
}

/// Converts an absolute temperature between scales.
pub fn convert(value: f64, from: Scale, to: Scale) -> f64 {
    let celsius = match from {
        Scale::Celsius => value,
        Scale::Fahrenheit => (value - 32.0) * 5.0 / 9.0,
        Scale::Kelvin => value - 273.15,
    };
    match to {
        Scale::Celsius => celsius,
        Scale::Fahrenheit => celsius * 9.0 / 5.0 + 32.0,
        Scale::Kelvin => celsius + 273.15,
    }
}

/// Converts a temperature difference between scales (no offset).
pub fn convert_delta(delta: f64, from: Scale, to: Scale) -> f64 {
    let factor = |s: Scale| {
        if s == Scale::Fahrenheit {
            9.0 / 5.0
        } else {
            1.0
        }
    };
    delta / factor(from) * factor(to)
}

/// Rounds to the nearest multiple of `step` (no rounding for a non-positive step).
pub fn round_to(value: f64, step: f64) -> f64 {
    if step > 0.0 {
        let r = (value / step).round() * step;
        // Tidy binary noise such as 21.500000000000004.
        (r * 1000.0).round() / 1000.0
    } else {
        value
    }
}

/// Alexa's `{ "value": .., "scale": .. }` temperature object.
pub fn temperature_json(value: f64, scale: Scale) -> Value {
    json!({ "value": (value * 100.0).round() / 100.0, "scale": scale.alexa() })
}

/// Parses Alexa's temperature object into (value, scale).
pub fn parse_temperature(v: &Value) -> Option<(f64, Scale)> {
    let value = v.get("value")?.as_f64()?;
    let scale = v
        .get("scale")
        .and_then(Value::as_str)
        .map_or(Some(Scale::Celsius), Scale::from_alexa)?;
    value.is_finite().then_some((value, scale))
}

/// Mireds (Home Assistant's legacy colour temperature unit) to Kelvin and back.
pub fn mired_to_kelvin(mired: f64) -> f64 {
    if mired > 0.0 {
        1_000_000.0 / mired
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn absolute_conversions() {
        assert!(close(convert(0.0, Scale::Celsius, Scale::Fahrenheit), 32.0));
        assert!(close(
            convert(212.0, Scale::Fahrenheit, Scale::Celsius),
            100.0
        ));
        assert!(close(convert(300.0, Scale::Kelvin, Scale::Celsius), 26.85));
        assert!(close(
            convert(72.0, Scale::Fahrenheit, Scale::Kelvin),
            295.372_222_222_222_2
        ));
        assert!(close(convert(21.5, Scale::Celsius, Scale::Celsius), 21.5));
    }

    #[test]
    fn delta_conversions_have_no_offset() {
        assert!(close(
            convert_delta(2.0, Scale::Celsius, Scale::Fahrenheit),
            3.6
        ));
        assert!(close(
            convert_delta(9.0, Scale::Fahrenheit, Scale::Celsius),
            5.0
        ));
        assert!(close(
            convert_delta(1.0, Scale::Kelvin, Scale::Celsius),
            1.0
        ));
    }

    #[test]
    fn units_and_json() {
        assert_eq!(Scale::from_ha_unit("°F"), Some(Scale::Fahrenheit));
        assert_eq!(Scale::from_ha_unit("K"), Some(Scale::Kelvin));
        assert_eq!(Scale::from_ha_unit("%"), None);
        assert_eq!(Scale::from_alexa("kelvin"), Some(Scale::Kelvin));
        assert_eq!(
            parse_temperature(&json!({"value": 70, "scale": "FAHRENHEIT"})),
            Some((70.0, Scale::Fahrenheit))
        );
        assert_eq!(parse_temperature(&json!({"value": "x"})), None);
        assert_eq!(
            parse_temperature(&json!({"value": 1, "scale": "RANKINE"})),
            None
        );
        assert_eq!(round_to(21.26, 0.5), 21.5);
        assert_eq!(round_to(21.26, 0.0), 21.26);
        assert_eq!(
            temperature_json(21.456, Scale::Celsius),
            json!({"value": 21.46, "scale": "CELSIUS"})
        );
        assert!(close(mired_to_kelvin(250.0), 4000.0));
    }
}
