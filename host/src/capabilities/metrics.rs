//! `lee:gateway/metrics` and the host's own metrics. In Lambda each invocation's metrics
//! are written as one CloudWatch Embedded Metric Format line; locally they are only
//! counted (the CLI's stdout carries the response alone).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::runtime::bindings::lee::gateway::metrics as wit;
use crate::runtime::state::HostState;

/// Metric samples gathered during one invocation.
#[derive(Debug, Default, Clone)]
pub struct MetricBatch {
    samples: Vec<Sample>,
}

#[derive(Debug, Clone)]
struct Sample {
    name: String,
    value: f64,
    unit: String,
    dimensions: BTreeMap<String, String>,
}

const MAX_SAMPLES: usize = 100;

impl MetricBatch {
    pub fn push(
        &mut self,
        name: &str,
        value: f64,
        unit: &str,
        dimensions: BTreeMap<String, String>,
    ) {
        if self.samples.len() < MAX_SAMPLES && value.is_finite() {
            self.samples.push(Sample {
                name: name.chars().take(128).collect(),
                value,
                unit: unit.to_string(),
                dimensions,
            });
        }
    }

    /// CloudWatch EMF lines, one per distinct dimension set.
    pub fn to_emf(&self, namespace: &str, timestamp_ms: u128) -> Vec<String> {
        let mut groups: BTreeMap<Vec<(String, String)>, Vec<&Sample>> = BTreeMap::new();
        for s in &self.samples {
            groups
                .entry(s.dimensions.clone().into_iter().collect())
                .or_default()
                .push(s);
        }
        groups
            .into_iter()
            .map(|(dims, samples)| {
                let mut doc = serde_json::Map::new();
                let mut definitions = Vec::new();
                for s in &samples {
                    doc.insert(s.name.clone(), json!(s.value));
                    definitions.push(json!({"Name": s.name, "Unit": s.unit}));
                }
                let names: Vec<&String> = dims.iter().map(|(k, _)| k).collect();
                for (k, v) in &dims {
                    doc.insert(k.clone(), json!(v));
                }
                doc.insert(
                    "_aws".into(),
                    json!({
                        "Timestamp": timestamp_ms as u64,
                        "CloudWatchMetrics": [{
                            "Namespace": namespace,
                            "Dimensions": [names],
                            "Metrics": definitions,
                        }]
                    }),
                );
                Value::Object(doc).to_string()
            })
            .collect()
    }
}

/// Where metrics go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsSink {
    /// Print EMF lines on stdout (Lambda's log stream).
    Emf,
    /// Count only.
    Discard,
}

/// Process-wide metrics state.
pub struct Metrics {
    sink: MetricsSink,
    emitted: Mutex<u64>,
}

impl Metrics {
    pub fn new(sink: MetricsSink) -> Self {
        Self {
            sink,
            emitted: Mutex::new(0),
        }
    }

    pub fn emit(&self, batch: &MetricBatch) {
        let mut emitted = self.emitted.lock().unwrap_or_else(|p| p.into_inner());
        *emitted += batch.samples.len() as u64;
        if self.sink == MetricsSink::Emf {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0);
            let mut out = std::io::stdout().lock();
            for line in batch.to_emf("lee", now) {
                let _ = writeln!(out, "{line}");
            }
        }
    }

    pub fn emitted(&self) -> u64 {
        *self.emitted.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl HostState {
    fn metric(&mut self, name: &str, value: f64, unit: &str, dimensions: Vec<(String, String)>) {
        let mut dims: BTreeMap<String, String> = dimensions.into_iter().take(8).collect();
        dims.insert("component".into(), self.scope.component_id.to_string());
        self.metrics.push(name, value, unit, dims);
    }
}

impl wit::Host for HostState {
    fn counter(&mut self, name: String, value: f64, dimensions: Vec<(String, String)>) {
        self.metric(&name, value, "Count", dimensions);
    }

    fn histogram(
        &mut self,
        name: String,
        value: f64,
        unit: String,
        dimensions: Vec<(String, String)>,
    ) {
        let unit = match unit.as_str() {
            "Milliseconds" | "Microseconds" | "Seconds" | "Bytes" | "Count" | "Percent" => unit,
            _ => "None".to_string(),
        };
        self.metric(&name, value, &unit, dimensions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_groups_by_dimensions() {
        let mut batch = MetricBatch::default();
        let dims: BTreeMap<String, String> =
            [("component".to_string(), "scripts".to_string())].into();
        batch.push("ScriptsRun", 1.0, "Count", dims.clone());
        batch.push("Latency", 2.5, "Milliseconds", dims);
        batch.push("Bad", f64::NAN, "Count", BTreeMap::new());
        let lines = batch.to_emf("lee", 1);
        assert_eq!(lines.len(), 1);
        let doc: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(doc["ScriptsRun"], json!(1.0));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["component"]])
        );
    }
}
