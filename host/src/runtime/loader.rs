//! Turning a manifest entry into something ready to instantiate: open the artifact once,
//! map it, verify the mapping against the manifest's digest (BLAKE3 when recorded, else
//! sha256), deserialize a `.cwasm` from that same open file (wasmtime then maps code and
//! memory images straight from the page cache: no copy of a 35 MB artifact; a rename
//! over the path after the check cannot swap what is loaded) or compile a `.wasm` (only
//! with the `compiler` feature: the Lambda bootstrap loads `.cwasm` only), check the
//! artifact's target and engine, check its imports against its grants, link WASI and only
//! the granted interfaces, prepare each capability for the component, and pre-instantiate.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use super::manifest::{ComponentEntry, Manifest};
use super::signature;
use super::store::StoreData;
use crate::bindings::FeaturePre;
use crate::capabilities::{self, Capabilities, ComponentInfo, Grants, Prepared};

/// Why a component could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("component {id}: cannot read {path}: {source}")]
    Read {
        id: String,
        path: String,
        source: std::io::Error,
    },
    #[error(
        "component {id}: artifact {path} has no blake3 or sha256 in the manifest; run `lee precompile` to record them"
    )]
    Unverified { id: String, path: String },
    #[error(
        "component {id}: {digest} mismatch for {path} (manifest {expected}, file {actual}); refusing to load"
    )]
    HashMismatch {
        id: String,
        path: String,
        digest: &'static str,
        expected: String,
        actual: String,
    },
    #[error("component {id}: {message}")]
    Invalid { id: String, message: String },
    #[error(
        "component {id}: {path} was precompiled for {artifact} but this lee runs on {host}; \
         run `lee precompile --target {host} {dir}` (with the component's .wasm beside it)"
    )]
    WrongTarget {
        id: String,
        path: String,
        artifact: String,
        host: String,
        dir: String,
    },
    #[error("component {id}: artifact {path} {message}")]
    Untrusted {
        id: String,
        path: String,
        message: String,
    },
}

/// A component ready to instantiate.
pub struct LoadedComponent {
    pub entry: Arc<ComponentEntry>,
    /// What each capability keeps for this component's invocations.
    pub prepared: Prepared,
    pub pre: FeaturePre<StoreData>,
    /// The interfaces the component really imports.
    pub imports: Vec<String>,
    pub load_time: Duration,
}

/// Hex sha256 of a byte slice.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hex BLAKE3 of a byte slice (SIMD; several GB/s on one core).
pub fn blake3_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// An artifact checked against the manifest, still open: what was hashed is what loads.
pub struct Verified {
    file: std::fs::File,
    map: memmap2::Mmap,
}

impl Verified {
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }
}

/// Maps the artifact and checks it against the manifest hash.
fn read_verified(manifest: &Manifest, entry: &ComponentEntry) -> Result<Verified, LoadError> {
    let path = manifest.artifact_path(entry);
    let shown = path.display().to_string();
    check_inside(manifest, &path).map_err(|message| LoadError::Invalid {
        id: entry.id.clone(),
        message,
    })?;
    let read_error = |source| LoadError::Read {
        id: entry.id.clone(),
        path: shown.clone(),
        source,
    };
    let file = std::fs::File::open(&path).map_err(read_error)?;
    // SAFETY: a private read-only mapping of a file in the components directory (read-only
    // in Lambda's package). Someone able to truncate it while it is mapped could make
    // reads fault, not make different bytes load: they are verified below and the
    // deserialization maps the same open file.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(read_error)?;
    let bytes: &[u8] = &map;
    let (digest, expected, actual) = match (&entry.blake3, &entry.sha256) {
        (Some(expected), _) => ("blake3", expected, blake3_hex(bytes)),
        (None, Some(expected)) => ("sha256", expected, sha256_hex(bytes)),
        (None, None) => {
            return Err(LoadError::Unverified {
                id: entry.id.clone(),
                path: shown,
            });
        }
    };
    if !actual.eq_ignore_ascii_case(expected) {
        return Err(LoadError::HashMismatch {
            id: entry.id.clone(),
            path: shown,
            digest,
            expected: expected.clone(),
            actual,
        });
    }
    if !manifest.host.trusted_keys.is_empty() {
        // Signatures cover the artifact's sha256 (what a publisher can compute anywhere).
        let sha256 = if digest == "sha256" {
            actual
        } else {
            sha256_hex(bytes)
        };
        signature::verify(&manifest.host.trusted_keys, entry, &path, &sha256).map_err(
            |message| LoadError::Untrusted {
                id: entry.id.clone(),
                path: shown,
                message,
            },
        )?;
    }
    Ok(Verified { file, map })
}

/// An artifact must be a file inside the components directory: a symlink (or `..`) that
/// leaves it could load native code from anywhere the process can read.
fn check_inside(manifest: &Manifest, path: &Path) -> Result<(), String> {
    let dir = manifest
        .dir
        .canonicalize()
        .map_err(|e| format!("components directory {}: {e}", manifest.dir.display()))?;
    let real = path
        .canonicalize()
        .map_err(|e| format!("cannot resolve {}: {e}", path.display()))?;
    if real.starts_with(&dir) {
        Ok(())
    } else {
        Err(format!(
            "artifact {} resolves to {}, outside the components directory {}; refusing to load it",
            path.display(),
            real.display(),
            dir.display()
        ))
    }
}

/// Deserializes a verified precompiled artifact from its open file, or compiles a plain
/// component from its bytes.
fn component_from_verified(
    engine: &Engine,
    path: &Path,
    verified: &Verified,
) -> wasmtime::Result<Component> {
    #[cfg(target_os = "linux")]
    if is_precompiled(path) {
        use std::os::fd::AsRawFd;
        // The same open file (not the path again, which could have been renamed over).
        let same_file = format!("/proc/self/fd/{}", verified.file.as_raw_fd());
        // SAFETY: the file was verified against the manifest's digest (trusted input
        // written by `lee precompile` for this engine configuration); wasmtime also
        // checks the version and configuration header and refuses a mismatch.
        return unsafe { Component::deserialize_file(engine, same_file) };
    }
    component_from_bytes(engine, path, verified.bytes())
}

/// Deserializes a precompiled artifact or compiles a plain component.
pub fn component_from_bytes(
    engine: &Engine,
    path: &Path,
    bytes: &[u8],
) -> wasmtime::Result<Component> {
    if is_precompiled(path) {
        // SAFETY: the bytes were verified against the manifest's sha256 (trusted input
        // written by `lee precompile` for this engine configuration); wasmtime also
        // checks the version and configuration header and refuses a mismatch.
        unsafe { Component::deserialize(engine, bytes) }
    } else {
        compile(engine, path, bytes)
    }
}

fn is_precompiled(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "cwasm")
}

#[cfg(feature = "compiler")]
fn compile(engine: &Engine, _path: &Path, bytes: &[u8]) -> wasmtime::Result<Component> {
    Component::new(engine, bytes)
}

#[cfg(not(feature = "compiler"))]
fn compile(_engine: &Engine, path: &Path, _bytes: &[u8]) -> wasmtime::Result<Component> {
    Err(wasmtime::Error::msg(format!(
        "{} is a plain .wasm and this lee (the Lambda bootstrap) has no compiler; run \
         `lee precompile --target {} DIR` with the full lee CLI",
        path.display(),
        super::engine::HOST_TARGET
    )))
}

/// Refuses a `.cwasm` the manifest says was compiled for another target (wasmtime would
/// refuse it too, in its own words).
fn check_target(manifest: &Manifest, entry: &ComponentEntry, path: &Path) -> Result<(), LoadError> {
    match &entry.target {
        Some(artifact) if is_precompiled(path) && artifact != super::engine::HOST_TARGET => {
            Err(LoadError::WrongTarget {
                id: entry.id.clone(),
                path: path.display().to_string(),
                artifact: artifact.clone(),
                host: super::engine::HOST_TARGET.to_string(),
                dir: manifest.dir.display().to_string(),
            })
        }
        _ => Ok(()),
    }
}

/// Why wasmtime refused an artifact, with what it was built for, what this lee is and
/// the command that fixes it.
fn unusable(
    manifest: &Manifest,
    entry: &ComponentEntry,
    path: &Path,
    error: &wasmtime::Error,
) -> String {
    let host = super::engine::HOST_TARGET;
    if !is_precompiled(path) {
        return format!("{} is not a usable component ({error:#})", path.display());
    }
    let artifact = format!(
        "target {}, engine {}",
        entry.target.as_deref().unwrap_or("not recorded"),
        entry
            .compatibility_hash
            .as_deref()
            .unwrap_or("not recorded")
    );
    #[cfg(feature = "compiler")]
    let this = format!(
        "target {host}, engine {}",
        super::engine::compatibility_hash_for(host).unwrap_or_else(|e| e.to_string())
    );
    #[cfg(not(feature = "compiler"))]
    let this = format!(
        "target {host}, the bootstrap of lee {} (no compiler to compute its engine hash)",
        env!("CARGO_PKG_VERSION")
    );
    format!(
        "{} does not load in this lee ({error:#}): the artifact was built for {artifact}, this \
         lee is {this}; run `lee precompile --target {host} {}` with this lee's version (with \
         the component's .wasm beside it)",
        path.display(),
        manifest.dir.display()
    )
}

/// The names of everything a component imports.
pub fn import_names(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// A linker with WASI (sandboxed by the Store's context) and every `lee:gateway`
/// interface (whose contexts refuse what the component's grants do not allow).
pub fn linker_for(engine: &Engine) -> wasmtime::Result<Linker<StoreData>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    capabilities::link(&mut linker)?;
    Ok(linker)
}

/// Imports whose interface the grants allow no use of: linked, but every call answers
/// `denied` (shown by `lee components`).
pub fn ungranted_imports(imports: &[String], grants: &Grants) -> Vec<String> {
    imports
        .iter()
        .filter(|name| capabilities::interface_of(name).is_some_and(|(_, linked)| !linked(grants)))
        .cloned()
        .collect()
}

/// Makes one manifest entry ready to instantiate.
pub fn load(
    engine: &Engine,
    capabilities: &Capabilities,
    manifest: &Manifest,
    entry: &ComponentEntry,
) -> Result<LoadedComponent, LoadError> {
    let started = Instant::now();
    let invalid = |message: String| LoadError::Invalid {
        id: entry.id.clone(),
        message,
    };
    let verified = read_verified(manifest, entry)?;
    let path = manifest.artifact_path(entry);
    check_target(manifest, entry, &path)?;
    let component = component_from_verified(engine, &path, &verified)
        .map_err(|e| invalid(unusable(manifest, entry, &path, &e)))?;
    let imports = import_names(engine, &component);
    let linker = linker_for(engine).map_err(|e| invalid(format!("linker: {e}")))?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(|e| invalid(format!("cannot link: {e:#}")))?;
    let pre = FeaturePre::new(pre)
        .map_err(|e| invalid(format!("does not export lee:gateway/handler: {e:#}")))?;
    let info = ComponentInfo {
        id: &entry.id,
        config: &entry.config,
    };
    let prepared = capabilities
        .prepare(&info, &entry.grants)
        .map_err(invalid)?;
    Ok(LoadedComponent {
        entry: Arc::new(entry.clone()),
        prepared,
        pre,
        imports,
        load_time: started.elapsed(),
    })
}
