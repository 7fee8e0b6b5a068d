//! The `scripts` feature component: runs a Home Assistant script by spoken name or id,
//! with variables, for the custom-skill intent `RunScript{ScriptName}`.
//!
//! Variables come from the component config (`variables.<script_object_id>` table in the
//! manifest) overlaid with any other filled slots of the intent (slot `Brightness` ->
//! variable `brightness`). Grants needed: `script.turn_on`, `read_states`.

pub mod speech;

use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, State};
use lee_sdk::locale::{fill, phrases};
use lee_sdk::resolve::{self, Lookup};
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, config, log};
use serde_json::{Map, Value, json};

pub struct Scripts;

const ROUTES: Routes = &[("skill:RunScript", Handler::Skill(run_script))];

lee_sdk::component!(Scripts, ROUTES);

/// Variables for a script: configured defaults, then the intent's other slots.
pub fn script_variables(
    configured: Option<&Value>,
    object_id: &str,
    slots: &[(String, String)],
) -> Map<String, Value> {
    let mut variables = configured
        .and_then(|all| all.get(object_id))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, value) in slots {
        let key = name.to_ascii_lowercase();
        let value = value
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| value.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(value.clone()));
        variables.insert(key, value);
    }
    variables
}

fn run_script(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let Some(spoken) = request.slot("ScriptName") else {
        return SkillResponse::ask(speech.which_script, speech.which_script_reprompt).into_result();
    };
    let script: State = match resolve::entity_by_name("script", &spoken)? {
        Lookup::Found(state) => state,
        Lookup::Ambiguous(states) => return resolve::ask_which(&states, shared).into_result(),
        Lookup::NotFound => {
            return SkillResponse::say(shared.not_found(speech.thing, &spoken)).into_result();
        }
    };
    let name = script.friendly_name();
    if !script.is_available() {
        return SkillResponse::say(shared.unavailable(&name)).into_result();
    }
    let variables = script_variables(
        config::get_json("variables").as_ref(),
        script.object_id(),
        &request.other_slots(&["ScriptName"]),
    );
    let mut data = json!({"entity_id": script.entity_id});
    if !variables.is_empty() {
        data["variables"] = Value::Object(variables);
    }
    ha::call_service("script", "turn_on", &data)?;
    log::info("script started", &[("script", &script.entity_id)]);
    SkillResponse::say(fill(speech.running, &[("name", &name)]))
        .card(speech.card_title, name)
        .into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_merge_config_and_slots() {
        let configured = json!({"movie_time": {"brightness": 100, "scene": "dim"}});
        let vars = script_variables(
            Some(&configured),
            "movie_time",
            &[
                ("Brightness".into(), "40".into()),
                ("Mood".into(), "calm".into()),
            ],
        );
        assert_eq!(vars["brightness"], json!(40));
        assert_eq!(vars["scene"], json!("dim"));
        assert_eq!(vars["mood"], json!("calm"));
        assert!(script_variables(None, "x", &[]).is_empty());
    }
}
