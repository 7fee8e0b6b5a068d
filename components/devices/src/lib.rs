//! The `devices` feature component: turns any entity on or off and reads its state by
//! spoken name, for the custom-skill intents `TurnOnDevice{DeviceName}`,
//! `TurnOffDevice{DeviceName}` and `GetDeviceState{DeviceName}`.
//!
//! Names resolve like people say them: friendly name, registry name and aliases, object
//! id, "<area> <name>" and "<area> <noun>" ("office light", "kitchen window"), case and
//! punctuation insensitive and fuzzy; two equally close entities make the skill ask which
//! one instead of guessing.
//! Locks are never switched (no unlocking by voice); covers of the config's
//! `protected_cover_classes` (default garage, door, gate) are never opened.
//!
//! Grants needed: `read_states` and the on/off services listed by
//! [`control::granted_services`] (see the manifest entry).

pub mod control;
pub mod describe;
pub mod speech;
pub mod verb;

use lee_sdk::areas::{Area, Directory};
use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, State};
use lee_sdk::locale::phrases;
use lee_sdk::resolve::Lookup;
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, config, log};

use crate::control::Plan;
use crate::speech::Speech;

pub struct Devices;

const ROUTES: Routes = &[
    ("skill:TurnOnDevice", Handler::Skill(turn_on)),
    ("skill:TurnOffDevice", Handler::Skill(turn_off)),
    ("skill:GetDeviceState", Handler::Skill(get_state)),
];

lee_sdk::component!(Devices, ROUTES);

/// Cover device classes never opened by voice unless configured otherwise.
pub const DEFAULT_PROTECTED_COVERS: [&str; 3] = ["garage", "door", "gate"];

/// What the request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    On,
    Off,
    State,
}

fn turn_on(request: &SkillRequest) -> Result<String, Failure> {
    handle(request, Want::On)
}

fn turn_off(request: &SkillRequest) -> Result<String, Failure> {
    handle(request, Want::Off)
}

fn get_state(request: &SkillRequest) -> Result<String, Failure> {
    handle(request, Want::State)
}

/// Names an entity can be called by beyond its own: "<area> <noun>" for its domain.
pub fn area_nouns(speech: &Speech, entity: &State, area: Option<&Area>) -> Vec<String> {
    let Some(area) = area else {
        return Vec::new();
    };
    let nouns = speech
        .nouns
        .iter()
        .find(|(domain, _)| *domain == entity.domain())
        .map(|(_, nouns)| *nouns)
        .unwrap_or_default();
    nouns
        .iter()
        .flat_map(|noun| {
            std::iter::once(format!("{} {noun}", area.name))
                .chain(area.aliases.iter().map(move |a| format!("{a} {noun}")))
        })
        .collect()
}

/// Finds the entity `spoken` names. `switch` (`Some(true)` on, `Some(false)` off) limits
/// the candidates to entities that can be switched that way. Names the entity really
/// has are tried before generic "<area> <noun>" names (see [`Directory::lookup_with`]),
/// so "office AC" is the switch called AC, not also the Office thermostat.
pub fn find(
    speech: &Speech,
    directory: &Directory,
    spoken: &str,
    states: Vec<State>,
    switch: Option<bool>,
) -> Lookup {
    let states: Vec<State> = states
        .into_iter()
        .filter(|s| switch.is_none_or(|on| control::service_for(s.domain(), on).is_some()))
        .collect();
    directory.lookup_with(spoken, states, |s, area| area_nouns(speech, s, area))
}

fn protected_classes() -> Vec<String> {
    config::get_list("protected_cover_classes").unwrap_or_else(|| {
        DEFAULT_PROTECTED_COVERS
            .iter()
            .map(|c| c.to_string())
            .collect()
    })
}

fn handle(request: &SkillRequest, want: Want) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let Some(spoken) = request.slot("DeviceName") else {
        return SkillResponse::ask(speech.which_device, speech.which_device).into_result();
    };
    let states = ha::states(Freshness::ForLookup)?;
    let directory = Directory::load()?;
    let switch = match want {
        Want::On => Some(true),
        Want::Off => Some(false),
        Want::State => None,
    };
    let mut lookup = find(speech, &directory, &spoken, states.clone(), switch);
    if switch.is_some() && matches!(lookup, Lookup::NotFound) {
        // A named thing that cannot be switched gets "can't be turned off", not "not found".
        lookup = find(speech, &directory, &spoken, states, None);
    }
    let entity = match lookup {
        Lookup::Found(entity) => entity,
        Lookup::Ambiguous(entities) => {
            let names: Vec<String> = entities.iter().take(4).map(State::friendly_name).collect();
            let text = shared.did_you_mean(&names);
            return SkillResponse::ask(text.clone(), text).into_result();
        }
        Lookup::NotFound => {
            return SkillResponse::say(shared.not_found(speech.thing, &spoken)).into_result();
        }
    };
    if want == Want::State {
        let current = ha::state(&entity.entity_id, Freshness::Now)?.unwrap_or(entity);
        return SkillResponse::say(describe::describe(speech, shared, &current)).into_result();
    }
    let on = want == Want::On;
    let plan = control::plan_switch(speech, shared, &entity, on, &protected_classes());
    match plan {
        Plan::Reply(text) => SkillResponse::say(text).into_result(),
        Plan::Call {
            domain,
            service,
            data,
            text,
        } => {
            ha::call_service(&domain, service, &data)?;
            log::info(
                "device switched",
                &[("entity", &entity.entity_id), ("service", service)],
            );
            SkillResponse::say(text).into_result()
        }
    }
}

#[cfg(test)]
mod tests;
