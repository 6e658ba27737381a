"""`mypy --strict` runs of the tests: the package, users' scripts, the README's blocks and the
reference's examples, each with its own cache under .mypy_cache/, and their errors described."""

from __future__ import annotations

import collections
import hashlib
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support.paths import REPO_ROOT

PACKAGE_DIR = REPO_ROOT / "dqops"
MYPY_CACHE = REPO_ROOT / ".mypy_cache"
MYPY_ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): error: (?P<message>.*?)(?:  \[(?P<code>[a-z-]+)\])?$")
MAX_LISTED_ERRORS = 200


def mypy_command(*arguments: str, cache: str) -> list[str]:
    """`python -m mypy --strict` with its cache under .mypy_cache/`cache`."""
    return [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--cache-dir",
        str(MYPY_CACHE / cache),
        "--no-color-output",
        "--no-pretty",
        *arguments,
    ]


def mypy_errors(output: str) -> list[re.Match[str]]:
    """The error lines of mypy's output, parsed; fails the test if mypy is not installed."""
    if "No module named mypy" in output:
        pytest.fail("mypy is not installed: pip install --group dev -e . (make venv)", pytrace=False)
    return [match for line in output.splitlines() if (match := MYPY_ERROR.match(line))]


def run_mypy(*arguments: str, cwd: Path, cache: str) -> tuple[int, str, list[re.Match[str]]]:
    """Run `python -m mypy --strict` in a subprocess: (exit code, output, parsed error lines)."""
    command = mypy_command(*arguments, cache=cache)
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    return result.returncode, output, mypy_errors(output)


def describe_errors(output: str, errors: list[re.Match[str]]) -> str:
    """The error count per code, then the errors (at most MAX_LISTED_ERRORS of them)."""
    if not errors:
        return output.strip()
    per_code = collections.Counter(match["code"] or "no code" for match in errors)
    example: dict[str, re.Match[str]] = {}
    for match in errors:
        example.setdefault(match["code"] or "no code", match)
    lines = [f"mypy --strict: {len(errors)} errors"]
    lines += [
        f"  {count:5d} [{code}]  e.g. {example[code]['file']}:{example[code]['line']}: {example[code]['message']}"
        for code, count in per_code.most_common()
    ]
    lines.append("")
    lines += [match.group(0) for match in errors[:MAX_LISTED_ERRORS]]
    if len(errors) > MAX_LISTED_ERRORS:
        lines.append(f"... and {len(errors) - MAX_LISTED_ERRORS} more: run `.venv/bin/python -m mypy --strict dqops`")
    return "\n".join(lines)


def require_generated_package() -> None:
    if not (PACKAGE_DIR / "client" / "__init__.py").exists():
        pytest.fail("dqops/client does not exist: run `make generate`", pytrace=False)


def type_check_user_script(tmp_path: Path, source: str, name: str) -> None:
    """`mypy --strict` on a user's script, run from `tmp_path` against the installed SDK."""
    require_generated_package()
    script = tmp_path / f"{name.replace('-', '_')}.py"
    script.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    # From tmp_path, mypy finds dqops only as an installed package (the editable install in
    # .venv), so PEP 561 applies: no py.typed marker, no types.
    found = subprocess.run(
        [sys.executable, "-c", "import dqops, sys; sys.stdout.write(dqops.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        pytest.fail(f"dqops is not installed in {sys.prefix}: run `make generate`\n{found.stderr}", pytrace=False)
    returncode, output, errors = run_mypy(script.name, cwd=tmp_path, cache=marked_cache(name))
    assert returncode == 0 and not errors, describe_errors(output, errors)


def marked_cache(name: str) -> str:
    """The cache of a user's script named `name`: mypy's cache does not notice a py.typed marker
    appearing in an installed package, so there is one cache per set of markers."""
    markers = sorted(str(path.relative_to(REPO_ROOT)) for path in PACKAGE_DIR.rglob("py.typed"))
    return f"{name}-" + hashlib.sha256("\n".join(markers).encode()).hexdigest()[:12]
