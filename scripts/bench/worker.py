"""A timing worker, run inside one environment: ours (.venv) or upstream's (.bench-venv-upstream).

It imports only the standard library, httpx and the `dqops` of the interpreter running it, so
the same file measures our SDK and upstream's client (same module and class names). It
reads one JSON command per line on stdin and answers one JSON line on stdout:
{"result": ...} or {"error": "..."}. The orchestrator (run.py) sends one repetition at a
time to each side in turn, so the sides interleave. It exits when stdin closes.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import importlib
import io
import json
import os
import pstats
import sys
import time
import traceback
import tracemalloc
from typing import Any

# Bounds of what one command may ask for.
MAX_CALLS = 20_000
MAX_REPS = 1_000
TIMEOUT_SECONDS = 60.0


def _python_copy(value: Any) -> Any:
    """A copy of a JSON tree in plain Python: one call and one new dict or list per container."""
    if type(value) is dict:
        return {key: _python_copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_python_copy(item) for item in value]
    return value


def _rss_bytes() -> int:
    """The process's resident memory now (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak_rss() -> bool:
    """Reset the process's peak resident memory (VmHWM) to its resident memory now (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _peak_rss_bytes() -> int:
    """The process's peak resident memory so far: VmHWM, else getrusage's ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss if sys.platform == "darwin" else maxrss * 1024


class Worker:
    def __init__(self) -> None:
        self.large: dict[str, Any] = {}
        self.payloads: dict[str, dict[str, Any]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.http: dict[str, Any] = {}
        # The arguments of the SDK's client and of raw httpx's, to make new ones alike.
        self.sdk_args: dict[str, Any] = {}
        self.raw_args: dict[str, Any] = {}

    # Facts.

    def info(self) -> dict[str, Any]:
        import attrs
        import httpx

        import dqops

        return {
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "dqops": os.path.dirname(os.path.abspath(dqops.__file__ or "")),
            "httpx": httpx.__version__,
            "attrs": attrs.__version__,
        }

    # Parsing.

    def parse_load(self, name: str, path: str, model: str, is_list: bool) -> dict[str, Any]:
        models = importlib.import_module("dqops.client.models")
        cls = getattr(models, model)
        with open(path, "rb") as handle:
            raw = handle.read()
        data = json.loads(raw)
        entry = {"raw": raw, "cls": cls, "is_list": is_list, "data": data}
        self.payloads[name] = entry
        objects = self._from_dict(entry)
        entry["objects"] = objects
        dumped = self._to_dict(entry)
        return {"bytes": len(raw), "roundtrip_equal": dumped == data}

    @staticmethod
    def _from_dict(entry: dict[str, Any]) -> Any:
        cls = entry["cls"]
        if entry["is_list"]:
            return [cls.from_dict(item) for item in entry["data"]]
        return cls.from_dict(entry["data"])

    @staticmethod
    def _to_dict(entry: dict[str, Any]) -> Any:
        if entry["is_list"]:
            return [item.to_dict() for item in entry["objects"]]
        return entry["objects"].to_dict()

    def _parse_task(self, name: str, phase: str) -> Any:
        entry = self.payloads[name]
        if phase == "json_loads":
            raw = entry["raw"]
            return lambda: json.loads(raw)
        if phase == "python_copy":
            data = entry["data"]
            return lambda: _python_copy(data)
        if phase == "from_dict":
            return lambda: self._from_dict(entry)
        if phase == "to_dict":
            return lambda: self._to_dict(entry)
        raise ValueError(f"unknown phase {phase!r}")

    def parse_time(self, name: str, phase: str, reps: int = 1) -> list[float]:
        """Seconds of each of `reps` runs of one phase (a collection runs before each, untimed).

        Each run's result lives until the clock has stopped: freeing it is the cost of the
        caller dropping it, not of the call, and about the same for every side.
        """
        task = self._parse_task(name, phase)
        times = []
        for _ in range(min(reps, MAX_REPS)):
            gc.collect()
            start = time.perf_counter()
            result = task()
            times.append(time.perf_counter() - start)
            del result
        return times

    def parse_memory(self, name: str) -> dict[str, int]:
        """Bytes kept alive by the decoded models of a payload, and by json.loads' tree of it.

        Traced from the bytes on, so the strings and numbers the models keep count too; the
        JSON tree is dropped before the models are counted, as after a parsed answer.
        """
        entry = self.payloads[name]
        gc.collect()
        tracemalloc.start()
        try:
            data = json.loads(entry["raw"])
            json_tree = tracemalloc.get_traced_memory()[0]
            objects = self._from_dict({**entry, "data": data})
            del data
            gc.collect()
            models = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        del objects
        return {"models": models, "json_tree": json_tree}

    def profile(self, kind: str, top: int = 25, **args: Any) -> str:
        """cProfile of one run of a parse phase or an HTTP batch: the top functions by own time."""
        if kind == "parse":
            task = self._parse_task(args["name"], args["phase"])
        elif kind == "http":
            task = lambda: self.http_time(args["impl"], args["call"], args["mode"], args["n"])
        else:
            raise ValueError(f"unknown kind {kind!r}")
        profiler = cProfile.Profile()
        gc.collect()
        profiler.enable()
        task()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
        return out.getvalue()

    # HTTP calls.

    def http_setup(self, base_url: str, token: str, run_checks_body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        from dqops.client import AuthenticatedClient
        from dqops.client.api.connections import get_all_connections
        from dqops.client.api.jobs import run_checks
        from dqops.client.models import RunChecksParameters

        self.loop = asyncio.new_event_loop()
        headers = {"Authorization": f"Bearer {token}"}
        # One generous timeout for every client: 1,000 queued calls on a busy 2-core machine can
        # wait longer than httpx's default 5 s for a pooled connection (PoolTimeout).
        timeout = httpx.Timeout(TIMEOUT_SECONDS)
        self.sdk_args = {"base_url": base_url, "token": token, "timeout": timeout}
        self.raw_args = {"base_url": base_url, "headers": headers, "timeout": timeout}
        self.http = {
            "sdk": AuthenticatedClient(**self.sdk_args),
            "raw_sync": httpx.Client(**self.raw_args),
            "raw_async": httpx.AsyncClient(**self.raw_args),
            "get_all_connections": get_all_connections,
            "run_checks": run_checks,
            "params": RunChecksParameters.from_dict(run_checks_body),
            "body": run_checks_body,
        }
        return self.http_check()

    def _one_call(self, impl: str, call: str, mode: str, clients: dict[str, Any] | None = None) -> Any:
        """A function (sync) or coroutine function (async) doing one call, on the clients of
        http_setup() or on those of `clients` ("sdk", "raw_async")."""
        h = {**self.http, **(clients or {})}
        sdk, raw_sync, raw_async = h["sdk"], h["raw_sync"], h["raw_async"]
        get_all, run_checks, params, body = h["get_all_connections"], h["run_checks"], h["params"], h["body"]
        if impl == "sdk":
            if call == "get":
                return (lambda: get_all.sync(client=sdk)) if mode == "sync" else (lambda: get_all.asyncio(client=sdk))
            if mode == "sync":
                return lambda: run_checks.sync(client=sdk, json_body=params)
            return lambda: run_checks.asyncio(client=sdk, json_body=params)
        if impl == "raw":
            if mode == "sync":
                if call == "get":
                    return lambda: raw_sync.get("/api/connections").json()
                return lambda: raw_sync.post("/api/jobs/runchecks", json=body).json()

            if call == "get":

                async def raw_get() -> Any:
                    return (await raw_async.get("/api/connections")).json()

                return raw_get

            async def raw_post() -> Any:
                return (await raw_async.post("/api/jobs/runchecks", json=body)).json()

            return raw_post
        raise ValueError(f"unknown impl {impl!r}")

    def http_check(self) -> dict[str, str]:
        """One call of each kind; what it returned (so a benchmark never times error answers)."""
        seen = {}
        for impl in ("sdk", "raw"):
            for call in ("get", "post"):
                for mode in ("sync", "async"):
                    one = self._one_call(impl, call, mode)
                    value = one() if mode == "sync" else self.loop.run_until_complete(one())
                    if value is None:
                        raise RuntimeError(f"{impl} {call} {mode}: no parsed answer")
                    inner = type(value[0]).__name__ if isinstance(value, list) and value else ""
                    seen[f"{impl} {call} {mode}"] = type(value).__name__ + (f"[{inner}]" if inner else "")
        return seen

    def http_time(self, impl: str, call: str, mode: str, n: int) -> float:
        """Seconds per call of `n` calls in a row."""
        n = max(1, min(n, MAX_CALLS))
        one = self._one_call(impl, call, mode)
        if mode == "sync":
            start = time.perf_counter()
            for _ in range(n):
                one()
            return (time.perf_counter() - start) / n

        async def batch() -> float:
            start = time.perf_counter()
            for _ in range(n):
                await one()
            return time.perf_counter() - start

        return self.loop.run_until_complete(batch()) / n

    def http_pair(self, call: str, mode: str, n: int, block: int = 10) -> list[float]:
        """Seconds per call of the SDK and of raw httpx, `n` calls each, alternating in blocks of
        `block` calls: both see the same moments of the shared machine."""
        n = max(1, min(n, MAX_CALLS))
        block = max(1, min(block, n))
        sides = (self._one_call("sdk", call, mode), self._one_call("raw", call, mode))
        blocks = [(index, min(block, n - first)) for index, first in enumerate(range(0, n, block))]
        totals = [0.0, 0.0]
        perf_counter = time.perf_counter
        if mode == "sync":
            for index, count in blocks:
                for side in (0, 1) if index % 2 == 0 else (1, 0):
                    one = sides[side]
                    start = perf_counter()
                    for _ in range(count):
                        one()
                    totals[side] += perf_counter() - start
        else:

            async def run() -> None:
                for index, count in blocks:
                    for side in (0, 1) if index % 2 == 0 else (1, 0):
                        one = sides[side]
                        start = perf_counter()
                        for _ in range(count):
                            await one()
                        totals[side] += perf_counter() - start

            self.loop.run_until_complete(run())
        return [totals[0] / n, totals[1] / n]

    def gather_time(self, impl: str, n: int, warm: int = 100) -> float:
        """Seconds for `n` concurrent small GETs on one client (asyncio.gather).

        Each round makes a new client (SDK or raw httpx, as set up) and warms it with an untimed
        gather of `warm` calls. On a client kept from round to round, the time of a round
        depended on what ran before it, by up to 1.5x: whether it was this client or the other.
        """
        import httpx

        from dqops.client import AuthenticatedClient

        n = max(1, min(n, MAX_CALLS))

        async def run() -> float:
            clients = {"sdk": AuthenticatedClient(**self.sdk_args), "raw_async": httpx.AsyncClient(**self.raw_args)}
            one = self._one_call(impl, "get", "async", clients)
            try:
                if warm:
                    await asyncio.gather(*(one() for _ in range(min(warm, n))))
                start = time.perf_counter()
                results = await asyncio.gather(*(one() for _ in range(n)))
                elapsed = time.perf_counter() - start
            finally:
                await clients["sdk"].get_async_httpx_client().aclose()
                await clients["raw_async"].aclose()
            if any(result is None for result in results):
                raise RuntimeError(f"{impl}: a concurrent call had no parsed answer")
            return elapsed

        return self.loop.run_until_complete(run())

    # A large answer: one call in a worker of its own (run.py starts a new one for each).

    def large_setup(self, base_url: str, warm_url: str, token: str) -> dict[str, Any]:
        """Clients for one large call, after a small call of the same operation on another server
        (warm_url) has imported and warmed up what the call uses, as in a program that has made
        calls before. The process's resident memory after that is the baseline of large_call()."""
        import httpx

        from dqops.client import AuthenticatedClient
        from dqops.client.api.connections import get_all_connections

        timeout = httpx.Timeout(TIMEOUT_SECONDS)
        with AuthenticatedClient(base_url=warm_url, token=token, timeout=timeout) as warm:
            warmed = get_all_connections.sync(client=warm)
            with httpx.Client(base_url=warm_url, timeout=timeout) as raw:
                json.loads(raw.get("/api/connections").content)
        self.large = {
            "sdk": AuthenticatedClient(base_url=base_url, token=token, timeout=timeout),
            "raw": httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout),
            "get_all_connections": get_all_connections,
        }
        return {"warmed_with": len(warmed or [])}

    def large_call(self, impl: str) -> dict[str, Any]:
        """One call of the large answer: its seconds, and the peak resident memory (RSS) of the
        process during it, above the resident memory just before it.

        impl "sdk": get_all_connections.sync(), the answer parsed into models. impl "json_loads":
        the same bytes fetched with raw httpx, then json.loads of them; its seconds are those of
        json.loads alone, its memory from before the fetch (it holds the bytes and the JSON tree,
        as a call holds the bytes and its models).
        """
        large = self.large
        gc.collect()
        peak_reset = _reset_peak_rss()
        before = _rss_bytes() if peak_reset else _peak_rss_bytes()
        if impl == "sdk":
            get_all_connections, client = large["get_all_connections"], large["sdk"]
            start = time.perf_counter()
            result = get_all_connections.sync(client=client)
            seconds = time.perf_counter() - start
        elif impl == "json_loads":
            content = large["raw"].get("/api/connections").content
            start = time.perf_counter()
            result = json.loads(content)
            seconds = time.perf_counter() - start
        else:
            raise ValueError(f"unknown impl {impl!r}")
        peak = _peak_rss_bytes()
        return {
            "seconds": seconds,
            "peak_above_start": peak - before,
            "rss_before": before,
            "peak_reset": peak_reset,
            "items": len(result),
            "item_type": type(result[0]).__name__ if result else "",
        }

    def close(self) -> None:
        if self.large:
            self.large["sdk"].get_httpx_client().close()
            self.large["raw"].close()
            self.large = {}
        if not self.http:
            return
        self.http["raw_sync"].close()
        self.http["sdk"].get_httpx_client().close()
        if self.loop is not None:
            self.loop.run_until_complete(self.http["raw_async"].aclose())
            self.loop.run_until_complete(self.http["sdk"].get_async_httpx_client().aclose())
            self.loop.close()
        self.http = {}


def main() -> int:
    worker = Worker()
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            op = command.pop("op")
            try:
                if op.startswith("_") or op in ("close",):
                    raise ValueError(f"unknown op {op!r}")
                result = getattr(worker, op)(**command)
                reply = {"result": result}
            except Exception as exc:  # noqa: BLE001 (reported to the orchestrator, which stops)
                reply = {"error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"}
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()
    finally:
        worker.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
