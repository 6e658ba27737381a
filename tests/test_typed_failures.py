"""Every failure of a call is a DQOpsError, and retries only what a retry can cure.

Against the local fault server (tests/fault_server.py): an undecodable body, redirect loops
and redirects to ftp://, hostile Retry-After values, an illegal header value. And every
exception class httpx defines, raised by the transport under a real client, sync and async.
No test sleeps: retry waits go to a recording RetryPolicy.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import math

import httpx
import pytest
from fault_server import redirect, respond, status

from dqops._runtime.retry import INCURABLE_ERRORS, MAX_SANE_RETRY_AFTER_SECONDS, RetryPolicy, parse_retry_after
from dqops.client import Client, errors
from dqops.client.api.connections import get_all_connections

CONNECTIONS = "/api/connections"
GUARD_SECONDS = 5.0
# Retry-After values that are not a sane number of seconds or HTTP date.
HOSTILE_RETRY_AFTER = [
    "-5",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "1e300",
    str(int(MAX_SANE_RETRY_AFTER_SECONDS) + 1),
    "Mon, 01 Jan 2024 99999999999999999999:00:00 GMT",
    "Mon, 01 Jan 99999999999 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Mon, 32 Foo 2024 00:00:00 GMT",
    "soon",
]


class Waits:
    """A RetryPolicy's sleeps, recorded instead of waited."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def policy(self, max_retries: int = 3, **kwargs) -> RetryPolicy:
        return RetryPolicy(
            max_retries=max_retries, sleep=self.sleep, async_sleep=self.async_sleep, random=lambda: 0.5, **kwargs
        )


def computed_backoff(policy: RetryPolicy, retry_number: int) -> float:
    """The documented backoff of retry n with random() == 0.5, at least min_delay."""
    raw = min(policy.max_backoff, policy.backoff_factor * 2 ** (retry_number - 1)) * 0.75
    return max(policy.min_delay, raw)


def call(dqops: Client, mode: str):
    if mode == "sync":
        return get_all_connections.sync(client=dqops)
    return asyncio.run(asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS))


MODES = ["sync", "async"]


# Every exception class httpx defines, raised at the transport.


def httpx_exception_classes() -> list[type[Exception]]:
    """Every exception class of the httpx package: those it exports and all their subclasses."""
    found: set[type[Exception]] = set()
    pending = [obj for obj in vars(httpx).values() if isinstance(obj, type) and issubclass(obj, Exception)]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("httpx") and cls not in found:
            found.add(cls)
            pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__name__)


HTTPX_EXCEPTIONS = httpx_exception_classes()


def instance_of(cls: type[Exception], request: httpx.Request) -> Exception:
    """An instance of `cls` as httpx would raise it for `request`."""
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("status error", request=request, response=httpx.Response(500, request=request))
    try:
        parameters = inspect.signature(cls).parameters
    except ValueError:  # a builtin exception
        return cls("transport said no")
    if "request" in parameters:
        return cls("transport said no", request=request)
    if parameters:
        return cls("transport said no")
    return cls()


class RaisingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Raises an instance of `cls` for every request, counting them."""

    def __init__(self, cls: type[Exception]) -> None:
        self.cls = cls
        self.raised: list[Exception] = []

    def _raise(self, request: httpx.Request) -> httpx.Response:
        error = instance_of(self.cls, request)
        self.raised.append(error)
        raise error

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._raise(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self._raise(request)


def client_on(transport: RaisingTransport, mode: str, server, **kwargs) -> Client:
    """A client whose sync or async calls go through `transport`."""
    dqops = Client(server.base_url, **kwargs)
    if mode == "sync":
        dqops.set_httpx_client(httpx.Client(base_url=server.base_url, transport=transport))
    else:
        dqops.set_async_httpx_client(httpx.AsyncClient(base_url=server.base_url, transport=transport))
    return dqops


def test_the_walk_finds_httpx_exception_trees():
    names = {cls.__name__ for cls in HTTPX_EXCEPTIONS}
    assert {
        "HTTPError",
        "RequestError",
        "TransportError",
        "DecodingError",
        "TooManyRedirects",
        "HTTPStatusError",
        "InvalidURL",
        "CookieConflict",
        "StreamError",
        "StreamConsumed",
        "ResponseNotRead",
        "LocalProtocolError",
        "UnsupportedProtocol",
        "ReadTimeout",
        "ProxyError",
    } <= names


# The typed error of each of httpx's errors that the SDK names in particular.
EXPECTED_TYPES = {
    httpx.DecodingError: errors.ResponseDecodingError,
    httpx.TooManyRedirects: errors.RedirectFailed,
    httpx.UnsupportedProtocol: errors.RedirectFailed,
    httpx.LocalProtocolError: errors.InvalidRequest,
    httpx.InvalidURL: errors.InvalidRequest,
    httpx.CookieConflict: errors.InvalidRequest,
    httpx.StreamConsumed: errors.InvalidRequest,
    httpx.ConnectError: errors.ConnectionFailed,
    httpx.RemoteProtocolError: errors.ConnectionFailed,
    httpx.ReadTimeout: errors.RequestTimeout,
    httpx.ConnectTimeout: errors.RequestTimeout,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cls", HTTPX_EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_every_httpx_exception_raised_at_the_transport_is_a_dqops_error(server, cls, mode):
    transport = RaisingTransport(cls)
    waits = Waits()
    # Per-phase timeouts: a timeout is not the call's deadline, and is retried.
    dqops = client_on(transport, mode, server, retry_policy=waits.policy(max_retries=2), timeout=httpx.Timeout(2.0))
    with dqops, pytest.raises(errors.DQOpsError) as info:
        call(dqops, mode)
    error = info.value
    assert error.__cause__ is transport.raised[-1]
    expected = next((typed for base, typed in EXPECTED_TYPES.items() if issubclass(cls, base)), errors.DQOpsError)
    assert isinstance(error, expected), (type(error), str(error))
    assert str(server.port) in str(error)  # names the request
    # Retried only when a new attempt may cure it: httpx's transport errors, but not a request
    # that is not valid HTTP or a URL that is not http(s).
    curable = issubclass(cls, httpx.TransportError) and not issubclass(cls, INCURABLE_ERRORS)
    assert len(transport.raised) == (3 if curable else 1), (cls, len(transport.raised))


@pytest.mark.parametrize("mode", MODES)
def test_an_exception_of_a_custom_transport_is_a_transport_error(server, mode):
    transport = RaisingTransport(OSError)
    dqops = client_on(transport, mode, server)
    with dqops, pytest.raises(errors.TransportError) as info:
        call(dqops, mode)
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.url == server.base_url + CONNECTIONS[1:]


# On the wire: the fault server.


@pytest.mark.parametrize("mode", MODES)
def test_a_body_that_cannot_be_decoded_is_a_response_decoding_error(server, mode, caplog):
    server.route(CONNECTIONS, respond(200, b"\x1f\x8b this is not gzip", headers={"Content-Encoding": "gzip"}))
    caplog.set_level(logging.DEBUG, logger="dqops")
    with Client(server.base_url, timeout=2.0) as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        call(dqops, mode)
    assert isinstance(info.value.__cause__, httpx.DecodingError)
    assert "Content-Encoding" in str(info.value)
    assert CONNECTIONS in str(info.value)
    # The request log has its record, with the failure that ended it.
    (record,) = [record for record in caplog.records if record.name == "dqops"]
    assert "-> DecodingError" in record.getMessage()


@pytest.mark.parametrize("mode", MODES)
def test_too_many_redirects_is_a_redirect_failed_and_not_retried(server, mode):
    server.route(CONNECTIONS, redirect(CONNECTIONS))
    waits = Waits()
    dqops = Client(server.base_url, follow_redirects=True, retry_policy=waits.policy(max_retries=3), timeout=5.0)
    with dqops, pytest.raises(errors.RedirectFailed) as info:
        call(dqops, mode)
    assert isinstance(info.value, errors.TransportError)
    assert isinstance(info.value.__cause__, httpx.TooManyRedirects)
    assert waits.delays == []
    assert len(server.requests_to(CONNECTIONS)) == 21  # the request and httpx's 20 redirects, once


@pytest.mark.parametrize("mode", MODES)
def test_a_redirect_to_ftp_is_a_redirect_failed_and_not_retried(server, mode):
    server.route(CONNECTIONS, redirect("ftp://127.0.0.1/connections"))
    waits = Waits()
    dqops = Client(server.base_url, follow_redirects=True, retry_policy=waits.policy(max_retries=3), timeout=5.0)
    with dqops, pytest.raises(errors.RedirectFailed) as info:
        call(dqops, mode)
    assert isinstance(info.value.__cause__, httpx.UnsupportedProtocol)
    assert waits.delays == []
    assert len(server.requests_to(CONNECTIONS)) == 1


@pytest.mark.parametrize("mode", MODES)
def test_an_illegal_header_value_is_an_invalid_request_and_not_retried(server, mode):
    server.route(CONNECTIONS, status(503))
    waits = Waits()
    dqops = Client(server.base_url, retry_policy=waits.policy(max_retries=3), timeout=5.0)
    with dqops, pytest.raises(errors.InvalidRequest) as info:
        call(dqops.with_headers({"X-Trace": "a\nb"}), mode)
    assert isinstance(info.value.__cause__, httpx.LocalProtocolError)
    assert waits.delays == []
    assert server.requests_to(CONNECTIONS) == []


# Retry-After.


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", HOSTILE_RETRY_AFTER)
def test_a_hostile_retry_after_leaves_rate_limited_retry_after_none(server, value, mode):
    server.route(CONNECTIONS, status(429, headers={"Retry-After": value}))
    with Client(server.base_url, timeout=2.0) as dqops, pytest.raises(errors.RateLimited) as info:
        call(dqops, mode)
    assert info.value.retry_after is None
    assert parse_retry_after(value) is None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", [*HOSTILE_RETRY_AFTER, "0", "0.01"])
def test_a_retry_after_that_is_hostile_or_below_the_backoff_waits_the_backoff(server, value, mode):
    server.route(CONNECTIONS, status(503, headers={"Retry-After": value}))
    waits = Waits()
    policy = waits.policy(max_retries=3)
    with Client(server.base_url, retry_policy=policy, timeout=5.0) as dqops, pytest.raises(errors.ServerError):
        call(dqops, mode)
    assert waits.delays == [pytest.approx(computed_backoff(policy, n)) for n in (1, 2, 3)]
    assert len(server.requests_to(CONNECTIONS)) == 4


@pytest.mark.parametrize("mode", MODES)
def test_a_retry_after_above_the_backoff_is_honoured(server, mode):
    server.route(CONNECTIONS, status(503, headers={"Retry-After": "7"}))
    waits = Waits()
    dqops = Client(server.base_url, retry_policy=waits.policy(max_retries=2), timeout=60.0)
    with dqops, pytest.raises(errors.ServerError):
        call(dqops, mode)
    assert waits.delays == [7.0, 7.0]


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_zero_never_removes_the_minimum_wait(server, mode):
    """Even with no backoff at all, retries are spaced by min_delay: measured with real sleeps."""
    server.route(CONNECTIONS, status(503, headers={"Retry-After": "0"}))
    policy = RetryPolicy(max_retries=4, backoff_factor=0.0)
    assert policy.min_delay > 0
    with Client(server.base_url, retry_policy=policy, timeout=5.0) as dqops, pytest.raises(errors.ServerError):
        call(dqops, mode)
    stamps = [request.received_at for request in server.requests_to(CONNECTIONS)]
    assert len(stamps) == 5
    gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
    assert min(gaps) >= policy.min_delay * 0.9, gaps


def test_retry_policy_refuses_delays_that_are_not_finite():
    for name in ("backoff_factor", "max_backoff", "max_retry_after", "min_delay"):
        for value in (math.nan, math.inf, -1.0):
            with pytest.raises(ValueError, match=name):
                RetryPolicy(**{name: value})
