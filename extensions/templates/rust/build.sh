#!/usr/bin/env bash
# Builds {{id}}.wasm (rustup target wasm32-wasip2; offline once the crates are fetched).
set -euo pipefail
cd "$(dirname "$0")"
rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
cargo build --release --target wasm32-wasip2
cp "${CARGO_TARGET_DIR:-target}/wasm32-wasip2/release/{{crate_file}}.wasm" {{id}}.wasm
echo "built {{id}}.wasm"
