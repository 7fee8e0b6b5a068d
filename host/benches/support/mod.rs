//! Shared set-up for the criterion benches: where the repository is, the settings of a
//! harness Home Assistant (from its `ha.env`), and scratch component directories built
//! from `dist/components`.

#![allow(dead_code)] // each bench uses its own subset

use std::path::{Path, PathBuf};

use lee::event::Event;
use lee::settings::Settings;
use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Settings for the harness Home Assistant whose env file is `env_file` (relative to
/// the repository); the process environment wins. `None` when the file is missing.
pub fn settings_for(env_file: &str) -> Option<Settings> {
    let file = std::fs::read_to_string(repo().join(env_file)).ok()?;
    let from_file = |name: &str| {
        file.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let from_env = |name: &str| match name {
        // The file decides which Home Assistant; only other settings come from the
        // environment.
        "HOME_ASSISTANT_URL" | "HOME_ASSISTANT_TOKEN" => None,
        _ => std::env::var(name).ok(),
    };
    Some(
        Settings::from_lookup(|name| from_env(name).or_else(|| from_file(name))).expect("settings"),
    )
}

/// The demo harness Home Assistant (`tests/ha/ha.sh start`).
pub fn demo_settings() -> Settings {
    settings_for("target/ha/ha.env").expect("run tests/ha/ha.sh start (or ./build.sh bench)")
}

/// A scratch copy of `dist/components`; `edit` may rewrite the manifest text (and add
/// files) before everything is precompiled.
pub fn components_dir(edit: impl FnOnce(&Path, String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(repo().join("dist/components")).expect("run ./build.sh first") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    let manifest = std::fs::read_to_string(dir.path().join("lee.toml")).expect("manifest");
    let manifest = edit(dir.path(), manifest);
    std::fs::write(dir.path().join("lee.toml"), manifest).expect("write manifest");
    lee::runtime::precompile::precompile(dir.path(), None).expect("precompile");
    dir
}

/// The event as the gateway takes it. Built from JSON each iteration (a clone and one
/// serialisation, the same work the host did before it kept the received text).
pub fn event_of(json: &Value) -> Event {
    Event::from_json(json.clone())
}
