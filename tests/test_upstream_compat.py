"""Code written for upstream's published client (PyPI `dqops` 1.13.1) runs unchanged on ours.

tests/upstream_compat.py compares the installed `dqops.client` with the committed snapshot of
upstream's public surface (openapi/upstream/dqops-1.13.1.surface.json, made by
scripts/upstream_surface.py). Every incompatibility it finds must be a difference listed in
tests/upstream/compat-differences.json with its reason (where upstream is wrong), and every
listed difference must still occur. The other tests give the checker doctored snapshots, to
show that it finds each kind of incompatibility.
"""

from __future__ import annotations

import copy
import importlib
import re
from typing import Any

import pytest
import upstream_compat as compat

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
        "tests/upstream/compat-differences.json):\n" + "\n".join(unlisted)
    )


def test_every_listed_difference_still_occurs(found):
    occurring = {incompatibility.key for incompatibility in found}
    stale = sorted(key for key in listed_differences() if key not in occurring)
    assert not stale, (
        f"listed in tests/upstream/compat-differences.json but no longer occurring in dqops.client "
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
# something ours lacks must give exactly that finding.


def _add_parameter(surface: dict[str, Any]) -> None:
    parameters = surface["api"]["connections.get_all_connections"]["functions"]["sync"]["parameters"]
    parameters.append({"annotation": "str", "kind": "keyword-only", "name": "no_such_parameter", "required": False})


def _make_path_parameter_keyword_only(surface: dict[str, Any]) -> None:
    parameters = surface["api"]["tables.get_tables"]["functions"]["asyncio"]["parameters"]
    parameters[0]["kind"] = "keyword-only"


def _make_parameter_optional(surface: dict[str, Any]) -> None:
    parameters = surface["api"]["tables.get_tables"]["functions"]["sync_detailed"]["parameters"]
    parameters[0]["required"] = False


def _rename_query_parameter(surface: dict[str, Any]) -> None:
    surface["api"]["tables.get_tables"]["operation"]["query_parameters"]["page"] = "pageNumber"


def _swap_model_fields(surface: dict[str, Any]) -> None:
    init = surface["models"]["BetweenIntsRuleParametersSpec"]["init"]
    init[0], init[1] = init[1], init[0]


DOCTORED = [
    (
        "missing operation module",
        lambda s: s["api"].__setitem__("connections.no_such_operation", s["api"]["connections.get_all_connections"]),
        ("missing operation module", "api connections.no_such_operation", "connections.no_such_operation"),
    ),
    (
        "missing parameter",
        _add_parameter,
        ("missing parameter", "api connections.get_all_connections.sync", "no_such_parameter"),
    ),
    (
        "parameter kind",
        _make_path_parameter_keyword_only,
        ("parameter kind", "api tables.get_tables.asyncio", "connection_name"),
        # ... and so upstream's positional arguments, schema_name first, would land elsewhere.
        ("parameter position", "api tables.get_tables.asyncio", "schema_name"),
    ),
    (
        "parameter required",
        _make_parameter_optional,
        ("parameter required", "api tables.get_tables.sync_detailed", "connection_name"),
    ),
    (
        "query parameter name",
        _rename_query_parameter,
        ("query parameter name", "api tables.get_tables", "page"),
    ),
    (
        "operation path",
        lambda s: s["api"]["tables.get_tables"]["operation"].__setitem__("path", "api/tables"),
        ("operation path", "api tables.get_tables", "path"),
    ),
    (
        "missing class",
        lambda s: s["models"].__setitem__("NoSuchModel", s["models"]["RuleModel"]),
        ("missing class", "model NoSuchModel", "NoSuchModel"),
    ),
    (
        "missing enum member",
        lambda s: s["models"]["CheckTimeScale"]["members"].__setitem__("HOURLY", "hourly"),
        ("missing enum member", "model CheckTimeScale", "HOURLY"),
    ),
    (
        "enum member value",
        lambda s: s["models"]["CheckTimeScale"]["members"].__setitem__("DAILY", "day"),
        ("enum member value", "model CheckTimeScale", "DAILY"),
    ),
    (
        "parameter position",
        _swap_model_fields,
        ("parameter position", "model BetweenIntsRuleParametersSpec", "to"),
    ),
    (
        "missing attribute",
        lambda s: s["models"]["RuleModel"]["fields"].append({"name": "no_such_field", "json": "noSuchField"}),
        ("missing attribute", "model RuleModel", "no_such_field"),
    ),
    (
        "attribute JSON key",
        lambda s: s["models"]["RuleModel"]["fields"][0].__setitem__("json", "ruleName"),
        ("attribute JSON key", "model RuleModel", "rule_name"),
    ),
    (
        "missing client method",
        lambda s: s["client"]["Client"]["methods"].append("no_such_method"),
        ("missing client method", "client Client", "no_such_method"),
    ),
    (
        "client default",
        lambda s: s["client"]["Client"]["httpx_defaults"].__setitem__("follow_redirects", True),
        ("client default", "client Client", "follow_redirects"),
    ),
    (
        "missing name",
        lambda s: s["types"]["all"].append("NoSuchType"),
        ("missing name", "types", "NoSuchType"),
    ),
]


@pytest.mark.parametrize("doctor, expected", [(d, e) for _, d, *e in DOCTORED], ids=[name for name, *_ in DOCTORED])
def test_the_checker_finds_what_ours_lacks(found, doctor, expected):
    surface = copy.deepcopy(SNAPSHOT)
    doctor(surface)
    new = {i.key for i in compat.incompatibilities(surface)} - {i.key for i in found}
    assert new == set(expected)
