//! Everything the notifications component says (and the default notification title),
//! one table per locale (en-US now). Not found, did you mean and the "and" of spoken
//! lists are the shared [`lee_sdk::locale::phrases`]; this table only names the thing
//! looked up.

use lee_sdk::locale;
use lee_sdk::matching::normalize;

/// The words of one locale.
pub struct Speech {
    pub announced_on: &'static str,
    pub announced_on_many: &'static str,
    pub sent: &'static str,
    pub created: &'static str,
    pub dismissed: &'static str,
    pub what_to_announce: &'static str,
    pub what_to_send: &'static str,
    pub no_players: &'static str,
    pub no_tts_engine: &'static str,
    /// What a `Target` names (a speaker or a room), with its article, for the shared
    /// not-found phrase.
    pub thing: &'static str,
    pub cannot_announce: &'static str,
    /// Title of notifications lee creates.
    pub title: &'static str,
    /// Targets meaning "every configured speaker".
    pub everywhere: &'static [&'static str],
}

pub static EN_US: Speech = Speech {
    announced_on: "Announced {message} on {players}.",
    announced_on_many: "Announced {message} on {count} speakers.",
    sent: "Sent the notification: {message}.",
    created: "Added a notification in Home Assistant: {message}.",
    dismissed: "Cleared the notifications in Home Assistant.",
    what_to_announce: "What should I announce?",
    what_to_send: "What should the notification say?",
    no_players: "There is no speaker I can announce on.",
    no_tts_engine: "Home Assistant has no text to speech engine set up.",
    thing: "a speaker or room",
    cannot_announce: "{name} can't play announcements.",
    title: "Alexa",
    everywhere: &[
        "everywhere",
        "all",
        "all speakers",
        "every speaker",
        "everyone",
        "everybody",
        "all rooms",
        "every room",
        "the house",
        "the whole house",
        "whole house",
        "house",
        "home",
    ],
};

static TABLES: &[(&str, &Speech)] = &[("en-US", &EN_US)];

/// The table for a request's locale (en-US when there is none for it).
pub fn for_locale(tag: &str) -> &'static Speech {
    locale::pick::<&Speech>(tag, TABLES)
}

impl Speech {
    /// Does the spoken target mean every speaker?
    pub fn is_everywhere(&self, spoken: &str) -> bool {
        let spoken = normalize(spoken);
        let spoken = spoken
            .strip_prefix("in ")
            .or_else(|| spoken.strip_prefix("on "))
            .unwrap_or(&spoken);
        self.everywhere.contains(&spoken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everywhere_words() {
        let s = for_locale("en-US");
        assert!(s.is_everywhere("Everywhere"));
        assert!(s.is_everywhere("the whole house"));
        assert!(s.is_everywhere("on all speakers"));
        assert!(!s.is_everywhere("kitchen"));
    }
}
