"""Hostile path and query values against a real local server: what reaches it is what was named.

A path parameter is one segment, always. "." and ".." are refused before anything is sent
(tests/test_arguments.py checks every path parameter of every operation with respx); here the
fault server (tests/fault_server.py) records the exact request target httpx sends for values
that look like dot segments or slashes once decoded, and for values too long for a URL, sync
and async.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote, unquote

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dqops._runtime import arguments
from dqops.client import Client, errors
from dqops.client.api.columns import delete_column
from dqops.client.api.tables import get_table, get_tables

GUARD_SECONDS = 5.0
TABLE_PREFIX = ["", "api", "connections", "c", "schemas", "s", "tables"]
# Texts that become "." or ".." or a "/" if anything between the SDK and DQOps decoded them.
LOOK_ALIKES = [
    "%2e%2e",
    "%2E%2E",
    "..%2f",
    "./",
    "%2F",
    ".%2e",
    "%2e",
    "../..",
    "...",
    ". .",
    "..\\",
    "..;",
    "%252e%252e",
]
# httpx's limit is 65536 characters for the path and for the query: this is over both.
TOO_LONG = "x" * 100_000


def client_for(server) -> Client:
    return Client(server.base_url, timeout=2.0, raise_on_unexpected_status=True)


def call(variant: str, operation, *args, **kwargs):
    """`operation.sync(...)`, or `operation.asyncio(...)` run in a fresh event loop."""
    if variant == "sync":
        return operation.sync(*args, **kwargs)
    return asyncio.run(asyncio.wait_for(operation.asyncio(*args, **kwargs), GUARD_SECONDS))


def received_segments(server) -> list[str]:
    """The path segments of the last request the server received, as sent (still encoded)."""
    return server.requests[-1].path.split("/")


@pytest.mark.parametrize("variant", ["sync", "async"])
def test_look_alikes_stay_inside_their_segment(server, variant):
    """Each value reaches the server as one percent-encoded segment that decodes to the value."""
    with client_for(server) as dqops:
        for value in LOOK_ALIKES:
            with pytest.raises(errors.NotFound):  # the fault server answers 404 on unrouted paths
                call(variant, get_table, "c", "s", value, client=dqops)
            assert received_segments(server) == [*TABLE_PREFIX, quote(value, safe="")], value
            assert unquote(received_segments(server)[-1]) == value
            with pytest.raises(errors.NotFound):
                call(variant, delete_column, "c", value, "t", value, client=dqops)
            segments = received_segments(server)
            assert server.requests[-1].method == "DELETE"
            assert len(segments) == 10, segments
            assert [unquote(segments[index]) for index in (3, 5, 7, 9)] == ["c", value, "t", value]
    assert len(server.requests) == 2 * len(LOOK_ALIKES)


@pytest.mark.parametrize("variant", ["sync", "async"])
@pytest.mark.parametrize("dots", [".", ".."])
def test_dot_segments_never_reach_the_server(server, variant, dots):
    """The issue's cases: delete_table(c, "..", "..") would have deleted connection c."""
    from dqops.client.api.connections import get_connection
    from dqops.client.api.tables import delete_table

    with client_for(server) as dqops:
        with pytest.raises(errors.InvalidArgument, match=r"delete_table\(\): path parameter schema_name"):
            call(variant, delete_table, "prod", dots, dots, client=dqops)
        with pytest.raises(errors.InvalidArgument, match=r"delete_column\(\): path parameter column_name"):
            call(variant, delete_column, "c", "s", "t", dots, client=dqops)
        with pytest.raises(errors.InvalidArgument, match=r"get_connection\(\): path parameter connection_name"):
            call(variant, get_connection, dots, client=dqops)
    assert server.requests == []


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(min_size=1, max_size=40))
@example("sample_connection")
@example("table/volume/row_count")
@example("...")
@example("a.")
@example("é")
def test_every_other_value_is_percent_encoded_as_one_segment(text):
    """Every text but "." and ".." is sent as urllib's quote(text, safe="") gives it."""
    if text in (".", ".."):
        with pytest.raises(errors.InvalidArgument):
            arguments.path_str(text, "table_name", "get_table")
    else:
        assert arguments.path_str(text, "table_name", "get_table") == quote(text, safe="")


def test_the_url_limit_is_httpxs():
    from httpx import _urlparse

    assert arguments.MAX_URL_LENGTH == _urlparse.MAX_URL_LENGTH


@pytest.mark.parametrize("variant", ["sync", "async"])
def test_a_value_too_long_for_a_url_is_an_invalid_argument(server, variant):
    with client_for(server) as dqops:
        with pytest.raises(errors.InvalidArgument) as info:
            call(variant, get_table, "c", "s", TOO_LONG, client=dqops)
        assert (info.value.operation, info.value.parameter) == ("get_table", "table_name")
        assert "get_table(): path parameter table_name got a value of 100000 characters" in str(info.value)
        # Percent-encoding makes a value longer: 30,000 "é" are 180,000 characters on the wire.
        with pytest.raises(errors.InvalidArgument) as info:
            call(variant, get_tables, "c", "s", filter="é" * 30_000, client=dqops)
        assert (info.value.operation, info.value.parameter) == ("get_tables", "filter")
        with pytest.raises(errors.InvalidArgument) as info:
            call(variant, get_tables, "c", "s", label=["a", TOO_LONG], client=dqops)
        assert (info.value.operation, info.value.parameter) == ("get_tables", "label")
    assert server.requests == []


@pytest.mark.parametrize("variant", ["sync", "async"])
def test_values_that_fit_alone_but_not_together_are_an_invalid_argument(server, variant):
    """Each value is under httpx's limit, the URL is not: httpx's InvalidURL becomes InvalidArgument."""
    half = "y" * 40_000
    with client_for(server) as dqops:
        with pytest.raises(errors.InvalidArgument) as info:
            call(variant, get_table, "c", half, half, client=dqops)
        assert info.value.parameter == "path"
        assert info.value.operation.startswith("GET /api/connections/c/schemas/yyy")
        assert "the path is 80035 characters long" in str(info.value)
        assert isinstance(info.value.__cause__, httpx.InvalidURL)
        with pytest.raises(errors.InvalidArgument) as info:
            call(variant, get_tables, "c", "s", filter=half, label=["short", half], client=dqops)
        assert info.value.parameter in ("filter", "label")
        assert "the query is longer than that" in str(info.value)
    assert server.requests == []


@pytest.mark.parametrize("variant", ["sync", "async"])
def test_long_values_under_the_limit_are_sent_whole(server, variant):
    """The control of the tests above: a long value that fits is sent, not cut or refused."""
    value = "z" * 20_000
    with client_for(server) as dqops:
        with pytest.raises(errors.NotFound):
            call(variant, get_table, "c", "s", value, client=dqops)
        assert received_segments(server)[-1] == value
        with pytest.raises(errors.NotFound):
            call(variant, get_tables, "c", "s", filter=value, client=dqops)
        assert server.requests[-1].query == f"filter={value}"
