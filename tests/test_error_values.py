"""What an SDK error carries: a bounded message, whole attributes, and a faithful pickle.

- str() of any error is at most MAX_MESSAGE_BYTES (UTF-8) however long the server's text is,
  cut with "… (N more bytes)"; the whole body stays on the error's attributes. Measured on
  errors raised by calls to the local fault server (1 MiB bodies, a 1 MiB job error message),
  sync and async, and on every error class given a 1 MiB message.
- Every error class of dqops._runtime.errors / dqops.client.errors survives pickle, copy.copy
  and copy.deepcopy with its class, message and attributes; the request and response (whose
  headers carry the API key) become None and the API key is nowhere in the pickle.
"""

from __future__ import annotations

import asyncio
import copy
import json
import pickle
from collections.abc import Callable

import httpx
import pytest
from fault_server import FaultServer, drop, hang, json_answer, redirect, respond, status

import dqops._runtime.errors as runtime_errors
from dqops import jobs
from dqops.client import AuthenticatedClient, errors
from dqops.client.api.connections import get_all_connections
from dqops.client.api.tables import get_tables
from dqops.client.models.run_checks_parameters import RunChecksParameters
from dqops.client.models.run_checks_queue_job_result import RunChecksQueueJobResult

CONNECTIONS = "/api/connections"
TABLES = "/api/connections/c/schemas/s/tables"
TOKEN = "pickle-secret-token-7d2c1b"
MIB = 1 << 20
LIMIT = runtime_errors.MAX_MESSAGE_BYTES
GUARD_SECONDS = 5.0
MODES = ["sync", "async"]


def make_client(server: FaultServer, **kwargs) -> AuthenticatedClient:
    kwargs.setdefault("timeout", 2.0)
    return AuthenticatedClient(server.base_url, token=TOKEN, raise_on_unexpected_status=True, **kwargs)


def run(mode: str, sync_call: Callable[[], object], async_call: Callable[[], object]) -> object:
    if mode == "sync":
        return sync_call()
    return asyncio.run(asyncio.wait_for(async_call(), GUARD_SECONDS))


def error_of(mode: str, dqops: AuthenticatedClient) -> errors.DQOpsError:
    with pytest.raises(errors.DQOpsError) as info:
        run(
            mode,
            lambda: get_all_connections.sync_detailed(client=dqops),
            lambda: get_all_connections.asyncio_detailed(client=dqops),
        )
    return info.value


def assert_bounded(error: BaseException) -> str:
    text = str(error)
    assert len(text.encode("utf-8")) <= LIMIT, len(text.encode("utf-8"))
    return text


# Bounded messages.

HUGE_MESSAGE = "DQOps could not do it. " * (MIB // 23)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("text", [HUGE_MESSAGE, "é€𝄞" * (MIB // 9)], ids=["ascii", "multibyte"])
def test_a_1_mib_error_message_is_cut_and_kept_whole_on_the_error(server, mode, text):
    payload = {"status": 500, "error": "Internal Server Error", "message": text, "path": CONNECTIONS}
    server.route(CONNECTIONS, json_answer(payload, status_code=500))
    with make_client(server) as dqops:
        error = error_of(mode, dqops)
    assert isinstance(error, errors.ServerError)
    shown = assert_bounded(error)
    assert shown.startswith(f"GET {server.base_url}api/connections -> HTTP 500 ServerError: {text[:100]}")
    assert "more bytes)" in shown
    assert error.message == text
    assert error.payload == payload
    assert json.loads(error.content) == payload


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status_code", [404, 500, 302])
def test_a_1_mib_body_is_cut_with_the_number_of_bytes_left_out(server, mode, status_code):
    body = ("<html>" + "x" * MIB + "</html>").encode()
    server.route(CONNECTIONS, respond(status_code, body, content_type="text/html"))
    with make_client(server) as dqops:
        error = error_of(mode, dqops)
    assert isinstance(error, errors.UnexpectedStatus)
    shown = assert_bounded(error)
    quoted = shown[shown.index("<html>") :]
    left_out = int(quoted.rsplit("(", 1)[1].split(" more bytes)")[0])
    assert len(quoted.split("…")[0].encode()) + left_out == len(body)
    assert error.content == body


@pytest.mark.parametrize("mode", MODES)
def test_a_connection_error_with_a_long_url_is_bounded(server, mode):
    server.route(TABLES, drop())
    long_filter = "t" * 50_000
    with make_client(server) as dqops, pytest.raises(errors.ConnectionFailed) as info:
        run(
            mode,
            lambda: get_tables.sync("c", "s", client=dqops, filter=long_filter),
            lambda: get_tables.asyncio("c", "s", client=dqops, filter=long_filter),
        )
    assert_bounded(info.value)
    assert long_filter in info.value.url


def job_routes(server: FaultServer, message: str) -> None:
    server.route("/api/jobs/runchecks", json_answer({"jobId": {"jobId": 77}, "status": "failed"}))
    server.route(
        "/api/jobs/jobs/77",
        json_answer({"jobId": {"jobId": 77}, "jobType": "run_checks", "status": "failed", "errorMessage": message}),
    )


@pytest.mark.parametrize("mode", MODES)
def test_job_failed_with_a_huge_error_message_is_bounded_and_keeps_it_whole(server, mode):
    message = "Check failed: " + "row 1 is wrong; " * 12_500  # 200 kB, as a failing job once sent
    job_routes(server, message)
    with make_client(server) as dqops, pytest.raises(errors.JobFailed) as info:
        run(
            mode,
            lambda: jobs.run_checks(dqops, RunChecksParameters(), timeout=5),
            lambda: jobs.run_checks_async(dqops, RunChecksParameters(), timeout=5),
        )
    shown = assert_bounded(info.value)
    assert shown.startswith("job 77 failed: Check failed: row 1 is wrong;")
    assert "more bytes)" in shown
    assert info.value.error_message == message
    assert info.value.job_id == "77"


def test_every_error_class_bounds_a_1_mib_message():
    for cls, error in instances(HUGE_MESSAGE):
        assert "more bytes)" in assert_bounded(error), cls.__name__


# Picklable errors: every class, built as the SDK builds it.


def error_classes() -> list[type[errors.DQOpsError]]:
    found = {
        value
        for module in (runtime_errors, errors)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, errors.DQOpsError)
    }
    return sorted(found, key=lambda cls: cls.__name__)


def answered(status_code: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    """A response as httpx gives it, to a request that carried the API key."""
    request = httpx.Request("GET", "http://dqops.test/api/connections", headers={"Authorization": f"Bearer {TOKEN}"})
    return httpx.Response(status_code, content=body, headers=headers, request=request)


def instances(message: str = "it went wrong") -> list[tuple[type, errors.DQOpsError]]:
    """One instance of every error class, with every field set."""
    job = RunChecksQueueJobResult.from_dict({"jobId": {"jobId": 5}, "status": "failed"})
    body = json.dumps({"status": 400, "error": "Bad Request", "message": message}).encode()
    made: list[tuple[type, errors.DQOpsError]] = []
    for cls in error_classes():
        if issubclass(cls, errors.UnexpectedStatus):
            code = {errors.RateLimited: 429, errors.ServerError: 503, errors.UnexpectedStatus: 302}.get(cls, 400)
            error = cls(code, body, response=answered(code, body, {"Retry-After": "7"}))
        elif issubclass(cls, errors.TransportError):
            request = answered(200, b"").request
            kwargs = {"limit": "read"} if issubclass(cls, errors.RequestTimeout) else {}
            error = cls(message, request=request, attempts=3, **kwargs)
        elif issubclass(cls, errors.ModelDecodingError):
            error = cls("TableModel", ["spec", "columns"], message)
        elif issubclass(cls, errors.ResponseDecodingError):
            error = cls(
                message, expected="list[ConnectionModel]", model="M", field="a.b", status_code=200, content=b"["
            )
        elif issubclass(cls, errors.JobFailed):
            error = cls(message, job_id="5", job=job, error_message="the whole " + message)
        elif issubclass(cls, errors.JobError):
            error = cls(message, job_id="5", job=job)
        elif issubclass(cls, runtime_errors._ArgumentError):
            error = cls(message, operation="get_table", parameter="schema_name")
        else:
            error = cls(message)
        made.append((cls, error))
    return made


def assert_survives_pickle_and_copy(error: errors.DQOpsError) -> None:
    pickled = pickle.dumps(error)
    assert TOKEN.encode() not in pickled
    for clone in (pickle.loads(pickled), copy.copy(error), copy.deepcopy(error)):
        assert type(clone) is type(error)
        assert str(clone) == str(error)
        assert clone.args == error.args
        for name, value in vars(error).items():
            if isinstance(value, (httpx.Request, httpx.Response)):
                assert getattr(clone, name) is None, name
            else:
                assert getattr(clone, name) == value, name


@pytest.mark.parametrize("cls_and_error", instances(), ids=lambda pair: pair[0].__name__)
def test_every_error_class_survives_pickle_and_copy(cls_and_error):
    _, error = cls_and_error
    assert_survives_pickle_and_copy(error)
    clone = pickle.loads(pickle.dumps(error))
    # The fields users read, by name.
    for name in ("status_code", "url", "method", "payload", "message", "content", "text", "retry_after"):
        if hasattr(error, name):
            assert getattr(clone, name) == getattr(error, name), name
    for name in ("job_id", "operation", "parameter", "expected", "field", "model", "attempts", "limit"):
        if hasattr(error, name):
            assert getattr(clone, name) == getattr(error, name), name


def test_the_walk_covers_the_whole_tree():
    names = {cls.__name__ for cls, _ in instances()}
    assert {"NotFound", "RateLimited", "ConnectionFailed", "RedirectFailed", "JobTimeout", "InvalidArgument"} <= names
    assert pickle.loads(pickle.dumps(dict(instances())[errors.RateLimited])).retry_after == 7.0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "behaviour",
    [
        pytest.param(lambda: status(404), id="not-found"),
        pytest.param(lambda: status(429, headers={"Retry-After": "9"}), id="rate-limited"),
        pytest.param(lambda: drop(), id="connection-failed"),
        pytest.param(lambda: hang(), id="request-timeout"),
        pytest.param(lambda: respond(200, b"{not json"), id="response-decoding"),
        pytest.param(lambda: redirect("ftp://127.0.0.1/"), id="redirect-failed"),
    ],
)
def test_errors_of_real_calls_survive_pickle_and_copy(server, mode, behaviour):
    server.route(CONNECTIONS, behaviour())
    with make_client(server, timeout=0.3, follow_redirects=True) as dqops, pytest.raises(errors.DQOpsError) as info:
        run(mode, lambda: get_all_connections.sync(client=dqops), lambda: get_all_connections.asyncio(client=dqops))
    assert_survives_pickle_and_copy(info.value)
    clone = pickle.loads(pickle.dumps(info.value))
    if isinstance(info.value, (errors.TransportError, errors.UnexpectedStatus)):
        # The URL that failed: the redirect's, for a redirect that cannot be followed.
        redirected = isinstance(info.value, errors.RedirectFailed)
        assert clone.url == ("ftp://127.0.0.1/" if redirected else f"{server.base_url}api/connections")
        assert clone.method == "GET"
    if isinstance(info.value, errors.RateLimited):
        assert clone.retry_after == 9.0
