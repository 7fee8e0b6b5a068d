//! `lee new`: a new extension component from the templates in `extensions/templates/`
//! (compiled into the binary, so it works wherever `lee` is): the smallest working
//! component for Rust, JavaScript or Python against this lee's WIT, a build script, and
//! the manifest entry to opt it in. The folder builds offline once its toolchain is
//! installed.

use std::path::{Path, PathBuf};

use lee_contract::route::{Route, Scheme};

/// A template's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Rust,
    Javascript,
    Python,
}

/// (path in the new folder, template text)
type Files = &'static [(&'static str, &'static str)];

const RUST: Files = &[
    (
        "Cargo.toml",
        include_str!("../../extensions/templates/rust/Cargo.toml"),
    ),
    (
        "src/lib.rs",
        include_str!("../../extensions/templates/rust/src/lib.rs"),
    ),
    (
        "build.sh",
        include_str!("../../extensions/templates/rust/build.sh"),
    ),
];
const JAVASCRIPT: Files = &[
    (
        "app.js",
        include_str!("../../extensions/templates/javascript/app.js"),
    ),
    (
        "package.json",
        include_str!("../../extensions/templates/javascript/package.json"),
    ),
    (
        "build.sh",
        include_str!("../../extensions/templates/javascript/build.sh"),
    ),
];
const PYTHON: Files = &[
    (
        "app.py",
        include_str!("../../extensions/templates/python/app.py"),
    ),
    (
        "build.sh",
        include_str!("../../extensions/templates/python/build.sh"),
    ),
];

/// The WIT the component is built against.
const GATEWAY_WIT: &str = include_str!("../../wit/gateway.wit");

const MANIFEST: &str = r#"# The manifest entry of {{id}}: append it to your components directory's lee.toml,
# copy {{id}}.wasm there, and run `lee precompile <dir>` (it records the sha256).
# Grants: add only what the component needs (see the README's grant table); without
# a grant every call to that interface answers `denied`.
[[component]]
id = "{{id}}"
file = "{{id}}.wasm"
version = "0.1.0"
routes = ["{{route}}"]
[component.grants]
[component.limits]
memory_mib = 32
timeout_ms = 5000
"#;

/// Creates `parent/<id>/` from the template for `lang`; returns the folder.
pub fn create(parent: &Path, id: &str, lang: Lang, route: Option<&str>) -> anyhow::Result<PathBuf> {
    let valid_id = !id.is_empty()
        && id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_id {
        anyhow::bail!(
            "component id {id:?} must be lower-case letters, digits and '-', starting with a letter"
        );
    }
    let route = match route {
        Some(r) => Route::parse(r).map_err(|e| anyhow::anyhow!("route {r:?} {e}"))?,
        None => {
            let intent: String = id
                .split('-')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            Route::named(Scheme::Skill, &format!("{intent}Hello"))
                .map_err(|e| anyhow::anyhow!("default route: {e}"))?
        }
    };
    let dir = parent.join(id);
    if dir.exists() {
        anyhow::bail!("{} already exists", dir.display());
    }
    let crate_name = format!("lee-ext-{id}");
    let fill = |text: &str| {
        text.replace("{{id}}", id)
            .replace("{{route}}", route.as_str())
            .replace("{{crate}}", &crate_name)
            .replace("{{crate_file}}", &crate_name.replace('-', "_"))
            .replace("{{wit_version}}", lee_contract::wit_version())
    };
    let files = match lang {
        Lang::Rust => RUST,
        Lang::Javascript => JAVASCRIPT,
        Lang::Python => PYTHON,
    };
    let write = |relative: &str, text: &str| -> anyhow::Result<()> {
        let path = dir.join(relative);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", folder.display()))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
    };
    for (relative, text) in files {
        write(relative, &fill(text))?;
    }
    write("wit/gateway.wit", GATEWAY_WIT)?;
    write("lee.toml", &fill(MANIFEST))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let script = dir.join("build.sh");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_in() {
        let parent = tempfile::tempdir().unwrap();
        let dir = create(parent.path(), "weather-joke", Lang::Rust, None).unwrap();
        let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert!(lib.contains("\"skill:WeatherJokeHello\" =>"), "{lib}");
        for placeholder in ["{{id}}", "{{route}}", "{{crate", "{{wit_version}}"] {
            assert!(!lib.contains(placeholder), "{placeholder} left: {lib}");
        }
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(dir.join("lee.toml")).unwrap()).unwrap();
        assert_eq!(
            manifest["component"][0]["routes"][0].as_str(),
            Some("skill:WeatherJokeHello")
        );
        assert!(dir.join("wit/gateway.wit").is_file());
        let js = create(parent.path(), "js", Lang::Javascript, Some("skill:Ping")).unwrap();
        let app = std::fs::read_to_string(js.join("app.js")).unwrap();
        assert!(app.contains(&format!("lee:gateway/log@{}", lee_contract::wit_version())));
        assert!(
            create(parent.path(), "js", Lang::Python, None).is_err(),
            "exists"
        );
        assert!(create(parent.path(), "Bad_Id", Lang::Python, None).is_err());
        assert!(create(parent.path(), "ok", Lang::Python, Some("nonsense")).is_err());
    }
}
