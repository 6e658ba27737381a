"""Code written for upstream's published client (PyPI `dqops` 1.13.1) runs unchanged on ours.

tests/support/upstream_compat.py compares the installed `dqops.client` with the committed snapshot of
upstream's public surface (openapi/upstream/dqops-1.13.1.surface.json, made by
scripts/upstream_surface.py). Every incompatibility it finds must be a difference listed in
tests/support/upstream/compat-differences.json with its reason (where upstream is wrong), and every
listed difference must still occur. The other tests give the checker doctored snapshots, to
show that it finds each kind of incompatibility.
"""

from __future__ import annotations

import copy
import importlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from support import upstream_compat as compat

SNAPSHOT = compat.load_snapshot()


@pytest.fixture(scope="module")
def found() -> list[compat.Incompatibility]:
    return compat.incompatibilities(SNAPSHOT)


def api_version() -> str:
    return str(importlib.import_module("dqops.client").API_VERSION)


def listed_differences() -> dict[tuple[str, str, str], str]:
    return {(d["kind"], d["where"], d["name"]): d["reason"] for d in compat.load_differences()}


def test_every_incompatibility_with_upstream_is_a_listed_difference(found):
    listed = listed_differences()
    unlisted = [str(incompatibility) for incompatibility in found if incompatibility.key not in listed]
    assert not unlisted, (
        f"{len(unlisted)} incompatibilities of dqops.client (DQOps {api_version()} API) with upstream dqops "
        f"{SNAPSHOT['upstream']['version']} (fix them, or list them with their reason in "
        "tests/support/upstream/compat-differences.json):\n" + "\n".join(unlisted)
    )


def test_every_listed_difference_still_occurs(found):
    occurring = {incompatibility.key for incompatibility in found}
    stale = sorted(key for key in listed_differences() if key not in occurring)
    assert not stale, (
        f"listed in tests/support/upstream/compat-differences.json but no longer occurring in dqops.client "
        f"(DQOps {api_version()} API): {stale}"
    )


def test_listed_differences_are_unique_and_give_their_reason():
    differences = compat.load_differences()
    keys = [(d["kind"], d["where"], d["name"]) for d in differences]
    assert len(keys) == len(set(keys))
    for difference in differences:
        assert set(difference) == {"kind", "where", "name", "reason"}, difference
        assert len(difference["reason"].split()) >= 8, f"give the exact reason: {difference}"


def test_the_snapshot_is_upstream_1_13_1_from_pypi():
    upstream = SNAPSHOT["upstream"]
    assert (upstream["package"], upstream["version"]) == ("dqops", "1.13.1")
    assert re.fullmatch(r"[0-9a-f]{64}", upstream["wheel_sha256"])
    assert upstream["wheel"] == "dqops-1.13.1-py2.py3-none-any.whl"


def test_the_snapshot_describes_every_operation_and_class():
    for module_name, module in SNAPSHOT["api"].items():
        operation = module["operation"]
        assert operation["method"] in ("GET", "POST", "PUT", "PATCH", "DELETE"), module_name
        assert {"sync_detailed", "asyncio_detailed"} <= module["functions"].keys(), module_name
        parameters = {p["name"] for p in module["functions"]["sync_detailed"]["parameters"]}
        sent = set(operation["path_parameters"]) | set(operation["query_parameters"])
        assert sent <= parameters, module_name
        assert parameters - sent - {"client", "json_body"} == set(), module_name
    for class_name, cls in SNAPSHOT["models"].items():
        if cls["kind"] == "enum":
            assert cls["members"], class_name
            assert class_name in SNAPSHOT["enum_usage"], class_name
        else:
            keys = [field["json"] for field in cls["fields"] if field["name"] != "additional_properties"]
            assert all(keys) and len(keys) == len(set(keys)), class_name


# The checker finds each kind of incompatibility: a snapshot doctored so that upstream has
# something ours lacks must give exactly the findings its doctor is registered with.
Surface = dict[str, Any]
Finding = tuple[str, str, str]
DOCTORED: list[Any] = []


def finds(*expected: Finding) -> Callable[[Callable[[Surface], None]], Callable[[Surface], None]]:
    """Register the doctor below as giving exactly the `expected` findings (kind, where, name)."""

    def register(doctor: Callable[[Surface], None]) -> Callable[[Surface], None]:
        DOCTORED.append(pytest.param(doctor, set(expected), id=expected[0][0]))
        return doctor

    return register


@finds(("missing operation module", "api connections.no_such_operation", "connections.no_such_operation"))
def _add_operation_module(s: Surface) -> None:
    s["api"]["connections.no_such_operation"] = s["api"]["connections.get_all_connections"]


@finds(("missing parameter", "api connections.get_all_connections.sync", "no_such_parameter"))
def _add_parameter(s: Surface) -> None:
    parameters = s["api"]["connections.get_all_connections"]["functions"]["sync"]["parameters"]
    parameters.append({"annotation": "str", "kind": "keyword-only", "name": "no_such_parameter", "required": False})


@finds(
    ("parameter kind", "api tables.get_tables.asyncio", "connection_name"),
    # ... and so upstream's positional arguments, schema_name first, would land elsewhere.
    ("parameter position", "api tables.get_tables.asyncio", "schema_name"),
)
def _make_path_parameter_keyword_only(s: Surface) -> None:
    s["api"]["tables.get_tables"]["functions"]["asyncio"]["parameters"][0]["kind"] = "keyword-only"


@finds(("parameter required", "api tables.get_tables.sync_detailed", "connection_name"))
def _make_parameter_optional(s: Surface) -> None:
    s["api"]["tables.get_tables"]["functions"]["sync_detailed"]["parameters"][0]["required"] = False


@finds(("query parameter name", "api tables.get_tables", "page"))
def _rename_query_parameter(s: Surface) -> None:
    s["api"]["tables.get_tables"]["operation"]["query_parameters"]["page"] = "pageNumber"


@finds(("operation path", "api tables.get_tables", "path"))
def _move_operation(s: Surface) -> None:
    s["api"]["tables.get_tables"]["operation"]["path"] = "api/tables"


@finds(("missing class", "model NoSuchModel", "NoSuchModel"))
def _add_class(s: Surface) -> None:
    s["models"]["NoSuchModel"] = s["models"]["RuleModel"]


@finds(("missing enum member", "model CheckTimeScale", "HOURLY"))
def _add_enum_member(s: Surface) -> None:
    s["models"]["CheckTimeScale"]["members"]["HOURLY"] = "hourly"


@finds(("enum member value", "model CheckTimeScale", "DAILY"))
def _change_enum_value(s: Surface) -> None:
    s["models"]["CheckTimeScale"]["members"]["DAILY"] = "day"


@finds(("parameter position", "model BetweenIntsRuleParametersSpec", "to"))
def _swap_model_fields(s: Surface) -> None:
    init = s["models"]["BetweenIntsRuleParametersSpec"]["init"]
    init[0], init[1] = init[1], init[0]


@finds(("missing attribute", "model RuleModel", "no_such_field"))
def _add_field(s: Surface) -> None:
    s["models"]["RuleModel"]["fields"].append({"name": "no_such_field", "json": "noSuchField"})


@finds(("attribute JSON key", "model RuleModel", "rule_name"))
def _change_json_key(s: Surface) -> None:
    s["models"]["RuleModel"]["fields"][0]["json"] = "ruleName"


@finds(("missing client method", "client Client", "no_such_method"))
def _add_client_method(s: Surface) -> None:
    s["client"]["Client"]["methods"].append("no_such_method")


@finds(("client default", "client Client", "follow_redirects"))
def _change_client_default(s: Surface) -> None:
    s["client"]["Client"]["httpx_defaults"]["follow_redirects"] = True


@finds(("missing name", "types", "NoSuchType"))
def _add_type_name(s: Surface) -> None:
    s["types"]["all"].append("NoSuchType")


@pytest.mark.parametrize("doctor, expected", DOCTORED)
def test_the_checker_finds_what_ours_lacks(found, doctor, expected):
    surface = copy.deepcopy(SNAPSHOT)
    doctor(surface)
    new = {i.key for i in compat.incompatibilities(surface)} - {i.key for i in found}
    assert new == set(expected)
