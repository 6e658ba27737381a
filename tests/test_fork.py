"""A client used before os.fork() is safe in both processes: real forks against the local server.

The server answers each call with the number of the TCP connection that carried it
(fault_server.which_connection). The parent makes calls, forks, the child makes calls on the
same client and reports which connections served them through a pipe, and the parent then
calls again. Parent and child must never share a connection, the child's calls must succeed,
and the parent's pooled connection must go on serving it: the child did not close it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import weakref
from collections.abc import Callable

import pytest
from fault_server import FaultServer, which_connection

from dqops._runtime import pools
from dqops.client import AuthenticatedClient, Client
from dqops.client.api.connections import get_all_connections

CONNECTIONS = "/api/connections"
CHILD_EXIT_SECONDS = 10.0

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")


def make_client(server: FaultServer) -> AuthenticatedClient:
    return AuthenticatedClient(server.base_url, token="fork-test-token", raise_on_unexpected_status=True, timeout=3.0)


def served_by(result) -> str:
    (connection,) = result
    return connection.connection_name


def in_child(work: Callable[[], list[str]]) -> list[str]:
    """Fork; run `work` in the child and return what it returned (or fail with its error)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(read_end)
            try:
                report = {"served_by": work()}
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                report = {"error": f"{type(exc).__name__}: {exc}"}
                code = 1
            with os.fdopen(write_end, "w") as pipe:
                json.dump(report, pipe)
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        report = json.loads(pipe.read() or '{"error": "the child reported nothing"}')
    _, status = os.waitpid(pid, 0)
    assert "error" not in report, report["error"]
    assert os.waitstatus_to_exitcode(status) == 0
    return report["served_by"]


def test_sync_client_used_before_a_fork_never_shares_a_connection_with_the_child(server):
    server.route(CONNECTIONS, which_connection())
    with make_client(server) as dqops:
        before = {served_by(get_all_connections.sync(client=dqops)) for _ in range(2)}
        assert before == {"connection-1"}

        child = in_child(lambda: [served_by(get_all_connections.sync(client=dqops)) for _ in range(3)])

        after = served_by(get_all_connections.sync(client=dqops))
    assert len(child) == 3
    assert not set(child) & before, f"the child used the parent's connection: {child}"
    assert len(set(child)) == 1  # the child's calls share its own new connection
    # The parent's pooled connection still serves it: the child did not close or disturb it.
    assert after == "connection-1"
    assert server.connections_accepted == 2


def test_async_client_used_before_a_fork_never_shares_a_connection_with_the_child(server):
    """The child runs the parent's event loop again (its copy), as code that forks between two
    run_until_complete() calls does, and also a new loop of its own."""
    server.route(CONNECTIONS, which_connection())
    dqops = make_client(server)
    loop = asyncio.new_event_loop()
    try:

        async def call() -> str:
            return served_by(await asyncio.wait_for(get_all_connections.asyncio(client=dqops), 5.0))

        before = {loop.run_until_complete(call()) for _ in range(2)}
        assert before == {"connection-1"}

        def child_calls() -> list[str]:
            on_parents_loop = [loop.run_until_complete(call()) for _ in range(2)]
            on_a_new_loop = [asyncio.run(call())]
            return on_parents_loop + on_a_new_loop

        child = in_child(child_calls)

        after = loop.run_until_complete(call())
        loop.run_until_complete(dqops.aclose())
    finally:
        loop.close()
    assert len(child) == 3
    assert not set(child) & before, f"the child used the parent's connection: {child}"
    assert after == "connection-1"


def test_sync_and_async_pools_of_one_client_are_both_forgotten_in_the_child(server):
    server.route(CONNECTIONS, which_connection())
    dqops = make_client(server)
    loop = asyncio.new_event_loop()
    try:
        sync_before = served_by(get_all_connections.sync(client=dqops))
        async_before = loop.run_until_complete(get_all_connections.asyncio(client=dqops))

        def child_calls() -> list[str]:
            sync_call = served_by(get_all_connections.sync(client=dqops))
            async_call = served_by(loop.run_until_complete(get_all_connections.asyncio(client=dqops)))
            return [sync_call, async_call]

        child = in_child(child_calls)
        assert served_by(get_all_connections.sync(client=dqops)) == sync_before
        loop.run_until_complete(dqops.aclose())
    finally:
        loop.close()
    assert not set(child) & {sync_before, served_by(async_before)}


def test_the_fork_handler_keeps_no_client_alive():
    dqops = Client("http://127.0.0.1:9/")
    dqops.get_httpx_client()
    alive = weakref.ref(dqops)
    pools_alive = weakref.ref(dqops._pools)
    del dqops
    gc.collect()
    assert alive() is None
    assert pools_alive() is None


def test_the_child_closes_its_copies_of_the_inherited_sync_sockets(server):
    """The child does not leak the descriptors of the parent's sync connections."""
    server.route(CONNECTIONS, which_connection())
    with make_client(server) as dqops:
        get_all_connections.sync(client=dqops)
        (stream,) = pools._network_streams(dqops.get_httpx_client())
        sock = stream.get_extra_info("socket")
        inherited = (sock.fileno(), os.fstat(sock.fileno()).st_ino)

        def child_holds_it() -> list[str]:
            try:
                return [str(os.fstat(inherited[0]).st_ino == inherited[1])]
            except OSError:
                return ["False"]

        # The fork handler ran before the child's code.
        assert in_child(child_holds_it) == ["False"]
        assert served_by(get_all_connections.sync(client=dqops)) == "connection-1"
