"""End-to-end: the generated operations against a real local HTTP server that injects faults.

The server (tests/support/fault_server.py) listens on an ephemeral port of 127.0.0.1 and answers by
path: slow answers, dropped connections, 503 then success, truncated bodies, cut JSON, a
Spring 401. Each scenario runs through the sync and the async client. Every test is bounded
by short client timeouts, `asyncio.wait_for`, and a server whose stop() cuts every wait short.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import httpx
import pytest
from support.fault_server import (
    SPRING_401,
    FaultServer,
    drop,
    json_answer,
    respond,
    slow,
    status,
    truncated,
    unused_port,
)

from dqops._runtime.retry import RetryPolicy
from dqops.client import AuthenticatedClient, Client, errors
from dqops.client.api.connections import get_all_connections
from dqops.client.api.jobs import run_checks
from dqops.client.api.tables import get_table
from dqops.client.models.run_checks_parameters import RunChecksParameters

CONNECTIONS = "/api/connections"
RUN_CHECKS = "/api/jobs/runchecks"
TABLE = "/api/connections/c/schemas/s/tables/t"
TOKEN = "dqops-secret-token-5f1e9a"
# The whole of any test here stays far below this.
ASYNC_GUARD_SECONDS = 5.0
# Calls that should succeed get room for a loaded 2-core machine; calls meant to time out get little.
CLIENT_TIMEOUT_SECONDS = 4.0
SHORT_TIMEOUT_SECONDS = 0.3
SLOW_ANSWER_SECONDS = 3.0


def make_client(server: FaultServer, **kwargs) -> AuthenticatedClient:
    kwargs.setdefault("timeout", CLIENT_TIMEOUT_SECONDS)
    return AuthenticatedClient(server.base_url, token=TOKEN, raise_on_unexpected_status=True, **kwargs)


def guard(awaitable):
    return asyncio.wait_for(awaitable, ASYNC_GUARD_SECONDS)


# Connection reuse.


def test_sequential_sync_calls_share_one_tcp_connection(server):
    server.route(CONNECTIONS, json_answer([{"connection_name": "a"}]))
    with make_client(server) as dqops:
        for _ in range(4):
            assert [c.connection_name for c in get_all_connections.sync(client=dqops)] == ["a"]
    assert len(server.requests_to(CONNECTIONS)) == 4
    assert server.connections_accepted == 1


@pytest.mark.asyncio
async def test_sequential_async_calls_share_one_tcp_connection(server):
    server.route(CONNECTIONS, json_answer([{"connection_name": "a"}]))
    async with make_client(server) as dqops:
        for _ in range(4):
            result = await guard(get_all_connections.asyncio(client=dqops))
            assert [c.connection_name for c in result] == ["a"]
    assert len(server.requests_to(CONNECTIONS)) == 4
    assert server.connections_accepted == 1


class _ImportRecorder:
    """A sys.meta_path finder that records each module Python searches for, and finds none."""

    def __init__(self) -> None:
        self.searched: list[str] = []

    def find_spec(self, name, path=None, target=None) -> None:
        self.searched.append(name)


@pytest.mark.asyncio
async def test_async_calls_search_for_no_module(server):
    """After the first call, an async call imports nothing: a failed import searches sys.path
    every time (httpcore imports sniffio on each lock of a request, encode/httpcore#1103)."""
    server.route(CONNECTIONS, json_answer([{"connection_name": "a"}]))
    recorder = _ImportRecorder()
    async with make_client(server) as dqops:
        await guard(get_all_connections.asyncio(client=dqops))
        sys.meta_path.insert(0, recorder)
        try:
            results = await guard(asyncio.gather(*(get_all_connections.asyncio(client=dqops) for _ in range(5))))
        finally:
            sys.meta_path.remove(recorder)
    assert [[c.connection_name for c in result] for result in results] == [["a"]] * 5
    assert recorder.searched == []


def test_with_options_views_share_the_connection_and_send_their_headers(server):
    server.route(CONNECTIONS, json_answer([]))
    with make_client(server) as dqops:
        get_all_connections.sync(client=dqops)
        get_all_connections.sync(client=dqops.with_options(headers={"X-Request-Id": "abc-1"}, timeout=1.0))
        get_all_connections.sync(client=dqops)
    first, second, third = server.requests_to(CONNECTIONS)
    assert "x-request-id" not in first.headers
    assert second.headers["x-request-id"] == "abc-1"
    assert second.headers["authorization"] == f"Bearer {TOKEN}"
    assert "x-request-id" not in third.headers
    assert server.connections_accepted == 1


# Slow answers: past the client's timeout -> RequestTimeout, without waiting for the answer.


def test_slow_answer_sync_raises_request_timeout(server):
    server.route(CONNECTIONS, slow(SLOW_ANSWER_SECONDS))
    started = time.monotonic()
    with make_client(server, timeout=SHORT_TIMEOUT_SECONDS) as dqops, pytest.raises(errors.RequestTimeout) as info:
        get_all_connections.sync(client=dqops)
    assert time.monotonic() - started < 2.0
    assert isinstance(info.value, errors.TransportError)
    assert isinstance(info.value.__cause__, httpx.TimeoutException)
    assert info.value.method == "GET"
    assert info.value.url == f"{server.base_url}api/connections"


@pytest.mark.asyncio
async def test_slow_answer_async_raises_request_timeout(server):
    server.route(CONNECTIONS, slow(SLOW_ANSWER_SECONDS))
    started = time.monotonic()
    async with make_client(server, timeout=SHORT_TIMEOUT_SECONDS) as dqops:
        with pytest.raises(errors.RequestTimeout) as info:
            await guard(get_all_connections.asyncio(client=dqops))
    assert time.monotonic() - started < 2.0
    # The call's deadline (asyncio.timeout) or httpx's read timeout of the same length.
    assert isinstance(info.value.__cause__, (httpx.TimeoutException, TimeoutError))
    assert info.value.limit == "deadline"
    assert info.value.url == f"{server.base_url}api/connections"


def test_per_call_timeout_applies_sync(server):
    """The client allows 5 s; a view with timeout=0.2 gives up on a 3 s answer after 0.2 s."""
    server.route(CONNECTIONS, slow(SLOW_ANSWER_SECONDS))
    started = time.monotonic()
    with make_client(server, timeout=5.0) as dqops, pytest.raises(errors.RequestTimeout):
        get_all_connections.sync(client=dqops.with_options(timeout=0.2))
    assert time.monotonic() - started < 2.0


@pytest.mark.asyncio
async def test_per_call_timeout_applies_async(server):
    server.route(CONNECTIONS, slow(SLOW_ANSWER_SECONDS))
    started = time.monotonic()
    async with make_client(server, timeout=5.0) as dqops:
        with pytest.raises(errors.RequestTimeout):
            await guard(get_all_connections.asyncio(client=dqops.with_options(timeout=0.2)))
    assert time.monotonic() - started < 2.0


# Dropped connections: the server closes the socket without answering -> ConnectionFailed.


def test_dropped_connection_sync_raises_connection_failed(server):
    server.route(CONNECTIONS, drop())
    with make_client(server) as dqops, pytest.raises(errors.ConnectionFailed) as info:
        get_all_connections.sync(client=dqops)
    assert isinstance(info.value, errors.TransportError)
    assert isinstance(info.value.__cause__, httpx.TransportError)
    assert info.value.method == "GET"
    assert info.value.url == f"{server.base_url}api/connections"
    assert len(server.requests_to(CONNECTIONS)) == 1


@pytest.mark.asyncio
async def test_dropped_connection_async_raises_connection_failed(server):
    server.route(CONNECTIONS, drop())
    async with make_client(server) as dqops:
        with pytest.raises(errors.ConnectionFailed) as info:
            await guard(get_all_connections.asyncio(client=dqops))
    assert isinstance(info.value.__cause__, httpx.TransportError)
    assert info.value.method == "GET"
    assert len(server.requests_to(CONNECTIONS)) == 1


def test_refused_connection_sync_raises_connection_failed():
    dqops = AuthenticatedClient(f"http://127.0.0.1:{unused_port()}/", token=TOKEN, timeout=SHORT_TIMEOUT_SECONDS)
    with dqops, pytest.raises(errors.ConnectionFailed) as info:
        get_all_connections.sync(client=dqops)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert TOKEN not in str(info.value)


@pytest.mark.asyncio
async def test_refused_connection_async_raises_connection_failed():
    dqops = AuthenticatedClient(f"http://127.0.0.1:{unused_port()}/", token=TOKEN, timeout=SHORT_TIMEOUT_SECONDS)
    async with dqops:
        with pytest.raises(errors.ConnectionFailed) as info:
            await guard(get_all_connections.asyncio(client=dqops))
    assert isinstance(info.value.__cause__, httpx.ConnectError)


# 503 then success: retried (GET is idempotent), the fake sleep got the backoff.


def retrying(sleeps: list[float]) -> RetryPolicy:
    async def fake_async_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return RetryPolicy(max_retries=2, sleep=fake_sleep, async_sleep=fake_async_sleep, random=lambda: 0.5)


# The recorded backoffs (0.375 s, 0.75 s) must fit in the call's deadline, or they are not waited.
RETRY_TIMEOUT_SECONDS = 5.0


def test_503_then_success_sync_is_retried(server):
    server.route(CONNECTIONS, status(503), json_answer([{"connection_name": "a"}]))
    sleeps: list[float] = []
    with make_client(server, retry_policy=retrying(sleeps), timeout=RETRY_TIMEOUT_SECONDS) as dqops:
        result = get_all_connections.sync(client=dqops)
    assert [c.connection_name for c in result] == ["a"]
    assert len(server.requests_to(CONNECTIONS)) == 2
    assert sleeps == [pytest.approx(0.5 * 0.75)]


@pytest.mark.asyncio
async def test_503_then_success_async_is_retried(server):
    server.route(CONNECTIONS, status(503), json_answer([{"connection_name": "a"}]))
    sleeps: list[float] = []
    async with make_client(server, retry_policy=retrying(sleeps), timeout=RETRY_TIMEOUT_SECONDS) as dqops:
        result = await guard(get_all_connections.asyncio(client=dqops))
    assert [c.connection_name for c in result] == ["a"]
    assert len(server.requests_to(CONNECTIONS)) == 2
    assert sleeps == [pytest.approx(0.5 * 0.75)]


def test_503_on_post_is_not_retried_sync(server):
    server.route(RUN_CHECKS, status(503), json_answer({"status": "finished"}))
    sleeps: list[float] = []
    with make_client(server, retry_policy=retrying(sleeps)) as dqops, pytest.raises(errors.ServerError) as info:
        run_checks.sync(client=dqops, json_body=RunChecksParameters())
    assert info.value.status_code == 503
    assert info.value.method == "POST"
    assert len(server.requests_to(RUN_CHECKS)) == 1
    assert sleeps == []


def test_refused_post_is_retried_until_exhausted_sync():
    """Nothing reached a server: even POST is retried; the last ConnectionFailed surfaces."""
    sleeps: list[float] = []
    dqops = AuthenticatedClient(
        f"http://127.0.0.1:{unused_port()}/",
        token=TOKEN,
        timeout=RETRY_TIMEOUT_SECONDS,
        retry_policy=retrying(sleeps),
    )
    with dqops, pytest.raises(errors.ConnectionFailed) as info:
        run_checks.sync(client=dqops, json_body=RunChecksParameters())
    assert info.value.attempts == 3
    assert info.value.method == "POST"
    assert sleeps == [pytest.approx(0.375), pytest.approx(0.75)]


# Truncated bodies.


def test_body_shorter_than_content_length_sync_raises_connection_failed(server):
    server.route(CONNECTIONS, truncated(b'[{"connection_name": "a"}', announced_length=1000))
    with make_client(server) as dqops, pytest.raises(errors.ConnectionFailed) as info:
        get_all_connections.sync(client=dqops)
    assert isinstance(info.value.__cause__, httpx.TransportError)
    assert info.value.url == f"{server.base_url}api/connections"


@pytest.mark.asyncio
async def test_body_shorter_than_content_length_async_raises_connection_failed(server):
    server.route(CONNECTIONS, truncated(b'[{"connection_name": "a"}', announced_length=1000))
    async with make_client(server) as dqops:
        with pytest.raises(errors.ConnectionFailed) as info:
            await guard(get_all_connections.asyncio(client=dqops))
    assert isinstance(info.value.__cause__, httpx.TransportError)


def test_complete_answer_with_cut_json_sync_raises_decoding_error(server):
    server.route(TABLE, respond(200, '{"connection_name": "c", "spec": {"stage": "pro'))
    with make_client(server) as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        get_table.sync("c", "s", "t", client=dqops)
    assert "TableModel" in str(info.value)
    assert info.value.expected == "TableModel"
    assert info.value.status_code == 200
    assert not isinstance(info.value, (KeyError, TypeError, AttributeError))


@pytest.mark.asyncio
async def test_complete_answer_with_cut_json_async_raises_decoding_error(server):
    server.route(TABLE, respond(200, '{"connection_name": "c", "spec": {"stage": "pro'))
    async with make_client(server) as dqops:
        with pytest.raises(errors.ResponseDecodingError) as info:
            await guard(get_table.asyncio("c", "s", "t", client=dqops))
    assert "TableModel" in str(info.value)
    assert info.value.expected == "TableModel"


def test_wrong_nested_type_over_the_wire_names_model_and_field(server):
    server.route(TABLE, json_answer({"connection_name": "c", "spec": {"timestamp_columns": [1, 2]}}))
    with make_client(server) as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        get_table.sync("c", "s", "t", client=dqops)
    assert info.value.model == "TableModel"
    assert info.value.field == "spec.timestamp_columns"
    assert "TableModel" in str(info.value) and "spec.timestamp_columns" in str(info.value)


# A 401 with DQOps's (Spring's) JSON error payload.


def assert_spring_401(error: errors.Unauthorized, server: FaultServer) -> None:
    assert isinstance(error, errors.UnexpectedStatus)
    assert error.status_code == 401
    assert error.method == "GET"
    assert error.url == f"{server.base_url}api/connections"
    assert error.payload == SPRING_401
    assert error.message == SPRING_401["message"]
    assert SPRING_401["message"] in str(error)
    assert TOKEN not in str(error) and TOKEN not in repr(error)


def test_401_with_spring_payload_sync_raises_unauthorized(server):
    server.route(CONNECTIONS, json_answer(SPRING_401, status_code=401))
    with make_client(server) as dqops, pytest.raises(errors.Unauthorized) as info:
        get_all_connections.sync(client=dqops)
    assert_spring_401(info.value, server)
    # The token was sent (so its absence from the error is meaningful).
    assert server.requests_to(CONNECTIONS)[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.asyncio
async def test_401_with_spring_payload_async_raises_unauthorized(server):
    server.route(CONNECTIONS, json_answer(SPRING_401, status_code=401))
    async with make_client(server) as dqops:
        with pytest.raises(errors.Unauthorized) as info:
            await guard(get_all_connections.asyncio(client=dqops))
    assert_spring_401(info.value, server)


def test_401_without_raise_still_raises_and_detailed_has_the_status(server):
    server.route(CONNECTIONS, json_answer(SPRING_401, status_code=401))
    with Client(server.base_url, timeout=CLIENT_TIMEOUT_SECONDS) as dqops:
        with pytest.raises(errors.Unauthorized):
            get_all_connections.sync(client=dqops)
        detailed = get_all_connections.sync_detailed(client=dqops)
    assert detailed.status_code == 401
    assert detailed.parsed is None


# The server helper itself stays bounded.


def test_stopping_the_server_cuts_a_slow_answer_short():
    srv = FaultServer().start()
    srv.route(CONNECTIONS, slow(30.0))
    dqops = Client(srv.base_url, timeout=10.0)
    started = time.monotonic()
    stopper = threading.Timer(0.2, srv.stop)
    stopper.start()
    try:
        with dqops, pytest.raises(errors.ConnectionFailed):
            get_all_connections.sync(client=dqops)
    finally:
        stopper.join()
        srv.stop()
    assert time.monotonic() - started < 3.0
