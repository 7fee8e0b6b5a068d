//! What one component invocation's Store holds: who is calling (component, request),
//! what it may do (grants), where the host capabilities are, the deadline, and the
//! sandboxed WASI context (no files, no environment, no network, stderr captured).

use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::capabilities::Capabilities;
use crate::capabilities::grants::Grants;
use crate::capabilities::home_assistant::{CallContext, CallStats, HaError};
use crate::capabilities::metrics::MetricBatch;
use crate::settings::Secret;

/// Bytes of guest stderr kept for diagnostics (panic messages).
const STDERR_CAPTURE_BYTES: usize = 8 * 1024;

/// Caps linear memory and table growth; remembers when the cap was hit so a trap can be
/// reported as "memory limit" rather than a generic failure.
pub struct MemoryCap {
    pub max_bytes: usize,
    pub hit: bool,
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.hit = true;
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} MiB exceeded (wanted {} MiB)",
                self.max_bytes >> 20,
                desired >> 20
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// Per-invocation identity and limits handed to the Store.
pub struct InvocationScope {
    pub component_id: Arc<str>,
    pub request_id: Arc<str>,
    pub grants: Arc<Grants>,
    pub config: Arc<serde_json::Map<String, serde_json::Value>>,
    /// The bearer token from the request, if it carried one. Never given to the guest.
    pub request_token: Option<Secret>,
    pub deadline: Instant,
    pub memory_bytes: usize,
}

/// The data of one Store.
pub struct HostState {
    pub scope: InvocationScope,
    pub capabilities: Arc<Capabilities>,
    pub stats: Arc<CallStats>,
    pub memory: MemoryCap,
    pub stderr: MemoryOutputPipe,
    /// Metrics the guest recorded during this invocation.
    pub metrics: MetricBatch,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl HostState {
    pub fn new(
        scope: InvocationScope,
        capabilities: Arc<Capabilities>,
        stats: Arc<CallStats>,
    ) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE_BYTES);
        let wasi = WasiCtx::builder().stderr(stderr.clone()).build();
        Self {
            memory: MemoryCap {
                max_bytes: scope.memory_bytes,
                hit: false,
            },
            scope,
            capabilities,
            stats,
            stderr,
            metrics: MetricBatch::default(),
            wasi,
            table: ResourceTable::new(),
        }
    }

    /// The Home Assistant call context (token + deadline), or why there is none.
    pub fn ha_context(&self) -> Result<CallContext<'_>, HaError> {
        let token = self
            .capabilities
            .home_assistant
            .choose_token(self.scope.request_token.as_ref())
            .ok_or(HaError::NotConfigured)?;
        Ok(CallContext {
            token,
            deadline: self.scope.deadline,
            stats: &self.stats,
        })
    }

    /// Logs a refused call with the component and request it came from.
    pub fn log_denied(&self, what: &str) {
        tracing::warn!(
            component = %self.scope.component_id,
            request_id = %self.scope.request_id,
            denied = what,
            "component call refused by its grants"
        );
    }

    /// What the guest wrote to stderr (a panic message, usually).
    pub fn captured_stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents())
            .trim()
            .to_string()
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
