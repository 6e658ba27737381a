"""Paged lists as iterators: the `iterate` / `aiterate` that every operation taking `page` and
`limit` gets (templates/endpoint_pager.py.jinja), generated from the spec.

Each paged operation of the spec is called through its pagers against a real local HTTP server
(tests/fault_server.py) that pages a list of items as DQOps does: `page` counts from 1, `limit`
items a page, a bare JSON array with no total. What the server received shows which pages
were asked for, and that the operation's other arguments were sent as sync() sends them.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from typing import Any
from urllib.parse import parse_qs

import pytest
import spec_arguments
import spec_facts as facts
from fault_server import FaultServer, _Connection, _response_bytes, json_answer

from dqops.client import Client, errors

SPEC = facts.cleaned_spec()
PAGED = [op for op in facts.operations(SPEC) if op.paged]
PAGED_PARAMS = [pytest.param(op, id=op.id) for op in PAGED]


def test_the_spec_has_its_eight_paged_operations():
    assert sorted(op.name for op in PAGED) == [
        "find_columns",
        "find_recent_incidents_on_connection",
        "find_tables",
        "get_all_labels_for_columns",
        "get_all_labels_for_connections",
        "get_all_labels_for_tables",
        "get_incident_issues",
        "get_tables",
    ]


def test_only_the_paged_operations_have_pagers():
    for op in facts.operations(SPEC):
        module = importlib.import_module(op.import_path)
        assert hasattr(module, "iterate") == op.paged == hasattr(module, "aiterate"), op.id


def paging(items: list[Any], *, honour_page: bool = True, honour_limit: bool = True):
    """A FaultServer behaviour answering `items` a page at a time, as DQOps pages a list."""

    def behaviour(server: FaultServer, conn: _Connection, request: Any) -> bool:
        query = parse_qs(request.query)
        page = int(query["page"][0]) if honour_page else 1
        limit = int(query["limit"][0]) if honour_limit else len(items)
        body = json.dumps(items[(page - 1) * limit : page * limit]).encode()
        conn.sock.sendall(_response_bytes(200, body, "application/json", None, None))
        return True

    return behaviour


def items_json(count: int) -> list[dict[str, Any]]:
    # Every answer's items are objects; a field the model does not know is kept and shows the order.
    return [{"sdk_test_index": index} for index in range(count)]


def indexes(items: list[Any]) -> list[int]:
    return [item.to_dict()["sdk_test_index"] for item in items]


class Paged:
    """One paged operation called with arguments built from the spec, against a paging server."""

    def __init__(self, op: facts.OperationFact, server: FaultServer, client: Client) -> None:
        self.op = op
        self.server = server
        self.client = client
        call = spec_arguments.call_arguments(SPEC, op)
        self.args = call.args
        self.kwargs = {name: value for name, value in call.kwargs.items() if name not in ("page", "limit")}
        self.wire = {name: value for name, value in call.wire_values.items() if name not in ("page", "limit")}
        self.module = call.module
        self.path = (
            self.client.get_httpx_client().build_request(**self.module._get_kwargs(*self.args, **self.kwargs)).url.path
        )

    def serve(self, behaviour: Any) -> None:
        self.server.route(self.path, behaviour)

    def iterate(self, **options: Any) -> Any:
        return self.module.iterate(*self.args, client=self.client, **self.kwargs, **options)

    def aiterate(self, **options: Any) -> Any:
        return self.module.aiterate(*self.args, client=self.client, **self.kwargs, **options)

    def pages_asked(self) -> list[tuple[int, int]]:
        asked = []
        for request in self.server.requests_to(self.path):
            query = parse_qs(request.query)
            asked.append((int(query["page"][0]), int(query["limit"][0])))
        return asked

    def other_arguments_sent(self) -> None:
        """Every request carried the operation's other query parameters, as the spec names them."""
        for request in self.server.requests_to(self.path):
            query = parse_qs(request.query)
            for name in self.wire:
                if any(p["name"] == name and p["in"] == "query" for p in self.op.parameters):
                    assert name in query, (name, request.query)


@pytest.fixture
def server():
    with FaultServer() as running:
        yield running


@pytest.fixture
def client(server):
    with Client(server.base_url, raise_on_unexpected_status=True) as dqops:
        yield dqops


@pytest.mark.parametrize("op", PAGED_PARAMS)
def test_iterate_fetches_pages_until_a_short_page(op, server, client):
    paged = Paged(op, server, client)
    paged.serve(paging(items_json(7)))
    items = list(paged.iterate(page_size=3))
    assert indexes(items) == list(range(7))
    assert paged.pages_asked() == [(1, 3), (2, 3), (3, 3)]  # the third held 1 item: no fourth request
    paged.other_arguments_sent()


@pytest.mark.parametrize("op", PAGED_PARAMS)
@pytest.mark.asyncio
async def test_aiterate_fetches_pages_until_a_short_page(op, server, client):
    paged = Paged(op, server, client)
    paged.serve(paging(items_json(5)))
    async with client:
        items = await asyncio.wait_for(_collect(paged.aiterate(page_size=2)), 10)
    assert indexes(items) == list(range(5))
    assert paged.pages_asked() == [(1, 2), (2, 2), (3, 2)]
    paged.other_arguments_sent()


async def _collect(pager: Any) -> list[Any]:
    return [item async for item in pager]


GET_TABLES = next(op for op in PAGED if op.name == "get_tables")


def test_nothing_is_requested_before_the_first_item(server, client):
    paged = Paged(GET_TABLES, server, client)
    paged.serve(paging(items_json(10)))
    pager = paged.iterate(page_size=4)
    assert paged.pages_asked() == []
    iterator = iter(pager)
    assert paged.pages_asked() == []
    assert indexes([next(iterator)]) == [0]
    assert paged.pages_asked() == [(1, 4)]
    assert indexes([next(iterator) for _ in range(3)]) == [1, 2, 3]
    assert paged.pages_asked() == [(1, 4)]
    assert indexes([next(iterator)]) == [4]
    assert paged.pages_asked() == [(1, 4), (2, 4)]


@pytest.mark.asyncio
async def test_nothing_is_requested_before_the_first_item_async(server, client):
    paged = Paged(GET_TABLES, server, client)
    paged.serve(paging(items_json(10)))
    async with client:
        pager = paged.aiterate(page_size=4)
        iterator = aiter(pager)
        assert paged.pages_asked() == []
        assert indexes([await anext(iterator)]) == [0]
        assert paged.pages_asked() == [(1, 4)]
        await iterator.aclose()


@pytest.mark.parametrize(
    ("count", "page_size", "max_items", "expected", "pages"),
    [
        (10, 3, 4, 4, [(1, 3), (2, 3)]),
        (10, 3, 3, 3, [(1, 3)]),  # page 2 is not asked for: max_items is reached
        (10, 3, 0, 0, []),
        (2, 3, 5, 2, [(1, 3)]),
        (6, 3, None, 6, [(1, 3), (2, 3), (3, 3)]),  # a full last page: the empty one after it ends the list
        (0, 3, None, 0, [(1, 3)]),
    ],
)
def test_page_size_and_max_items(server, client, count, page_size, max_items, expected, pages):
    paged = Paged(GET_TABLES, server, client)
    paged.serve(paging(items_json(count)))
    assert indexes(list(paged.iterate(page_size=page_size, max_items=max_items))) == list(range(expected))
    assert paged.pages_asked() == pages


def test_a_server_that_ignores_the_paging_does_not_make_it_loop(server, client):
    paged = Paged(GET_TABLES, server, client)
    paged.serve(paging(items_json(7), honour_page=False, honour_limit=False))
    assert indexes(list(paged.iterate(page_size=3))) == list(range(7))  # more than a page: the whole list
    assert len(paged.pages_asked()) == 1

    ignores_page = Paged(GET_TABLES, server, client)
    server.routes.clear()
    server.requests.clear()
    ignores_page.serve(paging(items_json(7), honour_page=False))
    assert indexes(list(ignores_page.iterate(page_size=3))) == [0, 1, 2]  # the same page again ends it
    assert len(ignores_page.pages_asked()) == 2


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"page_size": 0}, errors.InvalidArgument),
        ({"page_size": 100_001}, errors.InvalidArgument),
        ({"page_size": "10"}, errors.ArgumentTypeError),
        ({"page_size": True}, errors.ArgumentTypeError),
        ({"max_items": -1}, errors.InvalidArgument),
        ({"max_items": 2.5}, errors.ArgumentTypeError),
    ],
)
def test_a_wrong_page_size_or_max_items_is_refused_before_anything_is_sent(server, client, options, error):
    paged = Paged(GET_TABLES, server, client)
    with pytest.raises(error):
        paged.iterate(**options)
    with pytest.raises(error):
        paged.aiterate(**options)
    assert server.requests == []


def test_an_error_status_of_a_page_raises_typed(server, client):
    paged = Paged(GET_TABLES, server, client)
    server.route(paged.path, json_answer([{"sdk_test_index": 0}]), json_answer({"message": "no such schema"}, 404))
    iterator = iter(paged.iterate(page_size=1))
    assert indexes([next(iterator)]) == [0]
    with pytest.raises(errors.NotFound):
        next(iterator)
