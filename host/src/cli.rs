//! The `lee` command line: `lambda`, `invoke`, `reporter`, `precompile`, `components`, `doctor`,
//! `new`. The same
//! binary is shipped as the Lambda `bootstrap`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand};
use serde_json::json;

use crate::capabilities::{Capabilities, Init, MetricsSink};
use crate::event::Event;
use crate::gateway::Gateway;
use crate::runtime::engine;
use crate::runtime::loader;
use crate::runtime::manifest::Manifest;
use crate::settings::Settings;

#[derive(Parser, Debug)]
#[command(
    name = "lee",
    version,
    about = "Lambda Execution Engine: Alexa <-> Home Assistant through WebAssembly components"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run as an AWS Lambda custom runtime (the default when AWS_LAMBDA_RUNTIME_API is set).
    Lambda {
        #[arg(long)]
        components: Option<PathBuf>,
    },
    /// Run one event (FILE or - for stdin) through the Lambda code path; print the response.
    Invoke {
        #[arg(default_value = "-")]
        file: String,
        /// Components directory (default: $LEE_COMPONENTS_DIR, ./components beside the binary, /opt/components).
        #[arg(long)]
        components: Option<PathBuf>,
        /// Print one JSON line with timings on stderr.
        #[arg(long)]
        timings: bool,
        /// Request id to use (default: a fresh UUID).
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Run beside Home Assistant and send Alexa's proactive events (ChangeReport,
    /// DoorbellPress); needs ALEXA_CLIENT_ID, ALEXA_CLIENT_SECRET, LEE_REPORTER_STATE_DIR.
    Reporter {
        #[arg(long)]
        components: Option<PathBuf>,
        /// Print the running reporter's health (exit 0 when connected and linked).
        #[arg(long)]
        status: bool,
    },
    /// Compile every component's .wasm to .cwasm for a target (baseline CPU) and record
    /// sha256, blake3, the target and the engine's compatibility hash in the manifest.
    Precompile {
        dir: PathBuf,
        /// aarch64-unknown-linux-gnu or x86_64-unknown-linux-gnu (default: this lee's).
        #[arg(long)]
        target: Option<String>,
    },
    /// A new extension component from a template: folder, WIT, build script, manifest entry.
    New {
        /// Component id (lower-case letters, digits, '-'); also the folder's name.
        id: String,
        #[arg(long, value_enum)]
        lang: crate::scaffold::Lang,
        /// The route it answers (default: skill:<Id>Hello).
        #[arg(long)]
        route: Option<String>,
        /// Where to create the folder.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Check the configuration, Home Assistant, the components and explain Discovery; exit 1 when a check fails.
    Doctor {
        #[arg(long)]
        components: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List components, routes, grants and real imports; exit 1 when the manifest is inconsistent.
    Components {
        dir: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Sign a component artifact (ed25519) into ARTIFACT.sig, or make a signing key.
    Sign(crate::sign::SignArgs),
}

/// Components directory: flag, then $LEE_COMPONENTS_DIR, then `components/` beside the
/// binary, then the Lambda layer path.
pub fn components_dir(flag: Option<PathBuf>, settings: &Settings) -> PathBuf {
    if let Some(dir) = flag.or_else(|| settings.components_dir.clone()) {
        return dir;
    }
    if let Some(beside) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|p| p.join("components")))
        .filter(|p| p.join(crate::runtime::manifest::MANIFEST_FILE).is_file())
    {
        return beside;
    }
    PathBuf::from("/opt/components")
}

/// Runs the CLI; returns the process exit code.
pub async fn run(cli: Cli, process_start: Instant) -> anyhow::Result<i32> {
    crate::gateway::serve_doctor_with(crate::doctor::event_route);
    let in_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    let command = match cli.command {
        Some(command) => command,
        None if in_lambda => Command::Lambda { components: None },
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            return Ok(2);
        }
    };
    if let Command::Doctor { components, json } = command {
        // Before the settings are parsed: reporting a bad setting is the doctor's job.
        crate::logging::init("error");
        return Ok(crate::doctor::run(components, json, components_dir).await);
    }
    let settings = Settings::from_env()?;
    let debug = settings.debug;
    match command {
        Command::Lambda { components } => {
            crate::logging::init(if debug { "debug" } else { "info" });
            let dir = components_dir(components, &settings);
            let gateway = Gateway::new(settings, &dir, MetricsSink::Emf)?;
            crate::lambda::run(gateway, process_start).await?;
            Ok(0)
        }
        Command::Invoke {
            file,
            components,
            timings,
            request_id,
        } => {
            crate::logging::init(if debug { "debug" } else { "warn" });
            invoke(
                file,
                components,
                timings,
                request_id,
                settings,
                process_start,
            )
            .await
        }
        Command::Reporter { components, status } => {
            crate::logging::init(if debug { "debug" } else { "info" });
            let dir = components_dir(components, &settings);
            crate::reporter::run(settings, &dir, status).await
        }
        Command::Precompile { dir, target } => {
            crate::logging::init("warn");
            precompile(&dir, target.as_deref())?;
            Ok(0)
        }
        Command::New {
            id,
            lang,
            route,
            dir,
        } => {
            let folder = crate::scaffold::create(&dir, &id, lang, route.as_deref())?;
            println!(
                "created {}: build it with {}/build.sh, then add its lee.toml entry to your components directory",
                folder.display(),
                folder.display()
            );
            Ok(0)
        }
        Command::Doctor { .. } => Ok(2),
        Command::Components { dir, json } => {
            crate::logging::init("error");
            let dir = components_dir(dir, &settings);
            Ok(list_components(&dir, &settings, json))
        }
        Command::Sign(args) => {
            crate::logging::init("warn");
            crate::sign::run(args)
        }
    }
}

async fn invoke(
    file: String,
    components: Option<PathBuf>,
    print_timings: bool,
    request_id: Option<String>,
    settings: Settings,
    process_start: Instant,
) -> anyhow::Result<i32> {
    let text = if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?
    };
    let event = Event::parse(text).map_err(|e| anyhow::anyhow!("event is not valid JSON: {e}"))?;
    let dir = components_dir(components, &settings);
    let gateway = Gateway::new(settings, &dir, MetricsSink::Discard)?;
    let init_us = process_start.elapsed().as_micros() as u64;
    let request_id = request_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let result = gateway.handle(event, &request_id, None).await;
    // A one-shot process: let the OS reclaim the engine's pools instead of tearing them
    // down piece by piece (measurably slower on the cold-start path).
    std::mem::forget(gateway);
    match result {
        Ok(mut outcome) => {
            let mut text = serde_json::to_string_pretty(&outcome.response.json())?;
            text.push('\n');
            // Write errors (a closed pipe) must not panic; the exit code still reports them.
            if std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes()).is_err() {
                return Ok(1);
            }
            if print_timings {
                outcome.timings.init_us = init_us;
                outcome.timings.total_us = process_start.elapsed().as_micros() as u64;
                eprintln!("{}", serde_json::to_string(&outcome.timings)?);
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("lee: {e}");
            Ok(2)
        }
    }
}

#[cfg(feature = "compiler")]
fn precompile(dir: &Path, target: Option<&str>) -> anyhow::Result<()> {
    crate::runtime::precompile::precompile(dir, target)
}

#[cfg(not(feature = "compiler"))]
fn precompile(_dir: &Path, _target: Option<&str>) -> anyhow::Result<()> {
    anyhow::bail!(
        "this lee is the Lambda bootstrap, built without the compiler: run `lee precompile` \
         with the full lee CLI (./build.sh builds dist/lee)"
    )
}

/// Prints the components and their state; returns 0 when everything is consistent.
fn list_components(dir: &Path, settings: &Settings, as_json: bool) -> i32 {
    let manifest = match Manifest::load_unchecked(dir) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("lee: {e}");
            return 1;
        }
    };
    let problems = manifest.problems();
    let engine = match engine::new_engine() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("lee: {e}");
            return 1;
        }
    };
    let init = Init {
        settings,
        metrics_sink: MetricsSink::Discard,
    };
    let capabilities = match Capabilities::new(&init) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("lee: {e}");
            return 1;
        }
    };
    let mut failures = 0;
    let mut rows = Vec::new();
    for entry in &manifest.components {
        let (imports, status) = match loader::load(&engine, &capabilities, &manifest, entry) {
            Ok(loaded) => (loaded.imports.clone(), "ok".to_string()),
            Err(e) => {
                failures += 1;
                (Vec::new(), e.to_string())
            }
        };
        let denied = loader::ungranted_imports(&imports, &entry.grants);
        rows.push(json!({
            "id": entry.id,
            "version": entry.version,
            "file": entry.file,
            "routes": entry.routes,
            "grants": entry.grants,
            "limits": entry.limits,
            "imports": imports,
            "denied_imports": denied,
            "status": status,
        }));
    }
    let mut out = String::new();
    if as_json {
        let doc = json!({"manifest": manifest.path(), "components": rows, "problems": problems});
        out.push_str(&serde_json::to_string_pretty(&doc).unwrap_or_default());
        out.push('\n');
    } else {
        out.push_str(&format!("manifest: {}\n", manifest.path().display()));
        for row in &rows {
            out.push_str(&format!(
                "\n{} {}  ({})\n  routes:  {}\n  grants:  {}\n  limits:  {}\n  imports: {}\n  denied:  {} (imported, not granted: every call answers denied)\n  status:  {}\n",
                row["id"].as_str().unwrap_or_default(),
                row["version"].as_str().unwrap_or_default(),
                row["file"].as_str().unwrap_or_default(),
                row["routes"],
                row["grants"],
                row["limits"],
                row["imports"],
                row["denied_imports"],
                row["status"].as_str().unwrap_or_default(),
            ));
        }
        for problem in &problems {
            out.push_str(&format!("\nproblem: {problem}\n"));
        }
    }
    // A closed pipe (`lee components | head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
    if problems.is_empty() && failures == 0 {
        0
    } else {
        1
    }
}
