//! The manifest sections that signing and canary rollout add (`[[host.trusted_keys]]`,
//! `[component.canary]`) with their checks: a leaf module, so `manifest` can parse and
//! check them without importing the modules that use them (which import `manifest`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

/// One `[[host.trusted_keys]]` line of the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrustedKey {
    /// The name a `.sig` file gives for the key that made it.
    pub id: String,
    /// The ed25519 public key: 32 bytes, base64 or 64 hex digits.
    pub public_key: String,
    /// The component ids this key may sign; empty: any component.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
}

/// Decodes a manifest public key.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|e| format!("not hex: {e}"))?
    } else {
        BASE64
            .decode(text)
            .map_err(|e| format!("neither 64 hex digits nor base64: {e}"))?
    };
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("an ed25519 public key is 32 bytes, this is {}", b.len()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an ed25519 public key: {e}"))
}

/// Problems with the configured keys, one sentence each (part of the manifest check).
pub fn key_problems(keys: &[TrustedKey]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for key in keys {
        if key.id.trim().is_empty() {
            problems.push("host.trusted_keys: a key has an empty id".to_string());
        }
        if !seen.insert(key.id.as_str()) {
            problems.push(format!(
                "host.trusted_keys: key id {:?} appears twice",
                key.id
            ));
        }
        if let Err(why) = parse_public_key(&key.public_key) {
            problems.push(format!(
                "host.trusted_keys: key {:?}: public_key {why}",
                key.id
            ));
        }
    }
    problems
}

/// `[component.canary]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    /// The canary's artifact, relative to the manifest like the entry's `file`.
    pub file: String,
    pub version: String,
    /// Hex sha256 of `file` (`lee precompile` records it).
    #[serde(default)]
    pub sha256: Option<String>,
    /// Percent of users (by a stable hash of their id) routed to the canary, 0-100.
    pub weight: u32,
    /// Invocations of each version compared for the automatic rollback; 0 turns it off.
    #[serde(default = "default_window")]
    pub rollback_window: u32,
    /// How many percentage points the canary's failure rate may exceed the stable one's.
    #[serde(default = "default_margin")]
    pub rollback_margin_percent: u32,
}

fn default_window() -> u32 {
    20
}

fn default_margin() -> u32 {
    10
}

/// Problems with an entry's canary block, one sentence each.
pub fn canary_problems(id: &str, file: &str, canary: Option<&Canary>) -> Vec<String> {
    let Some(canary) = canary else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    if canary.weight > 100 {
        problems.push(format!("component {id:?}: canary.weight must be 0..=100"));
    }
    if canary.rollback_margin_percent > 100 {
        problems.push(format!(
            "component {id:?}: canary.rollback_margin_percent must be 0..=100"
        ));
    }
    if canary.rollback_window > 10_000 {
        problems.push(format!(
            "component {id:?}: canary.rollback_window must be 0..=10000"
        ));
    }
    if canary.file == file {
        problems.push(format!(
            "component {id:?}: canary.file is the stable file; a canary is another artifact"
        ));
    }
    if let Some(hash) = &canary.sha256
        && (hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()))
    {
        problems.push(format!(
            "component {id:?}: canary.sha256 must be 64 hex digits"
        ));
    }
    problems
}
