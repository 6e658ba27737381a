"""`make generate` from the cached spec: the time of its steps, each writing to a scratch folder so
the working tree's dqops/client (which other work may be importing) is left alone.

The steps are the Makefile's (`spec`, then `generate`), less the network: fetch_spec.py reads the
pinned file of the local mirror (--source, checksum checked), convert_swagger2.py (Swagger 2 ->
OpenAPI 3 with the pinned swagger2openapi; an OpenAPI 3 file passes through), clean_spec.py,
stable_names.py, then generate.py (openapi-python-client, ruff, bytecode). generate.py also
rewrites openapi/*.generator.json, with the same bytes `make generate` writes.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .common import REPO_ROOT, Row, child_env, shared_dir, verdict

TARGET_SECONDS = 30.0
STEP_SECONDS = 300
LOCK = REPO_ROOT / "openapi" / "spec.lock.json"
OVERLAY = REPO_ROOT / "openapi" / "overlay.json"
NAMES_LOCK = REPO_ROOT / "openapi" / "names.lock.json"
SCRIPTS = REPO_ROOT / "scripts"


@dataclass(frozen=True)
class Step:
    name: str
    argv: list[str]


def mirror_spec() -> Path:
    """The pinned spec file of the local mirror (../shared/dqops-openapi beside the checkout)."""
    name = json.loads(LOCK.read_text(encoding="utf-8"))["file"]
    path = shared_dir() / "dqops-openapi" / name
    if not path.is_file():
        raise FileNotFoundError(f"no mirror copy of {name} at {path}")
    return path


def generation_steps(python: Path, scratch: Path) -> list[Step]:
    raw, converted, cleaned = scratch / "raw.json", scratch / "converted.json", scratch / "cleaned.json"
    return [
        Step(
            "fetch_spec (cached)",
            [str(python), str(SCRIPTS / "fetch_spec.py"), "--source", str(mirror_spec()), "--out", str(raw)],
        ),
        Step("convert_swagger2", [str(python), str(SCRIPTS / "convert_swagger2.py"), str(raw), str(converted)]),
        Step(
            "clean_spec",
            [str(python), str(SCRIPTS / "clean_spec.py"), str(converted), str(cleaned), "--overlay", str(OVERLAY)],
        ),
        Step(
            "stable_names",
            [
                str(python),
                str(SCRIPTS / "stable_names.py"),
                str(cleaned),
                "--previous",
                str(NAMES_LOCK),
                "--out",
                str(cleaned),
                "--quiet",
            ],
        ),
        Step(
            "generate",
            [
                str(python),
                str(SCRIPTS / "generate.py"),
                "--spec",
                str(cleaned),
                "--output",
                str(scratch / "pkg" / "client"),
            ],
        ),
    ]


def time_steps(steps: list[Step]) -> dict[str, float]:
    """Seconds per step, run in order; a failing step stops with its output."""
    times = {}
    for step in steps:
        start = time.perf_counter()
        result = subprocess.run(
            step.argv, check=False, cwd=REPO_ROOT, env=child_env(), capture_output=True, text=True, timeout=STEP_SECONDS
        )
        times[step.name] = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"{step.name} failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}")
    return times


def bench_generation(python: Path, scratch: Path) -> list[Row]:
    times = time_steps(generation_steps(python, scratch))
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
