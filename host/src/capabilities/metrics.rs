//! The metrics capability (`lee:gateway/metrics`) and the host's own per-invocation
//! metrics. In Lambda each invocation's metrics are written as CloudWatch Embedded
//! Metric Format lines; locally they are only counted (the CLI's stdout carries the
//! response alone).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde_json::{Value, json};
use wasmtime::component::{HasSelf, Linker};

pub use super::shape::MetricsSink;
use super::shape::{Capability, ComponentInfo, Init, NoGrant, Report, Scope};
use crate::bindings::gateway::metrics as wit;

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

/// Process-wide metrics state.
pub struct Metrics {
    sink: MetricsSink,
    emitted: AtomicU64,
}

impl Metrics {
    pub fn new(sink: MetricsSink) -> Self {
        Self {
            sink,
            emitted: AtomicU64::new(0),
        }
    }

    pub fn emit(&self, batch: &MetricBatch) {
        self.emitted.fetch_add(batch.samples.len() as u64, Relaxed);
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
        self.emitted.load(Relaxed)
    }
}

impl Capability for Metrics {
    const INTERFACE: &'static str = "lee:gateway/metrics";
    type Grant = NoGrant;
    type Prepared = ();
    type Ctx = MetricsCtx;

    fn new(init: &Init<'_>) -> anyhow::Result<Self> {
        Ok(Metrics::new(init.metrics_sink))
    }

    fn linked(_: &NoGrant) -> bool {
        true
    }

    fn add_to_linker<T: Send + 'static>(
        linker: &mut Linker<T>,
        project: fn(&mut T) -> &mut MetricsCtx,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasSelf<MetricsCtx>>(linker, project)
    }

    fn prepare(&self, _: &ComponentInfo<'_>, _: &NoGrant) -> Result<(), String> {
        Ok(())
    }

    fn context(self: &Arc<Self>, _: &(), scope: &Arc<Scope>) -> MetricsCtx {
        MetricsCtx {
            component: scope.component_id.clone(),
            batch: MetricBatch::default(),
        }
    }

    /// Adds the host's own metrics to what the guest recorded and emits them.
    fn finish(&self, mut ctx: MetricsCtx, report: &Report) {
        let dimensions: BTreeMap<String, String> =
            [("component".to_string(), ctx.component.to_string())].into();
        let failed = if report.failed { 1.0 } else { 0.0 };
        let batch = &mut ctx.batch;
        batch.push("Invocations", 1.0, "Count", dimensions.clone());
        batch.push("Failures", failed, "Count", dimensions.clone());
        batch.push(
            "HaCalls",
            f64::from(report.ha_calls),
            "Count",
            dimensions.clone(),
        );
        batch.push(
            "GuestMs",
            report.guest.as_secs_f64() * 1000.0,
            "Milliseconds",
            dimensions,
        );
        self.emit(batch);
    }

    fn describe(&self) -> Value {
        json!({"emitted": self.emitted()})
    }
}

/// One invocation's metrics context: what the guest recorded.
pub struct MetricsCtx {
    component: Arc<str>,
    batch: MetricBatch,
}

impl MetricsCtx {
    fn metric(&mut self, name: &str, value: f64, unit: &str, dimensions: Vec<(String, String)>) {
        let mut dims: BTreeMap<String, String> = dimensions.into_iter().take(8).collect();
        dims.insert("component".into(), self.component.to_string());
        self.batch.push(name, value, unit, dims);
    }
}

impl wit::Host for MetricsCtx {
    async fn counter(&mut self, name: String, value: f64, dimensions: Vec<(String, String)>) {
        self.metric(&name, value, "Count", dimensions);
    }

    async fn histogram(
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
