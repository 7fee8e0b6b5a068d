#!/usr/bin/env bash
# Real Home Assistant for lee's integration tests, on 127.0.0.1 only.
#
#   tests/ha/ha.sh start    install (cached venv), configure, start, onboard; write target/ha/ha.env
#   tests/ha/ha.sh stop     stop the Home Assistant this script started
#   tests/ha/ha.sh status   exit 0 running+healthy, 1 running but unhealthy, 3 stopped
#   tests/ha/ha.sh env      print target/ha/ha.env (HOME_ASSISTANT_URL, HOME_ASSISTANT_TOKEN, HA_VERSION)
#   tests/ha/ha.sh venv     print the venv's path (its bin/python has urllib3; bench/wan.py uses it)
#
# Environment: LEE_HA_PORT (18123), LEE_HA_VENV (venv path), LEE_HA_PYTHON (force an
# interpreter), LEE_HA_START_TIMEOUT (seconds, 240). See tests/ha/README.md.
#
# LEE_HA_HOME=synthetic runs a second, independent instance instead: a generated home of
# LEE_HA_ENTITIES (1000) YAML entities (tests/ha/synthetic.py) in target/ha-synthetic,
# on port LEE_HA_SYNTHETIC_PORT (18125); same commands, env file target/ha-synthetic/ha.env.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOME_KIND="${LEE_HA_HOME:-demo}"
case "$HOME_KIND" in
    demo) STATE="$ROOT/target/ha"; PORT="${LEE_HA_PORT:-18123}"; SHOPPING_LIST=1 ;;
    synthetic) STATE="$ROOT/target/ha-synthetic"; PORT="${LEE_HA_SYNTHETIC_PORT:-18125}"; SHOPPING_LIST= ;;
    *) echo "ha.sh: LEE_HA_HOME must be demo or synthetic, not '$HOME_KIND'" >&2; exit 2 ;;
esac
ENTITIES="${LEE_HA_ENTITIES:-1000}"
CONFIG="$STATE/config"
PIDFILE="$STATE/hass.pid"
PORTFILE="$STATE/port"
LOG="$STATE/hass.log"
INSTALL_LOG="$STATE/install.log"
ENVFILE="$STATE/ha.env"
TOKENFILE="$STATE/token"
# The demo template decides which integrations' requirements the (shared) venv holds;
# the synthetic home uses a subset of them.
TEMPLATE="$HERE/config-template"
START_TIMEOUT="${LEE_HA_START_TIMEOUT:-240}"
MARKER_NAME=".lee-ha-install-complete"

PINS_2025_4_4="home-assistant-frontend==20250411.0 pyotp==2.8.0 PyQRCode==1.2.1 pycares==4.6.0"
PINS_2024_3_3="home-assistant-frontend==20240307.0 pyotp==2.8.0 PyQRCode==1.2.1 josepy==1.14.0
  fnv-hash-fast==0.5.0 fnvhash==0.1.0 ha-ffmpeg==3.1.0 hassil==1.6.1 home-assistant-intents==2024.3.12
  janus==1.0.0 mutagen==1.47.0 numpy==1.26.0 pillow==10.2.0 psutil-home-assistant==0.0.1
  PyTurboJPEG==1.7.1 securetar==2024.2.1 SQLAlchemy==2.0.27"

export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1

say() { echo "ha.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }
now() { date +%s; }

# --- python / venv ----------------------------------------------------------------

# Sets PY (absolute interpreter), PYVER (major.minor), HA_VERSION, PINS.
pick_python() {
    local cands=() c v exe
    if [[ -n "${LEE_HA_PYTHON:-}" ]]; then
        cands=("$LEE_HA_PYTHON")
    else
        shopt -s nullglob
        cands+=(/root/.pyenv/versions/3.13.*/bin/python3.13)
        shopt -u nullglob
        cands+=("$(command -v python3.13 || true)" /usr/local/bin/python3.13 /usr/bin/python3.13)
        shopt -s nullglob
        cands+=(/root/.pyenv/versions/3.11.*/bin/python3.11)
        shopt -u nullglob
        cands+=("$(command -v python3.11 || true)" /usr/local/bin/python3.11 /usr/bin/python3.11)
    fi
    for c in "${cands[@]}"; do
        [[ -n "$c" && -x "$c" ]] || continue
        v="$("$c" -c 'import sys, venv, ensurepip; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" || continue
        exe="$("$c" -c 'import sys; print(sys.executable)' 2>/dev/null)" || continue
        case "$v" in
            3.13.*) HA_VERSION=2025.4.4; PINS="$PINS_2025_4_4" ;;
            3.11.*) HA_VERSION=2024.3.3; PINS="$PINS_2024_3_3" ;;
            *) continue ;;
        esac
        PY="$exe"; PYVER="${v%.*}"
        return 0
    done
    die "no usable python3.13 (>= 3.13.0) or python3.11 with the venv module found (set LEE_HA_PYTHON)"
}

venv_dir() { echo "${LEE_HA_VENV:-$HOME/.cache/lee/ha-venv-$HA_VERSION-py$PYVER}"; }

# Creates/refreshes the venv. A marker records a complete install; without it the
# venv is rebuilt from scratch. If the wanted requirement set changed (template or
# pins edited), the venv is updated in place. The venv may be shared by several
# checkouts, so this holds a lock next to it.
ensure_venv() {
    pick_python
    VENV="$(venv_dir)"
    mkdir -p "$(dirname "$VENV")"
    exec 8>"$VENV.lock"
    flock -w 1800 8 || die "could not take $VENV.lock"
    ensure_venv_locked
    exec 8>&-
}

ensure_venv_locked() {
    local marker="$VENV/$MARKER_NAME" want t0 tmp whl reqs
    mkdir -p "$STATE"
    if [[ -f "$marker" && -x "$VENV/bin/hass" ]]; then
        [[ -f "$VENV/ha-requirements.txt" && -f "$VENV/homeassistant.whl" ]] || { rm -f "$marker"; ensure_venv_locked; return; }
        want="$(wanted_requirements "$VENV/homeassistant.whl")"
        if [[ "$(cat "$marker")" == "$(marker_text "$want")" ]]; then
            return 0
        fi
        say "requirement set changed; updating venv $VENV"
        # Uninstall what is no longer wanted (by name), then install the new set.
        local gone
        gone="$(comm -23 <(req_names <"$VENV/ha-requirements.txt") <(req_names <<<"$want"))"
        if [[ -n "$gone" ]]; then
            # shellcheck disable=SC2086
            "$VENV/bin/pip" uninstall -y $gone >>"$INSTALL_LOG" 2>&1 || true
        fi
        printf '%s\n' "$want" >"$VENV/ha-requirements.txt"
        "$VENV/bin/pip" install -c "$VENV/ha-constraints.txt" -r "$VENV/ha-requirements.txt" >>"$INSTALL_LOG" 2>&1 \
            || { tail -n 30 "$INSTALL_LOG" >&2; die "pip install failed (log: $INSTALL_LOG)"; }
        marker_text "$want" >"$marker"
        return 0
    fi
    t0=$(now)
    say "installing Home Assistant $HA_VERSION with $PY (python $PYVER) into $VENV (several minutes)"
    : >"$INSTALL_LOG"
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PY" -m venv "$VENV" >>"$INSTALL_LOG" 2>&1 || { tail -n 30 "$INSTALL_LOG" >&2; die "venv creation failed"; }
    tmp="$(mktemp -d)"
    "$VENV/bin/pip" download -q --no-deps "homeassistant==$HA_VERSION" -d "$tmp" >>"$INSTALL_LOG" 2>&1 \
        || { tail -n 30 "$INSTALL_LOG" >&2; die "pip download homeassistant==$HA_VERSION failed"; }
    whl="$(ls "$tmp"/homeassistant-*.whl)"
    cp "$whl" "$VENV/homeassistant.whl"
    "$VENV/bin/python" - "$whl" >"$VENV/ha-constraints.txt" <<'PYEOF'
import sys, zipfile
sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read("homeassistant/package_constraints.txt").decode())
PYEOF
    want="$(wanted_requirements "$whl")"
    printf '%s\n' "$want" >"$VENV/ha-requirements.txt"
    reqs="$VENV/ha-requirements.txt"
    say "pip install homeassistant==$HA_VERSION + $(wc -l <"$reqs") integration requirements/pins (log: $INSTALL_LOG)"
    "$VENV/bin/pip" install -c "$VENV/ha-constraints.txt" "$whl" -r "$reqs" >>"$INSTALL_LOG" 2>&1 \
        || { tail -n 30 "$INSTALL_LOG" >&2; die "pip install failed (log: $INSTALL_LOG)"; }
    "$VENV/bin/python" -c 'import homeassistant.const as c, aiohttp; print(c.__version__)' >>"$INSTALL_LOG" 2>&1 \
        || die "installed homeassistant does not import (log: $INSTALL_LOG)"
    rm -rf "$tmp"
    marker_text "$want" >"$marker"
    say "installed in $(( $(now) - t0 )) s"
}

wanted_requirements() {
    local pins=() p
    for p in $PINS; do pins+=(--pin "$p"); done
    "$PY" "$HERE/requirements.py" --wheel "$1" --config "$TEMPLATE/configuration.yaml" "${pins[@]}" 2>/dev/null
}

req_names() { sed -E 's/[<>=!~;[ ].*//' | tr 'A-Z_' 'a-z-' | grep -v '^$' | sort -u; }

marker_text() { printf 'homeassistant==%s python=%s\n%s\n' "$HA_VERSION" "$PYVER" "$1"; }

# --- process helpers ----------------------------------------------------------------

# Prints the pid from the pid file if that process is alive and is our hass.
running_pid() {
    local pid
    [[ -f "$PIDFILE" ]] || return 1
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null && return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "hass -c $CONFIG " || return 1
    echo "$pid"
}

current_port() { if [[ -f "$PORTFILE" ]]; then cat "$PORTFILE"; else echo "$PORT"; fi; }

# GET /api/config with the stored token; prints the core state (e.g. RUNNING).
core_state() {
    local port="$1" token
    [[ -s "$TOKENFILE" ]] || return 1
    token="$(tr -d '\n' <"$TOKENFILE")"
    curl -fsS --max-time 5 -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/config" 2>/dev/null \
        | grep -o '"state": *"[A-Z_]*"' | grep -o '[A-Z_]*' | tail -n 1
}

healthy() { [[ "$(core_state "$1" || true)" == "RUNNING" ]]; }

write_env() {
    local port="$1" version="$2" token
    token="$(tr -d '\n' <"$TOKENFILE")"
    umask 077
    {
        echo "HOME_ASSISTANT_URL=http://127.0.0.1:$port"
        echo "HOME_ASSISTANT_TOKEN=$token"
        echo "HA_VERSION=$version"
    } >"$ENVFILE.tmp"
    chmod 600 "$ENVFILE.tmp"
    mv -f "$ENVFILE.tmp" "$ENVFILE"
}

# --- config -------------------------------------------------------------------------

render_config() {
    local f fresh=0
    # Removed entities would live on as "unavailable" registry entries: a synthetic home
    # of another size starts from a fresh config.
    if [[ "$HOME_KIND" == synthetic && -d "$CONFIG" && "$(cat "$STATE/entities" 2>/dev/null)" != "$ENTITIES" ]]; then
        say "synthetic home size changed to $ENTITIES entities"
        wipe_config
    fi
    [[ "$HOME_KIND" == synthetic ]] && echo "$ENTITIES" >"$STATE/entities"
    [[ -d "$CONFIG/.storage" ]] || fresh=1
    mkdir -p "$CONFIG/.storage"
    # MANDATORY network safety: bind HA's network integration (mDNS etc.) to loopback
    # only, before the very first start.
    if [[ ! -f "$CONFIG/.storage/core.network" ]]; then
        printf '%s\n' '{"version":1,"minor_version":1,"key":"core.network","data":{"configured_adapters":["lo"]}}' \
            >"$CONFIG/.storage/core.network"
    fi
    local source="$TEMPLATE"
    if [[ "$HOME_KIND" == synthetic ]]; then
        source="$STATE/template"
        "$PY" "$HERE/synthetic.py" --out "$source" --entities "$ENTITIES" --port "$PORT" \
            || die "could not generate the synthetic configuration"
    fi
    for f in "$source"/*.yaml; do
        sed "s/@PORT@/$PORT/g" "$f" >"$CONFIG/$(basename "$f")"
    done
    (( fresh )) && say "fresh config dir $CONFIG" || true
}

wipe_config() {
    say "wiping $CONFIG and the stored token"
    rm -rf "$CONFIG" "$TOKENFILE" "$STATE/owner.json" "$ENVFILE"
}

launch() {
    local pid
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"; then
        die "something else already answers on 127.0.0.1:$PORT (set LEE_HA_PORT)"
    fi
    [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.1"
    echo "$PORT" >"$PORTFILE"
    # 8>&- 9>&-: hass must not inherit the lock file descriptors.
    setsid "$VENV/bin/hass" -c "$CONFIG" --skip-pip --log-no-color </dev/null >"$LOG" 2>&1 8>&- 9>&- &
    pid=$!
    echo "$pid" >"$PIDFILE"
    say "started hass pid $pid on 127.0.0.1:$PORT (log: $LOG)"
}

stop_pid() {
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        [[ -d "/proc/$pid" ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -d "/proc/$pid" ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
        say "hass pid $pid did not stop after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
}

# Runs onboard.py against the hass we started. Returns its exit code.
post_start() {
    local pid="$1" out rc=0
    out="$("$VENV/bin/python" "$HERE/onboard.py" --url "http://127.0.0.1:$PORT" --state-dir "$STATE" \
        --pid "$pid" --timeout "$START_TIMEOUT" ${SHOPPING_LIST:+--shopping-list})" || rc=$?
    STARTED_VERSION="$out"
    (( rc == 0 )) && echo "$out" >"$STATE/version"
    return "$rc"
}

fail_start() {
    local pid="$1"
    say "Home Assistant did not become ready; last 40 lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
    [[ -n "$pid" ]] && stop_pid "$pid"
    rm -f "$PIDFILE"
    die "start failed (see the onboard: lines above; the wait limit is LEE_HA_START_TIMEOUT=${START_TIMEOUT}s)"
}

# Is the IPv4/IPv6 mDNS group joined on any interface other than lo?
mdns_joined_outside_lo() {
    awk '/^[0-9]/ {dev=$2} $1 == "FB0000E0" && dev != "lo" {found=1} END {exit !found}' /proc/net/igmp 2>/dev/null && return 0
    awk '$2 != "lo" && $3 == "ff0200000000000000000000000000fb" {found=1} END {exit !found}' /proc/net/igmp6 2>/dev/null
}

network_check() {
    local pid="$1" bad listen mdns
    listen="$(ss -Hltnup 2>/dev/null | grep "pid=$pid," || true)"
    bad="$(awk '{print $1 " " $5}' <<<"$listen" | grep -Ev ' (127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):' | grep -v '^ *$' || true)"
    # HA 2025.x always opens zeroconf's UDP *:5353 socket (every aiohttp client session
    # uses an mDNS resolver). With .storage/core.network = [lo] it joins the mDNS group
    # on lo only and sends nothing out of the machine; check that.
    mdns="$(grep -E '^udp [^ ]*:5353$' <<<"$bad" || true)"
    if [[ -n "$mdns" ]] && ! mdns_joined_outside_lo; then
        say "note: zeroconf's UDP socket $(awk '{print $2}' <<<"$mdns" | head -n 1) is open, mDNS group joined on lo only"
        bad="$(grep -Ev '^udp [^ ]*:5353$' <<<"$bad" || true)"
    fi
    if [[ -n "$bad" ]]; then
        say "WARNING: hass (pid $pid) listens on non-loopback addresses:"
        echo "$bad" | sed 's/^/    /' >&2
    fi
    bad="$(ss -Htunp state established 2>/dev/null | grep "pid=$pid," | awk '{print $(NF-1)}' \
        | grep -Ev '^(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):' || true)"
    if [[ -n "$bad" ]]; then
        say "WARNING: hass (pid $pid) has connections to non-loopback peers:"
        echo "$bad" | sed 's/^/    /' >&2
    fi
}

# Integration setup failures in the log, except the onboarding entries that are
# expected to fail at import and are deleted (google_translate, met, radio_browser).
log_check() {
    local bad
    bad="$(grep -E 'Setup failed for|Error setting up|No module named|ModuleNotFoundError|Unable to (install|prepare setup)|Error during setup' "$LOG" 2>/dev/null \
        | grep -Ev "google_translate|Google Translate|for met\$|for radio_browser\$|'(met|radio_browser)'|integration (met|radio_browser):|No module named '(gtts|metno|radios)'" \
        | head -n 20 || true)"
    if [[ -n "$bad" ]]; then
        say "WARNING: integration setup problems in $LOG:"
        echo "$bad" | sed 's/^/    /' >&2
    fi
}

# --- commands -----------------------------------------------------------------------

lock() {
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 1200 9 || die "could not take $STATE/.lock"
}

cmd_start() {
    local pid port t0 rc
    lock
    t0=$(now)
    if pid="$(running_pid)"; then
        port="$(current_port)"
        [[ "$port" == "$PORT" ]] || say "note: already running on port $port (LEE_HA_PORT=$PORT ignored)"
        PORT="$port"
        if healthy "$port"; then
            write_env "$port" "$(cat "$STATE/version" 2>/dev/null || echo unknown)"
            say "already running (pid $pid) at http://127.0.0.1:$port; wrote $ENVFILE"
            return 0
        fi
        # Alive but not (yet) healthy: probably still starting. Attach to it.
        say "hass pid $pid is running but not healthy yet; waiting for it"
        ensure_venv
        rc=0; post_start "$pid" || rc=$?
        if (( rc == 0 )); then
            write_env "$PORT" "$STARTED_VERSION"; network_check "$pid"; log_check
            say "ready at http://127.0.0.1:$PORT (pid $pid)"; return 0
        fi
        say "it did not become healthy; restarting it"
        stop_pid "$pid"; rm -f "$PIDFILE"
    elif [[ -f "$PIDFILE" ]]; then
        say "removing stale pid file ($(cat "$PIDFILE" 2>/dev/null || true))"
        rm -f "$PIDFILE"
    fi

    ensure_venv
    render_config
    launch
    pid="$(cat "$PIDFILE")"
    rc=0; post_start "$pid" || rc=$?
    if (( rc == 3 )); then
        say "config is onboarded but no valid stored token; starting over with a fresh config"
        stop_pid "$pid"; rm -f "$PIDFILE"
        wipe_config; render_config; launch
        pid="$(cat "$PIDFILE")"
        rc=0; post_start "$pid" || rc=$?
    fi
    (( rc == 0 )) || fail_start "$pid"
    write_env "$PORT" "$STARTED_VERSION"
    network_check "$pid"
    log_check
    say "ready: Home Assistant $STARTED_VERSION at http://127.0.0.1:$PORT (pid $pid) in $(( $(now) - t0 )) s; env: $ENVFILE"
}

cmd_stop() {
    local pid
    lock
    if pid="$(running_pid)"; then
        say "stopping hass pid $pid"
        stop_pid "$pid"
        say "stopped"
    else
        say "not running"
    fi
    rm -f "$PIDFILE"
}

cmd_status() {
    local pid port
    if pid="$(running_pid)"; then
        port="$(current_port)"
        if healthy "$port"; then
            echo "running: pid $pid, http://127.0.0.1:$port, core RUNNING"
            return 0
        fi
        echo "running but not healthy: pid $pid, http://127.0.0.1:$port (log: $LOG)"
        return 1
    fi
    echo "stopped"
    return 3
}

cmd_env() {
    [[ -f "$ENVFILE" ]] || die "$ENVFILE does not exist; run tests/ha/ha.sh start"
    cat "$ENVFILE"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    venv) pick_python; venv_dir ;;
    *) echo "usage: $0 start|stop|status|env|venv" >&2; exit 2 ;;
esac
