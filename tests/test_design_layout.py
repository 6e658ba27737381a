"""docs/design.md's layout section matches the tree: every path it names exists (but what it marks
GENERATED), and every tracked top-level entry, module of scripts/, file of openapi/ and part of the
hand-written package is named there."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DESIGN = REPO_ROOT / "docs" / "design.md"


def layout() -> dict[str, str]:
    """Path -> what the layout block says of it."""
    text = DESIGN.read_text(encoding="utf-8")
    block = re.search(r"^## Layout\n+```\n(.*?)\n```", text, re.MULTILINE | re.DOTALL)
    assert block, "docs/design.md has no ## Layout code block"
    # A line that starts with spaces goes on with the one above.
    return dict(line.split(maxsplit=1) for line in block.group(1).splitlines() if line.strip() and line[0] != " ")


def tracked() -> list[str]:
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return [name for name in result.stdout.splitlines() if (REPO_ROOT / name).exists()]


def named(path: str, entries: dict[str, str]) -> bool:
    """`path` is in the layout: as itself, under a folder it lists, or (a folder) through a path in it."""
    return any(
        path == entry.rstrip("/") or (entry.endswith("/") and path.startswith(entry)) or entry.startswith(path + "/")
        for entry in entries
    )


def test_every_path_the_layout_names_exists() -> None:
    entries = layout()
    missing = [path for path, what in entries.items() if "GENERATED" not in what and not (REPO_ROOT / path).exists()]
    assert not missing, missing


def test_the_layout_names_every_part_of_the_tree() -> None:
    entries = layout()
    files = tracked()
    top_level = {name.split("/")[0] for name in files if not name.startswith(".") or name.startswith(".ci/")}
    scripts = {name for name in files if re.fullmatch(r"scripts/[^/]+\.py", name) and not name.endswith("__init__.py")}
    script_folders = {name.rsplit("/", 1)[0] + "/" for name in files if re.fullmatch(r"scripts/[^/]+/[^/]+", name)}
    openapi = {name for name in files if name.startswith("openapi/")}
    package = {name for name in files if name.startswith("dqops/") and not name.endswith("py.typed")}
    unnamed = sorted(
        path
        for path in top_level | scripts | script_folders | openapi | package
        if not named(path, entries) and not named(path.rstrip("/"), entries)
    )
    assert not unnamed, f"docs/design.md's layout does not name: {unnamed}"
