//! The `timers` feature component: Home Assistant `timer` entities by voice, for the
//! custom-skill intents `ManageTimer{TimerAction, TimerName, Duration}` (start, pause,
//! cancel, finish; start also resumes a paused timer) and `TimerStatus{TimerName}`
//! ("how long is left").
//!
//! Durations: see [`duration`] (ISO-8601 from `AMAZON.DURATION`, words, `HH:MM:SS`).
//! Time left is computed from the timer's `finishes_at` (active) or `remaining` (paused)
//! attribute against the wall clock. Without a timer name the one running (or, to start,
//! the one paused / the only one) is meant; when several fit, the skill asks which.
//!
//! Grants needed: `timer.start`, `timer.pause`, `timer.cancel`, `timer.finish`,
//! `read_states`.

pub mod duration;
pub mod speech;

use lee_sdk::clock;
use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, State};
use lee_sdk::locale::{Phrases, fill, phrases};
use lee_sdk::matching::spoken_list;
use lee_sdk::resolve::{self, Lookup};
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, log};
use serde_json::{Value, json};

use crate::speech::Speech;

pub struct Timers;

const ROUTES: Routes = &[
    ("skill:ManageTimer", Handler::Skill(manage)),
    ("skill:TimerStatus", Handler::Skill(status)),
];

lee_sdk::component!(Timers, ROUTES);

/// What to do with a timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Pause,
    Cancel,
    Finish,
}

impl Action {
    fn from_word(word: &str) -> Option<Self> {
        Some(match word {
            "start" => Action::Start,
            "pause" => Action::Pause,
            "cancel" => Action::Cancel,
            "finish" => Action::Finish,
            _ => return None,
        })
    }

    fn service(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Pause => "pause",
            Action::Cancel => "cancel",
            Action::Finish => "finish",
        }
    }

    /// Could this action apply to a timer in `state` (for picking an unnamed timer)?
    fn fits(self, state: &str) -> bool {
        match self {
            Action::Start => state == "paused",
            Action::Pause => state == "active",
            Action::Cancel | Action::Finish => state == "active" || state == "paused",
        }
    }
}

/// The timer's name for speech: "Laundry" (a trailing "timer" is dropped, since the
/// sentences say "the … timer").
pub fn spoken_name(state: &State) -> String {
    let name = state.friendly_name();
    let trimmed = name.trim();
    // ASCII lower-casing keeps byte offsets, so the stem's length indexes `trimmed`.
    match trimmed.to_ascii_lowercase().strip_suffix(" timer") {
        Some(stem) if !stem.trim().is_empty() => trimmed[..stem.len()].trim().to_string(),
        _ => trimmed.to_string(),
    }
}

/// Seconds left on a timer at `now` (Unix seconds): from `finishes_at` when active, from
/// `remaining` when paused (or active without `finishes_at`); `None` when idle.
pub fn remaining_seconds(state: &State, now: f64) -> Option<f64> {
    match state.state.as_str() {
        "active" => state
            .attribute_str("finishes_at")
            .and_then(clock::parse_timestamp)
            .map(|finishes| (finishes - now).max(0.0))
            .or_else(|| {
                state
                    .attribute_str("remaining")
                    .and_then(clock::parse_timedelta)
            }),
        "paused" => state
            .attribute_str("remaining")
            .and_then(clock::parse_timedelta),
        _ => None,
    }
}

/// The timer's configured duration in seconds.
fn configured_duration(state: &State) -> Option<f64> {
    state
        .attribute_str("duration")
        .and_then(clock::parse_timedelta)
}

/// One sentence about a timer's state.
pub fn describe(state: &State, now: f64, speech: &Speech, shared: &Phrases) -> String {
    let name = spoken_name(state);
    let left = remaining_seconds(state, now).map(|s| speech.duration(shared, s));
    match (state.state.as_str(), left) {
        ("active", Some(remaining)) => fill(
            speech.remaining_active,
            &[("name", &name), ("remaining", &remaining)],
        ),
        ("paused", Some(remaining)) => fill(
            speech.remaining_paused,
            &[("name", &name), ("remaining", &remaining)],
        ),
        _ => match configured_duration(state) {
            Some(d) => fill(
                speech.idle_status,
                &[("name", &name), ("duration", &speech.duration(shared, d))],
            ),
            None => fill(speech.not_running, &[("name", &name)]),
        },
    }
}

fn say(text: String) -> Result<String, Failure> {
    SkillResponse::say(text).into_result()
}

fn ask(text: String) -> Result<String, Failure> {
    SkillResponse::ask(text.clone(), text).into_result()
}

/// "Which timer, Laundry or Tea?" when no name was said and several fit.
fn ask_which(states: &[State], speech: &Speech, shared: &Phrases) -> Result<String, Failure> {
    let names: Vec<String> = states.iter().take(4).map(spoken_name).collect();
    ask(fill(
        speech.which_timer,
        &[("names", &spoken_list(&names, shared.or))],
    ))
}

/// A named timer, or what to answer instead.
enum Pick {
    Timer(State),
    Say(String),
    Ask(String),
}

/// Did-you-mean question for equally close timers (by their spoken names).
fn which_of(states: &[State], shared: &Phrases) -> String {
    let names: Vec<String> = states.iter().take(4).map(spoken_name).collect();
    shared.did_you_mean(&names)
}

/// The timer the user named, read fresh.
fn named_timer(spoken: &str, speech: &Speech, shared: &Phrases) -> Result<Pick, Failure> {
    let not_found = || Pick::Say(shared.not_found(speech.thing, spoken));
    let found = match resolve::entity_by_name("timer", spoken)? {
        Lookup::Found(state) => state,
        Lookup::Ambiguous(states) => return Ok(Pick::Ask(which_of(&states, shared))),
        Lookup::NotFound => return Ok(not_found()),
    };
    // The lookup list may be a minute old; the timer's own state must be current.
    Ok(match ha::state(&found.entity_id, Freshness::Now)? {
        Some(state) => Pick::Timer(state),
        None => not_found(),
    })
}

fn manage(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let spoken_duration = request.slot("Duration");
    let action = match request.slot("TimerAction") {
        Some(word) => match speech.action(&word).and_then(Action::from_word) {
            Some(action) => action,
            None => return ask(speech.unknown_action.to_string()),
        },
        None if spoken_duration.is_some() => Action::Start,
        None => return ask(speech.unknown_action.to_string()),
    };
    let seconds = match &spoken_duration {
        Some(text) if action == Action::Start => match duration::parse(text) {
            Some(seconds) => Some(seconds),
            None => return say(fill(speech.bad_duration, &[("spoken", text)])),
        },
        _ => None,
    };
    let timer = match request.slot("TimerName") {
        Some(spoken) => match named_timer(&spoken, speech, shared)? {
            Pick::Timer(state) => state,
            Pick::Say(answer) => return say(answer),
            Pick::Ask(question) => return ask(question),
        },
        None => {
            let timers = ha::states_in_domain("timer", Freshness::Now)?;
            let fitting: Vec<&State> = timers.iter().filter(|t| action.fits(&t.state)).collect();
            match (fitting.as_slice(), timers.as_slice()) {
                ([one], _) => (*one).clone(),
                ([], [only]) if action == Action::Start => only.clone(),
                ([], _) if action != Action::Start => return say(speech.none_running.into()),
                ([], all) => return ask_which(all, speech, shared),
                (several, _) => {
                    let owned: Vec<State> = several.iter().map(|s| (*s).clone()).collect();
                    return ask_which(&owned, speech, shared);
                }
            }
        }
    };
    act(&timer, action, seconds, speech, shared)
}

fn act(
    timer: &State,
    action: Action,
    seconds: Option<u64>,
    speech: &Speech,
    shared: &Phrases,
) -> Result<String, Failure> {
    let name = spoken_name(timer);
    if !timer.is_available() {
        return say(fill(speech.unavailable, &[("name", &name)]));
    }
    let now = clock::now_unix();
    let left =
        |state: &State| speech.duration(shared, remaining_seconds(state, now).unwrap_or(0.0));
    match (action, timer.state.as_str()) {
        (Action::Pause, "paused") => {
            return say(fill(
                speech.already_paused,
                &[("name", &name), ("remaining", &left(timer))],
            ));
        }
        (Action::Pause | Action::Cancel | Action::Finish, "idle") => {
            return say(fill(speech.not_running, &[("name", &name)]));
        }
        _ => {}
    }
    let mut data = json!({"entity_id": timer.entity_id});
    if let Some(seconds) = seconds {
        data["duration"] = Value::String(duration::to_service_value(seconds));
    }
    let result = ha::call_service("timer", action.service(), &data)?;
    log::info(
        "timer action",
        &[("timer", &timer.entity_id), ("service", action.service())],
    );
    let after = result
        .changed
        .into_iter()
        .find(|s| s.entity_id == timer.entity_id);
    let text = match action {
        Action::Start if timer.state == "paused" && seconds.is_none() => {
            let remaining = after.as_ref().map(left).unwrap_or_else(|| left(timer));
            fill(
                speech.resumed,
                &[("name", &name), ("remaining", &remaining)],
            )
        }
        Action::Start => {
            let total = seconds
                .map(|s| s as f64)
                .or_else(|| after.as_ref().and_then(configured_duration))
                .or_else(|| configured_duration(timer))
                .unwrap_or(0.0);
            fill(
                speech.started,
                &[
                    ("name", &name),
                    ("duration", &speech.duration(shared, total)),
                ],
            )
        }
        Action::Pause => {
            let remaining = after.as_ref().map(left).unwrap_or_else(|| left(timer));
            fill(speech.paused, &[("name", &name), ("remaining", &remaining)])
        }
        Action::Cancel => fill(speech.cancelled, &[("name", &name)]),
        Action::Finish => fill(speech.finished, &[("name", &name)]),
    };
    say(text)
}

fn status(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let now = clock::now_unix();
    if let Some(spoken) = request.slot("TimerName") {
        return match named_timer(&spoken, speech, shared)? {
            Pick::Timer(state) => say(describe(&state, now, speech, shared)),
            Pick::Say(answer) => say(answer),
            Pick::Ask(question) => ask(question),
        };
    }
    let mut running: Vec<State> = ha::states_in_domain("timer", Freshness::Now)?
        .into_iter()
        .filter(|t| t.state == "active" || t.state == "paused")
        .collect();
    if running.is_empty() {
        return say(speech.none_running.to_string());
    }
    running.sort_by(|a, b| {
        let left = |s: &State| remaining_seconds(s, now).unwrap_or(f64::MAX);
        left(a).total_cmp(&left(b))
    });
    let sentences: Vec<String> = running
        .iter()
        .map(|t| describe(t, now, speech, shared))
        .collect();
    say(sentences.join(speech.status_separator))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(name: &str, state: &str, attributes: Value) -> State {
        let mut attributes = attributes;
        attributes["friendly_name"] = json!(name);
        State::new(
            format!("timer.{}", name.to_lowercase().replace(' ', "_")),
            state,
            attributes,
        )
    }

    const NOW: f64 = 1_795_881_623.0; // 2026-11-28T16:00:23Z

    #[test]
    fn remaining_time_from_attributes() {
        let active = timer(
            "Laundry",
            "active",
            json!({"duration": "0:45:00", "finishes_at": "2026-11-28T17:30:23+00:00", "remaining": "1:30:00"}),
        );
        assert_eq!(remaining_seconds(&active, NOW), Some(5400.0));
        assert_eq!(remaining_seconds(&active, NOW + 10_000.0), Some(0.0));
        let paused = timer("Tea", "paused", json!({"remaining": "0:02:10"}));
        assert_eq!(remaining_seconds(&paused, NOW), Some(130.0));
        let idle = timer("Tea", "idle", json!({"duration": "0:03:00"}));
        assert_eq!(remaining_seconds(&idle, NOW), None);
        let no_finish = timer("Tea", "active", json!({"remaining": "0:03:00"}));
        assert_eq!(remaining_seconds(&no_finish, NOW), Some(180.0));
    }

    #[test]
    fn remaining_time_speech() {
        let sentence =
            |state: &State| describe(state, NOW, speech::for_locale("en-US"), phrases("en-US"));
        let active = timer(
            "Laundry",
            "active",
            json!({"finishes_at": "2026-11-28T17:30:22.6+00:00"}),
        );
        assert_eq!(
            sentence(&active),
            "The Laundry timer has 1 hour and 30 minutes left."
        );
        let paused = timer("Tea Timer", "paused", json!({"remaining": "0:02:10"}));
        assert_eq!(
            sentence(&paused),
            "The Tea timer is paused with 2 minutes and 10 seconds left."
        );
        let idle = timer("Tea", "idle", json!({"duration": "0:03:00"}));
        assert_eq!(
            sentence(&idle),
            "The Tea timer isn't running. It is set for 3 minutes."
        );
    }

    #[test]
    fn names_and_actions() {
        assert_eq!(
            spoken_name(&timer("Kitchen Timer", "idle", json!({}))),
            "Kitchen"
        );
        assert_eq!(spoken_name(&timer("Timer", "idle", json!({}))), "Timer");
        assert_eq!(spoken_name(&timer("Laundry", "idle", json!({}))), "Laundry");
        assert_eq!(spoken_name(&timer("İce TIMER", "idle", json!({}))), "İce");
        assert!(Action::Start.fits("paused"));
        assert!(!Action::Pause.fits("paused"));
        assert!(Action::Cancel.fits("paused"));
        assert!(Action::Finish.fits("active"));
        assert!(!Action::Finish.fits("idle"));
        assert_eq!(Action::from_word("pause"), Some(Action::Pause));
    }

    #[test]
    fn ambiguity_question() {
        let s = phrases("en-US");
        let states = vec![
            timer("Tea", "idle", json!({})),
            timer("Tea Two", "idle", json!({})),
        ];
        assert_eq!(which_of(&states, s), "Did you mean Tea or Tea Two?");
    }
}
