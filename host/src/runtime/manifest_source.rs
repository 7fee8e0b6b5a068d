//! Where the manifest comes from and how a warm container picks up a new one: the
//! components directory's `lee.toml`, a file elsewhere (`LEE_MANIFEST`: a layer, a
//! mounted path), or an SSM parameter (`LEE_MANIFEST_SSM`, read through the AWS
//! Parameters and Secrets Lambda Extension on 127.0.0.1 like the Home Assistant token).
//! Artifacts are always resolved in the components directory.
//!
//! At most every `LEE_MANIFEST_RELOAD_SECONDS` (default 60; 0: never) an invocation
//! first re-reads the source. A changed text is parsed, checked and every new or changed
//! artifact loaded (sha256, signature, compile) before the new registry replaces the
//! old one; in-flight invocations keep the registry they started with. A manifest that
//! fails any step is refused with a log line, the old one keeps serving, and health
//! says what was refused and why.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::canary::{self, Variant};
use super::manifest::{ComponentEntry, MANIFEST_FILE, Manifest};
use super::registry::ComponentRegistry;
use crate::aws::ssm::Extension;

/// The default re-check interval.
pub const DEFAULT_RELOAD: Duration = Duration::from_secs(60);
/// Longest an SSM read may take (at start-up and at each re-check).
pub const SSM_BUDGET: Duration = Duration::from_millis(1_500);

/// Where the manifest text is read from.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Ssm {
        parameter: String,
        extension: Extension,
    },
}

/// The source, the components directory and the re-check interval, from the
/// environment (`lookup`).
#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub source: Source,
    pub components_dir: PathBuf,
    /// None: never re-checked.
    pub reload_every: Option<Duration>,
}

impl SourceConfig {
    pub fn from_env(components_dir: &Path) -> anyhow::Result<Self> {
        Self::from_lookup(components_dir, |name| std::env::var(name).ok())
    }

    pub fn from_lookup(
        components_dir: &Path,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let source = match (get("LEE_MANIFEST_SSM"), get("LEE_MANIFEST")) {
            (Some(_), Some(_)) => {
                anyhow::bail!("set LEE_MANIFEST_SSM or LEE_MANIFEST, not both")
            }
            (Some(parameter), None) => Source::Ssm {
                parameter: parameter.trim().to_string(),
                extension: Extension::from_lookup(get),
            },
            (None, Some(path)) => Source::File(PathBuf::from(path.trim())),
            (None, None) => Source::File(components_dir.join(MANIFEST_FILE)),
        };
        let reload_every = match get("LEE_MANIFEST_RELOAD_SECONDS") {
            None => Some(DEFAULT_RELOAD),
            Some(v) => {
                let seconds: u64 = v.trim().parse().map_err(|_| {
                    anyhow::anyhow!("LEE_MANIFEST_RELOAD_SECONDS must be whole seconds, got {v:?}")
                })?;
                (seconds > 0).then(|| Duration::from_secs(seconds))
            }
        };
        Ok(Self {
            source,
            components_dir: components_dir.to_path_buf(),
            reload_every,
        })
    }

    /// For health: where the manifest comes from (never the session token).
    pub fn describe(&self) -> Value {
        match &self.source {
            Source::File(path) => json!({"source": "file", "path": path}),
            Source::Ssm { parameter, .. } => json!({"source": "ssm", "parameter": parameter}),
        }
    }

    /// Reads the manifest text.
    pub async fn read(&self) -> Result<String, String> {
        match &self.source {
            Source::File(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read manifest {}: {e}", path.display())),
            // The same reader as the Home Assistant token's, within SSM_BUDGET.
            Source::Ssm {
                parameter,
                extension,
            } => extension
                .secure_string(parameter, SSM_BUDGET)
                .await
                .map(|text| text.expose().to_string())
                .map_err(|e| e.to_string()),
        }
    }

    /// Reads the manifest text from synchronous code (start-up): a file directly, SSM on
    /// a thread of its own with its own small runtime.
    pub fn read_blocking(&self) -> Result<String, String> {
        if let Source::File(path) = &self.source {
            return std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read manifest {}: {e}", path.display()));
        }
        let config = self.clone();
        std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| format!("cannot start a runtime: {e}"))?;
                    runtime.block_on(config.read())
                })
                .join()
                .unwrap_or_else(|_| Err("the manifest reader panicked".to_string()))
        })
    }

    /// Parses and checks a manifest text whose artifacts live in the components
    /// directory.
    pub fn parse(&self, text: &str) -> Result<(Manifest, ConfigVersion), String> {
        let manifest = Manifest::parse(&self.components_dir, text).map_err(|e| e.to_string())?;
        let problems = manifest.problems();
        if !problems.is_empty() {
            return Err(format!("manifest is inconsistent: {}", problems.join("; ")));
        }
        let version = ConfigVersion::of(&manifest, text);
        Ok((manifest, version))
    }
}

/// A manifest's identity: its declared `version` and the sha256 of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigVersion {
    pub declared: Option<String>,
    pub sha256: String,
}

impl ConfigVersion {
    pub fn of(manifest: &Manifest, text: &str) -> Self {
        Self {
            declared: manifest.version.clone(),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
        }
    }

    /// The name health and EMF give it: the declared version, else `sha256:` and 12 hex
    /// digits of the text.
    pub fn label(&self) -> String {
        self.declared
            .clone()
            .unwrap_or_else(|| format!("sha256:{}", &self.sha256[..12]))
    }
}

/// The same artifact under the same terms (everything but the canary block and the
/// routes, which the registry resolves from its own manifest)?
fn same_artifact(a: &ComponentEntry, b: &ComponentEntry) -> bool {
    let strip = |e: &ComponentEntry| {
        let mut e = e.clone();
        e.canary = None;
        e.routes.clear();
        e.idempotent_routes.clear();
        serde_json::to_value(e).ok()
    };
    strip(a) == strip(b)
}

/// The registry for a new manifest text: parsed, checked, every new or changed artifact
/// loaded now (sha256, signature, compile, link), unchanged loaded ones and the canary
/// state of unchanged rollouts carried over. `Err` says why it is refused.
pub fn successor(
    current: &ComponentRegistry,
    config: &SourceConfig,
    text: &str,
) -> Result<(ComponentRegistry, ConfigVersion), String> {
    let (manifest, version) = config.parse(text)?;
    let next = current.successor(manifest);
    let old = current.manifest();
    for entry in &next.manifest().components {
        let previous = old.component(&entry.id);
        if previous.is_some_and(|p| same_artifact(p, entry)) {
            next.adopt(current, &entry.id);
        } else {
            next.get(&entry.id).map_err(|e| e.to_string())?;
        }
        let Some(variant) = canary::variant_entry(entry) else {
            continue;
        };
        let previous_variant = previous.and_then(canary::variant_entry);
        if previous_variant.is_some_and(|p| same_artifact(&p, &variant)) {
            next.adopt(current, &format!("{}@canary", entry.id));
        } else {
            next.get_variant(entry, Variant::Canary)
                .map_err(|e| format!("canary: {e}"))?;
        }
        if let Some(previous) = previous
            && previous.canary == entry.canary
            && previous.version == entry.version
        {
            next.canary.adopt(&current.canary, &entry.id);
        }
    }
    Ok((next, version))
}

/// What health says about the manifest: where from, which version serves, when it was
/// last checked, and the last refused one.
#[derive(Debug)]
pub struct ReloadState {
    pub current: ConfigVersion,
    pub loaded_at_ms: u64,
    pub last_check: Instant,
    pub checks: u64,
    pub swaps: u64,
    pub last_refused: Option<Value>,
}

/// The re-check bookkeeping of one gateway.
#[derive(Debug)]
pub struct Reloader {
    pub config: SourceConfig,
    state: Mutex<ReloadState>,
    /// One re-check at a time.
    pub busy: tokio::sync::Mutex<()>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Reloader {
    pub fn new(config: SourceConfig, current: ConfigVersion) -> Self {
        Self {
            config,
            state: Mutex::new(ReloadState {
                current,
                loaded_at_ms: now_ms(),
                last_check: Instant::now(),
                checks: 0,
                swaps: 0,
                last_refused: None,
            }),
            busy: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReloadState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Is a re-check due? (Marks it started, so concurrent invocations do not all check.)
    pub fn due(&self) -> bool {
        let Some(every) = self.config.reload_every else {
            return false;
        };
        let mut state = self.lock();
        if state.last_check.elapsed() < every {
            return false;
        }
        state.last_check = Instant::now();
        state.checks += 1;
        true
    }

    pub fn current(&self) -> ConfigVersion {
        self.lock().current.clone()
    }

    /// Is `text` the manifest already serving?
    pub fn unchanged(&self, text: &str) -> bool {
        self.lock().current.sha256 == hex::encode(Sha256::digest(text.as_bytes()))
    }

    /// Is `text` the manifest refused last (not checked again until it changes)?
    pub fn refused_before(&self, text: &str) -> bool {
        let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
        self.lock()
            .last_refused
            .as_ref()
            .is_some_and(|r| r["sha256"] == json!(sha256))
    }

    pub fn swapped(&self, version: ConfigVersion) {
        let mut state = self.lock();
        tracing::info!(
            config_version = %version.label(),
            previous = %state.current.label(),
            "manifest reloaded: new invocations use the new configuration"
        );
        state.current = version;
        state.loaded_at_ms = now_ms();
        state.swaps += 1;
        state.last_refused = None;
    }

    pub fn refused(&self, text: Option<&str>, why: String) {
        let mut state = self.lock();
        let sha256 = text.map(|t| hex::encode(Sha256::digest(t.as_bytes())));
        tracing::error!(
            config_version = %state.current.label(),
            refused_sha256 = sha256.as_deref().unwrap_or("-"),
            reason = %why,
            "new manifest refused; the current one keeps serving"
        );
        state.last_refused = Some(json!({
            "sha256": sha256,
            "reason": why,
            "at_ms": now_ms(),
        }));
    }

    /// For health.
    pub fn describe(&self) -> Value {
        let state = self.lock();
        let mut doc = self.config.describe();
        if let Some(map) = doc.as_object_mut() {
            map.insert("config_version".into(), json!(state.current.label()));
            map.insert("sha256".into(), json!(state.current.sha256));
            map.insert("loaded_at_ms".into(), json!(state.loaded_at_ms));
            map.insert(
                "reload_seconds".into(),
                json!(self.config.reload_every.map(|d| d.as_secs()).unwrap_or(0)),
            );
            map.insert("checks".into(), json!(state.checks));
            map.insert("reloads".into(), json!(state.swaps));
            map.insert("last_refused".into(), json!(state.last_refused));
        }
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &'static [(&'static str, &'static str)]) -> anyhow::Result<SourceConfig> {
        SourceConfig::from_lookup(Path::new("/c"), move |n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn sources_from_the_environment() {
        let default = config(&[]).unwrap();
        assert!(matches!(&default.source, Source::File(p) if p == Path::new("/c/lee.toml")));
        assert_eq!(default.reload_every, Some(DEFAULT_RELOAD));
        let ssm = config(&[
            ("LEE_MANIFEST_SSM", "/lee/manifest"),
            ("LEE_MANIFEST_RELOAD_SECONDS", "0"),
        ])
        .unwrap();
        assert!(matches!(&ssm.source, Source::Ssm { extension, .. } if extension.port == 2773));
        assert_eq!(ssm.reload_every, None);
        assert!(config(&[("LEE_MANIFEST_SSM", "a"), ("LEE_MANIFEST", "b")]).is_err());
        assert!(config(&[("LEE_MANIFEST_RELOAD_SECONDS", "soon")]).is_err());
    }

    #[test]
    fn a_check_is_due_once_per_interval() {
        let mut c = config(&[]).unwrap();
        c.reload_every = Some(Duration::from_millis(30));
        let version = ConfigVersion {
            declared: None,
            sha256: "0".repeat(64),
        };
        let reloader = Reloader::new(c, version);
        assert!(!reloader.due());
        std::thread::sleep(Duration::from_millis(40));
        assert!(reloader.due());
        assert!(!reloader.due());
        assert_eq!(reloader.current().label(), "sha256:000000000000");
    }
}
