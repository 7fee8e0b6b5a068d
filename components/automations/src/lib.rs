//! The `automations` feature component: trigger, enable, disable and list Home Assistant
//! automations by spoken name, for the custom-skill intents
//! `TriggerAutomation{AutomationName}`, `EnableAutomation{AutomationName}`,
//! `DisableAutomation{AutomationName}` and `ListAutomations`.
//! Grants needed: `automation.trigger`, `automation.turn_on`, `automation.turn_off`,
//! `read_states`.

pub mod speech;

use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, State};
use lee_sdk::locale::{Phrases, fill, phrases, plural};
use lee_sdk::matching::spoken_list;
use lee_sdk::resolve::{self, Lookup};
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, log};
use serde_json::json;

use crate::speech::Speech;

pub struct Automations;

const ROUTES: Routes = &[
    ("skill:TriggerAutomation", Handler::Skill(trigger)),
    ("skill:EnableAutomation", Handler::Skill(enable)),
    ("skill:DisableAutomation", Handler::Skill(disable)),
    ("skill:ListAutomations", Handler::Skill(list)),
];

lee_sdk::component!(Automations, ROUTES);

/// What to do with the named automation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Trigger,
    Enable,
    Disable,
}

impl Action {
    fn service(self) -> &'static str {
        match self {
            Action::Trigger => "trigger",
            Action::Enable => "turn_on",
            Action::Disable => "turn_off",
        }
    }

    /// The sentence saying it is done (`{name}` to fill).
    fn done(self, speech: &Speech) -> &'static str {
        match self {
            Action::Trigger => speech.triggered,
            Action::Enable => speech.enabled,
            Action::Disable => speech.disabled,
        }
    }
}

fn trigger(request: &SkillRequest) -> Result<String, Failure> {
    act(request, Action::Trigger)
}

fn enable(request: &SkillRequest) -> Result<String, Failure> {
    act(request, Action::Enable)
}

fn disable(request: &SkillRequest) -> Result<String, Failure> {
    act(request, Action::Disable)
}

fn act(request: &SkillRequest, action: Action) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let Some(spoken) = request.slot("AutomationName") else {
        return SkillResponse::ask(speech.which_automation, speech.which_automation).into_result();
    };
    let automation: State = match resolve::entity_by_name("automation", &spoken)? {
        Lookup::Found(state) => state,
        Lookup::Ambiguous(states) => return resolve::ask_which(&states, shared).into_result(),
        Lookup::NotFound => {
            return SkillResponse::say(shared.not_found(speech.thing, &spoken)).into_result();
        }
    };
    let name = automation.friendly_name();
    if !automation.is_available() {
        return SkillResponse::say(shared.unavailable(&name)).into_result();
    }
    ha::call_service(
        "automation",
        action.service(),
        &json!({"entity_id": automation.entity_id}),
    )?;
    log::info(
        "automation action",
        &[
            ("automation", &automation.entity_id),
            ("service", action.service()),
        ],
    );
    let mut text = fill(action.done(speech), &[("name", &name)]);
    if action == Action::Trigger && automation.state == "off" {
        text.push_str(speech.triggered_while_disabled);
    }
    SkillResponse::say(text).into_result()
}

/// "You have 3 automations: A, B and C. B is disabled."
pub fn describe_automations(speech: &Speech, shared: &Phrases, automations: &[State]) -> String {
    if automations.is_empty() {
        return speech.no_automations.to_string();
    }
    let mut names: Vec<String> = automations.iter().map(State::friendly_name).collect();
    names.sort();
    let mut disabled: Vec<String> = automations
        .iter()
        .filter(|a| a.state == "off")
        .map(State::friendly_name)
        .collect();
    disabled.sort();
    let count = automations.len();
    let mut text = fill(
        speech.listed,
        &[
            ("count", &count.to_string()),
            ("noun", plural(count, speech.automation, speech.automations)),
            ("names", &spoken_list(&names, shared.and)),
        ],
    );
    if !disabled.is_empty() {
        let template = plural(
            disabled.len(),
            speech.listed_disabled_one,
            speech.listed_disabled_many,
        );
        text.push_str(&fill(
            template,
            &[("names", &spoken_list(&disabled, shared.and))],
        ));
    }
    text
}

fn list(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let automations = ha::states_in_domain("automation", Freshness::ForLookup)?;
    let text = describe_automations(speech, phrases(&request.locale), &automations);
    SkillResponse::say(text).into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn automation(name: &str, state: &str) -> State {
        State::new(
            format!("automation.{}", name.to_lowercase().replace(' ', "_")),
            state,
            json!({"friendly_name": name}),
        )
    }

    fn describe(automations: &[State]) -> String {
        describe_automations(&speech::EN_US, phrases("en-US"), automations)
    }

    #[test]
    fn listing_reads_well() {
        assert_eq!(describe(&[]), "You have no automations.");
        let text = describe(&[
            automation("Welcome Home", "on"),
            automation("Night Lights", "off"),
        ]);
        assert_eq!(
            text,
            "You have 2 automations: Night Lights and Welcome Home. Night Lights is disabled."
        );
    }
}
