"""A real HTTP/1.1 server on 127.0.0.1 that injects faults by path, for the end-to-end tests.

Not a mock transport: the SDK's clients reach it over TCP, through httpx and httpcore, so
what is tested is what happens on the wire (timeouts, dropped and reused connections,
truncated bodies).

    server = FaultServer().start()
    server.route("/api/connections", status(503), json_answer([]))   # 503, then [] for ever
    ...
    server.stop()

A route answers with its behaviours in order; the last one repeats. A path with no route
answers 404. Everything is bounded: sockets poll a stop event every POLL_SECONDS, a slow
answer waits on that event (so stop() cuts it short), and stop() joins every thread with a
timeout. The server counts the TCP connections it accepted and records every request.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self
from urllib.parse import urlsplit

POLL_SECONDS = 0.05
# A connection that sends nothing for this long is closed by the server.
IDLE_SECONDS = 5.0
JOIN_SECONDS = 2.0
MAX_HEADER_BYTES = 64 * 1024


@dataclass
class RecordedRequest:
    """A request as the server received it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection_number: int
    received_at: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        return urlsplit(self.target).query


class _Closed(Exception):
    """The peer closed the connection, it went idle, or the server is stopping."""


@dataclass
class _Connection:
    sock: socket.socket
    number: int
    buffer: bytes = b""


# A behaviour answers one request; it returns True to keep the connection open for the next one.
Behaviour = Callable[["FaultServer", _Connection, RecordedRequest], bool]


def _response_bytes(
    status_code: int, body: bytes, content_type: str | None, headers: dict[str, str] | None, content_length: int | None
) -> bytes:
    reason = HTTPStatus(status_code).phrase if status_code in HTTPStatus._value2member_map_ else "Status"
    lines = [f"HTTP/1.1 {status_code} {reason}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def respond(
    status_code: int = 200,
    body: bytes | str = b"",
    *,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
) -> Behaviour:
    """A complete answer; the connection stays open (HTTP/1.1 keep-alive)."""
    raw = body.encode("utf-8") if isinstance(body, str) else body

    def behaviour(server: FaultServer, conn: _Connection, request: RecordedRequest) -> bool:
        conn.sock.sendall(_response_bytes(status_code, raw, content_type, headers, None))
        return True

    return behaviour


def json_answer(value: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Behaviour:
    """A complete JSON answer."""
    return respond(status_code, json.dumps(value), headers=headers)


def status(status_code: int, headers: dict[str, str] | None = None) -> Behaviour:
    """An error status with a small plain-text body."""
    return respond(status_code, f"status {status_code}", content_type="text/plain", headers=headers)


def slow(seconds: float, then: Behaviour | None = None) -> Behaviour:
    """Answer (with `then`, default `[]`) only after `seconds`; stop() cuts the wait short."""
    answer = then or json_answer([])

    def behaviour(server: FaultServer, conn: _Connection, request: RecordedRequest) -> bool:
        if server.stopping.wait(seconds):
            return False
        return answer(server, conn, request)

    return behaviour


def trickle(body: bytes | str, every: float, *, content_type: str = "application/json") -> Behaviour:
    """Send the headers at once, then the body one byte every `every` seconds (each read gets
    data in time, so only a deadline for the whole call ends it); stop() cuts it short."""
    raw = body.encode("utf-8") if isinstance(body, str) else body

    def behaviour(server: FaultServer, conn: _Connection, request: RecordedRequest) -> bool:
        conn.sock.sendall(_response_bytes(200, b"", content_type, None, len(raw)))
        for index in range(len(raw)):
            if server.stopping.wait(every):
                return False
            conn.sock.sendall(raw[index : index + 1])
        return True

    return behaviour


def hang() -> Behaviour:
    """Read the request and never answer (until stop())."""

    def behaviour(server: FaultServer, conn: _Connection, request: RecordedRequest) -> bool:
        server.stopping.wait()
        return False

    return behaviour


def redirect(location: str, status_code: int = 302) -> Behaviour:
    """A redirect to `location` (absolute, or a path of this server)."""
    return respond(status_code, b"", content_type=None, headers={"Location": location})


def which_connection() -> Behaviour:
    """A list of connections naming the TCP connection that carried the request:
    `[{"connection_name": "connection-<n>"}]`, n as in RecordedRequest.connection_number."""

    def behaviour(server: FaultServer, conn: _Connection, request: RecordedRequest) -> bool:
        answer = json.dumps([{"connection_name": f"connection-{conn.number}"}]).encode()
        conn.sock.sendall(_response_bytes(200, answer, "application/json", None, None))
        return True

    return behaviour


def drop() -> Behaviour:
    """Close the connection without answering."""

    def behaviour(server: FaultServer, conn: _Connection, request: RecordedRequest) -> bool:
        return False

    return behaviour


def truncated(body: bytes | str, announced_length: int, content_type: str = "application/json") -> Behaviour:
    """Announce `announced_length` bytes, send only `body`, then close the connection."""
    raw = body.encode("utf-8") if isinstance(body, str) else body

    def behaviour(server: FaultServer, conn: _Connection, request: RecordedRequest) -> bool:
        conn.sock.sendall(_response_bytes(200, raw, content_type, None, announced_length))
        return False

    return behaviour


@dataclass
class FaultServer:
    """A threaded HTTP/1.1 server on an ephemeral port of 127.0.0.1."""

    routes: dict[str, list[Behaviour]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    connections_accepted: int = 0

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._served: dict[str, int] = {}

    # Set-up.

    def route(self, path: str, *behaviours: Behaviour) -> FaultServer:
        """Answer requests to `path` with these behaviours in order; the last one repeats."""
        if not behaviours:
            raise ValueError("route() needs at least one behaviour")
        with self._lock:
            self.routes[path] = list(behaviours)
            self._served[path] = 0
        return self

    @property
    def port(self) -> int:
        assert self._listener is not None, "start() the server first"
        return self._listener.getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    # Lifecycle.

    def start(self) -> FaultServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(POLL_SECONDS)
        self._listener = listener
        self._spawn(self._accept_loop, "fault-server-accept")
        return self

    def stop(self) -> None:
        """Stop accepting, close every connection, and join the threads (bounded)."""
        self.stopping.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
            threads = list(self._threads)
        for sock in sockets:
            _close_quietly(sock)
        deadline = time.monotonic() + JOIN_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()

    # Serving.

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed by stop()
            sock.settimeout(POLL_SECONDS)
            with self._lock:
                self.connections_accepted += 1
                number = self.connections_accepted
                self._sockets.append(sock)
            self._spawn(self._serve_connection, f"fault-server-conn-{number}", _Connection(sock, number))

    def _serve_connection(self, conn: _Connection) -> None:
        try:
            while not self.stopping.is_set():
                request = self._read_request(conn)
                with self._lock:
                    self.requests.append(request)
                if not self._behaviour_for(request.path)(self, conn, request):
                    break
        except (_Closed, OSError):
            pass
        finally:
            _close_quietly(conn.sock)

    def _behaviour_for(self, path: str) -> Behaviour:
        with self._lock:
            behaviours = self.routes.get(path)
            if behaviours is None:
                return status(404)
            index = min(self._served[path], len(behaviours) - 1)
            self._served[path] += 1
            return behaviours[index]

    def _receive(self, conn: _Connection) -> None:
        """Append what the peer sends to conn.buffer; _Closed when it closes, idles or we stop."""
        idle_until = time.monotonic() + IDLE_SECONDS
        while not self.stopping.is_set() and time.monotonic() < idle_until:
            try:
                chunk = conn.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise _Closed
            conn.buffer += chunk
            return
        raise _Closed

    def _read_request(self, conn: _Connection) -> RecordedRequest:
        while b"\r\n\r\n" not in conn.buffer:
            if len(conn.buffer) > MAX_HEADER_BYTES:
                raise _Closed
            self._receive(conn)
        head, conn.buffer = conn.buffer.split(b"\r\n\r\n", 1)
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(conn.buffer) < length:
            self._receive(conn)
        body, conn.buffer = conn.buffer[:length], conn.buffer[length:]
        return RecordedRequest(method, target, headers, body, conn.number)


def _close_quietly(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def unused_port() -> int:
    """A port of 127.0.0.1 on which nothing listens (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SPRING_401 = {
    "timestamp": "2024-05-01T10:00:00.000+00:00",
    "status": 401,
    "error": "Unauthorized",
    "message": "The API key is invalid or expired",
    "path": "/api/connections",
}
