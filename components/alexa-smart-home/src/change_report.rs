//! What a Home Assistant state change means for Alexa: the proactive events
//! (`Alexa.ChangeReport`, `Alexa.DoorbellEventSource.DoorbellPress`) that `lee reporter`
//! sends to Alexa's event gateway, built from the SAME mapping that answers ReportState
//! ([`crate::properties::properties`] over [`crate::interfaces::device`]), so a
//! ChangeReport can never disagree with a StateReport.
//!
//! The reporter invokes the component with a directive-shaped event on the route
//! `alexa:lee/StateChanged` (the route grammar is `alexa:<namespace>/<name>`):
//! `payload = {"old": <HA state or null>, "new": <HA state or null>, "cause": "..."?}`.
//! The answer is `{"endpointId", "exposed", "events": [...]}`; the events carry no
//! `endpoint.scope` (the reporter adds its Login with Amazon token when it sends them).

use lee_sdk::ha::State;
use serde_json::{Value, json};

use crate::clock;
use crate::config::Config;
use crate::discovery::{self, Registry};
use crate::handler::temperature_scale;
use crate::home::Home;
use crate::interfaces;
use crate::message::{Directive, endpoint_id_of};
use crate::model::{Cap, Ctx};
use crate::properties::{Sample, properties};
use crate::units::Scale;

/// A doorbell press older than this (event entity timestamp vs now) is a replay (a
/// restart restoring the last event), not a press.
pub const DOORBELL_MAX_AGE_MS: i64 = 30_000;

/// Answers `alexa:lee/StateChanged` (see the module doc); bad input is an `Err` the
/// host answers as INVALID_DIRECTIVE.
pub fn handle(d: &Directive, home: &dyn Home) -> Result<String, String> {
    let parse = |key: &str| match d.payload.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => state_from_json(v)
            .map(Some)
            .ok_or_else(|| format!("payload.{key} is not a Home Assistant state")),
    };
    let (old, new) = (parse("old")?, parse("new")?);
    let config = home.config();
    // Most changes in a home are of entities Alexa never sees: those answer before the
    // registry is read.
    let candidate = new.as_ref().is_some_and(|n| {
        (config.exposure.needs_registry()
            || discovery::exposed(&n.entity_id, &config, &Registry::new()))
            && interfaces::device(
                n,
                &Ctx {
                    scale: Scale::Celsius,
                    locale: config.locale().to_string(),
                },
            )
            .is_some()
    });
    if !candidate {
        let endpoint_id = new.as_ref().map(|n| endpoint_id_of(&n.entity_id));
        return Ok(json!({"endpointId": endpoint_id, "exposed": false, "events": []}).to_string());
    }
    let registry =
        crate::exposure::registry_or_empty(home, &config, lee_sdk::ha::Freshness::Mapping);
    let scale = match new.as_ref().map(State::domain) {
        Some("climate" | "water_heater") => temperature_scale(&config, home, None),
        _ => Scale::Celsius,
    };
    let ctx = Ctx {
        scale,
        locale: config.locale().to_string(),
    };
    let cause = match d.payload.get("cause").and_then(Value::as_str) {
        Some(
            c @ ("APP_INTERACTION"
            | "PHYSICAL_INTERACTION"
            | "PERIODIC_POLL"
            | "RULE_TRIGGER"
            | "VOICE_INTERACTION"),
        ) => c,
        _ => d
            .payload
            .get("new")
            .map(cause_of)
            .unwrap_or("PHYSICAL_INTERACTION"),
    };
    let change = Change {
        old: old.as_ref(),
        new: new.as_ref(),
        cause,
    };
    let mut out = events(&change, &config, &registry, &ctx);
    // The colour's own brightness, as ReportState reports it.
    if let (Some(new), Some(events)) = (&new, out["events"].as_array_mut()) {
        for event in events {
            for pointer in ["/context/properties", "/event/payload/change/properties"] {
                if let Some(props) = event.pointer_mut(pointer).and_then(Value::as_array_mut)
                    && props
                        .iter()
                        .any(|p| p["namespace"] == "Alexa.ColorController")
                {
                    crate::color::apply(props, crate::color::recall(home, &new.entity_id));
                }
            }
        }
    }
    Ok(out.to_string())
}

/// Answers `alexa:lee/Endpoints`: the endpoints Discovery would list now, as the
/// reporter's AddOrUpdateReport carries them (`proactivelyReported` true: the reporter
/// reports them), never from the host's response cache (a different route).
pub fn endpoints(d: &Directive, home: &dyn Home) -> String {
    let discover = Directive {
        namespace: "Alexa.Discovery".into(),
        name: "Discover".into(),
        ..d.clone()
    };
    let proactive = ProactiveHome(home);
    crate::handler::handle(&discover, &proactive)
}

/// The home as the reporter sees it: proactive events on, whatever the function's mode.
struct ProactiveHome<'a>(&'a dyn Home);

impl Home for ProactiveHome<'_> {
    fn states(&self, f: lee_sdk::ha::Freshness) -> Result<Vec<State>, lee_sdk::HaError> {
        self.0.states(f)
    }
    fn states_of(
        &self,
        q: &lee_sdk::ha::Query<'_>,
        f: lee_sdk::ha::Freshness,
    ) -> Result<Vec<State>, lee_sdk::HaError> {
        self.0.states_of(q, f)
    }
    fn state(
        &self,
        id: &str,
        f: lee_sdk::ha::Freshness,
    ) -> Result<Option<State>, lee_sdk::HaError> {
        self.0.state(id, f)
    }
    fn call(&self, _: &str, _: &str, _: &Value) -> Result<Vec<State>, lee_sdk::HaError> {
        Err(lee_sdk::HaError::Denied(
            "the endpoint listing calls no service".into(),
        ))
    }
    fn entity_registry(&self, f: lee_sdk::ha::Freshness) -> Result<String, lee_sdk::HaError> {
        self.0.entity_registry(f)
    }
    fn registry_listing(
        &self,
        which: lee_sdk::ha::Registry,
        fields: &[&str],
        f: lee_sdk::ha::Freshness,
    ) -> Result<String, lee_sdk::HaError> {
        self.0.registry_listing(which, fields, f)
    }
    fn exposure_settings(&self, f: lee_sdk::ha::Freshness) -> Result<String, lee_sdk::HaError> {
        self.0.exposure_settings(f)
    }
    fn temperature_unit(&self) -> Option<String> {
        self.0.temperature_unit()
    }
    fn config(&self) -> Config {
        let mut config = self.0.config();
        if !config.accept_grant.proactive() {
            config.accept_grant = crate::config::AcceptGrant::Relay;
        }
        config
    }
    fn warn(&self, message: &str, fields: &[(&str, &str)]) {
        self.0.warn(message, fields);
    }
    fn info(&self, message: &str, fields: &[(&str, &str)]) {
        self.0.info(message, fields);
    }
    fn prefetch(
        &self,
        reads: &[lee_sdk::ha::Prefetch],
        f: lee_sdk::ha::Freshness,
    ) -> Result<(), lee_sdk::HaError> {
        self.0.prefetch(reads, f)
    }
    fn recall(&self, key: &str) -> Option<String> {
        self.0.recall(key)
    }
}

/// Parses one Home Assistant state object (`/api/states`, websocket `state_changed`).
pub fn state_from_json(v: &Value) -> Option<State> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(State {
        entity_id: text("entity_id")?,
        state: text("state")?,
        attributes: v.get("attributes").cloned().unwrap_or_else(|| json!({})),
        last_changed: text("last_changed").unwrap_or_default(),
        last_updated: text("last_updated").unwrap_or_default(),
    })
}

/// Alexa's cause for a change: a change with a user in its Home Assistant context came
/// from an app (Home Assistant's UI, Alexa itself); otherwise the device changed.
pub fn cause_of(new: &Value) -> &'static str {
    let user = new.pointer("/context/user_id").and_then(Value::as_str);
    if user.is_some_and(|u| !u.is_empty()) {
        "APP_INTERACTION"
    } else {
        "PHYSICAL_INTERACTION"
    }
}

/// The events for one change of `entity_id` from `old` to `new`.
pub struct Change<'a> {
    pub old: Option<&'a State>,
    pub new: Option<&'a State>,
    pub cause: &'a str,
}

/// What the change means: whether the entity is exposed and the events to send.
pub fn events(change: &Change<'_>, config: &Config, registry: &Registry, ctx: &Ctx) -> Value {
    let Some(new) = change.new else {
        // Removal is an exposure change (DeleteReport), not a ChangeReport.
        return json!({"exposed": false, "events": []});
    };
    let endpoint_id = endpoint_id_of(&new.entity_id);
    let exposed = discovery::exposed(&new.entity_id, config, registry);
    let device = interfaces::device(new, ctx);
    let mut out = Vec::new();
    if exposed && let Some(device) = device {
        if device.caps.iter().any(|c| matches!(c, Cap::Doorbell)) {
            if doorbell_pressed(change.old, new, clock::now_millis()) {
                out.push(doorbell_press(&endpoint_id, new));
            }
        } else {
            let at = Sample::now();
            let after = properties(new, &device, ctx, at);
            let before = change
                .old
                .and_then(|old| interfaces::device(old, ctx).map(|d| properties(old, &d, ctx, at)))
                .unwrap_or_default();
            // A button or event press is a new detection even though the property
            // reads DETECTED before and after: routines start on each press.
            let pressed = device.caps.iter().any(|c| matches!(c, Cap::Trigger))
                && doorbell_pressed(change.old, new, clock::now_millis());
            let (changed, unchanged): (Vec<Value>, Vec<Value>) = after.into_iter().partition(|p| {
                !before.iter().any(|b| same(b, p))
                    || (pressed && p["namespace"] == "Alexa.EventDetectionSensor")
            });
            if !changed.is_empty() {
                out.push(change_report(
                    &endpoint_id,
                    change.cause,
                    changed,
                    unchanged,
                ));
            }
        }
    }
    json!({"endpointId": endpoint_id, "exposed": exposed, "events": out})
}

/// Same property with the same value (timestamps differ by construction).
fn same(a: &Value, b: &Value) -> bool {
    ["namespace", "name", "instance", "value"]
        .iter()
        .all(|k| a.get(k) == b.get(k))
}

/// Home Assistant's rule: an `event` entity fires when its timestamp state changes to a
/// fresh one (not when it comes back from unavailable or restores an old timestamp); a
/// doorbell binary sensor fires on off -> on. Buttons (whose state is the last press)
/// are pressed by the same rule as events.
pub fn doorbell_pressed(old: Option<&State>, new: &State, now_ms: i64) -> bool {
    if matches!(new.domain(), "event" | "button" | "input_button") {
        let Some(at) = clock::parse_iso8601(&new.state) else {
            return false;
        };
        let restored = old.is_none_or(|o| matches!(o.state.as_str(), "unavailable" | "unknown"));
        let repeated = old.is_some_and(|o| o.state == new.state);
        return !restored && !repeated && now_ms - at <= DOORBELL_MAX_AGE_MS;
    }
    new.state == "on" && old.is_none_or(|o| o.state != "on")
}

fn header(namespace: &str, name: &str) -> Value {
    json!({
        "namespace": namespace,
        "name": name,
        "payloadVersion": "3",
        "messageId": clock::uuid_v4(),
    })
}

fn change_report(
    endpoint_id: &str,
    cause: &str,
    changed: Vec<Value>,
    context: Vec<Value>,
) -> Value {
    json!({
        "context": {"properties": context},
        "event": {
            "header": header("Alexa", "ChangeReport"),
            "endpoint": {"endpointId": endpoint_id},
            "payload": {"change": {"cause": {"type": cause}, "properties": changed}},
        }
    })
}

fn doorbell_press(endpoint_id: &str, new: &State) -> Value {
    let millis = clock::parse_iso8601(&new.state)
        .or_else(|| clock::parse_iso8601(&new.last_changed))
        .unwrap_or_else(clock::now_millis);
    json!({
        "context": {},
        "event": {
            "header": header("Alexa.DoorbellEventSource", "DoorbellPress"),
            "endpoint": {"endpointId": endpoint_id},
            "payload": {
                "cause": {"type": "PHYSICAL_INTERACTION"},
                "timestamp": clock::iso8601_seconds(millis),
            },
        }
    })
}

#[cfg(test)]
#[path = "change_report_tests.rs"]
mod tests;
