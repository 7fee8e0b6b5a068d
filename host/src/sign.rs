//! `lee sign`: a publisher signs a component artifact with an ed25519 key, or makes a
//! key. Kept apart from the rest of the command line so the signing tool is one small
//! module over `runtime::signature`, which the loader uses to verify.

use std::path::{Path, PathBuf};

use crate::runtime::loader::sha256_hex;
use crate::runtime::manifest::{MANIFEST_FILE, Manifest};
use crate::runtime::signature;

/// `lee sign --key KEY [--key-id ID] [--manifest FILE] ARTIFACT`, `lee sign --generate
/// --key KEY`, or `lee sign --key KEY` (prints the key's `trusted_keys` entry).
#[derive(clap::Args, Debug)]
pub struct SignArgs {
    /// ed25519 private key, PKCS#8 PEM (`openssl genpkey -algorithm ed25519` or
    /// `lee sign --generate`); with --generate, the file to create.
    #[arg(long)]
    pub key: PathBuf,
    /// The key's id in the manifest's trusted_keys (default: its fingerprint).
    #[arg(long)]
    pub key_id: Option<String>,
    /// Create KEY (mode 0600, never overwritten) and print its trusted_keys entry.
    #[arg(long)]
    pub generate: bool,
    /// Manifest holding the artifact's entry (default: lee.toml beside the artifact).
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// The artifact to sign (.cwasm or .wasm); writes ARTIFACT.sig. Without it, prints
    /// the key's trusted_keys entry.
    pub artifact: Option<PathBuf>,
}

/// Runs `lee sign`; returns the exit code.
pub fn run(args: SignArgs) -> anyhow::Result<i32> {
    let key = if args.generate {
        if args.artifact.is_some() {
            anyhow::bail!("--generate makes a key; sign with a second `lee sign --key` call");
        }
        let key = signature::generate_key()?;
        signature::write_signing_key(&key, &args.key)?;
        eprintln!("wrote a new ed25519 key to {}", args.key.display());
        key
    } else {
        signature::read_signing_key(&args.key)?
    };
    let public = key.verifying_key();
    let key_id = args
        .key_id
        .clone()
        .unwrap_or_else(|| signature::fingerprint(&public));
    let Some(artifact) = &args.artifact else {
        println!(
            "# add to lee.toml to trust this key\n[[host.trusted_keys]]\nid = {:?}\npublic_key = {:?}",
            key_id,
            signature::public_key_text(&public)
        );
        return Ok(0);
    };
    sign_artifact(&key, &key_id, artifact, args.manifest.as_deref())?;
    Ok(0)
}

fn sign_artifact(
    key: &ed25519_dalek::SigningKey,
    key_id: &str,
    artifact: &Path,
    manifest_file: Option<&Path>,
) -> anyhow::Result<()> {
    let dir = artifact
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let manifest_file = manifest_file
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join(MANIFEST_FILE));
    let text = std::fs::read_to_string(&manifest_file)
        .map_err(|e| anyhow::anyhow!("cannot read manifest {}: {e}", manifest_file.display()))?;
    let manifest_dir = manifest_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let manifest = Manifest::parse(manifest_dir, &text)?;
    let wanted = artifact
        .canonicalize()
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", artifact.display()))?;
    let entry = manifest
        .components
        .iter()
        .find(|entry| {
            manifest
                .artifact_path(entry)
                .canonicalize()
                .is_ok_and(|p| p == wanted)
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no [[component]] in {} has file = {:?}; the signature covers the entry, so it must exist first",
                manifest_file.display(),
                artifact.file_name().unwrap_or_default()
            )
        })?;
    let bytes = std::fs::read(artifact)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", artifact.display()))?;
    let sha256 = sha256_hex(&bytes);
    match &entry.sha256 {
        Some(recorded) if !recorded.eq_ignore_ascii_case(&sha256) => anyhow::bail!(
            "component {}: the manifest records sha256 {recorded} but {} has {sha256}; fix the manifest (`lee precompile`) before signing",
            entry.id,
            artifact.display()
        ),
        Some(_) => {}
        None => eprintln!(
            "note: component {} has no sha256 in the manifest yet; the host needs one (`lee precompile`)",
            entry.id
        ),
    }
    let text = signature::sign(key, key_id, entry, &sha256).map_err(anyhow::Error::msg)?;
    let target = signature::sig_path(artifact);
    std::fs::write(&target, text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", target.display()))?;
    eprintln!(
        "signed {} (component {} {}) with key {key_id:?} -> {}",
        artifact.display(),
        entry.id,
        entry.version,
        target.display()
    );
    Ok(())
}
