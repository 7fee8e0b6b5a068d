//! The `conversation` feature component: the skill's own requests (LaunchRequest,
//! AMAZON.HelpIntent, AMAZON.StopIntent / AMAZON.CancelIntent / AMAZON.NavigateHomeIntent,
//! SessionEndedRequest, AMAZON.FallbackIntent) and the free-text intent
//! `TalkToHomeAssistant{Query}`, which is sent to Home Assistant's conversation agent
//! (Assist).
//!
//! Assist's `conversation_id` is kept in the session attributes (`conversation_id`), so a
//! follow-up in the same Alexa session continues the same Assist conversation; such turns
//! keep the session open. Grants needed: `conversation = true` only.

pub mod speech;

use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha;
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, log};
use serde_json::{Value, json};

use crate::speech::Speech;

pub struct Conversation;

const ROUTES: Routes = &[
    ("skill:LaunchRequest", Handler::Skill(launch)),
    ("skill:AMAZON.HelpIntent", Handler::Skill(help)),
    // NavigateHomeIntent (required in every interaction model) leaves the skill too.
    ("skill:AMAZON.StopIntent", Handler::Skill(goodbye)),
    ("skill:AMAZON.CancelIntent", Handler::Skill(goodbye)),
    ("skill:AMAZON.NavigateHomeIntent", Handler::Skill(goodbye)),
    ("skill:SessionEndedRequest", Handler::Skill(session_ended)),
    ("skill:AMAZON.FallbackIntent", Handler::Skill(fallback)),
    ("skill:TalkToHomeAssistant", Handler::Skill(talk)),
];

lee_sdk::component!(Conversation, ROUTES);

/// The session attribute that carries Assist's conversation id between turns.
pub const CONVERSATION_ID: &str = "conversation_id";

/// Longest speech passed on to Alexa (its limit is 8000 characters).
const MAX_SPEECH_CHARS: usize = 6000;

fn launch(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    SkillResponse::ask(speech.welcome, speech.welcome_reprompt).into_result()
}

fn help(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    keep_conversation(
        request,
        SkillResponse::ask(speech.help, speech.help_reprompt),
    )
    .into_result()
}

fn goodbye(request: &SkillRequest) -> Result<String, Failure> {
    SkillResponse::say(speech::for_locale(&request.locale).goodbye).into_result()
}

fn fallback(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    keep_conversation(
        request,
        SkillResponse::ask(speech.fallback, speech.fallback_reprompt),
    )
    .into_result()
}

/// The conversation id remembered in the session, if any.
pub fn conversation_id(request: &SkillRequest) -> Option<String> {
    request
        .session_attributes
        .get(CONVERSATION_ID)
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}

/// Carries the conversation id into a response that keeps the session open.
fn keep_conversation(request: &SkillRequest, response: SkillResponse) -> SkillResponse {
    match conversation_id(request) {
        Some(id) => response.attribute(CONVERSATION_ID, json!(id)),
        None => response,
    }
}

/// Logs why the session ended; Alexa allows no speech in the answer.
fn session_ended(request: &SkillRequest) -> Result<String, Failure> {
    let (reason, error) = end_reason(request);
    log::info("session ended", &[("reason", reason), ("error", error)]);
    Ok(ended_response())
}

/// (reason, error message) of a SessionEndedRequest.
pub fn end_reason(request: &SkillRequest) -> (&str, &str) {
    let text = |pointer: &str| request.raw.pointer(pointer).and_then(Value::as_str);
    (
        text("/request/reason").unwrap_or("unknown"),
        text("/request/error/message").unwrap_or(""),
    )
}

/// The empty answer Alexa expects to a SessionEndedRequest.
pub fn ended_response() -> String {
    json!({"version": "1.0", "response": {}}).to_string()
}

/// What Assist answered, reduced to what the skill needs.
#[derive(Debug, PartialEq)]
pub struct Answer {
    pub speech: String,
    pub conversation_id: Option<String>,
    pub response_type: String,
}

/// Reads Home Assistant's `/api/conversation/process` answer (pure; unit-tested).
pub fn read_answer(speech: &Speech, answer: &Value) -> Answer {
    let response_type = answer
        .pointer("/response/response_type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let said = [
        "/response/speech/plain/speech",
        "/response/speech/ssml/speech",
    ]
    .iter()
    .find_map(|p| answer.pointer(p).and_then(Value::as_str))
    .map(str::trim)
    .filter(|s| !s.is_empty());
    let text = match said {
        Some(text) => truncate(text, MAX_SPEECH_CHARS),
        None if response_type == "action_done" => speech.done.to_string(),
        None => speech.no_answer.to_string(),
    };
    Answer {
        speech: text,
        conversation_id: answer
            .get("conversation_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_string),
        response_type,
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

fn talk(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let Some(query) = request.slot("Query") else {
        return keep_conversation(
            request,
            SkillResponse::ask(speech.what_to_ask, speech.what_to_ask),
        )
        .into_result();
    };
    let previous = conversation_id(request);
    let answer = ha::converse(&query, previous.as_deref(), Some(&request.locale))?;
    let answer = read_answer(speech, &answer);
    log::info(
        "assist answered",
        &[
            ("response_type", &answer.response_type),
            ("continued", if previous.is_some() { "yes" } else { "no" }),
        ],
    );
    let mut response = SkillResponse::ask(answer.speech.clone(), speech.anything_else)
        .card(speech.card_title, format!("{query}\n{}", answer.speech));
    if let Some(id) = answer.conversation_id.or(previous) {
        response = response.attribute(CONVERSATION_ID, json!(id));
    }
    response.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(speech: Option<&str>, kind: &str, id: Option<&str>) -> Value {
        let mut v = json!({"response": {"response_type": kind, "speech": {}, "language": "en-US"}});
        if let Some(s) = speech {
            v["response"]["speech"] = json!({"plain": {"speech": s, "extra_data": null}});
        }
        if let Some(id) = id {
            v["conversation_id"] = json!(id);
        }
        v
    }

    #[test]
    fn reads_speech_and_conversation_id() {
        let a = read_answer(
            &speech::EN_US,
            &answer(Some("Kitchen lights is off"), "query_answer", Some("01ABC")),
        );
        assert_eq!(
            a,
            Answer {
                speech: "Kitchen lights is off".into(),
                conversation_id: Some("01ABC".into()),
                response_type: "query_answer".into(),
            }
        );
        let done = read_answer(&speech::EN_US, &answer(None, "action_done", None));
        assert_eq!(done.speech, "Done.");
        assert_eq!(done.conversation_id, None);
        let empty = read_answer(&speech::EN_US, &answer(Some("  "), "error", Some("")));
        assert_eq!(empty.speech, "Home Assistant had no answer to that.");
        assert_eq!(empty.conversation_id, None);
    }

    #[test]
    fn long_answers_are_cut() {
        let long = "é".repeat(MAX_SPEECH_CHARS + 10);
        let a = read_answer(&speech::EN_US, &answer(Some(&long), "query_answer", None));
        assert_eq!(a.speech.chars().count(), MAX_SPEECH_CHARS + 1);
    }

    #[test]
    fn session_keeps_the_conversation() {
        let event = json!({
            "session": {"attributes": {"conversation_id": "01XYZ", "other": 1}},
            "request": {"type": "IntentRequest", "locale": "en-US",
                "intent": {"name": "AMAZON.HelpIntent", "slots": {}}}
        })
        .to_string();
        let request = SkillRequest::parse(&event).expect("request");
        assert_eq!(conversation_id(&request).as_deref(), Some("01XYZ"));
        let help = keep_conversation(&request, SkillResponse::ask("h", "h")).to_json();
        assert_eq!(
            help["sessionAttributes"],
            json!({"conversation_id": "01XYZ"})
        );
        assert_eq!(help["response"]["shouldEndSession"], false);
        assert_eq!(end_reason(&request), ("unknown", ""));
        let ended: Value = serde_json::from_str(&ended_response()).expect("json");
        assert_eq!(ended, json!({"version": "1.0", "response": {}}));
    }
}
