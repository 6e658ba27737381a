"""The network streams of a sync pool whose every read, write and connect ends by the call's
deadline (dqops/_runtime/deadline.py). Imported with the first sync client, as httpcore is.

The deadline's context variable is handed in by deadline.py, which imports this module (and
httpcore) only when a sync client is made: this module imports nothing of the SDK."""

from __future__ import annotations

import ssl
import typing
from collections.abc import Iterable
from contextvars import ContextVar
from time import monotonic

import httpcore

# httpcore's own type of a socket option (setsockopt's arguments).
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


# When the sync call under way must end (time.monotonic()), or None: deadline.call_deadline.
Deadline = ContextVar[float | None]


def _limit(deadline_var: Deadline, timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
    """The socket timeout: the phase's own, or the time left to the call's deadline if shorter."""
    deadline = deadline_var.get()
    if deadline is None:
        return timeout
    left = deadline - monotonic()
    if left <= 0:
        raise error("the call's deadline passed")
    return left if timeout is None or timeout > left else timeout


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read and write ends by the call's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _limit(self._deadline, timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _limit(self._deadline, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(
            ssl_context, server_hostname, _limit(self._deadline, timeout, httpcore.ConnectTimeout)
        )
        return DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, with DeadlineStream streams."""

    def __init__(self, backend: httpcore.NetworkBackend, deadline: Deadline) -> None:
        self._backend = backend
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _limit(self._deadline, timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(
            path, _limit(self._deadline, timeout, httpcore.ConnectTimeout), socket_options
        )
        return DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)
