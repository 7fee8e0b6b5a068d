//! Pure decisions of the `areas` component (no host calls, unit-tested natively): which
//! action and device type the slots ask for, which entities of an area to target per
//! domain and with which service, and what to say about the outcome.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lee_sdk::ha::{HaError, State};
use lee_sdk::locale::{Phrases, fill, plural};
use lee_sdk::matching::{normalize, spoken_list};

pub use crate::domain::{Action, Domain};
use crate::speech::Speech;

impl Action {
    /// Reads the Action slot (canonical `on|off|toggle` or a locale synonym).
    pub fn parse(speech: &Speech, spoken: &str) -> Option<Action> {
        let word = normalize(spoken);
        let is = |words: &[&str]| words.iter().any(|w| normalize(w) == word);
        match word.as_str() {
            "on" => Some(Action::On),
            "off" => Some(Action::Off),
            "toggle" => Some(Action::Toggle),
            _ if is(speech.on_words) => Some(Action::On),
            _ if is(speech.off_words) => Some(Action::Off),
            _ if is(speech.toggle_words) => Some(Action::Toggle),
            _ => None,
        }
    }
}

/// What the DeviceType slot asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceType {
    /// No slot, or "everything".
    Any,
    Only(Domain),
    /// A word the locale does not know.
    Unknown,
}

/// Reads the DeviceType slot.
pub fn device_type(speech: &Speech, spoken: Option<&str>) -> DeviceType {
    let Some(spoken) = spoken else {
        return DeviceType::Any;
    };
    let word = normalize(spoken);
    if speech.all_words.iter().any(|w| normalize(w) == word) {
        return DeviceType::Any;
    }
    if let Some(domain) = Domain::from_id(&spoken.trim().to_lowercase()) {
        return DeviceType::Only(domain);
    }
    Domain::ALL
        .into_iter()
        .find(|d| {
            speech.type_words[*d as usize]
                .iter()
                .any(|w| normalize(w) == word)
        })
        .map_or(DeviceType::Unknown, DeviceType::Only)
}

/// The entities one area command targets.
#[derive(Debug, Default, PartialEq)]
pub struct Targets {
    /// Entity ids per domain, in area order: one service call each.
    pub by_domain: BTreeMap<Domain, Vec<String>>,
    /// Targets already in the requested state before the call.
    pub already: BTreeSet<String>,
    /// Friendly names of covers left alone for safety (garage doors are not opened).
    pub protected: Vec<String>,
    /// Friendly names of unavailable entities that were skipped.
    pub unavailable: Vec<String>,
}

impl Targets {
    pub fn count(&self) -> usize {
        self.by_domain.values().map(Vec::len).sum()
    }
}

/// Picks, from the entities in an area, the ones `action` applies to.
/// `protected_classes` are cover device classes never opened by an area command.
pub fn targets(
    area_entities: &[&str],
    states: &HashMap<String, State>,
    filter: Option<Domain>,
    action: Action,
    protected_classes: &[String],
) -> Targets {
    let mut targets = Targets::default();
    for entity_id in area_entities {
        let Some(state) = states.get(*entity_id) else {
            continue;
        };
        let Some(domain) = Domain::from_id(state.domain()) else {
            continue;
        };
        if filter.is_some_and(|f| f != domain) || !domain.supports(action, state) {
            continue;
        }
        if state.state == "unavailable" {
            targets.unavailable.push(state.friendly_name());
            continue;
        }
        let opens = matches!(action, Action::On | Action::Toggle);
        if domain == Domain::Cover
            && opens
            && state
                .attribute_str("device_class")
                .is_some_and(|c| protected_classes.iter().any(|p| p == c))
        {
            targets.protected.push(state.friendly_name());
            continue;
        }
        if domain.already(action, &state.state) {
            targets.already.insert(state.entity_id.clone());
        }
        targets
            .by_domain
            .entry(domain)
            .or_default()
            .push(state.entity_id.clone());
    }
    targets
}

/// How one domain's service call went.
#[derive(Debug)]
pub enum CallOutcome {
    /// Entity ids Home Assistant reported as changed.
    Done(Vec<String>),
    Failed(HaError),
}

/// How many targets changed: reported changed by Home Assistant, or not already in the
/// requested state before a call that succeeded (devices that report state later).
pub fn changed_count(targets: &Targets, outcomes: &BTreeMap<Domain, CallOutcome>) -> usize {
    targets
        .by_domain
        .iter()
        .filter_map(|(domain, ids)| match outcomes.get(domain) {
            Some(CallOutcome::Done(reported)) => Some(
                ids.iter()
                    .filter(|id| reported.contains(id) || !targets.already.contains(*id))
                    .count(),
            ),
            _ => None,
        })
        .sum()
}

/// What the skill says after the calls.
pub fn summary(
    speech: &Speech,
    shared: &Phrases,
    area: &str,
    filter: Option<Domain>,
    action: Action,
    targets: &Targets,
    outcomes: &BTreeMap<Domain, CallOutcome>,
) -> String {
    let area = (speech.area_phrase)(area);
    let state = match action {
        Action::Off => speech.state_off,
        _ => speech.state_on,
    };
    let mut text = if targets.count() == 0 {
        match filter {
            Some(domain) => fill(
                speech.nothing_typed,
                &[("devices", speech.noun(domain, 2)), ("area", &area)],
            ),
            None => fill(speech.nothing_all, &[("area", &area)]),
        }
    } else {
        let changed = changed_count(targets, outcomes);
        let succeeded = outcomes.values().any(|o| matches!(o, CallOutcome::Done(_)));
        if changed == 0 && succeeded {
            match filter {
                Some(domain) => fill(
                    speech.already_typed,
                    &[
                        ("devices", speech.noun(domain, 2)),
                        ("area", &area),
                        ("state", state),
                    ],
                ),
                None => fill(speech.already_all, &[("area", &area), ("state", state)]),
            }
        } else if succeeded {
            let template = match action {
                Action::On => speech.turned_on,
                Action::Off => speech.turned_off,
                Action::Toggle => speech.toggled,
            };
            let devices = match filter {
                Some(domain) => speech.noun(domain, changed),
                None => plural(changed, speech.device, speech.devices),
            };
            fill(
                template,
                &[
                    ("count", &changed.to_string()),
                    ("devices", devices),
                    ("area", &area),
                ],
            )
        } else {
            String::new()
        }
    };
    for (domain, outcome) in outcomes {
        if let CallOutcome::Failed(error) = outcome {
            let template = match error {
                HaError::Denied(_) => speech.denied,
                _ => speech.failed,
            };
            text.push_str(&fill(template, &[("devices", speech.noun(*domain, 2))]));
        }
    }
    if !targets.protected.is_empty() {
        text.push_str(&fill(
            speech.protected,
            &[("names", &spoken_list(&targets.protected, shared.and))],
        ));
    }
    if !targets.unavailable.is_empty() {
        let template = plural(
            targets.unavailable.len(),
            speech.unavailable_one,
            speech.unavailable_many,
        );
        text.push_str(&fill(
            template,
            &[("names", &spoken_list(&targets.unavailable, shared.and))],
        ));
    }
    text.trim().to_string()
}
