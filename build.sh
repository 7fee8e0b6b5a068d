#!/usr/bin/env bash
# lee's one entry point.
#
#   ./build.sh            build components (wasm32-wasip2) and host (release), precompile,
#                         assemble dist/ (dist/lee + dist/components/ with lee.toml), and
#                         the Python and JavaScript extensions into dist/extensions/
#   ./build.sh test       fmt check, cfn-lint on deploy/template.yaml, clippy -D warnings,
#                         the packages (with qemu-user for the arm64 one), unit tests,
#                         end-to-end tests against a real Home Assistant on 127.0.0.1
#                         (installed on demand)
#   ./build.sh package    dist/lee-lambda-arm64.zip and dist/lee-lambda-x86_64.zip (lean
#                         bootstrap + components/ precompiled for that target) for
#                         provided.al2023 (deploy/package.sh)
#   ./build.sh demo       start the test Home Assistant and run examples/*.json through lee
#   ./build.sh bench      criterion benchmarks, the big-home and fault tables, then the WAN
#                         bench (bench/wan.py: lee vs the docs Lambda over an emulated
#                         40 ms TLS link; table + bench/wan.svg)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
DIST="$ROOT/dist"
# Cargo output (CARGO_TARGET_DIR is honoured; .ci/run keeps it outside the clone).
CARGO_OUT="${CARGO_TARGET_DIR:-$ROOT/target}"
WASM_OUT="$CARGO_OUT/wasm32-wasip2/release"
# Feature components shipped in dist/: every `id` of components/lee.toml, the one list
# a component is registered in (crate components/<id>, package lee-<id>).
mapfile -t COMPONENTS < <(sed -n 's/^id = "\([a-z0-9-]*\)"$/\1/p' components/lee.toml)
# Test-only components (never shipped): every crate in tests/components/, built into
# target/test-components/.
mapfile -t TEST_COMPONENTS < <(cd tests/components && ls -d -- */ | tr -d /)
[ "${#COMPONENTS[@]}" -gt 0 ] || { echo "build.sh: no component ids in components/lee.toml" >&2; exit 1; }

say() { printf '\n==> %s\n' "$*" >&2; }

ensure_toolchain() {
    command -v cargo >/dev/null || { echo "cargo not found: install Rust 1.95 with rustup" >&2; exit 1; }
    if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
        say "adding the wasm32-wasip2 target"
        rustup target add wasm32-wasip2
    fi
}

# Components are small and size matters more than speed for them: opt-level s.
build_components() {
    local packages=()
    for id in "${COMPONENTS[@]}"; do packages+=(-p "lee-$id"); done
    for id in "$@"; do packages+=(-p "lee-test-$id"); done
    say "building components: ${COMPONENTS[*]} $*"
    CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
        cargo build --release --target wasm32-wasip2 "${packages[@]}"
}

# The whole workspace in one cargo invocation, tests and benches included, so feature
# unification is the same as for `cargo test`: the shipped binary is the tested binary
# and nothing (wasmtime above all) is compiled twice.
build_host() {
    say "building the host (release)"
    cargo build --release --workspace --all-targets
}

# Assembled in a scratch directory and moved into place, so a failed step never leaves
# a half-built dist/components behind.
assemble_dist() {
    say "assembling dist/"
    local stage="$DIST/.components.new"
    rm -rf "$stage"
    mkdir -p "$stage"
    for id in "${COMPONENTS[@]}"; do
        cp "$WASM_OUT/lee_${id//-/_}.wasm" "$stage/$id.wasm"
    done
    cp components/lee.toml "$stage/lee.toml"
    cp "$CARGO_OUT/release/lee" "$DIST/lee"
    "$DIST/lee" precompile "$stage"
    rm -f "$stage"/*.wasm
    "$DIST/lee" components "$stage" >/dev/null
    rm -rf "$DIST/components"
    mv "$stage" "$DIST/components"
}

# The extensions that are not Rust (extensions/build.sh: Python and JavaScript toolchains,
# installed once, cached) into dist/extensions/, never into dist/components. With an
# argument, also the test-only variants into that directory.
build_extensions() {
    say "building the extensions (dist/extensions/)"
    extensions/build.sh "$DIST/lee" "$@"
}

# Tests load components under scratch manifests: stage every wasm where they look.
stage_test_components() {
    mkdir -p target/test-components
    for id in "${TEST_COMPONENTS[@]}"; do
        cp "$WASM_OUT/lee_test_${id//-/_}.wasm" "target/test-components/$id.wasm"
    done
    for id in "${COMPONENTS[@]}"; do
        cp "$WASM_OUT/lee_${id//-/_}.wasm" "target/test-components/$id.wasm"
    done
}

# The demo home (tests/ha/config-template) and the synthetic 1,000-entity home
# (tests/ha/synthetic.py): two Home Assistant processes on 127.0.0.1.
start_test_homes() {
    say "starting the test Home Assistants (demo home, synthetic large home)"
    tests/ha/ha.sh start
    LEE_HA_HOME=synthetic tests/ha/ha.sh start
}

# Extra test components (tests/components/ ids) as arguments; EXTENSION_TESTS names where
# the test-only extension variants go (unset: none).
cmd_build() {
    ensure_toolchain
    build_components "$@"
    build_host
    assemble_dist
    build_extensions ${EXTENSION_TESTS:+"$EXTENSION_TESTS"}
    say "built: dist/lee, dist/components/ ($(ls "$DIST/components" | tr '\n' ' ')) and dist/extensions/"
}

cmd_test() {
    EXTENSION_TESTS="$ROOT/target/test-components" cmd_build "${TEST_COMPONENTS[@]}"
    stage_test_components
    say "cargo fmt --check"
    cargo fmt --all -- --check
    say "cfn-lint on deploy/template.yaml (and its self-test on broken copies)"
    deploy/cfn-lint.sh
    say "cargo clippy -D warnings"
    cargo clippy --release --workspace --all-targets -- -D warnings
    say "cargo clippy -D warnings on the Lambda bootstrap's code (no compiler feature)"
    cargo clippy --release -p lee --no-default-features --lib --bins -- -D warnings
    # tests/e2e/package.rs runs both packages' bootstraps (arm64 under qemu-aarch64).
    deploy/package.sh --qemu
    start_test_homes
    say "unit and end-to-end tests"
    set -a
    # shellcheck disable=SC1091
    source target/ha/ha.env
    set +a
    cargo test --release --workspace
}

cmd_package() {
    cmd_build
    deploy/package.sh
}

cmd_demo() {
    cmd_build
    tests/ha/ha.sh start
    set -a
    # shellcheck disable=SC1091
    source target/ha/ha.env
    set +a
    for event in examples/*.json; do
        say "$event"
        "$DIST/lee" invoke "$event" --components "$DIST/components" --timings
    done
}

cmd_bench() {
    cmd_build
    start_test_homes
    set -a
    # shellcheck disable=SC1091
    source target/ha/ha.env
    set +a
    cargo bench --workspace --bench invocation --bench alexa
    python3 bench/criterion_summary.py "$CARGO_OUT/criterion"
    say "big homes: wall time and peak RSS (generated homes on 127.0.0.1)"
    cargo bench -p lee-e2e --bench big_home
    say "faults: what every entry point answers, and when"
    cargo bench -p lee-e2e --bench fault_table
    say "WAN: lee in Lambda mode vs the docs Lambda over an emulated TLS link (bench/wan.py)"
    python3 bench/wan.py
}

case "${1:-build}" in
    build) cmd_build ;;
    test) cmd_test ;;
    package) cmd_package ;;
    demo) cmd_demo ;;
    bench) cmd_bench ;;
    *) echo "usage: ./build.sh [build|test|package|demo|bench]" >&2; exit 2 ;;
esac
