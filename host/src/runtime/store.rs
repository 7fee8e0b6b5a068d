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
///
/// The cap is on the sum of every linear memory of the instance (a component has one per
/// core module that defines one; the engine's pool allows four), not on each: wasmtime
/// asks once per memory, with `current` 0 when it is created, so the sum is kept here
/// from those deltas.
pub struct MemoryCap {
    pub max_bytes: usize,
    pub hit: bool,
    /// All linear memories together, now; they never shrink, so this is also the peak
    /// (for `--timings` and metrics).
    pub total_bytes: usize,
    /// What the last allowed growth added, taken back if the engine then refuses it.
    last_growth: usize,
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let wanted = self
            .total_bytes
            .saturating_add(desired.saturating_sub(current));
        if wanted > self.max_bytes {
            self.hit = true;
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} MiB exceeded (wanted {} MiB)",
                self.max_bytes >> 20,
                wanted >> 20
            )));
        }
        self.last_growth = wanted - self.total_bytes;
        self.total_bytes = wanted;
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        // Allowed above but refused by the engine (e.g. the memory's own maximum): not
        // grown after all. The guest sees memory.grow fail, as it would anywhere.
        self.total_bytes -= std::mem::take(&mut self.last_growth);
        tracing::debug!(error = %error, "linear memory growth failed");
        Ok(())
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
                total_bytes: 0,
                last_growth: 0,
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

#[cfg(test)]
mod tests {
    use wasmtime::ResourceLimiter;

    use super::MemoryCap;

    const MIB: usize = 1 << 20;

    fn cap(mib: usize) -> MemoryCap {
        MemoryCap {
            max_bytes: mib * MIB,
            hit: false,
            total_bytes: 0,
            last_growth: 0,
        }
    }

    #[test]
    fn the_cap_is_on_all_memories_together() {
        let mut cap = cap(32);
        assert!(cap.memory_growing(0, 20 * MIB, None).is_ok());
        assert!(
            cap.memory_growing(0, 20 * MIB, None).is_err(),
            "a second memory"
        );
        assert!(cap.hit);
        assert_eq!(cap.total_bytes, 20 * MIB);
        assert!(cap.memory_growing(20 * MIB, 30 * MIB, None).is_ok());
        assert_eq!(cap.total_bytes, 30 * MIB);
    }

    #[test]
    fn a_growth_the_engine_refuses_is_not_counted() {
        let mut cap = cap(32);
        assert!(cap.memory_growing(0, 4 * MIB, None).is_ok());
        assert!(cap.memory_growing(4 * MIB, 8 * MIB, None).is_ok());
        cap.memory_grow_failed(wasmtime::Error::msg("over the memory's maximum"))
            .expect("reported");
        assert_eq!(cap.total_bytes, 4 * MIB);
    }
}
