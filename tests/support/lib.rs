//! Shared support for lee's end-to-end tests: the real `lee` binary and components from
//! `dist/`, the real Home Assistant started by `tests/ha/ha.sh` (its URL and token from
//! the environment or `target/ha/ha.env`), Amazon's Alexa Smart Home schema, and
//! scratch components directories with their own manifests.
//!
//! Nothing here is a mock: every helper drives real processes over 127.0.0.1.

pub mod alexa;
pub mod echo_server;
pub mod elf;
pub mod fake_amazon;
pub mod fault_matrix;
pub mod fault_server;
pub mod ha_admin;
pub mod hostile;
pub mod in_process;
pub mod lambda_api;
pub mod lambda_process;
pub mod leaks;
pub mod parameters_extension;
pub mod peak;
pub mod reporter_process;
pub mod ssm_extension;
pub mod static_home;
pub mod tls_server;
pub mod xray_daemon;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// Serialises tests that change shared Home Assistant state (lights, house mode...).
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// A port on 127.0.0.1 where nothing listens (Home Assistant "stopped").
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `dist/lee` as built by `./build.sh`.
pub fn lee_binary() -> PathBuf {
    let path = repo_root().join("dist/lee");
    assert!(
        path.is_file(),
        "{} is missing: run ./build.sh first",
        path.display()
    );
    path
}

/// `dist/components`.
pub fn dist_components() -> PathBuf {
    repo_root().join("dist/components")
}

/// A component's wasm as `./build.sh test` staged it in `target/test-components/`: the
/// test-only components (hostile, scripts-v2) and every shipped component, so tests can
/// load them under scratch manifests (e.g. with reduced grants).
pub fn test_component(name: &str) -> PathBuf {
    let path = repo_root().join(format!("target/test-components/{name}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run ./build.sh test",
        path.display()
    );
    path
}

/// The Home Assistant the harness started.
#[derive(Debug, Clone)]
pub struct HomeAssistant {
    pub url: String,
    pub token: String,
}

fn read_env_file(relative: &str) -> Vec<(String, String)> {
    let path = repo_root().join(relative);
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

impl HomeAssistant {
    /// From HOME_ASSISTANT_URL/TOKEN, else `target/ha/ha.env`. Panics with a hint when
    /// neither exists: these tests need the real Home Assistant.
    pub fn get() -> &'static HomeAssistant {
        static HA: OnceLock<HomeAssistant> = OnceLock::new();
        HA.get_or_init(|| {
            let file = read_env_file("target/ha/ha.env");
            let lookup = |name: &str| {
                std::env::var(name)
                    .ok()
                    .or_else(|| file.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            };
            match (lookup("HOME_ASSISTANT_URL"), lookup("HOME_ASSISTANT_TOKEN")) {
                (Some(url), Some(token)) => HomeAssistant { url, token },
                _ => panic!(
                    "no Home Assistant: run `tests/ha/ha.sh start` (or ./build.sh test) first"
                ),
            }
        })
    }

    /// The synthetic large home (`LEE_HA_HOME=synthetic tests/ha/ha.sh start`, 1,000 YAML
    /// entities), from `target/ha-synthetic/ha.env`.
    pub fn synthetic() -> &'static HomeAssistant {
        static HA: OnceLock<HomeAssistant> = OnceLock::new();
        HA.get_or_init(|| {
            let file = read_env_file("target/ha-synthetic/ha.env");
            let lookup = |name: &str| file.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            match (lookup("HOME_ASSISTANT_URL"), lookup("HOME_ASSISTANT_TOKEN")) {
                (Some(url), Some(token)) => HomeAssistant { url, token },
                _ => panic!(
                    "no synthetic Home Assistant: run `LEE_HA_HOME=synthetic tests/ha/ha.sh start` \
                     (or ./build.sh test) first"
                ),
            }
        })
    }

    /// The HTTP client for the harness Home Assistant (plain HTTP on loopback, no proxy).
    pub fn client() -> &'static reqwest::blocking::Client {
        static CLIENT: OnceLock<reqwest::blocking::Client> = OnceLock::new();
        CLIENT.get_or_init(|| {
            let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("tls versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
            reqwest::blocking::Client::builder()
                .tls_backend_preconfigured(tls)
                .timeout(Duration::from_secs(20))
                .no_proxy()
                .build()
                .expect("http client")
        })
    }

    /// GET /api/states/<id>.
    pub fn state(&self, entity_id: &str) -> Result<Value> {
        let response = Self::client()
            .get(format!("{}/api/states/{entity_id}", self.url))
            .bearer_auth(&self.token)
            .send()?;
        if !response.status().is_success() {
            bail!("GET state {entity_id}: HTTP {}", response.status());
        }
        Ok(response.json()?)
    }

    /// GET /api/states.
    pub fn states(&self) -> Result<Vec<Value>> {
        let response = Self::client()
            .get(format!("{}/api/states", self.url))
            .bearer_auth(&self.token)
            .send()?;
        Ok(response.error_for_status()?.json()?)
    }

    /// POST /api/services/<domain>/<service>.
    pub fn call_service(&self, domain: &str, service: &str, data: Value) -> Result<Value> {
        let response = Self::client()
            .post(format!("{}/api/services/{domain}/{service}", self.url))
            .bearer_auth(&self.token)
            .json(&data)
            .send()?;
        if !response.status().is_success() {
            bail!("{domain}.{service}: HTTP {}", response.status());
        }
        Ok(response.json()?)
    }

    /// POST to any API path with the harness token (e.g. HA's own /api/alexa/smart_home).
    pub fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let response = Self::client()
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(body)
            .send()?;
        Ok(response.error_for_status()?.json()?)
    }

    /// DELETE /api/states/<id> (removes a state the test created).
    pub fn delete_state(&self, entity_id: &str) -> Result<()> {
        Self::client()
            .delete(format!("{}/api/states/{entity_id}", self.url))
            .bearer_auth(&self.token)
            .send()?
            .error_for_status()?;
        Ok(())
    }

    /// Polls `entity_id` until `check` accepts its state (HA runs scripts asynchronously).
    pub fn wait_for(&self, entity_id: &str, check: impl Fn(&Value) -> bool) -> Result<Value> {
        let mut last = Value::Null;
        for _ in 0..100 {
            last = self.state(entity_id)?;
            if check(&last) {
                return Ok(last);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("{entity_id} never reached the expected state; last: {last}")
    }
}

/// What one `lee invoke` produced.
#[derive(Debug)]
pub struct Invocation {
    pub response: Value,
    pub stderr: String,
    pub status: i32,
}

impl Invocation {
    /// The `--timings` JSON line from stderr.
    pub fn timings(&self) -> Option<Value> {
        self.stderr
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v.get("total_us").is_some())
    }

    /// A custom-skill response's spoken text.
    pub fn speech(&self) -> String {
        self.response
            .pointer("/response/outputSpeech/text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

/// A way to run `lee invoke` with a components directory and environment.
#[derive(Debug, Clone)]
pub struct Lee {
    pub components: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Lee {
    /// `dist/components` against the harness Home Assistant.
    pub fn dist() -> Self {
        Self::with_components(dist_components())
    }

    /// Any components directory against the harness Home Assistant.
    pub fn with_components(components: PathBuf) -> Self {
        let ha = HomeAssistant::get();
        Self {
            components,
            env: vec![
                ("HOME_ASSISTANT_URL".into(), ha.url.clone()),
                ("HOME_ASSISTANT_TOKEN".into(), ha.token.clone()),
            ],
        }
    }

    /// `dist/components` against another Home Assistant.
    pub fn dist_against(ha: &HomeAssistant) -> Self {
        Self::dist()
            .env("HOME_ASSISTANT_URL", &ha.url)
            .env("HOME_ASSISTANT_TOKEN", &ha.token)
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.into(), value.into()));
        self
    }

    /// Runs `lee invoke - --timings` with `event` on stdin.
    pub fn invoke(&self, event: &Value) -> Result<Invocation> {
        let output = self.run_invoke(event, &[])?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let response = if stdout.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&stdout)
                .with_context(|| format!("stdout is not JSON: {stdout}"))?
        };
        Ok(Invocation {
            response,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            status: output.status.code().unwrap_or(-1),
        })
    }

    fn run_invoke(&self, event: &Value, extra: &[&str]) -> Result<Output> {
        let mut command = Command::new(lee_binary());
        command
            .arg("invoke")
            .arg("-")
            .arg("--timings")
            .arg("--components")
            .arg(&self.components)
            .args(extra)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().context("spawn lee")?;
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().context("stdin")?;
            stdin.write_all(event.to_string().as_bytes())?;
        }
        Ok(child.wait_with_output()?)
    }

    /// Runs another `lee` subcommand.
    pub fn command(args: &[&str]) -> Result<Output> {
        Ok(Command::new(lee_binary()).args(args).output()?)
    }
}

/// A scratch components directory: copy artifacts in, write a manifest, precompile.
pub struct ComponentsDir {
    pub dir: tempfile::TempDir,
}

impl ComponentsDir {
    /// `manifest` is the lee.toml text; `files` are (name in dir, source path).
    pub fn new(manifest: &str, files: &[(&str, PathBuf)]) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        for (name, source) in files {
            std::fs::copy(source, dir.path().join(name))
                .with_context(|| format!("copy {}", source.display()))?;
        }
        std::fs::write(dir.path().join("lee.toml"), manifest)?;
        let output = Lee::command(&["precompile", &dir.path().to_string_lossy()])?;
        if !output.status.success() {
            bail!(
                "precompile failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(Self { dir })
    }

    /// A copy of `dist/components` that a test may change.
    pub fn copy_of_dist() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        for entry in std::fs::read_dir(dist_components())? {
            let entry = entry?;
            std::fs::copy(entry.path(), dir.path().join(entry.file_name()))?;
        }
        Ok(Self { dir })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn lee(&self) -> Lee {
        Lee::with_components(self.path())
    }
}

/// The grant the hostile test component needs just to load (it imports `http`). It
/// reaches nothing: `localhost` resolves only to loopback, which the http import refuses
/// without `allow_private` (tests of the http rules grant exactly what they use, see
/// [`hostile`]).
pub const HOSTILE_HTTP_GRANT: &str = r#"http = ["localhost:9"]"#;

/// A scratch components dir with the hostile test component on `lee:test-*` and
/// `alexa:*` (where it reads the endpoint's state now, standing in for an Alexa
/// component): grants `script.*`, read_states, a 4 KiB cache plus `extra_grants`;
/// 16 MiB of memory and `timeout_ms`.
pub fn hostile_components(extra_grants: &str, timeout_ms: u32) -> ComponentsDir {
    hostile_components_granted(r#"["script.*"]"#, extra_grants, timeout_ms)
}

/// Like [`hostile_components`] with the service grant patterns `services` (a TOML array).
pub fn hostile_components_granted(
    services: &str,
    extra_grants: &str,
    timeout_ms: u32,
) -> ComponentsDir {
    let manifest = format!(
        r#"
[[component]]
id = "hostile"
file = "hostile.wasm"
routes = ["lee:test-*", "alexa:*"]
[component.grants]
services = {services}
read_states = true
cache_bytes = 4096
{extra_grants}
[component.limits]
memory_mib = 16
timeout_ms = {timeout_ms}
"#
    );
    ComponentsDir::new(&manifest, &[("hostile.wasm", test_component("hostile"))])
        .expect("components dir")
}

/// Runs the hostile component's `lee:test-forbidden` (it calls `light.turn_off` on
/// `light.bed_light`, which no hostile manifest grants) and checks that the guest got
/// `denied`, the refusal was logged, nothing reached Home Assistant and the light stayed on.
pub fn assert_light_off_is_denied(dir: &ComponentsDir) {
    let ha = HomeAssistant::get();
    ha.call_service("light", "turn_on", json!({"entity_id": "light.bed_light"}))
        .expect("bed light on");
    ha.wait_for("light.bed_light", |s| s["state"] == "on")
        .expect("bed light is on");
    let run = dir
        .lee()
        .invoke(&json!({"lee": "test-forbidden", "entity_id": "light.bed_light"}))
        .expect("lee invoke");
    assert_eq!(run.response["called"], false, "{}", run.response);
    assert_eq!(
        run.response["outcome"]["error"], "denied",
        "{}",
        run.response
    );
    assert!(
        run.stderr.contains("component call refused by its grants"),
        "the refusal is logged: {}",
        run.stderr
    );
    assert_eq!(
        run.timings().expect("timings")["ha_calls"],
        0,
        "nothing reached Home Assistant"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(ha.state("light.bed_light").expect("state")["state"], "on");
}

/// Amazon's Alexa Smart Home response schema (draft-04) from ../shared.
pub fn alexa_schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = repo_root().join(
            "../shared/alexa-smarthome/validation_schemas/alexa_smart_home_message_schema.json",
        );
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::draft4::new(&schema).expect("schema compiles")
    })
}

/// Panics with every schema violation when `response` is not a valid Alexa message.
pub fn assert_alexa_valid(response: &Value) {
    let errors: Vec<String> = alexa_schema()
        .iter_errors(response)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(
        errors.is_empty(),
        "response violates Amazon's Alexa Smart Home schema:\n{}\nresponse: {}",
        errors.join("\n"),
        serde_json::to_string_pretty(response).unwrap_or_default()
    );
}

/// A custom-skill IntentRequest with string slots.
pub fn intent(name: &str, slots: &[(&str, &str)]) -> Value {
    let slots: serde_json::Map<String, Value> = slots
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                json!({"name": k, "value": v, "confirmationStatus": "NONE"}),
            )
        })
        .collect();
    json!({
        "version": "1.0",
        "session": {
            "new": true,
            "sessionId": "amzn1.echo-api.session.test",
            "application": {"applicationId": "amzn1.ask.skill.test"},
            "user": {"userId": "amzn1.ask.account.test"},
            "attributes": {}
        },
        "context": {"System": {
            "application": {"applicationId": "amzn1.ask.skill.test"},
            "user": {"userId": "amzn1.ask.account.test"}
        }},
        "request": {
            "type": "IntentRequest",
            "requestId": "amzn1.echo-api.request.test",
            "timestamp": "2026-11-28T00:00:00Z",
            "locale": "en-US",
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": slots}
        }
    })
}

/// An Alexa Smart Home directive addressed to `endpoint_id` (or none for Discovery),
/// carrying the harness token as Alexa's account-linking bearer token.
pub fn directive(namespace: &str, name: &str, endpoint_id: Option<&str>, payload: Value) -> Value {
    directive_with_token(
        namespace,
        name,
        endpoint_id,
        payload,
        &HomeAssistant::get().token,
    )
}

/// Like [`directive`] with an explicit bearer token.
pub fn directive_with_token(
    namespace: &str,
    name: &str,
    endpoint_id: Option<&str>,
    mut payload: Value,
    token: &str,
) -> Value {
    let scope = json!({"type": "BearerToken", "token": token});
    let mut directive = json!({
        "header": {
            "namespace": namespace,
            "name": name,
            "payloadVersion": "3",
            "messageId": "test-message-id",
            "correlationToken": "test-correlation-token"
        }
    });
    match endpoint_id {
        Some(id) => {
            directive["endpoint"] = json!({"scope": scope, "endpointId": id, "cookie": {}});
        }
        None => {
            if let Some(header) = directive["header"].as_object_mut() {
                header.remove("correlationToken");
            }
            if let Some(p) = payload.as_object_mut() {
                p.entry("scope").or_insert(scope);
            }
        }
    }
    directive["payload"] = payload;
    json!({ "directive": directive })
}
