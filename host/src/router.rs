//! Classifies an incoming event: an Alexa Smart Home directive, an Alexa custom-skill
//! request, or a lee control event; derives its [`Route`] (the grammar is the
//! contract's), the bearer token the request carries, the locale and the skill id.

use lee_contract::route::{Route, Scheme};
use serde_json::Value;

use crate::settings::Secret;

/// The protocol the caller speaks; errors are answered in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    SmartHome,
    CustomSkill,
    Lee,
}

/// A classified event.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    pub protocol: Protocol,
    /// e.g. `alexa:Alexa.PowerController/TurnOn`, `skill:RunScript`, `lee:health`.
    pub route: Route,
    pub token: Option<Secret>,
    pub locale: Option<String>,
    /// The custom skill's application id, when present.
    pub skill_id: Option<String>,
    /// The Alexa user id (custom skill requests), for the canary split.
    pub user_id: Option<String>,
}

/// Why an event could not be classified.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ClassifyError {
    #[error("event is not a JSON object")]
    NotAnObject,
    #[error(
        "event is neither an Alexa Smart Home directive, an Alexa skill request nor a lee event"
    )]
    Unrecognized,
    #[error("malformed {0}: {1}")]
    Malformed(&'static str, String),
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

pub fn classify(event: &Value) -> Result<Classified, ClassifyError> {
    let Some(object) = event.as_object() else {
        return Err(ClassifyError::NotAnObject);
    };
    if let Some(what) = object.get("lee") {
        let route = what
            .as_str()
            .and_then(|w| Route::named(Scheme::Lee, w).ok())
            .ok_or_else(|| {
                ClassifyError::Malformed("lee event", "`lee` must name an action".into())
            })?;
        return Ok(Classified {
            protocol: Protocol::Lee,
            route,
            token: None,
            locale: None,
            skill_id: None,
            user_id: None,
        });
    }
    if let Some(directive) = object.get("directive") {
        let namespace = str_at(directive, "/header/namespace").unwrap_or_default();
        let name = str_at(directive, "/header/name").unwrap_or_default();
        let route = Route::alexa(namespace, name).map_err(|_| {
            ClassifyError::Malformed(
                "Alexa directive",
                "header.namespace and header.name are required".into(),
            )
        })?;
        let token = [
            "/endpoint/scope/token",
            "/payload/scope/token",
            "/payload/grantee/token",
        ]
        .iter()
        .find_map(|p| str_at(directive, p))
        .filter(|t| !t.is_empty())
        .map(Secret::new);
        return Ok(Classified {
            protocol: Protocol::SmartHome,
            route,
            token,
            locale: None,
            skill_id: None,
            user_id: None,
        });
    }
    if let Some(request) = object.get("request")
        && let Some(kind) = request.get("type").and_then(Value::as_str)
    {
        let route = if kind == "IntentRequest" {
            let intent = str_at(request, "/intent/name").unwrap_or_default();
            Route::named(Scheme::Skill, intent).map_err(|_| {
                ClassifyError::Malformed(
                    "skill IntentRequest",
                    "request.intent.name is required".into(),
                )
            })?
        } else {
            Route::named(Scheme::Skill, kind).map_err(|_| {
                ClassifyError::Malformed("skill request", "request.type is invalid".into())
            })?
        };
        let token = [
            "/context/System/user/accessToken",
            "/session/user/accessToken",
        ]
        .iter()
        .find_map(|p| str_at(event, p))
        .filter(|t| !t.is_empty())
        .map(Secret::new);
        let skill_id = [
            "/context/System/application/applicationId",
            "/session/application/applicationId",
        ]
        .iter()
        .find_map(|p| str_at(event, p))
        .map(str::to_string);
        return Ok(Classified {
            protocol: Protocol::CustomSkill,
            route,
            token,
            locale: str_at(request, "/locale").map(str::to_string),
            skill_id,
            user_id: ["/context/System/user/userId", "/session/user/userId"]
                .iter()
                .find_map(|p| str_at(event, p))
                .filter(|u| !u.is_empty())
                .map(str::to_string),
        });
    }
    Err(ClassifyError::Unrecognized)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn smart_home_directive() {
        let c = classify(&json!({"directive": {
            "header": {"namespace": "Alexa.PowerController", "name": "TurnOn", "payloadVersion": "3"},
            "endpoint": {"scope": {"type": "BearerToken", "token": "tok"}, "endpointId": "light#a"},
            "payload": {}
        }}))
        .unwrap();
        assert_eq!(c.protocol, Protocol::SmartHome);
        assert_eq!(c.route.as_str(), "alexa:Alexa.PowerController/TurnOn");
        assert_eq!(c.token.unwrap().expose(), "tok");
    }

    #[test]
    fn discovery_token_in_payload() {
        let c = classify(&json!({"directive": {
            "header": {"namespace": "Alexa.Discovery", "name": "Discover"},
            "payload": {"scope": {"type": "BearerToken", "token": "d"}}
        }}))
        .unwrap();
        assert_eq!(c.token.unwrap().expose(), "d");
    }

    #[test]
    fn skill_intent() {
        let c = classify(&json!({
            "version": "1.0",
            "context": {"System": {"user": {"accessToken": "t"}, "application": {"applicationId": "amzn1.ask.skill.x"}}},
            "request": {"type": "IntentRequest", "locale": "en-US", "intent": {"name": "RunScript", "slots": {}}}
        }))
        .unwrap();
        assert_eq!(c.route.as_str(), "skill:RunScript");
        assert_eq!(c.locale.as_deref(), Some("en-US"));
        assert_eq!(c.skill_id.as_deref(), Some("amzn1.ask.skill.x"));
        let launch = classify(&json!({"request": {"type": "LaunchRequest"}})).unwrap();
        assert_eq!(launch.route.as_str(), "skill:LaunchRequest");
    }

    #[test]
    fn bad_events() {
        assert_eq!(classify(&json!([1])), Err(ClassifyError::NotAnObject));
        assert_eq!(
            classify(&json!({"hello": 1})),
            Err(ClassifyError::Unrecognized)
        );
        assert!(matches!(
            classify(&json!({"directive": {"header": {}}})),
            Err(ClassifyError::Malformed(..))
        ));
        assert!(matches!(
            classify(&json!({"request": {"type": "IntentRequest", "intent": {"name": "a:b*"}}})),
            Err(ClassifyError::Malformed(..))
        ));
        assert_eq!(
            classify(&json!({"lee": "health"})).unwrap().route.as_str(),
            "lee:health"
        );
    }
}
