//! Finding the entity a user named: by entity id, friendly name or object id, within one
//! domain, using [`matching`](crate::matching) so near-misses still match and ties are
//! reported instead of guessed.

use crate::ha::{self, Freshness, HaError, State};
use crate::locale::Phrases;
use crate::matching::{self, Candidate, Match};
use crate::skill::SkillResponse;

/// What a name lookup found.
#[derive(Debug, Clone)]
pub enum Lookup {
    Found(State),
    Ambiguous(Vec<State>),
    NotFound,
}

/// The names a state can be called by.
pub fn names_of(state: &State) -> Vec<String> {
    vec![
        state.friendly_name(),
        state.object_id().replace('_', " "),
        state.entity_id.clone(),
    ]
}

/// Looks `spoken` up among the given states.
pub fn among(spoken: &str, states: Vec<State>) -> Lookup {
    let spoken = spoken.trim();
    if let Some(exact) = states.iter().find(|s| s.entity_id == spoken) {
        return Lookup::Found(exact.clone());
    }
    let candidates: Vec<Candidate<State>> = states
        .into_iter()
        .map(|s| {
            let names = names_of(&s);
            Candidate::new(s, names)
        })
        .collect();
    match matching::find(spoken, &candidates) {
        Match::Found(state) => Lookup::Found(state.clone()),
        Match::Ambiguous(states) => Lookup::Ambiguous(states.into_iter().cloned().collect()),
        Match::NotFound => Lookup::NotFound,
    }
}

/// Looks `spoken` up among the entities of `domain` (a minutes-old list is fine).
pub fn entity_by_name(domain: &str, spoken: &str) -> Result<Lookup, HaError> {
    Ok(among(
        spoken,
        ha::states_in_domain(domain, Freshness::ForLookup)?,
    ))
}

/// "Did you mean A or B?" (the shared phrase of `phrases`) keeping the session open.
pub fn ask_which(states: &[State], phrases: &Phrases) -> SkillResponse {
    let names: Vec<String> = states.iter().take(4).map(State::friendly_name).collect();
    let question = phrases.did_you_mean(&names);
    SkillResponse::ask(question.clone(), question)
}
