//! Everything the timers component says, one table per locale (en-US now). Templates use
//! `{name}`, `{duration}`, `{remaining}`, `{spoken}` and `{names}` placeholders. Not found,
//! did you mean and the "and" / "or" of spoken lists are the shared
//! [`lee_sdk::locale::phrases`]; this table only names the thing looked up. Unavailable
//! stays here: a timer is "the {name} timer".

use lee_sdk::locale::{self, Phrases};
use lee_sdk::matching::spoken_list;

/// The words of one locale.
pub struct Speech {
    pub started: &'static str,
    pub resumed: &'static str,
    pub paused: &'static str,
    pub already_paused: &'static str,
    pub cancelled: &'static str,
    pub finished: &'static str,
    pub not_running: &'static str,
    pub remaining_active: &'static str,
    pub remaining_paused: &'static str,
    pub idle_status: &'static str,
    pub none_running: &'static str,
    pub which_timer: &'static str,
    /// A timer, with its article, for the shared not-found phrase.
    pub thing: &'static str,
    /// Unlike the shared phrase: "The {name} timer is unavailable right now."
    pub unavailable: &'static str,
    pub bad_duration: &'static str,
    pub unknown_action: &'static str,
    /// Joins the status of several timers.
    pub status_separator: &'static str,
    pub hour: &'static str,
    pub hours: &'static str,
    pub minute: &'static str,
    pub minutes: &'static str,
    pub second: &'static str,
    pub seconds: &'static str,
    pub no_time: &'static str,
    /// Spoken action words -> the action (`start`, `pause`, `cancel`, `finish`).
    pub actions: &'static [(&'static str, &'static str)],
}

pub static EN_US: Speech = Speech {
    started: "Started the {name} timer for {duration}.",
    resumed: "Resumed the {name} timer with {remaining} left.",
    paused: "Paused the {name} timer with {remaining} left.",
    already_paused: "The {name} timer is already paused with {remaining} left.",
    cancelled: "Cancelled the {name} timer.",
    finished: "Finished the {name} timer.",
    not_running: "The {name} timer isn't running.",
    remaining_active: "The {name} timer has {remaining} left.",
    remaining_paused: "The {name} timer is paused with {remaining} left.",
    idle_status: "The {name} timer isn't running. It is set for {duration}.",
    none_running: "No timers are running.",
    which_timer: "Which timer, {names}?",
    thing: "a timer",
    unavailable: "The {name} timer is unavailable right now.",
    bad_duration: "Sorry, I didn't understand {spoken} as a duration.",
    unknown_action: "I can start, pause, cancel or finish a timer. Which one?",
    status_separator: " ",
    hour: "hour",
    hours: "hours",
    minute: "minute",
    minutes: "minutes",
    second: "second",
    seconds: "seconds",
    no_time: "no time",
    actions: &[
        ("start", "start"),
        ("begin", "start"),
        ("set", "start"),
        ("run", "start"),
        ("restart", "start"),
        ("resume", "start"),
        ("continue", "start"),
        ("unpause", "start"),
        ("pause", "pause"),
        ("hold", "pause"),
        ("cancel", "cancel"),
        ("stop", "cancel"),
        ("reset", "cancel"),
        ("clear", "cancel"),
        ("delete", "cancel"),
        ("finish", "finish"),
        ("end", "finish"),
        ("complete", "finish"),
        ("done", "finish"),
    ],
};

static TABLES: &[(&str, &Speech)] = &[("en-US", &EN_US)];

/// The table for a request's locale (en-US when there is none for it).
pub fn for_locale(tag: &str) -> &'static Speech {
    locale::pick::<&Speech>(tag, TABLES)
}

impl Speech {
    /// "1 hour and 30 minutes", "44 minutes and 59 seconds", "3 minutes" (the two parts
    /// joined by the shared "and").
    ///
    /// An hour or more is said to the nearest minute; less than an hour to the second.
    pub fn duration(&self, shared: &Phrases, seconds: f64) -> String {
        let seconds = seconds.max(0.0);
        let unit = |count: u64, one: &str, many: &str| {
            format!("{count} {}", locale::plural(count as usize, one, many))
        };
        let mut parts = Vec::new();
        if seconds >= 3600.0 {
            let minutes_total = (seconds / 60.0).round() as u64;
            let (hours, minutes) = (minutes_total / 60, minutes_total % 60);
            parts.push(unit(hours, self.hour, self.hours));
            if minutes > 0 {
                parts.push(unit(minutes, self.minute, self.minutes));
            }
        } else {
            let total = seconds.round() as u64;
            let (minutes, secs) = (total / 60, total % 60);
            if minutes >= 60 {
                parts.push(unit(1, self.hour, self.hours));
            } else {
                if minutes > 0 {
                    parts.push(unit(minutes, self.minute, self.minutes));
                }
                if secs > 0 {
                    parts.push(unit(secs, self.second, self.seconds));
                }
            }
        }
        if parts.is_empty() {
            return self.no_time.to_string();
        }
        spoken_list(&parts, shared.and)
    }

    /// The action a spoken word means, if any.
    pub fn action(&self, spoken: &str) -> Option<&'static str> {
        let spoken = spoken.trim().to_lowercase();
        let first = spoken.split_whitespace().next().unwrap_or_default();
        self.actions
            .iter()
            .find(|(word, _)| *word == spoken || *word == first)
            .map(|(_, action)| *action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        let duration = |seconds| for_locale("en-US").duration(locale::phrases("en-US"), seconds);
        assert_eq!(duration(5400.0), "1 hour and 30 minutes");
        assert_eq!(duration(5399.4), "1 hour and 30 minutes");
        assert_eq!(duration(3600.0), "1 hour");
        assert_eq!(duration(7260.0), "2 hours and 1 minute");
        assert_eq!(duration(2700.0), "45 minutes");
        assert_eq!(duration(2699.2), "44 minutes and 59 seconds");
        assert_eq!(duration(3599.7), "1 hour");
        assert_eq!(duration(200.0), "3 minutes and 20 seconds");
        assert_eq!(duration(1.0), "1 second");
        assert_eq!(duration(0.2), "no time");
        assert_eq!(duration(-5.0), "no time");
    }

    #[test]
    fn actions_and_locales() {
        let s = for_locale("en-GB");
        assert_eq!(s.action("Start"), Some("start"));
        assert_eq!(s.action("resume"), Some("start"));
        assert_eq!(s.action("stop"), Some("cancel"));
        assert_eq!(s.action("pause it"), Some("pause"));
        assert_eq!(s.action("finish"), Some("finish"));
        assert_eq!(s.action("explode"), None);
        assert!(std::ptr::eq(for_locale("fr-FR"), &EN_US));
    }
}
