"""Secrets stay secret: the API key (in `Authorization` or in the header named by
`auth_header_name`) and a password given as user info in `base_url`.

Each secret is put through real calls to the local fault server (tests/fault_server.py) that
end in every kind of error: an error status, a dropped connection, a timeout, a body that does
not parse, and a redirect to another origin that ends in an error status. Then each channel
an error or the SDK shows things through is searched for the secret: str(), repr(), a
formatted traceback (the whole chain), pickle.dumps(), the headers of the requests the error
carries, and the records of the `dqops`, `httpx` and `httpcore` loggers at DEBUG. Sync and async.

Besides: a token that cannot be sent in a header is refused at construction without being
shown; the key's custom header is dropped on a redirect to another origin, as httpx drops
`Authorization`; user info becomes the same Basic credentials httpx sends, and no URL the SDK
shows has it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from fault_server import FaultServer, drop, json_answer, respond, slow, status, unused_port

from dqops.client import AuthenticatedClient, Client, errors
from dqops.client.api.connections import get_all_connections, get_connection

TOKEN = "dqops-api-key-SECRET-4b9e71d0"
USER = "svc-account"
PASSWORD = "pa55-SECRET-word-83c1"
BASIC_CREDENTIALS = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
GUARD_SECONDS = 5.0
KINDS = ["authorization", "x-api-key", "basic"]
VARIANTS = ["sync", "async"]
LOGGERS = ("dqops", "httpx", "httpcore")


def secrets_of(kind: str) -> list[str]:
    return [PASSWORD, BASIC_CREDENTIALS] if kind == "basic" else [TOKEN]


def make_client(kind: str, server: FaultServer, **kwargs) -> Client:
    kwargs = {"timeout": 2.0, "raise_on_unexpected_status": True, "follow_redirects": True, **kwargs}
    if kind == "authorization":
        return AuthenticatedClient(server.base_url, token=TOKEN, **kwargs)
    if kind == "x-api-key":
        return AuthenticatedClient(server.base_url, token=TOKEN, prefix="", auth_header_name="X-API-Key", **kwargs)
    return Client(f"http://{USER}:{PASSWORD}@127.0.0.1:{server.port}/", **kwargs)


def call(variant: str, operation, *args, **kwargs):
    if variant == "sync":
        return operation.sync(*args, **kwargs)
    return asyncio.run(asyncio.wait_for(operation.asyncio(*args, **kwargs), GUARD_SECONDS))


@pytest.fixture
def other_origin() -> Iterator[FaultServer]:
    """A second server: another port of 127.0.0.1 is another origin."""
    with FaultServer() as srv:
        yield srv


@dataclass
class Produced:
    kind: str
    secrets: list[str]
    errors: list[BaseException]
    #: The first request the server received, and every log record of the calls.
    first_request_headers: dict[str, str]
    records: list[logging.LogRecord]


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def debug_records() -> Iterator[list[logging.LogRecord]]:
    """Every record of the dqops, httpx and httpcore loggers at DEBUG while the block runs."""
    recorder = _Recorder()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(recorder)
    try:
        yield recorder.records
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(recorder)
            logger.setLevel(level)


# Each path of get_connection and the error it ends in.
EXPECTED = {
    "e500": errors.ServerError,
    "e401": errors.Unauthorized,
    "drop": errors.ConnectionFailed,
    "slow": errors.RequestTimeout,
    "broken": errors.ResponseDecodingError,
    "redirect": errors.ServerError,
}


@pytest.fixture(
    scope="module", params=[(kind, variant) for kind in KINDS for variant in VARIANTS], ids=lambda p: "-".join(p)
)
def produced(request) -> Iterator[Produced]:
    """The errors of every kind of failed call made with one secret, logged at DEBUG."""
    kind, variant = request.param
    with FaultServer() as server, FaultServer() as other_origin, debug_records() as records:
        yield make_errors(kind, variant, server, other_origin, records)


def make_errors(
    kind: str, variant: str, server: FaultServer, other_origin: FaultServer, records: list[logging.LogRecord]
) -> Produced:
    server.route("/api/connections/e500", respond(500, '{"status": 500, "message": "boom"}'))
    server.route("/api/connections/e401", status(401))
    server.route("/api/connections/drop", drop())
    server.route("/api/connections/slow", slow(3.0))
    server.route("/api/connections/broken", respond(200, "{broken"))
    server.route(
        "/api/connections/redirect",
        respond(307, "", headers={"Location": f"{other_origin.base_url}api/connections/e500"}),
    )
    other_origin.route("/api/connections/e500", status(500))
    found: list[BaseException] = []
    with make_client(kind, server) as dqops:
        for name, expected in EXPECTED.items():
            client = dqops.with_options(timeout=0.2) if name == "slow" else dqops
            with pytest.raises(expected) as info:
                call(variant, get_connection, name, client=client)
            found.append(info.value)
    return Produced(kind, secrets_of(kind), found, dict(server.requests[0].headers), list(records))


def assert_absent(secrets: list[str], text: str | bytes, where: str) -> None:
    for secret in secrets:
        needle: str | bytes = secret.encode() if isinstance(text, bytes) else secret
        assert needle not in text, f"the secret leaked into {where}: {text[:2000]!r}"


def carried_requests(error: BaseException) -> list[httpx.Request]:
    """Every request an error holds: its own, its response's, the redirects' and the next one."""
    found = []
    if getattr(error, "request", None) is not None:
        found.append(error.request)
    response = getattr(error, "response", None)
    if response is not None:
        found += [item.request for item in (response, *response.history)]
        if response.next_request is not None:
            found.append(response.next_request)
    return found


def test_every_kind_of_error_was_produced(produced):
    """The control of the tests below: the secret was sent, and each call failed as intended."""
    sent = produced.first_request_headers
    expected_header = {"authorization": f"Bearer {TOKEN}", "x-api-key": TOKEN, "basic": f"Basic {BASIC_CREDENTIALS}"}
    name = "x-api-key" if produced.kind == "x-api-key" else "authorization"
    assert sent[name] == expected_header[produced.kind]
    assert [type(error) for error in produced.errors] == list(EXPECTED.values())
    redirected = produced.errors[-1]
    assert redirected.response.history, "the redirect was followed"


def test_secret_not_in_str(produced):
    for error in produced.errors:
        assert_absent(produced.secrets, str(error), f"str({type(error).__name__})")


def test_secret_not_in_repr(produced):
    for error in produced.errors:
        assert_absent(produced.secrets, repr(error), f"repr({type(error).__name__})")


def test_secret_not_in_traceback(produced):
    for error in produced.errors:
        text = "".join(traceback.format_exception(error))
        assert_absent(produced.secrets, text, f"the traceback of {type(error).__name__}")


def test_secret_not_in_pickle(produced):
    for error in produced.errors:
        assert_absent(produced.secrets, pickle.dumps(error), f"pickle.dumps({type(error).__name__})")


def test_secret_masked_in_the_requests_errors_carry(produced):
    checked = 0
    for error in produced.errors:
        for request in carried_requests(error):
            checked += 1
            texts = [repr(request.headers), str(list(request.headers.multi_items())), repr(request), str(request.url)]
            for text in texts:
                assert_absent(produced.secrets, text, f"the request of {type(error).__name__}")
    assert checked >= len(produced.errors)
    first = carried_requests(produced.errors[0])[0]
    header = "x-api-key" if produced.kind == "x-api-key" else "authorization"
    assert first.headers[header] == "[secure]"


def test_secret_not_in_debug_logs(produced):
    records = produced.records
    assert {record.name.split(".")[0] for record in records} >= set(LOGGERS), "a logger said nothing"
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in records:
        assert_absent(produced.secrets, formatter.format(record), f"a record of {record.name}")
        assert_absent(produced.secrets, repr(record.__dict__), f"the fields of a record of {record.name}")


# The API key's header on redirects.


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", ["authorization", "x-api-key"])
def test_the_key_is_dropped_on_a_redirect_to_another_origin(server, other_origin, kind, variant):
    header = "x-api-key" if kind == "x-api-key" else "authorization"
    server.route("/api/connections", respond(307, "", headers={"Location": f"{other_origin.base_url}api/elsewhere"}))
    other_origin.route("/api/elsewhere", json_answer([]))
    with make_client(kind, server) as dqops:
        assert call(variant, get_all_connections, client=dqops) == []
    assert header in server.requests[0].headers
    assert [request.path for request in other_origin.requests] == ["/api/elsewhere"]
    assert header not in other_origin.requests[0].headers


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", ["authorization", "x-api-key"])
def test_the_key_follows_a_redirect_within_the_origin(server, kind, variant):
    header = "x-api-key" if kind == "x-api-key" else "authorization"
    server.route("/api/connections", respond(308, "", headers={"Location": "/api/moved"}))
    server.route("/api/moved", json_answer([]))
    with make_client(kind, server) as dqops:
        assert call(variant, get_all_connections, client=dqops) == []
    assert [request.path for request in server.requests] == ["/api/connections", "/api/moved"]
    assert server.requests[1].headers[header] == server.requests[0].headers[header]


# Tokens that cannot be sent.

BAD_TOKENS = {
    "trailing newline": f"{TOKEN}\n",
    "trailing CRLF": f"{TOKEN}\r\n",
    "leading space": f" {TOKEN}",
    "tab inside": f"{TOKEN[:10]}\t{TOKEN[10:]}",
    "space inside": f"{TOKEN[:10]} {TOKEN[10:]}",
    "NUL": f"{TOKEN}\x00",
    "DEL": f"{TOKEN}\x7f",
    "non-ASCII": f"{TOKEN}é",
    "non-breaking space": f"{TOKEN}\u00a0",
}


def config_error_texts(error: BaseException) -> list[str | bytes]:
    texts: list[str | bytes] = [str(error), repr(error), repr(error.args), "".join(traceback.format_exception(error))]
    texts.append(pickle.dumps(error))
    assert error.__cause__ is None and error.__context__ is None, "the error chains another that may show the token"
    return texts


# An environment variable cannot hold NUL.
TOKEN_SOURCES = [
    pytest.param(token, source, id=f"{name}-{source}")
    for name, token in BAD_TOKENS.items()
    for source in ("argument", "environment")
    if not (source == "environment" and "\x00" in token)
]


@pytest.mark.parametrize("token, source", TOKEN_SOURCES)
def test_a_token_that_cannot_be_sent_is_refused_unseen(monkeypatch, token, source):
    monkeypatch.delenv("DQOPS_BASE_URL", raising=False)
    if source == "environment":
        monkeypatch.setenv("DQOPS_API_KEY", token)
    with pytest.raises(errors.ConfigurationError) as info:
        AuthenticatedClient("http://dqops.test/", token=token if source == "argument" else None)
    message = str(info.value)
    assert message.startswith("token " if source == "argument" else "DQOPS_API_KEY ")
    if token.isascii():
        assert "whitespace or control characters" in message, message
    else:
        assert "not ASCII" in message, message
    for text in config_error_texts(info.value):
        assert_absent([TOKEN, TOKEN[:10], TOKEN[10:]], text, "the ConfigurationError")


@pytest.mark.parametrize("token", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}"])
def test_a_token_with_its_bearer_prefix_is_refused(token):
    with pytest.raises(errors.ConfigurationError, match="pass the API key alone") as info:
        AuthenticatedClient("http://dqops.test/", token=token)
    for text in config_error_texts(info.value):
        assert_absent([TOKEN], text, "the ConfigurationError")


@pytest.mark.parametrize("name", ["X API Key", "X-Key\n", "", "Ключ"])
def test_an_auth_header_name_that_is_no_header_name_is_refused(name):
    with pytest.raises(errors.ConfigurationError, match="auth_header_name must be an HTTP header name") as info:
        AuthenticatedClient("http://dqops.test/", token=TOKEN, auth_header_name=name)
    assert_absent([TOKEN], str(info.value), "the ConfigurationError")


@pytest.mark.parametrize("prefix", ["Bearer\n", "Bearer ", "Béarer"])
def test_a_prefix_that_cannot_be_sent_is_refused(prefix):
    with pytest.raises(errors.ConfigurationError, match="prefix must be") as info:
        AuthenticatedClient("http://dqops.test/", token=TOKEN, prefix=prefix)
    assert_absent([TOKEN], str(info.value), "the ConfigurationError")


# User info in base_url.


@pytest.mark.parametrize("variant", VARIANTS)
def test_user_info_is_sent_as_httpx_sends_it_and_shown_nowhere(server, caplog, variant):
    server.route("/api/connections", json_answer([]))
    with_user_info = f"http://{USER}:{PASSWORD}@127.0.0.1:{server.port}/"
    with httpx.Client(base_url=with_user_info) as plain:
        plain.get("/api/connections")  # its own INFO line shows the password: not the SDK's concern
    caplog.set_level(logging.INFO, logger="httpx")
    caplog.clear()
    with Client(with_user_info, timeout=2.0) as dqops:
        shown = [repr(dqops), str(dqops), dqops.base_url]
        assert call(variant, get_all_connections, client=dqops) == []
    by_httpx, by_sdk = server.requests
    assert by_sdk.headers["authorization"] == by_httpx.headers["authorization"] == f"Basic {BASIC_CREDENTIALS}"
    assert by_sdk.target == by_httpx.target == "/api/connections"
    assert dqops.base_url == f"http://127.0.0.1:{server.port}/"
    request_lines = [record.getMessage() for record in caplog.records if "HTTP Request" in record.getMessage()]
    assert request_lines == [f'HTTP Request: GET http://127.0.0.1:{server.port}/api/connections "HTTP/1.1 200 OK"']
    for text in [*shown, caplog.text]:
        assert_absent([PASSWORD, BASIC_CREDENTIALS, f"{USER}:"], text, "what the client shows")


def test_percent_encoded_user_info_gives_the_same_credentials_as_httpx(server):
    server.route("/api/connections", json_answer([]))
    with_user_info = f"http://svc%40corp:p%3As%20s@127.0.0.1:{server.port}/"
    with httpx.Client(base_url=with_user_info) as plain:
        plain.get("/api/connections")
    with Client(with_user_info, timeout=2.0) as dqops:
        get_all_connections.sync(client=dqops)
    by_httpx, by_sdk = server.requests
    assert by_sdk.headers["authorization"] == by_httpx.headers["authorization"]
    assert base64.b64decode(by_sdk.headers["authorization"].split()[1]) == b"svc@corp:p:s s"


@pytest.mark.parametrize("variant", VARIANTS)
def test_user_info_not_in_a_connection_error(variant):
    dqops = Client(f"http://{USER}:{PASSWORD}@127.0.0.1:{unused_port()}/", timeout=1.0)
    with dqops, pytest.raises(errors.ConnectionFailed) as info:
        call(variant, get_all_connections, client=dqops)
    for text in [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]:
        assert_absent([PASSWORD, BASIC_CREDENTIALS], text, "the ConnectionFailed")
    assert str(info.value).startswith("GET http://127.0.0.1:")


def test_user_info_not_in_the_error_of_an_invalid_base_url():
    for url in (f"http://{USER}:{PASSWORD}@[::1", f"ftp://{USER}:{PASSWORD}@host/", f"http://{USER}:{PASSWORD}@h st/"):
        with pytest.raises(errors.ConfigurationError) as info:
            Client(url)
        assert "***@" in str(info.value)
        for text in [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]:
            assert_absent([PASSWORD], text, "the ConfigurationError")
