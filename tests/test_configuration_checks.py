"""Configuration is checked when the client is made, not at its first call.

`base_url` (the argument or DQOPS_BASE_URL) is parsed whole: a scheme of http or https in any
case (normalised to lower case), a host, a valid port, no whitespace or control characters,
and a URL httpx can parse. Anything else is a ConfigurationError at construction. A client
made with `verify_ssl=False` says once, on the `dqops` logger, that TLS is not verified.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from fault_server import json_answer

from dqops.client import AuthenticatedClient, Client, errors
from dqops.client.api.connections import get_all_connections

TOKEN = "dqops-api-key-7d1c"
GUARD_SECONDS = 5.0

INVALID_BASE_URLS = {
    "unclosed IPv6 bracket": "http://[::1",
    "CR LF": "http://dqops.test:8888/\r\n",
    "trailing newline": "http://dqops.test:8888/\n",
    "space in the host": "http://dqops .test/",
    "tab": "http://dqops.test:8888/\t",
    "NUL": "http://dqops.test/\x00",
    "line separator": "http://dqops.test/\u2028",
    "no host": "http:///api",
    "nothing after the scheme": "https://",
    "port not a number": "http://dqops.test:port/",
    "port out of range": "http://dqops.test:99999/",
    "no scheme": "dqops.test:8888",
    "another scheme": "ftp://dqops.test/",
}


@pytest.fixture
def no_dqops_env(monkeypatch):
    monkeypatch.delenv("DQOPS_BASE_URL", raising=False)
    monkeypatch.delenv("DQOPS_API_KEY", raising=False)


@pytest.mark.parametrize("url", list(INVALID_BASE_URLS.values()), ids=list(INVALID_BASE_URLS))
def test_an_invalid_base_url_is_refused_at_construction(no_dqops_env, url):
    with pytest.raises(errors.ConfigurationError, match=r"^base_url "):
        Client(url)
    with pytest.raises(errors.ConfigurationError, match=r"^base_url "):
        AuthenticatedClient(url, token=TOKEN)


@pytest.mark.parametrize(
    "url",
    [url for url in INVALID_BASE_URLS.values() if "\x00" not in url],  # an environment variable cannot hold NUL
    ids=[name for name, url in INVALID_BASE_URLS.items() if "\x00" not in url],
)
def test_an_invalid_dqops_base_url_is_refused_at_construction(monkeypatch, url):
    monkeypatch.setenv("DQOPS_BASE_URL", url)
    with pytest.raises(errors.ConfigurationError, match=r"^DQOPS_BASE_URL "):
        Client()
    with pytest.raises(errors.ConfigurationError, match=r"^DQOPS_BASE_URL "):
        AuthenticatedClient(token=TOKEN)


@pytest.mark.parametrize("scheme", ["HTTP", "Http", "hTtP"])
@pytest.mark.parametrize("variant", ["sync", "async"])
def test_the_scheme_is_case_insensitive(server, scheme, variant):
    server.route("/api/connections", json_answer([{"connection_name": "a"}]))
    url = f"{scheme}://127.0.0.1:{server.port}/"
    with Client(url, timeout=2.0) as dqops:
        assert dqops.base_url == f"http://127.0.0.1:{server.port}/"
        assert repr(dqops) == f"Client(base_url='http://127.0.0.1:{server.port}/')"
        if variant == "sync":
            result = get_all_connections.sync(client=dqops)
        else:
            result = asyncio.run(asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS))
    assert [connection.connection_name for connection in result] == ["a"]
    assert server.requests[0].path == "/api/connections"


def test_an_uppercase_https_scheme_is_https(no_dqops_env):
    dqops = Client("HTTPS://DQOps.Example.com:8443/prefix")
    assert dqops.base_url == "https://DQOps.Example.com:8443/prefix"
    assert str(dqops.get_httpx_client().base_url) == "https://dqops.example.com:8443/prefix/"
    dqops.close()


def test_valid_base_urls_keep_their_text(no_dqops_env):
    for url in (
        "http://localhost:8888/",
        "http://localhost:8888",
        "https://dqops.example.com/dqops",
        "http://[::1]:8888/",
    ):
        assert Client(url).base_url == url


# verify_ssl=False


def warnings_of(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "dqops" and record.levelno >= logging.WARNING]


@pytest.mark.parametrize("how", ["verify_ssl", "httpx_args"])
def test_verify_ssl_false_warns_once_per_client(server, caplog, how):
    server.route("/api/connections", json_answer([]))
    caplog.set_level(logging.WARNING, logger="dqops")
    url = server.base_url
    options = {"verify_ssl": False} if how == "verify_ssl" else {"httpx_args": {"verify": False}}
    with AuthenticatedClient(url, token=TOKEN, timeout=2.0, **options) as dqops:
        assert len(warnings_of(caplog)) == 1
        views = [dqops.with_options(timeout=1.0), dqops.with_headers({"X-A": "1"}), dqops.with_timeout(3.0)]
        for client in (dqops, *views):
            get_all_connections.sync(client=client)
            asyncio.run(asyncio.wait_for(get_all_connections.asyncio(client=client), GUARD_SECONDS))
    (warning,) = warnings_of(caplog)
    message = warning.getMessage()
    assert "TLS certificates are not verified" in message and url in message
    assert TOKEN not in message
    Client(url, verify_ssl=False).close()
    assert len(warnings_of(caplog)) == 2


def test_verified_tls_says_nothing(caplog, no_dqops_env):
    caplog.set_level(logging.DEBUG, logger="dqops")
    Client("https://dqops.example.com/").close()
    AuthenticatedClient("https://dqops.example.com/", token=TOKEN, verify_ssl="/etc/ssl/certs/ca-certificates.crt")
    assert warnings_of(caplog) == []
