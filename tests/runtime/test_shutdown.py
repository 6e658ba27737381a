"""Clean shutdown: close() / aclose() work from any thread or loop after any history, and a
client used across several event loops leaks nothing.

Against the real local fault server (tests/support/fault_server.py), counting this process's open file
descriptors (/proc/self/fd: the client's sockets, and the server's end of each connection,
which it closes once the client has closed its own) and recording every ResourceWarning
("unclosed transport", "unclosed socket") and every exception ignored in a destructor.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from support.fault_server import FaultServer, json_answer

from dqops.client import AuthenticatedClient
from dqops.client.api.connections import get_all_connections

CONNECTIONS = "/api/connections"
TOKEN = "dqops-secret-token-5f1e9a"
SETTLE_SECONDS = 2.0


def make_client(server: FaultServer) -> AuthenticatedClient:
    server.route(CONNECTIONS, json_answer([{"connection_name": "a"}]))
    return AuthenticatedClient(server.base_url, token=TOKEN, timeout=5.0)


async def work(dqops: AuthenticatedClient) -> None:
    # Three calls at once: three pooled connections.
    results = await asyncio.gather(*(get_all_connections.asyncio(client=dqops) for _ in range(3)))
    assert [[c.connection_name for c in result] for result in results] == [["a"]] * 3


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def settled_fds(target: int) -> int:
    """The count of open descriptors once it drops to `target` (the server closes its end of a
    connection within its poll interval), or after SETTLE_SECONDS."""
    deadline = time.monotonic() + SETTLE_SECONDS
    count = open_fds()
    while count > target and time.monotonic() < deadline:
        time.sleep(0.02)
        count = open_fds()
    return count


@contextmanager
def no_unclosed_resources() -> Iterator[None]:
    """Fail on any ResourceWarning, and on any exception raised in a destructor, until the end
    of the block and a garbage collection."""
    ignored: list[Any] = []
    previous_hook = sys.unraisablehook
    sys.unraisablehook = ignored.append
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            yield
            gc.collect()
    finally:
        sys.unraisablehook = previous_hook
    resource_warnings = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert not resource_warnings, resource_warnings
    assert not ignored, [f"{entry.exc_type.__name__}: {entry.exc_value} in {entry.object!r}" for entry in ignored]


def test_several_asyncio_runs_leak_no_file_descriptors(server):
    dqops = make_client(server)
    with no_unclosed_resources():
        baseline = open_fds()
        for _ in range(3):
            asyncio.run(work(dqops))
            # No garbage collection: the pool was closed on its loop, as that loop shut down.
            assert settled_fds(baseline) == baseline
        dqops.close()
    assert server.connections_accepted == 9


def test_aclose_after_the_loop_ended(server):
    dqops = make_client(server)
    with no_unclosed_resources():
        baseline = open_fds()
        asyncio.run(work(dqops))
        asyncio.run(dqops.aclose())
        dqops.close()
        asyncio.run(work(dqops))  # a closed client opens new connections
        asyncio.run(dqops.aclose())
        assert settled_fds(baseline) == baseline


@pytest.mark.parametrize("closing", ["close", "aclose in a new loop", "a call in a new loop"])
def test_a_loop_closed_without_shutdown_has_its_sockets_closed_without_it(server, closing):
    """loop.close() without shutdown_asyncgens(): the pool's loop can no longer close it."""
    dqops = make_client(server)
    with no_unclosed_resources():
        baseline = open_fds()
        loop = asyncio.new_event_loop()
        loop.run_until_complete(work(dqops))
        loop.close()
        assert open_fds() >= baseline + 3  # the three pooled connections are open
        if closing == "close":
            dqops.close()
        elif closing == "aclose in a new loop":
            asyncio.run(dqops.aclose())
        else:
            asyncio.run(work(dqops))  # the new loop's pool replaces the dead one's
        assert settled_fds(baseline) == baseline
        dqops.close()


def test_close_from_another_thread_closes_the_pool_of_a_running_loop(server):
    dqops = make_client(server)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    with no_unclosed_resources():
        thread.start()
        try:
            baseline = open_fds()
            asyncio.run_coroutine_threadsafe(work(dqops), loop).result(10)
            assert open_fds() >= baseline + 3
            dqops.close()  # from this thread, while the pool's loop runs in the other one
            assert settled_fds(baseline) == baseline
            asyncio.run(work(dqops))  # and another loop, here, gets its own pool
            asyncio.run_coroutine_threadsafe(work(dqops), loop).result(10)
            asyncio.run(dqops.aclose())  # from a third loop: closes the running loop's pool too
            assert settled_fds(baseline) == baseline
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()


def test_close_called_by_code_running_on_the_pools_loop(server):
    """A sync close() inside a coroutine (a `with client:` block in async code) cannot await:
    the pool is closed by a task on its loop."""
    dqops = make_client(server)

    async def main() -> tuple[int, int]:
        baseline = open_fds()  # the loop's own descriptors included
        await work(dqops)
        dqops.close()
        await asyncio.sleep(0.1)  # the closing task runs
        return baseline, settled_fds(baseline)

    with no_unclosed_resources():
        baseline, after = asyncio.run(main())
        assert after == baseline


def test_close_runs_an_idle_loop_to_close_its_pool(server):
    dqops = make_client(server)
    loop = asyncio.new_event_loop()
    with no_unclosed_resources():
        baseline = open_fds()
        loop.run_until_complete(work(dqops))
        dqops.close()  # the loop neither runs nor is closed
        assert settled_fds(baseline) == baseline
        loop.close()


def test_sync_pool_closes_from_another_thread(server):
    dqops = make_client(server)
    with no_unclosed_resources():
        baseline = open_fds()
        get_all_connections.sync(client=dqops)
        closer = threading.Thread(target=dqops.close)
        closer.start()
        closer.join(10)
        assert settled_fds(baseline) == baseline
