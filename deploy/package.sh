#!/usr/bin/env bash
# The Lambda packages: dist/lee-lambda-arm64.zip and dist/lee-lambda-x86_64.zip, each with
#   bootstrap       lee built without the compiler (--no-default-features, profile
#                   `bootstrap`: size-optimised, fat LTO, stripped), linked by zig against
#                   glibc 2.34 (what provided.al2023 has) whatever the build machine's glibc
#   components/     lee.toml and every component precompiled by dist/lee for that target
#                   (baseline CPU features, target and compatibility hash recorded)
#
#   deploy/package.sh           build both packages (after ./build.sh made dist/lee)
#   deploy/package.sh --qemu    also install qemu-user and the arm64 glibc (Debian), so
#                               tests/e2e/package.rs can run the arm64 bootstrap here
#
# Cross toolchain: cargo-zigbuild and zig from PyPI (pinned, in a venv under
# ~/.cache/lee), rustup's aarch64/x86_64 std. zig links against a glibc of the version we
# name (`<target>.2.34`), so a newer build machine cannot raise the GLIBC_ symbols the
# bootstrap needs; Debian's gcc-aarch64-linux-gnu would link against the build machine's
# glibc (2.36 on bookworm) and stay below 2.34 only by luck.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DIST="$ROOT/dist"
CACHE="${LEE_CACHE:-$HOME/.cache/lee}"
CARGO_OUT="${CARGO_TARGET_DIR:-$ROOT/target}"
# The bootstraps' cargo output (default: the same as the host's; both are cached there).
BOOTSTRAP_OUT="${LEE_BOOTSTRAP_TARGET_DIR:-$CARGO_OUT}"
WASM_OUT="$CARGO_OUT/wasm32-wasip2/release"
GLIBC=2.34
ZIG_VERSION=0.14.1
ZIGBUILD_VERSION=0.24.1
# Lambda architecture name -> Rust target.
declare -A TARGETS=([arm64]=aarch64-unknown-linux-gnu [x86_64]=x86_64-unknown-linux-gnu)
mapfile -t COMPONENTS < <(sed -n 's/^id = "\([a-z0-9-]*\)"$/\1/p' components/lee.toml)

say() { printf '\n==> %s\n' "$*" >&2; }

ensure_cross() {
    local venv="$CACHE/cross-zig$ZIG_VERSION-zigbuild$ZIGBUILD_VERSION"
    if [ ! -f "$venv/.complete" ]; then
        say "installing cargo-zigbuild $ZIGBUILD_VERSION and zig $ZIG_VERSION (PyPI) into $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check \
            "cargo-zigbuild==$ZIGBUILD_VERSION" "ziglang==$ZIG_VERSION"
        touch "$venv/.complete"
    fi
    # cargo-zigbuild runs zig as `python3 -m ziglang` from the venv's python.
    export PATH="$venv/bin:$PATH"
    local installed
    installed="$(rustup target list --installed)"
    for target in "${TARGETS[@]}"; do
        if ! grep -qx "$target" <<<"$installed"; then
            say "adding the $target target"
            rustup target add "$target"
        fi
    done
}

# qemu-aarch64 and /usr/aarch64-linux-gnu (the arm64 glibc it loads the bootstrap with).
ensure_qemu() {
    if command -v qemu-aarch64 >/dev/null && [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
        return
    fi
    say "installing qemu-user and libc6-arm64-cross (Debian) for the arm64 package test"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        qemu-user libc6-arm64-cross; } >&2; then
        echo "deploy/package.sh: WARNING: cannot install qemu-user/libc6-arm64-cross;" \
            "tests/e2e/package.rs will fail" >&2
    fi
}

# $1: Rust target. Prints the bootstrap's path.
build_bootstrap() {
    local target="$1"
    say "building the bootstrap for $target (no compiler, glibc $GLIBC)"
    CARGO_TARGET_DIR="$BOOTSTRAP_OUT" cargo zigbuild --profile bootstrap -p lee --bin lee \
        --no-default-features --target "$target.$GLIBC" >&2
    echo "$BOOTSTRAP_OUT/$target/bootstrap/lee"
}

# $1: Lambda architecture.
package() {
    local arch="$1" target="${TARGETS[$1]}"
    local bootstrap stage="$ROOT/target/package/$arch" zip="$DIST/lee-lambda-$arch.zip"
    bootstrap="$(build_bootstrap "$target")"
    say "packaging $zip"
    rm -rf "$stage" "$zip"
    mkdir -p "$stage/components"
    cp "$bootstrap" "$stage/bootstrap"
    for id in "${COMPONENTS[@]}"; do
        cp "$WASM_OUT/lee_${id//-/_}.wasm" "$stage/components/$id.wasm"
    done
    cp components/lee.toml "$stage/components/lee.toml"
    "$DIST/lee" precompile --target "$target" "$stage/components"
    rm -f "$stage/components"/*.wasm
    (cd "$stage" && zip -q -9 -r -X "$zip" bootstrap components)
    ls -l "$zip" >&2
}

[ -x "$DIST/lee" ] || { echo "deploy/package.sh: dist/lee is missing: run ./build.sh first" >&2; exit 1; }
[ "${1:-}" = "--qemu" ] && ensure_qemu
ensure_cross
rm -f "$DIST/lee-lambda.zip"
for arch in arm64 x86_64; do package "$arch"; done
say "packages: $(cd "$DIST" && ls lee-lambda-*.zip | tr '\n' ' ')"
