"""The clients: seed signatures, configuration from the environment, context managers and
pooled connections, per-call options, optional HTTP/2, and a token that never leaks.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys

import httpx
import pytest
from support.fault_server import json_answer, respond, slow, unused_port

from dqops.client import AuthenticatedClient, Client, errors
from dqops.client.api.connections import get_all_connections
from dqops.client.api.jobs import run_checks
from dqops.client.api.tables import get_table
from dqops.client.models.run_checks_parameters import RunChecksParameters

TOKEN = "dqops-api-key-SECRET-7c2b1f"
BASE_URL = "http://dqops.test:8888/"
CONNECTIONS_URL = "http://dqops.test:8888/api/connections"
GUARD_SECONDS = 5.0


# Seed signatures.


def test_seed_client_signature(no_dqops_env, mock):
    route = mock.get("http://localhost:8888/api/connections").mock(return_value=httpx.Response(200, json=[]))
    dqops = Client("http://localhost:8888/", raise_on_unexpected_status=True)
    with dqops:
        assert get_all_connections.sync(client=dqops) == []
    assert dqops.raise_on_unexpected_status is True
    assert dqops.base_url == "http://localhost:8888/"
    assert "authorization" not in route.calls[0].request.headers


def test_seed_authenticated_client_signature(no_dqops_env, mock):
    route = mock.get("http://localhost:8888/api/connections").mock(return_value=httpx.Response(200, json=[]))
    dqops = AuthenticatedClient("http://localhost:8888/", token=TOKEN)
    with dqops:
        assert get_all_connections.sync(client=dqops) == []
    assert route.calls[0].request.headers["authorization"] == f"Bearer {TOKEN}"
    assert dqops.raise_on_unexpected_status is False


def test_authenticated_client_is_a_client():
    assert issubclass(AuthenticatedClient, Client)


# Configuration from the environment.


def test_default_base_url(no_dqops_env):
    assert Client().base_url == "http://localhost:8888/"


def test_base_url_from_environment(monkeypatch, mock):
    monkeypatch.setenv("DQOPS_BASE_URL", "http://dqops.from-env:9999/")
    route = mock.get("http://dqops.from-env:9999/api/connections").mock(return_value=httpx.Response(200, json=[]))
    with Client() as dqops:
        assert dqops.base_url == "http://dqops.from-env:9999/"
        get_all_connections.sync(client=dqops)
    assert route.call_count == 1


def test_api_key_and_base_url_from_environment(monkeypatch, mock):
    monkeypatch.setenv("DQOPS_BASE_URL", "http://dqops.from-env:9999/")
    monkeypatch.setenv("DQOPS_API_KEY", TOKEN)
    route = mock.get("http://dqops.from-env:9999/api/connections").mock(return_value=httpx.Response(200, json=[]))
    with AuthenticatedClient() as dqops:
        get_all_connections.sync(client=dqops)
    assert route.calls[0].request.headers["authorization"] == f"Bearer {TOKEN}"


def test_missing_api_key_is_a_configuration_error(no_dqops_env):
    with pytest.raises(errors.ConfigurationError) as info:
        AuthenticatedClient("http://localhost:8888/")
    assert isinstance(info.value, errors.DQOpsError)
    assert "DQOPS_API_KEY" in str(info.value)


def test_empty_api_key_in_environment_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("DQOPS_API_KEY", "")
    with pytest.raises(errors.ConfigurationError):
        AuthenticatedClient("http://localhost:8888/")


def test_explicit_arguments_win_over_the_environment(monkeypatch, mock):
    monkeypatch.setenv("DQOPS_BASE_URL", "http://dqops.from-env:9999/")
    monkeypatch.setenv("DQOPS_API_KEY", "key-from-env")
    env_route = mock.get("http://dqops.from-env:9999/api/connections").mock(return_value=httpx.Response(200, json=[]))
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with AuthenticatedClient(BASE_URL, token=TOKEN) as dqops:
        assert dqops.base_url == BASE_URL
        get_all_connections.sync(client=dqops)
    assert env_route.call_count == 0
    assert route.calls[0].request.headers["authorization"] == f"Bearer {TOKEN}"
    with Client(BASE_URL) as plain:
        assert plain.base_url == BASE_URL


def test_invalid_base_url_is_a_configuration_error(no_dqops_env):
    with pytest.raises(errors.ConfigurationError):
        Client("localhost:8888")


@pytest.mark.parametrize(
    "token, shown",
    [(12345, "int"), (b"bytes-token", "bytes"), ("", "an empty str"), (["token"], "list")],
    ids=["int", "bytes", "empty", "list"],
)
def test_a_token_that_is_no_text_is_a_configuration_error(no_dqops_env, mock, token, shown):
    route = mock.route().respond(200, json=[])
    with pytest.raises(errors.ConfigurationError) as info:
        AuthenticatedClient(BASE_URL, token=token)
    # The message names the type only: a mistyped token may still be a secret.
    assert str(info.value) == f"token must be a non-empty str, got {shown}"
    assert not route.called


def test_a_configuration_error_never_echoes_the_token(no_dqops_env):
    with pytest.raises(errors.ConfigurationError) as info:
        AuthenticatedClient(BASE_URL, token=TOKEN.encode())  # type: ignore[arg-type]
    assert_no_token(str(info.value), repr(info.value))
    assert str(info.value) == "token must be a non-empty str, got bytes"


@pytest.mark.parametrize("base_url", [8888, b"http://localhost:8888/", ""], ids=["int", "bytes", "empty"])
def test_a_base_url_that_is_no_text_is_a_configuration_error(no_dqops_env, base_url):
    with pytest.raises(errors.ConfigurationError, match="base_url must be a non-empty str"):
        Client(base_url)
    with pytest.raises(errors.ConfigurationError, match="base_url must be a non-empty str"):
        AuthenticatedClient(base_url, token=TOKEN)


# Context managers and the pooled connection.


def test_with_block_closes_the_pooled_client(mock):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with AuthenticatedClient(BASE_URL, token=TOKEN) as dqops:
        get_all_connections.sync(client=dqops)
        http = dqops.get_httpx_client()
        assert not http.is_closed
    assert http.is_closed


@pytest.mark.asyncio
async def test_async_with_block_closes_the_pooled_async_client(mock):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    async with AuthenticatedClient(BASE_URL, token=TOKEN) as dqops:
        await asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)
        http = dqops.get_async_httpx_client()
        assert not http.is_closed
    assert http.is_closed


def test_context_manager_returns_the_client_itself():
    dqops = Client(BASE_URL)
    with dqops as entered:
        assert entered is dqops


def test_successive_calls_are_served_by_the_same_httpx_client(mock, monkeypatch):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    mock.post("http://dqops.test:8888/api/jobs/runchecks").mock(return_value=httpx.Response(200, json={}))
    served_by: list[httpx.Client] = []
    original = httpx.Client.send

    def spy(self, *args, **kwargs):
        served_by.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "send", spy)
    with Client(BASE_URL) as dqops:
        get_all_connections.sync(client=dqops)
        run_checks.sync(client=dqops, json_body=RunChecksParameters())
        get_all_connections.sync(client=dqops.with_options(timeout=3.0))
        get_all_connections.sync(client=dqops)
        pooled = dqops.get_httpx_client()
    assert len(served_by) == 4
    assert all(http is pooled for http in served_by)


@pytest.mark.asyncio
async def test_successive_async_calls_are_served_by_the_same_httpx_client(mock, monkeypatch):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    served_by: list[httpx.AsyncClient] = []
    original = httpx.AsyncClient.send

    async def spy(self, *args, **kwargs):
        served_by.append(self)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", spy)
    async with Client(BASE_URL) as dqops:
        for view in (dqops, dqops.with_options(headers={"X-A": "1"}), dqops):
            await asyncio.wait_for(get_all_connections.asyncio(client=view), GUARD_SECONDS)
        pooled = dqops.get_async_httpx_client()
    assert len(served_by) == 3
    assert all(http is pooled for http in served_by)


def answering_empty_lists(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    return httpx.MockTransport(answer)


def test_a_given_httpx_client_serves_the_sync_calls():
    seen: list[httpx.Request] = []
    given = httpx.Client(base_url=BASE_URL, transport=answering_empty_lists(seen))
    with Client(BASE_URL).set_httpx_client(given) as dqops:
        assert get_all_connections.sync(client=dqops) == []
    assert len(seen) == 1 and given.is_closed


@pytest.mark.asyncio
async def test_a_given_async_httpx_client_serves_the_running_loop():
    seen: list[httpx.Request] = []
    first = httpx.AsyncClient(base_url=BASE_URL, transport=answering_empty_lists(seen))
    second = httpx.AsyncClient(base_url=BASE_URL, transport=answering_empty_lists(seen))
    async with Client(BASE_URL) as dqops:
        dqops.set_async_httpx_client(first)
        assert await get_all_connections.asyncio(client=dqops) == []
        assert dqops.get_async_httpx_client() is first
        dqops.set_async_httpx_client(second)  # replaces the running loop's: the first one is closed
        assert await get_all_connections.asyncio(client=dqops) == []
        assert dqops.get_async_httpx_client() is second
        await asyncio.sleep(0)
        assert first.is_closed
    assert second.is_closed
    assert len(seen) == 2


def test_sequential_calls_over_tcp_use_one_connection(server):
    server.route("/api/connections", json_answer([]))
    with AuthenticatedClient(server.base_url, token=TOKEN, timeout=1.0) as dqops:
        for _ in range(5):
            get_all_connections.sync(client=dqops)
    assert len(server.requests) == 5
    assert server.connections_accepted == 1


def test_a_closed_client_can_be_used_again(mock):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    dqops = Client(BASE_URL)
    with dqops:
        get_all_connections.sync(client=dqops)
    with dqops:
        assert get_all_connections.sync(client=dqops) == []


# Per-call options: with_options(timeout=..., headers=...).


def test_with_options_headers_reach_the_server_and_share_the_pool(mock):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with AuthenticatedClient(BASE_URL, token=TOKEN, headers={"X-Client": "base"}) as dqops:
        view = dqops.with_options(headers={"X-Request-Id": "r-1"})
        assert view.get_httpx_client() is dqops.get_httpx_client()
        get_all_connections.sync(client=view)
        get_all_connections.sync(client=dqops)
    first, second = (call.request for call in route.calls)
    assert first.headers["x-request-id"] == "r-1"
    assert first.headers["x-client"] == "base"
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert "x-request-id" not in second.headers


def test_with_options_timeout_applies_to_its_calls_only(mock):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with Client(BASE_URL, timeout=7.0) as dqops:
        get_all_connections.sync(client=dqops.with_options(timeout=42.0))
        get_all_connections.sync(client=dqops)
        get_all_connections.sync(client=dqops.with_options(timeout=httpx.Timeout(3.0, read=30.0)))
    first, second, third = (call.request.extensions["timeout"] for call in route.calls)
    # Seconds are the call's deadline: each phase may take what is left of it.
    assert first["read"] == pytest.approx(42.0, abs=1.0) and first["read"] <= 42.0
    assert first["connect"] == pytest.approx(42.0, abs=1.0) and first["connect"] <= 42.0
    assert second["read"] == pytest.approx(7.0, abs=1.0) and second["read"] <= 7.0
    # An httpx.Timeout is per phase, as given.
    assert third == {"connect": 3.0, "read": 30.0, "write": 3.0, "pool": 3.0}


def test_with_options_views_compose(mock):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with Client(BASE_URL) as dqops:
        view = dqops.with_options(headers={"X-A": "1"}).with_options(headers={"X-B": "2"}, timeout=9.0)
        get_all_connections.sync(client=view)
    request = route.calls[0].request
    assert request.headers["x-a"] == "1"
    assert request.headers["x-b"] == "2"
    assert 8.0 < request.extensions["timeout"]["read"] <= 9.0


def test_with_cookies_sends_them_from_a_copy_with_its_own_pool(mock):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with AuthenticatedClient(BASE_URL, token=TOKEN, cookies={"theme": "dark"}) as dqops:
        with dqops.with_cookies({"session": "s-1"}) as copy:
            assert type(copy) is AuthenticatedClient
            assert copy.get_httpx_client() is not dqops.get_httpx_client()
            get_all_connections.sync(client=copy)
        get_all_connections.sync(client=dqops)
    first, second = (call.request for call in route.calls)
    assert first.headers["cookie"] == "theme=dark; session=s-1"
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert second.headers["cookie"] == "theme=dark"


def test_a_request_waits_120_seconds_by_default_as_in_upstreams_client(mock):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with Client(BASE_URL) as dqops, Client(BASE_URL, timeout=None) as unlimited:
        get_all_connections.sync(client=dqops)
        get_all_connections.sync(client=unlimited)
    default, none = (call.request.extensions["timeout"] for call in route.calls)
    assert default == {"connect": 120.0, "read": 120.0, "write": 120.0, "pool": 120.0}
    assert none == {"connect": None, "read": None, "write": None, "pool": None}


def test_authenticated_client_takes_prefix_and_header_name_by_position(mock):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with AuthenticatedClient(BASE_URL, TOKEN, "Token", "X-Api-Key") as dqops:
        get_all_connections.sync(client=dqops)
    assert route.calls[0].request.headers["x-api-key"] == f"Token {TOKEN}"


def test_closing_the_client_closes_the_pool_of_its_views(mock):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    dqops = Client(BASE_URL)
    view = dqops.with_options(timeout=2.0)
    get_all_connections.sync(client=view)
    http = dqops.get_httpx_client()
    dqops.close()
    assert http.is_closed


def test_with_options_timeout_gives_up_on_a_slow_server(server):
    server.route("/api/connections", slow(3.0))
    with Client(server.base_url, timeout=5.0) as dqops, pytest.raises(errors.RequestTimeout):
        get_all_connections.sync(client=dqops.with_options(timeout=0.2))


@pytest.mark.asyncio
async def test_with_options_async_headers_and_timeout(mock):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    async with Client(BASE_URL) as dqops:
        view = dqops.with_options(timeout=11.0, headers={"X-Trace": "t"})
        await asyncio.wait_for(get_all_connections.asyncio(client=view), GUARD_SECONDS)
        assert view.get_async_httpx_client() is dqops.get_async_httpx_client()
    request = route.calls[0].request
    assert request.headers["x-trace"] == "t"
    assert request.extensions["timeout"]["read"] == 11.0  # async calls: asyncio.timeout bounds the call


# HTTP/2.


def test_http2_without_h2_is_a_configuration_error_with_an_install_hint(monkeypatch):
    # A None entry in sys.modules makes `import h2` fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "h2", None)
    with pytest.raises(errors.ConfigurationError) as info:
        Client(BASE_URL, http2=True)
    assert "h2" in str(info.value)
    assert "pip install" in str(info.value)
    assert "dqops-sdk[http2]" in str(info.value)


def test_http2_with_h2_builds_an_http2_client(mock):
    # h2 is a pinned dev dependency (pyproject.toml), so this branch always runs in `make test`.
    assert importlib.util.find_spec("h2") is not None
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with Client(BASE_URL, http2=True) as dqops:
        assert dqops.get_httpx_client()._transport._pool._http2 is True
        assert get_all_connections.sync(client=dqops) == []


def test_http1_is_the_default_and_needs_no_h2(mock):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with Client(BASE_URL) as dqops:
        assert get_all_connections.sync(client=dqops) == []


# The token never leaks.


def assert_no_token(*texts: object) -> None:
    for text in texts:
        assert TOKEN not in str(text), f"the token leaked into: {text!r}"


def test_token_not_in_repr_or_str(monkeypatch):
    dqops = AuthenticatedClient(BASE_URL, token=TOKEN)
    view = dqops.with_options(timeout=1.0, headers={"X-A": "1"})
    assert_no_token(repr(dqops), str(dqops), repr(view), str(view), f"{dqops}", f"{dqops!r}")
    assert dqops.token == TOKEN  # still readable on purpose
    monkeypatch.setenv("DQOPS_API_KEY", TOKEN)
    from_env = AuthenticatedClient(BASE_URL)
    assert_no_token(repr(from_env), str(from_env))


def test_token_not_in_the_pooled_httpx_client_repr():
    dqops = AuthenticatedClient(BASE_URL, token=TOKEN)
    with dqops:
        assert_no_token(repr(dqops.get_httpx_client().headers))


def test_token_not_in_logs(server, caplog):
    server.route("/api/connections", json_answer([{"connection_name": "a"}]))
    server.route("/api/connections/c/schemas/s/tables/t", respond(200, "{broken"))
    for name in ("httpx", "httpcore", "dqops"):
        caplog.set_level(logging.DEBUG, logger=name)
    with AuthenticatedClient(server.base_url, token=TOKEN, timeout=1.0) as dqops:
        get_all_connections.sync(client=dqops)
        with pytest.raises(errors.ResponseDecodingError):
            get_table.sync("c", "s", "t", client=dqops)
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert caplog.records, "httpx/httpcore logged nothing at DEBUG: the test would prove nothing"
    assert any(record.name.startswith("httpcore") for record in caplog.records)
    for record in caplog.records:
        assert_no_token(record.getMessage())
        assert_no_token(record.args)
    assert_no_token(caplog.text)


@pytest.mark.asyncio
async def test_token_not_in_async_logs(server, caplog):
    server.route("/api/connections", json_answer([]))
    for name in ("httpx", "httpcore", "dqops"):
        caplog.set_level(logging.DEBUG, logger=name)
    async with AuthenticatedClient(server.base_url, token=TOKEN, timeout=1.0) as dqops:
        await asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)
    assert caplog.records
    assert_no_token(caplog.text)


def error_texts(error: BaseException) -> list[object]:
    texts: list[object] = [str(error), repr(error), error.args]
    if error.__cause__ is not None:
        texts += [str(error.__cause__), repr(error.__cause__)]
    return texts


def test_token_not_in_a_401_error(mock):
    mock.get(CONNECTIONS_URL).mock(
        return_value=httpx.Response(
            401,
            json={"timestamp": "t", "status": 401, "error": "Unauthorized", "message": "bad key", "path": "/x"},
        )
    )
    with (
        AuthenticatedClient(BASE_URL, token=TOKEN, raise_on_unexpected_status=True) as dqops,
        pytest.raises(errors.Unauthorized) as info,
    ):
        get_all_connections.sync(client=dqops)
    assert info.value.message == "bad key"
    assert_no_token(*error_texts(info.value))


def test_token_not_in_a_connection_error():
    dqops = AuthenticatedClient(f"http://127.0.0.1:{unused_port()}/", token=TOKEN, timeout=0.5)
    with dqops, pytest.raises(errors.ConnectionFailed) as info:
        get_all_connections.sync(client=dqops)
    assert_no_token(*error_texts(info.value))


def test_token_not_in_a_timeout_error(server):
    server.route("/api/connections", slow(3.0))
    with (
        AuthenticatedClient(server.base_url, token=TOKEN, timeout=0.2) as dqops,
        pytest.raises(errors.RequestTimeout) as info,
    ):
        get_all_connections.sync(client=dqops)
    assert_no_token(*error_texts(info.value))


def test_token_not_in_a_decoding_error(mock):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, content=b"<html>oops</html>"))
    with AuthenticatedClient(BASE_URL, token=TOKEN) as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        get_all_connections.sync(client=dqops)
    assert_no_token(*error_texts(info.value))


def test_token_not_in_a_configuration_error(no_dqops_env):
    with pytest.raises(errors.ConfigurationError) as info:
        AuthenticatedClient("not-a-url", token=TOKEN)
    assert_no_token(*error_texts(info.value))


def test_custom_auth_header_and_prefix(mock):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=[]))
    with AuthenticatedClient(BASE_URL, token=TOKEN, prefix="", auth_header_name="X-API-Key") as dqops:
        get_all_connections.sync(client=dqops)
        assert_no_token(repr(dqops))
    assert route.calls[0].request.headers["x-api-key"] == TOKEN


def test_base_url_with_a_path_prefix(server):
    """DQOps behind a reverse proxy under a path: the operations' paths go below it."""
    server.route("/dqops/api/connections", json_answer([{"connection_name": "behind-proxy"}]))
    with Client(server.base_url + "dqops", timeout=1.0) as dqops:
        result = get_all_connections.sync(client=dqops)
    assert [c.connection_name for c in result] == ["behind-proxy"]


def test_one_client_in_two_successive_event_loops(server):
    """Scripts call asyncio.run() more than once with one client: each loop gets working connections."""
    server.route("/api/connections", json_answer([]))
    dqops = Client(server.base_url, timeout=1.0)
    try:
        for _ in range(2):
            assert asyncio.run(asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)) == []
    finally:
        dqops.close()
