//! The one wasmtime engine of the process: component model, pooling allocator, epoch
//! interruption driven by a ticker thread. `.cwasm` artifacts are only valid for an
//! engine with this exact configuration (and this wasmtime version).

use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; deadlines are rounded up to whole ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The largest linear memory any component may be configured with.
pub const MAX_MEMORY_BYTES: usize = 1 << 30;

/// Builds the engine configuration shared by the runtime and `lee precompile`.
pub fn engine_config() -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(32);
    pool.total_core_instances(256);
    pool.total_memories(32);
    pool.total_tables(128);
    pool.max_memories_per_component(4);
    pool.max_memory_size(MAX_MEMORY_BYTES);
    pool.total_stacks(32);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// Creates the engine and starts its epoch ticker (once per process).
pub fn new_engine() -> anyhow::Result<Engine> {
    let engine = Engine::new(&engine_config())
        .map_err(|e| anyhow::anyhow!("cannot create the wasmtime engine: {e}"))?;
    start_ticker(&engine);
    Ok(engine)
}

fn start_ticker(engine: &Engine) {
    // The thread holds only a weak reference and ends when the engine is dropped.
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("lee-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the epoch ticker; deadlines will not fire");
    }
}

/// Epoch ticks for a wall-clock budget (at least one).
pub fn ticks_for(budget: Duration) -> u64 {
    (budget.as_micros() / EPOCH_TICK.as_micros()).max(1) as u64 + 1
}
