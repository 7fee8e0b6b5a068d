//! Publisher signatures for component artifacts (`<artifact>.sig`, ed25519).
//!
//! The manifest's sha256 guards against corruption, not against whoever can write the
//! components directory: they can change the artifact and its hash together, or widen a
//! component's grants. A signature binds, under a publisher's key, the artifact's bytes
//! (through its sha256) and the security-relevant fields of its manifest entry (id,
//! version, routes, grants) in one canonical text ([`signed_payload`]). With
//! `[host] trusted_keys` configured, a component loads only with a valid signature by a
//! trusted key allowed to sign that component id; without keys nothing changes.
//!
//! The key file is PKCS#8 PEM, the format `openssl genpkey -algorithm ed25519` writes
//! and `lee sign --generate` writes too; public keys in the manifest are the raw 32 bytes
//! in base64 (or 64 hex digits).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::manifest::ComponentEntry;
pub use super::manifest_types::{TrustedKey, key_problems, parse_public_key};

/// The `format` of a `.sig` file and the first field of what is signed.
pub const FORMAT: &str = "lee-signature-v1";

/// The contents of `<artifact>.sig`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    pub format: String,
    pub key_id: String,
    /// The component id the signature was made for (also inside what is signed).
    pub component: String,
    /// base64 of the 64-byte ed25519 signature over [`signed_payload`].
    pub signature: String,
}

/// The signature file that belongs to an artifact: `<artifact>.sig`.
pub fn sig_path(artifact: &Path) -> PathBuf {
    let mut name = artifact.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// The manifest form of a public key (base64).
pub fn public_key_text(key: &VerifyingKey) -> String {
    BASE64.encode(key.as_bytes())
}

/// A short, stable name for a key: `ed25519:` and 16 hex digits of its sha256.
pub fn fingerprint(key: &VerifyingKey) -> String {
    format!(
        "ed25519:{}",
        &hex::encode(Sha256::digest(key.as_bytes()))[..16]
    )
}

/// JSON with object keys sorted, no whitespace: one text for one value, whatever the
/// order of fields in the manifest or in the host's structs.
fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*key).clone()).to_string());
                out.push(':');
                canonical_json(&map[key.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// What a signature covers: the format, the key id, the artifact's sha256 and the
/// entry's id, version, routes (sorted) and grants, as canonical JSON.
pub fn signed_payload(
    key_id: &str,
    entry: &ComponentEntry,
    sha256: &str,
) -> Result<Vec<u8>, String> {
    let grants = serde_json::to_value(&entry.grants)
        .map_err(|e| format!("cannot serialise the grants: {e}"))?;
    let mut routes = entry.routes.clone();
    routes.sort();
    let document = serde_json::json!({
        "format": FORMAT,
        "key_id": key_id,
        "id": entry.id,
        "version": entry.version,
        "sha256": sha256.to_ascii_lowercase(),
        "routes": routes,
        "grants": grants,
    });
    let mut out = String::new();
    canonical_json(&document, &mut out);
    Ok(out.into_bytes())
}

/// Checks `<artifact>.sig` for a component whose artifact has the (already verified)
/// `sha256`. `Err` says, in one sentence, why the component must not load.
pub fn verify(
    keys: &[TrustedKey],
    entry: &ComponentEntry,
    artifact: &Path,
    sha256: &str,
) -> Result<(), String> {
    let path = sig_path(artifact);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "is not signed ({} missing) and the manifest has trusted_keys; sign it with `lee sign --key KEY {}`",
                path.display(),
                artifact.display()
            ));
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let file: SignatureFile = toml::from_str(&text)
        .map_err(|e| format!("{} is not a lee signature file: {e}", path.display()))?;
    if file.format != FORMAT {
        return Err(format!(
            "{}: unknown signature format {:?} (this lee reads {FORMAT})",
            path.display(),
            file.format
        ));
    }
    if file.component != entry.id {
        return Err(format!(
            "{} was made for component {:?}, not {:?}; refusing to load",
            path.display(),
            file.component,
            entry.id
        ));
    }
    let Some(key) = keys.iter().find(|k| k.id == file.key_id) else {
        return Err(format!(
            "is signed by key {:?}, which is not in the manifest's trusted_keys; refusing to load",
            file.key_id
        ));
    };
    if !key.components.is_empty() && !key.components.iter().any(|c| c == &entry.id) {
        return Err(format!(
            "is signed by key {:?}, which may sign only {:?}; refusing to load",
            key.id, key.components
        ));
    }
    let public = parse_public_key(&key.public_key)
        .map_err(|why| format!("trusted key {:?}: {why}", key.id))?;
    let bytes = BASE64
        .decode(file.signature.trim())
        .map_err(|e| format!("{}: signature is not base64: {e}", path.display()))?;
    let signature = Signature::from_slice(&bytes)
        .map_err(|e| format!("{}: not an ed25519 signature: {e}", path.display()))?;
    let payload = signed_payload(&key.id, entry, sha256)?;
    public.verify(&payload, &signature).map_err(|_| {
        format!(
            "signature {} by key {:?} does not match the artifact and its manifest entry (id, version, routes, grants): the artifact or the entry was changed after signing; refusing to load",
            path.display(),
            key.id
        )
    })
}

/// `lee precompile` with trusted keys configured compiles only a `.wasm` whose own
/// signature verifies: the `.cwasm` it writes is then signed by the operator (see the
/// README), so the chain publisher -> compile -> operator is never broken silently.
pub fn check_before_compile(
    keys: &[TrustedKey],
    entry: &ComponentEntry,
    source: &Path,
    bytes: &[u8],
) -> anyhow::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    verify(keys, entry, source, &sha256).map_err(|why| {
        anyhow::anyhow!(
            "component {}: {} {why}; not compiling it",
            entry.id,
            source.display()
        )
    })
}

/// Reads a PKCS#8 PEM ed25519 private key.
pub fn read_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read key {}: {e}", path.display()))?;
    SigningKey::from_pkcs8_pem(&text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a PKCS#8 PEM ed25519 private key ({e}); make one with `lee sign --generate --key {}`",
            path.display(),
            path.display()
        )
    })
}

/// A fresh key from the operating system's random source.
pub fn generate_key() -> anyhow::Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes a private key as PKCS#8 PEM, readable by its owner only; never overwrites.
pub fn write_signing_key(key: &SigningKey, path: &Path) -> anyhow::Result<()> {
    use std::io::Write as _;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("cannot encode the key: {e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        anyhow::anyhow!("cannot create {} (it must not exist): {e}", path.display())
    })?;
    file.write_all(pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

/// Signs a component: the `.sig` text for `entry` whose artifact has `sha256`.
pub fn sign(
    key: &SigningKey,
    key_id: &str,
    entry: &ComponentEntry,
    sha256: &str,
) -> Result<String, String> {
    let payload = signed_payload(key_id, entry, sha256)?;
    let file = SignatureFile {
        format: FORMAT.to_string(),
        key_id: key_id.to_string(),
        component: entry.id.clone(),
        signature: BASE64.encode(key.sign(&payload).to_bytes()),
    };
    let body = toml::to_string(&file).map_err(|e| format!("cannot write the signature: {e}"))?;
    Ok(format!(
        "# lee artifact signature: ed25519 over the artifact's sha256 and its manifest entry's\n# id, version, routes and grants (written by `lee sign`).\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(grants: &str) -> ComponentEntry {
        let text = format!(
            "[[component]]\nid='todo'\nfile='todo.wasm'\nversion='1.0.0'\nroutes=['skill:B','skill:A']\n[component.grants]\n{grants}\n"
        );
        super::super::manifest::Manifest::parse(Path::new("/x"), &text)
            .expect("manifest")
            .components
            .remove(0)
    }

    #[test]
    fn payload_is_canonical_and_covers_the_fields() {
        let a = entry("services = ['todo.*']\nread_states = true");
        let b = entry("read_states = true\nservices = ['todo.*']");
        let hash = "AB".repeat(32);
        assert_eq!(
            signed_payload("k", &a, &hash).unwrap(),
            signed_payload("k", &b, &hash).unwrap()
        );
        let wider = entry("services = ['todo.*', 'light.*']\nread_states = true");
        assert_ne!(
            signed_payload("k", &a, &hash).unwrap(),
            signed_payload("k", &wider, &hash).unwrap()
        );
        let text = String::from_utf8(signed_payload("k", &a, &hash).unwrap()).unwrap();
        assert!(text.contains(r#""routes":["skill:A","skill:B"]"#), "{text}");
        assert!(text.contains(&"ab".repeat(32)), "{text}");
    }

    #[test]
    fn public_keys_in_base64_or_hex() {
        let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
        assert_eq!(parse_public_key(&public_key_text(&key)).unwrap(), key);
        assert_eq!(parse_public_key(&hex::encode(key.as_bytes())).unwrap(), key);
        assert!(parse_public_key("AAAA").unwrap_err().contains("32 bytes"));
        let problems = key_problems(&[
            TrustedKey {
                id: "a".into(),
                public_key: "zz".into(),
                components: vec![],
            },
            TrustedKey {
                id: "a".into(),
                public_key: public_key_text(&key),
                components: vec![],
            },
        ]);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
