"""The runtime on the newest httpx that the SDK's dependency range admits.

The development environment pins httpx below 0.29, because openapi-python-client (the
generator) requires that; the SDK itself admits newer releases, which other packages beside it
install (Apache Airflow 3.3 installs httpx 0.29). So the runtime, job and request-building tests
run again here, in an environment of their own: the newest httpx in the SDK's range, and the
test tools at the versions the dev group pins.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from support.paths import REPO_ROOT, TESTS_DIR

#: The tests that run on the newest httpx: every request the runtime builds and sends, its
#: failures, jobs and pagers, against real local servers and respx.
TESTS = ["runtime", "jobs", "client/test_arguments.py", "client/test_pagers.py", "client/test_answers.py"]
#: The development tools those tests do not need (the docs, the release, Airflow, mypy).
NOT_NEEDED = {"apache-airflow", "mkdocs", "mkdocs-material", "build", "twine", "mypy"}
#: Kept apart from .venv and reused while its requirements stay the same.
ENVIRONMENT = REPO_ROOT / ".venv-newest-httpx"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def sdk_httpx_range() -> Requirement:
    return next(r for r in map(Requirement, PYPROJECT["project"]["dependencies"]) if r.name == "httpx")


def environment_requirements() -> list[str]:
    """The SDK's httpx range, the dev group's pins but httpx's and the unneeded tools', and the
    generator's own requirements but httpx (the tests' spec facts name things as it does)."""
    dev = [Requirement(r) for r in PYPROJECT["dependency-groups"]["dev"] if isinstance(r, str)]
    generator = [Requirement(r) for r in importlib.metadata.requires("openapi-python-client") or []]
    kept = [str(r) for r in dev if r.name not in NOT_NEEDED | {"httpx", "openapi-python-client"}]
    kept += [str(r) for r in generator if r.name != "httpx" and (r.marker is None or r.marker.evaluate())]
    return [str(sdk_httpx_range()), *kept]


def run(*argv: object, **options) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(map(str, argv)), capture_output=True, text=True, check=False, **options)


@pytest.fixture(scope="module")
def python() -> Path:
    """The environment's interpreter, made (or remade, when its requirements changed) first."""
    requirements = environment_requirements()
    python = ENVIRONMENT / "bin" / "python"
    stamp = ENVIRONMENT / "requirements.json"
    if not (python.exists() and stamp.exists() and json.loads(stamp.read_text()) == requirements):
        venv.EnvBuilder(clear=True, with_pip=True).create(ENVIRONMENT)
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        for step in (
            [*pip, *requirements],
            [*pip, "--no-deps", f"openapi-python-client=={installed('openapi-python-client')}"],
        ):
            result = run(*step, timeout=900)
            assert result.returncode == 0, result.stdout + result.stderr
        stamp.write_text(json.dumps(requirements))
    return python


def installed(distribution: str) -> str:
    return importlib.metadata.version(distribution)


def test_the_environment_has_the_newest_httpx_of_the_range(python: Path) -> None:
    version = Version(run(python, "-c", "import httpx; print(httpx.__version__)").stdout.strip())
    assert version in sdk_httpx_range().specifier
    # Newer than the dev group's pin, or the run below would test nothing new.
    assert version > Version(installed("httpx")), version


def test_the_runtime_tests_pass_on_the_newest_httpx(python: Path, record_property) -> None:
    # The SDK from this tree, with the entry points of its editable install's metadata (the
    # fake_dqops fixture of its pytest plugin).
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = run(
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        *(TESTS_DIR / test for test in TESTS),
        cwd=REPO_ROOT,
        env=environment,
        timeout=1200,
    )
    summary = result.stdout.strip().splitlines()[-1:] or [result.stderr[-2000:]]
    record_property("newest_httpx_summary", summary[0])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in summary[0] and "failed" not in summary[0], summary
