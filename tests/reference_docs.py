"""The reference docs that `make docs` writes, generated once per test session and shared.

`generated()` copies docs/ and mkdocs.yml into a temporary directory (removed when the
session ends) and writes the pages there with scripts/generate_docs.py, from the pinned spec
(openapi/dqops-api-openapi-3.cleaned.json, made by `make generate`). The tests of the
examples (test_reference_docs.py) and of the README (test_readme.py) read that one copy.

Three checks of the whole reference run as subprocesses, started together when the first
test needs one of them, on another core while the suite goes on: `mypy --strict` over every
example, `mkdocs build --strict`, and the same pages written again by another process with
another hash seed (they must be the same). The tests that need them wait for them. Started
on demand, they run only in the pytest-xdist worker that runs those tests, while every
worker that collects the tests writes the pages.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CLEANED_SPEC = REPO_ROOT / "openapi" / "dqops-api-openapi-3.cleaned.json"
import build_commands
import docs_examples as dx
from test_typing import mypy_command

from scripts import generate, generate_docs
from scripts.spec_io import SPEC_LOCK

#: What `make docs` writes itself, not copied from the repository.
GENERATED = ("client", "index.md")
BACKGROUND_TIMEOUT = 900


@dataclass
class Background:
    """A command run in the background when first needed, its output going to `log`."""

    command: list[str]
    cwd: Path
    log: Path
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.process is not None:
            return
        environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(self.env or {})}
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, stdout=output, stderr=subprocess.STDOUT, env=environment
            )
        atexit.register(stop, self.process)

    def wait(self) -> tuple[int, str]:
        """The exit code and output, once the command ends (started now if it was not)."""
        self.start()
        assert self.process is not None
        returncode = self.process.wait(timeout=BACKGROUND_TIMEOUT)
        return returncode, self.log.read_text(encoding="utf-8", errors="replace")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class GeneratedReference:
    root: Path  # mkdocs.yml and docs/, as in the repository
    reference: generate_docs.Reference
    operations: list[dx.Operation]  # parsed from the pages, in page order
    spec_operations: dict[tuple[str, str], dx.SpecOperation]  # by (method, path)
    mypy: Background  # mypy --strict over examples/, one file an example (example_file_name)
    site: Background  # mkdocs build --strict into site/
    again: Background  # scripts/generate_docs.py into again/, in a process with another hash seed

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    def start_checks(self) -> None:
        """Start the three checks of the whole reference, to run while other tests do."""
        for check in (self.mypy, self.site, self.again):
            check.start()

    @property
    def examples(self) -> list[dx.PythonExample]:
        return [op.examples[variant] for op in self.operations for variant in dx.VARIANTS]

    def spec_of(self, op: dx.Operation) -> dx.SpecOperation:
        """The spec's operation at the page's method and URL."""
        return self.spec_operations[(op.method, op.path_template)]


def example_file_name(example: dx.PythonExample) -> str:
    return re.sub(r"\W", "_", example.id) + ".py"


@functools.cache
def generated() -> GeneratedReference:
    if not CLEANED_SPEC.exists():
        raise RuntimeError(f"{CLEANED_SPEC} does not exist: run `make generate`")
    root = Path(tempfile.mkdtemp(prefix="dqops-reference-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    shutil.copy2(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO_ROOT / "docs", root / "docs", ignore=shutil.ignore_patterns(*GENERATED))
    reference = generate_docs.generate_docs(CLEANED_SPEC, root / "docs", generate.load_pin(SPEC_LOCK))
    operations = dx.parse_operations_dir(root / "docs" / "client")
    examples_dir = root / "examples"
    examples_dir.mkdir()
    for op in operations:
        for example in op.examples.values():
            (examples_dir / example_file_name(example)).write_text(example.code, encoding="utf-8")
    # Top-level await: the pages say the async examples run in a coroutine, a notebook or `python -m asyncio`.
    mypy = mypy_command("--disable-error-code", "top-level-await", ".", cache="reference-examples")
    site = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(root / "site")]
    again = build_commands.command("generate_docs", "--output", root / "again")
    return GeneratedReference(
        root=root,
        reference=reference,
        operations=operations,
        spec_operations={sop.route: sop for sop in dx.load_spec_operations(CLEANED_SPEC)},
        mypy=Background(mypy, examples_dir, root / "mypy.log"),
        site=Background(site, root, root / "mkdocs.log"),
        again=Background(
            again,
            root,
            root / "again.log",
            {"PYTHONHASHSEED": str(os.getpid() % 4000 + 1), "PYTHONPATH": str(REPO_ROOT)},
        ),
    )
