"""Typing: the SDK passes `mypy --strict`, and it ships its py.typed markers (PEP 561).

- `test_mypy_strict_passes_on_the_package`: `python -m mypy --strict dqops` (the generated
  dqops/client, the hand-written dqops/_runtime and dqops/jobs.py) reports no error. On
  failure the message gives the count per error code and the errors themselves.
- `test_user_code_type_checks_against_the_installed_sdk`: what a user's `mypy --strict` sees.
  A small script using the documented API is checked from outside the repository, where
  mypy finds dqops as an installed package: every module it imports must be typed (a
  py.typed marker on it or a parent package), and the types must be precise enough for
  `--strict` (no `Any` leaking into user code).
- `test_lists_and_maps_of_models_and_enums_type_check_by_their_json_form`: for every field holding
  a list or a map of models or enums (from the spec), a constructor call mypy accepts and the
  calls it must flag (a misspelt or Python-name key in an item, text for an enum item).
- `test_every_package_is_marked_typed` / `test_pyproject_ships_py_typed`: the markers exist in
  the source tree and the setuptools configuration ships them. tests/release/test_distribution.py
  builds the wheel and the sdist and checks that both contain them.

mypy keeps its cache under .mypy_cache/ (gitignored): a first run on the ~1,150 modules
takes about 15 s on this machine, a repeated one about a second.
"""

from __future__ import annotations

import enum
import json
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from support.model_cases import HeldField, held_fields
from support.mypy_checks import (
    PACKAGE_DIR,
    describe_errors,
    marked_cache,
    require_generated_package,
    run_mypy,
    type_check_user_script,
)
from support.paths import REPO_ROOT

from dqops._runtime.fields import json_names

#: Code a user writes with the SDK, as in README.md. Under `--strict`, an untyped module of
#: the SDK shows up as `import-untyped`, `attr-defined` or "Returning Any" errors here.
USER_SCRIPT = """
    from __future__ import annotations

    import asyncio
    import datetime

    from typing import TYPE_CHECKING, assert_type

    from dqops import client, jobs
    from dqops._runtime.retry import RetryPolicy
    from dqops.client import errors
    from dqops.client.api.check_results import get_column_monitoring_checks_results, get_table_data_quality_status
    from dqops.client.api.connections import create_connection, get_all_connections
    from dqops.client.api.jobs import run_checks
    from dqops.client.models import (
        CheckResultEntryModel,
        CheckSearchFilters,
        CheckTimeScale,
        ColumnSpec,
        CommentSpec,
        ConnectionModel,
        IncidentCountsModel,
        RunChecksParameters,
        RunChecksQueueJobResult,
        TableCurrentDataQualityStatusModel,
        TableSpec,
    )
    from dqops.client.types import Response, Unset

    if TYPE_CHECKING:
        from dqops.client.models import ColumnSpecDict, CommentSpecDict, CheckSearchFiltersDict, RunChecksParametersDict


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
        assert_type(create_connection.sync("c", client=dqops_client, json_body={"provider_type": "postgresql"}), None)
        detailed = get_all_connections.sync_detailed(client=dqops_client)
        assert_type(detailed, Response[list[ConnectionModel] | None])
        # Code written for upstream's client still type-checks.
        found = get_table_data_quality_status.sync("c", "s", "t", client=dqops_client)
        if found is not None:
            print(found.current_severity)


    async def typed_returns_async(dqops_client: client.AuthenticatedClient) -> RunChecksQueueJobResult:
        return await run_checks.asyncio(client=dqops_client, json_body=RunChecksParameters())


    # Mappings in the JSON form of a model, by JSON name: json_body= and fields typed as a model
    # take them (the <Model>Dict TypedDicts), written inline or annotated.
    def mappings_and_enum_text(dqops_client: client.AuthenticatedClient) -> RunChecksQueueJobResult:
        body: RunChecksParametersDict = {"check_search_filters": {"connection": "c", "timeScale": "daily"}}
        filters: CheckSearchFiltersDict = {"fullTableName": "s.t", "timeScale": CheckTimeScale.MONTHLY}
        get_table_data_quality_status.sync("c", "s", "t", client=dqops_client, check_time_scale="daily")
        get_table_data_quality_status.sync("c", "s", "t", client=dqops_client, check_time_scale=CheckTimeScale.DAILY)
        RunChecksParameters(check_search_filters={"connection": "c", "checkType": "monitoring"})
        RunChecksParameters(check_search_filters=filters)
        run_checks.sync(
            client=dqops_client,
            json_body={"check_search_filters": {"connection": "c", "timeScale": "daily"}, "dummy_execution": True},
        )
        return run_checks.sync(client=dqops_client, json_body=body)


    # The job functions take the body's JSON form too, by the same TypedDicts.
    def jobs_on_mappings(dqops_client: client.AuthenticatedClient) -> RunChecksQueueJobResult:
        jobs.collect_statistics_on_table(dqops_client, filters={"connection": "c", "fullTableName": "s.t"})
        handle = jobs.start_run_checks(dqops_client, {"check_search_filters": {"timeScale": "daily"}}, business_key="k")
        assert_type(handle, jobs.JobHandle[RunChecksQueueJobResult])
        body: RunChecksParametersDict = {"check_search_filters": {"connection": "c"}, "dummy_execution": True}
        jobs.run_checks(dqops_client, parameters=body, timeout=60, poll_seconds=5)
        return jobs.run_checks(dqops_client, {"check_search_filters": {"connection": "c", "timeScale": "daily"}})


    # Fields holding lists and maps of models take models and mappings of their JSON form, also
    # from a list or a dict annotated with the TypedDict (Sequence and Mapping are covariant).
    def lists_and_maps() -> TableSpec:
        comments: list[CommentSpecDict] = [{"comment": "checked", "comment_by": "me"}]
        columns: dict[str, ColumnSpecDict] = {"id": {"sql_expression": "1"}}
        TableSpec(comments=[CommentSpec(comment="a"), {"comment": "b"}], columns={"id": ColumnSpec(), "b": {}})
        return TableSpec(comments=comments, columns=columns)


    # Date parameters take datetime.date, as upstream's client types them, or ISO 8601 text.
    def dated(dqops_client: client.AuthenticatedClient) -> None:
        get_column_monitoring_checks_results.sync(
            "c", "s", "t", "col", CheckTimeScale.DAILY, client=dqops_client,
            month_start=datetime.date(2024, 8, 1), month_end="2024-08-31",
        )


    # Date fields are datetime.date / datetime.datetime, as upstream's client types them.
    def issue_day(issue: CheckResultEntryModel) -> datetime.date | None:
        if isinstance(issue.time_period, Unset):
            return None
        assert_type(issue.time_period, datetime.datetime)
        return issue.time_period.date()


    def counted_month(counts: IncidentCountsModel) -> int:
        if isinstance(counts.current_month_date, datetime.date):
            return counts.current_month_date.month
        return 0


    print(issue_day(CheckResultEntryModel.from_dict({"timePeriod": "2024-08-24T14:15:22"})))
    CommentSpec(date=datetime.datetime.now(datetime.timezone.utc), comment="checked").to_dict()
"""

#: A script in the style of DQOps's own docs for its client, with the body as a mapping of its
#: JSON names, written where it is passed, which is where mypy types it by the TypedDict.
UPSTREAM_STYLE_SCRIPT = """
    from dqops import client
    from dqops.client.api.jobs import run_checks

    dqops_client = client.Client(
        'http://localhost:8888/'
    )

    call_result = run_checks.sync(
        client=dqops_client,
        json_body={
            'check_search_filters': {
                'column': 'sample_column',
                'columnDataType': 'string',
                'connection': 'sample_connection',
                'fullTableName': 'sample_schema.sample_table',
                'enabled': True,
                'timeScale': 'daily',
            },
            'dummy_execution': False,
        },
    )
    print(call_result.status)
"""

#: Misuse that mypy --strict must report, each on its line: the hints say what is accepted.
MISUSE_SCRIPT = """
    from dqops import client, jobs
    from dqops.client.api.jobs import run_checks
    from dqops.client.api.tables import get_table
    from dqops.client.models import CommentSpec, RunChecksParameters


    def misuse(dqops_client: client.AuthenticatedClient) -> None:
        run_checks.sync(client=dqops_client, json_body=[1, 2])  # error: list
        run_checks.sync(client=dqops_client)  # error: missing json_body; mypy: Missing named argument "json_body"
        run_checks.sync(client=dqops_client, json_body={"check_search_filters": {"time_scale": "daily"}})  # error: a Python name; mypy: expected "RunChecksParameters | RunChecksParametersDict"
        run_checks.sync(client=dqops_client, json_body={"check_search_filters": {"conection": "c"}})  # error: misspelt; mypy: expected "RunChecksParameters | RunChecksParametersDict"
        run_checks.sync(client=dqops_client, json_body={"dummy_executon": True})  # error: misspelt; mypy: expected "RunChecksParameters | RunChecksParametersDict"
        run_checks.sync(client=dqops_client, json_body={"check_search_filters": {"timeScale": "dayly"}})  # error: enum value; mypy: expected "RunChecksParameters | RunChecksParametersDict"
        RunChecksParameters(check_search_filters={"time_scale": "daily"})  # error: a Python name; mypy: expected "CheckSearchFilters | CheckSearchFiltersDict | Unset"
        get_table.sync(None, "s", "t", client=dqops_client)  # error: None
        get_table.sync("c", "s", "t", client=dqops_client).spec = 3  # error: int
        RunChecksParameters(check_search_filters=["c"])  # error: list
        CommentSpec(date="2024-08-24T14:15:22Z")  # error: text for a datetime
        status = get_table.sync("c", "s", "t", client=dqops_client)
        status.no_such_field  # error: attribute
        jobs.run_checks(dqops_client, {"check_search_filters": {"time_scale": "daily"}})  # error: a Python name; mypy: expected "RunChecksParameters | RunChecksParametersDict"
        jobs.start_import_tables(dqops_client, {"conectionName": "c"})  # error: misspelt; mypy: expected "ImportTablesQueueJobParameters | ImportTablesQueueJobParametersDict"
        jobs.collect_statistics_on_table(dqops_client, {"full_table_name": "s.t"})  # error: a Python name; mypy: expected "StatisticsCollectorSearchFilters | StatisticsCollectorSearchFiltersDict"
        jobs.collect_statistics_on_table(dqops_client, parameters={"connection": "c"})  # error: the keyword is filters; mypy: Unexpected keyword argument "parameters"
        jobs.start_run_checks(dqops_client, {}, poll_seconds=5)  # error: a start takes no poll_seconds; mypy: Unexpected keyword argument "poll_seconds"
"""


def test_mypy_strict_passes_on_the_package():
    require_generated_package()
    returncode, output, errors = run_mypy("dqops", cwd=REPO_ROOT, cache="strict")
    assert returncode == 0 and not errors, describe_errors(output, errors)
    assert "Success: no issues found" in output, output


def test_user_code_type_checks_against_the_installed_sdk(tmp_path):
    type_check_user_script(tmp_path, USER_SCRIPT, "user-code")


def test_a_mapping_body_in_upstreams_style_type_checks_and_is_sent_as_written(tmp_path):
    type_check_user_script(tmp_path, UPSTREAM_STYLE_SCRIPT, "upstream-style")
    sent = run_script_against_mock(tmp_path / "upstream_style.py", "/api/jobs/runchecks", {"status": "finished"})
    assert sent == {
        "check_search_filters": {
            "column": "sample_column",
            "columnDataType": "string",
            "connection": "sample_connection",
            "fullTableName": "sample_schema.sample_table",
            "enabled": True,
            "timeScale": "daily",
        },
        "dummy_execution": False,
    }


def stub_typed_dicts() -> dict[str, set[str] | None]:
    """The TypedDicts of dqops/client/models/_json.pyi by name: the keys of each, or None for an
    alias (`dict[str, ...]`, the JSON form of a model without fields)."""
    import ast

    tree = ast.parse((PACKAGE_DIR / "client" / "models" / "_json.pyi").read_text(encoding="utf-8"))
    found: dict[str, set[str] | None] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            found[node.name] = {item.target.id for item in node.body if isinstance(item, ast.AnnAssign)}
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            keys = node.value.args[1]
            assert isinstance(keys, ast.Dict)
            found[node.targets[0].id] = {key.value for key in keys.keys}
        elif isinstance(node, ast.AnnAssign) and node.target.id.endswith("Dict"):
            found[node.target.id] = None
    return found


def test_every_model_has_its_typed_dict_by_json_names_in_the_stub_and_at_run_time():
    """For each model class: `<Model>Dict` in the stub has the model's JSON names as its keys, all
    optional, and `from dqops.client.models import <Model>Dict` gives a TypedDict of the same keys."""
    import enum
    import importlib
    import typing

    require_generated_package()
    models = importlib.import_module("dqops.client.models")
    stub = stub_typed_dicts()
    classes = {name: getattr(models, name) for name in models.__all__}
    model_classes = {
        name: cls for name, cls in classes.items() if cls.__name__ == name and not issubclass(cls, enum.Enum)
    }
    assert set(stub) == {f"{name}Dict" for name in model_classes}
    for name, cls in model_classes.items():
        json_names = set(getattr(sys.modules[cls.__module__], "_UNSET_FIELDS", {}))
        at_run_time = getattr(models, f"{name}Dict")
        if stub[f"{name}Dict"] is None:
            assert not json_names and at_run_time == dict[str, typing.Any], name
            continue
        assert stub[f"{name}Dict"] == json_names, name
        assert typing.is_typeddict(at_run_time) and at_run_time.__optional_keys__ == json_names, name
    with pytest.raises(ImportError):
        from dqops.client.models import CheckTimeScaleDict  # noqa: F401 - an enum has none


def run_script_against_mock(script: Path, path: str, answer: object) -> object:
    """Run `script` with DQOps mocked by respx (answering `answer` at `path`); the JSON it sent there."""
    import runpy

    import respx

    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"http://localhost:8888{path}").respond(200, json=answer)
        runpy.run_path(str(script), run_name="__main__")
    return json.loads(route.calls.last.request.content)


def job_functions_script() -> str:
    """A script that calls each job function of dqops.jobs as its run-time signature (what help()
    shows) says: every parameter by its keyword, of its annotated type, and the return as annotated
    (a coroutine of it for the async twin)."""
    import inspect
    import re

    from support.job_helpers import job_functions_with_a_body

    calls, names = [], set()
    for function in job_functions_with_a_body():
        signature = inspect.signature(function)
        _client, body, *options = signature.parameters.values()
        returns = str(signature.return_annotation)
        if function.__name__.endswith("_async"):
            returns = f"Coroutine[Any, Any, {returns}]"
        names.update(re.findall(r"[A-Z]\w+", f"{body.annotation} {returns}"))
        arguments = ", ".join(f"{option.name}={option.default!r}" for option in options)
        calls += [
            f"def call_{function.__name__}(dqops_client: Client, body: {body.annotation}) -> {returns}:",
            f"    return assert_type(jobs.{function.__name__}(client=dqops_client, {body.name}=body, {arguments}), {returns})",
        ]
    models = sorted(names - {"Any", "Coroutine", "JobHandle"})
    header = [
        "from collections.abc import Coroutine",
        "from typing import Any, assert_type",
        "from dqops import jobs",
        "from dqops.client import Client",
        "from dqops.jobs import JobHandle",
        f"from dqops.client.models import {', '.join(models)}",
    ]
    return "\n".join(header + calls) + "\n"


def test_job_functions_type_check_as_their_run_time_signatures_say(tmp_path):
    """mypy --strict sees each job function with the parameters, types and return that help() shows."""
    type_check_user_script(tmp_path, job_functions_script(), "job-functions")


def test_misuse_fails_type_checking_where_it_is(tmp_path):
    """The hints are precise: each misuse is reported on its own line, and nothing else is."""
    assert_errors_where_marked(tmp_path, textwrap.dedent(MISUSE_SCRIPT).lstrip(), "misuse.py")


def held_fields_script() -> str:
    """For every field holding a list or a map of models or enums (from the spec): a correct call
    of its model's constructor (models, and mappings of their JSON form; members), and calls that
    mypy must flag, marked `# error`: a key that is no JSON name of the items' model (a misspelt
    or a Python-name key), and text for an enum."""
    imports: set[str] = set()
    calls: list[str] = []

    def holding(held: HeldField, *items: str) -> str:
        if held.shape == "list":
            return "[" + ", ".join(items) + "]"
        return "{" + ", ".join(f'"k{index}": {item}' for index, item in enumerate(items)) + "}"

    for held in held_fields():
        model, item, field = held.model.__name__, held.item.__name__, held.field
        imports |= {model, item}
        if issubclass(held.item, enum.Enum):
            known = next(iter(held.item._value2member_map_))
            calls.append(f"{model}({field}={holding(held, f'{item}({known!r})')})")
            calls.append(f"{model}({field}={holding(held, repr(known))})  # error: text for an enum")
            continue
        calls.append(f"{model}({field}={holding(held, f'{item}()', '{}')})")
        if not json_names_of(held.item):
            continue  # the JSON form of a model without fields takes any key
        calls.append(f"{model}({field}={holding(held, '{' + repr('notAField') + ': 1}')})  # error: misspelt")
        for python in list(json_names(held.item))[:1]:
            calls.append(f"{model}({field}={holding(held, '{' + repr(python) + ': None}')})  # error: Python name")
    names = ", ".join(sorted(imports))
    return f"from dqops.client.models import {names}\n\n" + "\n".join(calls) + "\n"


def json_names_of(model: type) -> list[str]:
    return list(getattr(sys.modules[model.__module__], "_UNSET_FIELDS", {}))


def test_lists_and_maps_of_models_and_enums_type_check_by_their_json_form(tmp_path):
    """Every field holding a list or a map of models takes models and mappings typed by the JSON
    form of the items (`Sequence[Model | ModelDict]`, `Mapping[str, Model | ModelDict]`): mypy
    flags a misspelt or a Python-name key in an item, and text given for an enum item."""
    assert_errors_where_marked(tmp_path, held_fields_script(), "held_fields.py")


def assert_errors_where_marked(tmp_path: Path, text: str, name: str) -> None:
    """mypy --strict reports an error on each line of `text` marked `# error:`, and on no other."""
    require_generated_package()
    script = tmp_path / name
    script.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    expected = {number for number, line in enumerate(lines, start=1) if "# error:" in line}
    returncode, output, errors = run_mypy(script.name, cwd=tmp_path, cache=marked_cache("user-code"))
    assert returncode == 1, output
    reported = {int(match["line"]) for match in errors}
    assert reported == expected, output
    # Where the script says what mypy reports (`mypy: <text>`), its message on that line says so.
    for number in sorted(expected):
        _, _, said = lines[number - 1].partition("; mypy: ")
        messages = [match["message"] for match in errors if int(match["line"]) == number]
        assert not said or any(said in message for message in messages), (number, said, messages)


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
