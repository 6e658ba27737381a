"""`make generate` from the cached spec: the time of its steps, each writing to a scratch folder so
the working tree's dqops/client (which other work may be importing) is left alone.

The steps are the Makefile's: the spec pipeline (scripts/pipeline.py: fetch_spec reads the pinned
file of the local mirror, checksum checked; convert_swagger2, clean_spec, stable_names), then
scripts/generate.py (openapi-python-client, ruff, bytecode), each into the scratch folder.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from scripts.spec_io import SPEC_LOCK, SpecLock

from .common import REPO_ROOT, Row, child_env, shared_dir, verdict

TARGET_SECONDS = 30.0
STEP_SECONDS = 300


def mirror_spec() -> Path:
    """The pinned spec file of the local mirror (../shared/dqops-openapi beside the checkout)."""
    name = SpecLock.load(SPEC_LOCK).file
    path = shared_dir() / "dqops-openapi" / name
    if not path.is_file():
        raise FileNotFoundError(f"no mirror copy of {name} at {path}")
    return path


def _run(argv: list[str], name: str) -> float:
    """Seconds `argv` took; its output if it fails."""
    start = time.perf_counter()
    result = subprocess.run(
        argv, check=False, cwd=REPO_ROOT, env=child_env(), capture_output=True, text=True, timeout=STEP_SECONDS
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{name} failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}")
    return seconds


def time_pipeline(python: Path, scratch: Path) -> dict[str, float]:
    """Seconds per step of the spec pipeline (as it measures them), its files written into `scratch`."""
    timings = scratch / "pipeline-timings.json"
    pipeline = [str(python), "-m", "scripts.pipeline", "--source", str(mirror_spec()), "--out-dir", str(scratch)]
    total = _run([*pipeline, "--timings", str(timings)], "the spec pipeline")
    times = json.loads(timings.read_text(encoding="utf-8"))
    # What the steps' own times leave out (starting Python, importing the pipeline) counts to the first.
    times["fetch_spec"] += total - sum(times.values())
    return {("fetch_spec (cached)" if name == "fetch_spec" else name): seconds for name, seconds in times.items()}


def time_steps(python: Path, scratch: Path) -> dict[str, float]:
    """Seconds per step of `make generate`: the spec pipeline's, then generate's."""
    times = time_pipeline(python, scratch)
    cleaned = scratch / "dqops-api-openapi-3.cleaned.json"
    generate = [
        str(python),
        "-m",
        "scripts.generate",
        "--spec",
        str(cleaned),
        "--output",
        str(scratch / "pkg" / "client"),
    ]
    times["generate"] = _run([*generate, "--generator-spec", str(scratch / "generator.json")], "generate")
    return times


def bench_generation(python: Path, scratch: Path) -> list[Row]:
    times = time_steps(python, scratch)
    total = sum(times.values())
    detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in times.items())
    row = Row(
        group="generate",
        benchmark="make generate (cached spec)",
        ours=f"{total:.1f} s",
        target=f"< {TARGET_SECONDS:g} s",
        status=verdict(total < TARGET_SECONDS),
    )
    row.data = {"steps": times, "total": total, "notes": [detail], "measured": f"{total:.1f} s"}
    return [row]
