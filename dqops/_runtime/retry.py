"""When and how long to wait before sending a request again."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})


async def _asyncio_sleep(seconds: float) -> None:
    # asyncio is imported on first async retry, not when the SDK is imported (it costs ~10 ms).
    import asyncio

    await asyncio.sleep(seconds)


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - now()
    return max(0.0, seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for failures that a new attempt may cure.

    Retried: connection errors and timeouts, and the statuses in `retry_statuses` (429, 502,
    503, 504). A request that may have reached the server (a read timeout, a dropped
    connection, an error status) is retried only for idempotent methods, unless
    `retry_non_idempotent` is set; a connection that was never made is always safe to retry.

    The n-th retry (n = 1, 2, ...) waits `backoff_factor * 2 ** (n - 1)` seconds, capped at
    `max_backoff`, times a random factor in [0.5, 1] so that many clients do not retry in step.
    A Retry-After header overrides that (capped at `max_retry_after`).

    Attributes:
        max_retries: Retries after the first attempt; 0 (the default) turns retrying off.
        sleep, async_sleep, random: Injected in tests to run without waiting.
    """

    max_retries: int = 0
    backoff_factor: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    retry_non_idempotent: bool = False
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=_asyncio_sleep, repr=False, compare=False)
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.backoff_factor < 0 or self.max_backoff < 0:
            raise ValueError("backoff_factor and max_backoff must be >= 0")

    def _method_allows(self, method: str) -> bool:
        return self.retry_non_idempotent or method.upper() in IDEMPOTENT_METHODS

    def should_retry_error(self, method: str, error: httpx.TransportError, retries_done: int) -> bool:
        if retries_done >= self.max_retries:
            return False
        if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
            return True  # nothing reached the server
        return self._method_allows(method)

    def should_retry_response(self, method: str, response: httpx.Response, retries_done: int) -> bool:
        return (
            retries_done < self.max_retries
            and response.status_code in self.retry_statuses
            and self._method_allows(method)
        )

    def delay(self, retry_number: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait before retry number `retry_number` (1 for the first retry)."""
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None:
                return min(retry_after, self.max_retry_after)
        backoff = min(self.max_backoff, self.backoff_factor * 2.0 ** (retry_number - 1))
        return backoff * (0.5 + self.random() / 2)


NO_RETRIES = RetryPolicy()
