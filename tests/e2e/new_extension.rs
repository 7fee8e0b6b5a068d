//! `lee new` for each language: the folder it writes builds with that language's
//! toolchain (the ones `extensions/build.sh` installed: componentize-py in the cached
//! venv, componentize-js from npm's cache, Rust's wasm32-wasip2 target), its manifest
//! entry goes into a components directory unchanged, and the component answers its route
//! through the real `lee`.

use std::path::{Path, PathBuf};
use std::process::Command;

use lee_e2e::{ComponentsDir, Lee, intent};

/// The cache `extensions/build.sh` fills (`LEE_CACHE`, default ~/.cache/lee).
fn cache() -> PathBuf {
    std::env::var_os("LEE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/lee")
        })
}

/// `lee new <id> --lang <lang> --dir <parent>`, then the folder's own build.sh.
fn scaffold_and_build(parent: &Path, id: &str, lang: &str) -> PathBuf {
    let parent_text = parent.to_string_lossy();
    let output =
        Lee::command(&["new", id, "--lang", lang, "--dir", &parent_text]).expect("lee new");
    assert!(
        output.status.success(),
        "lee new: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let folder = parent.join(id);
    let venv_bin = cache().join("ext-venv/bin");
    let path = format!(
        "{}:{}",
        venv_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new(folder.join("build.sh"))
        .env("PATH", path)
        // Rust: one target dir for every run, so the template's crates build once.
        .env("CARGO_TARGET_DIR", cache().join("new-extension-target"))
        .output()
        .expect("run build.sh");
    assert!(
        output.status.success(),
        "{lang} build.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let wasm = folder.join(format!("{id}.wasm"));
    assert!(wasm.is_file(), "{} was not built", wasm.display());
    folder
}

fn answers(id: &str, lang: &str, intent_name: &str) {
    let parent = tempfile::tempdir().expect("tempdir");
    let folder = scaffold_and_build(parent.path(), id, lang);
    let manifest = std::fs::read_to_string(folder.join("lee.toml")).expect("lee.toml");
    let wasm = format!("{id}.wasm");
    let dir =
        ComponentsDir::new(&manifest, &[(&wasm, folder.join(&wasm))]).expect("components dir");
    let run = dir
        .lee()
        .invoke(&intent(intent_name, &[]))
        .expect("lee invoke");
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.speech(),
        format!("Hello from {id}."),
        "{}\n{}",
        run.response,
        run.stderr
    );
}

#[test]
fn a_new_python_extension_builds_and_answers() {
    answers("hello-py", "python", "HelloPyHello");
}

#[test]
fn a_new_javascript_extension_builds_and_answers() {
    answers("hello-js", "javascript", "HelloJsHello");
}

#[test]
fn a_new_rust_extension_builds_and_answers() {
    answers("hello-rs", "rust", "HelloRsHello");
}

#[test]
fn a_bad_id_or_route_is_refused_with_a_reason() {
    let parent = tempfile::tempdir().expect("tempdir");
    let dir = parent.path().to_string_lossy().to_string();
    for (args, expected) in [
        (vec!["new", "Bad_Id", "--lang", "python"], "lower-case"),
        (
            vec!["new", "ok", "--lang", "python", "--route", "nonsense"],
            "route",
        ),
    ] {
        let mut args = args;
        args.extend(["--dir", &dir]);
        let output = Lee::command(&args).expect("lee new");
        assert!(!output.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
