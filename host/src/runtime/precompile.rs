//! `lee precompile [--target TRIPLE] DIR`: compiles every component's `.wasm` to `.cwasm`
//! for one target (default: the one lee runs on) and records in the manifest what the
//! loader checks: sha256 and BLAKE3 of the artifact, the target, and wasmtime's
//! compatibility hash of the compiling engine. The target is always set explicitly on
//! the engine, so Cranelift compiles for the target's baseline CPU, never for the
//! features of the machine that builds the package (a Lambda CPU may have fewer).
//! Only in the full CLI (`compiler` feature); the Lambda bootstrap cannot compile.

use std::path::Path;

use super::engine;
use super::loader::{blake3_hex, sha256_hex};
use super::manifest::{ComponentEntry, Manifest};
use super::signature::TrustedKey;

/// Compiles `.wasm` artifacts to `.cwasm` for `target` and records every digest (a
/// canary's too), the target and the engine's compatibility hash.
pub fn precompile(dir: &Path, target: Option<&str>) -> anyhow::Result<()> {
    let target = target.unwrap_or(engine::HOST_TARGET);
    let mut manifest = Manifest::load_unchecked(dir)?;
    let engine = wasmtime::Engine::new(&engine::compile_config(target)?)
        .map_err(|e| anyhow::anyhow!("cannot create a compiling engine for {target}: {e}"))?;
    let hash = engine::compatibility_hash(&engine);
    let keys = manifest.host.trusted_keys.clone();
    for entry in &mut manifest.components {
        let compiled = precompile_entry(&engine, dir, &keys, entry)?;
        if let Some(mut variant) = super::canary::variant_entry(entry) {
            precompile_entry(&engine, dir, &keys, &mut variant)?;
            if let Some(canary) = &mut entry.canary {
                (canary.file, canary.sha256) = (variant.file, variant.sha256);
            }
        }
        if compiled {
            entry.target = Some(target.to_string());
            entry.compatibility_hash = Some(hash.clone());
        }
    }
    manifest.save()?;
    eprintln!("target {target}, engine compatibility hash {hash}");
    Ok(())
}

/// Compiles (or only hashes, when there is no `.wasm`) one entry; true when compiled.
fn precompile_entry(
    engine: &wasmtime::Engine,
    dir: &Path,
    keys: &[TrustedKey],
    entry: &mut ComponentEntry,
) -> anyhow::Result<bool> {
    let current = dir.join(&entry.file);
    let source = if current.extension().is_some_and(|e| e == "wasm") {
        current.clone()
    } else {
        current.with_extension("wasm")
    };
    if source.is_file() {
        let bytes = std::fs::read(&source)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", source.display()))?;
        super::signature::check_before_compile(keys, entry, &source, &bytes)?;
        let compiled = engine
            .precompile_component(&bytes)
            .map_err(|e| anyhow::anyhow!("{}: not a valid component: {e}", source.display()))?;
        let target = source.with_extension("cwasm");
        std::fs::write(&target, &compiled)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", target.display()))?;
        // Same relative place as the source (`sub/x.wasm` -> `sub/x.cwasm`).
        entry.file = Path::new(&entry.file)
            .with_extension("cwasm")
            .to_string_lossy()
            .into_owned();
        entry.sha256 = Some(sha256_hex(&compiled));
        entry.blake3 = Some(blake3_hex(&compiled));
        eprintln!(
            "precompiled {} -> {} ({} bytes)",
            source.display(),
            target.display(),
            compiled.len()
        );
        Ok(true)
    } else if current.is_file() {
        let bytes = std::fs::read(&current)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", current.display()))?;
        entry.sha256 = Some(sha256_hex(&bytes));
        entry.blake3 = Some(blake3_hex(&bytes));
        eprintln!("recorded sha256 and blake3 of {}", current.display());
        Ok(false)
    } else {
        anyhow::bail!(
            "component {}: neither {} nor {} exists",
            entry.id,
            current.display(),
            source.display()
        );
    }
}
