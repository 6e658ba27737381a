"""Tests of scripts/api_diff.py: what changed for SDK users between two specs.

First each rule on small hand-made documents (what is breaking, what is not, SDK names), then
the real diffs 2024-07-26 -> 2024-08-02 and 2024-08-02 -> 1.13.2, checked against facts
computed independently from the raw specs (set differences of (method, path) pairs, of schema
names, of property names), and spot checks of changes found by reading the specs.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import build_commands
import pytest
import test_convert_swagger2 as specs  # the cached spec loaders

from scripts import api_diff as ad
from scripts import naming
from scripts import stable_names as sn
from scripts.operations import walk_operations

REPO_ROOT = Path(__file__).resolve().parent.parent
REF = "#/components/schemas/"
OK = {"200": {"description": "OK"}}


def doc(paths: dict[str, Any] | None = None, schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": paths or {},
        "components": {"schemas": schemas or {}},
    }


def op(
    operation_id: str,
    tag: str = "Jobs",
    parameters: list | None = None,
    body: Any = None,
    responses: dict | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {"tags": [tag], "operationId": operation_id, "responses": responses or OK}
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = body
    return operation


def param(name: str, where: str = "query", required: bool = False, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema or {"type": "string"}}


def json_body(schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}, "required": required}


def returns(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def changes_of(old: dict[str, Any], new: dict[str, Any]) -> list[ad.Change]:
    return ad.diff_documents(old, new)


def kinds(changes: list[ad.Change]) -> list[tuple[str, bool, str]]:
    return [(change.kind, change.breaking, change.sdk) for change in changes]


# ---------------------------------------------------------------------------------------
# SDK names
# ---------------------------------------------------------------------------------------


def test_sdk_names_follow_the_generator() -> None:
    names = naming.operation_names(
        {"tags": ["FilteredNotificationsConfigurations"], "operationId": "getDashboardLevel1"}, "get", "/x"
    )
    assert names == ("filtered_notifications_configurations", "get_dashboard_level_1")
    assert naming.python_name("checkTarget") == "check_target"
    assert naming.python_name("type") == "type"  # the SDK keeps builtin names (scripts/naming.py)
    assert naming.python_name("from") == "from_"  # a keyword still gets its underscore
    paths = {
        "/api/{connectionName}": {
            "get": op(
                "getIt",
                parameters=[
                    param("connectionName", "path", True),
                    param("connection_name"),
                    param("client"),
                    param("url"),
                ],
            )
        }
    }
    operation = ad.api_of(doc(paths)).operations[("GET", "/api/{connectionName}")]
    names = {key: p.python_name for key, p in operation.parameters.items()}
    assert names == {
        ("path", "connectionName"): "connection_name_path",
        ("query", "connection_name"): "connection_name_query",
        ("query", "client"): "client_",  # a reserved word of the generated code
        ("query", "url"): "url_query",  # clashes with the request's url: suffixed with its location
    }


def test_sdk_types() -> None:
    assert ad.sdk_type({"$ref": REF + "CheckModel"}, "X") == "CheckModel"
    assert ad.sdk_type({"type": "array", "items": {"$ref": REF + "CheckModel"}}, "X") == "list[CheckModel]"
    assert ad.sdk_type({"type": "object", "additionalProperties": {"$ref": REF + "ColumnSpec"}}, "X") == "ColumnSpecMap"
    assert ad.sdk_type({"type": "object", "additionalProperties": {"type": "string"}}, "X") == "dict[str, str]"
    assert ad.sdk_type({"type": "string", "enum": ["a"]}, "CheckModel_mode") == "CheckModelMode"
    assert ad.sdk_type({"type": "string", "format": "binary"}, "X") == "File"
    assert [ad.sdk_type({"type": t}, "X") for t in ("integer", "number", "boolean", "string")] == [
        "int",
        "float",
        "bool",
        "str",
    ]


# ---------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------


def test_operations_added_removed_moved_renamed() -> None:
    old = doc(
        {
            "/api/a": {"get": op("getA"), "delete": op("deleteA")},
            "/api/old": {"put": op("moveMe")},
            "/api/r": {"get": op("getR", tag="Jobs")},
        }
    )
    new = doc(
        {
            "/api/a": {"get": op("getA"), "post": op("createA")},
            "/api/new": {"put": op("moveMe")},
            "/api/r": {"get": op("getR", tag="Checks")},
        }
    )
    assert kinds(changes_of(old, new)) == [
        ("operation-added", False, "jobs.create_a"),
        ("operation-removed", True, "jobs.delete_a"),
        ("operation-moved", False, "jobs.move_me"),
        ("operation-renamed", True, "checks.get_r"),
    ]


def test_a_removed_operation_names_the_one_that_replaced_it() -> None:
    """Same method, a path that differs in one literal segment, one-to-one: the replacement."""
    old = doc(
        {
            "/api/default/checks/{patternName}": {"get": op("getPattern"), "put": op("updatePattern")},
            "/api/gone/{x}": {"delete": op("deleteGone")},
            "/api/twin/a": {"get": op("getTwin")},
        }
    )
    new = doc(
        {
            "/api/policies/checks/{policyName}": {"get": op("getPolicy"), "put": op("updatePolicy")},
            "/api/other/{x}/more": {"delete": op("deleteOther")},  # another shape: no replacement
            "/api/twin/b": {"get": op("getTwinB")},
            "/api/twin/c": {"get": op("getTwinC")},  # two candidates: no replacement
        }
    )
    removed = {c.sdk: c for c in changes_of(old, new) if c.kind == "operation-removed"}
    assert removed["jobs.get_pattern"].extra["replaced_by"] == "jobs.get_policy"
    assert removed["jobs.update_pattern"].message.endswith(
        "replaced by jobs.update_policy (PUT /api/policies/checks/{policyName})"
    )
    assert "replaced_by" not in removed["jobs.delete_gone"].extra
    assert "replaced_by" not in removed["jobs.get_twin"].extra
    assert all(c.breaking for c in removed.values())


def test_parameter_changes() -> None:
    old = doc(
        {
            "/api/{a}/{b}": {
                "get": op(
                    "getX",
                    parameters=[
                        param("a", "path", True),
                        param("b", "path", True),
                        param("gone"),
                        param("kind"),
                        param("limit", type="integer"),
                        param("loose", required=True),
                    ],
                )
            }
        }
    )
    new = doc(
        {
            "/api/{a}/{b}": {
                "get": op(
                    "getX",
                    parameters=[
                        param("b", "path", True),
                        param("a", "path", True),
                        param("kind", type="integer"),
                        param("limit", type="integer", required=True),
                        param("loose"),
                        param("extra"),
                        param("needed", required=True),
                    ],
                )
            }
        }
    )
    result = {(change.kind, change.breaking, change.sdk) for change in changes_of(old, new)}
    assert result == {
        ("parameter-added", False, "jobs.get_x(extra)"),
        ("parameter-added", True, "jobs.get_x(needed)"),
        ("parameter-removed", True, "jobs.get_x(gone)"),
        ("parameter-type-changed", True, "jobs.get_x(kind)"),
        ("parameter-required-changed", True, "jobs.get_x(limit)"),
        ("parameter-required-changed", False, "jobs.get_x(loose)"),
    }
    # Positional path parameters in a different URL order.
    old = doc({"/api/{a}/x/{b}": {"get": op("getY", parameters=[param("a", "path", True), param("b", "path", True)])}})
    new = doc({"/api/{b}/x/{a}": {"get": op("getY", parameters=[param("a", "path", True), param("b", "path", True)])}})
    changes = changes_of(old, new)
    assert ("path-parameter-order-changed", True, "jobs.get_y") in kinds(changes)
    assert ("operation-moved", False, "jobs.get_y") in kinds(changes)


def test_enum_values_of_an_inline_parameter_enum() -> None:
    old = doc({"/api/x": {"get": op("getX", parameters=[param("mode", type="string", enum=["a", "b"])])}})
    new = doc({"/api/x": {"get": op("getX", parameters=[param("mode", type="string", enum=["a", "c"])])}})
    assert kinds(changes_of(old, new)) == [
        ("parameter-enum-value-added", False, "jobs.get_x(mode)"),
        ("parameter-enum-value-removed", True, "jobs.get_x(mode)"),
    ]


def test_body_and_return_changes() -> None:
    schemas = {"A": {"type": "object"}, "B": {"type": "object"}}
    old = doc(
        {
            "/x": {
                "post": op("postX", body=json_body({"$ref": REF + "A"}), responses=returns({"$ref": REF + "A"})),
                "put": op("putX", body=json_body({"$ref": REF + "A"})),
                "patch": op("patchX"),
            }
        },
        schemas,
    )
    new = doc(
        {
            "/x": {
                "post": op("postX", body=json_body({"$ref": REF + "B"}), responses=returns({"$ref": REF + "B"})),
                "put": op("putX"),
                "patch": op("patchX", body=json_body({"$ref": REF + "A"}, required=True)),
            }
        },
        schemas,
    )
    changes = changes_of(old, new)
    assert {(c.kind, c.breaking, c.sdk) for c in changes} == {
        ("body-type-changed", True, "jobs.post_x(json_body)"),
        ("return-type-changed", True, "jobs.post_x"),
        ("body-removed", True, "jobs.put_x(json_body)"),
        ("body-added", True, "jobs.patch_x(json_body)"),
    }
    returned = next(c for c in changes if c.kind == "return-type-changed")
    assert (returned.old, returned.new, returned.extra["delta"]) == (["A", "None"], ["B", "None"], "+B -A")
    text_body = {"content": {"text/plain": {"schema": {"type": "string"}}}}
    old = doc({"/p": {"put": op("setPassword", body=text_body)}})
    new = doc({"/p": {"put": op("setPassword", body=json_body({"type": "string"}))}})
    assert kinds(changes_of(old, new)) == [("body-type-changed", True, "jobs.set_password(json_body)")]


# ---------------------------------------------------------------------------------------
# Models and enums
# ---------------------------------------------------------------------------------------


def test_model_and_field_changes() -> None:
    old = doc(
        schemas={
            "Gone": {"type": "object"},
            "M": {
                "type": "object",
                "required": ["strict"],
                "properties": {
                    "removed": {"type": "string"},
                    "retyped": {"type": "string"},
                    "strict": {"type": "string"},
                    "loose": {"type": "string"},
                    "mode": {"type": "string", "enum": ["a", "b"]},
                },
            },
        }
    )
    new = doc(
        schemas={
            "New": {"type": "object"},
            "M": {
                "type": "object",
                "required": ["loose", "must"],
                "properties": {
                    "retyped": {"type": "integer"},
                    "strict": {"type": "string"},
                    "loose": {"type": "string"},
                    "mode": {"type": "string", "enum": ["a", "b", "c"]},
                    "added": {"type": "boolean"},
                    "must": {"type": "string"},
                },
            },
        }
    )
    assert set(kinds(changes_of(old, new))) == {
        ("model-added", False, "models.New"),
        ("model-removed", True, "models.Gone"),
        ("field-added", False, "models.M.added"),
        ("field-enum-value-added", False, "models.M.mode"),
        ("field-required-changed", True, "models.M.loose"),
        ("field-added", True, "models.M.must"),
        ("field-removed", True, "models.M.removed"),
        ("field-type-changed", True, "models.M.retyped"),
        ("field-required-changed", False, "models.M.strict"),
    }


def test_a_model_renamed_upstream_with_an_alias_breaks_nothing() -> None:
    schedule = {"type": "object", "properties": {"cron_expression": {"type": "string"}}}
    old = doc(
        schemas={
            "MonitoringScheduleSpec": schedule,
            "Table": {
                "type": "object",
                "properties": {
                    "schedule": {"$ref": REF + "MonitoringScheduleSpec"},
                    "schedules": {"type": "object", "additionalProperties": {"$ref": REF + "MonitoringScheduleSpec"}},
                },
            },
        }
    )
    new = doc(
        schemas={
            "CronScheduleSpec": schedule,
            "Table": {
                "type": "object",
                "properties": {
                    "schedule": {"$ref": REF + "CronScheduleSpec"},
                    "schedules": {"type": "object", "additionalProperties": {"$ref": REF + "CronScheduleSpec"}},
                },
            },
        }
    )
    without_alias = changes_of(old, new)
    assert ("field-type-changed", True, "models.Table.schedule") in kinds(without_alias)
    new, _ = sn.stabilize_names(new, old)  # finds the rename, keeps the old name as an alias
    assert kinds(changes_of(old, new)) == [("model-renamed", False, "models.MonitoringScheduleSpec")]


def test_enum_components() -> None:
    old = doc(schemas={"Level": {"type": "string", "enum": ["a", "b"]}, "Gone": {"type": "string", "enum": ["x"]}})
    new = doc(schemas={"Level": {"type": "string", "enum": ["a", "c"]}, "Added": {"type": "string", "enum": ["y"]}})
    assert kinds(changes_of(old, new)) == [
        ("enum-added", False, "models.Added"),
        ("enum-removed", True, "models.Gone"),
        ("enum-value-added", False, "models.Level"),
        ("enum-value-removed", True, "models.Level"),
    ]


def test_identical_specs_have_no_changes() -> None:
    spec = specs.cleaned_openapi3(specs.SPEC_2024_08_02)
    assert ad.diff_documents(spec, copy.deepcopy(spec)) == []
    assert ad.to_text([], "a", "b").endswith("no changes for SDK users")


# ---------------------------------------------------------------------------------------
# The real diffs, checked against the raw specs
# ---------------------------------------------------------------------------------------


def raw_operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {site.key: site.operation for site in walk_operations(document)}


def sdk_name(operation: dict[str, Any]) -> str:
    return f"{naming.module_name(operation['tags'][0])}.{naming.function_name(operation['operationId'])}"


def schema_names(document: dict[str, Any], enums: bool) -> set[str]:
    return {name for name, schema in document["components"]["schemas"].items() if ("enum" in schema) == enums}


def check_operations_against_raw(changes: list[ad.Change], old_raw: dict[str, Any], new_raw: dict[str, Any]) -> None:
    old_ops, new_ops = raw_operations(old_raw), raw_operations(new_raw)
    added, removed = set(new_ops) - set(old_ops), set(old_ops) - set(new_ops)

    def http_of(text: str) -> tuple[str, str]:
        method, path = text.split(" ", 1)
        return method, path

    reported_added = {http_of(c.http) for c in changes if c.kind == "operation-added"}
    reported_removed = {http_of(c.http) for c in changes if c.kind == "operation-removed"}
    moves = [(http_of(c.old), http_of(c.new)) for c in changes if c.kind == "operation-moved"]
    assert reported_added | {new for _, new in moves} == added
    assert reported_removed | {old for old, _ in moves} == removed
    # A move is a removed and an added operation with the same method, tag and operationId.
    for old, new in moves:
        assert old[0] == new[0]
        assert sdk_name(old_ops[old]) == sdk_name(new_ops[new])
    for change in changes:
        if change.kind == "operation-added":
            assert change.sdk == sdk_name(new_ops[http_of(change.http)]) and not change.breaking
        if change.kind == "operation-removed":
            assert change.sdk == sdk_name(old_ops[http_of(change.http)]) and change.breaking


@pytest.fixture(scope="module")
def july_to_august() -> tuple[list[ad.Change], dict[str, Any], dict[str, Any]]:
    old_raw, new_raw = specs.raw(specs.SPEC_2024_07_26), specs.raw(specs.SPEC_2024_08_02)
    old, new = ad.prepare(copy.deepcopy(old_raw)), ad.prepare(copy.deepcopy(new_raw))
    changes, _ = ad.diff_specs(old, new)
    return changes, old_raw, new_raw


def test_july_to_august_operations(july_to_august) -> None:
    changes, old_raw, new_raw = july_to_august
    check_operations_against_raw(changes, old_raw, new_raw)
    added = [c for c in changes if c.kind == "operation-added"]
    assert len(added) == len(set(raw_operations(new_raw)) - set(raw_operations(old_raw)))
    assert (
        "rule_mining.propose_table_profiling_checks",
        "POST /api/connections/{connectionName}/schemas/{schemaName}/tables/{tableName}/profiling/propose",
    ) in {(c.sdk, c.http) for c in added}
    assert not [c for c in changes if c.kind in ("operation-removed", "operation-moved", "operation-renamed")]


def test_july_to_august_models_fields_enums(july_to_august) -> None:
    changes, old_raw, new_raw = july_to_august
    old_schemas, new_schemas = old_raw["components"]["schemas"], new_raw["components"]["schemas"]
    assert {c.sdk.removeprefix("models.") for c in changes if c.kind == "model-added"} == (
        schema_names(new_raw, False) - schema_names(old_raw, False)
    )
    assert {c.sdk.removeprefix("models.") for c in changes if c.kind == "enum-added"} == (
        schema_names(new_raw, True) - schema_names(old_raw, True)
    )
    assert not [c for c in changes if c.kind in ("model-removed", "enum-removed")]
    common = schema_names(new_raw, False) & schema_names(old_raw, False)
    expected_added = {
        (name, prop)
        for name in common
        for prop in set(new_schemas[name].get("properties", {})) - set(old_schemas[name].get("properties", {}))
    }
    expected_removed = {
        (name, prop)
        for name in common
        for prop in set(old_schemas[name].get("properties", {})) - set(new_schemas[name].get("properties", {}))
    }
    assert {(c.sdk.split(".")[1], c.new["name"]) for c in changes if c.kind == "field-added"} == expected_added
    assert {(c.sdk.split(".")[1], c.old["name"]) for c in changes if c.kind == "field-removed"} == expected_removed
    by_sdk = {(c.kind, c.sdk): c for c in changes}
    # Read in the specs: CheckModel.default_severity refers to RuleSeverityLevel, then DefaultRuleSeverityLevel.
    assert old_schemas["CheckModel"]["properties"]["default_severity"]["$ref"].endswith("/RuleSeverityLevel")
    assert new_schemas["CheckModel"]["properties"]["default_severity"]["$ref"].endswith("/DefaultRuleSeverityLevel")
    severity = by_sdk[("field-type-changed", "models.CheckModel.default_severity")]
    assert (severity.breaking, severity.old, severity.new) == (True, "RuleSeverityLevel", "DefaultRuleSeverityLevel")
    maps = by_sdk[("field-added", "models.IncidentNotificationSpec.filtered_notifications")]
    assert (maps.breaking, maps.new["type"]) == (False, "FilteredNotificationSpecMap")
    assert by_sdk[("field-added", "models.StatisticsCollectorSearchFilters.samples_limit")].new["type"] == "int"
    assert by_sdk[("field-type-changed", "models.ColumnNotNullsPercentCheckSpec.warning")].breaking


def test_july_to_august_cli(tmp_path: Path) -> None:
    old, new = str(specs.SPEC_2024_07_26), str(specs.SPEC_2024_08_02)
    text = build_commands.run("api_diff", old, new)
    assert text.returncode == 0, text.stderr
    as_json = build_commands.run("api_diff", old, new, "--json", "--fail-on-breaking")
    report = json.loads(as_json.stdout)
    breaking = [c for c in report["changes"] if c["breaking"]]
    assert as_json.returncode == (1 if breaking else 0)
    assert report["summary"]["breaking"] == len(breaking) and report["summary"]["total"] == len(report["changes"])
    counts = report["summary"]["by_kind"]
    assert (
        f"operations: {counts.get('operation-added', 0)} added, {counts.get('operation-removed', 0)} removed"
        in text.stdout
    )
    assert f"{report['summary']['total']} changes, {len(breaking)} BREAKING" in text.stdout
    assert "! models.CheckModel.default_severity: type RuleSeverityLevel -> DefaultRuleSeverityLevel" in text.stdout
    same = build_commands.run("api_diff", new, new, "--fail-on-breaking")
    assert same.returncode == 0 and "no changes for SDK users" in same.stdout
    missing = build_commands.run("api_diff", str(tmp_path / "nope.json"), new)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    (tmp_path / "not-a-spec.json").write_text("{}")
    bad = build_commands.run("api_diff", str(tmp_path / "not-a-spec.json"), new)
    assert bad.returncode == 2 and "not a Swagger 2.0 or OpenAPI 3 document" in bad.stderr


def test_august_to_1_13_2(tmp_path: Path) -> None:
    """The pinned spec against 1.13.2 (Swagger 2, converted), in the SDK's stable names."""
    old = specs.cleaned_openapi3(specs.SPEC_2024_08_02)
    new, _ = specs.stable_1_13_2()
    changes = ad.diff_documents(old, new)
    check_operations_against_raw(changes, specs.raw(specs.SPEC_2024_08_02), specs.converted_1_13_2())
    by_kind: dict[str, set[str]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, set()).add(change.sdk)
    # Read in the specs: the default check patterns became quality policies; the filtered
    # notification operations moved from .../filterednotification to .../filterednotifications.
    assert "default_column_check_patterns.get_all_default_column_checks_patterns" in by_kind["operation-removed"]
    assert "column_quality_policies.get_column_quality_policies" in by_kind["operation-added"]
    # Each removed operation is reported next to the quality-policy operation that replaced it.
    removed = [c for c in changes if c.kind == "operation-removed"]
    assert removed and all(
        c.sdk.startswith(("default_column_check_patterns.", "default_table_check_patterns.")) for c in removed
    )
    successors = [c.extra.get("replaced_by", "") for c in removed]
    assert all(s.startswith(("column_quality_policies.", "table_quality_policies.")) for s in successors), successors
    assert len(set(successors)) == len(removed)
    assert set(successors) <= by_kind["operation-added"]
    assert (
        "filtered_notifications_configurations.get_default_filtered_notification_configuration"
        in by_kind["operation-moved"]
    )
    assert "models.CheckMiningParametersModel.propose_null_checks" in by_kind["field-removed"]
    # Enum names stayed, so value changes show as such, and are not breaking.
    provider = [c for c in changes if c.sdk == "models.ProviderType"]
    assert {c.new for c in provider} >= {"clickhouse", "db2"} and {c.kind for c in provider} == {"enum-value-added"}
    assert not [c for c in changes if c.kind == "enum-removed"]
    # Renamed models are aliases, so fields typed with them did not change type.
    assert "models.MonitoringScheduleSpec" in by_kind["model-renamed"]
    assert not [c for c in changes if c.kind == "field-type-changed" and "MonitoringScheduleSpec" in str(c.old)]
    # The CLI takes the raw Swagger 2 file and gives the same changes.
    old_path = tmp_path / "old.json"
    old_path.write_text(json.dumps(old))
    result = build_commands.run("api_diff", str(old_path), str(specs.SPEC_1_13_2), "--json")
    assert result.returncode == 0, result.stderr
    cli_changes = json.loads(result.stdout)["changes"]
    from_cli = {(c["kind"], c["sdk"]) for c in cli_changes if c["sdk"] != "models.StatisticsMetricModel.result"}
    # The raw file has no overlay correction; everything else is the same.
    assert from_cli == {(c.kind, c.sdk) for c in changes if c.sdk != "models.StatisticsMetricModel.result"}
    text = ad.to_text(changes, "2024-08-02", "1.13.2")
    print("\n" + text.split("\n\n")[0])
    # The release notes of the 1.13.2 pin carry this diff: its summary and every breaking change.
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    breaking = lines[lines.index(next(line for line in lines if line.startswith("BREAKING changes"))) :]
    breaking = breaking[: breaking.index(next(line for line in breaking if line.startswith("Non-breaking")))]
    assert "\n".join(lines[1:3]) in changelog
    assert "\n".join(breaking).rstrip() in changelog
