//! The discovery explanation behind `lee doctor` (route `lee:explain-discovery`): every
//! entity of the home with the endpoint it becomes, or why it does not. "Alexa found no
//! devices" is the most common complaint about Alexa bridges; the answer is always one of
//! a few reasons, and only discovery's own code knows which. So the explanation is
//! discovery itself ([`discovery::discover_observed`]) run with an observer, not a
//! second copy of its rules that could drift from them.

use std::collections::{BTreeMap, HashMap};

use lee_sdk::HaError;
use lee_sdk::ha::{Freshness, Query, State};
use serde_json::{Value, json};

use crate::config::Exposure;
use crate::discovery::{self, MAX_ENDPOINTS, Outcome};
use crate::handler::discovery_context;
use crate::home::Home;
use crate::interfaces;
use crate::model::Attrs;
use crate::parity;

/// Every entity, without attributes (the ids are enough to say a domain is unsupported).
const EVERYTHING: Query<'static> = Query {
    domains: &[],
    entity_ids: &[],
    attributes: Some(&[]),
};

/// The cameras, with what says whether they stream.
const CAMERAS: Query<'static> = Query {
    domains: &["camera"],
    entity_ids: &[],
    attributes: Some(&["supported_features"]),
};

/// One entity's line of the explanation.
struct Line {
    outcome: &'static str,
    reason: String,
    rank: Option<usize>,
}

/// Why Alexa has no interface for `state` (its domain is one Alexa can use).
pub fn unsupported_reason(state: &State) -> String {
    let class = state.device_class().unwrap_or("none");
    match state.domain() {
        "sensor" => format!(
            "a sensor that is not a temperature (device_class {class}, unit {}); Alexa \
             reads only temperature sensors",
            state.str_attr("unit_of_measurement").unwrap_or("none")
        ),
        "input_select" | "select" => "a select without options".to_string(),
        "alarm_control_panel" => format!(
            "alarm code_format {}: Alexa can only say a numeric PIN",
            state.str_attr("code_format").unwrap_or("none")
        ),
        domain => format!("Alexa has no interface for this {domain} entity"),
    }
}

/// The exposure rule that lets an endpoint in.
pub fn included_by(exposure: &Exposure) -> String {
    match exposure {
        Exposure::Filter => "exposure filter: no filter rule leaves it out".into(),
        Exposure::Label(label) => {
            format!("exposure label: it or its device carries the label {label:?}")
        }
        Exposure::Assist => "exposure assist: exposed to Assist in Home Assistant".into(),
        Exposure::Alexa => "exposure alexa: exposed to Amazon Alexa in Home Assistant".into(),
        Exposure::Invalid(why) => why.clone(),
    }
}

fn line(outcome: Outcome, state: Option<&State>, exposure: &Exposure) -> Line {
    let (name, reason, rank) = match outcome {
        Outcome::Endpoint { rank } => ("endpoint", included_by(exposure), Some(rank)),
        Outcome::Filtered(rule) => (
            "filtered",
            format!("left out by the component's filter ({rule})"),
            None,
        ),
        Outcome::Hidden => (
            "hidden",
            "hidden in Home Assistant (entity registry hidden_by); list it in \
             filter.include_entities to expose it anyway"
                .to_string(),
            None,
        ),
        Outcome::EntityCategory => (
            "entity_category",
            "a config or diagnostic entity (entity registry entity_category)".to_string(),
            None,
        ),
        Outcome::Unsupported => (
            "unsupported",
            state.map(unsupported_reason).unwrap_or_default(),
            None,
        ),
        Outcome::NoUsableInterface => (
            "no_usable_interface",
            "nothing Alexa could control or report on it".to_string(),
            None,
        ),
        Outcome::Dropped { rank } => (
            "dropped",
            format!(
                "past Amazon's limit of {MAX_ENDPOINTS} endpoints (rank {rank}: controlled \
                 devices rank before scenes, helpers and sensors; exclude entities to make room)"
            ),
            Some(rank),
        ),
    };
    Line {
        outcome: name,
        reason,
        rank,
    }
}

/// The explanation as JSON text: `entities` (sorted by entity id), `counts` per outcome,
/// `endpoints` (how many Discovery answers) and `max_endpoints`.
pub fn explain(home: &dyn Home) -> Result<String, HaError> {
    let config = home.config();
    let everything = home.states_of(&EVERYTHING, Freshness::ForLookup)?;
    let (usable, other): (Vec<State>, Vec<State>) = everything
        .into_iter()
        .partition(|s| interfaces::DOMAINS.contains(&s.domain()));
    let registry = crate::exposure::registry(home, &config, Freshness::Mapping);
    let registry_error = registry.as_ref().err().cloned();
    let registry = registry.unwrap_or_default();
    let ctx = discovery_context(&config, home);
    let mut lines: BTreeMap<String, Line> = BTreeMap::new();
    for s in &other {
        lines.insert(
            s.entity_id.clone(),
            Line {
                outcome: "unsupported_domain",
                reason: format!("Alexa has no interface for the {} domain", s.domain()),
                rank: None,
            },
        );
    }
    // Cameras: why each one is left out depends on whether it streams and on Home
    // Assistant's external URL.
    if other.iter().any(|s| s.domain() == "camera") {
        let external_url = home.external_url();
        let cameras = home.states_of(&CAMERAS, Freshness::ForLookup)?;
        for camera in &cameras {
            if let Some(line) = lines.get_mut(&camera.entity_id) {
                line.outcome = "unsupported";
                line.reason = parity::camera_reason(camera, external_url.as_deref());
            }
        }
    }
    let fetch = |ids: &[&str]| {
        let query = Query {
            entity_ids: ids,
            ..discovery::QUERY
        };
        home.states_of(&query, Freshness::ForLookup)
    };
    let found = discovery::discover_observed(
        &usable,
        &config,
        &registry,
        &ctx,
        fetch,
        |id, state, outcome| {
            lines.insert(id.to_string(), line(outcome, state, &config.exposure));
        },
    )?;
    let endpoints: HashMap<&str, Value> = found
        .endpoints
        .iter()
        .map(|e| {
            let interfaces: Vec<Value> = serde_json::to_value(e)
                .ok()
                .and_then(|v| v.get("capabilities").cloned())
                .and_then(|c| c.as_array().cloned())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| c.get("interface").cloned())
                .collect();
            let summary = json!({
                "endpoint_id": e.endpoint_id,
                "friendly_name": e.friendly_name,
                "display_categories": e.display_categories,
                "interfaces": interfaces,
            });
            (e.endpoint_id.as_str(), summary)
        })
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let entities: Vec<Value> = lines
        .iter()
        .map(|(id, l)| {
            *counts.entry(l.outcome).or_default() += 1;
            let mut row = json!({"entity_id": id, "outcome": l.outcome});
            if !l.reason.is_empty() {
                row["reason"] = json!(l.reason);
            }
            if let Some(rank) = l.rank {
                row["rank"] = json!(rank);
            }
            if let Some(endpoint) = endpoints.get(crate::message::endpoint_id_of(id).as_str()) {
                row["endpoint"] = endpoint.clone();
            }
            row
        })
        .collect();
    Ok(json!({
        "endpoints": found.endpoints.len(),
        "max_endpoints": MAX_ENDPOINTS,
        "counts": counts,
        "differences_from_home_assistant": parity::differences(),
        "registry_error": registry_error,
        "entities": entities,
    })
    .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::test_support::{FakeHome, directive};

    fn outcome_of<'a>(doc: &'a Value, id: &str) -> &'a Value {
        doc["entities"]
            .as_array()
            .and_then(|all| all.iter().find(|e| e["entity_id"] == id))
            .unwrap_or(&Value::Null)
    }

    #[test]
    fn every_entity_is_explained_with_the_endpoint_discovery_makes() {
        let mut home = FakeHome::new();
        home.config = Config::from_json(&json!({"filter": {"exclude_domains": ["scene"]}}));
        let lights: Vec<String> = home
            .states
            .borrow()
            .iter()
            .filter(|s| s.domain() == "light")
            .map(|s| s.entity_id.clone())
            .take(2)
            .collect();
        home.registry = vec![
            json!({"entity_id": lights[0], "hidden_by": "user"}),
            json!({"entity_id": lights[1], "entity_category": "config"}),
        ];
        let doc: Value = serde_json::from_str(&explain(&home).expect("explained")).expect("json");
        let entities = doc["entities"].as_array().expect("entities");
        assert_eq!(
            entities.len(),
            home.states.borrow().len(),
            "every entity has a line"
        );

        // The same endpoints as the Discovery answer, in the same number.
        let answer = home.run(&directive(
            "Alexa.Discovery",
            "Discover",
            None,
            json!({"scope": {"type": "BearerToken", "token": "t"}}),
        ));
        let discovered: Vec<String> = answer["event"]["payload"]["endpoints"]
            .as_array()
            .expect("endpoints")
            .iter()
            .map(|e| e["endpointId"].as_str().unwrap_or_default().to_string())
            .collect();
        let explained: Vec<String> = entities
            .iter()
            .filter(|e| e["outcome"] == "endpoint")
            .map(|e| {
                e["endpoint"]["endpoint_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        let mut sorted = discovered.clone();
        sorted.sort();
        let mut explained_sorted = explained.clone();
        explained_sorted.sort();
        assert_eq!(explained_sorted, sorted);
        assert_eq!(doc["endpoints"].as_u64(), Some(discovered.len() as u64));

        assert_eq!(outcome_of(&doc, &lights[0])["outcome"], "hidden");
        assert_eq!(outcome_of(&doc, &lights[1])["outcome"], "entity_category");
        let scene = entities
            .iter()
            .find(|e| {
                e["entity_id"]
                    .as_str()
                    .is_some_and(|i| i.starts_with("scene."))
            })
            .expect("the demo home has scenes");
        assert_eq!(scene["outcome"], "filtered");
        assert!(
            scene["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("exclude_domains")
        );
        assert!(
            entities
                .iter()
                .filter(|e| e["outcome"] != "endpoint")
                .all(|e| e["reason"].as_str().is_some_and(|r| !r.is_empty())),
            "every left-out entity says why: {doc}"
        );
    }

    #[test]
    fn past_the_cap_entities_are_dropped_with_their_rank() {
        let home = FakeHome::new();
        {
            let mut states = home.states.borrow_mut();
            for i in 0..(MAX_ENDPOINTS + 5) {
                states.push(crate::test_support::st(
                    &format!("input_boolean.extra_{i:03}"),
                    "off",
                    json!({}),
                ));
            }
        }
        let doc: Value = serde_json::from_str(&explain(&home).expect("explained")).expect("json");
        assert_eq!(doc["endpoints"].as_u64(), Some(MAX_ENDPOINTS as u64));
        let dropped: Vec<&Value> = doc["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .filter(|e| e["outcome"] == "dropped")
            .collect();
        assert!(!dropped.is_empty());
        assert!(
            dropped
                .iter()
                .all(|e| e["rank"].as_u64() > Some(MAX_ENDPOINTS as u64))
        );
    }
}
