"""A deadline for a whole sync call: `timeout=<seconds>` is the most a call may take.

httpx applies a timeout to each phase, and httpcore reads it once per phase: a server that
sends one byte of its body now and then keeps a call going for as long as it likes. So the
sync pool's network streams take the remaining time of the call under way (a context
variable, set by Client.send_request) as the limit of each socket read, write and connect.
Async calls need none of this: `asyncio.timeout()` bounds them as a whole.
"""

from __future__ import annotations

from contextvars import ContextVar
from time import monotonic
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

# When the sync call under way in this thread must end (time.monotonic()), or None.
call_deadline: ContextVar[float | None] = ContextVar("dqops_call_deadline", default=None)


def bound_by_deadline(client: httpx.Client) -> bool:
    """Give the connection pools of `client` (and of its mounts, proxies) deadline-bound streams.

    httpx does not let a network backend be passed in: this sets httpcore's pool attribute
    (httpx 0.28, httpcore 1.0). False when a transport is not httpx's own: its calls are then
    bounded at the start of each phase only.
    """
    # httpcore is imported by httpx's transport, not with the SDK: imported here, not at the top.
    import httpcore

    from .deadline_streams import DeadlineBackend
    from .pools import httpx_transports

    bounded = True
    for transport in httpx_transports(client):
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if not isinstance(pool, httpcore.ConnectionPool) or backend is None:
            bounded = False
        elif not isinstance(backend, DeadlineBackend):
            pool._network_backend = DeadlineBackend(backend, call_deadline)
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
