"""The pooled httpx clients of a DQOps client: one for sync calls, one per event loop for async ones.

The connections of an `httpx.AsyncClient` belong to the event loop that opened them: they can
neither serve nor be closed from another loop. So each loop that makes calls gets its own
pool, and each pool is closed on its own loop:

- when that loop shuts down through `asyncio.run()` (or `asyncio.Runner`, pytest-asyncio...):
  the pool registers an async generator with the loop, which `loop.shutdown_asyncgens()`
  closes while the loop still runs, and closing it closes the pool;
- by `close()` / `aclose()`, from any thread or loop: on the pool's own loop when it runs (in
  this thread, awaited or as a task; in another thread, through `run_coroutine_threadsafe`),
  by running an idle loop briefly, or, for a loop that is already closed, by closing the
  pool's sockets directly: its loop can no longer do it.

A process forked from one that made calls (Gunicorn, Celery prefork, multiprocessing) inherits
the pools' sockets, which the parent goes on using. In the child, every pool forgets its
connections (os.register_at_fork), and the child's calls open connections of their own. The
child's copies of the sync pool's file descriptors are closed, which sends nothing, as the
parent still holds them (no shutdown(), no TLS close_notify, no HTTP/2 GOAWAY); nothing is
written or read on any of them. The pools are found through weak references, which do not keep
a client alive.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop, Semaphore, Task

# How long close() waits for a pool's own loop, running in another thread, to close it.
CLOSE_WAIT_SECONDS = 5.0

# Tasks that close a pool on a loop running in this thread (close() cannot await them): kept
# until done, as the event loop holds only weak references to its tasks.
_closing_tasks: set[Task[None]] = set()


class AsyncPool:
    """The httpx.AsyncClient one event loop's calls share, and the limit of its requests in flight."""

    __slots__ = ("client", "closed", "closer", "loop", "slots")

    def __init__(self, client: httpx.AsyncClient, loop: AbstractEventLoop, slots: Semaphore | None) -> None:
        self.client = client
        self.loop = loop
        self.slots = slots
        self.closed = False
        # Registered with the loop on the first call (see watch_loop_shutdown).
        self.closer: AsyncGenerator[None, None] | None = None


async def _close_at_loop_shutdown(pool: AsyncPool) -> AsyncGenerator[None, None]:
    """Suspended at its yield until the loop's shutdown_asyncgens() closes it; then closes the pool."""
    try:
        yield
    finally:
        if not pool.closed:
            pool.closed = True
            await pool.client.aclose()


async def watch_loop_shutdown(pool: AsyncPool) -> None:
    """Register the pool's closer with the running loop (asyncio's first-iteration hook)."""
    closer = _close_at_loop_shutdown(pool)
    pool.closer = closer
    await closer.__anext__()


def _finish_closer(pool: AsyncPool) -> None:
    """End the closer without awaiting anything (the pool is closed already), so that neither the
    loop's shutdown nor the garbage collector ever needs the loop for it."""
    pool.closed = True
    closer, pool.closer = pool.closer, None
    if closer is None:
        return
    step = closer.aclose()
    try:
        step.send(None)
    except StopIteration:
        pass
    except RuntimeError:  # running: it is closing the pool on its loop right now
        step.close()


async def _aclose_on_own_loop(pool: AsyncPool) -> None:
    pool.closed = True
    try:
        await pool.client.aclose()
    finally:
        _finish_closer(pool)


def _start_closing(pool: AsyncPool) -> None:
    """On the pool's loop: close it in a task."""
    task = pool.loop.create_task(_aclose_on_own_loop(pool))
    _closing_tasks.add(task)
    task.add_done_callback(_closing_tasks.discard)


def httpx_transports(client: httpx.Client | httpx.AsyncClient) -> list[Any]:
    """The transports of an httpx client: its own and those of its mounts (proxies), from httpx
    0.28's private attributes, each looked up with a default."""
    candidates = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    return [transport for transport in candidates if transport is not None]


def _network_streams(client: httpx.Client | httpx.AsyncClient) -> Iterator[Any]:
    """The network streams of the client's pooled connections.

    httpx and httpcore expose no public way down to them: this follows their attributes (httpx
    0.28, httpcore 1.0), each looked up with a default, and yields nothing where one is missing.
    """
    for transport in httpx_transports(client):
        pool = getattr(transport, "_pool", None)
        for connection in list(getattr(pool, "connections", None) or []):
            # An HTTPConnection wraps the HTTP/1.1 or HTTP/2 connection; a proxy's wraps one more.
            for _ in range(3):
                stream = getattr(connection, "_network_stream", None)
                if stream is not None:
                    yield stream
                    break
                connection = getattr(connection, "_connection", None)


def _asyncio_transport(stream: Any) -> Any:
    """The asyncio transport under an httpcore async network stream (anyio 4), or None."""
    byte_stream = getattr(stream, "_stream", None)
    byte_stream = getattr(byte_stream, "transport_stream", byte_stream)  # under TLS
    return getattr(byte_stream, "_transport", None)


def _asyncio_transports(client: httpx.AsyncClient) -> Iterator[Any]:
    """The asyncio transports under the client's pooled connections."""
    for stream in _network_streams(client):
        asyncio_transport = _asyncio_transport(stream)
        if asyncio_transport is not None:
            yield asyncio_transport


def _forget_inherited_connections(client: httpx.Client | httpx.AsyncClient) -> None:
    """In a forked child: empty the client's connection pools (see the module's docstring). The
    client itself, and its settings, stay as they are.

    The child's copies of sync sockets are closed. Async ones are left open: they belong to the
    parent's event loop, whose copy in the child still lists their file descriptors, and only a
    call on that loop could remove them, which would change the epoll set the parent shares.
    """
    for stream in _network_streams(client):
        if _asyncio_transport(stream) is None:
            with contextlib.suppress(Exception):  # a best effort on objects the parent owns
                stream.get_extra_info("socket").close()
    for transport in httpx_transports(client):
        pool = getattr(transport, "_pool", None)
        if pool is None or not hasattr(pool, "_connections"):
            continue
        pool._connections = []
        pool._requests = []  # requests of the parent's threads, which the child does not have
        lock = getattr(pool, "_optional_thread_lock", None)
        if lock is not None:
            pool._optional_thread_lock = type(lock)()  # a parent's thread may have held it at the fork


def _close_without_loop(pool: AsyncPool) -> None:
    """Close the sockets of a pool whose loop is closed, as asyncio would have: a closed loop
    cannot run the transports' own close(), and left to the garbage collector each would warn
    "unclosed transport"."""
    pool.closed = True
    for transport in _asyncio_transports(pool.client):
        if getattr(transport, "_sock", None) is None:
            continue
        try:
            # What the loop calls once a transport is closed: closes the socket, drops the protocol.
            transport._call_connection_lost(None)
        except Exception:  # noqa: BLE001 - a best effort on a dead loop's objects
            transport._sock.close()
            transport._sock = None
    _finish_closer(pool)


def running_loop() -> AbstractEventLoop | None:
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _closed_without_a_loop(pool: AsyncPool) -> bool:
    """Settle a pool that needs no loop: closed already, or whose loop is closed (its sockets are
    closed directly). False when its loop must close it."""
    if pool.closed or pool.client.is_closed:
        _finish_closer(pool)
        return True
    if pool.loop.is_closed():
        _close_without_loop(pool)
        return True
    return False


def discard(pool: AsyncPool) -> None:
    """Close `pool` from synchronous code (close()), whatever the state of its loop."""
    if _closed_without_a_loop(pool):
        return
    loop = pool.loop
    current = running_loop()
    if loop is current:
        _start_closing(pool)  # close() called from code running on that loop: cannot await here
        return
    if loop.is_running():
        import asyncio

        future = asyncio.run_coroutine_threadsafe(_aclose_on_own_loop(pool), loop)
        # The loop may stop or be stuck: there is nothing more to do from here.
        with contextlib.suppress(Exception):
            future.result(CLOSE_WAIT_SECONDS)
        return
    if current is None and _run_idle_loop_to_close(pool):
        return
    loop.call_soon_threadsafe(_start_closing, pool)  # when that loop runs again


def _run_idle_loop_to_close(pool: AsyncPool) -> bool:
    """Run the pool's loop, which neither runs nor is closed, until it has closed the pool."""
    closing = _aclose_on_own_loop(pool)
    try:
        pool.loop.run_until_complete(closing)
    except RuntimeError:  # another thread started the loop meanwhile
        closing.close()
        return False
    return True


async def adiscard(pool: AsyncPool) -> None:
    """Close `pool` from a coroutine (aclose()) running on any loop."""
    if _closed_without_a_loop(pool):
        return
    import asyncio

    loop = pool.loop
    if loop is asyncio.get_running_loop():
        await _aclose_on_own_loop(pool)
    elif loop.is_running():
        future = asyncio.run_coroutine_threadsafe(_aclose_on_own_loop(pool), loop)
        with contextlib.suppress(Exception):  # as in discard()
            await asyncio.wait_for(asyncio.wrap_future(future), CLOSE_WAIT_SECONDS)
    else:
        loop.call_soon_threadsafe(_start_closing, pool)


class Pools:
    """The httpx clients shared by a client and the views `with_options()` makes of it."""

    __slots__ = ("__weakref__", "async_pools", "lock", "sync_client", "unbound_async")

    def __init__(self) -> None:
        self.sync_client: httpx.Client | None = None
        self.async_pools: dict[AbstractEventLoop, AsyncPool] = {}
        # An AsyncClient given or asked for outside any loop: the first loop that calls uses it.
        self.unbound_async: httpx.AsyncClient | None = None
        self.lock = threading.Lock()
        _live_pools.add(self)

    def forget_inherited(self) -> None:
        """In a forked child: drop every connection inherited from the parent, without touching
        the parent's (see the module's docstring). The sync client and an unbound async one are
        kept, with empty pools; the pools of the parent's event loops are dropped, as those loops
        cannot run in the child."""
        self.lock = threading.Lock()  # a parent's thread may have held it at the fork
        for client in (self.sync_client, self.unbound_async):
            if client is not None:
                _forget_inherited_connections(client)
        async_pools, self.async_pools = list(self.async_pools.values()), {}
        for pool in async_pools:
            _forget_inherited_connections(pool.client)
            _finish_closer(pool)

    def pool_for(
        self, loop: AbstractEventLoop, make_client: Callable[[], httpx.AsyncClient], limit: int | None
    ) -> AsyncPool:
        """The running loop's pool, made on its first call; pools of loops closed since are closed."""
        import asyncio

        dead: list[AsyncPool] = []
        with self.lock:
            pool = self.async_pools.get(loop)
            if pool is None:
                client, self.unbound_async = self.unbound_async or make_client(), None
                pool = AsyncPool(client, loop, asyncio.Semaphore(limit) if limit else None)
                self.async_pools[loop] = pool
                dead = [other for other in self.async_pools.values() if other.loop.is_closed()]
                for other in dead:
                    del self.async_pools[other.loop]
        for other in dead:
            discard(other)
        return pool

    def replace_async(self, client: httpx.AsyncClient, loop: AbstractEventLoop | None) -> None:
        """Make `client` the pool of `loop` from its next call (of the next loop's, outside one);
        the pool it replaces is closed."""
        with self.lock:
            self.unbound_async = client
            replaced = self.async_pools.pop(loop, None) if loop is not None else None
        if replaced is not None:
            discard(replaced)

    def take_all(self) -> tuple[httpx.Client | None, list[AsyncPool], httpx.AsyncClient | None]:
        with self.lock:
            taken = (self.sync_client, list(self.async_pools.values()), self.unbound_async)
            self.sync_client, self.unbound_async = None, None
            self.async_pools.clear()
        return taken

    def close(self) -> None:
        """Close every pool, from synchronous code in any thread."""
        # An unbound AsyncClient never served this client's calls: dropping it is enough.
        sync_client, async_pools, _unbound = self.take_all()
        if sync_client is not None:
            sync_client.close()
        for pool in async_pools:
            discard(pool)

    async def aclose(self) -> None:
        """Close every pool, from a coroutine on any loop."""
        sync_client, async_pools, unbound = self.take_all()
        if sync_client is not None:
            sync_client.close()
        for pool in async_pools:
            await adiscard(pool)
        if unbound is not None:
            await unbound.aclose()


# Every Pools object alive, for the fork handler; weak, so that it keeps no client alive.
_live_pools: weakref.WeakSet[Pools] = weakref.WeakSet()


def _forget_inherited_pools() -> None:
    for pools in list(_live_pools):
        pools.forget_inherited()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_pools)
