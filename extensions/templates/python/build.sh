#!/usr/bin/env bash
# Builds {{id}}.wasm with componentize-py (pip install componentize-py==0.25.1; offline
# once installed). Set COMPONENTIZE_PY to use another install.
set -euo pipefail
cd "$(dirname "$0")"
"${COMPONENTIZE_PY:-componentize-py}" -d wit -w feature componentize -p . app -o {{id}}.wasm
echo "built {{id}}.wasm"
