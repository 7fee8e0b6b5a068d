//! Everything the `scripts` component says, one table per locale. Pick with [`for_locale`];
//! locales without a table fall back to en-US. Not found, did you mean and unavailable
//! are the shared [`lee_sdk::locale::phrases`]; this table only names the thing looked up.

use lee_sdk::locale;

/// The phrases of one locale; `{name}` is filled in.
#[derive(Debug)]
pub struct Speech {
    pub which_script: &'static str,
    pub which_script_reprompt: &'static str,
    /// A script, with its article, for the shared not-found phrase.
    pub thing: &'static str,
    pub running: &'static str,
    pub card_title: &'static str,
}

pub const EN_US: Speech = Speech {
    which_script: "Which script should I run?",
    which_script_reprompt: "Which script?",
    thing: "a script",
    running: "Running {name}.",
    card_title: "Script started",
};

const TABLES: &[(&str, Speech)] = &[("en-US", EN_US)];

/// The table for a request's locale.
pub fn for_locale(locale: &str) -> &'static Speech {
    locale::pick(locale, TABLES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lee_sdk::locale::{fill, phrases};

    #[test]
    fn en_us_sentences() {
        let shared = phrases("en-US");
        assert_eq!(
            shared.not_found(EN_US.thing, "good nite"),
            "I couldn't find a script called good nite."
        );
        assert_eq!(
            fill(EN_US.running, &[("name", "Movie Time")]),
            "Running Movie Time."
        );
        assert_eq!(
            for_locale("de-DE").which_script,
            "Which script should I run?"
        );
    }
}
