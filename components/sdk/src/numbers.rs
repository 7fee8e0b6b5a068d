//! Numbers in speech and in slot values: [`spoken`] formats a reading for Alexa to say
//! (`21.0` -> "21", `15.60` -> "15.6"), [`parse`] reads the number in a slot value
//! ("21", "21.5", "21,5", "-3", "21 degrees").

/// A number for speech: at most `decimals` decimals, trailing zeros dropped; `-0` is `0`.
pub fn spoken(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".to_string() } else { text }
}

/// The first number in `text` (a decimal comma is accepted); `None` when there is none.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let start = text.find(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.')?;
    let number: String = text[start..]
        .chars()
        .enumerate()
        .take_while(|(i, c)| {
            c.is_ascii_digit() || *c == '.' || *c == ',' || (*i == 0 && (*c == '-' || *c == '+'))
        })
        .map(|(_, c)| if c == ',' { '.' } else { c })
        .collect();
    number
        .trim_end_matches('.')
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaks_numbers() {
        assert_eq!(spoken(21.0, 1), "21");
        assert_eq!(spoken(15.6, 1), "15.6");
        assert_eq!(spoken(-24.44, 1), "-24.4");
        assert_eq!(spoken(-0.01, 1), "0");
        assert_eq!(spoken(54.0, 0), "54");
        assert_eq!(spoken(20.25, 2), "20.25");
    }

    #[test]
    fn parses_slot_numbers() {
        assert_eq!(parse("21"), Some(21.0));
        assert_eq!(parse("21.5"), Some(21.5));
        assert_eq!(parse("21,5"), Some(21.5));
        assert_eq!(parse("-3"), Some(-3.0));
        assert_eq!(parse("21 degrees"), Some(21.0));
        assert_eq!(parse("set to 19."), Some(19.0));
        assert_eq!(parse("warm"), None);
        assert_eq!(parse("-"), None);
    }
}
