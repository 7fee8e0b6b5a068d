//! One incoming event: its text exactly as received, which is what the component gets,
//! and the parsed JSON the host routes on. Parsed once; never serialised again.

use serde_json::Value;

pub struct Event {
    text: String,
    json: Value,
}

impl Event {
    /// Parses event text (Lambda's payload, `lee invoke`'s input).
    pub fn parse(text: String) -> Result<Event, serde_json::Error> {
        let json = serde_json::from_str(&text)?;
        Ok(Event { text, json })
    }

    /// An event built as JSON in code (tests, benchmarks).
    pub fn from_json(json: Value) -> Event {
        Event {
            text: json.to_string(),
            json,
        }
    }

    /// The text as received.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn json(&self) -> &Value {
        &self.json
    }
}

impl From<Value> for Event {
    fn from(json: Value) -> Self {
        Event::from_json(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_as_received() {
        let text = "{ \"lee\" :  \"health\",\n \"x\": 1.50 }".to_string();
        let event = Event::parse(text.clone()).unwrap();
        assert_eq!(event.text(), text);
        assert_eq!(event.json()["lee"], "health");
        assert!(Event::parse("{".into()).is_err());
    }
}
