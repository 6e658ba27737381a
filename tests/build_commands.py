"""The build's commands (`python -m scripts.<command>`), run from the tests as make runs them:
from the repository's root, in this interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def command(module: str, *args: object) -> list[str]:
    """The argv of `python -m scripts.<module> args...` in this interpreter."""
    return [sys.executable, "-m", f"scripts.{module}", *map(str, args)]


def run(module: str, *args: object, timeout: float = 600, **options: Any) -> subprocess.CompletedProcess[str]:
    """Run `scripts.<module>` with `args` from the repository's root; its output captured as text."""
    return subprocess.run(
        command(module, *args), cwd=REPO_ROOT, check=False, capture_output=True, text=True, timeout=timeout, **options
    )
