"""from_dict / to_dict of large payloads: ours vs upstream (same bytes, same class names), and
against json.loads of the same bytes. Each side runs in a worker of its own environment; the
orchestrator asks them for one sample at a time, in shuffled order."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

from .common import Row, Stats, Worker, interleaved, med_min, paired_ratio
from .payloads import Payload

PHASES = ("from_dict", "to_dict")
TARGET_SPEEDUP = 2.0


def load_payloads(workers: dict[str, Worker], payloads: Sequence[Payload], folder: Path) -> dict[str, dict[str, dict]]:
    """Write each payload once and have every worker decode it; what each side reported."""
    loaded: dict[str, dict[str, dict]] = {}
    for payload in payloads:
        path = payload.write(folder)
        loaded[payload.name] = {
            side: worker.call(
                "parse_load", name=payload.name, path=str(path), model=payload.model, is_list=payload.is_list
            )
            for side, worker in workers.items()
        }
    return loaded


# Each sample is the median of as many runs in a row as fill about this long (warm-up round):
# a single run of 10 ms on this shared machine varied too much from one round to the next.
SAMPLE_SECONDS = 0.05
MAX_RUNS_PER_SAMPLE = 9


def _timer(worker: Worker, name: str, phase: str, runs: int = 1):
    return lambda: statistics.median(worker.call("parse_time", name=name, phase=phase, reps=runs))


def _runs_per_sample(seconds: float) -> int:
    return max(1, min(MAX_RUNS_PER_SAMPLE, round(SAMPLE_SECONDS / max(seconds, 1e-6))))


def _sample(
    workers: dict[str, Worker], payloads: Sequence[Payload], folder: Path, rounds: int, *, warmup: bool, seed: int
) -> tuple[dict[str, dict[str, dict]], dict[str, list[float]]]:
    """What each side reported loading the payloads, and `rounds` samples of every phase."""
    loaded = load_payloads(workers, payloads, folder)
    floor_side = "ours" if "ours" in workers else next(iter(workers))
    specs = []  # (task name, worker, payload name, phase)
    for payload in payloads:
        specs.append((f"floor:{payload.name}", workers[floor_side], payload.name, "json_loads"))
        specs.append((f"copy:{payload.name}", workers[floor_side], payload.name, "python_copy"))
        for side, worker in workers.items():
            for phase in PHASES:
                specs.append((f"{side}:{payload.name}:{phase}", worker, payload.name, phase))
    runs = dict.fromkeys((spec[0] for spec in specs), 1)
    if warmup:
        warm = interleaved(1, [(task, _timer(worker, name, phase)) for task, worker, name, phase in specs], seed)
        runs = {task: _runs_per_sample(values[0]) for task, values in warm.items()}
    tasks = [(task, _timer(worker, name, phase, runs[task])) for task, worker, name, phase in specs]
    return loaded, interleaved(rounds, tasks, seed)


def bench_parsing(
    new_workers: Callable[[], dict[str, Worker]],
    payloads: Sequence[Payload],
    folder: Path,
    rounds: int,
    *,
    worker_sets: int = 1,
    warmup: bool = True,
) -> list[Row]:
    """Rows per payload and phase. `new_workers()` starts a worker per side ("ours" /
    "upstream"); the floor, json.loads of the same bytes, is timed in ours (the same
    interpreter build in both).

    The rounds are split among `worker_sets` sets of new workers: for one and the same code,
    a process's median time of table to_dict ranged from 7.7 to 14.0 ms over 16 processes,
    and that stays with the process for its whole run, so that a single pair of workers
    could make a ratio lucky or unlucky for a whole run.
    """
    samples: dict[str, list[float]] = {}
    memory_rows: dict[str, Row] = {}
    per_set = math.ceil(rounds / worker_sets)
    for index in range(worker_sets):
        workers = new_workers()
        try:
            loaded, block = _sample(workers, payloads, folder, per_set, warmup=warmup, seed=4 + index)
            for task, values in block.items():
                samples.setdefault(task, []).extend(values)
            if index == worker_sets - 1:
                memory_rows = {payload.name: memory_row(workers, payload, loaded) for payload in payloads}
        finally:
            for worker in workers.values():
                worker.close()
    sides = list(workers)
    stats = {name: Stats.of(values) for name, values in samples.items()}
    rows = []
    for payload in payloads:
        floor = stats[f"floor:{payload.name}"]
        size = _size(loaded, payload)
        for phase in PHASES:
            row = Row(
                group=f"parse:{payload.name}",
                benchmark=f"{payload.name} {phase} ({size / 1e6:.1f} MB)",
                ours="-",
                floor=f"json.loads {med_min(floor)}",
            )
            row.data = {"description": payload.description, "loaded": loaded[payload.name], "bytes": size}
            if "ours" in sides:
                ours = stats[f"ours:{payload.name}:{phase}"]
                row.ours = med_min(ours)
                ours_vs_json = paired_ratio(samples[f"ours:{payload.name}:{phase}"], samples[f"floor:{payload.name}"])
                row.ratio = f"{ours_vs_json:.2f}x"
                row.data["ours_vs_json"] = ours_vs_json
            if "upstream" in sides:
                upstream = stats[f"upstream:{payload.name}:{phase}"]
                row.upstream = med_min(upstream)
                row.data["upstream_vs_json"] = paired_ratio(
                    samples[f"upstream:{payload.name}:{phase}"], samples[f"floor:{payload.name}"]
                )
            if phase == "to_dict":
                row.data["notes"] = [copy_floor_note(stats, samples, payload.name, sides)]
            if "ours" in sides and "upstream" in sides:
                speedup = paired_ratio(
                    samples[f"upstream:{payload.name}:{phase}"], samples[f"ours:{payload.name}:{phase}"]
                )
                row.vs_upstream = f"{speedup:.2f}x"
                row.target = f"upstream/ours >= {TARGET_SPEEDUP:g}x"
                row.status = "PASS" if speedup >= TARGET_SPEEDUP else "FAIL"
                row.data["speedup"] = speedup
                row.data["measured"] = f"upstream/ours {speedup:.2f}x"
            else:
                row.target = f"upstream/ours >= {TARGET_SPEEDUP:g}x"
                row.status = "SKIP"
            rows.append(row)
        rows.append(memory_rows[payload.name])
    return rows


def copy_floor_note(stats: dict[str, Stats], samples: dict[str, list[float]], name: str, sides: list[str]) -> str:
    """to_dict() against a generic recursive copy of the same JSON tree in plain Python: a
    reference for what building that many dicts from Python code costs at all."""
    ratios = "".join(
        f", {side}/copy {paired_ratio(samples[f'{side}:{name}:to_dict'], samples[f'copy:{name}']):.2f}x"
        for side in sides
    )
    return f"a recursive copy of the same JSON tree in plain Python takes {med_min(stats[f'copy:{name}'])}{ratios}"


def _size(loaded: dict[str, dict[str, dict]], payload: Payload) -> int:
    return next(iter(loaded[payload.name].values()))["bytes"]


def memory_row(workers: dict[str, Worker], payload: Payload, loaded: dict[str, dict[str, dict]]) -> Row:
    """What the decoded payload keeps in memory on each side (tracemalloc: exact, so measured once)."""
    size = _size(loaded, payload)
    measured = {side: worker.call("parse_memory", name=payload.name) for side, worker in workers.items()}
    megabytes = {side: numbers["models"] / 1e6 for side, numbers in measured.items()}
    json_tree = next(iter(measured.values()))["json_tree"] / 1e6
    row = Row(
        group=f"parse:{payload.name}",
        benchmark=f"{payload.name} memory of the models ({size / 1e6:.1f} MB)",
        ours=f"{megabytes['ours']:.1f} MB" if "ours" in megabytes else "-",
        upstream=f"{megabytes['upstream']:.1f} MB" if "upstream" in megabytes else "-",
        floor=f"json.loads {json_tree:.1f} MB",
    )
    row.data = {"memory": measured}
    if "ours" in megabytes:
        row.ratio = f"{megabytes['ours'] / json_tree:.2f}x"
        if "upstream" in megabytes:
            row.vs_upstream = f"{megabytes['upstream'] / megabytes['ours']:.2f}x"
    return row
