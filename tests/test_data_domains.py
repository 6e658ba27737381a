"""Data domains: `data_domain=` on a client and in `with_options(...)` sends DQOps's
`DQODataDomain` cookie on that client's or view's calls only.

Against a real local HTTP server (tests/fault_server.py): the cookie each request carried is
read from what the server received. Views with different domains share one pool and are called
concurrently; an answer that sets a `DQODataDomain` cookie must not change any later call.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from fault_server import FaultServer, json_answer

from dqops.client import AuthenticatedClient, Client, errors
from dqops.client.api.connections import get_all_connections

PATH = "/api/connections"


def cookie_of(request) -> str | None:
    return request.headers.get("cookie")


def domains_sent(server: FaultServer) -> list[str | None]:
    """The DQODataDomain of each request the server received, None where there was none."""
    found: list[str | None] = []
    for request in server.requests_to(PATH):
        pairs = dict(pair.split("=", 1) for pair in (cookie_of(request) or "").split("; ") if "=" in pair)
        found.append(pairs.get("DQODataDomain"))
    return found


@pytest.fixture
def server():
    # Every answer tries to set another domain: a pool that stored it would send it later.
    with FaultServer() as running:
        running.route(PATH, json_answer([], headers={"Set-Cookie": "DQODataDomain=from_the_server; Path=/"}))
        yield running


def test_client_domain_is_sent_on_every_call(server):
    with Client(server.base_url, data_domain="sales") as dqops:
        assert dqops.data_domain == "sales"
        get_all_connections.sync(client=dqops)
        get_all_connections.sync(client=dqops)
    assert domains_sent(server) == ["sales", "sales"]


def test_a_view_beside_a_plain_client_in_one_pool(server):
    with Client(server.base_url) as dqops:
        marketing = dqops.with_options(data_domain="marketing")
        get_all_connections.sync(client=dqops)
        get_all_connections.sync(client=marketing)
        get_all_connections.sync(client=dqops)
        assert marketing.get_httpx_client() is dqops.get_httpx_client()
    assert domains_sent(server) == [None, "marketing", None]
    assert dqops.data_domain is None and marketing.data_domain == "marketing"


def test_view_keeps_the_clients_other_cookies_and_replaces_its_domain(server):
    with Client(server.base_url, cookies={"team": "dq", "DQODataDomain": "old"}) as dqops:
        get_all_connections.sync(client=dqops.with_options(data_domain="finance"))
        get_all_connections.sync(client=dqops)
    first, second = server.requests_to(PATH)
    assert sorted(cookie_of(first).split("; ")) == ["DQODataDomain=finance", "team=dq"]
    assert sorted(cookie_of(second).split("; ")) == ["DQODataDomain=old", "team=dq"]


def test_views_called_concurrently_from_threads(server):
    with AuthenticatedClient(server.base_url, token="k") as dqops:
        views = {name: dqops.with_options(data_domain=name) for name in ("a", "b", "c")}
        views[None] = dqops  # type: ignore[index]
        plan = [name for _ in range(10) for name in views]

        def call(name):
            get_all_connections.sync(client=views[name].with_options(headers={"X-Expect": str(name)}))

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(call, plan))
    requests = server.requests_to(PATH)
    assert len(requests) == len(plan)
    for request, domain in zip(requests, domains_sent(server)):
        expected = request.headers["x-expect"]
        assert (domain or "None") == expected


@pytest.mark.asyncio
async def test_views_called_concurrently_on_one_loop(server):
    async with Client(server.base_url) as dqops:
        views = {"a": dqops.with_options(data_domain="a"), "b": dqops.with_options(data_domain="b"), "None": dqops}
        plan = [name for _ in range(10) for name in views]
        await asyncio.wait_for(
            asyncio.gather(
                *(
                    get_all_connections.asyncio(client=views[name].with_options(headers={"X-Expect": name}))
                    for name in plan
                )
            ),
            10,
        )
    requests = server.requests_to(PATH)
    assert len(requests) == len(plan)
    for request, domain in zip(requests, domains_sent(server)):
        assert (domain or "None") == request.headers["x-expect"]


@pytest.mark.parametrize("bad", ["", "a b", "x;DQODataDomain=y", 'q"', "é", "a,b", "x" * 300, 7, b"sales"])
def test_a_domain_that_cannot_be_a_cookie_is_refused(bad):
    with pytest.raises(errors.ConfigurationError):
        Client("http://dqops.test/", data_domain=bad)
    with pytest.raises(errors.ConfigurationError):
        Client("http://dqops.test/").with_options(data_domain=bad)
