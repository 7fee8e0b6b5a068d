//! Component artifacts live inside the components directory: one that resolves outside
//! it (a symlink, a symlinked folder, `..`) is refused with a message saying so, even
//! when its sha256 matches the manifest; `lee precompile` keeps a `sub/x.wasm` entry's
//! folder (`sub/x.cwasm`), and the component then loads from there.

use std::os::unix::fs::symlink;
use std::path::Path;

use lee::runtime::loader::sha256_hex;
use lee_e2e::{ComponentsDir, Lee, hostile};
use serde_json::json;

const GRANTS: &str = "read_states = true\nhttp = [\"192.0.2.1:9\"]\ncache_bytes = 4096";

/// A precompiled hostile in its own directory (`hostile.cwasm`, manifest with sha256).
fn precompiled() -> ComponentsDir {
    hostile::under(GRANTS, 5000)
}

fn manifest_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("lee.toml")).expect("lee.toml")
}

/// Runs `lee:test-echo` and `lee components` on `dir`; both must refuse the artifact as
/// outside the components directory.
fn assert_refused_as_outside(dir: &Path, what: &str) {
    let run = Lee::with_components(dir.to_path_buf())
        .invoke(&json!({"lee": "test-echo"}))
        .unwrap();
    assert_eq!(
        run.response["error"], "component failed to load",
        "{what}: {}",
        run.response
    );
    assert!(
        run.stderr.contains("outside the components directory")
            && run.stderr.contains("refusing to load it"),
        "{what}: {}",
        run.stderr
    );
    let listing = Lee::command(&["components", &dir.to_string_lossy()]).unwrap();
    assert_eq!(listing.status.code(), Some(1), "{what}");
    let text = String::from_utf8_lossy(&listing.stdout);
    assert!(
        text.contains("outside the components directory"),
        "{what}: {text}"
    );
}

fn assert_loads(dir: &Path, what: &str) {
    let run = Lee::with_components(dir.to_path_buf())
        .invoke(&json!({"lee": "test-echo"}))
        .unwrap();
    assert_eq!(
        run.response["route"], "lee:test-echo",
        "{what}: {}",
        run.stderr
    );
}

#[test]
fn a_cwasm_symlinked_from_outside_the_components_dir_is_refused() {
    let dir = precompiled();
    let outside = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("hostile.cwasm");
    let moved = outside.path().join("hostile.cwasm");
    std::fs::rename(&artifact, &moved).unwrap();

    // A symlink inside the directory to a file inside it is fine.
    std::fs::create_dir(dir.path().join("store")).unwrap();
    std::fs::copy(&moved, dir.path().join("store/hostile.cwasm")).unwrap();
    symlink(dir.path().join("store/hostile.cwasm"), &artifact).unwrap();
    assert_loads(&dir.path(), "symlink inside");

    // The same bytes (the manifest's sha256 matches) behind a symlink that leaves it.
    std::fs::remove_file(&artifact).unwrap();
    symlink(&moved, &artifact).unwrap();
    assert_refused_as_outside(&dir.path(), "cwasm symlink");
}

#[test]
fn a_folder_symlink_or_dotdot_path_leaving_the_components_dir_is_refused() {
    let dir = precompiled();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(outside.path().join("real")).unwrap();
    std::fs::rename(
        dir.path().join("hostile.cwasm"),
        outside.path().join("real/hostile.cwasm"),
    )
    .unwrap();
    let manifest = manifest_text(&dir.path());

    symlink(outside.path().join("real"), dir.path().join("sub")).unwrap();
    let sub = manifest.replace("file = \"hostile.cwasm\"", "file = \"sub/hostile.cwasm\"");
    assert_ne!(sub, manifest);
    std::fs::write(dir.path().join("lee.toml"), &sub).unwrap();
    assert_refused_as_outside(&dir.path(), "folder symlink");

    // `..` out of a components dir that sits next to the artifact's folder.
    let components = outside.path().join("components");
    std::fs::create_dir(&components).unwrap();
    let dotdot = manifest.replace(
        "file = \"hostile.cwasm\"",
        "file = \"../real/hostile.cwasm\"",
    );
    std::fs::write(components.join("lee.toml"), dotdot).unwrap();
    assert_refused_as_outside(&components, "../ path");
}

#[test]
fn a_wasm_symlinked_from_outside_is_refused_even_with_its_sha256() {
    let wasm = hostile::wasm();
    let bytes = std::fs::read(&wasm).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(&wasm, outside.path().join("hostile.wasm")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let manifest = hostile::manifest(GRANTS, 5000).replace(
        "file = \"hostile.wasm\"",
        &format!(
            "file = \"hostile.wasm\"\nsha256 = \"{}\"",
            sha256_hex(&bytes)
        ),
    );
    std::fs::write(dir.path().join("lee.toml"), manifest).unwrap();
    std::fs::copy(&wasm, dir.path().join("hostile.wasm")).unwrap();
    assert_loads(dir.path(), "a plain wasm with its sha256");

    std::fs::remove_file(dir.path().join("hostile.wasm")).unwrap();
    symlink(
        outside.path().join("hostile.wasm"),
        dir.path().join("hostile.wasm"),
    )
    .unwrap();
    assert_refused_as_outside(dir.path(), "wasm symlink");
}

#[test]
fn precompile_keeps_a_sub_folder_and_the_component_loads_from_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::copy(hostile::wasm(), dir.path().join("sub/hostile.wasm")).unwrap();
    let manifest = hostile::manifest(GRANTS, 5000)
        .replace("file = \"hostile.wasm\"", "file = \"sub/hostile.wasm\"");
    std::fs::write(dir.path().join("lee.toml"), manifest).unwrap();

    let precompile = Lee::command(&["precompile", &dir.path().to_string_lossy()]).unwrap();
    assert!(
        precompile.status.success(),
        "{}",
        String::from_utf8_lossy(&precompile.stderr)
    );
    let compiled = std::fs::read(dir.path().join("sub/hostile.cwasm")).expect("sub/hostile.cwasm");
    let recorded = manifest_text(dir.path());
    assert!(
        recorded.contains("file = \"sub/hostile.cwasm\""),
        "{recorded}"
    );
    assert!(
        recorded.contains(&format!("sha256 = \"{}\"", sha256_hex(&compiled))),
        "{recorded}"
    );
    assert!(!dir.path().join("hostile.cwasm").exists());

    // Only the precompiled artifact is left, and it is what loads.
    std::fs::remove_file(dir.path().join("sub/hostile.wasm")).unwrap();
    assert_loads(dir.path(), "sub/hostile.cwasm");
    let listing = Lee::command(&["components", &dir.path().to_string_lossy()]).unwrap();
    assert_eq!(
        listing.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&listing.stdout)
    );
}
