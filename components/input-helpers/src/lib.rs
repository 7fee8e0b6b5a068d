//! The `input-helpers` feature component: sets and reads Home Assistant helpers by spoken
//! name, for the custom-skill intents `SetInputHelper{HelperName, HelperValue}` and
//! `GetInputHelper{HelperName}`: input_boolean (on/off/toggle), input_number (min, max
//! and step checked), input_select (options checked, fuzzy option match), input_text
//! (length and pattern checked; password-mode values are never spoken), input_datetime
//! (time, date or both, as the helper holds) and input_button (press).
//!
//! Grants needed: `read_states` and `input_boolean.turn_on|turn_off|toggle`,
//! `input_number.set_value`, `input_select.select_option`, `input_text.set_value`,
//! `input_datetime.set_datetime`, `input_button.press`.

pub mod reading;
pub mod setting;
pub mod speech;
pub mod when;

use lee_sdk::areas::Directory;
use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, State};
use lee_sdk::locale::{Phrases, phrases};
use lee_sdk::resolve::Lookup;
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, log};
use serde_json::{Value, json};

use crate::setting::{DOMAINS, Plan};
use crate::speech::Speech;

pub struct InputHelpers;

const ROUTES: Routes = &[
    ("skill:SetInputHelper", Handler::Skill(set)),
    ("skill:GetInputHelper", Handler::Skill(get)),
];

lee_sdk::component!(InputHelpers, ROUTES);

/// Session attribute remembering the helper whose value the skill asked for.
const PENDING_HELPER: &str = "input_helper";

fn ask(text: String) -> SkillResponse {
    SkillResponse::ask(text.clone(), text)
}

/// Finds the helper the request names (or the one remembered from the last question).
/// `Err` carries the answer to give instead.
fn find_helper(
    request: &SkillRequest,
    speech: &Speech,
    shared: &Phrases,
) -> Result<Result<State, SkillResponse>, Failure> {
    let remembered = request
        .session_attributes
        .get(PENDING_HELPER)
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(spoken) = request.slot("HelperName").or(remembered) else {
        return Ok(Err(ask(speech.which_helper.to_string())));
    };
    let query = ha::Query {
        domains: &DOMAINS,
        ..ha::Query::default()
    };
    let helpers: Vec<State> = ha::states_of(&query, Freshness::ForLookup)?;
    let directory = Directory::load()?;
    Ok(match directory.lookup(&spoken, helpers) {
        Lookup::Found(helper) => Ok(helper),
        Lookup::Ambiguous(helpers) => {
            let names: Vec<String> = helpers.iter().take(4).map(State::friendly_name).collect();
            Err(ask(shared.did_you_mean(&names)))
        }
        Lookup::NotFound => Err(SkillResponse::say(shared.not_found(speech.thing, &spoken))),
    })
}

fn set(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let helper = match find_helper(request, speech, shared)? {
        Ok(helper) => helper,
        Err(answer) => return answer.into_result(),
    };
    let value = request.slot("HelperValue");
    match setting::plan_set(speech, shared, &helper, value.as_deref()) {
        Plan::Reply { text, ask: true } => ask(text)
            .attribute(PENDING_HELPER, json!(helper.entity_id))
            .into_result(),
        Plan::Reply { text, ask: false } => SkillResponse::say(text).into_result(),
        Plan::Call {
            service,
            data,
            text,
        } => {
            ha::call_service(helper.domain(), service, &data)?;
            log::info(
                "helper set",
                &[("helper", &helper.entity_id), ("service", service)],
            );
            SkillResponse::say(text).into_result()
        }
    }
}

fn get(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let helper = match find_helper(request, speech, shared)? {
        Ok(helper) => helper,
        Err(answer) => return answer.into_result(),
    };
    // The value is read now, not from the lookup list.
    let helper = ha::state(&helper.entity_id, Freshness::Now)?.unwrap_or(helper);
    let pressed_local = if helper.domain() == "input_button" && helper.is_available() {
        let template = format!(
            "{{{{ as_timestamp(states('{}')) | timestamp_custom('%Y-%m-%d %H:%M:%S') }}}}",
            helper.entity_id
        );
        ha::render_template(&template, Freshness::Now).ok()
    } else {
        None
    };
    let text = reading::describe(speech, shared, &helper, pressed_local.as_deref());
    SkillResponse::say(text).into_result()
}

#[cfg(test)]
mod setting_tests;
