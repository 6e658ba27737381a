"""When and how long to wait before sending a request again."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A Retry-After further away than this is not a hint a client can follow: it is ignored.
MAX_SANE_RETRY_AFTER_SECONDS = 86400.0
# Errors that sending the same request again cannot cure: the request is not valid HTTP (an
# illegal header value), or a redirect leads to a URL that is not http(s) (httpx raises
# TooManyRedirects, which is not a transport error, for too many redirects).
INCURABLE_ERRORS: tuple[type[httpx.TransportError], ...] = (httpx.LocalProtocolError, httpx.UnsupportedProtocol)


async def _asyncio_sleep(seconds: float) -> None:
    # asyncio is imported on first async retry, not when the SDK is imported (it costs ~10 ms).
    import asyncio

    await asyncio.sleep(seconds)


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (0 for a date
    past). None if absent, or not a sane hint: not a number or a date, a negative, infinite or
    NaN number, or more than MAX_SANE_RETRY_AFTER_SECONDS away."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            # A hostile date (an hour of 20 digits) raises OverflowError.
            seconds = max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now())
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if not (0.0 <= seconds <= MAX_SANE_RETRY_AFTER_SECONDS):  # also False for NaN
        return None
    return seconds


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for failures that a new attempt may cure.

    Retried: connection errors and timeouts, and the statuses in `retry_statuses` (429, 502,
    503, 504). A request that may have reached the server (a read timeout, a dropped
    connection, an error status) is retried only for idempotent methods, unless
    `retry_non_idempotent` is set; a connection that was never made is always safe to retry.

    The n-th retry (n = 1, 2, ...) waits `backoff_factor * 2 ** (n - 1)` seconds, capped at
    `max_backoff`, times a random factor in [0.5, 1] so that many clients do not retry in step,
    and never less than `min_delay`. A Retry-After header asking for longer makes the wait
    longer (capped at `max_retry_after`); one asking for less, or that is not a sane number of
    seconds or date, does not shorten it. Errors that no retry can cure (INCURABLE_ERRORS) are
    not retried.

    Attributes:
        max_retries: Retries after the first attempt; 0 (the default) turns retrying off.
        sleep, async_sleep, random: Injected in tests to run without waiting.
    """

    max_retries: int = 0
    backoff_factor: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    min_delay: float = 0.05
    retry_statuses: frozenset[int] = RETRY_STATUSES
    retry_non_idempotent: bool = False
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=_asyncio_sleep, repr=False, compare=False)
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        delays = (self.backoff_factor, self.max_backoff, self.max_retry_after, self.min_delay)
        if not all(math.isfinite(value) and value >= 0 for value in delays):
            raise ValueError("backoff_factor, max_backoff, max_retry_after and min_delay must be finite and >= 0")

    def _method_allows(self, method: str) -> bool:
        return self.retry_non_idempotent or method.upper() in IDEMPOTENT_METHODS

    def should_retry_error(self, method: str, error: httpx.TransportError, retries_done: int) -> bool:
        if retries_done >= self.max_retries or isinstance(error, INCURABLE_ERRORS):
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
        backoff = min(self.max_backoff, self.backoff_factor * 2.0 ** min(retry_number - 1, 64))
        delay = max(self.min_delay, backoff * (0.5 + self.random() / 2))
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None and retry_after > delay:
                return min(retry_after, max(self.max_retry_after, delay))
        return delay


NO_RETRIES = RetryPolicy()
