#!/usr/bin/env python3
"""Package harness: sizes and cold starts of Lambda packages, side by side.

    python3 bench/package.py [--runs 15] NAME=DIR[,ZIP] [NAME=DIR[,ZIP] ...]

DIR holds `bootstrap` and `components/` (an unpacked package, or a build laid out the
same way); ZIP is the package zip whose sizes are reported. For every variant it prints
  - bootstrap bytes, zip bytes, the bootstrap's and the components' compressed bytes;
  - cold `bootstrap invoke EVENT` (fresh process per run): wall time from spawn to exit,
    lee's own init/total (`--timings`), median of --runs; and its peak RSS, from GNU
    time's %M (median of 5 runs under /usr/bin/time; wait4 from this script would
    report Python's own high-water mark, which a spawned child inherits across exec);
  - cold Lambda mode: a fresh `bootstrap` against a minimal local Runtime API on
    127.0.0.1 that hands out one event: spawn -> answer posted, and the process's peak
    RSS at that point (VmHWM of /proc/PID/status, read before it is stopped), median of
    --runs.
Events: Alexa ReportState, Alexa Discovery (demo home), health. Runs of the variants are
interleaved (A, B, A, B, ...) so a busy machine slows them alike; all invoke runs of an
event come before its Lambda runs, and each stopped Lambda process gets a pause, so Home
Assistant is not still serving the previous process's warm-up when the next one starts. Needs the demo Home
Assistant (tests/ha/ha.sh start; reads target/ha/ha.env). Only native bootstraps run; an
arm64 package is sized only (timing under qemu is no figure).
"""
import http.server, json, os, platform, signal, statistics, subprocess, sys, threading, time, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS = {
    "ReportState": "examples/alexa-report-state.json",
    "Discovery": "examples/alexa-discovery.json",
    "health": "examples/health.json",
}


def load_env():
    env = {"PATH": os.environ.get("PATH", "")}
    with open(os.path.join(ROOT, "target/ha/ha.env")) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                env[k] = v
    for k in ("HOME_ASSISTANT_URL", "HOME_ASSISTANT_TOKEN"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def sizes(directory, zip_path):
    row = {"bootstrap_bytes": os.path.getsize(os.path.join(directory, "bootstrap"))}
    if zip_path:
        row["zip_bytes"] = os.path.getsize(zip_path)
        with zipfile.ZipFile(zip_path) as z:
            infos = z.infolist()
        row["zip_bootstrap_compressed"] = sum(i.compress_size for i in infos if i.filename == "bootstrap")
        row["zip_components_compressed"] = sum(i.compress_size for i in infos if i.filename.startswith("components/"))
        row["components_bytes"] = sum(i.file_size for i in infos if i.filename.startswith("components/"))
    return row


def cold_invoke(directory, event, env):
    out = "/tmp/lee-bench-package.out"
    err = "/tmp/lee-bench-package.err"
    start = time.perf_counter()
    pid = os.posix_spawn(
        os.path.join(directory, "bootstrap"),
        ["bootstrap", "invoke", os.path.join(ROOT, event), "--timings", "--components",
         os.path.join(directory, "components")],
        env,
        file_actions=[(os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                      (os.POSIX_SPAWN_OPEN, 2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)])
    _, status = os.waitpid(pid, 0)
    wall = (time.perf_counter() - start) * 1000
    if status != 0:
        sys.exit(f"{directory}: invoke {event} failed: {open(err).read()[-2000:]}")
    answer = json.load(open(out))
    if "error" in answer or answer.get("event", {}).get("header", {}).get("name") == "ErrorResponse":
        sys.exit(f"{directory}: {event} answered an error: {json.dumps(answer)[:500]}")
    timings = next(json.loads(l) for l in open(err) if '"total_us"' in l)
    return wall, timings


def invoke_peak_rss(directory, event, env):
    """Peak RSS in MiB of a cold `bootstrap invoke`, by GNU time (a C parent: the
    high-water mark is the bootstrap's own)."""
    report = "/tmp/lee-bench-package.rss"
    samples = []
    for _ in range(5):
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", report, os.path.join(directory, "bootstrap"),
             "invoke", os.path.join(ROOT, event), "--components", os.path.join(directory, "components")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if done.returncode != 0:
            sys.exit(f"{directory}: invoke {event} under /usr/bin/time failed ({done.returncode})")
        samples.append(int(open(report).read().split()[-1]) / 1024)
    return statistics.median(samples)


def vm_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class RuntimeApi(http.server.ThreadingHTTPServer):
    """One event for one process: /next hands it out once, /response records when the
    answer arrived; a second /next waits until the process is stopped."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the bootstrap is killed mid-request on purpose

    def __init__(self, event):
        super().__init__(("127.0.0.1", 0), Handler)
        self.event = event
        self.handed = False
        self.answered = threading.Event()
        self.answered_at = None
        self.answer = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        server = self.server
        if self.path.endswith("/invocation/next") and not server.handed:
            server.handed = True
            deadline = str(int(time.time() * 1000) + 10_000)
            self.reply(200, server.event, [
                ("Lambda-Runtime-Aws-Request-Id", "bench-1"),
                ("Lambda-Runtime-Deadline-Ms", deadline),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:lee"),
                ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
            ])
        else:
            server.answered.wait(15)
            time.sleep(15)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        if "/response" in self.path or "/error" in self.path:
            self.server.answered_at = time.perf_counter()
            self.server.answer = (self.path, body)
            self.server.answered.set()
        self.reply(202, "{}")


def cold_lambda(directory, event, env):
    api = RuntimeApi(open(os.path.join(ROOT, event)).read())
    thread = threading.Thread(target=api.serve_forever, daemon=True)
    thread.start()
    lambda_env = dict(env)
    lambda_env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.server_address[1]}",
        "AWS_LAMBDA_FUNCTION_NAME": "lee",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "stream",
        "AWS_LAMBDA_LOG_GROUP_NAME": "group",
    })
    devnull = os.open(os.devnull, os.O_WRONLY)
    start = time.perf_counter()
    pid = os.posix_spawn(os.path.join(directory, "bootstrap"), ["bootstrap"], lambda_env,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
    answered = api.answered.wait(20)
    peak = vm_hwm_mib(pid)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(devnull)
    api.shutdown()
    api.server_close()
    if not answered:
        sys.exit(f"{directory}: no answer in Lambda mode for {event}")
    path, body = api.answer
    if "/error" in path or '"ErrorResponse"' in body:
        sys.exit(f"{directory}: Lambda mode answered an error for {event}: {body[:500]}")
    time.sleep(0.3)  # let Home Assistant finish the stopped process's warm-up
    return (api.answered_at - start) * 1000, peak


def main():
    args = sys.argv[1:]
    runs = 15
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    variants = []
    for arg in args:
        name, _, rest = arg.partition("=")
        directory, _, zip_path = rest.partition(",")
        variants.append((name, os.path.abspath(directory), zip_path or None))
    if not variants:
        sys.exit(__doc__)
    env = load_env()
    for name, directory, zip_path in variants:
        print(json.dumps({"variant": name, **sizes(directory, zip_path)}))
    machine = platform.machine()
    runnable = []
    for name, directory, zip_path in variants:
        file_head = open(os.path.join(directory, "bootstrap"), "rb").read(20)
        elf_machine = int.from_bytes(file_head[18:20], "little")
        native = {"x86_64": 62, "aarch64": 183}.get(machine)
        if elf_machine == native:
            runnable.append((name, directory))
        else:
            print(json.dumps({"variant": name, "note": "not native here: sized only"}))
    for label, event in EVENTS.items():
        results = {name: {"wall": [], "rss": [], "init": [], "total": [], "lambda": [], "lambda_rss": []}
                   for name, _ in runnable}
        for _ in range(runs):
            for name, directory in runnable:
                wall, timings = cold_invoke(directory, event, env)
                r = results[name]
                r["wall"].append(wall)
                r["init"].append(timings["init_us"] / 1000)
                r["total"].append(timings["total_us"] / 1000)
        for name, directory in runnable:
            results[name]["rss"].append(invoke_peak_rss(directory, event, env))
        for _ in range(runs):
            for name, directory in runnable:
                answer_ms, lambda_rss = cold_lambda(directory, event, env)
                results[name]["lambda"].append(answer_ms)
                results[name]["lambda_rss"].append(lambda_rss)
        for name, r in results.items():
            med = lambda key: round(statistics.median(r[key]), 2)
            print(json.dumps({
                "variant": name, "event": label, "runs": runs,
                "invoke_wall_ms": med("wall"), "invoke_init_ms": med("init"),
                "invoke_total_ms": med("total"), "invoke_peak_rss_mib": med("rss"),
                "lambda_start_to_answer_ms": med("lambda"), "lambda_peak_rss_mib": med("lambda_rss"),
            }))


if __name__ == "__main__":
    main()
