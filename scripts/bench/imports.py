"""Cold import: the wall time of a fresh `python -c "<import>"`, against a fresh interpreter that
imports only httpx and attrs (the floor), each side against the floor of its own environment."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from .common import Impl, Row, Stats, child_env, interleaved, med_min, paired_ratio

CASES = {
    "import run_checks": "from dqops.client.api.jobs import run_checks",
    "import RunChecksParameters": "from dqops.client.models import RunChecksParameters",
}
FLOOR = "import httpx, attrs"
TARGET_RATIO = 1.3
SUBPROCESS_SECONDS = 60


def run_python(python: Path, arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python arguments...` in a clean environment, its output captured, bounded in time."""
    return subprocess.run(
        [str(python), *arguments],
        check=False,
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
    )


def time_python(python: Path, code: str, cwd: Path) -> float:
    """Seconds from start to exit of `python -c code` (interpreter start-up included, as a user sees it)."""
    env = child_env()
    start = time.perf_counter()
    result = subprocess.run(
        [str(python), "-c", code],
        check=False,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=SUBPROCESS_SECONDS,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{python} -c {code!r} failed: {result.stderr.decode(errors='replace')[-1000:]}")
    return elapsed


def modules_loaded(python: Path, code: str, cwd: Path) -> dict[str, int]:
    """How many modules the import leaves in sys.modules (all, and dqops's)."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps([len(sys.modules), sum(1 for m in sys.modules if m.startswith('dqops'))]))"
    result = run_python(python, ["-c", probe], cwd)
    if result.returncode != 0:
        raise RuntimeError(f"{python}: {result.stderr[-1000:]}")
    total, dqops = json.loads(result.stdout.strip().splitlines()[-1])
    return {"modules": total, "dqops_modules": dqops}


def importtime_top(python: Path, code: str, cwd: Path, top: int = 10) -> list[tuple[int, str]]:
    """The modules with the largest cumulative import time (µs), from `python -X importtime`: for profiling."""
    result = run_python(python, ["-X", "importtime", "-c", code], cwd)
    rows: list[tuple[int, str]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        rows.append((int(cumulative), name.strip()))
    rows.sort(reverse=True)
    return rows[:top]


def bench_imports(impls: Sequence[Impl], rounds: int, cwd: Path, *, warmup: bool = True) -> list[Row]:
    """Rows per import case: ours and upstream (median, min) against their own floor."""
    tasks = []
    for impl in impls:
        tasks.append((f"{impl.name}:floor", lambda p=impl.python: time_python(p, FLOOR, cwd)))
        for case, code in CASES.items():
            tasks.append((f"{impl.name}:{case}", lambda p=impl.python, c=code: time_python(p, c, cwd)))
    if warmup:  # one discarded round warms the disk cache of every environment
        interleaved(1, tasks)
    samples = interleaved(rounds, tasks)
    stats = {name: Stats.of(values) for name, values in samples.items()}
    names = {impl.name for impl in impls}
    rows = []
    for case, code in CASES.items():

        def ratio(side: str, case: str = case) -> float:
            return paired_ratio(samples[f"{side}:{case}"], samples[f"{side}:floor"])

        loaded = {impl.name: modules_loaded(impl.python, code, cwd) for impl in impls}
        row = Row(group="import", benchmark=f"cold {case}", ours="-")
        row.data = {"loaded": loaded, "samples": {k: v for k, v in samples.items() if case in k or "floor" in k}}
        if "ours" in names:
            ours_ratio = ratio("ours")
            row.ours = med_min(stats[f"ours:{case}"])
            row.judge(ours_ratio, "ours/floor", TARGET_RATIO)
        if "upstream" in names:
            row.upstream = f"{med_min(stats[f'upstream:{case}'])}, {ratio('upstream'):.1f}x its floor"
            row.data["upstream_ratio"] = ratio("upstream")
            if "ours" in names:
                row.vs_upstream = f"{paired_ratio(samples[f'upstream:{case}'], samples[f'ours:{case}']):.1f}x"
        row.floor = ", ".join(
            f"{'up' if impl.name == 'upstream' else impl.name} {med_min(stats[f'{impl.name}:floor'])}" for impl in impls
        )
        rows.append(row)
    return rows
