//! Times and dates in slot values and in `input_datetime` states: parsing what Alexa sends
//! (AMAZON.TIME "07:30", AMAZON.DATE "2026-12-24", spoken "7:30 pm", "noon") and what
//! Home Assistant stores ("07:00:00", "2026-12-24", "2026-12-24 07:00:00").

use lee_sdk::clock::Date;
use lee_sdk::matching::normalize;

/// A wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Time {
    pub fn new(hour: u32, minute: u32, second: u32) -> Option<Self> {
        (hour < 24 && minute < 60 && second < 60).then_some(Self {
            hour,
            minute,
            second,
        })
    }

    /// `HH:MM:SS` as Home Assistant's services take it.
    pub fn to_ha(self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }
}

/// What a value names: a time, a date, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Time(Time),
    Date(Date),
    DateTime(Date, Time),
}

/// Locale words for times ("noon", "pm"); see the speech tables.
#[derive(Debug)]
pub struct TimeWords {
    pub noon: &'static [&'static str],
    pub midnight: &'static [&'static str],
    pub am: &'static [&'static str],
    pub pm: &'static [&'static str],
}

fn is_one_of(word: &str, words: &[&str]) -> bool {
    words.iter().any(|w| normalize(w) == word)
}

/// `HH:MM[:SS]` or `H.MM` with an optional am/pm word, a bare hour ("7", "7 pm"),
/// `noon` and `midnight`. "0730" and Alexa's vague "MO"/"EV" are refused.
pub fn parse_time(text: &str, words: &TimeWords) -> Option<Time> {
    let normalized = normalize(text);
    if is_one_of(&normalized, words.noon) {
        return Time::new(12, 0, 0);
    }
    if is_one_of(&normalized, words.midnight) {
        return Time::new(0, 0, 0);
    }
    // Split off a trailing am/pm word ("7 30 pm", "7pm").
    let lowered = text.trim().to_lowercase();
    let (clock, meridiem) = split_meridiem(&lowered, words);
    let parts: Vec<&str> = clock
        .split([':', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty()
        || parts.len() > 3
        || !parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let number = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<u32>().ok());
    let (mut hour, minute, second) = (number(0)?, number(1)?, number(2)?);
    if parts.get(1).is_some_and(|m| m.len() != 2) || parts.get(2).is_some_and(|s| s.len() != 2) {
        return None;
    }
    match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = match (pm, hour) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            };
        }
        None if parts.len() == 1 && parts[0].len() > 2 => return None,
        None => {}
    }
    Time::new(hour, minute, second)
}

/// ("7:30", Some(true)) for "7:30 pm"; `None` when there is no am/pm word.
fn split_meridiem<'a>(text: &'a str, words: &TimeWords) -> (&'a str, Option<bool>) {
    let candidates = words
        .am
        .iter()
        .map(|w| (*w, false))
        .chain(words.pm.iter().map(|w| (*w, true)));
    for (word, pm) in candidates {
        for form in [word.to_string(), word.replace('.', "")] {
            if let Some(rest) = text.strip_suffix(form.as_str())
                && rest
                    .chars()
                    .last()
                    .is_none_or(|c| c.is_ascii_digit() || c == ' ')
            {
                return (rest.trim(), Some(pm));
            }
        }
    }
    (text, None)
}

/// A date, a time, or a date and time ("2026-12-24 07:30", "2026-12-24T07:30:00").
pub fn parse_when(text: &str, words: &TimeWords) -> Option<When> {
    let text = text.trim();
    if let Some(date) = Date::parse(text) {
        let rest = text.get(10..).unwrap_or_default();
        let rest = rest.trim_start_matches(['T', ' ']).trim();
        let rest = rest.strip_prefix("at ").unwrap_or(rest);
        if rest.is_empty() {
            return Some(When::Date(date));
        }
        return parse_time(rest, words).map(|time| When::DateTime(date, time));
    }
    parse_time(text, words).map(When::Time)
}

/// Reads an `input_datetime` state ("07:00:00", "2026-12-24", "2026-12-24 07:00:00").
pub fn parse_state(state: &str) -> Option<When> {
    let state = state.trim();
    let time = |t: &str| {
        let mut parts = t.split(':').map(|p| p.parse::<u32>().ok());
        Time::new(
            parts.next()??,
            parts.next().flatten().unwrap_or(0),
            parts.next().flatten().unwrap_or(0),
        )
    };
    match Date::parse(state) {
        Some(date) => match state.get(10..).map(|r| r.trim_start_matches(['T', ' '])) {
            Some(rest) if !rest.is_empty() => time(rest).map(|t| When::DateTime(date, t)),
            _ => Some(When::Date(date)),
        },
        None => time(state).map(When::Time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: TimeWords = TimeWords {
        noon: &["noon", "midday"],
        midnight: &["midnight"],
        am: &["am", "a.m.", "in the morning"],
        pm: &["pm", "p.m.", "in the evening", "in the afternoon"],
    };

    fn t(h: u32, m: u32) -> Option<Time> {
        Time::new(h, m, 0)
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("07:30", &WORDS), t(7, 30));
        assert_eq!(parse_time("7:30", &WORDS), t(7, 30));
        assert_eq!(parse_time("19:05:09", &WORDS), Time::new(19, 5, 9));
        assert_eq!(parse_time("7:30 pm", &WORDS), t(19, 30));
        assert_eq!(parse_time("7 PM", &WORDS), t(19, 0));
        assert_eq!(parse_time("7pm", &WORDS), t(19, 0));
        assert_eq!(parse_time("12 am", &WORDS), t(0, 0));
        assert_eq!(parse_time("12:15 p.m.", &WORDS), t(12, 15));
        assert_eq!(parse_time("6 in the morning", &WORDS), t(6, 0));
        assert_eq!(parse_time("Noon", &WORDS), t(12, 0));
        assert_eq!(parse_time("midnight", &WORDS), t(0, 0));
        assert_eq!(parse_time("7", &WORDS), t(7, 0));
        assert_eq!(parse_time("7.45", &WORDS), t(7, 45));
        assert_eq!(parse_time("25:00", &WORDS), None);
        assert_eq!(parse_time("13 pm", &WORDS), None);
        assert_eq!(parse_time("7:5", &WORDS), None);
        assert_eq!(parse_time("MO", &WORDS), None);
        assert_eq!(parse_time("soon", &WORDS), None);
        assert_eq!(parse_time("0730", &WORDS), None);
        assert_eq!(t(7, 5).map(Time::to_ha).as_deref(), Some("07:05:00"));
    }

    #[test]
    fn dates_and_states() {
        let date = Date::parse("2026-12-24").expect("date");
        assert_eq!(parse_when("2026-12-24", &WORDS), Some(When::Date(date)));
        assert_eq!(
            parse_when("2026-12-24T07:30", &WORDS),
            Some(When::DateTime(
                date,
                Time {
                    hour: 7,
                    minute: 30,
                    second: 0
                }
            ))
        );
        assert_eq!(
            parse_when("2026-12-24 at 7 pm", &WORDS),
            Some(When::DateTime(
                date,
                Time {
                    hour: 19,
                    minute: 0,
                    second: 0
                }
            ))
        );
        assert_eq!(parse_when("2026-W52", &WORDS), None);
        assert_eq!(parse_when("2026-02-31", &WORDS), None);
        assert_eq!(
            parse_state("07:00:00"),
            Some(When::Time(Time {
                hour: 7,
                minute: 0,
                second: 0
            }))
        );
        assert_eq!(parse_state("2026-12-24"), Some(When::Date(date)));
        assert_eq!(
            parse_state("2026-12-24 07:00:00"),
            Some(When::DateTime(
                date,
                Time {
                    hour: 7,
                    minute: 0,
                    second: 0
                }
            ))
        );
        assert_eq!(parse_state("unknown"), None);
    }
}
