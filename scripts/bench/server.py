"""A fast HTTP/1.1 keep-alive server on 127.0.0.1 that answers fixed JSON, for the call benchmarks.

Standard library only (an asyncio Protocol, no framework), so it costs the client side as
little CPU as possible. It serves the routes of a JSON file (write_routes() makes one), each
answered with the bytes of a file beside it, sent as they are:

    {"GET /api/connections": "connections.json", "POST /api/jobs/runchecks": "run_checks.json"}

and answers 404 to anything else. Run it in its own process:

    python scripts/bench/server.py ROUTES.json [--max-seconds 900]

It prints `PORT <n>` when listening and stops when its stdin closes (the parent is gone)
or after --max-seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Self

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024
HOST = "127.0.0.1"


def http_response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode("latin-1") + body


NOT_FOUND = http_response("404 Not Found", b'{"error":"not found"}')
BAD_REQUEST = http_response("400 Bad Request", b'{"error":"bad request"}')


class FixedJsonProtocol(asyncio.Protocol):
    """Parses requests (Content-Length bodies; pipelining allowed) and writes a prepared answer."""

    def __init__(self, responses: dict[tuple[bytes, bytes], bytes]) -> None:
        self.responses = responses
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEADER_BYTES:
                    self._fail()
                return
            head = bytes(self.buffer[:end]).split(b"\r\n")
            length = 0
            for header in head[1:]:
                name, _, value = header.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip() or b"0")
                elif name == b"transfer-encoding":
                    self._fail()
                    return
            if length > MAX_BODY_BYTES:
                self._fail()
                return
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            del self.buffer[:total]
            parts = head[0].split(b" ")
            if len(parts) != 3:
                self._fail()
                return
            method, target = parts[0], parts[1].split(b"?", 1)[0]
            self.transport.write(self.responses.get((method, target), NOT_FOUND))

    def _fail(self) -> None:
        if self.transport is not None:
            self.transport.write(BAD_REQUEST)
            self.transport.close()
            self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def write_routes(folder: Path, name: str, bodies: dict[str, bytes]) -> Path:
    """A routes file `name`.json in `folder` answering each route ("GET /path") with its body."""
    routes = {}
    for index, (route, body) in enumerate(bodies.items()):
        body_file = f"{name}.{index}.body"
        (folder / body_file).write_bytes(body)
        routes[route] = body_file
    path = folder / f"{name}.json"
    path.write_text(json.dumps(routes), encoding="utf-8")
    return path


def load_routes(path: Path) -> dict[tuple[bytes, bytes], bytes]:
    routes = json.loads(path.read_text(encoding="utf-8"))
    responses = {}
    for route, body_file in routes.items():
        method, target = route.split(" ", 1)
        responses[(method.encode(), target.encode())] = http_response("200 OK", (path.parent / body_file).read_bytes())
    return responses


async def serve(routes: Path, max_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    responses = load_routes(routes)
    server = await loop.create_server(lambda: FixedJsonProtocol(responses), HOST, 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    stop = asyncio.Event()

    def wait_for_stdin_to_close() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
    try:
        await asyncio.wait_for(stop.wait(), timeout=max_seconds)
    except TimeoutError:
        pass
    server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("routes", type=Path)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.routes, args.max_seconds))
    return 0


class ServerProcess:
    """Starts server.py in its own process (used by calls.py); `base_url` once it listens."""

    def __init__(self, python: Path, routes: Path, max_seconds: float = 900.0, start_seconds: float = 30.0) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.process = subprocess.Popen(
            [str(python), "-P", __file__, str(routes), "--max-seconds", str(max_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        port_line: list[str] = []
        reader = threading.Thread(target=lambda: port_line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(start_seconds)
        if not port_line or not port_line[0].startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the benchmark server did not start within {start_seconds:.0f} s")
        self.port = int(port_line[0].split()[1])
        self.base_url = f"http://{HOST}:{self.port}/"

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)
        self.process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit(main())
