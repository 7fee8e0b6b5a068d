//! Everything the weather component says, one table per locale (en-US now): sentences,
//! condition names, weekday names and the spoken day words the `Day` slot may carry.
//! "Unavailable" is the shared [`lee_sdk::locale::phrases`] one.

use lee_sdk::locale::{self, EN_MONTHS};
use lee_sdk::matching::normalize;

/// The words of one locale.
pub struct Speech {
    /// "It's currently rainy and -24.4 degrees."
    pub current: &'static str,
    /// "Today: partly cloudy, with a high of 19 and a low of 8 degrees"
    pub forecast: &'static str,
    pub forecast_high_only: &'static str,
    pub forecast_condition_only: &'static str,
    /// ", and a 30 percent chance of precipitation"
    pub precipitation: &'static str,
    pub sentence_end: &'static str,
    pub no_forecast: &'static str,
    pub no_weather: &'static str,
    pub unknown_day: &'static str,
    pub today: &'static str,
    pub tomorrow: &'static str,
    /// Monday first.
    pub weekdays: [&'static str; 7],
    /// January first.
    pub months: [&'static str; 12],
    /// A day more than six days away (or past): "Sunday, December 20".
    pub far_day: &'static str,
    /// Words meaning today / tomorrow / the day after / the weekend.
    pub today_words: &'static [&'static str],
    pub tomorrow_words: &'static [&'static str],
    pub day_after_tomorrow_words: &'static [&'static str],
    pub weekend_words: &'static [&'static str],
    /// Leading words to drop from a spoken day ("on", "this", "next").
    pub day_prefixes: &'static [&'static str],
    /// Home Assistant condition -> how it is said.
    pub conditions: &'static [(&'static str, &'static str)],
}

pub static EN_US: Speech = Speech {
    current: "It's currently {condition} and {temperature} degrees.",
    forecast: "{day}: {condition}, with a high of {high} and a low of {low} degrees",
    forecast_high_only: "{day}: {condition}, with a high of {high} degrees",
    forecast_condition_only: "{day}: {condition}",
    precipitation: ", and a {probability} percent chance of precipitation",
    sentence_end: ".",
    no_forecast: "I don't have a forecast for {day}.",
    no_weather: "You have no weather service in Home Assistant.",
    unknown_day: "Sorry, I can tell the weather for today, tomorrow or a day of the week, not {spoken}.",
    today: "Today",
    tomorrow: "Tomorrow",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    months: EN_MONTHS,
    far_day: "{weekday}, {month} {day}",
    today_words: &[
        "today",
        "now",
        "right now",
        "currently",
        "tonight",
        "this morning",
        "this afternoon",
        "this evening",
        "present ref",
    ],
    tomorrow_words: &["tomorrow", "tomorrow morning", "tomorrow night"],
    day_after_tomorrow_words: &["day after tomorrow", "the day after tomorrow"],
    weekend_words: &["weekend", "the weekend", "this weekend", "next weekend"],
    day_prefixes: &["on", "this", "next", "for", "coming"],
    conditions: &[
        ("clear-night", "clear"),
        ("cloudy", "cloudy"),
        ("exceptional", "exceptional weather"),
        ("fog", "foggy"),
        ("hail", "hail"),
        ("lightning", "thunderstorms"),
        ("lightning-rainy", "thunderstorms with rain"),
        ("partlycloudy", "partly cloudy"),
        ("pouring", "pouring rain"),
        ("rainy", "rainy"),
        ("snowy", "snowy"),
        ("snowy-rainy", "sleet"),
        ("sunny", "sunny"),
        ("windy", "windy"),
        ("windy-variant", "windy and cloudy"),
    ],
};

static TABLES: &[(&str, &Speech)] = &[("en-US", &EN_US)];

/// The table for a request's locale (en-US when there is none for it).
pub fn for_locale(tag: &str) -> &'static Speech {
    locale::pick::<&Speech>(tag, TABLES)
}

/// A spoken day, before it is pinned to a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpokenDay {
    /// Days from today (0 today, 1 tomorrow...).
    Offset(i64),
    /// 0 = Monday.
    Weekday(u32),
    Weekend,
}

impl Speech {
    /// Reads a spoken day word ("tomorrow", "on Friday", "this weekend").
    pub fn day(&self, spoken: &str) -> Option<SpokenDay> {
        let normalized = normalize(spoken);
        let is = |words: &[&str]| words.contains(&normalized.as_str());
        if is(self.today_words) {
            return Some(SpokenDay::Offset(0));
        }
        if is(self.tomorrow_words) {
            return Some(SpokenDay::Offset(1));
        }
        if is(self.day_after_tomorrow_words) {
            return Some(SpokenDay::Offset(2));
        }
        if is(self.weekend_words) {
            return Some(SpokenDay::Weekend);
        }
        let mut words: Vec<&str> = normalized.split(' ').collect();
        while words.len() > 1 && self.day_prefixes.contains(&words[0]) {
            words.remove(0);
        }
        let word = words.join(" ");
        self.weekdays
            .iter()
            .position(|d| d.eq_ignore_ascii_case(&word))
            .map(|i| SpokenDay::Weekday(i as u32))
    }

    /// How a condition is said ("partlycloudy" -> "partly cloudy").
    pub fn condition(&self, condition: &str) -> String {
        self.conditions
            .iter()
            .find(|(c, _)| *c == condition)
            .map(|(_, said)| said.to_string())
            .unwrap_or_else(|| condition.replace(['-', '_'], " "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_conditions() {
        let s = for_locale("en-US");
        assert_eq!(s.day("Today"), Some(SpokenDay::Offset(0)));
        assert_eq!(s.day("tonight"), Some(SpokenDay::Offset(0)));
        assert_eq!(s.day("PRESENT_REF"), Some(SpokenDay::Offset(0)));
        assert_eq!(s.day("tomorrow"), Some(SpokenDay::Offset(1)));
        assert_eq!(s.day("the day after tomorrow"), Some(SpokenDay::Offset(2)));
        assert_eq!(s.day("Friday"), Some(SpokenDay::Weekday(4)));
        assert_eq!(s.day("on monday"), Some(SpokenDay::Weekday(0)));
        assert_eq!(s.day("next Sunday"), Some(SpokenDay::Weekday(6)));
        assert_eq!(s.day("this weekend"), Some(SpokenDay::Weekend));
        assert_eq!(s.day("someday"), None);
        assert_eq!(s.condition("partlycloudy"), "partly cloudy");
        assert_eq!(s.condition("clear-night"), "clear");
        assert_eq!(s.condition("new-thing"), "new thing");
    }
}
