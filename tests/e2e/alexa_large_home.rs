//! Alexa Smart Home on a large home: the synthetic harness Home Assistant with 1,000
//! YAML entities (`LEE_HA_HOME=synthetic tests/ha/ha.sh start`). Discovery keeps Amazon's
//! limit of 300 endpoints with a deterministic, logged choice; kept and dropped together
//! cover every endpoint Home Assistant's own Alexa integration offers for the instance;
//! the answer is schema-valid; a state report reads the real state.

use std::collections::BTreeSet;

use lee_e2e::alexa::{interfaces, invoke, prop};
use lee_e2e::{HomeAssistant, Invocation, Lee, directive_with_token};
use serde_json::{Value, json};

const MAX_ENDPOINTS: usize = 300;

/// Directives carry the synthetic home's token (Alexa's bearer token comes first).
fn discovery_event() -> Value {
    let token = &HomeAssistant::synthetic().token;
    directive_with_token("Alexa.Discovery", "Discover", None, json!({}), token)
}

fn endpoint_ids(response: &Value) -> Vec<String> {
    response["event"]["payload"]["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["endpointId"].as_str().map(str::to_string))
        .collect()
}

/// The component's "dropped" warnings (one list in parts): (count, dropped entity ids).
fn dropped(run: &Invocation) -> (usize, Vec<String>) {
    let mut count = None;
    let mut ids = Vec::new();
    for line in run
        .stderr
        .lines()
        .filter(|l| l.contains("more endpoints than Alexa accepts"))
    {
        let outer: Value = serde_json::from_str(line).expect("a JSON log line");
        let fields: Value = outer["fields"]["fields"]
            .as_str()
            .and_then(|f| serde_json::from_str(f).ok())
            .unwrap_or_else(|| panic!("no guest fields in {line}"));
        count = fields["count"].as_str().and_then(|c| c.parse().ok());
        let part = fields["dropped"].as_str().unwrap_or_default();
        assert!(!part.contains("clipped"), "a part was clipped: {line}");
        ids.extend(part.split(',').map(str::to_string));
    }
    let count = count.unwrap_or_else(|| panic!("no 'dropped' warning in: {}", run.stderr));
    (count, ids)
}

#[test]
fn discovery_of_a_thousand_entities_keeps_300_deterministically() {
    let ha = HomeAssistant::synthetic();
    let states = ha.states().expect("states");
    assert!(states.len() >= 1_000, "{} states", states.len());
    let lee = Lee::dist_against(ha);

    let first = invoke(&lee, &discovery_event());
    let kept = endpoint_ids(&first.response);
    assert_eq!(kept.len(), MAX_ENDPOINTS);
    assert_eq!(
        kept.iter().collect::<BTreeSet<_>>().len(),
        MAX_ENDPOINTS,
        "endpoint ids are unique"
    );
    // Controllable devices win over helpers and sensors: with more than 300 lights,
    // switches, covers, fans and locks, nothing else survives.
    let controllable = ["light#", "switch#", "cover#", "fan#", "lock#"];
    for id in &kept {
        assert!(
            controllable.iter().any(|p| id.starts_with(p)),
            "{id} kept while devices were dropped"
        );
    }
    let (count, dropped_ids) = dropped(&first);
    assert_eq!(count, dropped_ids.len());
    assert!(count > 500, "only {count} dropped");
    let dropped_endpoints: BTreeSet<String> = dropped_ids
        .iter()
        .map(|e| e.replacen('.', "#", 1))
        .collect();
    assert!(kept.iter().all(|id| !dropped_endpoints.contains(id)));

    // The same home gives the same answer, in the same order.
    let second = invoke(&lee, &discovery_event());
    assert_eq!(endpoint_ids(&second.response), kept);
    assert_eq!(dropped(&second).1, dropped_ids);

    // Everything Home Assistant's own integration offers is either kept or dropped
    // (logged) by lee; nothing is silently lost.
    let theirs = ha
        .post("/api/alexa/smart_home", &discovery_event())
        .expect("Home Assistant's own discovery");
    let theirs = interfaces(&theirs);
    assert!(theirs.len() > MAX_ENDPOINTS, "HA offers {}", theirs.len());
    let ours: BTreeSet<&String> = kept.iter().chain(dropped_endpoints.iter()).collect();
    let lost: Vec<&String> = theirs
        .iter()
        .filter(|(_, caps)| {
            caps.iter()
                .any(|c| c != "Alexa" && c != "Alexa.EndpointHealth")
        })
        .map(|(id, _)| id)
        .filter(|id| !ours.contains(id))
        .collect();
    assert!(lost.is_empty(), "neither kept nor dropped: {lost:?}");
}

#[test]
fn state_reports_read_the_large_home() {
    let ha = HomeAssistant::synthetic();
    let lee = Lee::dist_against(ha);
    let state = ha.state("cover.syn_cover_0005").expect("cover");
    let position = state["attributes"]["current_position"]
        .as_f64()
        .expect("a position");
    let run = invoke(
        &lee,
        &directive_with_token(
            "Alexa",
            "ReportState",
            Some("cover#syn_cover_0005"),
            json!({}),
            &ha.token,
        ),
    );
    assert_eq!(run.response["event"]["header"]["name"], "StateReport");
    let reported = run.response["context"]["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["namespace"] == "Alexa.RangeController" && p["instance"] == "cover.position")
        .unwrap_or_else(|| panic!("no cover.position in {}", run.response));
    assert_eq!(reported["value"].as_f64(), Some(position));
    assert_eq!(
        prop(&run.response, "Alexa.EndpointHealth", "connectivity")["value"],
        "OK"
    );
}
