"""The request log: a DEBUG record on the `dqops` logger for each request, never the API key.

Against the real local fault server: what each record says (method, URL, status, elapsed time,
attempt, request-id headers), the records of a retried call, a failed one, the async path; that
the token and the Authorization header appear nowhere; that `DQOPS_LOG=debug` turns the log on
without code (a subprocess); and that with the log off the call formats no record at all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fault_server import FaultServer, json_answer, slow, status

from dqops._runtime import logs
from dqops._runtime.retry import RetryPolicy
from dqops.client import AuthenticatedClient, errors
from dqops.client.api.connections import get_all_connections

CONNECTIONS = "/api/connections"
TOKEN = "dqops-secret-token-5f1e9a"
TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="dqops")
    return caplog


def make_client(server: FaultServer, **kwargs) -> AuthenticatedClient:
    kwargs.setdefault("timeout", 5.0)
    return AuthenticatedClient(server.base_url, token=TOKEN, **kwargs)


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "dqops" and hasattr(record, "attempt")]


def assert_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        assert TOKEN not in text
        assert "authorization" not in text.lower()


def test_each_request_is_logged_with_what_was_sent_and_what_came_back(server, debug_log):
    server.route(CONNECTIONS, json_answer([], headers={"X-Request-Id": "srv-42"}))
    with make_client(server) as dqops:
        get_all_connections.sync(client=dqops.with_options(headers={"X-Correlation-Id": "mine-7"}))
    [record] = request_records(debug_log)
    assert record.levelno == logging.DEBUG
    url = f"{server.base_url}api/connections"
    assert (record.http_method, record.url, record.status_code, record.attempt) == ("GET", url, 200, 1)
    assert 0 < record.elapsed < 5
    assert record.request_ids == {"x-correlation-id": "mine-7", "x-request-id": "srv-42"}
    message = record.getMessage()
    assert message.startswith(f"GET {url} -> 200 in ")
    assert "ms (attempt 1)" in message
    assert "x-request-id=srv-42" in message and "x-correlation-id=mine-7" in message
    assert_no_secret(debug_log)


def test_a_retried_call_logs_each_attempt_and_the_wait(server, debug_log):
    server.route(CONNECTIONS, status(503), json_answer([]))
    policy = RetryPolicy(max_retries=2, backoff_factor=0.01)
    with make_client(server, retry_policy=policy) as dqops:
        assert get_all_connections.sync(client=dqops) == []
    records = request_records(debug_log)
    assert [(record.status_code, record.attempt) for record in records] == [(503, 1), (200, 2)]
    assert any("retrying in" in record.getMessage() for record in debug_log.records)
    assert_no_secret(debug_log)


def test_a_failed_attempt_is_logged(server, debug_log):
    server.route(CONNECTIONS, slow(3.0))
    with make_client(server, timeout=0.3) as dqops, pytest.raises(errors.RequestTimeout):
        get_all_connections.sync(client=dqops)
    [record] = request_records(debug_log)
    assert record.status_code is None
    assert "-> ReadTimeout in" in record.getMessage()
    assert_no_secret(debug_log)


@pytest.mark.asyncio
async def test_async_requests_are_logged(server, debug_log):
    server.route(CONNECTIONS, json_answer([]))
    async with make_client(server) as dqops:
        await asyncio.wait_for(get_all_connections.asyncio(client=dqops), 5)
    [record] = request_records(debug_log)
    assert (record.http_method, record.status_code, record.attempt) == ("GET", 200, 1)
    assert_no_secret(debug_log)


@pytest.mark.parametrize("named", ["when made", "after"])
def test_the_auth_header_is_never_logged_even_under_a_request_id_name(server, debug_log, named):
    server.route(CONNECTIONS, json_answer([]))
    if named == "when made":
        dqops = make_client(server, auth_header_name="X-Request-Id", prefix="")
    else:  # auth_header_name and prefix are public attributes: a user may set them on a client
        dqops = make_client(server)
        dqops.auth_header_name, dqops.prefix = "X-Request-Id", ""
    with dqops:
        get_all_connections.sync(client=dqops)
    assert server.requests[0].headers["x-request-id"] == TOKEN  # sent, so its absence below means something
    [record] = request_records(debug_log)
    assert record.request_ids == {}
    assert_no_secret(debug_log)


def test_with_the_log_off_no_record_is_made(server, caplog, monkeypatch):
    server.route(CONNECTIONS, json_answer([]))
    caplog.set_level(logging.INFO, logger="dqops")

    def must_not_be_called(*args, **kwargs):
        raise AssertionError("a record was formatted with the log off")

    monkeypatch.setattr(logs, "log_attempt", must_not_be_called)
    monkeypatch.setattr(logs, "log_retry", must_not_be_called)
    with make_client(server) as dqops:
        get_all_connections.sync(client=dqops)
    assert not request_records(caplog)


DQOPS_LOG_SCRIPT = """
from fault_server import FaultServer, json_answer
from dqops.client import AuthenticatedClient
from dqops.client.api.connections import get_all_connections

server = FaultServer().start()
server.route("/api/connections", json_answer([]))
try:
    with AuthenticatedClient(server.base_url, token={token!r}, timeout=5.0) as dqops:
        get_all_connections.sync(client=dqops)
finally:
    server.stop()
"""


@pytest.mark.parametrize("value, logged", [("debug", True), ("DEBUG", True), ("", False), ("info", False)])
def test_dqops_log_debug_turns_the_log_on_without_code(value, logged):
    script = DQOPS_LOG_SCRIPT.format(token=TOKEN)
    environment = {key: item for key, item in os.environ.items() if key != "DQOPS_LOG"}
    environment["DQOPS_LOG"] = value
    environment["PYTHONPATH"] = str(TESTS_DIR)  # the fault server
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    line = "dqops DEBUG GET http://127.0.0.1:"
    assert (line in result.stderr) == logged, result.stderr
    assert TOKEN not in result.stderr + result.stdout
