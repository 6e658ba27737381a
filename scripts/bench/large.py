"""A large answer through a real call: get_all_connections.sync() answering 60,000 connections
(about 65 MB of JSON) from server.py, ours against upstream's same call and against json.loads
of the same bytes. Time, and the peak memory of the call.

Each call runs in a new worker process of its own side's environment (worker.py): a process
that made one such call keeps most of its memory in Python's allocators, which would hide part
of the next call's. Each worker first makes a small call of the same operation on a second
server, so both sides have imported and warmed up what the call uses. The rounds interleave
the sides in shuffled order.

Peak memory is the peak resident memory (RSS) of the worker during the call, above its resident
memory just before it: on Linux, VmHWM reset through /proc/self/clear_refs right before the
call. That is what the machine must have free for the call: the body's bytes, the JSON decoded
from them, the models, and what Python's allocators hold on to and the allocator keeps, which a
count of Python's own allocations (tracemalloc) would leave out. tracemalloc would also slow
the call down two- to threefold, so that time and memory could not come from the same call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .calls import GET_ROUTE, TOKEN
from .calls import write_routes as write_small_routes
from .common import OURS_PYTHON, Impl, Row, Stats, Worker, interleaved, med_min, paired_ratio, verdict
from .payloads import Payload
from .server import ServerProcess, write_routes

TARGET_TIME = 0.5  # ours <= 0.5x upstream's time
TARGET_MEMORY = 1.0  # ours <= upstream's peak memory
CALL_SECONDS = 600.0  # one call's bound: upstream takes tens of seconds on a busy machine


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def megabytes(value: float) -> str:
    return f"+{value / 1e6:.0f} MB"


def one_call(impl: Impl, kind: str, scratch: Path, base_url: str, warm_url: str) -> dict[str, Any]:
    """A new worker of `impl`'s environment, warmed up, makes one large call of `kind` ("sdk" or
    "json_loads") and exits."""
    with Worker(impl, scratch) as worker:
        worker.call("large_setup", base_url=base_url, warm_url=warm_url, token=TOKEN)
        return worker.call("large_call", timeout=CALL_SECONDS, impl=kind)


def sides(impls: Sequence[Impl]) -> dict[str, tuple[Impl, str]]:
    """Each side by name: ours and upstream making the call, and json.loads in ours's environment."""
    by_name = {impl.name: impl for impl in impls}
    chosen = {name: (by_name[name], "sdk") for name in ("ours", "upstream") if name in by_name}
    floor_impl = by_name.get("ours") or next(iter(by_name.values()))
    chosen["floor"] = (floor_impl, "json_loads")
    return chosen


def check_result(side: str, result: dict[str, Any], payload: Payload) -> None:
    """Every side read every item, as models (or dicts for json.loads): the numbers are of whole answers."""
    expected = "dict" if side == "floor" else payload.model
    if result["items"] != len(payload.value) or result["item_type"] != expected:
        raise RuntimeError(
            f"large answer, {side}: read {result['items']} {result['item_type']}, not {len(payload.value)} {expected}"
        )


def bench_large(impls: Sequence[Impl], payload: Payload, scratch: Path, rounds: int) -> list[Row]:
    """The time row and the peak memory row of one large list answer (payloads.connections())."""
    body = payload.to_bytes()
    big_routes = write_routes(scratch, "large", {GET_ROUTE: body})
    small_routes = write_small_routes(scratch)
    chosen = sides(impls)
    with ServerProcess(OURS_PYTHON, big_routes) as big, ServerProcess(OURS_PYTHON, small_routes) as small:
        tasks: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            (side, lambda impl=impl, kind=kind: one_call(impl, kind, scratch, big.base_url, small.base_url))
            for side, (impl, kind) in chosen.items()
        ]
        results = interleaved(rounds, tasks)
    for side, side_results in results.items():
        for result in side_results:
            check_result(side, result, payload)
    times = {side: [result["seconds"] for result in values] for side, values in results.items()}
    memory = {side: [result["peak_above_start"] for result in values] for side, values in results.items()}
    size = f"{len(payload.value):,} connections, {len(body) / 1e6:.1f} MB"
    peak_reset = all(result["peak_reset"] for values in results.values() for result in values)
    data = {"bytes": len(body), "results": results, "description": payload.description}
    time_row = _row("time", f"large answer: {size}, time of the call", times, seconds, TARGET_TIME, data)
    memory_row = _row("memory", f"large answer: {size}, peak memory", memory, megabytes, TARGET_MEMORY, data)
    memory_row.data["notes"] = [
        "the worker's peak resident memory during the call above its resident memory just "
        + ("before it (VmHWM reset before the call)" if peak_reset else "before it, from getrusage's ru_maxrss")
        + "; json.loads's from before fetching the bytes it decodes; one new worker per call and side"
    ]
    return [time_row, memory_row]


def _row(
    what: str,
    benchmark: str,
    samples: dict[str, list[float]],
    unit: Callable[[float], str],
    target: float,
    data: dict[str, Any],
) -> Row:
    """ours against the floor (json.loads) and upstream, each ratio the median of per-round ratios."""
    stats = {side: Stats.of(values) for side, values in samples.items()}
    row = Row(group="large", benchmark=benchmark, ours="-", floor=f"json.loads {med_min(stats['floor'], unit)}")
    row.data = {**data, "what": what}
    if "ours" in samples:
        ratio = paired_ratio(samples["ours"], samples["floor"])
        row.ours = med_min(stats["ours"], unit)
        row.ratio = f"{ratio:.2f}x"
        row.data["ours_vs_floor"] = ratio
    if "upstream" in samples:
        row.upstream = med_min(stats["upstream"], unit)
    comparison = "ours <= upstream" if target == 1.0 else f"ours <= {target:g}x upstream"
    row.target = comparison
    if "ours" in samples and "upstream" in samples:
        ours_vs_upstream = paired_ratio(samples["ours"], samples["upstream"])
        row.vs_upstream = f"{1 / ours_vs_upstream:.2f}x"
        row.status = verdict(ours_vs_upstream <= target)
        row.data["ours_vs_upstream"] = ours_vs_upstream
        row.data["measured"] = f"ours/upstream {ours_vs_upstream:.2f}x"
    else:
        row.status = "SKIP"
    return row
