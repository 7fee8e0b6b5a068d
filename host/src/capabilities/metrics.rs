//! The metrics capability (`lee:gateway/metrics`) and the host's own per-invocation
//! metrics. In Lambda each invocation's metrics are written as CloudWatch Embedded
//! Metric Format lines; locally they are only counted (the CLI's stdout carries the
//! response alone).
//!
//! The host's samples travel in their own batch, so a guest can neither push them out
//! (it has its own sample budget) nor shadow them (a guest metric named like a
//! dimension is refused). Names and dimensions are clipped to CloudWatch's limits.

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

/// Samples one batch holds (CloudWatch takes at most 100 metrics per EMF document).
pub const MAX_SAMPLES: usize = 100;
/// Longest metric or dimension name kept.
pub const MAX_NAME: usize = 128;
/// Longest dimension value kept.
pub const MAX_DIMENSION_VALUE: usize = 256;
/// Dimensions a guest sample may carry (the host adds `component`).
pub const MAX_GUEST_DIMENSIONS: usize = 8;

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl MetricBatch {
    /// Adds a sample; `false` when it was dropped (batch full, value not finite).
    pub fn push(
        &mut self,
        name: &str,
        value: f64,
        unit: &str,
        dimensions: BTreeMap<String, String>,
    ) -> bool {
        if self.samples.len() >= MAX_SAMPLES || !value.is_finite() {
            return false;
        }
        self.samples.push(Sample {
            name: clip(name, MAX_NAME),
            value,
            unit: unit.to_string(),
            dimensions: dimensions
                .into_iter()
                .map(|(k, v)| (clip(&k, MAX_NAME), clip(&v, MAX_DIMENSION_VALUE)))
                .collect(),
        });
        true
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// CloudWatch EMF lines, one per distinct dimension set; `properties` are added to
    /// each line as plain fields (not dimensions).
    pub fn to_emf(
        &self,
        namespace: &str,
        timestamp_ms: u128,
        properties: &[(&str, &str)],
    ) -> Vec<String> {
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
                for (k, v) in properties {
                    doc.entry(k.to_string()).or_insert_with(|| json!(v));
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
    /// The manifest's config version, named on every EMF line.
    config_version: std::sync::Mutex<String>,
}

impl Metrics {
    pub fn new(sink: MetricsSink) -> Self {
        Self {
            sink,
            emitted: AtomicU64::new(0),
            config_version: std::sync::Mutex::new(String::new()),
        }
    }

    /// Names `version` on every EMF line from now on (set at start and at each reload).
    pub fn set_config_version(&self, version: String) {
        *self
            .config_version
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = version;
    }

    pub fn emit(&self, batch: &MetricBatch) {
        self.emitted.fetch_add(batch.samples.len() as u64, Relaxed);
        if self.sink == MetricsSink::Emf {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0);
            let version = self
                .config_version
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            let mut out = std::io::stdout().lock();
            for line in batch.to_emf("lee", now, &[("config_version", &version)]) {
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

    fn granted(_: &NoGrant) -> bool {
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
            request_id: scope.request_id.clone(),
            batch: MetricBatch::default(),
            dropped: 0,
        }
    }

    /// Adds the host's own metrics to what the guest recorded and emits them.
    /// Emits the host's own metrics (in their own batch) and what the guest recorded.
    fn finish(&self, ctx: MetricsCtx, report: &Report) {
        let dimensions: BTreeMap<String, String> =
            [("component".to_string(), ctx.component.to_string())].into();
        let failed = if report.failed { 1.0 } else { 0.0 };
        let mut host = MetricBatch::default();
        host.push("Invocations", 1.0, "Count", dimensions.clone());
        host.push("Failures", failed, "Count", dimensions.clone());
        host.push(
            "HaCalls",
            f64::from(report.ha_calls),
            "Count",
            dimensions.clone(),
        );
        host.push(
            "GuestMs",
            report.guest.as_secs_f64() * 1000.0,
            "Milliseconds",
            dimensions,
        );
        self.emit(&host);
        if !ctx.batch.is_empty() {
            self.emit(&ctx.batch);
        }
        if ctx.dropped > 0 {
            tracing::warn!(
                component = %ctx.component,
                request_id = %ctx.request_id,
                dropped = ctx.dropped,
                "component metrics beyond {MAX_SAMPLES} samples per invocation, or named like a dimension, were dropped"
            );
        }
    }

    fn describe(&self) -> Value {
        json!({"emitted": self.emitted()})
    }
}

/// One invocation's metrics context: what the guest recorded.
pub struct MetricsCtx {
    component: Arc<str>,
    request_id: Arc<str>,
    batch: MetricBatch,
    dropped: u64,
}

impl MetricsCtx {
    fn metric(&mut self, name: &str, value: f64, unit: &str, dimensions: Vec<(String, String)>) {
        let mut dims: BTreeMap<String, String> = dimensions
            .into_iter()
            .filter(|(k, _)| !k.is_empty() && k != "component")
            .take(MAX_GUEST_DIMENSIONS)
            .collect();
        dims.insert("component".into(), self.component.to_string());
        // In an EMF document metric names and dimension names share one object.
        let shadows = name.is_empty() || name.starts_with("_aws") || dims.contains_key(name);
        if shadows || !self.batch.push(name, value, unit, dims) {
            self.dropped += 1;
        }
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
        assert!(!batch.push("Bad", f64::NAN, "Count", BTreeMap::new()));
        let lines = batch.to_emf("lee", 1, &[]);
        assert_eq!(lines.len(), 1);
        let doc: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(doc["ScriptsRun"], json!(1.0));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["component"]])
        );
    }

    #[test]
    fn batches_are_bounded_and_clipped() {
        let mut batch = MetricBatch::default();
        let long: BTreeMap<String, String> = [("k".repeat(300), "v".repeat(200_000))].into();
        assert!(batch.push(&"n".repeat(500), 1.0, "Count", long));
        let line = &batch.to_emf("lee", 1, &[])[0];
        assert!(line.len() < 2_000, "{} bytes", line.len());
        for _ in 0..MAX_SAMPLES * 2 {
            batch.push("x", 1.0, "Count", BTreeMap::new());
        }
        assert_eq!(batch.len(), MAX_SAMPLES);
    }
}
