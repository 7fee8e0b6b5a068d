//! The shape every host capability has, after wasmtime's capability crates (a context
//! type implements the generated `Host` trait; the Store only projects to it) and
//! Spin's factors (each capability owns its configuration, its grant, its per-instance
//! state and its validation):
//!
//! - process-wide state, built once from the host settings ([`Capability::new`]);
//! - its part of `[component.grants]` ([`Capability::Grant`], with its own checks);
//! - what one loaded component shares between invocations ([`Capability::prepare`]);
//! - a per-invocation context implementing the interface ([`Capability::context`]);
//! - its link function and its health description.
//!
//! The table in [`super`] lists the capabilities; nothing else names them one by one.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wasmtime::component::Linker;

use crate::settings::{Secret, Settings};

/// Where metrics go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsSink {
    /// Print CloudWatch EMF lines on stdout (Lambda's log stream).
    Emf,
    /// Count only.
    Discard,
}

/// What capabilities are built from.
pub struct Init<'a> {
    pub settings: &'a Settings,
    pub metrics_sink: MetricsSink,
}

/// The component a capability prepares for.
pub struct ComponentInfo<'a> {
    pub id: &'a str,
    /// The manifest's `[component.config]` table.
    pub config: &'a toml::Table,
}

/// Who is calling, until when: one invocation.
#[derive(Debug)]
pub struct Scope {
    pub component_id: Arc<str>,
    pub request_id: Arc<str>,
    /// The latest moment a host call may still finish.
    pub deadline: Instant,
    /// The bearer token the request carried. Never given to the guest.
    pub request_token: Option<Secret>,
    /// The X-Ray subsegment of this component run, when the invocation is sampled: the
    /// parent of each Home Assistant call's subsegment.
    pub trace: Option<crate::aws::xray::Parent>,
}

impl Scope {
    /// Logs a call the grants refused, with the component and request it came from, and
    /// returns the sentence the guest gets back in its `denied` error.
    pub fn deny(&self, what: &str, why: &str) -> String {
        tracing::warn!(
            component = %self.component_id,
            request_id = %self.request_id,
            denied = what,
            "component call refused by its grants"
        );
        format!("component {} is not granted {why}", self.component_id)
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// How an invocation ended, for capabilities that act afterwards (metrics).
pub struct Report {
    pub failed: bool,
    pub guest: Duration,
    pub ha_calls: u32,
}

/// One capability's part of `[component.grants]`.
pub trait Grant:
    Default + Clone + Debug + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The grant keys this capability reads.
    const KEYS: &'static [&'static str];

    /// Malformed entries, one sentence each.
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }
}

/// For capabilities every component gets (log, metrics, config).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoGrant {}

impl Grant for NoGrant {
    const KEYS: &'static [&'static str] = &[];
}

/// A host capability: one WIT interface and everything the host needs to offer it.
pub trait Capability: Sized + Send + Sync + 'static {
    /// The WIT interface, without the package version (`lee:gateway/http`).
    const INTERFACE: &'static str;
    type Grant: Grant;
    /// What one loaded component's invocations share.
    type Prepared: Send + Sync + 'static;
    /// One invocation's context: implements the interface's generated `Host` trait.
    type Ctx: Send + 'static;

    fn new(init: &Init<'_>) -> anyhow::Result<Self>;

    /// Does this grant allow any use of the interface? (It is linked either way; without
    /// a grant every call answers `denied`. `lee components` shows such imports.)
    fn granted(grant: &Self::Grant) -> bool;

    /// Adds the interface to `linker`; `project` finds this capability's context in the
    /// Store data.
    fn add_to_linker<T: Send + 'static>(
        linker: &mut Linker<T>,
        project: fn(&mut T) -> &mut Self::Ctx,
    ) -> wasmtime::Result<()>;

    /// At load time: what the component's invocations share (its grant, its config).
    fn prepare(
        &self,
        component: &ComponentInfo<'_>,
        grant: &Self::Grant,
    ) -> Result<Self::Prepared, String>;

    /// At the start of an invocation.
    fn context(self: &Arc<Self>, prepared: &Self::Prepared, scope: &Arc<Scope>) -> Self::Ctx;

    /// After the invocation, with what the context gathered.
    fn finish(&self, _ctx: Self::Ctx, _report: &Report) {}

    /// For the health event.
    fn describe(&self) -> Value {
        Value::Null
    }
}
