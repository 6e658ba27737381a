"""The reference specs of ../shared through the spec pipeline, and clients generated from them.

Each spec is converted, cleaned and stable-named once per test process (the loaders are cached
and hand out copies), shared by the pipeline's tests (tests/pipeline/: convert_swagger2,
stable_names, api_diff), which conftest.py keeps in one worker. Clients of older specs are
generated in a temporary directory as `<tmp>/dqops/client`, next to links to the repository's
hand-written package, and used only in subprocesses with that directory first on PYTHONPATH.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts import clean_spec, pipeline
from scripts import convert_swagger2 as c2
from scripts.operations import walk_operations
from scripts.spec_io import SpecLock
from support import build_commands, paths
from support.paths import REPO_ROOT, TESTS_DIR

#: The reference data; DQOPS_SHARED_DIR names another copy.
SHARED_DIR = Path(os.environ.get("DQOPS_SHARED_DIR", paths.SHARED_DIR))
SPECS_DIR = SHARED_DIR / "dqops-openapi"
SPEC_1_13_2 = SPECS_DIR / "dqops-api-swagger-2.1.13.2.json"
SPEC_2024_08_02 = SPECS_DIR / "dqops-api-openapi-3.2024-08-02.json"
SPEC_2024_07_26 = SPECS_DIR / "dqops-api-openapi-3.2024-07-26.json"
OVERLAY = REPO_ROOT / "openapi" / "overlay.json"
NAMES_LOCK = REPO_ROOT / "openapi" / "names.lock.json"
REFERENCE_NAMES = REPO_ROOT / "openapi" / "reference-names.json"
PACKAGE_JSON = REPO_ROOT / "package.json"
#: The DQOps version of each reference spec (../shared/dqops-openapi/README.md).
DQOPS_VERSIONS = {SPEC_2024_07_26.name: "1.6.2", SPEC_2024_08_02.name: "1.6.2", SPEC_1_13_2.name: "1.13.2"}
PYTHON = sys.executable


def converter_pinned() -> bool:
    """package.json pins the converter (then a missing install is a failure, not a skip)."""
    try:
        manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    pins = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    return pins.get(c2.CONVERTER_PACKAGE) == c2.CONVERTER_VERSION


def require_converter() -> None:
    try:
        c2.converter_path()
    except c2.ConversionError as exc:
        if converter_pinned():
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(f"{exc} (package.json does not pin it yet)")


@functools.cache
def load_json(path: Path) -> Any:
    return json.loads(path.read_bytes())


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw(path: Path) -> Any:
    return copy.deepcopy(load_json(path))


@functools.cache
def _converted_1_13_2() -> dict[str, Any]:
    return c2.convert(load_json(SPEC_1_13_2))


def converted_1_13_2() -> dict[str, Any]:
    require_converter()
    return copy.deepcopy(_converted_1_13_2())


def overlay_as_schemas(document: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """`overlay` with each `expect` that is schemas_equivalent to the document's value replaced by
    that value: what clean_spec.apply_overlay does once it compares with schemas_equivalent."""
    overlay = copy.deepcopy(overlay)
    for correction in overlay.get("corrections", []):
        try:
            current = clean_spec.resolve_pointer(document, correction["target"])
        except (KeyError, IndexError, ValueError):
            continue
        if "expect" in correction and clean_spec.holds(current, correction["expect"]):
            correction["expect"] = copy.deepcopy(current)
    return overlay


@functools.cache
def _clean_document_1_13_2() -> dict[str, Any]:
    """clean_document (transformations and validation, no overlay) of the converted 1.13.2."""
    return pipeline.prepared(converted_1_13_2())


@functools.cache
def _cleaned_1_13_2() -> dict[str, Any]:
    document = copy.deepcopy(_clean_document_1_13_2())
    return clean_spec.apply_overlay(document, overlay_as_schemas(document, load_json(OVERLAY)), not_applicable=[])


def cleaned_1_13_2() -> dict[str, Any]:
    """1.13.2 converted, cleaned (clean_document), with the overlay applied."""
    require_converter()
    return copy.deepcopy(_cleaned_1_13_2())


@functools.cache
def _cleaned_openapi3(path: Path) -> dict[str, Any]:
    return pipeline.prepared(raw(path), load_json(OVERLAY), not_applicable=[])


def cleaned_openapi3(path: Path) -> dict[str, Any]:
    """One of the OpenAPI 3 specs, cleaned as `make spec` cleans it."""
    return copy.deepcopy(_cleaned_openapi3(path))


@functools.cache
def _stable_1_13_2() -> tuple[dict[str, Any], dict[str, Any]]:
    return pipeline.stabilized(_cleaned_1_13_2(), _cleaned_openapi3(SPEC_2024_08_02), load_json(REFERENCE_NAMES))


def stable_1_13_2() -> tuple[dict[str, Any], dict[str, Any]]:
    """(1.13.2 cleaned as `make update-pin` from the 2024-08-02 pin names it, the stable-names report)."""
    require_converter()
    document, report = _stable_1_13_2()
    return copy.deepcopy(document), copy.deepcopy(report)


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {site.key for site in walk_operations(document)}


def package_environment(root: Path, docs_corpus: str | None = None) -> dict[str, str]:
    """The environment of a program run against the package in `root`: it comes first on the path,
    then the tests' support modules (pyproject.toml's pytest pythonpath)."""
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "DQOPS_DOCS_CORPUS")}
    environment["PYTHONPATH"] = os.pathsep.join((str(root), str(TESTS_DIR)))
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    if docs_corpus is not None:
        environment["DQOPS_DOCS_CORPUS"] = docs_corpus
    return environment


def run_in_package(
    root: Path, code: str, *args: str, timeout: int = 600, docs_corpus: str | None = None
) -> subprocess.CompletedProcess:
    """Run `code` with `root` first on sys.path (cwd = root, so the repository's dqops is not found first)."""
    return subprocess.run(
        [PYTHON, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=root,
        env=package_environment(root, docs_corpus),
        timeout=timeout,
        check=False,
    )


def stable_older(path: Path) -> dict[str, Any]:
    """An older OpenAPI 3 spec, cleaned and named as `make update-pin SOURCE=<it>` names it from the default pin."""
    document, _ = pipeline.stabilized(cleaned_openapi3(path), load_json(NAMES_LOCK), load_json(REFERENCE_NAMES))
    return document


def build_package(
    tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any], label: str, spec_file: Path
) -> Path:
    """`<root>/dqops/client` generated from `document` (a cleaned spec of `spec_file`); returns <root>."""
    return build_package_from_document(
        tmp_path_factory.mktemp(f"sdk-{label}"), document, label, DQOPS_VERSIONS[spec_file.name], sha256_of(spec_file)
    )


def build_package_from_document(
    root: Path, document: dict[str, Any], label: str, dqops_version: str = "0.0.0", spec_sha256: str = "0" * 64
) -> Path:
    """`<root>/dqops/client` generated from `document` (a cleaned spec) in the directory `root`; returns it."""
    spec = root / f"dqops-{label}.cleaned.json"
    spec.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (root / "dqops").mkdir()
    lock = root / f"dqops-{label}.lock.json"
    SpecLock(file=spec.name, sha256=spec_sha256, dqops_version=dqops_version).write(lock)
    # The generator's own input goes to `root` too: the repository's openapi/ stays untouched.
    result = build_commands.run(
        "generate",
        *("--spec", spec, "--output", root / "dqops" / "client", "--lock", lock),
        *("--generator-spec", root / f"dqops-{label}.generator.json"),
    )
    assert result.returncode == 0, result.stderr[-4000:]
    shutil.copy2(REPO_ROOT / "dqops" / "__init__.py", root / "dqops" / "__init__.py")
    # The hand-written rest of the package (the runtime, dqops.jobs...), linked after generation
    # so that generate.py's bytecode step never writes into the repository. The version module
    # is the one generation wrote beside the client.
    for entry in (REPO_ROOT / "dqops").iterdir():
        if not (root / "dqops" / entry.name).exists() and entry.name not in ("client", "__pycache__"):
            (root / "dqops" / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return root
