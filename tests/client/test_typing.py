"""Typing: the SDK passes `mypy --strict`, and it ships its py.typed markers (PEP 561).

- `test_mypy_strict_passes_on_the_package`: `python -m mypy --strict dqops` (the generated
  dqops/client, the hand-written dqops/_runtime and dqops/jobs.py) reports no error. On
  failure the message gives the count per error code and the errors themselves.
- `test_user_code_type_checks_against_the_installed_sdk`: what a user's `mypy --strict` sees.
  A small script using the documented API is checked from outside the repository, where
  mypy finds dqops as an installed package: every module it imports must be typed (a
  py.typed marker on it or a parent package), and the types must be precise enough for
  `--strict` (no `Any` leaking into user code).
- `test_every_package_is_marked_typed` / `test_pyproject_ships_py_typed`: the markers exist in
  the source tree and the setuptools configuration ships them. tests/release/test_distribution.py
  builds the wheel and the sdist and checks that both contain them.

mypy keeps its cache under .mypy_cache/ (gitignored): a first run on the ~1,150 modules
takes about 15 s on this machine, a repeated one about a second.
"""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

from support.mypy_checks import (
    PACKAGE_DIR,
    describe_errors,
    marked_cache,
    require_generated_package,
    run_mypy,
    type_check_user_script,
)
from support.paths import REPO_ROOT

#: Code a user writes with the SDK, as in README.md. Under `--strict`, an untyped module of
#: the SDK shows up as `import-untyped`, `attr-defined` or "Returning Any" errors here.
USER_SCRIPT = """
    from __future__ import annotations

    import asyncio
    import datetime

    from collections.abc import Mapping
    from typing import Any, assert_type

    from dqops import client, jobs
    from dqops._runtime.retry import RetryPolicy
    from dqops.client import errors
    from dqops.client.api.check_results import get_column_monitoring_checks_results, get_table_data_quality_status
    from dqops.client.api.connections import create_connection, get_all_connections
    from dqops.client.api.jobs import run_checks
    from dqops.client.models import (
        CheckSearchFilters,
        CheckTimeScale,
        ConnectionModel,
        RunChecksParameters,
        RunChecksQueueJobResult,
        TableCurrentDataQualityStatusModel,
    )
    from dqops.client.types import Response


    def make_client() -> client.AuthenticatedClient:
        return client.AuthenticatedClient(
            "http://localhost:8888/", token="t", retry_policy=RetryPolicy(max_retries=3)
        )


    def connections(dqops_client: client.AuthenticatedClient) -> list[ConnectionModel]:
        try:
            found = get_all_connections.sync(client=dqops_client)
        except errors.DQOpsError:
            return []
        return found or []


    def run(dqops_client: client.AuthenticatedClient) -> RunChecksQueueJobResult:
        parameters = RunChecksParameters(check_search_filters=CheckSearchFilters(connection="c"))
        return jobs.run_checks(dqops_client, parameters, timeout=600)


    async def run_async(dqops_client: client.AuthenticatedClient) -> RunChecksQueueJobResult:
        parameters = RunChecksParameters(check_search_filters=CheckSearchFilters(connection="c"))
        return await jobs.run_checks_async(dqops_client, parameters)


    def scale() -> CheckTimeScale:
        return CheckTimeScale.DAILY


    def filters_as_json() -> dict[str, object]:
        return CheckSearchFilters.from_dict({"connection": "c"}).to_dict()


    asyncio.run(run_async(make_client()))


    # README's example: an operation that answers a body returns it, never None.
    def readme_status(dqops_client: client.AuthenticatedClient) -> None:
        status = get_table_data_quality_status.sync(
            "sample_connection", "sample_schema", "sample_table", client=dqops_client
        )
        print(status.current_severity)
        assert_type(status, TableCurrentDataQualityStatusModel)


    def typed_returns(dqops_client: client.AuthenticatedClient) -> None:
        assert_type(get_all_connections.sync(client=dqops_client), list[ConnectionModel])
        assert_type(create_connection.sync("c", client=dqops_client, json_body={"name": "c"}), None)
        detailed = get_all_connections.sync_detailed(client=dqops_client)
        assert_type(detailed, Response[list[ConnectionModel] | None])
        # Code written for upstream's client still type-checks.
        found = get_table_data_quality_status.sync("c", "s", "t", client=dqops_client)
        if found is not None:
            print(found.current_severity)


    async def typed_returns_async(dqops_client: client.AuthenticatedClient) -> RunChecksQueueJobResult:
        return await run_checks.asyncio(client=dqops_client, json_body=RunChecksParameters())


    def mappings_and_enum_text(dqops_client: client.AuthenticatedClient) -> RunChecksQueueJobResult:
        body: Mapping[str, Any] = {"check_search_filters": {"connection": "c"}}
        get_table_data_quality_status.sync("c", "s", "t", client=dqops_client, check_time_scale="daily")
        get_table_data_quality_status.sync("c", "s", "t", client=dqops_client, check_time_scale=CheckTimeScale.DAILY)
        RunChecksParameters(check_search_filters={"connection": "c"})
        return run_checks.sync(client=dqops_client, json_body=body)


    # Date parameters take datetime.date, as upstream's client types them, or ISO 8601 text.
    def dated(dqops_client: client.AuthenticatedClient) -> None:
        get_column_monitoring_checks_results.sync(
            "c", "s", "t", "col", CheckTimeScale.DAILY, client=dqops_client,
            month_start=datetime.date(2024, 8, 1), month_end="2024-08-31",
        )
"""

#: Misuse that mypy --strict must report, each on its line: the hints say what is accepted.
MISUSE_SCRIPT = """
    from dqops import client
    from dqops.client.api.jobs import run_checks
    from dqops.client.api.tables import get_table
    from dqops.client.models import RunChecksParameters


    def misuse(dqops_client: client.AuthenticatedClient) -> None:
        run_checks.sync(client=dqops_client, json_body=[1, 2])  # error: list
        run_checks.sync(client=dqops_client)  # error: missing json_body
        get_table.sync(None, "s", "t", client=dqops_client)  # error: None
        get_table.sync("c", "s", "t", client=dqops_client).spec = 3  # error: int
        RunChecksParameters(check_search_filters=["c"])  # error: list
        status = get_table.sync("c", "s", "t", client=dqops_client)
        status.no_such_field  # error: attribute
"""


def test_mypy_strict_passes_on_the_package():
    require_generated_package()
    returncode, output, errors = run_mypy("dqops", cwd=REPO_ROOT, cache="strict")
    assert returncode == 0 and not errors, describe_errors(output, errors)
    assert "Success: no issues found" in output, output


def test_user_code_type_checks_against_the_installed_sdk(tmp_path):
    type_check_user_script(tmp_path, USER_SCRIPT, "user-code")


def test_misuse_fails_type_checking_where_it_is(tmp_path):
    """The hints are precise: each misuse is reported on its own line, and nothing else is."""
    require_generated_package()
    script = tmp_path / "misuse.py"
    text = textwrap.dedent(MISUSE_SCRIPT).lstrip()
    script.write_text(text, encoding="utf-8")
    expected = {number for number, line in enumerate(text.splitlines(), start=1) if "# error:" in line}
    returncode, output, errors = run_mypy(script.name, cwd=tmp_path, cache=marked_cache("user-code"))
    assert returncode == 1, output
    reported = {int(match["line"]) for match in errors}
    assert reported == expected, output


# ---------------------------------------------------------------------------
# py.typed markers
# ---------------------------------------------------------------------------


def packages_in(root: Path) -> list[Path]:
    """Every regular package directory under (and including) dqops/."""
    return sorted(init.parent for init in root.rglob("__init__.py") if "__pycache__" not in init.parts)


def is_marked_typed(package: Path) -> bool:
    """PEP 561: a py.typed marker in the package or in one of its parent packages."""
    return any(
        (parent / "py.typed").is_file() for parent in [package, *package.parents] if parent.is_relative_to(PACKAGE_DIR)
    )


def test_every_package_is_marked_typed():
    """dqops/py.typed marks the whole distribution: dqops, dqops.jobs, dqops._runtime and dqops.client."""
    require_generated_package()
    assert (REPO_ROOT / "templates" / "py.typed").is_file(), "templates/py.typed is what generate.py copies"
    assert (PACKAGE_DIR / "client" / "py.typed").is_file(), "dqops/client/py.typed: run `make generate`"
    unmarked = [
        str(package.relative_to(REPO_ROOT)) for package in packages_in(PACKAGE_DIR) if not is_marked_typed(package)
    ]
    assert not unmarked, (
        f"packages without a py.typed marker (PEP 561; type checkers treat them as untyped): {unmarked}. "
        "An empty dqops/py.typed marks every subpackage."
    )


def test_pyproject_ships_py_typed():
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools_config = config.get("tool", {}).get("setuptools", {})
    package_data = setuptools_config.get("package-data", {})
    shipped = {pattern for key in ("*", "dqops", "dqops.client") for pattern in package_data.get(key, [])}
    assert "py.typed" in shipped, f"[tool.setuptools.package-data] does not ship py.typed: {package_data}"
    include = setuptools_config.get("packages", {}).get("find", {}).get("include", [])
    assert "dqops*" in include, f"[tool.setuptools.packages.find] include: {include}"
