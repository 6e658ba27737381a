"""`timeout=<seconds>` is the most a call may take: a deadline for the whole call, retries and
their waits included, sync and async. An `httpx.Timeout` keeps per-phase control.

Against the real local fault server (tests/support/fault_server.py): a trickling answer (headers at
once, then one body byte every 0.5 s, so that no single read ever waits long), slow answers,
and 503s. Each call must end within its deadline plus MARGIN_SECONDS.
"""

from __future__ import annotations

import asyncio
import time
from typing import Self, TypeVar

import httpx
import pytest
from support.fault_server import FaultServer, json_answer, slow, status, trickle

from dqops._runtime.retry import RetryPolicy
from dqops.client import AuthenticatedClient, errors
from dqops.client.api.connections import get_all_connections

CONNECTIONS = "/api/connections"
TOKEN = "dqops-secret-token-5f1e9a"
DEADLINE_SECONDS = 1.0
# What a loaded 2-core machine may add to a call's end: scheduling, the last poll's wake-up.
MARGIN_SECONDS = 0.5
TRICKLE_SECONDS = 0.5
# 40 bytes at one every 0.5 s: 20 s to send, were the call not cut short.
TRICKLED_BODY = '[{"connection_name": "trickled-answer"}]'
GUARD_SECONDS = 10.0


def make_client(server: FaultServer, **kwargs) -> AuthenticatedClient:
    kwargs.setdefault("timeout", DEADLINE_SECONDS)
    return AuthenticatedClient(server.base_url, token=TOKEN, raise_on_unexpected_status=True, **kwargs)


MODES = ("sync", "async")
E = TypeVar("E", bound=Exception)


def get_connections(dqops: AuthenticatedClient, mode: str) -> object:
    """get_all_connections through sync(), or through asyncio() in a loop of its own."""
    if mode == "sync":
        return get_all_connections.sync(client=dqops)
    return asyncio.run(asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS))


class Clock:
    def __enter__(self) -> Self:
        self.started = time.monotonic()
        return self

    def __exit__(self, *args: object) -> None:
        self.elapsed = time.monotonic() - self.started


def assert_deadline_error(error: errors.RequestTimeout, seconds: float = DEADLINE_SECONDS) -> None:
    assert error.limit == "deadline"
    assert f"the call's deadline of {seconds:g} s passed" in str(error), str(error)
    assert error.url is not None and error.url.endswith("/api/connections")
    assert TOKEN not in str(error)


# A trickling answer: every read gets data in time, only a deadline ends the call.


@pytest.mark.parametrize("mode", MODES)
def test_a_trickling_answer_ends_at_the_deadline(server, mode):
    server.route(CONNECTIONS, trickle(TRICKLED_BODY, TRICKLE_SECONDS))
    with make_client(server) as dqops, Clock() as clock, pytest.raises(errors.RequestTimeout) as info:
        get_connections(dqops, mode)
    assert DEADLINE_SECONDS - 0.05 <= clock.elapsed <= DEADLINE_SECONDS + MARGIN_SECONDS, clock.elapsed
    assert_deadline_error(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_with_options_seconds_are_a_deadline_too(server, mode):
    server.route(CONNECTIONS, trickle(TRICKLED_BODY, TRICKLE_SECONDS))
    with make_client(server, timeout=30.0) as dqops, Clock() as clock, pytest.raises(errors.RequestTimeout) as info:
        get_connections(dqops.with_options(timeout=0.8), mode)
    assert clock.elapsed <= 0.8 + MARGIN_SECONDS, clock.elapsed
    assert_deadline_error(info.value, 0.8)


# An httpx.Timeout bounds each phase instead.


def test_an_httpx_timeout_bounds_each_read_not_the_call(server):
    """Eight bytes, one every 0.25 s: 2 s in all, each read well within its 1 s."""
    server.route(CONNECTIONS, trickle("[      ]", 0.25))
    with make_client(server, timeout=httpx.Timeout(DEADLINE_SECONDS)) as dqops, Clock() as clock:
        assert get_all_connections.sync(client=dqops) == []
    assert clock.elapsed > 1.5


def test_an_httpx_read_timeout_names_the_phase(server):
    server.route(CONNECTIONS, slow(3.0))
    with (
        make_client(server, timeout=httpx.Timeout(5.0, read=0.3)) as dqops,
        Clock() as clock,
        pytest.raises(errors.RequestTimeout) as info,
    ):
        get_all_connections.sync(client=dqops)
    assert clock.elapsed < 0.3 + MARGIN_SECONDS
    assert info.value.limit == "read"
    assert "the read timeout of 0.3 s passed (no data received for that long)" in str(info.value)


# Retries and their waits stay within the deadline.


def real_sleeps(max_retries: int) -> RetryPolicy:
    return RetryPolicy(max_retries=max_retries, backoff_factor=0.1, random=lambda: 1.0)


def retried_until_the_deadline(server: FaultServer, mode: str, max_retries: int, error: type[E]) -> E:
    """The `error` a call raises, retried with real sleeps: it ends within the deadline."""
    with (
        make_client(server, retry_policy=real_sleeps(max_retries)) as dqops,
        Clock() as clock,
        pytest.raises(error) as info,
    ):
        get_connections(dqops, mode)
    assert clock.elapsed <= DEADLINE_SECONDS + MARGIN_SECONDS, clock.elapsed
    return info.value


@pytest.mark.parametrize("mode", MODES)
def test_retries_stop_at_the_deadline_and_the_last_answer_surfaces(server, mode):
    """503 for ever: waits of 0.1, 0.2, 0.4 s... are waited while they end before the deadline."""
    server.route(CONNECTIONS, status(503))
    error = retried_until_the_deadline(server, mode, 20, errors.ServerError)
    assert error.status_code == 503
    assert 3 <= len(server.requests_to(CONNECTIONS)) <= 5


@pytest.mark.parametrize("mode", MODES)
def test_an_attempt_cut_by_the_deadline_is_not_retried(server, mode):
    """Each attempt would take 3 s: the first one meets the deadline, and no retry follows."""
    server.route(CONNECTIONS, slow(3.0))
    error = retried_until_the_deadline(server, mode, 3, errors.RequestTimeout)
    assert_deadline_error(error)
    assert error.attempts == 1
    assert len(server.requests_to(CONNECTIONS)) == 1


def test_a_fast_answer_within_the_deadline_is_returned(server):
    server.route(CONNECTIONS, status(503), json_answer([{"connection_name": "a"}]))
    with make_client(server, retry_policy=real_sleeps(2)) as dqops:
        result = get_all_connections.sync(client=dqops)
    assert [connection.connection_name for connection in result] == ["a"]
    assert len(server.requests_to(CONNECTIONS)) == 2


# The setting itself.


@pytest.mark.parametrize("timeout", [0, -1.0, True, "5", [5]])
def test_an_invalid_timeout_is_a_configuration_error(timeout):
    with pytest.raises(errors.ConfigurationError, match="timeout must be a number of seconds > 0 or an httpx.Timeout"):
        AuthenticatedClient("http://localhost:8888/", token=TOKEN, timeout=timeout)
    with pytest.raises(errors.ConfigurationError, match=r"with_options\(timeout=...\) must be"):
        AuthenticatedClient("http://localhost:8888/", token=TOKEN).with_options(timeout=timeout)
