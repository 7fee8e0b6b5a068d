#!/usr/bin/env python3
"""Cold-start harness: runs `dist/lee invoke EVENT` as a fresh process N times against
the test Home Assistant and prints the wall time (process start -> response) and peak RSS.

    python3 bench/cold_start.py [EVENT.json ...] [--runs 50] [--home demo|synthetic]

Needs ./build.sh and tests/ha/ha.sh start (reads target/ha/ha.env); `--home synthetic`
uses the 1,000-entity home instead (LEE_HA_HOME=synthetic tests/ha/ha.sh start,
target/ha-synthetic/ha.env). Prints one summary line per event plus the `--timings`
medians lee itself reports; `lee_minus_ha_us_median` is lee's own time (total minus the
time spent waiting for Home Assistant).
"""
import json, os, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_env(home):
    env = dict(os.environ)
    path = os.path.join(ROOT, "target/ha-synthetic/ha.env" if home == "synthetic" else "target/ha/ha.env")
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                if home == "synthetic" or k not in env:
                    env[k] = v
    env.pop("LEE_LOG", None)
    return env


def main():
    args = sys.argv[1:]
    runs = 50
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    home = "demo"
    if "--home" in args:
        i = args.index("--home")
        home = args[i + 1]
        del args[i:i + 2]
    events = args or [os.path.join(ROOT, "examples/list-automations.json")]
    env = load_env(home)
    for event in events:
        walls, rss, timings = [], [], []
        for _ in range(runs):
            start = time.perf_counter()
            pid = os.posix_spawn(
                os.path.join(ROOT, "dist/lee"),
                ["lee", "invoke", event, "--timings", "--components",
                 os.path.join(ROOT, "dist/components")],
                env,
                file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/tmp/lee-cold.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                              (os.POSIX_SPAWN_OPEN, 2, "/tmp/lee-cold.err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)])
            _, status, usage = os.wait4(pid, 0)
            walls.append((time.perf_counter() - start) * 1000)
            rss.append(usage.ru_maxrss / 1024)
            if status != 0:
                sys.exit(f"lee failed: {open('/tmp/lee-cold.err').read()}")
            for line in open("/tmp/lee-cold.err"):
                if '"total_us"' in line:
                    timings.append(json.loads(line))
        walls.sort()
        med = lambda key: statistics.median(t[key] for t in timings)
        print(json.dumps({
            "event": os.path.relpath(event, ROOT),
            "home": home,
            "runs": runs,
            "wall_ms_median": round(statistics.median(walls), 2),
            "wall_ms_p90": round(walls[int(len(walls) * 0.9) - 1], 2),
            "wall_ms_min": round(walls[0], 2),
            "peak_rss_mib_max": round(max(rss), 2),
            "peak_rss_mib_median": round(statistics.median(rss), 2),
            "lee_init_us_median": med("init_us"),
            "lee_total_us_median": med("total_us"),
            "ha_calls_median": med("ha_calls"),
            "ha_us_median": med("ha_us"),
            "lee_minus_ha_us_median": statistics.median(t["total_us"] - t["ha_us"] for t in timings),
        }))


if __name__ == "__main__":
    main()
