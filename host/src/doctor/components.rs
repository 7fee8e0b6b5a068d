//! The component checks: the manifest is consistent, each component loads (verified,
//! deserialised for this engine and CPU, linked) exactly as an invocation would load it,
//! and what it imports against what its grants allow; then the discovery explanation,
//! which the `alexa-smart-home` component computes itself (route
//! `lee:explain-discovery`) so it can never disagree with the Discovery it answers.

use std::time::Instant;

use serde_json::{Value, json};

use super::report::{Check, Report, Status};
use crate::gateway::Gateway;
use crate::runtime::loader;
use crate::runtime::registry::ComponentRegistry;

/// The route whose component explains Discovery.
pub const EXPLAIN_ROUTE: &str = "lee:explain-discovery";

pub fn checks(report: &mut Report, registry: &ComponentRegistry) {
    let manifest = registry.manifest();
    for problem in manifest.problems() {
        report
            .checks
            .push(Check::new("manifest", Status::Fail, problem));
    }
    let mut loaded = Vec::new();
    let mut rows = Vec::new();
    for entry in &manifest.components {
        let started = Instant::now();
        match loader::load(registry.engine(), registry.capabilities(), manifest, entry) {
            Ok(component) => {
                let denied = loader::ungranted_imports(&component.imports, &entry.grants);
                rows.push(json!({
                    "id": entry.id,
                    "file": entry.file,
                    "target": entry.target,
                    "compatibility_hash": entry.compatibility_hash,
                    "load_ms": started.elapsed().as_secs_f64() * 1000.0,
                    "imports": component.imports,
                    "denied_imports": denied,
                }));
                if !denied.is_empty() {
                    report.checks.push(Check::new(
                        "grants",
                        Status::Warn,
                        format!(
                            "{} imports {} without a grant: every call answers denied (grant it \
                             in lee.toml if the component needs it)",
                            entry.id,
                            denied.join(", ")
                        ),
                    ));
                }
                loaded.push(entry.id.as_str());
            }
            Err(e) => {
                rows.push(json!({"id": entry.id, "file": entry.file, "error": e.to_string()}));
                report.checks.push(Check::new(
                    "component",
                    Status::Fail,
                    format!("{}: {e}", entry.id),
                ));
            }
        }
    }
    let total = manifest.components.len();
    let status = if loaded.len() == total && total > 0 {
        Status::Ok
    } else {
        Status::Fail
    };
    report.checks.push(
        Check::new(
            "components",
            status,
            format!(
                "{} of {total} load for {} from {}",
                loaded.len(),
                crate::runtime::engine::HOST_TARGET,
                manifest.path().display()
            ),
        )
        .with(json!({"components": rows})),
    );
}

/// Runs the discovery explanation through the gateway (the component serving
/// [`EXPLAIN_ROUTE`], with the configured token) and summarises it.
pub async fn discovery(report: &mut Report, gateway: &Gateway, deadline: Instant) {
    if gateway.registry().resolve(EXPLAIN_ROUTE).is_none() {
        report.checks.push(Check::new(
            "discovery",
            Status::Skip,
            format!("no component serves {EXPLAIN_ROUTE} (alexa-smart-home is not installed)"),
        ));
        return;
    }
    let response = gateway.explain(EXPLAIN_ROUTE, deadline).await.json();
    let Some(entities) = response["entities"].as_array() else {
        let why = response["error"]
            .as_str()
            .map_or_else(|| response.to_string(), str::to_string);
        report.checks.push(Check::new(
            "discovery",
            Status::Fail,
            format!("the explanation failed: {why}"),
        ));
        return;
    };
    let endpoints = response["endpoints"].as_u64().unwrap_or(0);
    let counts = &response["counts"];
    let summary: Vec<String> = counts
        .as_object()
        .map(|c| c.iter().map(|(k, v)| format!("{v} {k}")).collect())
        .unwrap_or_default();
    let dropped = counts["dropped"].as_u64().unwrap_or(0);
    let status = if endpoints == 0 {
        Status::Fail
    } else if dropped > 0 || !response["registry_error"].is_null() {
        Status::Warn
    } else {
        Status::Ok
    };
    let mut detail = format!(
        "{endpoints} endpoints from {} entities ({})",
        entities.len(),
        summary.join(", ")
    );
    if endpoints == 0 {
        detail.push_str(": Alexa will find no devices; see why per entity below");
    }
    if let Some(error) = response["registry_error"].as_str() {
        detail.push_str(&format!(
            "; the entity registry could not be read ({error}): hidden entities are not \
             told apart"
        ));
    }
    report.checks.push(Check::new("discovery", status, detail));
    report.discovery = Some(response);
}

/// The explanation's rows as `(entity, outcome, detail)` for the table.
pub fn rows(discovery: &Value) -> Vec<(String, String, String)> {
    discovery["entities"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|e| {
                    let detail = match e.get("endpoint") {
                        Some(endpoint) => format!(
                            "#{} \"{}\" {} [{}]",
                            e["rank"],
                            endpoint["friendly_name"].as_str().unwrap_or_default(),
                            endpoint["display_categories"]
                                .as_array()
                                .map(|c| {
                                    c.iter()
                                        .filter_map(Value::as_str)
                                        .collect::<Vec<_>>()
                                        .join(",")
                                })
                                .unwrap_or_default(),
                            endpoint["interfaces"]
                                .as_array()
                                .map(|i| {
                                    i.iter()
                                        .filter_map(Value::as_str)
                                        .map(|n| n.trim_start_matches("Alexa."))
                                        .filter(|n| *n != "Alexa" && *n != "EndpointHealth")
                                        .collect::<Vec<_>>()
                                        .join(" ")
                                })
                                .unwrap_or_default()
                        ),
                        None => e["reason"].as_str().unwrap_or_default().to_string(),
                    };
                    (
                        e["entity_id"].as_str().unwrap_or_default().to_string(),
                        e["outcome"].as_str().unwrap_or_default().to_string(),
                        detail,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
