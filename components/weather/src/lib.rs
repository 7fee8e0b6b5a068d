//! The `weather` feature component: current conditions and the forecast for a day, for
//! the custom-skill intent `GetWeather{Day}`.
//!
//! The forecast comes from the `weather.get_forecasts` service with its response (the
//! `forecast` state attribute was removed from Home Assistant in 2024.3): `daily` when
//! the entity supports it, else `twice_daily`, else `hourly` (aggregated per day).
//! `Day` may be an `AMAZON.DATE` value (`2026-11-29`, `2026-W48-WE`, `PRESENT_REF`) or
//! a spoken word ("today", "tomorrow", "Friday", "this weekend"); no day means today,
//! which also gets the current conditions. Days are local to Home Assistant's time zone
//! (its UTC offset comes from a template, cached for an hour).
//!
//! Config: `entity` (e.g. `weather.home`; default: the first available weather entity).
//! Grants needed: `weather.get_forecasts`, `read_states`.

pub mod speech;

use lee_sdk::clock::{self, Date};
use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, State};
use lee_sdk::locale::{fill, phrases};
use lee_sdk::numbers;
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, config};
use serde_json::{Value, json};

use crate::speech::{Speech, SpokenDay};

pub struct Weather;

const ROUTES: Routes = &[("skill:GetWeather", Handler::Skill(get_weather))];

lee_sdk::component!(Weather, ROUTES);

/// Home Assistant's current UTC offset in seconds.
const OFFSET_TEMPLATE: &str = "{{ now().utcoffset().total_seconds() | int }}";

/// `WeatherEntityFeature` bits and the forecast type each allows, best first.
const FORECAST_TYPES: [(u64, &str); 3] = [(1, "daily"), (4, "twice_daily"), (2, "hourly")];

/// The forecast type to ask an entity for, by its supported features.
pub fn forecast_type(features: u64) -> Option<&'static str> {
    FORECAST_TYPES
        .iter()
        .find(|(bit, _)| features & bit != 0)
        .map(|(_, kind)| *kind)
}

/// The Monday of ISO week `week` of `year`.
fn iso_week_monday(year: i64, week: u32) -> Date {
    let jan4 = Date {
        year,
        month: 1,
        day: 4,
    };
    jan4.add_days(-i64::from(jan4.weekday()) + 7 * (i64::from(week) - 1))
}

/// The dates a `Day` slot value means, relative to `today`; `None` when it is no day.
pub fn days_meant(spoken: Option<&str>, today: Date, speech: &Speech) -> Option<Vec<Date>> {
    let Some(spoken) = spoken.map(str::trim).filter(|s| !s.is_empty()) else {
        return Some(vec![today]);
    };
    if spoken.len() == 10
        && let Some(date) = Date::parse(spoken)
    {
        return Some(vec![date]);
    }
    // AMAZON.DATE weekends: "2026-W48-WE".
    if let Some(week) = spoken.strip_suffix("-WE")
        && let Some((year, week)) = week.split_once("-W")
        && let (Ok(year), Ok(week)) = (year.parse::<i64>(), week.parse::<u32>())
        && (1..=53).contains(&week)
    {
        let saturday = iso_week_monday(year, week).add_days(5);
        return Some(vec![saturday, saturday.add_days(1)]);
    }
    Some(match speech.day(spoken)? {
        SpokenDay::Offset(days) => vec![today.add_days(days)],
        SpokenDay::Weekday(weekday) => vec![today.next_weekday(weekday)],
        SpokenDay::Weekend => match today.weekday() {
            5 => vec![today, today.add_days(1)],
            6 => vec![today],
            _ => {
                let saturday = today.next_weekday(5);
                vec![saturday, saturday.add_days(1)]
            }
        },
    })
}

/// One day's forecast, aggregated from however many entries cover it.
#[derive(Debug, Clone, PartialEq)]
pub struct DayForecast {
    pub condition: Option<String>,
    pub high: Option<f64>,
    pub low: Option<f64>,
    pub precipitation_probability: Option<f64>,
}

/// The forecast for `date` (local at `utc_offset` seconds) from `get_forecasts` entries:
/// a daily entry as is; twice-daily or hourly entries merged (highest high, lowest low,
/// the daytime or most frequent condition, the highest chance of precipitation).
pub fn forecast_for(entries: &[Value], date: Date, utc_offset: i64) -> Option<DayForecast> {
    let on_day: Vec<&Value> = entries
        .iter()
        .filter(|e| {
            e.get("datetime")
                .and_then(Value::as_str)
                .and_then(clock::parse_timestamp)
                .is_some_and(|t| Date::from_unix(t, utc_offset) == date)
        })
        .collect();
    if on_day.is_empty() {
        return None;
    }
    let number = |e: &Value, key: &str| e.get(key).and_then(Value::as_f64);
    let highs = on_day.iter().filter_map(|e| number(e, "temperature"));
    let high = highs.fold(None, |acc: Option<f64>, t| {
        Some(acc.map_or(t, |a| a.max(t)))
    });
    let lows: Vec<f64> = on_day.iter().filter_map(|e| number(e, "templow")).collect();
    let low = if lows.is_empty() && on_day.len() > 1 {
        // Hourly entries carry no templow: the lowest temperature is the low.
        on_day
            .iter()
            .filter_map(|e| number(e, "temperature"))
            .fold(None, |acc: Option<f64>, t| {
                Some(acc.map_or(t, |a| a.min(t)))
            })
    } else {
        lows.into_iter().fold(None, |acc: Option<f64>, t| {
            Some(acc.map_or(t, |a| a.min(t)))
        })
    };
    let precipitation_probability = on_day
        .iter()
        .filter_map(|e| number(e, "precipitation_probability"))
        .fold(None, |acc: Option<f64>, p| {
            Some(acc.map_or(p, |a| a.max(p)))
        });
    let daytime = on_day
        .iter()
        .find(|e| e.get("is_daytime").and_then(Value::as_bool) == Some(true))
        .and_then(|e| e.get("condition").and_then(Value::as_str));
    let condition = daytime.or_else(|| most_frequent_condition(&on_day));
    Some(DayForecast {
        condition: condition.map(str::to_string),
        high,
        low,
        precipitation_probability,
    })
}

fn most_frequent_condition<'a>(entries: &[&'a Value]) -> Option<&'a str> {
    let conditions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.get("condition").and_then(Value::as_str))
        .collect();
    let mut best: Option<(&str, usize)> = None;
    for c in &conditions {
        let count = conditions.iter().filter(|x| *x == c).count();
        if best.is_none_or(|(_, n)| count > n) {
            best = Some((c, count));
        }
    }
    best.map(|(c, _)| c)
}

/// "Today", "Tomorrow", the weekday's name within the coming week, else the date.
pub fn day_label(date: Date, today: Date, speech: &Speech) -> String {
    let weekday = speech.weekdays[date.weekday() as usize];
    match date.days() - today.days() {
        0 => speech.today.to_string(),
        1 => speech.tomorrow.to_string(),
        2..=6 => weekday.to_string(),
        _ => fill(
            speech.far_day,
            &[
                ("weekday", weekday),
                (
                    "month",
                    speech.months[(date.month as usize).saturating_sub(1) % 12],
                ),
                ("day", &date.day.to_string()),
            ],
        ),
    }
}

/// One day's forecast sentence.
pub fn forecast_sentence(label: &str, day: &DayForecast, speech: &Speech) -> String {
    let condition = day
        .condition
        .as_deref()
        .map(|c| speech.condition(c))
        .unwrap_or_default();
    let degrees = |t: f64| numbers::spoken(t, 1);
    let mut text = match (day.high, day.low) {
        (Some(high), Some(low)) => fill(
            speech.forecast,
            &[
                ("day", label),
                ("condition", &condition),
                ("high", &degrees(high)),
                ("low", &degrees(low)),
            ],
        ),
        (Some(high), None) => fill(
            speech.forecast_high_only,
            &[
                ("day", label),
                ("condition", &condition),
                ("high", &degrees(high)),
            ],
        ),
        _ => fill(
            speech.forecast_condition_only,
            &[("day", label), ("condition", &condition)],
        ),
    };
    if let Some(p) = day.precipitation_probability.filter(|p| *p > 0.0) {
        text.push_str(&fill(
            speech.precipitation,
            &[("probability", &numbers::spoken(p, 0))],
        ));
    }
    text.push_str(speech.sentence_end);
    text
}

/// "It's currently rainy and -24.4 degrees."
pub fn current_sentence(state: &State, speech: &Speech) -> Option<String> {
    let temperature = state
        .attributes
        .get("temperature")
        .and_then(Value::as_f64)?;
    Some(fill(
        speech.current,
        &[
            ("condition", &speech.condition(&state.state)),
            ("temperature", &numbers::spoken(temperature, 1)),
        ],
    ))
}

fn say(text: String) -> Result<String, Failure> {
    SkillResponse::say(text).into_result()
}

/// The configured weather entity, else the first available one.
fn weather_entity() -> Result<Option<State>, Failure> {
    if let Some(entity_id) = config::get("entity").filter(|e| !e.trim().is_empty()) {
        return Ok(ha::state(entity_id.trim(), Freshness::ForLookup)?);
    }
    let mut all = ha::states_in_domain("weather", Freshness::ForLookup)?;
    all.sort_by(|a, b| a.entity_id.cmp(&b.entity_id));
    let first_available = all.iter().position(State::is_available).unwrap_or(0);
    Ok((!all.is_empty()).then(|| all.swap_remove(first_available)))
}

fn get_weather(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let Some(entity) = weather_entity()? else {
        return say(speech.no_weather.to_string());
    };
    if !entity.is_available() {
        return say(phrases(&request.locale).unavailable(&entity.friendly_name()));
    }
    let offset = ha::render_template(OFFSET_TEMPLATE, Freshness::Within(3_600_000))?
        .trim()
        .parse::<i64>()
        .unwrap_or(0);
    let today = Date::from_unix(clock::now_unix(), offset);
    let spoken = request.slot("Day");
    let Some(dates) = days_meant(spoken.as_deref(), today, speech) else {
        return say(fill(
            speech.unknown_day,
            &[("spoken", spoken.as_deref().unwrap_or_default())],
        ));
    };
    let features = entity
        .attributes
        .get("supported_features")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let entries = match forecast_type(features) {
        Some(kind) => {
            let result = ha::call_service_with_response(
                "weather",
                "get_forecasts",
                &json!({"entity_id": entity.entity_id, "type": kind}),
            )?;
            result
                .response
                .as_ref()
                .and_then(|r| r.get(&entity.entity_id))
                .and_then(|r| r.get("forecast"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let mut sentences = Vec::new();
    for date in dates {
        let label = day_label(date, today, speech);
        if date == today
            && let Some(now) = current_sentence(&entity, speech)
        {
            sentences.push(now);
        }
        match forecast_for(&entries, date, offset) {
            Some(day) => sentences.push(forecast_sentence(&label, &day, speech)),
            None if date == today && !sentences.is_empty() => {}
            None => sentences.push(fill(speech.no_forecast, &[("day", &label)])),
        }
    }
    say(sentences.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> &'static Speech {
        speech::for_locale("en-US")
    }

    fn saturday() -> Date {
        Date::parse("2026-11-28").unwrap()
    }

    fn daily() -> Vec<Value> {
        serde_json::from_str(
            r#"[
            {"datetime": "2026-11-28T16:00:23.698444+00:00", "condition": "rainy", "precipitation": 5.0, "temperature": 19.0, "templow": 8.0, "precipitation_probability": 30},
            {"datetime": "2026-11-29T16:00:23.698444+00:00", "condition": "cloudy", "temperature": 15.0, "templow": 9.0, "precipitation_probability": 10},
            {"datetime": "2026-11-30T16:00:23.698444+00:00", "condition": "sunny", "temperature": 12.0, "templow": 6.0, "precipitation_probability": 0}
        ]"#,
        )
        .unwrap()
    }

    #[test]
    fn days_from_words_and_amazon_dates() {
        let today = saturday();
        let one = |spoken: &str| days_meant(Some(spoken), today, s()).unwrap();
        assert_eq!(days_meant(None, today, s()), Some(vec![today]));
        assert_eq!(one("today"), vec![today]);
        assert_eq!(one("tomorrow"), vec![today.add_days(1)]);
        assert_eq!(one("monday"), vec![Date::parse("2026-11-30").unwrap()]);
        assert_eq!(one("saturday"), vec![today]);
        assert_eq!(one("2026-12-01"), vec![Date::parse("2026-12-01").unwrap()]);
        assert_eq!(one("this weekend"), vec![today, today.add_days(1)]);
        assert_eq!(
            one("2026-W48-WE"),
            vec![today, today.add_days(1)],
            "ISO week 48 of 2026 ends on Sunday 2026-11-29"
        );
        assert_eq!(days_meant(Some("someday"), today, s()), None);
        let wednesday = Date::parse("2026-11-25").unwrap();
        assert_eq!(
            days_meant(Some("weekend"), wednesday, s()).unwrap(),
            vec![today, today.add_days(1)]
        );
    }

    #[test]
    fn daily_forecast_selection() {
        let entries = daily();
        let day = forecast_for(&entries, saturday().add_days(1), 0).unwrap();
        assert_eq!(
            day,
            DayForecast {
                condition: Some("cloudy".into()),
                high: Some(15.0),
                low: Some(9.0),
                precipitation_probability: Some(10.0),
            }
        );
        assert_eq!(
            forecast_sentence("Tomorrow", &day, s()),
            "Tomorrow: cloudy, with a high of 15 and a low of 9 degrees, and a 10 percent chance of precipitation."
        );
        let monday = forecast_for(&entries, saturday().add_days(2), 0).unwrap();
        assert_eq!(
            forecast_sentence("Monday", &monday, s()),
            "Monday: sunny, with a high of 12 and a low of 6 degrees."
        );
        assert_eq!(forecast_for(&entries, saturday().add_days(5), 0), None);
        // At UTC+9 the 16:00 UTC entries fall on the next local day.
        let tokyo = forecast_for(&entries, saturday().add_days(1), 9 * 3600).unwrap();
        assert_eq!(tokyo.condition.as_deref(), Some("rainy"));
    }

    #[test]
    fn twice_daily_and_hourly_are_merged() {
        let twice: Vec<Value> = serde_json::from_str(
            r#"[
            {"datetime": "2026-11-29T06:00:00+00:00", "is_daytime": false, "condition": "clear-night", "temperature": 4.0, "templow": 2.0},
            {"datetime": "2026-11-29T12:00:00+00:00", "is_daytime": true, "condition": "sunny", "temperature": 11.0, "templow": 5.0, "precipitation_probability": 20}
        ]"#,
        )
        .unwrap();
        let day = forecast_for(&twice, saturday().add_days(1), 0).unwrap();
        assert_eq!(day.condition.as_deref(), Some("sunny"));
        assert_eq!((day.high, day.low), (Some(11.0), Some(2.0)));
        let hourly: Vec<Value> = (0..24)
            .map(|h| {
                json!({"datetime": format!("2026-11-29T{h:02}:00:00+00:00"),
                       "condition": if h < 8 { "cloudy" } else { "rainy" },
                       "temperature": 5.0 + f64::from(h % 12)})
            })
            .collect();
        let day = forecast_for(&hourly, saturday().add_days(1), 0).unwrap();
        assert_eq!(day.condition.as_deref(), Some("rainy"));
        assert_eq!((day.high, day.low), (Some(16.0), Some(5.0)));
    }

    #[test]
    fn current_conditions_and_types() {
        let state = State::new(
            "weather.home",
            "partlycloudy",
            json!({"temperature": -24.4}),
        );
        assert_eq!(
            current_sentence(&state, s()).unwrap(),
            "It's currently partly cloudy and -24.4 degrees."
        );
        assert_eq!(forecast_type(7), Some("daily"));
        assert_eq!(forecast_type(6), Some("twice_daily"));
        assert_eq!(forecast_type(2), Some("hourly"));
        assert_eq!(forecast_type(0), None);
        assert_eq!(
            day_label(saturday().add_days(3), saturday(), s()),
            "Tuesday"
        );
    }
}
