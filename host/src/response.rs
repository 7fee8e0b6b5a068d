//! A gateway answer as checked JSON text. Components answer serialised JSON, and a
//! Discovery of a large home is several hundred kilobytes: the host checks the text
//! once (one JSON object) and passes it on, instead of building a JSON tree only to
//! serialise it again for Lambda. [`Response::json`] parses it for callers that want
//! to look inside (the CLI's pretty printer, tests).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// One complete answer (an Alexa message, a skill response or a lee JSON object).
#[derive(Clone)]
pub struct Response(Box<RawValue>);

/// What the host reads from a component's answer without building it.
#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    event: Option<PeekEvent>,
}

#[derive(Deserialize)]
struct PeekEvent {
    #[serde(default)]
    header: Option<PeekHeader>,
}

#[derive(Deserialize)]
struct PeekHeader {
    #[serde(default)]
    name: Option<String>,
}

/// A JSON object with its members kept as text.
type RawObject = BTreeMap<String, Box<RawValue>>;

impl Response {
    /// An answer the host built itself.
    pub fn from_value(value: &Value) -> Self {
        Self(serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }

    /// A component's answer: it must be one JSON object (checked in one pass).
    pub fn from_component(text: String) -> Result<Self, String> {
        if !text.trim_start().starts_with('{') {
            return Err("the answer is not a JSON object".into());
        }
        RawValue::from_string(text)
            .map(Self)
            .map_err(|e| e.to_string())
    }

    /// The JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The answer parsed into a JSON tree.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.text()).unwrap_or(Value::Null)
    }

    /// `event.header.name` of an Alexa message (e.g. `ErrorResponse`).
    pub fn alexa_name(&self) -> Option<String> {
        serde_json::from_str::<Peek>(self.text())
            .ok()?
            .event?
            .header?
            .name
    }

    /// The same answer with `event.header` rewritten by `edit`; everything else is
    /// copied as text. `None` when the answer has no `event.header` object.
    pub fn with_alexa_header(&self, edit: impl FnOnce(&mut Value)) -> Option<Self> {
        let mut top: RawObject = serde_json::from_str(self.text()).ok()?;
        let mut event: RawObject = serde_json::from_str(top.get("event")?.get()).ok()?;
        let mut header: Value = serde_json::from_str(event.get("header")?.get()).ok()?;
        if !header.is_object() {
            return None;
        }
        edit(&mut header);
        event.insert(
            "header".into(),
            serde_json::value::to_raw_value(&header).ok()?,
        );
        top.insert(
            "event".into(),
            serde_json::value::to_raw_value(&event).ok()?,
        );
        serde_json::value::to_raw_value(&top).ok().map(Self)
    }
}

impl Serialize for Response {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn component_answers_must_be_one_object() {
        assert!(Response::from_component("[1]".into()).is_err());
        assert!(Response::from_component("{\"a\":1} trailing".into()).is_err());
        assert!(Response::from_component("not json".into()).is_err());
        let ok = Response::from_component("{\"event\":{\"header\":{\"name\":\"X\"}}}".into())
            .expect("an object");
        assert_eq!(ok.alexa_name().as_deref(), Some("X"));
        assert_eq!(Response::from_value(&json!({"a": 1})).alexa_name(), None);
        let odd = Response::from_component("{\"event\": 5}".into()).expect("an object");
        assert_eq!(odd.alexa_name(), None);
    }

    #[test]
    fn header_edits_keep_the_rest_verbatim() {
        let original = Response::from_component(
            r#"{"event":{"header":{"messageId":"old","name":"Discover.Response"},"payload":{"endpoints":[{"endpointId":"light#a"}]}}}"#.into(),
        )
        .expect("an object");
        let edited = original
            .with_alexa_header(|h| h["messageId"] = json!("new"))
            .expect("has a header");
        let value = edited.json();
        assert_eq!(value["event"]["header"]["messageId"], "new");
        assert_eq!(value["event"]["header"]["name"], "Discover.Response");
        assert_eq!(
            value["event"]["payload"],
            original.json()["event"]["payload"]
        );
        assert!(
            Response::from_value(&json!({"response": {}}))
                .with_alexa_header(|_| {})
                .is_none()
        );
    }
}
