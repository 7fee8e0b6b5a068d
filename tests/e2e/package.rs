//! The Lambda packages `./build.sh package` writes (`dist/lee-lambda-arm64.zip`,
//! `dist/lee-lambda-x86_64.zip`), unpacked as Lambda unpacks them into /var/task:
//! each holds a lean `bootstrap` (no compiler) for its architecture that needs at most
//! glibc 2.34 (provided.al2023), and components precompiled for that target. Both
//! bootstraps run in Lambda mode against the local Runtime API and the real Home
//! Assistant and answer Discovery, ReportState, TurnOn and health: the x86_64 one
//! natively, the arm64 one under Debian's qemu-user (`qemu-aarch64 -L
//! /usr/aarch64-linux-gnu`, installed by `deploy/package.sh --qemu`). What qemu proves:
//! the arm64 bootstrap starts with Debian's arm64 glibc, its wasmtime deserialises the
//! aarch64 `.cwasm` and runs it, and every answer is right; not how fast it is on
//! Graviton (timing under emulation is no figure), nor that qemu's CPU model is as
//! small as Lambda's (the artifacts are compiled for the baseline, see `precompile`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lee_e2e::alexa::discovery_event;
use lee_e2e::elf::{self, LAMBDA_GLIBC};
use lee_e2e::lambda_process::{LambdaRun, run_lambda_command, tail};
use lee_e2e::{HomeAssistant, directive, lee_binary, repo_root, serial};
use serde_json::{Value, json};

/// Lambda architecture, Rust target, ELF machine.
const PACKAGES: [(&str, &str, u16); 2] = [
    (
        "arm64",
        "aarch64-unknown-linux-gnu",
        object::elf::EM_AARCH64,
    ),
    ("x86_64", "x86_64-unknown-linux-gnu", object::elf::EM_X86_64),
];

/// The zip of issue 11's starting point: both halves had to shrink.
const OLD_ZIP_BYTES: u64 = 14_400_000;

fn zip_path(arch: &str) -> PathBuf {
    repo_root().join(format!("dist/lee-lambda-{arch}.zip"))
}

/// Unpacks a package into a fresh directory, as Lambda does.
fn unpack(arch: &str) -> tempfile::TempDir {
    let zip = zip_path(arch);
    assert!(
        zip.is_file(),
        "{} is missing: run ./build.sh package (./build.sh test builds it)",
        zip.display()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new("unzip")
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(dir.path())
        .output()
        .expect("run unzip");
    assert!(
        out.status.success(),
        "unzip {}: {}",
        zip.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn manifest(dir: &Path) -> toml::Table {
    let text = std::fs::read_to_string(dir.join("components/lee.toml")).expect("lee.toml");
    text.parse().expect("lee.toml is TOML")
}

fn entries_of(manifest: &toml::Table) -> &Vec<toml::Value> {
    manifest["component"].as_array().expect("[[component]]")
}

#[test]
fn each_package_holds_a_lean_bootstrap_and_components_for_its_target() {
    for (arch, target, machine) in PACKAGES {
        let size = std::fs::metadata(zip_path(arch))
            .map(|m| m.len())
            .unwrap_or(0);
        let dir = unpack(arch);
        let bootstrap = dir.path().join("bootstrap");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&bootstrap)
                .expect("bootstrap")
                .permissions(),
        );
        assert!(mode & 0o111 != 0, "{arch}: bootstrap is not executable");
        let needs = elf::needs(&bootstrap).expect("read the bootstrap's ELF");
        assert_eq!(needs.machine, machine, "{arch}: ELF machine");
        let newer = needs.newer_than(LAMBDA_GLIBC);
        assert!(
            newer.is_empty(),
            "{arch}: the bootstrap needs {newer:?}, newer than provided.al2023's glibc 2.34 \
             (all: {:?})",
            needs.glibc
        );
        assert!(!needs.glibc.is_empty(), "{arch}: links glibc dynamically");
        let manifest = manifest(dir.path());
        let entries = entries_of(&manifest);
        assert!(entries.len() >= 10, "{arch}: {} components", entries.len());
        for entry in entries {
            let id = entry["id"].as_str().unwrap_or_default();
            let file = entry["file"].as_str().unwrap_or_default();
            assert!(file.ends_with(".cwasm"), "{arch}: {id} ships {file}");
            assert!(
                dir.path().join("components").join(file).is_file(),
                "{arch}: {file}"
            );
            assert_eq!(entry["target"].as_str(), Some(target), "{arch}: {id}");
            let hash = entry["compatibility_hash"].as_str().unwrap_or_default();
            assert_eq!(hash.len(), 16, "{arch}: {id} compatibility_hash {hash:?}");
        }
        let wasm = std::fs::read_dir(dir.path().join("components"))
            .expect("components/")
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "wasm"))
            .count();
        assert_eq!(
            wasm, 0,
            "{arch}: no .wasm is shipped (the bootstrap cannot compile)"
        );
        assert!(
            size > 0 && size < OLD_ZIP_BYTES,
            "{arch}: {size} bytes, not smaller than the old {OLD_ZIP_BYTES}"
        );
        eprintln!(
            "{arch}: zip {size} bytes, bootstrap {} bytes, glibc needs {:?}",
            std::fs::metadata(&bootstrap).map(|m| m.len()).unwrap_or(0),
            needs.glibc
        );
    }
}

/// The glibc check is not vacuous: a program built here against the build machine's
/// glibc (Debian 12: 2.36) that calls `arc4random` (new in glibc 2.36) is caught.
#[test]
fn the_glibc_check_catches_a_symbol_newer_than_2_34() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("newer.c");
    std::fs::write(
        &source,
        "#include <stdlib.h>\nint main(void) { return (int)(arc4random() & 1); }\n",
    )
    .expect("write");
    let program = dir.path().join("newer");
    let out = Command::new("cc")
        .arg("-o")
        .arg(&program)
        .arg(&source)
        .output()
        .expect("run cc (the C compiler Rust links with)");
    assert!(
        out.status.success(),
        "cc (needs glibc >= 2.36 headers, as on the Debian 12 build machine): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let needs = elf::needs(&program).expect("read ELF");
    assert_eq!(
        needs.newer_than(LAMBDA_GLIBC),
        vec!["GLIBC_2.36".to_string()],
        "{needs:?}"
    );
}

/// Discovery, ReportState, TurnOn and health through `command` (a bootstrap in Lambda
/// mode, components beside it) against the real Home Assistant.
fn answers_in_lambda_mode(label: &str, command: Command) -> LambdaRun {
    let _guard = serial();
    let ha = HomeAssistant::get();
    ha.call_service(
        "light",
        "turn_off",
        json!({"entity_id": "light.kitchen_lights"}),
    )
    .expect("turn the kitchen lights off");
    ha.wait_for("light.kitchen_lights", |s| s["state"] == "off")
        .expect("kitchen lights off");
    let env = [
        ("HOME_ASSISTANT_URL", ha.url.as_str()),
        ("HOME_ASSISTANT_TOKEN", ha.token.as_str()),
    ];
    let hold = Duration::ZERO;
    let events = vec![
        ("req-discovery".to_string(), discovery_event(), hold),
        (
            "req-report".to_string(),
            directive(
                "Alexa",
                "ReportState",
                Some("light#kitchen_lights"),
                json!({}),
            ),
            hold,
        ),
        (
            "req-turn-on".to_string(),
            directive(
                "Alexa.PowerController",
                "TurnOn",
                Some("light#kitchen_lights"),
                json!({}),
            ),
            hold,
        ),
        ("req-health".to_string(), json!({"lee": "health"}), hold),
    ];
    // Emulated, a cold start and four events take seconds, not milliseconds.
    let run = run_lambda_command(command, &env, events, Duration::from_secs(120));
    let body = |id: &str| -> &Value {
        let posted = run.result(id);
        assert_eq!(
            posted.kind,
            "response",
            "{label} {id}: {}\n{}",
            posted.body,
            tail(&run.stderr)
        );
        &posted.body
    };
    let discovery = body("req-discovery");
    assert_eq!(discovery["event"]["header"]["name"], "Discover.Response");
    let endpoints = discovery["event"]["payload"]["endpoints"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(
        endpoints >= 10,
        "{label}: {endpoints} endpoints: {discovery}"
    );
    lee_e2e::assert_alexa_valid(discovery);

    // The answer's name and the power state it reports, schema-valid.
    let answered = |id: &str, name: &str, power: &str| {
        let answer = body(id);
        assert_eq!(answer["event"]["header"]["name"], name, "{label}: {answer}");
        assert_eq!(
            lee_e2e::alexa::prop(answer, "Alexa.PowerController", "powerState"),
            power,
            "{label}: {answer}"
        );
        lee_e2e::assert_alexa_valid(answer);
    };
    answered("req-report", "StateReport", "OFF");
    answered("req-turn-on", "Response", "ON");
    ha.wait_for("light.kitchen_lights", |s| s["state"] == "on")
        .expect("Home Assistant turned the kitchen lights on");

    let health = body("req-health");
    assert_eq!(health["lee"]["status"], "ok", "{label}: {health}");
    assert_eq!(health["runtime"]["load_failures"], 0, "{label}: {health}");
    run
}

#[test]
fn the_x86_64_package_answers_in_lambda_mode() {
    if std::env::consts::ARCH != "x86_64" {
        panic!("this test runs the x86_64 bootstrap natively: run it on an x86_64 machine");
    }
    let dir = unpack("x86_64");
    answers_in_lambda_mode("x86_64", Command::new(dir.path().join("bootstrap")));
}

/// The arm64 package under Debian's qemu-user. Missing qemu is a failure, never a skip.
#[test]
fn the_arm64_package_answers_in_lambda_mode_under_qemu() {
    let sysroot = Path::new("/usr/aarch64-linux-gnu");
    let qemu = Command::new("qemu-aarch64").arg("--version").output();
    assert!(
        qemu.as_ref().is_ok_and(|o| o.status.success()),
        "qemu-aarch64 is not installed ({qemu:?}): `deploy/package.sh --qemu` (run by \
         ./build.sh test) installs Debian's qemu-user and libc6-arm64-cross; this test \
         cannot prove the arm64 package runs without them"
    );
    assert!(
        sysroot.join("lib/ld-linux-aarch64.so.1").exists(),
        "{} has no arm64 glibc: apt-get install libc6-arm64-cross",
        sysroot.display()
    );
    let dir = unpack("arm64");
    let mut command = Command::new("qemu-aarch64");
    command
        .arg("-L")
        .arg(sysroot)
        .arg(dir.path().join("bootstrap"));
    answers_in_lambda_mode("arm64 (qemu)", command);
}

/// The bootstrap has no compiler: it refuses to precompile and to load a plain `.wasm`,
/// and says which lee can.
#[test]
fn the_bootstrap_cannot_compile_and_says_what_can() {
    let (arch, target) = native_package();
    let dir = unpack(arch);
    let bootstrap = dir.path().join("bootstrap");
    let out = Command::new(&bootstrap)
        .arg("precompile")
        .arg(dir.path().join("components"))
        .output()
        .expect("run bootstrap precompile");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("without the compiler"), "{stderr}");

    // One component as a plain .wasm (as `./build.sh` staged it), its sha256 recorded.
    let scratch = tempfile::tempdir().expect("tempdir");
    let wasm = lee_e2e::test_component("scripts");
    let bytes = std::fs::read(&wasm).expect("scripts.wasm");
    std::fs::write(scratch.path().join("scripts.wasm"), &bytes).expect("copy");
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    std::fs::write(
        scratch.path().join("lee.toml"),
        format!(
            "[[component]]\nid = \"scripts\"\nfile = \"scripts.wasm\"\n\
             routes = [\"skill:RunScript\"]\nsha256 = \"{sha256}\"\n"
        ),
    )
    .expect("lee.toml");
    let out = Command::new(&bootstrap)
        .arg("components")
        .arg(scratch.path())
        .output()
        .expect("run bootstrap components");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("is a plain .wasm and this lee (the Lambda bootstrap) has no compiler")
            && stdout.contains(&format!("lee precompile --target {target}")),
        "{stdout}"
    );
}

/// Components precompiled for the other architecture do not load, and the message names
/// both targets and the command that fixes it: from the manifest's `target` before
/// wasmtime sees the artifact, and from wasmtime's own check when the manifest does not
/// record the target (an older manifest).
#[test]
fn components_for_another_target_name_both_targets_and_the_fix() {
    let (native, target) = native_package();
    let (other, other_target) = PACKAGES
        .iter()
        .find(|(arch, _, _)| *arch != native)
        .map(|(arch, target, _)| (*arch, *target))
        .expect("two packages");
    let dir = unpack(other);
    let components = dir.path().join("components");
    let list = |lee: &Path| {
        let out = Command::new(lee)
            .arg("components")
            .arg(&components)
            .output()
            .expect("run lee components");
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let fix = format!(
        "run `lee precompile --target {target} {}`",
        components.display()
    );
    let named = format!("was precompiled for {other_target} but this lee runs on {target}");
    let native_dir = unpack(native);
    for lee in [lee_binary(), native_dir.path().join("bootstrap")] {
        let text = list(&lee);
        assert!(
            text.contains(&named) && text.contains(&fix),
            "{}: {text}",
            lee.display()
        );
    }

    // Without `target` in the manifest, wasmtime refuses the artifact; the message still
    // names what this lee is (with its engine hash: dist/lee has the compiler) and the fix.
    let manifest_path = components.join("lee.toml");
    let text = std::fs::read_to_string(&manifest_path).expect("lee.toml");
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("target = "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&manifest_path, without).expect("write lee.toml");
    let text = list(&lee_binary());
    let hash = entries_of(&manifest(dir.path()))[0]["compatibility_hash"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains(&format!("built for target not recorded, engine {hash}"))
            && text.contains(&format!("this lee is target {target}, engine "))
            && text.contains(&format!("lee precompile --target {target}")),
        "{text}"
    );
}

/// The package this machine runs natively: (architecture, target).
fn native_package() -> (&'static str, &'static str) {
    match std::env::consts::ARCH {
        "x86_64" => ("x86_64", "x86_64-unknown-linux-gnu"),
        "aarch64" => ("arm64", "aarch64-unknown-linux-gnu"),
        other => panic!("no lee package for {other}"),
    }
}
