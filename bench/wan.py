#!/usr/bin/env python3
"""WAN bench: lee in Lambda mode and the docs-Lambda way, side by side, against the
same Home Assistant served over TLS behind a delay proxy on 127.0.0.1.

    python3 bench/wan.py [--rtt-ms 40] [--also-rtt 0] [--warm 15] [--cold 5]
                         [--only ReportState,TurnOn] [--svg bench/wan.svg]

Needs ./build.sh (dist/lee, dist/components) and `tests/ha/ha.sh start` (the onboarded
demo home; LEE_HA_PORT as usual). The bench then
- makes a CA and a leaf certificate for 127.0.0.1 (openssl) in target/bench-wan/tls;
- starts a second Home Assistant from a copy of the demo home's configuration, served
  over HTTPS with that leaf (`http: ssl_certificate/ssl_key`), on LEE_BENCH_HA_PORT
  (default LEE_HA_PORT + 1), and stops it at the end;
- puts bench/wan_proxy.py in front of it: each byte one-way = RTT/2 late, and each
  new connection charged one extra round trip before its first bytes (the SYN-ACK);
- runs `dist/lee lambda` behind a local Runtime API (this file), HOME_ASSISTANT_URL the
  proxy, HOME_ASSISTANT_CA_FILE the CA: warm = one process, events one after the other;
  cold = a fresh process per event, timed from spawn to the posted answer;
- runs the baseline (bench/wan_baseline.py): a new connection per call to HA's own
  `/api/alexa/smart_home`; warm = in this process, cold = a fresh Python process
  that imports urllib3 and makes the one call, timed from spawn to exit.
Prints a table per RTT (median and p90 in ms, the ratio lee/baseline of the medians,
lee's HA calls and round trips from its `invocation done` timings) and writes the SVG
chart and target/bench-wan/results.json. Runs under the Home Assistant venv's Python
(it has urllib3); started with another python3 it re-executes itself under that one.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "bench")
WORK = os.path.join(ROOT, "target", "bench-wan")


VENV = subprocess.run([os.path.join(ROOT, "tests/ha/ha.sh"), "venv"], capture_output=True,
                      text=True, check=True).stdout.strip()
# The Home Assistant venv: its urllib3 for the baseline, its hass for the TLS home.
if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
    python = os.path.join(VENV, "bin", "python")
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])

import urllib3  # noqa: E402

sys.path.insert(0, HERE)
import wan_baseline  # noqa: E402
import wan_chart  # noqa: E402
from wan_directives import CONFIG_INPUT_BOOLEAN, CONFIG_LOCK, DIRECTIVES, event_for  # noqa: E402
from wan_runtime import LeeProcess  # noqa: E402


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                env[k] = v
    return env


def make_tls(directory):
    """A CA and a leaf for 127.0.0.1/localhost signed by it (EC P-256, 2 days)."""
    os.makedirs(directory, exist_ok=True)
    ca, ca_key = os.path.join(directory, "ca.pem"), os.path.join(directory, "ca.key")
    leaf, leaf_key = os.path.join(directory, "leaf.pem"), os.path.join(directory, "leaf.key")
    csr, ext = os.path.join(directory, "leaf.csr"), os.path.join(directory, "leaf.ext")

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=lee WAN bench CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", leaf_key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", leaf, "-days", "2", "-extfile", ext)
    return ca, leaf, leaf_key


def start_tls_home(port, leaf, leaf_key, ca, token):
    """A copy of the onboarded demo home, served over HTTPS on `port`."""
    source = os.path.join(ROOT, "target", "ha", "config")
    config = os.path.join(WORK, "ha-config")
    shutil.rmtree(config, ignore_errors=True)
    shutil.copytree(source, config, ignore=shutil.ignore_patterns("*.log*", "*.db*", "deps", "tts"))
    path = os.path.join(config, "configuration.yaml")
    lines = []
    for line in open(path):
        if line.strip().startswith("server_port:"):
            line = f"  server_port: {port}\n  ssl_certificate: {leaf}\n  ssl_key: {leaf_key}\n"
        elif line.strip().startswith("internal_url:"):
            line = f'  internal_url: "https://127.0.0.1:{port}"\n'
        elif line.rstrip() == "input_boolean:":
            line += CONFIG_INPUT_BOOLEAN
        lines.append(line)
    lines.append(CONFIG_LOCK)
    with open(path, "w") as f:
        f.writelines(lines)
    hass = os.path.join(VENV, "bin", "hass")
    log = open(os.path.join(WORK, "hass.log"), "w")
    proc = subprocess.Popen([hass, "-c", config, "--skip-pip", "--log-no-color"], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=ca)
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"wan.py: the TLS Home Assistant exited (log: {WORK}/hass.log)")
        try:
            r = http.request("GET", f"https://127.0.0.1:{port}/api/config",
                             headers={"Authorization": f"Bearer {token}"}, timeout=2.0, retries=False)
            if r.status == 200 and json.loads(r.data).get("state") == "RUNNING":
                return proc
        except (urllib3.exceptions.HTTPError, OSError, ValueError):
            pass
        time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    sys.exit("wan.py: the TLS Home Assistant did not start in 240 s")


def start_proxy(target_port, one_way_ms):
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "wan_proxy.py"), "--target",
                             f"127.0.0.1:{target_port}", "--one-way-ms", str(one_way_ms)],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    if len(line) != 2 or line[0] != "listening":
        sys.exit(f"wan.py: the delay proxy did not start ({line})")
    return proc, int(line[1])


def stats(values):
    values = sorted(values)
    if not values:
        return None
    p90 = values[min(len(values) - 1, max(0, int(round(0.9 * len(values))) - 1))]
    return {"median": statistics.median(values), "p90": p90, "n": len(values)}


def check(name, answer, who):
    header = answer.get("event", {}).get("header", {})
    if header.get("name") == "ErrorResponse" or "type" in answer.get("event", {}).get("payload", {}):
        sys.exit(f"wan.py: {who} answered {name} with an error: {json.dumps(answer)[:600]}")


def run_rtt(rtt_ms, args, ha_port, ca, token, env_file):
    proxy, proxy_port = start_proxy(ha_port, rtt_ms / 2)
    url = f"https://127.0.0.1:{proxy_port}"
    lee_env = {"HOME_ASSISTANT_URL": url, "HOME_ASSISTANT_TOKEN": token, "HOME_ASSISTANT_CA_FILE": ca}
    results = {}
    sources = set()
    try:
        names = [d for d in DIRECTIVES if not args.only or d in args.only]
        # Warm: one lee process; each directive once unmeasured, then --warm times.
        lee = LeeProcess(ROOT, lee_env)
        try:
            first = lee.invoke(event_for("ReportState", 0, token), timeout=30)
            check("ReportState", first[1], "lee")
            for name in names:
                lee_ms, base_ms, calls, trips = [], [], [], []
                for i in range(args.warm + 1):
                    ms, answer, timings = lee.invoke(event_for(name, i, token))
                    check(name, answer, "lee")
                    t0 = time.perf_counter()
                    base = wan_baseline.handle(event_for(name, i, token), url, ca)
                    b_ms = (time.perf_counter() - t0) * 1000
                    check(name, base, "baseline")
                    if i == 0:
                        continue
                    lee_ms.append(ms)
                    base_ms.append(b_ms)
                    calls.append(timings.get("ha_calls"))
                    trips.append(timings.get("ha_round_trips", timings.get("ha_calls")))
                    sources.add("ha_round_trips" if "ha_round_trips" in timings else "ha_calls")
                results[name] = {"warm": {"lee": stats(lee_ms), "baseline": stats(base_ms),
                                          "ha_calls": statistics.median(calls) if None not in calls else None,
                                          "ha_round_trips": statistics.median(trips) if None not in trips else None}}
        finally:
            lee.stop()
        # Cold: a fresh process per event, both sides.
        for name in names:
            lee_ms, base_ms, calls, trips = [], [], [], []
            for i in range(args.cold):
                event = event_for(name, i, token)
                ms, answer, timings = LeeProcess.cold(ROOT, lee_env, event)
                check(name, answer, "lee (cold)")
                lee_ms.append(ms)
                calls.append(timings.get("ha_calls"))
                trips.append(timings.get("ha_round_trips", timings.get("ha_calls")))
                sources.add("ha_round_trips" if "ha_round_trips" in timings else "ha_calls")
                with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                    json.dump(event, f)
                t0 = time.perf_counter()
                out = subprocess.run([sys.executable, os.path.join(HERE, "wan_baseline.py"), f.name],
                                     capture_output=True, text=True,
                                     env={"PATH": os.environ.get("PATH", ""), "BASE_URL": url, "CA_FILE": ca})
                base_ms.append((time.perf_counter() - t0) * 1000)
                os.unlink(f.name)
                if out.returncode != 0:
                    sys.exit(f"wan.py: the cold baseline failed: {out.stderr[-800:]}")
                check(name, json.loads(out.stdout), "baseline (cold)")
            results[name]["cold"] = {"lee": stats(lee_ms), "baseline": stats(base_ms),
                                     "ha_calls": statistics.median(calls) if None not in calls else None,
                                     "ha_round_trips": statistics.median(trips) if None not in trips else None}
    finally:
        proxy.send_signal(signal.SIGTERM)
        proxy.wait()
    results["_round_trips_from"] = sorted(sources)
    return results


def fmt(s):
    return "-" if not s else f"{s['median']:7.1f} {s['p90']:7.1f}"


def ratio(part):
    if not part["lee"] or not part["baseline"]:
        return "-"
    return f"{part['lee']['median'] / part['baseline']['median']:.2f}x"


def table(rtt_ms, results, args):
    lines = [f"WAN bench: RTT {rtt_ms:g} ms (one-way {rtt_ms / 2:g} ms, + 1 RTT per new connection), "
             f"TLS 1.3, warm n={args.warm}, cold n={args.cold}; ms median p90",
             f"{'directive':<17}| {'lee warm':>15} | {'docs warm':>15} | {'ratio':>6} | {'lee cold':>15} | "
             f"{'docs cold':>15} | {'ratio':>6} | HA calls/round trips warm, cold"]
    for name, r in results.items():
        if name.startswith("_"):
            continue
        w, c = r["warm"], r.get("cold", {"lee": None, "baseline": None})

        def trips(part):
            return f"{part.get('ha_calls', '-')}/{part.get('ha_round_trips', '-')}"
        lines.append(f"{name:<17}| {fmt(w['lee']):>15} | {fmt(w['baseline']):>15} | {ratio(w):>6} | "
                     f"{fmt(c['lee']):>15} | {fmt(c['baseline']):>15} | {ratio(c):>6} | {trips(w)}, {trips(c)}")
    source = " and ".join(results.get("_round_trips_from", [])) or "-"
    lines.append(f"lee's HA calls and round trips are its own `invocation done` timings ({source}); "
                 "a cold process's init warm-up is not in them. The docs Lambda makes 1 HA call per "
                 "directive on a new connection (TCP + TLS 1.3 + the call = 3 round trips).")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description="lee vs the docs Lambda over an emulated WAN link")
    p.add_argument("--rtt-ms", type=float, default=float(os.environ.get("LEE_BENCH_RTT_MS", 40)))
    p.add_argument("--also-rtt", type=float, action="append", default=None,
                   help="further RTTs to run (default: 0); --also-rtt -1 for none")
    p.add_argument("--warm", type=int, default=int(os.environ.get("LEE_BENCH_WARM", 15)))
    p.add_argument("--cold", type=int, default=int(os.environ.get("LEE_BENCH_COLD", 5)))
    p.add_argument("--only", type=lambda s: [x for x in s.split(",") if x], default=None)
    p.add_argument("--svg", default=os.path.join(HERE, "wan.svg"))
    args = p.parse_args()
    extra = [r for r in (args.also_rtt if args.also_rtt is not None else [0.0]) if r >= 0]
    rtts = [args.rtt_ms] + [r for r in extra if r != args.rtt_ms]
    for f in (os.path.join(ROOT, "dist/lee"), os.path.join(ROOT, "dist/components")):
        if not os.path.exists(f):
            sys.exit(f"wan.py: {f} is missing; run ./build.sh")
    env_file = os.path.join(ROOT, "target/ha/ha.env")
    if not os.path.exists(env_file):
        sys.exit("wan.py: target/ha/ha.env is missing; run tests/ha/ha.sh start")
    token = read_env(env_file)["HOME_ASSISTANT_TOKEN"]
    ha_port = int(os.environ.get("LEE_BENCH_HA_PORT", int(os.environ.get("LEE_HA_PORT", 18123)) + 1))
    os.makedirs(WORK, exist_ok=True)
    ca, leaf, leaf_key = make_tls(os.path.join(WORK, "tls"))
    print(f"wan.py: starting the TLS Home Assistant on 127.0.0.1:{ha_port}", file=sys.stderr)
    home = start_tls_home(ha_port, leaf, leaf_key, ca, token)
    everything = {}
    try:
        for rtt in rtts:
            print(f"wan.py: RTT {rtt:g} ms ...", file=sys.stderr)
            everything[rtt] = run_rtt(rtt, args, ha_port, ca, token, env_file)
            print(table(rtt, everything[rtt], args), flush=True)
            print(flush=True)
    finally:
        home.send_signal(signal.SIGTERM)
        try:
            home.wait(timeout=30)
        except subprocess.TimeoutExpired:
            home.kill()
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump({str(k): v for k, v in everything.items()}, f, indent=1)
    panels = []
    for rtt, results in everything.items():
        rows = []
        for name, r in results.items():
            if name.startswith("_"):
                continue
            row = {"directive": name}
            for kind in ("warm", "cold"):
                for who in ("lee", "baseline"):
                    s = r.get(kind, {}).get(who)
                    row[(who, kind)] = s["median"] if s else None
            rows.append(row)
        panels.append((f"RTT {rtt:g} ms", rows))
    wan_chart.write_svg(args.svg, panels, f"medians of {args.warm} warm and {args.cold} cold runs per "
                        "directive; ratio = lee / docs Lambda; written by bench/wan.py")
    print(f"wan.py: chart {os.path.relpath(args.svg, ROOT)}, figures {os.path.relpath(WORK, ROOT)}/results.json",
          file=sys.stderr)


if __name__ == "__main__":
    main()
