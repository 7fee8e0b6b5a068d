//! Turning a manifest entry into something ready to instantiate: read the artifact,
//! verify its sha256 against the manifest, deserialize (`.cwasm`) or compile (`.wasm`),
//! check its imports against its grants, link WASI and only the granted interfaces,
//! prepare each capability for the component, and pre-instantiate.

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
        "component {id}: artifact {path} has no sha256 in the manifest; run `lee precompile` to record it"
    )]
    Unverified { id: String, path: String },
    #[error(
        "component {id}: sha256 mismatch for {path} (manifest {expected}, file {actual}); refusing to load"
    )]
    HashMismatch {
        id: String,
        path: String,
        expected: String,
        actual: String,
    },
    #[error("component {id}: {message}")]
    Invalid { id: String, message: String },
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

/// Reads the artifact and checks it against the manifest hash.
fn read_verified(manifest: &Manifest, entry: &ComponentEntry) -> Result<Vec<u8>, LoadError> {
    let path = manifest.artifact_path(entry);
    let shown = path.display().to_string();
    check_inside(manifest, &path).map_err(|message| LoadError::Invalid {
        id: entry.id.clone(),
        message,
    })?;
    let bytes = std::fs::read(&path).map_err(|source| LoadError::Read {
        id: entry.id.clone(),
        path: shown.clone(),
        source,
    })?;
    let Some(expected) = &entry.sha256 else {
        return Err(LoadError::Unverified {
            id: entry.id.clone(),
            path: shown,
        });
    };
    let actual = sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(expected) {
        return Err(LoadError::HashMismatch {
            id: entry.id.clone(),
            path: shown,
            expected: expected.clone(),
            actual,
        });
    }
    if !manifest.host.trusted_keys.is_empty() {
        signature::verify(&manifest.host.trusted_keys, entry, &path, &actual).map_err(
            |message| LoadError::Untrusted {
                id: entry.id.clone(),
                path: shown,
                message,
            },
        )?;
    }
    Ok(bytes)
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

/// Deserializes a precompiled artifact or compiles a plain component.
pub fn component_from_bytes(
    engine: &Engine,
    path: &Path,
    bytes: &[u8],
) -> wasmtime::Result<Component> {
    if path.extension().is_some_and(|e| e == "cwasm") {
        // SAFETY: the bytes were verified against the manifest's sha256 (trusted input
        // written by `lee precompile` for this engine configuration); wasmtime also
        // checks the version and configuration header and refuses a mismatch.
        unsafe { Component::deserialize(engine, bytes) }
    } else {
        Component::new(engine, bytes)
    }
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
    let bytes = read_verified(manifest, entry)?;
    let path = manifest.artifact_path(entry);
    let component = component_from_bytes(engine, &path, &bytes).map_err(|e| {
        invalid(format!(
            "{} is not a usable component for this lee ({e}); rebuild it or run `lee precompile`",
            path.display()
        ))
    })?;
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
