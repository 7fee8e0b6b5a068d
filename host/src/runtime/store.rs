//! What one invocation's Store holds: the capability contexts (the Store only projects
//! to them), the memory cap, and the sandboxed WASI context (no files, no environment,
//! no network, stderr captured).

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::capabilities::{Contexts, HasContexts};

/// Bytes of guest stderr kept for diagnostics (panic messages).
const STDERR_CAPTURE_BYTES: usize = 8 * 1024;

/// Caps linear memory and table growth; remembers when the cap was hit so a trap can be
/// reported as "memory limit" rather than a generic failure.
pub struct MemoryCap {
    pub max_bytes: usize,
    pub hit: bool,
    /// The largest linear memory the guest grew to (for `--timings` and metrics).
    pub peak_bytes: usize,
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.hit = true;
            self.peak_bytes = self.peak_bytes.max(current);
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} MiB exceeded (wanted {} MiB)",
                self.max_bytes >> 20,
                desired >> 20
            )));
        }
        self.peak_bytes = self.peak_bytes.max(desired);
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

/// The data of one Store.
pub struct StoreData {
    contexts: Contexts,
    pub memory: MemoryCap,
    stderr: MemoryOutputPipe,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl StoreData {
    pub fn new(contexts: Contexts, memory_bytes: usize) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE_BYTES);
        let wasi = WasiCtx::builder().stderr(stderr.clone()).build();
        Self {
            contexts,
            memory: MemoryCap {
                max_bytes: memory_bytes,
                hit: false,
                peak_bytes: 0,
            },
            stderr,
            wasi,
            table: ResourceTable::new(),
        }
    }

    /// The capability contexts, for the host after the call.
    pub fn into_contexts(self) -> Contexts {
        self.contexts
    }

    pub fn contexts_ref(&self) -> &Contexts {
        &self.contexts
    }

    /// What the guest wrote to stderr (a panic message, usually).
    pub fn captured_stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents())
            .trim()
            .to_string()
    }
}

impl HasContexts for StoreData {
    fn contexts(&mut self) -> &mut Contexts {
        &mut self.contexts
    }
}

impl WasiView for StoreData {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
