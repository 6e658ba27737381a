"""Per-call overhead against a real HTTP server on 127.0.0.1 (server.py, its own process).

For a small GET (get_all_connections, answering the documented list of connections) and a
POST with a body (run_checks with RunChecksParameters, answering RunChecksQueueJobResult),
sync and asyncio: the SDK's call against raw httpx doing the same request and `.json()`, in
the same worker (same interpreter, same server). Then 1,000 concurrent asyncio calls on one
client (asyncio.gather): throughput against raw httpx.AsyncClient. Upstream's numbers are
taken the same way in its own environment, for reference.
"""

from __future__ import annotations

import json
from pathlib import Path

from .common import Row, Stats, Worker, interleaved, med_min, paired_ratio, us
from .payloads import connections_answer, run_checks_answer, run_checks_request
from .server import write_routes as write_routes_file

TOKEN = "s4mp13_4u7h_70k3n"
KINDS = (("get", "sync"), ("post", "sync"), ("get", "async"), ("post", "async"))
LABELS = {"get": "GET get_all_connections", "post": "POST run_checks"}
TARGET_OVERHEAD = 1.15
TARGET_THROUGHPUT = 0.9


GET_ROUTE = "GET /api/connections"
POST_ROUTE = "POST /api/jobs/runchecks"


def write_routes(folder: Path) -> Path:
    """The server's routes: the documented answers of get_all_connections and run_checks."""
    bodies = {
        GET_ROUTE: json.dumps(connections_answer()).encode(),
        POST_ROUTE: json.dumps(run_checks_answer()).encode(),
    }
    return write_routes_file(folder, "routes", bodies)


def setup_workers(workers: dict[str, Worker], base_url: str, warmup_calls: int) -> dict[str, dict[str, str]]:
    """Make each worker's clients, check every call parses, and warm the connections up."""
    checked = {}
    body = run_checks_request()
    for side, worker in workers.items():
        checked[side] = worker.call("http_setup", base_url=base_url, token=TOKEN, run_checks_body=body)
        for impl in ("sdk", "raw"):
            for call, mode in KINDS:
                worker.call("http_time", impl=impl, call=call, mode=mode, n=warmup_calls)
    return checked


def _pair(worker: Worker, call: str, mode: str, n: int):
    return lambda: worker.call("http_pair", call=call, mode=mode, n=n)


def _gather(worker: Worker, impl: str, n: int):
    return lambda: worker.call("gather_time", impl=impl, n=n)


def bench_per_call(workers: dict[str, Worker], rounds: int, batch: int) -> list[Row]:
    """Each round, each worker makes `batch` SDK calls and `batch` raw httpx calls, alternating
    in blocks of 10; the ratio is the median over rounds of each round's SDK / raw."""
    tasks = []
    for call, mode in KINDS:
        for side, worker in workers.items():
            tasks.append((f"{side}:{call}:{mode}", _pair(worker, call, mode, batch)))
    samples = interleaved(rounds, tasks)
    rows = []
    for call, mode in KINDS:
        row = Row(group="calls", benchmark=f"{mode} {LABELS[call]} per call", ours="-")
        per_side = {}
        for side in workers:
            pairs = samples[f"{side}:{call}:{mode}"]
            per_side[side] = (
                Stats.of([sdk for sdk, _ in pairs]),
                Stats.of([raw for _, raw in pairs]),
                paired_ratio([sdk for sdk, _ in pairs], [raw for _, raw in pairs]),
            )
        if "ours" in per_side:
            ours, raw, ratio = per_side["ours"]
            row.ours = med_min(ours, us)
            row.floor = f"raw {med_min(raw, us)}"
            row.judge(ratio, "ours/raw", TARGET_OVERHEAD)
        if "upstream" in per_side:
            upstream, _, upstream_ratio = per_side["upstream"]
            row.upstream = f"{us(upstream.median)}, {upstream_ratio:.2f}x its raw"
            if "ours" in per_side:
                speedup = paired_ratio(
                    [sdk for sdk, _ in samples[f"upstream:{call}:{mode}"]],
                    [sdk for sdk, _ in samples[f"ours:{call}:{mode}"]],
                )
                row.vs_upstream = f"{speedup:.2f}x"
        rows.append(row)
    return rows


def bench_concurrent(workers: dict[str, Worker], rounds: int, n: int) -> list[Row]:
    """Throughput of `n` concurrent calls: ours and raw httpx in ours's environment, and
    upstream's SDK (its raw httpx is the same httpx version, so it is not run again there)."""
    tasks = []
    for side, worker in workers.items():
        for impl in ("sdk", "raw") if side == "ours" else ("sdk",):
            tasks.append((f"{side}:{impl}", _gather(worker, impl, n)))
    samples = interleaved(rounds, tasks)
    stats = {name: Stats.of(values) for name, values in samples.items()}

    def throughput(name: str) -> str:
        return f"{n / stats[name].median:,.0f}/s (best {n / stats[name].minimum:,.0f})"

    row = Row(group="concurrent", benchmark=f"asyncio.gather {n} GETs, one client", ours="-")
    if "ours" in workers:
        ratio = paired_ratio(samples["ours:raw"], samples["ours:sdk"])
        row.ours = throughput("ours:sdk")
        row.floor = f"raw {throughput('ours:raw')}"
        row.judge(ratio, "throughput ours/raw", TARGET_THROUGHPUT, at_least=True)
    if "upstream" in workers:
        row.upstream = throughput("upstream:sdk")
        if "ours" in workers:
            row.vs_upstream = f"{paired_ratio(samples['upstream:sdk'], samples['ours:sdk']):.2f}x"
    return [row]


def bench_calls(
    workers: dict[str, Worker],
    base_url: str,
    *,
    rounds: int,
    batch: int,
    concurrent: int,
    concurrent_rounds: int,
    warmup_calls: int = 50,
) -> tuple[list[Row], dict[str, dict[str, str]]]:
    checked = setup_workers(workers, base_url, warmup_calls)
    rows = bench_per_call(workers, rounds, batch)
    rows += bench_concurrent(workers, concurrent_rounds, concurrent)
    return rows, checked
