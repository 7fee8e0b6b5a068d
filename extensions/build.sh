#!/usr/bin/env bash
# Builds the extensions that are not Rust into dist/extensions/ (not dist/components:
# an operator opts in by copying the artifact and its manifest entry):
#   todo      Python, componentize-py (pinned; venv in ~/.cache/lee/ext-venv)
#   presence  JavaScript, componentize-js (pinned by package-lock.json; npm's cache)
# For each: <id>.wasm (portable), <id>.cwasm (precompiled by the `lee` given as $1, for
# the machine it runs on) and <id>.lee.toml (the manifest entry to copy).
#
# With a second argument, also builds the test-only variants (tests/extensions/) into
# that directory as .cwasm.
#
# Toolchains are installed once and reused (offline afterwards); a component whose
# sources, WIT and toolchain are unchanged is taken from ~/.cache/lee/ext-artifacts.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
LEE="${1:?usage: extensions/build.sh path/to/lee [test-components-dir]}"
TEST_OUT="${2:-}"
OUT="$ROOT/dist/extensions"
CACHE="${LEE_CACHE:-$HOME/.cache/lee}"
VENV="$CACHE/ext-venv"
ARTIFACTS="$CACHE/ext-artifacts"
COMPONENTIZE_PY_VERSION=0.25.1

say() { printf '\n==> %s\n' "$*" >&2; }

python_toolchain() {
    if [ -x "$VENV/bin/componentize-py" ] \
        && "$VENV/bin/componentize-py" --version 2>/dev/null | grep -q "$COMPONENTIZE_PY_VERSION"; then
        return
    fi
    say "installing componentize-py $COMPONENTIZE_PY_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "componentize-py==$COMPONENTIZE_PY_VERSION"
}

js_toolchain() {
    command -v npm >/dev/null || { echo "extensions/build.sh: npm not found (install Node.js 20)" >&2; exit 1; }
    local lock="$HERE/presence/package-lock.json" stamp="$HERE/presence/node_modules/.lee-lock"
    if [ -f "$stamp" ] && cmp -s "$lock" "$stamp"; then
        return
    fi
    say "installing componentize-js (npm ci; npm's cache makes later installs offline)"
    (cd "$HERE/presence" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
    cp "$lock" "$stamp"
}

# A key for a build's inputs: the files given, every WIT file and the toolchain pin.
inputs_key() {
    { cat "$@" "$ROOT"/wit/*.wit; printf '%s\n' "$COMPONENTIZE_PY_VERSION"; } | sha256sum | cut -c1-32
}

# cached NAME KEY OUT COMMAND...: runs COMMAND (which writes OUT) unless NAME-KEY is cached.
cached() {
    local name="$1" key="$2" out="$3"
    shift 3
    local hit="$ARTIFACTS/$name-$key.wasm"
    if [ -f "$hit" ]; then
        cp "$hit" "$out"
        echo "$name: unchanged, from the cache" >&2
        return
    fi
    "$@"
    mkdir -p "$ARTIFACTS"
    # Keep only the newest build of each name.
    rm -f "$ARTIFACTS/$name"-*.wasm
    cp "$out" "$hit"
}

build_python() { # module-name output paths...
    local module="$1" out="$2"
    shift 2
    local paths=()
    for p in "$@"; do paths+=(-p "$p"); done
    "$VENV/bin/componentize-py" -d "$ROOT/wit" -w feature componentize "${paths[@]}" "$module" \
        -o "$out" >/dev/null
}

build_js() { # output
    (cd "$HERE/presence" && npx --no-install componentize-js --wit ../../wit --world-name feature \
        -d http -d fetch-event -o "$1" presence.js >/dev/null)
}

# precompile WASM MANIFEST-FRAGMENT OUT-DIR: OUT-DIR/<name>.cwasm, via a scratch manifest.
precompile() {
    local wasm="$1" fragment="$2" out="$3" name
    name="$(basename "$wasm" .wasm)"
    local scratch
    scratch="$(mktemp -d)"
    cp "$wasm" "$scratch/$name.wasm"
    sed "s/^file = .*/file = \"$name.wasm\"/" "$fragment" > "$scratch/lee.toml"
    "$LEE" precompile "$scratch" >/dev/null 2>&1 \
        || { "$LEE" precompile "$scratch"; exit 1; }
    cp "$scratch/$name.cwasm" "$out/"
    # The shipped fragment names the .cwasm with what precompile recorded for it (sha256,
    # blake3, and target/engine where the host records them), the fragment's comments kept.
    local recorded
    recorded="$(grep -E '^(sha256|blake3|target|engine) = ' "$scratch/lee.toml" || true)"
    FILE_LINE="file = \"$name.cwasm\"" RECORDED="$recorded" awk \
        '/^file = / { print ENVIRON["FILE_LINE"]; if (ENVIRON["RECORDED"] != "") print ENVIRON["RECORDED"]; next } { print }' \
        "$fragment" > "$out/$name.lee.toml.new"
    mv "$out/$name.lee.toml.new" "$out/$name.lee.toml"
    rm -rf "$scratch"
}

stage="$OUT.new"
rm -rf "$stage"
mkdir -p "$stage"

python_toolchain
say "building extension todo (Python)"
cached todo "$(inputs_key "$HERE/todo/app.py")" "$stage/todo.wasm" \
    build_python app "$stage/todo.wasm" "$HERE/todo"
cp "$HERE/todo/lee.toml" "$stage/todo.lee.toml"

js_toolchain
say "building extension presence (JavaScript)"
cached presence "$(inputs_key "$HERE/presence/presence.js" "$HERE/presence/package-lock.json")" \
    "$stage/presence.wasm" build_js "$stage/presence.wasm"
cp "$HERE/presence/lee.toml" "$stage/presence.lee.toml"

say "precompiling the extensions"
for id in todo presence; do
    precompile "$stage/$id.wasm" "$stage/$id.lee.toml" "$stage"
done
rm -rf "$OUT"
mv "$stage" "$OUT"
ls -l "$OUT" >&2

if [ -n "$TEST_OUT" ]; then
    say "building the test-only extension variants into $TEST_OUT"
    mkdir -p "$TEST_OUT"
    rogue="$TEST_OUT/rogue-todo.wasm"
    cached rogue-todo "$(inputs_key "$HERE/todo/app.py" "$ROOT/tests/extensions/rogue-todo/rogue.py")" \
        "$rogue" build_python rogue "$rogue" "$HERE/todo" "$ROOT/tests/extensions/rogue-todo"
    precompile "$rogue" "$HERE/todo/lee.toml" "$TEST_OUT"
    rm -f "$TEST_OUT/rogue-todo.lee.toml"
fi
