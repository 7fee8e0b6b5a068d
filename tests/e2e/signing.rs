//! Publisher signatures end to end (`lee sign`, `[host] trusted_keys`): real components
//! signed by the real `lee sign` with keys it generates (and one openssl makes), loaded
//! by the real host. A good signature loads and answers; a changed artifact (with its
//! sha256 updated, as whoever can write the directory would), widened grants, an unknown
//! key, a key not allowed to sign that component, and an unsigned component are refused
//! with a message that says which.

use std::path::Path;
use std::process::Command;

use lee::runtime::loader::{blake3_hex, sha256_hex};
use lee_e2e::{ComponentsDir, Lee, hostile, intent, test_component};
use serde_json::json;

fn run_lee(args: &[&str]) -> (bool, String, String) {
    let output = Lee::command(args).expect("run lee");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A fresh key from `lee sign --generate`; returns its `[[host.trusted_keys]]` text.
fn generate(dir: &Path, name: &str, id: &str) -> String {
    let key = dir.join(format!("{name}.pem"));
    let (ok, stdout, stderr) = run_lee(&[
        "sign",
        "--generate",
        "--key",
        &key.to_string_lossy(),
        "--key-id",
        id,
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("[[host.trusted_keys]]"), "{stdout}");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o077, 0, "the private key is readable by others");
    stdout
}

fn sign(dir: &Path, name: &str, id: &str, artifact: &Path) {
    let key = dir.join(format!("{name}.pem"));
    let (ok, _, stderr) = run_lee(&[
        "sign",
        "--key",
        &key.to_string_lossy(),
        "--key-id",
        id,
        &artifact.to_string_lossy(),
    ]);
    assert!(ok, "lee sign: {stderr}");
    assert!(stderr.contains("signed"), "{stderr}");
}

fn append(dir: &Path, text: &str) {
    let path = dir.join("lee.toml");
    let mut manifest = std::fs::read_to_string(&path).unwrap();
    manifest.push('\n');
    manifest.push_str(text);
    std::fs::write(path, manifest).unwrap();
}

fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join("lee.toml");
    let manifest = std::fs::read_to_string(&path).unwrap();
    assert!(manifest.contains(from), "{from:?} not in {manifest}");
    std::fs::write(path, manifest.replacen(from, to, 1)).unwrap();
}

/// hostile (precompiled) with a trusted key "acme" and a signature by it.
fn signed_hostile(keys: &tempfile::TempDir) -> ComponentsDir {
    let dir = hostile::under(hostile::LOADS, 5000);
    append(&dir.path(), &generate(keys.path(), "acme", "acme"));
    sign(
        keys.path(),
        "acme",
        "acme",
        &dir.path().join("hostile.cwasm"),
    );
    dir
}

fn echo(dir: &ComponentsDir) -> lee_e2e::Invocation {
    dir.lee().invoke(&json!({"lee": "test-echo"})).unwrap()
}

fn assert_refused(dir: &ComponentsDir, needle: &str) {
    let run = echo(dir);
    // Log lines are JSON: quotes inside a message are escaped.
    let stderr = run.stderr.replace("\\\"", "\"");
    assert_eq!(
        run.response["error"], "component failed to load",
        "{}",
        run.response
    );
    assert!(stderr.contains(needle), "want {needle:?} in: {stderr}");
    let (ok, stdout, _) = run_lee(&["components", &dir.path().to_string_lossy()]);
    assert!(!ok, "lee components must exit 1");
    assert!(stdout.contains(needle), "want {needle:?} in: {stdout}");
}

#[test]
fn every_shipped_component_signed_loads_and_answers_from_home_assistant() {
    let keys = tempfile::tempdir().unwrap();
    let dir = ComponentsDir::copy_of_dist().unwrap();
    append(&dir.path(), &generate(keys.path(), "pub", "lee-publisher"));
    // Unsigned while keys are configured: refused.
    let unsigned = dir
        .lee()
        .invoke(&intent(
            "GetDeviceState",
            &[("DeviceName", "the Bed-Light")],
        ))
        .unwrap();
    assert!(
        unsigned.stderr.contains("is not signed") && unsigned.stderr.contains("trusted_keys"),
        "{}",
        unsigned.stderr
    );
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "cwasm") {
            sign(keys.path(), "pub", "lee-publisher", &path);
        }
    }
    let run = dir
        .lee()
        .invoke(&intent(
            "GetDeviceState",
            &[("DeviceName", "the Bed-Light")],
        ))
        .unwrap();
    assert!(run.speech().starts_with("Bed Light is "), "{}", run.stderr);
    let (ok, stdout, stderr) = run_lee(&["components", &dir.path().to_string_lossy()]);
    assert!(ok, "{stdout}{stderr}");
}

#[test]
fn a_good_signature_loads_and_an_unsigned_component_does_not() {
    let keys = tempfile::tempdir().unwrap();
    let dir = signed_hostile(&keys);
    assert_eq!(echo(&dir).response["route"], "lee:test-echo");
    std::fs::remove_file(dir.path().join("hostile.cwasm.sig")).unwrap();
    assert_refused(&dir, "is not signed");
}

#[test]
fn a_changed_artifact_with_its_sha256_updated_is_refused() {
    let keys = tempfile::tempdir().unwrap();
    let dir = signed_hostile(&keys);
    let artifact = dir.path().join("hostile.cwasm");
    let old = sha256_hex(&std::fs::read(&artifact).unwrap());
    let old_blake3 = blake3_hex(&std::fs::read(&artifact).unwrap());
    // Someone who can write the directory: another valid component in its place,
    // precompiled elsewhere, its sha256 and blake3 written into the manifest.
    let other = tempfile::tempdir().unwrap();
    std::fs::copy(test_component("scripts"), other.path().join("hostile.wasm")).unwrap();
    std::fs::write(
        other.path().join("lee.toml"),
        hostile::manifest(hostile::LOADS, 5000),
    )
    .unwrap();
    let (ok, _, stderr) = run_lee(&["precompile", &other.path().to_string_lossy()]);
    assert!(ok, "{stderr}");
    std::fs::copy(other.path().join("hostile.cwasm"), &artifact).unwrap();
    let new = sha256_hex(&std::fs::read(&artifact).unwrap());
    assert_ne!(old, new);
    edit(&dir.path(), &old, &new);
    let new_blake3 = blake3_hex(&std::fs::read(&artifact).unwrap());
    edit(&dir.path(), &old_blake3, &new_blake3);
    assert_refused(&dir, "does not match the artifact and its manifest entry");
}

#[test]
fn widened_grants_or_a_changed_version_are_refused() {
    let keys = tempfile::tempdir().unwrap();
    let dir = signed_hostile(&keys);
    edit(&dir.path(), "services = []", "services = [\"light.*\"]");
    assert_refused(&dir, "does not match the artifact and its manifest entry");

    let dir = signed_hostile(&keys_again());
    edit(
        &dir.path(),
        "routes = [\"lee:test-*\"]",
        "routes = [\"lee:test-*\", \"alexa:*\"]",
    );
    assert_refused(&dir, "does not match");
    // Limits are not security-relevant fields: changing them keeps the signature valid.
    let dir = signed_hostile(&keys_again());
    edit(&dir.path(), "timeout_ms = 5000", "timeout_ms = 4000");
    assert_eq!(echo(&dir).response["route"], "lee:test-echo");
}

fn keys_again() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn an_unknown_key_or_a_key_claiming_another_id_is_refused() {
    let keys = tempfile::tempdir().unwrap();
    let dir = signed_hostile(&keys);
    generate(keys.path(), "mallory", "mallory");
    sign(
        keys.path(),
        "mallory",
        "mallory",
        &dir.path().join("hostile.cwasm"),
    );
    assert_refused(
        &dir,
        "signed by key \"mallory\", which is not in the manifest's trusted_keys",
    );
    // The same key claiming the trusted id.
    sign(
        keys.path(),
        "mallory",
        "acme",
        &dir.path().join("hostile.cwasm"),
    );
    assert_refused(&dir, "does not match");
}

#[test]
fn a_key_limited_to_other_components_is_refused() {
    let keys = tempfile::tempdir().unwrap();
    let dir = signed_hostile(&keys);
    edit(
        &dir.path(),
        "id = \"acme\"\n",
        "id = \"acme\"\ncomponents = [\"todo\"]\n",
    );
    assert_refused(&dir, "which may sign only [\"todo\"]");
    edit(
        &dir.path(),
        "components = [\"todo\"]",
        "components = [\"todo\", \"hostile\"]",
    );
    assert_eq!(echo(&dir).response["route"], "lee:test-echo");
}

#[test]
fn an_openssl_key_signs_and_a_bad_key_line_is_a_manifest_problem() {
    let keys = tempfile::tempdir().unwrap();
    let pem = keys.path().join("ops.pem");
    let made = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&pem)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("openssl not available: only lee sign --generate keys are tested");
        return;
    }
    let (ok, entry, stderr) =
        run_lee(&["sign", "--key", &pem.to_string_lossy(), "--key-id", "ops"]);
    assert!(ok, "{stderr}");
    let dir = hostile::under(hostile::LOADS, 5000);
    append(&dir.path(), &entry);
    sign(keys.path(), "ops", "ops", &dir.path().join("hostile.cwasm"));
    assert_eq!(echo(&dir).response["route"], "lee:test-echo");

    append(
        &dir.path(),
        "[[host.trusted_keys]]\nid = \"broken\"\npublic_key = \"AAAA\"\n",
    );
    let run = echo(&dir);
    assert!(
        run.stderr.contains("key \\\"broken\\\": public_key")
            || run.stderr.contains("key \"broken\": public_key"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_publisher_signs_the_wasm_and_the_operator_precompiles_and_signs_the_cwasm() {
    let keys = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(hostile::wasm(), dir.path().join("hostile.wasm")).unwrap();
    std::fs::write(
        dir.path().join("lee.toml"),
        hostile::manifest(hostile::LOADS, 5000),
    )
    .unwrap();
    append(dir.path(), &generate(keys.path(), "publisher", "publisher"));
    append(dir.path(), &generate(keys.path(), "operator", "operator"));
    let precompile = || run_lee(&["precompile", &dir.path().to_string_lossy()]);
    // An unsigned .wasm is not compiled while keys are configured.
    let (ok, _, stderr) = precompile();
    assert!(
        !ok && stderr.contains("is not signed") && stderr.contains("not compiling it"),
        "{stderr}"
    );
    sign(
        keys.path(),
        "publisher",
        "publisher",
        &dir.path().join("hostile.wasm"),
    );
    let (ok, _, stderr) = precompile();
    assert!(ok, "{stderr}");
    // The .cwasm is the operator's compilation: it loads once the operator signs it.
    let lee = Lee::with_components(dir.path().to_path_buf());
    let run = lee.invoke(&json!({"lee": "test-echo"})).unwrap();
    assert!(
        run.stderr.contains("hostile.cwasm.sig missing"),
        "{}",
        run.stderr
    );
    sign(
        keys.path(),
        "operator",
        "operator",
        &dir.path().join("hostile.cwasm"),
    );
    let run = lee.invoke(&json!({"lee": "test-echo"})).unwrap();
    assert_eq!(run.response["route"], "lee:test-echo", "{}", run.stderr);
}
