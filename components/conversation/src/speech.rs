//! Everything the `conversation` component says, one table per locale. Pick with
//! [`for_locale`]; locales without a table fall back to en-US.

use lee_sdk::locale;

/// The phrases of one locale.
#[derive(Debug)]
pub struct Speech {
    pub welcome: &'static str,
    pub welcome_reprompt: &'static str,
    pub help: &'static str,
    pub help_reprompt: &'static str,
    pub goodbye: &'static str,
    pub fallback: &'static str,
    pub fallback_reprompt: &'static str,
    pub what_to_ask: &'static str,
    /// Said when Home Assistant did something but had nothing to say.
    pub done: &'static str,
    /// Said when Home Assistant's answer had no speech at all.
    pub no_answer: &'static str,
    pub anything_else: &'static str,
    pub card_title: &'static str,
}

pub const EN_US: Speech = Speech {
    welcome: "Welcome home. You can ask me to control a room, run a scene or a script, or ask Home Assistant anything. What would you like to do?",
    welcome_reprompt: "What would you like to do?",
    help: "You can say things like: turn off the kitchen, activate the relax scene, set house mode to away, what is the state of the front door, or ask home assistant to turn on the bed light. What would you like to do?",
    help_reprompt: "What would you like to do?",
    goodbye: "Goodbye.",
    fallback: "Sorry, I didn't catch that. You can say: ask home assistant, followed by what you want. What would you like to do?",
    fallback_reprompt: "What would you like to do?",
    what_to_ask: "What should I ask Home Assistant?",
    done: "Done.",
    no_answer: "Home Assistant had no answer to that.",
    anything_else: "Anything else?",
    card_title: "Home Assistant",
};

const TABLES: &[(&str, Speech)] = &[("en-US", EN_US)];

/// The table for a request's locale.
pub fn for_locale(locale: &str) -> &'static Speech {
    locale::pick(locale, TABLES)
}
