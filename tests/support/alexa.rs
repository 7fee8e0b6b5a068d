//! Helpers for the Alexa Smart Home end-to-end tests: invoke-and-validate, directives
//! with instances, error expectations, property lookup, discovery summaries.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::{Invocation, Lee, assert_alexa_valid, directive};

/// Invokes and validates against Amazon's schema; returns the whole invocation.
pub fn invoke(lee: &Lee, event: &Value) -> Invocation {
    let run = lee.invoke(event).expect("lee invoke");
    assert_eq!(run.status, 0, "lee failed: {}", run.stderr);
    assert_alexa_valid(&run.response);
    run
}

/// Sends a directive to `endpoint` (with an optional instance) and expects success.
pub fn send(
    lee: &Lee,
    ns: &str,
    name: &str,
    instance: Option<&str>,
    endpoint: &str,
    payload: Value,
) -> Value {
    let mut event = directive(ns, name, Some(endpoint), payload);
    if let Some(i) = instance {
        event["directive"]["header"]["instance"] = json!(i);
    }
    let response = invoke(lee, &event).response;
    assert_ne!(
        response["event"]["header"]["name"], "ErrorResponse",
        "{ns}.{name} on {endpoint}: {response}"
    );
    assert_eq!(
        response["event"]["header"]["correlationToken"],
        "test-correlation-token"
    );
    response
}

/// Sends a directive and expects an ErrorResponse of `kind` in `namespace`.
pub fn expect_error(lee: &Lee, event: &Value, namespace: &str, kind: &str) -> Value {
    let response = invoke(lee, event).response;
    assert_eq!(
        response["event"]["header"]["name"], "ErrorResponse",
        "{response}"
    );
    assert_eq!(
        response["event"]["header"]["namespace"], namespace,
        "{response}"
    );
    assert_eq!(response["event"]["payload"]["type"], kind, "{response}");
    response
}

/// The value of a context property in a response.
pub fn prop<'a>(response: &'a Value, namespace: &str, name: &str) -> &'a Value {
    response["context"]["properties"]
        .as_array()
        .and_then(|props| {
            props
                .iter()
                .find(|p| p["namespace"] == namespace && p["name"] == name)
        })
        .map(|p| &p["value"])
        .unwrap_or(&Value::Null)
}

/// A Discovery directive with the harness token.
pub fn discovery_event() -> Value {
    directive("Alexa.Discovery", "Discover", None, json!({}))
}

/// endpointId -> interfaces.
pub fn interfaces(response: &Value) -> BTreeMap<String, BTreeSet<String>> {
    per_endpoint(response, |e| {
        capabilities(e)
            .map(|c| c["interface"].as_str().unwrap_or_default().to_string())
            .collect()
    })
}

/// An endpoint's interfaces as `interface` or, for instanced ones, `interface:instance`.
pub fn instanced_interfaces(endpoint: &Value) -> BTreeSet<String> {
    capabilities(endpoint)
        .map(|c| {
            let interface = c["interface"].as_str().unwrap_or_default();
            match c["instance"].as_str() {
                Some(i) => format!("{interface}:{i}"),
                None => interface.to_string(),
            }
        })
        .collect()
}

/// endpointId -> what `of` makes of the endpoint, for every endpoint of a Discovery
/// response.
pub fn per_endpoint<T>(response: &Value, of: impl Fn(&Value) -> T) -> BTreeMap<String, T> {
    response["event"]["payload"]["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["endpointId"].as_str().unwrap_or_default().to_string(),
                of(e),
            )
        })
        .collect()
}

fn capabilities(endpoint: &Value) -> impl Iterator<Item = &Value> {
    endpoint["capabilities"].as_array().into_iter().flatten()
}
