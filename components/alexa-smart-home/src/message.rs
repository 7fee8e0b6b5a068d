//! Alexa Smart Home messages: parsing an incoming directive and building every event
//! this component sends back (Response, StateReport, ErrorResponse, Discover.Response,
//! AcceptGrant.Response, SceneController Activation/DeactivationStarted,
//! SecurityPanelController Arm.Response, SeekController StateReport).
//!
//! Every event gets a fresh messageId, payloadVersion "3" and, when the directive had
//! them, the correlationToken and the endpoint (scope + endpointId) echoed back.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::clock;
use crate::errors::AlexaError;

/// An incoming directive, parsed.
#[derive(Debug, Clone)]
pub struct Directive {
    pub namespace: String,
    pub name: String,
    pub payload_version: String,
    /// `header.instance` (Mode, Range and Toggle controllers).
    pub instance: Option<String>,
    pub correlation_token: Option<String>,
    pub endpoint_id: Option<String>,
    pub scope: Option<Value>,
    pub payload: Value,
}

impl Directive {
    /// Parses the raw event JSON; `Err` when it is not an Alexa directive at all.
    pub fn parse(event: &str) -> Result<Self, String> {
        let raw: Value =
            serde_json::from_str(event).map_err(|e| format!("event is not JSON: {e}"))?;
        let directive = raw.get("directive").ok_or("event has no `directive`")?;
        let header = directive.get("header").ok_or("directive has no `header`")?;
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        let namespace = text(header, "namespace").ok_or("header.namespace is missing")?;
        let name = text(header, "name").ok_or("header.name is missing")?;
        let endpoint = directive.get("endpoint");
        Ok(Self {
            namespace,
            name,
            payload_version: text(header, "payloadVersion").unwrap_or_default(),
            instance: text(header, "instance"),
            correlation_token: text(header, "correlationToken").filter(|t| !t.is_empty()),
            endpoint_id: endpoint.and_then(|e| text(e, "endpointId")),
            scope: endpoint
                .and_then(|e| e.get("scope"))
                .or_else(|| directive.pointer("/payload/scope"))
                .or_else(|| directive.pointer("/payload/grantee"))
                .cloned(),
            payload: directive.get("payload").cloned().unwrap_or(json!({})),
        })
    }

    /// The Home Assistant entity id this directive addresses (`light#x` -> `light.x`).
    pub fn entity_id(&self) -> Option<String> {
        self.endpoint_id.as_deref().map(entity_id_of)
    }

    /// The bearer token of the directive, if any (used only to read its expiry).
    pub fn bearer_token(&self) -> Option<&str> {
        self.scope
            .as_ref()
            .and_then(|s| s.get("token"))
            .and_then(Value::as_str)
    }

    fn header(&self, namespace: &str, name: &str) -> Value {
        let mut header = json!({
            "namespace": namespace,
            "name": name,
            "payloadVersion": "3",
            "messageId": clock::uuid_v4(),
        });
        if let Some(token) = &self.correlation_token {
            header["correlationToken"] = json!(token);
        }
        header
    }

    fn endpoint(&self) -> Option<Value> {
        let id = self.endpoint_id.as_ref()?;
        let mut endpoint = json!({ "endpointId": id });
        if let Some(scope) = self
            .scope
            .as_ref()
            .filter(|s| s.get("type").is_some() && s.get("token").is_some())
        {
            endpoint["scope"] = json!({"type": scope["type"], "token": scope["token"]});
        }
        Some(endpoint)
    }

    fn event(
        &self,
        namespace: &str,
        name: &str,
        payload: Value,
        context: Option<Vec<Value>>,
    ) -> Value {
        let mut event = json!({ "header": self.header(namespace, name), "payload": payload });
        if let Some(endpoint) = self.endpoint() {
            event["endpoint"] = endpoint;
        }
        let mut message = Map::new();
        if let Some(properties) = context {
            message.insert("context".into(), json!({ "properties": properties }));
        }
        message.insert("event".into(), event);
        Value::Object(message)
    }

    /// `Alexa.Response` with the endpoint's properties after the command.
    pub fn response(&self, properties: Vec<Value>) -> Value {
        self.event("Alexa", "Response", json!({}), Some(properties))
    }

    /// `Alexa.StateReport` answering ReportState.
    pub fn state_report(&self, properties: Vec<Value>) -> Value {
        self.event("Alexa", "StateReport", json!({}), Some(properties))
    }

    /// An ErrorResponse in the error's own namespace.
    pub fn error(&self, error: &AlexaError) -> Value {
        self.event(error.namespace, "ErrorResponse", error.payload(), None)
    }

    /// `Alexa.SceneController` ActivationStarted / DeactivationStarted.
    pub fn scene_started(&self, deactivated: bool, properties: Vec<Value>) -> Value {
        let name = if deactivated {
            "DeactivationStarted"
        } else {
            "ActivationStarted"
        };
        let payload = json!({
            "cause": {"type": "VOICE_INTERACTION"},
            "timestamp": clock::iso8601(clock::now_millis()),
        });
        self.event("Alexa.SceneController", name, payload, Some(properties))
    }

    /// `Alexa.SecurityPanelController` Arm.Response.
    pub fn arm_response(&self, exit_delay_seconds: u32, properties: Vec<Value>) -> Value {
        self.event(
            "Alexa.SecurityPanelController",
            "Arm.Response",
            json!({ "exitDelayInSeconds": exit_delay_seconds }),
            Some(properties),
        )
    }

    /// `Alexa.SeekController` StateReport with the new playback position.
    pub fn seek_report(&self, position_ms: i64) -> Value {
        self.event(
            "Alexa.SeekController",
            "StateReport",
            json!({"properties": [{"name": "positionMilliseconds", "value": position_ms}]}),
            None,
        )
    }

    /// `Alexa.Authorization` AcceptGrant.Response.
    pub fn accept_grant_response(&self) -> Value {
        self.event(
            "Alexa.Authorization",
            "AcceptGrant.Response",
            json!({}),
            None,
        )
    }

    /// `Alexa.Discovery` Discover.Response, serialised (endpoints can be hundreds of
    /// kilobytes; they go straight from their typed form into the text).
    pub fn discover_response<E: Serialize>(&self, endpoints: &[E]) -> String {
        #[derive(Serialize)]
        struct Message<'a, E> {
            event: Event<'a, E>,
        }
        #[derive(Serialize)]
        struct Event<'a, E> {
            header: Value,
            payload: Payload<'a, E>,
        }
        #[derive(Serialize)]
        struct Payload<'a, E> {
            endpoints: &'a [E],
        }
        let message = Message {
            event: Event {
                header: json!({
                    "namespace": "Alexa.Discovery",
                    "name": "Discover.Response",
                    "payloadVersion": "3",
                    "messageId": clock::uuid_v4(),
                }),
                payload: Payload { endpoints },
            },
        };
        // About 1.3 KB per endpoint: one allocation instead of a dozen regrowths.
        let mut out = Vec::with_capacity(512 + endpoints.len() * 1_400);
        // Serialising plain structs, strings and numbers cannot fail; the fallback is an
        // empty (still valid) response rather than a panic.
        match serde_json::to_writer(&mut out, &message).map(|()| String::from_utf8(out)) {
            Ok(Ok(text)) => text,
            _ => json!({"event": {"header": message.event.header, "payload": {"endpoints": []}}})
                .to_string(),
        }
    }
}

/// `light.kitchen` -> `light#kitchen`.
pub fn endpoint_id_of(entity_id: &str) -> String {
    entity_id.replacen('.', "#", 1)
}

/// `light#kitchen` -> `light.kitchen`.
pub fn entity_id_of(endpoint_id: &str) -> String {
    endpoint_id.replacen('#', ".", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Directive {
        Directive::parse(
            &json!({"directive": {
                "header": {"namespace": "Alexa.PowerController", "name": "TurnOn",
                           "payloadVersion": "3", "messageId": "m1", "correlationToken": "c1"},
                "endpoint": {"scope": {"type": "BearerToken", "token": "t"},
                             "endpointId": "light#kitchen", "cookie": {}},
                "payload": {}
            }})
            .to_string(),
        )
        .expect("valid directive")
    }

    #[test]
    fn parses_and_echoes() {
        let d = sample();
        assert_eq!(d.entity_id().as_deref(), Some("light.kitchen"));
        assert_eq!(d.bearer_token(), Some("t"));
        let r = d.response(vec![]);
        assert_eq!(r["event"]["header"]["correlationToken"], "c1");
        assert_ne!(r["event"]["header"]["messageId"], "m1");
        assert_eq!(r["event"]["endpoint"]["endpointId"], "light#kitchen");
        assert_eq!(r["event"]["endpoint"]["scope"]["token"], "t");
        assert!(r["event"]["endpoint"].get("cookie").is_none());
        assert_eq!(r["context"]["properties"], json!([]));
    }

    #[test]
    fn rejects_non_directives() {
        assert!(Directive::parse("{}").is_err());
        assert!(Directive::parse("nope").is_err());
        assert!(Directive::parse(r#"{"directive": {"header": {"name": "x"}}}"#).is_err());
    }

    #[test]
    fn ids_round_trip() {
        assert_eq!(endpoint_id_of("light.a_b"), "light#a_b");
        assert_eq!(entity_id_of("light#a_b"), "light.a_b");
    }
}
