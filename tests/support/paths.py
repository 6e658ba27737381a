"""Where the tests find the repository, the test suite and the reference data beside the clone."""

from __future__ import annotations

from pathlib import Path

#: The test suite's folder (tests/): pytest's pythonpath has it, so `support` imports from there.
TESTS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS_DIR.parent
#: The reference data (DQOps's specs and docs), beside the clone as ../shared.
SHARED_DIR = REPO_ROOT.parent / "shared"
