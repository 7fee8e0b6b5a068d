//! One incoming event: its text exactly as received, which is what the component gets,
//! the parsed JSON the host routes on (parsed once; never serialised again), and when it
//! arrived, from which Alexa's budget is counted, and (in Lambda, when the invocation is
//! sampled) its X-Ray trace.

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use crate::aws::xray::Trace;

pub struct Event {
    text: String,
    json: Value,
    arrived: Instant,
    trace: Option<Arc<Trace>>,
}

impl Event {
    /// Parses event text (Lambda's payload, `lee invoke`'s input); it arrived now.
    pub fn parse(text: String) -> Result<Event, serde_json::Error> {
        let json = serde_json::from_str(&text)?;
        Ok(Event {
            text,
            json,
            arrived: Instant::now(),
            trace: None,
        })
    }

    /// An event built as JSON in code (tests, benchmarks).
    pub fn from_json(json: Value) -> Event {
        Event {
            text: json.to_string(),
            json,
            arrived: Instant::now(),
            trace: None,
        }
    }

    /// The event arrived no later than `at` (a cold start: the event that started the
    /// process was waiting before the process existed).
    pub fn arrived_by(mut self, at: Instant) -> Event {
        self.arrived = self.arrived.min(at);
        self
    }

    /// The invocation is sampled by X-Ray: its component run and Home Assistant calls
    /// become subsegments of `trace`.
    pub fn traced(mut self, trace: Option<Arc<Trace>>) -> Event {
        self.trace = trace;
        self
    }

    pub fn trace(&self) -> Option<&Arc<Trace>> {
        self.trace.as_ref()
    }

    pub fn arrived(&self) -> Instant {
        self.arrived
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
