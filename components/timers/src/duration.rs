//! Timer durations as people and Alexa say them, to whole seconds:
//!
//! - ISO-8601 as Alexa's `AMAZON.DURATION` slot sends it: `PT45M`, `PT1H30M`, `PT90S`,
//!   `P1DT2H`, `PT1.5H`, `P1W` (years and months are refused: not timer material);
//! - clock form as Home Assistant writes it: `HH:MM:SS`, and `HH:MM` (hours and minutes,
//!   as Home Assistant reads a two-part duration);
//! - English words: "5 minutes", "1 hour 30 minutes", "1 hour and 30 minutes",
//!   "an hour and a half", "half an hour", "one and a half hours", "twenty five minutes",
//!   "a quarter of an hour", "1h30m", "90s"; a number after a unit counts in the next
//!   smaller unit ("1 hour 30" is 1:30:00);
//! - a bare number is minutes ("10").
//!
//! Also the inverse: seconds as Home Assistant's `H:MM:SS` service value.

/// Seconds in the named unit ("hours", "min", "s"...).
fn unit_seconds(word: &str) -> Option<f64> {
    Some(match word {
        "w" | "wk" | "wks" | "week" | "weeks" => 604_800.0,
        "d" | "day" | "days" => 86_400.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        _ => return None,
    })
}

/// The next smaller unit, for "1 hour 30".
fn smaller(unit: f64) -> f64 {
    match unit as u64 {
        604_800 => 86_400.0,
        86_400 => 3600.0,
        3600 => 60.0,
        _ => 1.0,
    }
}

fn number_word(word: &str) -> Option<f64> {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    if let Some(i) = ONES.iter().position(|w| *w == word) {
        return Some(i as f64);
    }
    if let Some(i) = TENS.iter().position(|w| *w == word) {
        return Some(20.0 + 10.0 * i as f64);
    }
    word.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// Combines a number word with the number before it ("twenty" "five", "one" "hundred").
fn combine(before: f64, word: &str, value: f64) -> Option<f64> {
    if word == "hundred" {
        return (before < 100.0).then_some(before * 100.0);
    }
    let is_word = word.parse::<f64>().is_err();
    if !is_word {
        return None;
    }
    if before >= 100.0 && before % 100.0 == 0.0 && value < 100.0 {
        return Some(before + value);
    }
    (before >= 20.0 && before % 10.0 == 0.0 && value < 10.0).then_some(before + value)
}

/// Seconds for a spoken, ISO-8601 or clock-form duration; `None` when it is not one.
pub fn parse(text: &str) -> Option<u64> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return None;
    }
    let seconds = if text.starts_with('p') {
        parse_iso(&text)?
    } else if text.contains(':') {
        parse_clock(&text)?
    } else {
        parse_words(&text)?
    };
    let rounded = seconds.round();
    (1.0..1e9).contains(&rounded).then_some(rounded as u64)
}

fn parse_iso(text: &str) -> Option<f64> {
    let body = text.strip_prefix('p')?;
    let (date_part, time_part) = match body.split_once('t') {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    let mut total = 0.0;
    let mut any = false;
    for (part, in_time) in [(date_part, false), (time_part.unwrap_or(""), true)] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                number.push(if c == ',' { '.' } else { c });
                continue;
            }
            let value: f64 = number.parse().ok()?;
            number.clear();
            total += value
                * match (c, in_time) {
                    ('w', false) => 604_800.0,
                    ('d', false) => 86_400.0,
                    ('h', true) => 3600.0,
                    ('m', true) => 60.0,
                    ('s', true) => 1.0,
                    _ => return None,
                };
            any = true;
        }
        if !number.is_empty() {
            return None;
        }
    }
    if time_part == Some("") {
        return None;
    }
    any.then_some(total)
}

fn parse_clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    let numbers: Vec<f64> = parts
        .iter()
        .map(|p| p.parse::<f64>().ok().filter(|v| *v >= 0.0))
        .collect::<Option<_>>()?;
    match numbers.as_slice() {
        [h, m, s] if *m < 60.0 && *s < 60.0 => Some(h * 3600.0 + m * 60.0 + s),
        [h, m] if *m < 60.0 => Some(h * 3600.0 + m * 60.0),
        _ => None,
    }
}

/// Splits "1h30m" into "1 h 30 m" and "twenty-five" into "twenty five".
fn tokens(text: &str) -> Vec<String> {
    let mut spaced = String::with_capacity(text.len() + 8);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        let c = if c == '-' { ' ' } else { c };
        if let Some(p) = previous {
            let digit_to_letter = (p.is_ascii_digit() || p == '.') && c.is_alphabetic();
            let letter_to_digit = p.is_alphabetic() && c.is_ascii_digit();
            if digit_to_letter || letter_to_digit {
                spaced.push(' ');
            }
        }
        spaced.push(c);
        previous = Some(c);
    }
    spaced
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_words(text: &str) -> Option<f64> {
    let tokens = tokens(text);
    let mut total = 0.0;
    let mut pending: Option<f64> = None;
    // Set by "a"/"an": one of the next unit, unless a fraction follows.
    let mut article = false;
    let mut last_unit: Option<f64> = None;
    let mut last_was_number_word = false;
    let mut index = 0;
    while index < tokens.len() {
        let token = tokens[index].as_str();
        index += 1;
        let next_is_unit = || {
            tokens[index..]
                .iter()
                .find(|t| !matches!(t.as_str(), "a" | "an" | "of"))
                .is_some_and(|t| unit_seconds(t).is_some())
        };
        if let Some(unit) = unit_seconds(token) {
            let amount = pending.take().or(article.then_some(1.0))?;
            total += amount * unit;
            last_unit = Some(unit);
            article = false;
            last_was_number_word = false;
            continue;
        }
        let fraction = match token {
            "half" => Some(0.5),
            "quarter" => Some(0.25),
            _ => None,
        };
        if let Some(fraction) = fraction {
            if next_is_unit() {
                // "half an hour", "one and a half hours", "a quarter of an hour".
                pending = Some(pending.unwrap_or(0.0) + fraction);
                article = false;
            } else if let (Some(unit), None) = (last_unit, pending) {
                // "an hour and a half".
                total += fraction * unit;
                article = false;
            } else {
                return None;
            }
            last_was_number_word = false;
            continue;
        }
        match token {
            "and" | "for" | "of" | "in" => {
                last_was_number_word = false;
                continue;
            }
            "a" | "an" => {
                if pending.is_none() {
                    article = true;
                }
                last_was_number_word = false;
                continue;
            }
            _ => {}
        }
        let value = if token == "hundred" {
            100.0
        } else {
            number_word(token)?
        };
        pending = match pending {
            Some(before) if last_was_number_word => Some(combine(before, token, value)?),
            Some(_) => return None,
            None => Some(value),
        };
        last_was_number_word = token.parse::<f64>().is_err();
    }
    if let Some(rest) = pending {
        // "1 hour 30" -> 30 minutes; a bare "10" -> 10 minutes.
        total += rest * last_unit.map(smaller).unwrap_or(60.0);
    }
    (total > 0.0).then_some(total)
}

/// `H:MM:SS` for Home Assistant's `duration` field (hours may exceed 24).
pub fn to_service_value(seconds: u64) -> String {
    format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        (seconds % 3600) / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_8601_as_alexa_sends_it() {
        assert_eq!(parse("PT45M"), Some(2700));
        assert_eq!(parse("PT1H30M"), Some(5400));
        assert_eq!(parse("PT90S"), Some(90));
        assert_eq!(parse("PT1H0M5S"), Some(3605));
        assert_eq!(parse("P1DT2H"), Some(93_600));
        assert_eq!(parse("PT1.5H"), Some(5400));
        assert_eq!(parse("P1W"), Some(604_800));
        assert_eq!(parse("pt5m"), Some(300));
        assert_eq!(parse("P1M"), None, "months are not a timer duration");
        assert_eq!(parse("PT"), None);
        assert_eq!(parse("PT5"), None);
        assert_eq!(parse("P"), None);
    }

    #[test]
    fn clock_forms() {
        assert_eq!(parse("00:45:00"), Some(2700));
        assert_eq!(parse("1:30:00"), Some(5400));
        assert_eq!(parse("0:00:30"), Some(30));
        assert_eq!(
            parse("01:30"),
            Some(5400),
            "two parts are hours:minutes, as in HA"
        );
        assert_eq!(parse("26:00:00"), Some(93_600));
        assert_eq!(parse("1:75:00"), None);
        assert_eq!(parse("a:b:c"), None);
    }

    #[test]
    fn spoken_words() {
        assert_eq!(parse("5 minutes"), Some(300));
        assert_eq!(parse("1 hour 30 minutes"), Some(5400));
        assert_eq!(parse("1 hour and 30 minutes"), Some(5400));
        assert_eq!(parse("an hour and a half"), Some(5400));
        assert_eq!(parse("half an hour"), Some(1800));
        assert_eq!(parse("one and a half hours"), Some(5400));
        assert_eq!(parse("1.5 hours"), Some(5400));
        assert_eq!(parse("twenty five minutes"), Some(1500));
        assert_eq!(parse("twenty-five minutes"), Some(1500));
        assert_eq!(parse("a quarter of an hour"), Some(900));
        assert_eq!(parse("a minute"), Some(60));
        assert_eq!(parse("2 hrs 5 mins 10 secs"), Some(7510));
        assert_eq!(parse("1h30m"), Some(5400));
        assert_eq!(parse("90s"), Some(90));
        assert_eq!(parse("for 10 minutes"), Some(600));
        assert_eq!(parse("one hundred twenty seconds"), Some(120));
        assert_eq!(parse("3 minutes and 20 seconds"), Some(200));
        assert_eq!(parse("1 hour 30"), Some(5400));
        assert_eq!(parse("10"), Some(600), "a bare number is minutes");
        assert_eq!(parse("2 days"), Some(172_800));
    }

    #[test]
    fn rejects_non_durations() {
        for text in [
            "",
            "soon",
            "minutes",
            "five five minutes",
            "0 minutes",
            "half",
            "laundry",
            "5 parsecs",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn service_value() {
        assert_eq!(to_service_value(5400), "1:30:00");
        assert_eq!(to_service_value(45), "0:00:45");
        assert_eq!(to_service_value(93_600), "26:00:00");
    }
}
