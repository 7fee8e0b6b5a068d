//! Everything the `scenes` component says, one table per locale. Pick with [`for_locale`];
//! locales without a table fall back to en-US. Not found, did you mean and unavailable
//! are the shared [`lee_sdk::locale::phrases`]; this table only names the thing looked up.

use lee_sdk::locale;

/// The phrases of one locale; `{name}` is filled in.
#[derive(Debug)]
pub struct Speech {
    pub which_scene: &'static str,
    pub activated: &'static str,
    /// A scene, with its article, for the shared not-found phrase.
    pub thing: &'static str,
}

pub const EN_US: Speech = Speech {
    which_scene: "Which scene should I activate?",
    activated: "Activated {name}.",
    thing: "a scene",
};

const TABLES: &[(&str, Speech)] = &[("en-US", EN_US)];

/// The table for a request's locale.
pub fn for_locale(locale: &str) -> &'static Speech {
    locale::pick(locale, TABLES)
}
