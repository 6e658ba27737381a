"""Build backend of dqops-sdk: setuptools, refusing to build a package without its generated client.

`dqops/client` is generated (`make generate`) and never committed, so a wheel or an sdist built
from a bare clone (`pip install <clone>`, `pip install git+...`, `python -m build`) would hold an
SDK that cannot be imported, and setuptools would build it without a word. Before setuptools
builds a wheel or an sdist, this backend checks that the tree holds a generated client and that
it is the one the version names: `dqops/_version.py` and `dqops.client.API_VERSION` must agree,
and, in a clone (where openapi/spec.lock.json is), both must be those of the lock. An sdist
carries the generated client, so building a wheel from it passes the same check with no
generator and no Node.

An editable install needs only the version: `make venv` installs the tree in editable mode
before `make generate` has run, after writing dqops/_version.py from the lock.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from setuptools import build_meta as _setuptools

PACKAGE = Path("dqops")
CLIENT_INIT = PACKAGE / "client" / "__init__.py"
VERSION_FILE = PACKAGE / "_version.py"
SPEC_LOCK = Path("openapi") / "spec.lock.json"
_Result = TypeVar("_Result")
HOW_TO_FIX = (
    "Run `make generate` in this source tree first (it needs Node.js and ../shared, see README.md), "
    "then build again with `make dist`; or install a released wheel or sdist instead "
    "(pip install dqops_sdk-<version>-py3-none-any.whl)."
)


class GeneratedClientError(RuntimeError):
    """The source tree has no generated client, or one that does not match the version."""


def _assigned_string(path: Path, name: str) -> str:
    """The string literal assigned to `name` at the top level of a generated module."""
    match = re.search(rf'^{name}(?:: Final)? = "([^"]*)"$', path.read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        raise GeneratedClientError(f"{path} assigns no {name}: it was not written by `make generate`. {HOW_TO_FIX}")
    return match.group(1)


def check_generated_client(root: Path = Path()) -> str:
    """Return the package version, or raise GeneratedClientError saying what is missing or stale."""
    missing = [str(path) for path in (CLIENT_INIT, VERSION_FILE) if not (root / path).is_file()]
    if missing:
        raise GeneratedClientError(
            f"dqops-sdk cannot be built from {root.resolve()}: {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing, so the package would hold no DQOps client. {HOW_TO_FIX}"
        )
    version = _assigned_string(root / VERSION_FILE, "__version__")
    api_version = _assigned_string(root / CLIENT_INIT, "API_VERSION")
    if version.rpartition(".")[0] != api_version:
        raise GeneratedClientError(
            f"{VERSION_FILE} says {version}, but {CLIENT_INIT} was generated for the DQOps {api_version} API. {HOW_TO_FIX}"
        )
    lock_path = root / SPEC_LOCK
    if lock_path.is_file():
        lock: dict[str, Any] = json.loads(lock_path.read_text(encoding="utf-8"))
        pinned = f"{lock.get('dqops_version')}.{lock.get('sdk_release')}"
        spec_sha256 = _assigned_string(root / CLIENT_INIT, "API_SPEC_SHA256")
        if version != pinned or spec_sha256 != lock.get("sha256"):
            raise GeneratedClientError(
                f"the generated client is stale: it is {version} from the spec with sha256 {spec_sha256[:16]}..., "
                f"but {SPEC_LOCK} pins {pinned} with sha256 {str(lock.get('sha256'))[:16]}.... {HOW_TO_FIX}"
            )
    return version


def _require_version_module() -> None:
    if not VERSION_FILE.is_file():
        raise SystemExit(
            f"error: {VERSION_FILE} is missing: it holds the package version. In a clone, run `make venv` "
            "(or `make generate`) rather than installing the tree with pip directly."
        )


def _require_generated_client() -> None:
    """Stop the build with the reason alone: a traceback would bury it."""
    try:
        check_generated_client()
    except GeneratedClientError as exc:
        raise SystemExit(f"error: {exc}") from None


def _checked(hook: Callable[..., _Result], check: Callable[[], None]) -> Callable[..., _Result]:
    """setuptools' `hook`, run after `check`."""

    @functools.wraps(hook)
    def checked_hook(*args: Any, **kwargs: Any) -> _Result:
        check()
        return hook(*args, **kwargs)

    return checked_hook


# Every hook that reads the version or builds a wheel or an sdist checks first: setuptools reads
# the version (dqops/_version.py) as soon as it is asked for the requirements.
get_requires_for_build_wheel = _checked(_setuptools.get_requires_for_build_wheel, _require_generated_client)
get_requires_for_build_sdist = _checked(_setuptools.get_requires_for_build_sdist, _require_generated_client)
prepare_metadata_for_build_wheel = _checked(_setuptools.prepare_metadata_for_build_wheel, _require_generated_client)
build_wheel = _checked(_setuptools.build_wheel, _require_generated_client)
build_sdist = _checked(_setuptools.build_sdist, _require_generated_client)
get_requires_for_build_editable = _checked(_setuptools.get_requires_for_build_editable, _require_version_module)
prepare_metadata_for_build_editable = _checked(_setuptools.prepare_metadata_for_build_editable, _require_version_module)
build_editable = _checked(_setuptools.build_editable, _require_version_module)
