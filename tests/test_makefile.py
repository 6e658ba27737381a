"""`make` redoes only what changed: after `make generate`, with nothing changed, `make docs`,
`dist`, `demo`, `bench` and `test` neither rerun the spec pipeline nor regenerate the client; a
changed spec input, template, lock or generator script does, and so does a SOURCE.

Checked with `make -n` (prints what would run, runs nothing) in a copy of the Makefile's inputs
whose times are set as a finished `make generate` leaves them, so the repository's own state
(a template being edited, say) does not matter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PIPELINE = "-m scripts.pipeline"
GENERATE = "-m scripts.generate\n"
# The stamps and outputs a finished `make generate` leaves, oldest first.
MADE = [
    ".venv/.installed",
    "node_modules/.installed",
    "openapi/dqops-api-openapi-3.cleaned.json",
    "dqops/client/.stamp",
]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")


def inputs() -> list[Path]:
    """The files the Makefile's rules read, relative to the repository."""
    names = ["Makefile", "pyproject.toml", "package-lock.json", "generator-config.yaml"]
    found = [Path(name) for name in names]
    found += [path.relative_to(REPO_ROOT) for path in (REPO_ROOT / "openapi").glob("*.json")]
    for folder in ("scripts", "templates"):
        found += [
            path.relative_to(REPO_ROOT)
            for path in (REPO_ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    return found


@pytest.fixture
def made(tmp_path: Path) -> Path:
    """A copy of the inputs and of what `make generate` made from them, each newer than what it reads."""
    for name in inputs():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / name, tmp_path / name)
        os.utime(tmp_path / name, (1_000_000, 1_000_000))
    (tmp_path / "openapi" / "dqops-api-openapi-3.cleaned.json").touch()
    for step, name in enumerate(MADE, start=1):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()
        os.utime(tmp_path / name, (1_000_000 + 10 * step, 1_000_000 + 10 * step))
    (tmp_path / ".make").mkdir()
    (tmp_path / ".make" / "spec-source").write_text("\n", encoding="utf-8")
    return tmp_path


def dry_run(folder: Path, *arguments: str) -> str:
    result = subprocess.run(
        ["make", "-n", *arguments], cwd=folder, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def newer(folder: Path, name: str) -> None:
    os.utime(folder / name, (2_000_000, 2_000_000))


@pytest.mark.parametrize("target", ["docs", "dist", "demo", "bench", "test", "generate", "spec"])
def test_nothing_changed_nothing_is_made_again(made: Path, target: str) -> None:
    planned = dry_run(made, target)
    assert PIPELINE not in planned and GENERATE not in planned and "pip install" not in planned, planned


def test_a_changed_template_regenerates_without_the_pipeline(made: Path) -> None:
    newer(made, "templates/model.py.jinja")
    planned = dry_run(made, "docs")
    assert GENERATE in planned and PIPELINE not in planned, planned
    assert planned.index(GENERATE) < planned.index("scripts.generate_docs")


@pytest.mark.parametrize(
    "changed", ["openapi/overlay.json", "openapi/spec.lock.json", "openapi/names.lock.json", "scripts/clean_spec.py"]
)
def test_a_changed_spec_input_reruns_the_pipeline_and_generation(made: Path, changed: str) -> None:
    newer(made, changed)
    planned = dry_run(made, "test")
    assert PIPELINE in planned and GENERATE in planned, planned
    assert planned.index(PIPELINE) < planned.index(GENERATE)


def test_a_changed_generator_script_regenerates(made: Path) -> None:
    newer(made, "scripts/generate.py")
    planned = dry_run(made, "dist")
    assert GENERATE in planned and PIPELINE not in planned, planned


def test_a_script_that_only_compares_regenerates_nothing(made: Path) -> None:
    newer(made, "scripts/api_diff.py")
    planned = dry_run(made, "test")
    assert GENERATE not in planned and PIPELINE not in planned, planned


def test_a_source_always_reruns_the_pipeline_and_so_does_going_back_to_the_pin(made: Path) -> None:
    planned = dry_run(made, "generate", "SOURCE=http://localhost:8888/swagger-api/dqops-api-openapi-3.json")
    assert "--source 'http://localhost:8888/swagger-api/dqops-api-openapi-3.json'" in planned
    assert GENERATE in planned
    (made / ".make" / "spec-source").write_text("http://localhost:8888/swagger-api/dqops-api-openapi-3.json\n")
    back = dry_run(made, "generate")
    assert PIPELINE in back and "--source" not in back, back
