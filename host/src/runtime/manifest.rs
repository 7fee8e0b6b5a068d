//! The components manifest (`lee.toml`): which component serves which route, with what
//! grants, limits and settings, and the sha256 its artifact must have.
//!
//! ```toml
//! [host]
//! resident_cap = 8
//!
//! [[component]]
//! id = "scripts"
//! file = "scripts.cwasm"
//! version = "0.1.0"
//! routes = ["skill:RunScript"]
//! sha256 = "…"
//! blake3 = "…"
//! target = "aarch64-unknown-linux-gnu"   # written by `lee precompile --target`
//! compatibility_hash = "…"               # wasmtime's, of the compiling engine
//! [component.grants]
//! services = ["script.*"]
//! read_states = true
//! [component.limits]
//! memory_mib = 32
//! timeout_ms = 5000
//! [component.config]
//! default_variables = "{}"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use lee_contract::route::{self, RoutePattern};

use super::engine::MAX_MEMORY_BYTES;
use super::manifest_types::{self, Canary, TrustedKey};
use crate::capabilities::Grants;

/// The manifest file name inside a components directory.
pub const MANIFEST_FILE: &str = "lee.toml";

/// The largest `limits.memory_mib`: what the engine's pooling allocator reserves.
pub const MAX_MEMORY_MIB: u32 = (MAX_MEMORY_BYTES >> 20) as u32;

/// Why a manifest could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("manifest {path} is not valid TOML for lee: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("manifest {path} is inconsistent: {problems:?}")]
    Inconsistent {
        path: PathBuf,
        problems: Vec<String>,
    },
}

/// Host-wide settings in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSection {
    /// How many components may stay loaded; the least recently used beyond it are unloaded.
    #[serde(default = "default_resident_cap")]
    pub resident_cap: usize,
    /// Publisher keys; when any is listed, every component must carry a valid
    /// `<artifact>.sig` by one of them (see `runtime::signature`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_keys: Vec<TrustedKey>,
}

impl Default for HostSection {
    fn default() -> Self {
        Self {
            resident_cap: default_resident_cap(),
            trusted_keys: Vec::new(),
        }
    }
}

fn default_resident_cap() -> usize {
    8
}

/// Per-component resource limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Linear memory cap in MiB.
    #[serde(default = "default_memory_mib")]
    pub memory_mib: u32,
    /// Wall-clock budget for one invocation in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_mib: default_memory_mib(),
            timeout_ms: default_timeout_ms(),
        }
    }
}

fn default_memory_mib() -> u32 {
    32
}

fn default_timeout_ms() -> u32 {
    5_000
}

/// One component line of the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentEntry {
    pub id: String,
    /// Artifact path relative to the manifest: `.cwasm` (precompiled) or `.wasm`.
    pub file: String,
    #[serde(default = "default_version")]
    pub version: String,
    pub routes: Vec<String>,
    /// Hex sha256 of `file`, written by `lee precompile` (what `sha256sum` shows); checked
    /// when there is no `blake3`. A component with neither does not load.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Hex BLAKE3 of `file`, written by `lee precompile`: the digest the loader checks
    /// when present (a 35 MB extension hashes in a few ms instead of ~30 ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
    /// The target triple a `.cwasm` was precompiled for (`lee precompile --target`);
    /// the loader refuses an artifact for another target before handing it to wasmtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Wasmtime's compatibility hash of the engine that precompiled the `.cwasm` (16 hex
    /// digits, see `engine::compatibility_hash`): named when an artifact does not load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility_hash: Option<String>,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub config: toml::Table,
    /// Routes whose answer depends only on the route and the caller's token (Alexa
    /// Discovery): the host may answer them from its response cache for
    /// `idempotent_ttl_ms`, with fresh per-request fields, without running the component.
    #[serde(default)]
    pub idempotent_routes: Vec<String>,
    #[serde(default = "default_idempotent_ttl_ms")]
    pub idempotent_ttl_ms: u32,
    /// A second artifact serving part of the users (see `runtime::canary`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<Canary>,
}

impl ComponentEntry {
    /// The routes that parse as patterns (the others are reported by
    /// [`Manifest::problems`] and never match).
    pub fn patterns(&self) -> impl Iterator<Item = RoutePattern> + '_ {
        self.routes
            .iter()
            .filter_map(|text| RoutePattern::parse(text).ok())
    }

    /// Is `route` one the host may answer from its response cache?
    pub fn is_idempotent(&self, route: &str) -> bool {
        self.idempotent_routes
            .iter()
            .filter_map(|text| RoutePattern::parse(text).ok())
            .any(|pattern| pattern.matches(route))
    }
}

fn default_idempotent_ttl_ms() -> u32 {
    60_000
}

fn default_version() -> String {
    "0.0.0".to_string()
}

/// A parsed and checked manifest plus the directory it came from.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub dir: PathBuf,
    /// The configuration's version (top-level `version`), shown in health and EMF.
    pub version: Option<String>,
    pub host: HostSection,
    pub components: Vec<ComponentEntry>,
    /// Every valid route pattern with the index of its component, in manifest order.
    routes: Vec<(RoutePattern, usize)>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(default)]
    host: HostSection,
    #[serde(default, rename = "component")]
    components: Vec<ComponentEntry>,
}

impl Manifest {
    /// Reads `DIR/lee.toml` and checks it for consistency (files present, unique ids and
    /// routes, well-formed routes and grants).
    pub fn load(dir: &Path) -> Result<Self, ManifestError> {
        let manifest = Self::load_unchecked(dir)?;
        let problems = manifest.problems();
        if problems.is_empty() {
            Ok(manifest)
        } else {
            Err(ManifestError::Inconsistent {
                path: manifest.path(),
                problems,
            })
        }
    }

    /// Reads the manifest without consistency checks (for tools that report problems).
    pub fn load_unchecked(dir: &Path) -> Result<Self, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ManifestError::Read {
            path: path.clone(),
            source,
        })?;
        Self::parse(dir, &text)
    }

    /// Parses manifest text that belongs to `dir`.
    pub fn parse(dir: &Path, text: &str) -> Result<Self, ManifestError> {
        let file: ManifestFile = toml::from_str(text).map_err(|source| ManifestError::Parse {
            path: dir.join(MANIFEST_FILE),
            source: Box::new(source),
        })?;
        let routes = file
            .components
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.patterns().map(move |p| (p, i)))
            .collect();
        Ok(Self {
            dir: dir.to_path_buf(),
            version: file.version,
            host: file.host,
            components: file.components,
            routes,
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(MANIFEST_FILE)
    }

    /// Absolute path of a component's artifact.
    pub fn artifact_path(&self, entry: &ComponentEntry) -> PathBuf {
        self.dir.join(&entry.file)
    }

    pub fn component(&self, id: &str) -> Option<&ComponentEntry> {
        self.components.iter().find(|c| c.id == id)
    }

    /// The component that serves `route`: an exact route first, then the longest
    /// matching prefix pattern.
    pub fn resolve(&self, route: &str) -> Option<&ComponentEntry> {
        let index = route::best_match(route, self.routes.iter().map(|(p, i)| (p, *i)))?;
        self.components.get(index)
    }

    /// Everything wrong with this manifest, one sentence each; empty when consistent.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut ids = BTreeMap::new();
        let mut routes: BTreeMap<&str, &str> = BTreeMap::new();
        if self.host.resident_cap == 0 {
            problems.push("host.resident_cap must be at least 1".to_string());
        }
        problems.extend(manifest_types::key_problems(&self.host.trusted_keys));
        for entry in &self.components {
            if entry.id.is_empty()
                || !entry
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                problems.push(format!(
                    "component id {:?} must be non-empty ASCII letters, digits, '-' or '_'",
                    entry.id
                ));
            }
            if ids.insert(entry.id.as_str(), ()).is_some() {
                problems.push(format!("component id {:?} appears twice", entry.id));
            }
            if !self.artifact_path(entry).is_file() {
                problems.push(format!(
                    "component {:?}: artifact {} does not exist",
                    entry.id,
                    self.artifact_path(entry).display()
                ));
            }
            for (name, hash) in [("sha256", &entry.sha256), ("blake3", &entry.blake3)] {
                if let Some(hash) = hash
                    && (hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()))
                {
                    problems.push(format!(
                        "component {:?}: {name} must be 64 hex digits",
                        entry.id
                    ));
                }
            }
            if entry.routes.is_empty() {
                problems.push(format!("component {:?} has no routes", entry.id));
            }
            for route in &entry.routes {
                if let Err(why) = RoutePattern::parse(route) {
                    problems.push(format!("component {:?}: route {route:?} {why}", entry.id));
                }
                if let Some(other) = routes.insert(route.as_str(), entry.id.as_str()) {
                    problems.push(format!(
                        "route {route:?} is claimed by both {other:?} and {:?}",
                        entry.id
                    ));
                }
            }
            if entry.limits.memory_mib == 0 || entry.limits.memory_mib > MAX_MEMORY_MIB {
                problems.push(format!(
                    "component {:?}: limits.memory_mib must be 1..={MAX_MEMORY_MIB}",
                    entry.id
                ));
            }
            if entry.limits.timeout_ms == 0 || entry.limits.timeout_ms > 900_000 {
                problems.push(format!(
                    "component {:?}: limits.timeout_ms must be 1..=900000",
                    entry.id
                ));
            }
            for route in &entry.idempotent_routes {
                if !entry.patterns().any(|pattern| pattern.matches(route)) {
                    problems.push(format!(
                        "component {:?}: idempotent route {route:?} is not one of its routes",
                        entry.id
                    ));
                }
            }
            let canary = entry.canary.as_ref();
            problems.extend(manifest_types::canary_problems(
                &entry.id,
                &entry.file,
                canary,
            ));
            if let Some(canary) = canary
                && !self.dir.join(&canary.file).is_file()
            {
                problems.push(format!(
                    "component {:?}: canary artifact {} does not exist",
                    entry.id,
                    self.dir.join(&canary.file).display()
                ));
            }
            for problem in entry.grants.problems() {
                problems.push(format!("component {:?}: {problem}", entry.id));
            }
        }
        problems
    }

    /// Writes the manifest back (used by `lee precompile`).
    pub fn save(&self) -> anyhow::Result<()> {
        let file = ManifestFile {
            version: self.version.clone(),
            host: self.host.clone(),
            components: self.components.clone(),
        };
        let text = toml::to_string_pretty(&file)?;
        let header = "# lee components manifest: one [[component]] per feature component.\n\
                      # sha256, blake3, target and compatibility_hash are written by `lee precompile`.\n\n";
        std::fs::write(self.path(), format!("{header}{text}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Manifest {
        Manifest::parse(Path::new("/nonexistent"), text).expect("parse")
    }

    #[test]
    fn parses_defaults_and_grants() {
        let m = parse(
            r#"
            [[component]]
            id = "scripts"
            file = "scripts.cwasm"
            routes = ["skill:RunScript"]
            [component.grants]
            services = ["script.*"]
            read_states = true
            "#,
        );
        let c = &m.components[0];
        assert_eq!(c.limits, Limits::default());
        assert!(c.grants.home_assistant.read_states);
        assert_eq!(m.host.resident_cap, 8);
    }

    #[test]
    fn reports_duplicates_and_bad_routes() {
        let m = parse(
            r#"
            [[component]]
            id = "a"
            file = "a.wasm"
            routes = ["skill:X", "nonsense"]
            [[component]]
            id = "a"
            file = "b.wasm"
            routes = ["skill:X", "alexa:*x"]
            sha256 = "zz"
            "#,
        );
        let problems = m.problems().join("\n");
        assert!(problems.contains("appears twice"), "{problems}");
        assert!(problems.contains("claimed by both"), "{problems}");
        assert!(problems.contains("scheme:name"), "{problems}");
        assert!(problems.contains("'*'"), "{problems}");
        assert!(problems.contains("64 hex digits"), "{problems}");
        assert!(problems.contains("does not exist"), "{problems}");
    }

    #[test]
    fn rejects_unknown_fields() {
        let err = Manifest::parse(
            Path::new("/x"),
            "[[component]]\nid='a'\nfile='a'\nroutes=['skill:A']\ngrnats={}\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("grnats"), "{err}");
    }
}
