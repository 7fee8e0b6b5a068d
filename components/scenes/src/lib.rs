//! The `scenes` feature component: activates a Home Assistant scene by spoken name for
//! the custom-skill intent `ActivateScene{SceneName}`.
//!
//! Names resolve like people say them: friendly name, registry name and aliases, the
//! scene's area ("living room relax"), case and punctuation insensitive and fuzzy; two
//! equally close scenes make the skill ask which one. Grants needed: `scene.turn_on`,
//! `read_states` (states and registries for the name lookup).

pub mod speech;

use lee_sdk::areas::Directory;
use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, State};
use lee_sdk::locale::{Phrases, fill, phrases};
use lee_sdk::resolve::Lookup;
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, log};
use serde_json::json;

use crate::speech::Speech;

pub struct Scenes;

const ROUTES: Routes = &[("skill:ActivateScene", Handler::Skill(activate))];

lee_sdk::component!(Scenes, ROUTES);

/// What to do after the lookup.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// Answer without touching Home Assistant (keeps the session open when `ask`).
    Reply { text: String, ask: bool },
    /// Call `scene.turn_on` for the scene, then say `text`.
    Activate { entity_id: String, text: String },
}

/// Decides from the lookup result alone (pure; unit-tested natively).
pub fn plan(speech: &Speech, shared: &Phrases, spoken: &str, lookup: Lookup) -> Plan {
    match lookup {
        Lookup::Found(scene) => {
            let name = scene.friendly_name();
            // A scene never activated is `unknown`, which is fine; only `unavailable` is not.
            if scene.state != "unavailable" {
                Plan::Activate {
                    entity_id: scene.entity_id,
                    text: fill(speech.activated, &[("name", &name)]),
                }
            } else {
                Plan::Reply {
                    text: shared.unavailable(&name),
                    ask: false,
                }
            }
        }
        Lookup::Ambiguous(scenes) => {
            let names: Vec<String> = scenes.iter().take(4).map(State::friendly_name).collect();
            Plan::Reply {
                text: shared.did_you_mean(&names),
                ask: true,
            }
        }
        Lookup::NotFound => Plan::Reply {
            text: shared.not_found(speech.thing, spoken),
            ask: false,
        },
    }
}

fn activate(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let Some(spoken) = request.slot("SceneName") else {
        return SkillResponse::ask(speech.which_scene, speech.which_scene).into_result();
    };
    let scenes = ha::states_in_domain("scene", Freshness::ForLookup)?;
    let directory = Directory::load()?;
    let shared = phrases(&request.locale);
    match plan(speech, shared, &spoken, directory.lookup(&spoken, scenes)) {
        Plan::Reply { text, ask: true } => SkillResponse::ask(text.clone(), text).into_result(),
        Plan::Reply { text, ask: false } => SkillResponse::say(text).into_result(),
        Plan::Activate { entity_id, text } => {
            ha::call_service("scene", "turn_on", &json!({"entity_id": entity_id}))?;
            log::info("scene activated", &[("scene", &entity_id)]);
            SkillResponse::say(text).into_result()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(entity_id: &str, name: &str, state: &str) -> State {
        State::new(entity_id, state, json!({"friendly_name": name}))
    }

    fn scenes() -> Vec<State> {
        vec![
            scene("scene.relax", "Relax", "2026-11-28T08:00:00+00:00"),
            scene("scene.bright", "Bright", "unknown"),
            scene("scene.movie_night_up", "Movie Night Upstairs", "unknown"),
            scene(
                "scene.movie_night_down",
                "Movie Night Downstairs",
                "unknown",
            ),
            scene("scene.broken", "Broken", "unavailable"),
        ]
    }

    fn directory() -> Directory {
        Directory::from_registries(
            &[json!({"area_id": "living_room", "name": "Living Room", "aliases": ["Lounge"]})],
            &[],
            &[json!({"entity_id": "scene.relax", "area_id": "living_room", "aliases": ["chill"]})],
        )
    }

    fn plan_for(spoken: &str) -> Plan {
        plan(
            &speech::EN_US,
            phrases("en-US"),
            spoken,
            directory().lookup(spoken, scenes()),
        )
    }

    #[test]
    fn activates_by_friendly_name_area_and_alias() {
        let relax = Plan::Activate {
            entity_id: "scene.relax".into(),
            text: "Activated Relax.".into(),
        };
        assert_eq!(plan_for("relax"), relax);
        assert_eq!(plan_for("The RELAX!"), relax);
        assert_eq!(plan_for("living room relax"), relax);
        assert_eq!(plan_for("lounge relax"), relax);
        assert_eq!(plan_for("chill"), relax);
        // A never-activated scene has state "unknown" and is still usable.
        assert_eq!(
            plan_for("brigth"),
            Plan::Activate {
                entity_id: "scene.bright".into(),
                text: "Activated Bright.".into()
            }
        );
    }

    #[test]
    fn ambiguous_unknown_and_unavailable() {
        match plan_for("movie night") {
            Plan::Reply { text, ask: true } => assert_eq!(
                text,
                "Did you mean Movie Night Upstairs or Movie Night Downstairs?"
            ),
            other => panic!("expected a question, got {other:?}"),
        }
        assert_eq!(
            plan_for("party mode"),
            Plan::Reply {
                text: "I couldn't find a scene called party mode.".into(),
                ask: false
            }
        );
        assert_eq!(
            plan_for("broken"),
            Plan::Reply {
                text: "Broken is unavailable right now.".into(),
                ask: false
            }
        );
    }

    #[test]
    fn other_locales_fall_back_to_en_us() {
        assert_eq!(speech::for_locale("fr-FR").activated, "Activated {name}.");
    }
}
