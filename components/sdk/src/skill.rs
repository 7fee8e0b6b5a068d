//! Alexa custom-skill requests and responses: slot values (with entity-resolution
//! values preferred over raw text), session attributes, and a response builder.

use serde_json::{Map, Value, json};

use crate::bindings::exports::lee::gateway::handler::Failure;

/// A parsed custom-skill request.
#[derive(Debug, Clone)]
pub struct SkillRequest {
    pub kind: String,
    pub intent: Option<String>,
    pub locale: String,
    slots: Map<String, Value>,
    pub session_attributes: Map<String, Value>,
    pub raw: Value,
}

impl SkillRequest {
    /// Parses the raw event JSON the host passed in.
    pub fn parse(event: &str) -> Result<Self, Failure> {
        let raw: Value = serde_json::from_str(event)
            .map_err(|e| Failure::InvalidRequest(format!("event is not JSON: {e}")))?;
        let request = raw
            .get("request")
            .ok_or_else(|| Failure::InvalidRequest("not a custom-skill request".into()))?;
        let kind = request
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let intent = request
            .pointer("/intent/name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let slots = request
            .pointer("/intent/slots")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let session_attributes = raw
            .pointer("/session/attributes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let locale = request
            .get("locale")
            .and_then(Value::as_str)
            .unwrap_or("en-US")
            .to_string();
        Ok(Self {
            kind,
            intent,
            locale,
            slots,
            session_attributes,
            raw,
        })
    }

    /// A slot's value: the entity-resolution match when Alexa found one, else the spoken
    /// text; `None` when absent or empty.
    pub fn slot(&self, name: &str) -> Option<String> {
        let slot = self.slots.get(name)?;
        let resolved = slot
            .pointer("/resolutions/resolutionsPerAuthority")
            .and_then(Value::as_array)
            .and_then(|authorities| {
                authorities.iter().find_map(|a| {
                    (a.pointer("/status/code").and_then(Value::as_str) == Some("ER_SUCCESS_MATCH"))
                        .then(|| a.pointer("/values/0/value/name").and_then(Value::as_str))
                        .flatten()
                })
            });
        resolved
            .or_else(|| slot.get("value").and_then(Value::as_str))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// A required slot, or an `invalid-request` failure naming it.
    pub fn require_slot(&self, name: &str) -> Result<String, Failure> {
        self.slot(name)
            .ok_or_else(|| Failure::InvalidRequest(format!("slot {name} is missing")))
    }

    /// Every filled slot except the ones named, as `(name, value)`.
    pub fn other_slots(&self, except: &[&str]) -> Vec<(String, String)> {
        let mut names: Vec<&String> = self.slots.keys().collect();
        names.sort();
        names
            .into_iter()
            .filter(|n| !except.contains(&n.as_str()))
            .filter_map(|n| self.slot(n).map(|v| (n.clone(), v)))
            .collect()
    }
}

/// Builds a custom-skill response.
#[derive(Debug, Clone, Default)]
pub struct SkillResponse {
    speech: String,
    reprompt: Option<String>,
    card: Option<(String, String)>,
    end_session: bool,
    attributes: Map<String, Value>,
}

impl SkillResponse {
    /// Says `text` and ends the session.
    pub fn say(text: impl Into<String>) -> Self {
        Self {
            speech: text.into(),
            end_session: true,
            ..Self::default()
        }
    }

    /// Says `text` and keeps listening (re-prompting with `reprompt`).
    pub fn ask(text: impl Into<String>, reprompt: impl Into<String>) -> Self {
        Self {
            speech: text.into(),
            reprompt: Some(reprompt.into()),
            end_session: false,
            ..Self::default()
        }
    }

    pub fn card(mut self, title: impl Into<String>, content: impl Into<String>) -> Self {
        self.card = Some((title.into(), content.into()));
        self
    }

    pub fn attribute(mut self, key: &str, value: Value) -> Self {
        self.attributes.insert(key.to_string(), value);
        self
    }

    pub fn to_json(&self) -> Value {
        let mut response = json!({
            "outputSpeech": {"type": "PlainText", "text": self.speech},
            "shouldEndSession": self.end_session,
        });
        if let Some(reprompt) = &self.reprompt {
            response["reprompt"] = json!({"outputSpeech": {"type": "PlainText", "text": reprompt}});
        }
        if let Some((title, content)) = &self.card {
            response["card"] = json!({"type": "Simple", "title": title, "content": content});
        }
        let mut envelope = json!({"version": "1.0", "response": response});
        if !self.attributes.is_empty() {
            envelope["sessionAttributes"] = Value::Object(self.attributes.clone());
        }
        envelope
    }

    /// The JSON text the handler returns.
    pub fn into_result(self) -> Result<String, Failure> {
        Ok(self.to_json().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> String {
        json!({
            "version": "1.0",
            "session": {"attributes": {"conversation_id": "c1"}},
            "request": {
                "type": "IntentRequest",
                "locale": "en-GB",
                "intent": {"name": "RunScript", "slots": {
                    "ScriptName": {"name": "ScriptName", "value": "good nite",
                        "resolutions": {"resolutionsPerAuthority": [
                            {"status": {"code": "ER_SUCCESS_MATCH"}, "values": [{"value": {"name": "Good Night"}}]}
                        ]}},
                    "Brightness": {"name": "Brightness", "value": "40"},
                    "Empty": {"name": "Empty"}
                }}
            }
        })
        .to_string()
    }

    #[test]
    fn slots_prefer_resolutions() {
        let r = SkillRequest::parse(&request()).unwrap();
        assert_eq!(r.intent.as_deref(), Some("RunScript"));
        assert_eq!(r.locale, "en-GB");
        assert_eq!(r.slot("ScriptName").as_deref(), Some("Good Night"));
        assert_eq!(r.slot("Empty"), None);
        assert!(r.require_slot("Missing").is_err());
        assert_eq!(
            r.other_slots(&["ScriptName"]),
            vec![("Brightness".to_string(), "40".to_string())]
        );
        assert_eq!(r.session_attributes["conversation_id"], "c1");
    }

    #[test]
    fn responses() {
        let said = SkillResponse::say("Done.").to_json();
        assert_eq!(said["response"]["outputSpeech"]["text"], "Done.");
        assert_eq!(said["response"]["shouldEndSession"], true);
        let asked = SkillResponse::ask("Which one?", "Which one?")
            .attribute("pending", json!("x"))
            .to_json();
        assert_eq!(asked["response"]["shouldEndSession"], false);
        assert_eq!(asked["sessionAttributes"]["pending"], "x");
        assert!(SkillRequest::parse("{}").is_err());
    }
}
