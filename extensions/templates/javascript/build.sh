#!/usr/bin/env bash
# Builds {{id}}.wasm with componentize-js (npm; offline once `npm install` has run).
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules ] || npm install --no-audit --no-fund --prefer-offline
npm run --silent build
echo "built {{id}}.wasm"
