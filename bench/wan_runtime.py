"""The WAN bench's Lambda side: a local Runtime API (the endpoints `lee lambda` uses:
next invocation, response, invocation and init errors) and `dist/lee lambda` run
behind it. One Runtime API per lee process, so an event is never handed to the
`next` request of a process already stopped. Times are taken when the event is handed
over (warm) or the process spawned (cold) and when the answer is posted; lee's own
`invocation done` log line gives its timings (ha_calls, ha_round_trips)."""
import json
import os
import queue
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime/"


class RuntimeApi:
    def __init__(self):
        self.pending = queue.Queue()
        self.answers = {}
        self.timings = {}
        self.init_error = None
        self.cond = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body go out in one write, and without Nagle: otherwise the
                # client's delayed ACK adds ~40 ms to every hand-over.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):
                pass

            def handle(self):
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # a stopped lee process

            def _reply(self, status, body=b"", headers=()):
                head = [f"HTTP/1.1 {status} {'OK' if status < 300 else 'Not Found'}"]
                head += [f"{k}: {v}" for k, v in headers]
                head.append(f"Content-Length: {len(body)}")
                self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
                self.wfile.flush()

            def do_GET(self):
                if self.path != PREFIX + "invocation/next":
                    return self._reply(404)
                rid, body = api.pending.get()
                deadline = int(time.time() * 1000) + 10_000
                self._reply(200, body, [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", rid),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     "arn:aws:lambda:eu-west-1:123456789012:function:lee"),
                    ("Lambda-Runtime-Trace-Id", f"Root=1-{rid[:8]}-{rid.replace('-', '')[:24]};Sampled=0"),
                ])

            def do_POST(self):
                at = time.perf_counter()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = self.path[len(PREFIX):].split("/")
                with api.cond:
                    if parts[:2] == ["init", "error"]:
                        api.init_error = body.decode(errors="replace")
                    elif len(parts) == 3 and parts[0] == "invocation":
                        api.answers[parts[1]] = (at, parts[2], body)
                    api.cond.notify_all()
                self._reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def submit(self, event):
        rid = str(uuid.uuid4())
        self.pending.put((rid, json.dumps(event).encode()))
        return rid

    def wait(self, rid, timeout):
        """(posted at, kind, body) for `rid`."""
        end = time.time() + timeout
        with self.cond:
            while rid not in self.answers:
                if self.init_error:
                    raise RuntimeError(f"lee init error: {self.init_error}")
                left = end - time.time()
                if left <= 0:
                    raise TimeoutError(f"no answer for {rid} in {timeout} s")
                self.cond.wait(left)
            return self.answers.pop(rid)

    def wait_timings(self, rid, timeout=2.0):
        end = time.time() + timeout
        with self.cond:
            while rid not in self.timings and time.time() < end:
                self.cond.wait(0.05)
            return self.timings.pop(rid, {})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class LeeProcess:
    """`dist/lee lambda` with only the Lambda variables and `env`."""

    def __init__(self, root, env, api=None):
        self.api = api or RuntimeApi()
        full = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self.api.port}",
            "AWS_LAMBDA_FUNCTION_NAME": "lee",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
            "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
            **env,
        }
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [os.path.join(root, "dist/lee"), "lambda", "--components", os.path.join(root, "dist/components")],
            env=full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.stderr_tail = []
        threading.Thread(target=self._read_logs, daemon=True).start()

    def _read_logs(self):
        for line in self.proc.stderr:
            self.stderr_tail = (self.stderr_tail + [line])[-40:]
            if "invocation done" not in line:
                continue
            try:
                fields = json.loads(line).get("fields", {})
                timings = json.loads(fields.get("timings") or "{}")
            except ValueError:
                continue
            with self.api.cond:
                self.api.timings[fields.get("request_id")] = timings
                self.api.cond.notify_all()

    def invoke(self, event, timeout=15.0):
        """(ms from hand-over to the posted answer, answer, lee's timings)."""
        t0 = time.perf_counter()
        rid = self.api.submit(event)
        at, kind, body = self._wait(rid, timeout)
        return (at - t0) * 1000, self._answer(kind, body), self.api.wait_timings(rid)

    def _wait(self, rid, timeout):
        try:
            return self.api.wait(rid, timeout)
        except (TimeoutError, RuntimeError) as e:
            raise RuntimeError(f"{e}; lee stderr: {''.join(self.stderr_tail)[-2000:]}") from e

    @staticmethod
    def _answer(kind, body):
        if kind != "response":
            return {"event": {"payload": {"type": "LAMBDA_" + kind.upper(), "message": body.decode()}}}
        return json.loads(body)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.api.close()

    @classmethod
    def cold(cls, root, env, event, timeout=20.0):
        """A fresh process with `event` already waiting: (ms from spawn to the posted
        answer, answer, timings)."""
        api = RuntimeApi()
        rid = api.submit(event)
        lee = cls(root, env, api)
        try:
            at, kind, body = lee._wait(rid, timeout)
            return (at - lee.started) * 1000, cls._answer(kind, body), api.wait_timings(rid)
        finally:
            lee.stop()
