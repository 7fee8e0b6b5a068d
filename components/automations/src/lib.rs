//! The `automations` feature component: trigger, enable, disable and list Home Assistant
//! automations by spoken name, for the custom-skill intents
//! `TriggerAutomation{AutomationName}`, `EnableAutomation{AutomationName}`,
//! `DisableAutomation{AutomationName}` and `ListAutomations`.
//! Grants needed: `automation.trigger`, `automation.turn_on`, `automation.turn_off`,
//! `read_states`.

use lee_sdk::ha::{self, Freshness, State};
use lee_sdk::matching::spoken_list;
use lee_sdk::resolve::{self, Lookup};
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, Guest, Invocation, log};
use serde_json::json;

pub struct Automations;

// Exported only for wasm: native builds (unit tests) must not carry the component ABI symbols.
#[cfg(target_arch = "wasm32")]
lee_sdk::export!(Automations);

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

    fn done_phrase(self, name: &str) -> String {
        match self {
            Action::Trigger => format!("Triggered {name}."),
            Action::Enable => format!("{name} is enabled."),
            Action::Disable => format!("{name} is disabled."),
        }
    }
}

impl Guest for Automations {
    fn handle(invocation: Invocation) -> Result<String, Failure> {
        let request = SkillRequest::parse(&invocation.event)?;
        match invocation.route.as_str() {
            "skill:TriggerAutomation" => act(&request, Action::Trigger),
            "skill:EnableAutomation" => act(&request, Action::Enable),
            "skill:DisableAutomation" => act(&request, Action::Disable),
            "skill:ListAutomations" => list(),
            other => Err(Failure::Unsupported(format!(
                "automations does not handle {other}"
            ))),
        }
    }
}

fn act(request: &SkillRequest, action: Action) -> Result<String, Failure> {
    let Some(spoken) = request.slot("AutomationName") else {
        return SkillResponse::ask("Which automation?", "Which automation?").into_result();
    };
    let automation: State = match resolve::entity_by_name("automation", &spoken)? {
        Lookup::Found(state) => state,
        Lookup::Ambiguous(states) => return resolve::ask_which(&states).into_result(),
        Lookup::NotFound => {
            return SkillResponse::say(format!("I couldn't find an automation called {spoken}."))
                .into_result();
        }
    };
    let name = automation.friendly_name();
    if !automation.is_available() {
        return SkillResponse::say(format!("{name} is unavailable right now.")).into_result();
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
    let mut speech = action.done_phrase(&name);
    if action == Action::Trigger && automation.state == "off" {
        speech.push_str(" Note that it is disabled, so it will not run on its own.");
    }
    SkillResponse::say(speech).into_result()
}

/// "You have 3 automations: A, B and C. B is disabled."
pub fn describe_automations(automations: &[State]) -> String {
    if automations.is_empty() {
        return "You have no automations.".to_string();
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
    let noun = if count == 1 {
        "automation"
    } else {
        "automations"
    };
    let mut text = format!("You have {count} {noun}: {}.", spoken_list(&names, "and"));
    match disabled.len() {
        0 => {}
        1 => text.push_str(&format!(" {} is disabled.", disabled[0])),
        _ => text.push_str(&format!(" {} are disabled.", spoken_list(&disabled, "and"))),
    }
    text
}

fn list() -> Result<String, Failure> {
    let automations = ha::states_in_domain("automation", Freshness::ForLookup)?;
    SkillResponse::say(describe_automations(&automations)).into_result()
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

    #[test]
    fn listing_reads_well() {
        assert_eq!(describe_automations(&[]), "You have no automations.");
        let text = describe_automations(&[
            automation("Welcome Home", "on"),
            automation("Night Lights", "off"),
        ]);
        assert_eq!(
            text,
            "You have 2 automations: Night Lights and Welcome Home. Night Lights is disabled."
        );
    }
}
