//! The `areas` feature component: turns every light, switch, fan, cover, climate and
//! media player of an area on, off or toggles them, for the custom-skill intents
//! `ControlArea{AreaName, Action (on|off|toggle), DeviceType}` and `ListAreas`.
//!
//! The area comes from Home Assistant's registries (name or alias, case and punctuation
//! insensitive, fuzzy; entities assigned directly or through their device), read through
//! the host's registry cache. Each domain gets ONE service call with the list of its
//! entities (covers `open_cover`/`close_cover`, the others `turn_on`/`turn_off`/`toggle`);
//! the skill says how many devices changed. Covers whose device class is listed in the
//! config `protected_cover_classes` (default garage, door, gate) are never opened by an
//! area command. A missing action or an ambiguous area is asked for, keeping what was
//! understood in the session attributes.
//!
//! Grants needed: `read_states` (states and registries) and the on/off/toggle services of
//! the six domains (see the manifest entry).

pub mod domain;
pub mod plan;
pub mod speech;

use std::collections::{BTreeMap, HashMap};

use lee_sdk::areas::{Area, Directory};
use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, HaError, Registry};
use lee_sdk::locale::{Phrases, fill, phrases};
use lee_sdk::matching::{Match, spoken_list};
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, config, log};
use serde_json::{Value, json};

use crate::plan::{Action, CallOutcome, DeviceType, Domain};
use crate::speech::Speech;

pub struct Areas;

const ROUTES: Routes = &[
    ("skill:ControlArea", Handler::Skill(control)),
    ("skill:ListAreas", Handler::Skill(list)),
];

lee_sdk::component!(Areas, ROUTES);

/// Session attributes that carry a half-understood ControlArea to the next turn.
const PENDING_AREA: &str = "areas_area";
const PENDING_ACTION: &str = "areas_action";
const PENDING_TYPE: &str = "areas_device_type";

/// Cover device classes never opened by an area command unless configured otherwise.
pub const DEFAULT_PROTECTED_COVERS: [&str; 3] = ["garage", "door", "gate"];

/// A slot, else the value remembered in the session from the previous turn.
fn slot_or_pending(request: &SkillRequest, slot: &str, attribute: &str) -> Option<String> {
    request.slot(slot).or_else(|| {
        request
            .session_attributes
            .get(attribute)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    })
}

/// A question that remembers what was already understood.
fn ask_keeping(text: String, pending: &[(&str, &Option<String>)]) -> SkillResponse {
    pending.iter().fold(
        SkillResponse::ask(text.clone(), text),
        |response, (key, value)| match value {
            Some(value) => response.attribute(key, json!(value)),
            None => response,
        },
    )
}

/// The configured protected cover classes (config `protected_cover_classes`).
pub fn protected_classes(configured: Option<&Value>) -> Vec<String> {
    config::string_list(configured).unwrap_or_else(|| {
        DEFAULT_PROTECTED_COVERS
            .iter()
            .map(|c| c.to_string())
            .collect()
    })
}

fn control(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let area_spoken = slot_or_pending(request, "AreaName", PENDING_AREA);
    let action_spoken = slot_or_pending(request, "Action", PENDING_ACTION);
    let type_spoken = slot_or_pending(request, "DeviceType", PENDING_TYPE);

    let action = match action_spoken.as_deref().map(|a| Action::parse(speech, a)) {
        Some(None) => return SkillResponse::say(speech.unknown_action).into_result(),
        Some(Some(action)) => Some(action),
        None => None,
    };
    let filter = match plan::device_type(speech, type_spoken.as_deref()) {
        DeviceType::Any => None,
        DeviceType::Only(domain) => Some(domain),
        DeviceType::Unknown => {
            let text = fill(
                speech.unknown_type,
                &[("type", type_spoken.as_deref().unwrap_or_default())],
            );
            return SkillResponse::say(text).into_result();
        }
    };
    let Some(area_spoken) = area_spoken else {
        return ask_keeping(
            speech.which_area.to_string(),
            &[
                (PENDING_ACTION, &action_spoken),
                (PENDING_TYPE, &type_spoken),
            ],
        )
        .into_result();
    };

    let directory = Directory::load()?;
    let area: Area = match directory.find_area(&area_spoken) {
        Match::Found(area) => area.clone(),
        Match::Ambiguous(areas) => {
            let names: Vec<String> = areas.iter().take(4).map(|a| a.name.clone()).collect();
            let text = shared.did_you_mean(&names);
            return ask_keeping(
                text,
                &[
                    (PENDING_ACTION, &action_spoken),
                    (PENDING_TYPE, &type_spoken),
                ],
            )
            .into_result();
        }
        Match::NotFound => {
            let text = shared.not_found(speech.thing, &area_spoken);
            return SkillResponse::say(text).into_result();
        }
    };
    let Some(action) = action else {
        let text = fill(
            speech.on_or_off,
            &[("area", &(speech.area_phrase)(&area.name))],
        );
        return ask_keeping(
            text,
            &[
                (PENDING_AREA, &Some(area.name.clone())),
                (PENDING_TYPE, &type_spoken),
            ],
        )
        .into_result();
    };
    run(speech, shared, &directory, &area, filter, action)
}

/// Finds the targets, makes one service call per domain and says what changed.
fn run(
    speech: &Speech,
    shared: &Phrases,
    directory: &Directory,
    area: &Area,
    filter: Option<Domain>,
    action: Action,
) -> Result<String, Failure> {
    // Only the area's entities: a large home has thousands of others.
    let ids = directory.entities_in(&area.id);
    let query = ha::Query {
        entity_ids: &ids,
        ..ha::Query::default()
    };
    // (An empty id list would mean "every entity": an empty area reads nothing.)
    let listed = if ids.is_empty() {
        Vec::new()
    } else {
        ha::states_of(&query, Freshness::ForLookup)?
    };
    let states: HashMap<String, ha::State> = listed
        .into_iter()
        .map(|s| (s.entity_id.clone(), s))
        .collect();
    let protected = protected_classes(config::get_json("protected_cover_classes").as_ref());
    let targets = plan::targets(&ids, &states, filter, action, &protected);
    let mut outcomes: BTreeMap<Domain, CallOutcome> = BTreeMap::new();
    for (domain, ids) in &targets.by_domain {
        let service = domain.service(action);
        let outcome = match ha::call_service(domain.id(), service, &json!({"entity_id": ids})) {
            Ok(result) => {
                CallOutcome::Done(result.changed.into_iter().map(|s| s.entity_id).collect())
            }
            Err(error) => {
                log::warn(
                    "area service call failed",
                    &[
                        ("area", &area.id),
                        ("service", &format!("{}.{service}", domain.id())),
                        ("error", &format!("{error:?}")),
                    ],
                );
                CallOutcome::Failed(error)
            }
        };
        outcomes.insert(*domain, outcome);
    }
    let any_done = outcomes.values().any(|o| matches!(o, CallOutcome::Done(_)));
    if !any_done {
        // Nothing worked: let the host speak about an unreachable Home Assistant, but say
        // plainly when the grants are what stopped it.
        let hard = outcomes.values().find_map(|o| match o {
            CallOutcome::Failed(e) if !matches!(e, HaError::Denied(_)) => Some(e.clone()),
            _ => None,
        });
        if let Some(error) = hard {
            return Err(Failure::HomeAssistant(error));
        }
    }
    let changed = plan::changed_count(&targets, &outcomes);
    log::info(
        "area controlled",
        &[
            ("area", &area.id),
            ("targets", &targets.count().to_string()),
            ("changed", &changed.to_string()),
            ("calls", &outcomes.len().to_string()),
        ],
    );
    let text = plan::summary(
        speech, shared, &area.name, filter, action, &targets, &outcomes,
    );
    SkillResponse::say(text).into_result()
}

fn list(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    // Only the area registry is needed here: one (cached) read.
    let areas = ha::registry(Registry::Area, Freshness::Mapping)?;
    let names = Directory::from_registries(&areas, &[], &[]).area_names();
    let text = if names.is_empty() {
        speech.no_areas.to_string()
    } else {
        fill(
            speech.list_areas,
            &[("names", &spoken_list(&names, phrases(&request.locale).and))],
        )
    };
    SkillResponse::say(text).into_result()
}

#[cfg(test)]
mod plan_tests;
