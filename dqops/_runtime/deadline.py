"""A deadline for a whole sync call: `timeout=<seconds>` is the most a call may take.

httpx applies a timeout to each phase, and httpcore reads it once per phase: a server that
sends one byte of its body now and then keeps a call going for as long as it likes. So the
sync pool's network streams take the remaining time of the call under way (a context
variable, set by Client.send_request) as the limit of each socket read, write and connect.
Async calls need none of this: `asyncio.timeout()` bounds them as a whole.
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Iterable
from contextvars import ContextVar
from time import monotonic

import httpcore
import httpx

# When the sync call under way in this thread must end (time.monotonic()), or None.
call_deadline: ContextVar[float | None] = ContextVar("dqops_call_deadline", default=None)

# httpcore's own type of a socket option (setsockopt's arguments).
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


def _limit(timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
    """The socket timeout: the phase's own, or the time left to the call's deadline if shorter."""
    deadline = call_deadline.get()
    if deadline is None:
        return timeout
    left = deadline - monotonic()
    if left <= 0:
        raise error("the call's deadline passed")
    return left if timeout is None or timeout > left else timeout


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read and write ends by the call's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _limit(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _limit(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, _limit(timeout, httpcore.ConnectTimeout))
        return DeadlineStream(tls)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, with DeadlineStream streams."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _limit(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(path, _limit(timeout, httpcore.ConnectTimeout), socket_options)
        return DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bound_by_deadline(client: httpx.Client) -> bool:
    """Give the connection pools of `client` (and of its mounts, proxies) deadline-bound streams.

    httpx does not let a network backend be passed in: this sets httpcore's pool attribute
    (httpx 0.28, httpcore 1.0). False when a transport is not httpx's own: its calls are then
    bounded at the start of each phase only.
    """
    bounded = True
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        if transport is None:
            continue
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if not isinstance(pool, httpcore.ConnectionPool) or backend is None:
            bounded = False
        elif not isinstance(backend, DeadlineBackend):
            pool._network_backend = DeadlineBackend(backend)
    return bounded


def clamp_phases(request: httpx.Request, deadline: float) -> float:
    """Bound each phase's timeout of `request` by the time left; that time (<= 0: passed)."""
    left = deadline - monotonic()
    timeouts = request.extensions.get("timeout")
    if isinstance(timeouts, dict):
        request.extensions["timeout"] = {
            phase: left if value is None or value > left else value for phase, value in timeouts.items()
        }
    return left
