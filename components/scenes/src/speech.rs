//! Everything the `scenes` component says, one table per locale. Pick with [`for_locale`];
//! locales without a table fall back to en-US.

use lee_sdk::locale;

/// The phrases of one locale; `{name}` and `{choices}` are filled in.
#[derive(Debug)]
pub struct Speech {
    pub which_scene: &'static str,
    pub activated: &'static str,
    pub not_found: &'static str,
    pub unavailable: &'static str,
    pub did_you_mean: &'static str,
    /// The conjunction for "A, B or C".
    pub or: &'static str,
}

pub const EN_US: Speech = Speech {
    which_scene: "Which scene should I activate?",
    activated: "Activated {name}.",
    not_found: "I couldn't find a scene called {name}.",
    unavailable: "{name} is unavailable right now.",
    did_you_mean: "Did you mean {choices}?",
    or: "or",
};

const TABLES: &[(&str, Speech)] = &[("en-US", EN_US)];

/// The table for a request's locale.
pub fn for_locale(locale: &str) -> &'static Speech {
    locale::pick(locale, TABLES)
}
