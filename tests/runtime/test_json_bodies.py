"""JSON bodies read exactly as json.loads reads them, whichever decoder reads them first.

The SDK reads answers with msgspec when it is installed, and falls back to json.loads for what
msgspec rejects (dqops/_runtime/decoding.py). Each body here runs through both paths: the
values, and the errors of bodies that are not JSON, must be json.loads's, also when a list
answer is read item by item. While the models of a large answer are made, the garbage collector
pauses, and it is left as it was found afterwards.
"""

from __future__ import annotations

import gc
import json
import math
import sys
from typing import Any

import httpx
import pytest
import respx
from support.paths import TESTS_DIR

from dqops._runtime import decoding
from dqops.client import Client, errors
from dqops.client.api.connections import get_all_connections

CONNECTIONS_URL = "http://dqops.test:8888/api/connections"

# The samples, one file a body as a server sends it (JSONTestSuite's naming): y_ files are JSON,
# n_ files are not.
SAMPLES = TESTS_DIR / "support" / "json_bodies"


def samples(prefix: str) -> list[Any]:
    return [pytest.param(path.read_bytes(), id=path.stem[2:]) for path in sorted(SAMPLES.glob(f"{prefix}_*.json"))]


JSON_BODIES = samples("y")
NOT_JSON_BODIES = [*samples("n"), pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested-too-deep")]


@pytest.fixture(params=["msgspec", "json.loads"])
def first_decoder(request, monkeypatch):
    """The decoder decode_json() tries first: msgspec's (as installed), or json.loads alone."""
    if request.param == "msgspec":
        monkeypatch.setattr(decoding, "_decode_json_bytes", None)
    else:
        monkeypatch.setattr(decoding, "_decode_json_bytes", json.loads)
        monkeypatch.setattr(decoding, "_split_json_array", None)
    return request.param


def same_json(left, right) -> bool:
    """Equal values of the same types all the way down (1 is not 1.0; NaN is NaN)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        if math.isnan(left):
            return math.isnan(right)
        return left == right and math.copysign(1, left) == math.copysign(1, right)
    if isinstance(left, list):
        return len(left) == len(right) and all(same_json(a, b) for a, b in zip(left, right))
    if isinstance(left, dict):
        return list(left) == list(right) and all(same_json(left[key], right[key]) for key in left)
    return left == right


def response(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("body", JSON_BODIES)
def test_a_json_body_reads_as_json_loads_reads_it(body, first_decoder):
    assert same_json(decoding.decode_json(response(body), "Any"), json.loads(body))


@pytest.mark.parametrize("body", NOT_JSON_BODIES)
def test_a_body_that_is_not_json_raises_the_decoding_error_json_loads_words(body, first_decoder):
    with pytest.raises(errors.ResponseDecodingError) as info:
        decoding.decode_json(response(body), "list[ConnectionModel]")
    error = info.value
    assert error.content == body
    assert error.expected == "list[ConnectionModel]"
    try:
        json.loads(body)
    except (ValueError, RecursionError) as exc:
        assert type(error.__cause__) is type(exc)
        assert str(exc) in str(error)
    else:
        pytest.fail("json.loads reads this body")


@pytest.mark.parametrize("body", JSON_BODIES)
def test_an_array_body_read_item_by_item_reads_as_json_loads_reads_it(body, first_decoder):
    """decode_json_array_items(), which list answers of models use: the same items, or for any
    other value the decoding error that names the array expected."""
    expected = json.loads(body)
    if type(expected) is list:
        items = decoding.decode_json_array_items(response(body), "list[Any]")
        assert same_json(list(items), expected)
        return
    with pytest.raises(errors.ResponseDecodingError) as info:
        decoding.decode_json_array_items(response(body), "list[Any]")
    assert "the answer is not a valid list[Any]" in str(info.value) and "an array" in str(info.value)
    assert info.value.content == body


def test_a_null_array_body_is_a_decoding_error(first_decoder):
    """A list answer is never None: `null` is no array."""
    for decode, body in ((decoding.decode_json_array_items, b"null"), (decoding.decode_json_array, b" null ")):
        with pytest.raises(errors.ResponseDecodingError, match="expected an array, got null"):
            decode(response(body), "list[Any]")


@pytest.mark.parametrize("body", NOT_JSON_BODIES)
def test_an_array_body_that_is_not_json_raises_the_error_decode_json_raises(body, first_decoder):
    with pytest.raises(errors.ResponseDecodingError) as whole:
        decoding.decode_json(response(body), "list[ConnectionModel]")
    with pytest.raises(errors.ResponseDecodingError) as by_item:
        decoding.decode_json_array_items(response(body), "list[ConnectionModel]")
    assert str(by_item.value) == str(whole.value)
    assert type(by_item.value.__cause__) is type(whole.value.__cause__)


def test_msgspec_reads_the_bodies_when_installed_and_json_loads_without_it(monkeypatch):
    import msgspec

    monkeypatch.setattr(decoding, "_decode_json_bytes", None)
    decoder = decoding._load_json_bytes_decoder()
    assert isinstance(decoder.__self__, msgspec.json.Decoder)

    assert decoding._split_json_array is not None, "an array body is split into its items first"

    monkeypatch.setitem(sys.modules, "msgspec", None)  # what `import msgspec` meets without it
    monkeypatch.setattr(decoding, "_decode_json_bytes", None)
    assert decoding._load_json_bytes_decoder() is json.loads
    assert decoding._split_json_array is None
    assert decoding.decode_json(response(b'{"a": [1, 2.5]}'), "Any") == {"a": [1, 2.5]}
    assert decoding.decode_json_array_items(response(b'[{"a": 1}, 2]'), "list[Any]") == [{"a": 1}, 2]


def test_an_operation_keeps_every_digit_of_a_large_integer(first_decoder):
    big = 123456789012345678901234567890
    body = json.dumps([{"connection_name": "a", "connection_hash": big}]).encode()
    with respx.mock() as mock, Client("http://dqops.test:8888/", raise_on_unexpected_status=True) as dqops:
        mock.get(CONNECTIONS_URL).mock(return_value=response(body))
        connections = get_all_connections.sync(client=dqops)
    assert connections[0].connection_hash == big
    assert connections[0].to_dict() == {"connection_name": "a", "connection_hash": big}


def large_connections_answer(malformed_last: bool = False) -> tuple[bytes, list[dict]]:
    """A list of connections of at least decoding.GC_PAUSE_MIN_BYTES."""
    one = {"connection_name": "c", "parallel_jobs_limit": 4, "postgresql": {"host": "localhost", "port": "5432"}}
    count = decoding.GC_PAUSE_MIN_BYTES // len(json.dumps(one)) + 1
    answer = [{**one, "connection_name": f"c{index}"} for index in range(count)]
    if malformed_last:
        answer[-1] = {**one, "postgresql": ["not", "an", "object"]}
    body = json.dumps(answer).encode()
    assert len(body) >= decoding.GC_PAUSE_MIN_BYTES
    return body, answer


@pytest.fixture
def collector_switches(monkeypatch):
    """Every gc.disable() and gc.enable() call, in order (each still done)."""
    seen: list[str] = []
    disable, enable = gc.disable, gc.enable
    monkeypatch.setattr(gc, "disable", lambda: (seen.append("disable"), disable())[1])
    monkeypatch.setattr(gc, "enable", lambda: (seen.append("enable"), enable())[1])
    return seen


def get_connections(body: bytes):
    with respx.mock() as mock, Client("http://dqops.test:8888/", raise_on_unexpected_status=True) as dqops:
        mock.get(CONNECTIONS_URL).mock(return_value=response(body))
        return get_all_connections.sync(client=dqops)


def test_the_collector_pauses_while_the_models_of_a_large_answer_are_made(collector_switches, first_decoder):
    body, answer = large_connections_answer()
    assert gc.isenabled()
    connections = get_connections(body)
    assert collector_switches == ["disable", "enable"] and gc.isenabled()
    assert [connection.to_dict() for connection in connections] == answer

    collector_switches.clear()
    get_connections(json.dumps(answer[:3]).encode())
    assert collector_switches == [], "a small answer leaves the collector alone"


def test_a_collector_the_program_disabled_stays_disabled(collector_switches):
    gc.disable()
    try:
        get_connections(large_connections_answer()[0])
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert collector_switches == ["disable", "enable"], "only the test's own switches"


def test_the_collector_is_enabled_again_when_a_large_answer_is_malformed(collector_switches, first_decoder):
    with pytest.raises(errors.ResponseDecodingError, match="ConnectionModel.postgresql"):
        get_connections(large_connections_answer(malformed_last=True)[0])
    assert collector_switches == ["disable", "enable"] and gc.isenabled()
