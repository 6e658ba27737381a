"""from_dict / to_dict of large payloads: ours vs upstream (same bytes, same class names), and
against json.loads of the same bytes. Each side runs in a worker of its own environment; the
orchestrator asks them for one repetition at a time, in shuffled order."""

from __future__ import annotations

from collections.abc import Sequence
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


def _timer(worker: Worker, name: str, phase: str):
    return lambda: worker.call("parse_time", name=name, phase=phase, reps=1)[0]


def bench_parsing(
    workers: dict[str, Worker], payloads: Sequence[Payload], folder: Path, rounds: int, *, warmup: bool = True
) -> list[Row]:
    """Rows per payload and phase. `workers` maps "ours" / "upstream" to a worker; the floor,
    json.loads of the same bytes, is timed in ours (the same interpreter build in both)."""
    loaded = load_payloads(workers, payloads, folder)
    floor_side = "ours" if "ours" in workers else next(iter(workers))
    tasks = []
    for payload in payloads:
        tasks.append((f"floor:{payload.name}", _timer(workers[floor_side], payload.name, "json_loads")))
        tasks.append((f"copy:{payload.name}", _timer(workers[floor_side], payload.name, "python_copy")))
        for side, worker in workers.items():
            for phase in PHASES:
                tasks.append((f"{side}:{payload.name}:{phase}", _timer(worker, payload.name, phase)))
    if warmup:
        interleaved(1, tasks)  # warm-up round, discarded
    samples = interleaved(rounds, tasks)
    stats = {name: Stats.of(values) for name, values in samples.items()}
    rows = []
    for payload in payloads:
        floor = stats[f"floor:{payload.name}"]
        size = next(iter(loaded[payload.name].values()))["bytes"]
        for phase in PHASES:
            row = Row(
                group=f"parse:{payload.name}",
                benchmark=f"{payload.name} {phase} ({size / 1e6:.1f} MB)",
                ours="-",
                floor=f"json.loads {med_min(floor)}",
            )
            row.data = {"description": payload.description, "loaded": loaded[payload.name], "bytes": size}
            if "ours" in workers:
                ours = stats[f"ours:{payload.name}:{phase}"]
                row.ours = med_min(ours)
                ours_vs_json = paired_ratio(samples[f"ours:{payload.name}:{phase}"], samples[f"floor:{payload.name}"])
                row.ratio = f"{ours_vs_json:.2f}x"
                row.data["ours_vs_json"] = ours_vs_json
            if "upstream" in workers:
                upstream = stats[f"upstream:{payload.name}:{phase}"]
                row.upstream = med_min(upstream)
                row.data["upstream_vs_json"] = paired_ratio(
                    samples[f"upstream:{payload.name}:{phase}"], samples[f"floor:{payload.name}"]
                )
            if phase == "to_dict":
                row.data["notes"] = [copy_floor_note(stats, samples, payload.name, list(workers))]
            if "ours" in workers and "upstream" in workers:
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
        rows.append(memory_row(workers, payload, size))
    return rows


def copy_floor_note(stats: dict[str, Stats], samples: dict[str, list[float]], name: str, sides: list[str]) -> str:
    """to_dict() against a generic recursive copy of the same JSON tree in plain Python: a
    reference for what building that many dicts from Python code costs at all."""
    ratios = "".join(
        f", {side}/copy {paired_ratio(samples[f'{side}:{name}:to_dict'], samples[f'copy:{name}']):.2f}x"
        for side in sides
    )
    return f"a recursive copy of the same JSON tree in plain Python takes {med_min(stats[f'copy:{name}'])}{ratios}"


def memory_row(workers: dict[str, Worker], payload: Payload, size: int) -> Row:
    """What the decoded payload keeps in memory on each side (tracemalloc: exact, so measured once)."""
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
