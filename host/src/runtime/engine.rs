//! The one wasmtime engine of the process: component model, pooling allocator, epoch
//! interruption driven by a ticker thread. `.cwasm` artifacts are only valid for an
//! engine with this exact configuration (and this wasmtime version) on the target they
//! were compiled for; `lee precompile` always names that target explicitly, so wasmtime
//! compiles for the target's baseline CPU and never for the build machine's own features.

use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; deadlines are rounded up to whole ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The largest linear memory any component may be configured with.
pub const MAX_MEMORY_BYTES: usize = 1 << 30;

/// The target triple this lee was built for (`x86_64-unknown-linux-gnu`, ...).
pub const HOST_TARGET: &str = env!("LEE_TARGET");

/// The targets `lee precompile --target` compiles for (what Lambda runs).
pub const TARGETS: [&str; 2] = ["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu"];

/// Does this lee carry the compiler (the `compiler` feature: the full CLI, not the
/// Lambda bootstrap)?
pub const HAS_COMPILER: bool = cfg!(feature = "compiler");

/// Builds the engine configuration shared by the runtime and `lee precompile`.
pub fn engine_config() -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    // No native-address -> wasm-offset tables in the artifacts (about a fifth of a .cwasm):
    // a trap still names the component and the function (from the name section).
    config.generate_address_map(false);
    // No .eh_frame for the guests' code either: wasmtime walks wasm frames by frame
    // pointer and does not need it; it only costs bytes and registration at load.
    config.native_unwind_info(false);
    #[cfg(feature = "compiler")]
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

/// The configuration `lee precompile --target TARGET` compiles with: the runtime's, with
/// the target set explicitly (so Cranelift uses the target's baseline features, never
/// the features it would detect on this machine).
#[cfg(feature = "compiler")]
pub fn compile_config(target: &str) -> anyhow::Result<Config> {
    if !TARGETS.contains(&target) {
        anyhow::bail!(
            "unsupported target {target:?}: lee precompiles for {}",
            TARGETS.join(" or ")
        );
    }
    let mut config = engine_config();
    config
        .target(target)
        .map_err(|e| anyhow::anyhow!("target {target}: {e}"))?;
    Ok(config)
}

/// Wasmtime's compatibility hash of `engine` (target, compiler and ISA flags, tunables,
/// wasm features, wasmtime version) as 16 hex digits: two engines with the same value
/// load each other's artifacts.
#[cfg(feature = "compiler")]
pub fn compatibility_hash(engine: &Engine) -> String {
    use std::hash::Hash;
    let mut hasher = Blake3Hasher(blake3::Hasher::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.0.finalize().to_hex()[..16].to_string()
}

/// The compatibility hash artifacts precompiled by this lee for `target` carry.
#[cfg(feature = "compiler")]
pub fn compatibility_hash_for(target: &str) -> anyhow::Result<String> {
    let mut config = compile_config(target)?;
    // The hash needs the compiler's settings, not a pool of instances.
    config.allocation_strategy(InstanceAllocationStrategy::OnDemand);
    let engine = Engine::new(&config).map_err(|e| anyhow::anyhow!("engine for {target}: {e}"))?;
    Ok(compatibility_hash(&engine))
}

/// A `Hasher` that feeds BLAKE3: `std`'s `DefaultHasher` is not promised to be stable
/// across Rust releases, and the hash is written into manifests.
#[cfg(feature = "compiler")]
struct Blake3Hasher(blake3::Hasher);

#[cfg(feature = "compiler")]
impl std::hash::Hasher for Blake3Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        let digest = self.0.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest.as_bytes()[..8]);
        u64::from_le_bytes(first)
    }
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

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;

    fn on_demand_hash(mut config: Config) -> String {
        config.allocation_strategy(InstanceAllocationStrategy::OnDemand);
        compatibility_hash(&Engine::new(&config).expect("engine"))
    }

    #[test]
    fn each_target_has_its_own_stable_hash() {
        let arm = compatibility_hash_for(TARGETS[0]).expect("aarch64");
        let x86 = compatibility_hash_for(TARGETS[1]).expect("x86_64");
        assert_ne!(arm, x86);
        assert_eq!(arm, compatibility_hash_for(TARGETS[0]).expect("again"));
        assert_eq!(arm.len(), 16);
        assert!(compile_config("riscv64gc-unknown-linux-gnu").is_err());
    }

    /// Precompiling for this machine's own target still compiles for the baseline: the
    /// engine that detects this CPU's features hashes differently (a machine with nothing
    /// beyond the baseline would hash alike, so the check needs SSE4.2 / LSE here).
    #[test]
    fn precompiling_for_the_host_target_ignores_the_host_cpu() {
        #[cfg(target_arch = "x86_64")]
        let beyond_baseline = std::arch::is_x86_feature_detected!("sse4.2");
        #[cfg(target_arch = "aarch64")]
        let beyond_baseline = std::arch::is_aarch64_feature_detected!("lse");
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        let beyond_baseline = false;
        let native = on_demand_hash(engine_config());
        let baseline = on_demand_hash(compile_config(HOST_TARGET).expect("config"));
        assert_eq!(baseline, compatibility_hash_for(HOST_TARGET).expect("hash"));
        if beyond_baseline {
            assert_ne!(
                native, baseline,
                "precompile must not use the detected features"
            );
        }
    }
}
