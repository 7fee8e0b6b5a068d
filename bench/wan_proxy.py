#!/usr/bin/env python3
"""A delay proxy on 127.0.0.1 that makes loopback behave like a wide-area link.

    python3 bench/wan_proxy.py --listen-port 0 --target 127.0.0.1:8123 --one-way-ms 20

Every byte is delivered `one-way` milliseconds after it was read, in both directions,
in order (latency only; no bandwidth limit). A userspace proxy accepts a connection
at once, where a real link makes the client wait a round trip for the SYN-ACK before
it can send anything: so the first bytes of each new client connection are held until
one round trip after the accept, then delivered one-way later (the client's first
request arrives 1.5 round trips after it started connecting, as over a real link).
The connection to the target is made on loopback, without delay.

Prints `listening <port>` on stdout once ready, then runs until killed. Part of the
WAN bench (bench/wan.py); stdlib only.
"""
import argparse
import asyncio
import sys


async def pump(reader, writer, delay, hold_until, loop):
    """Copies reader -> writer, each chunk delivered `delay` seconds after it was read
    (and never before `hold_until`)."""
    queue = asyncio.Queue()

    async def deliver():
        while True:
            at, data = await queue.get()
            wait = at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                try:
                    writer.write_eof()
                except (OSError, RuntimeError):
                    pass
                return
            writer.write(data)
            try:
                await writer.drain()
            except OSError:
                return

    sender = asyncio.ensure_future(deliver())
    try:
        while True:
            try:
                data = await reader.read(65536)
            except OSError:
                data = b""
            at = max(loop.time(), hold_until) + delay
            queue.put_nowait((at, data or None))
            if not data:
                break
        await sender
    finally:
        sender.cancel()


async def serve(args):
    loop = asyncio.get_running_loop()
    host, port = args.target.rsplit(":", 1)
    delay = args.one_way_ms / 1000.0

    async def handle(client_reader, client_writer):
        accepted = loop.time()
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        # The handshake's round trip: nothing the client sends counts before it.
        hold = accepted + 2 * delay
        await asyncio.gather(
            pump(client_reader, up_writer, delay, hold, loop),
            pump(up_reader, client_writer, delay, 0.0, loop),
            return_exceptions=True,
        )
        for w in (up_writer, client_writer):
            w.close()

    server = await asyncio.start_server(handle, "127.0.0.1", args.listen_port)
    print("listening", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen-port", type=int, default=0)
    p.add_argument("--target", required=True, help="host:port to forward to")
    p.add_argument("--one-way-ms", type=float, default=20.0)
    args = p.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
