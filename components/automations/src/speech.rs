//! Everything the `automations` component says, one table per locale. Pick with
//! [`for_locale`]; locales without a table fall back to en-US. Not found, did you mean,
//! unavailable and the "and" of spoken lists are the shared
//! [`lee_sdk::locale::phrases`]; this table only names the thing looked up.

use lee_sdk::locale;

/// The phrases of one locale; `{name}`, `{names}`, `{count}` and `{noun}` are filled in.
#[derive(Debug)]
pub struct Speech {
    pub which_automation: &'static str,
    /// An automation, with its article, for the shared not-found phrase.
    pub thing: &'static str,
    pub triggered: &'static str,
    pub enabled: &'static str,
    pub disabled: &'static str,
    /// Appended when a disabled automation was triggered.
    pub triggered_while_disabled: &'static str,
    pub no_automations: &'static str,
    pub listed: &'static str,
    /// Appended to the list: the one or several disabled automations.
    pub listed_disabled_one: &'static str,
    pub listed_disabled_many: &'static str,
    pub automation: &'static str,
    pub automations: &'static str,
}

pub const EN_US: Speech = Speech {
    which_automation: "Which automation?",
    thing: "an automation",
    triggered: "Triggered {name}.",
    enabled: "{name} is enabled.",
    disabled: "{name} is disabled.",
    triggered_while_disabled: " Note that it is disabled, so it will not run on its own.",
    no_automations: "You have no automations.",
    listed: "You have {count} {noun}: {names}.",
    listed_disabled_one: " {names} is disabled.",
    listed_disabled_many: " {names} are disabled.",
    automation: "automation",
    automations: "automations",
};

const TABLES: &[(&str, Speech)] = &[("en-US", EN_US)];

/// The table for a request's locale.
pub fn for_locale(locale: &str) -> &'static Speech {
    locale::pick(locale, TABLES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lee_sdk::locale::phrases;

    #[test]
    fn en_us_sentences() {
        let shared = phrases("en-US");
        assert_eq!(
            shared.not_found(EN_US.thing, "welcome home"),
            "I couldn't find an automation called welcome home."
        );
        assert_eq!(for_locale("fr-FR").triggered, "Triggered {name}.");
    }
}
