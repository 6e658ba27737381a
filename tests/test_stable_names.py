"""Tests of scripts/stable_names.py: enum and model names stay what users import.

First the rules on small hand-made documents (hoisting by value, ambiguities decided by place,
changed values kept by place, new enums left inline, renamed models kept as aliases, the names
lock), then the real case: DQOps 1.13.2 (Swagger 2, every enum inline) against the pinned
2024-08-02 spec, with every expectation computed from the two specs.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import build_commands
import pytest
import test_convert_swagger2 as specs  # the cached spec loaders

from scripts import clean_spec
from scripts import stable_names as sn

REF = "#/components/schemas/"


def doc(schemas: dict[str, Any], paths: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": paths or {},
        "components": {"schemas": schemas},
    }


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def model(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


SEVERITY = ("valid", "warning", "error", "fatal")


# ---------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------


def reference(**enums: tuple[tuple[str, ...], list[str]]) -> dict[str, Any]:
    """A names lock of reference names: name -> (values, places)."""
    return {
        "format": sn.LOCK_FORMAT,
        "enums": {
            name: {"type": "string", "values": list(values), "locations": places}
            for name, (values, places) in enums.items()
        },
        "models": [],
        "aliases": {},
    }


def test_a_place_the_references_name_takes_their_name_python_spelling_and_all() -> None:
    """Upstream's references spell Python names (`load_mode`), the spec JSON names (`loadMode`)."""
    paths = {
        "/api/r": {
            "get": {"parameters": [{"name": "loadMode", "in": "query", "schema": enum("a", "b")}], "responses": {}}
        }
    }
    new = doc({"Incident": model(location=enum("connection", "global"), notificationLocation=enum("x", "y"))}, paths)
    names = reference(
        LoadMode=(("a", "b"), ["GET api/r query:load_mode"]),
        Where=(("connection", "global"), ["Incident.location"]),
        Elsewhere=(("x", "y"), ["Other.notification_location"]),  # another place: not applied
        Moved=(("p", "q", "r", "s"), ["Incident.notification_location"]),  # values too far apart: not applied
    )
    result, report = sn.stabilize_names(new, doc({}), names)
    schemas = result["components"]["schemas"]
    assert schemas["Incident"]["properties"]["location"] == ref("Where")
    assert "enum" in schemas["Incident"]["properties"]["notificationLocation"]
    assert result["paths"]["/api/r"]["get"]["parameters"][0]["schema"] == ref("LoadMode")
    assert report["enums"]["added"] == ["LoadMode", "Where"]
    assert sn.place_key("GET api/r query:loadMode") == sn.place_key("GET api/r query:load_mode")
    assert sn.place_key("M.checkTarget[]") != sn.place_key("M.check_target")


def test_a_reference_name_replaces_a_previous_one_which_stays_an_alias() -> None:
    previous = doc({"OldName": enum("a", "b"), "M": model(kind=ref("OldName"))})
    new = doc({"M": model(kind=enum("a", "b"))})
    result, report = sn.stabilize_names(new, previous, reference(NewName=(("a", "b"), ["M.kind"])))
    schemas = result["components"]["schemas"]
    assert schemas["M"]["properties"]["kind"] == ref("NewName")
    assert schemas["NewName"][sn.ALIASES_EXTENSION] == ["OldName"] and "OldName" not in schemas
    assert report["enums"]["renamed_by_reference"] == {"NewName": ["OldName"]}
    assert report["enums"]["gone"] == []
    # The lock keeps the alias, so a later build from the lock alone keeps it too.
    again, _ = sn.stabilize_names(new, sn.names_lock(result))
    assert again["components"]["schemas"]["NewName"][sn.ALIASES_EXTENSION] == ["OldName"]
    # A previous name still used elsewhere stays a class of its own: no alias.
    both = doc({"M": model(kind=enum("a", "b")), "N": model(kind=enum("a", "b"))})
    previous_both = doc({"OldName": enum("a", "b"), "M": model(kind=ref("OldName")), "N": model(kind=ref("OldName"))})
    kept, _ = sn.stabilize_names(both, previous_both, reference(NewName=(("a", "b"), ["M.kind"])))
    assert kept["components"]["schemas"]["N"]["properties"]["kind"] == ref("OldName")
    assert sn.ALIASES_EXTENSION not in kept["components"]["schemas"]["NewName"]


def test_an_enum_alias_is_importable_from_the_generated_package(tmp_path: Path) -> None:
    """The alias of a renamed enum is the same class, exported from dqops.client.models."""
    previous = doc({"OldName": enum("a", "b"), "M": model(kind=ref("OldName"))})
    result, _ = sn.stabilize_names(
        doc({"M": model(kind=enum("a", "b"))}), previous, reference(NewName=(("a", "b"), ["M.kind"]))
    )
    root = specs.build_package_from_document(tmp_path, result, "enum-alias")
    check = (
        "from dqops.client import models; from dqops.client.models import OldName, NewName; "
        "assert OldName is NewName and 'OldName' in models.__all__; "
        "assert models.M.from_dict({'kind': 'a'}).kind is NewName.A; print('ok')"
    )
    outcome = specs.run_in_package(root, check)
    assert outcome.returncode == 0 and outcome.stdout.strip() == "ok", outcome.stderr[-3000:]


def test_inline_enum_with_the_values_of_a_previous_enum_takes_its_name() -> None:
    previous = doc({"RuleSeverityLevel": enum(*SEVERITY), "CheckResult": model(severity=ref("RuleSeverityLevel"))})
    new = doc(
        {
            "CheckResult": model(severity={**enum("fatal", "error", "warning", "valid"), "description": "Severity"}),
            "Incident": model(highest={"type": "array", "items": enum("valid", "warning", "error", "fatal")}),
        }
    )
    before = copy.deepcopy(new)
    result, report = sn.stabilize_names(new, previous)
    assert new == before, "stabilize_names must not modify its input"
    schemas = result["components"]["schemas"]
    assert schemas["RuleSeverityLevel"] == enum(*SEVERITY)  # the previous order of the values
    assert schemas["CheckResult"]["properties"]["severity"] == ref("RuleSeverityLevel")
    assert schemas["Incident"]["properties"]["highest"] == {"type": "array", "items": ref("RuleSeverityLevel")}
    assert report["enums"]["kept_same_values"] == ["RuleSeverityLevel"]
    assert report["enums"]["hoisted_occurrences"] == 2
    assert report["enums"]["new_inline"] == []
    clean_spec.validate(result)


def test_parameter_enums_are_hoisted_too() -> None:
    paths = {
        "/api/checks": {
            "get": {
                "operationId": "getChecks",
                "parameters": [{"in": "query", "name": "timeScale", "schema": enum("daily", "monthly")}],
                "responses": {"200": {"description": "OK"}},
            }
        }
    }
    previous = doc(
        {"CheckTimeScale": enum("daily", "monthly")},
        {
            "/api/checks": {
                "get": {
                    "operationId": "getChecks",
                    "parameters": [{"in": "query", "name": "timeScale", "schema": ref("CheckTimeScale")}],
                    "responses": {"200": {"description": "OK"}},
                }
            }
        },
    )
    result, report = sn.stabilize_names(doc({}, paths), previous)
    assert result["paths"]["/api/checks"]["get"]["parameters"][0]["schema"] == ref("CheckTimeScale")
    assert sn.names_lock(previous)["enums"]["CheckTimeScale"]["locations"] == ["GET api/checks query:timeScale"]
    assert report["enums"]["kept_same_values"] == ["CheckTimeScale"]


def _ambiguous_previous() -> dict[str, Any]:
    return doc(
        {
            "CheckTarget": enum("table", "column"),
            "CheckTargetModel": enum("table", "column"),
            "StatisticsCollectorTarget": enum("table", "column"),
            "CheckSearchFilters": model(checkTarget=ref("CheckTarget")),
            "CheckTemplate": model(check_target=ref("CheckTarget")),
            "CheckModel": model(check_target=ref("CheckTargetModel")),
            "StatisticsCollectorSearchFilters": model(target=ref("StatisticsCollectorTarget")),
        }
    )


def test_same_values_are_named_by_the_place_the_previous_spec_used() -> None:
    new = doc(
        {
            "CheckSearchFilters": model(checkTarget=enum("table", "column")),
            "CheckModel": model(check_target=enum("column", "table"), other=enum("table", "column")),
            "StatisticsCollectorSearchFilters": model(target=enum("table", "column")),
            # New places: decided by the property name, then the parent schema, then the most used name.
            "NewFilters": model(target=enum("table", "column")),
            "SimilarCheckModel": model(check_target=enum("table", "column")),  # CheckTarget and CheckTargetModel
            "CheckModelExtra": model(zzz=enum("table", "column")),
        }
    )
    result, report = sn.stabilize_names(new, _ambiguous_previous())
    props = {name: schema.get("properties", {}) for name, schema in result["components"]["schemas"].items()}
    assert props["CheckSearchFilters"]["checkTarget"] == ref("CheckTarget")
    assert props["CheckModel"]["check_target"] == ref("CheckTargetModel")
    assert props["StatisticsCollectorSearchFilters"]["target"] == ref("StatisticsCollectorTarget")
    assert props["NewFilters"]["target"] == ref("StatisticsCollectorTarget")
    assert props["SimilarCheckModel"]["check_target"] == ref("CheckTarget")
    assert props["CheckModelExtra"]["zzz"] == ref("CheckTarget")  # most used of the three
    chosen = {
        c["location"]: (c["name"], c["by"]) for entry in report["enums"]["ambiguous"].values() for c in entry["chosen"]
    }
    assert chosen["CheckModel.check_target"] == ("CheckTargetModel", "same place")
    assert chosen["CheckModel.other"] == ("CheckTargetModel", "same parent")
    assert chosen["NewFilters.target"] == ("StatisticsCollectorTarget", "same property name")
    assert chosen["SimilarCheckModel.check_target"] == ("CheckTarget", "most used")
    assert chosen["CheckModelExtra.zzz"] == ("CheckTarget", "most used")
    assert report["enums"]["kept_same_values"] == ["CheckTarget", "CheckTargetModel", "StatisticsCollectorTarget"]


def test_choices_do_not_depend_on_the_order_of_the_previous_spec() -> None:
    new = doc({"Other": model(kind=enum("table", "column")), "CheckModel": model(check_target=enum("table", "column"))})
    results = set()
    for seed in range(5):
        previous = _ambiguous_previous()
        items = list(previous["components"]["schemas"].items())
        random.Random(seed).shuffle(items)
        previous["components"]["schemas"] = dict(items)
        result, _ = sn.stabilize_names(new, previous)
        results.add(json.dumps(result, sort_keys=True))
    assert len(results) == 1


def test_an_enum_with_changed_values_keeps_its_name_at_its_place() -> None:
    previous = doc(
        {
            "ProviderType": enum("bigquery", "mysql", "oracle"),
            "ConnectionSpec": model(provider_type=ref("ProviderType")),
            "Removed": enum("x", "y", "z"),
            "Spec": model(kind=ref("Removed")),
        }
    )
    new = doc(
        {
            "ConnectionSpec": model(provider_type=enum("bigquery", "clickhouse", "mysql", "oracle")),
            "ConnectionModel": model(provider_type=enum("bigquery", "clickhouse", "mysql", "oracle")),
            # Under half of the previous values left: a different enum, not a changed one.
            "Spec": model(kind=enum("x", "q", "r", "s")),
        }
    )
    result, report = sn.stabilize_names(new, previous)
    schemas = result["components"]["schemas"]
    assert schemas["ProviderType"] == enum("bigquery", "clickhouse", "mysql", "oracle")
    assert schemas["ConnectionModel"]["properties"]["provider_type"] == ref("ProviderType")  # same values, new place
    assert report["enums"]["kept_changed_values"] == {"ProviderType": {"added": ["clickhouse"], "removed": []}}
    assert "Removed" not in schemas and schemas["Spec"]["properties"]["kind"] == enum("x", "q", "r", "s")
    assert report["enums"]["gone"] == ["Removed"]
    assert report["enums"]["new_inline"] == [{"values": ["q", "r", "s", "x"], "locations": ["Spec.kind"]}]


def test_a_name_the_new_spec_uses_otherwise_is_not_reused() -> None:
    previous = doc({"Mode": enum("a", "b"), "X": model(mode=ref("Mode"))})
    new = doc({"Mode": model(name={"type": "string"}), "X": model(mode=enum("a", "b"))})
    result, report = sn.stabilize_names(new, previous)
    assert result["components"]["schemas"]["X"]["properties"]["mode"] == enum("a", "b")
    assert report["enums"]["conflicts"] == {"Mode": "the new spec already has a different schema of that name"}


def test_an_openapi3_spec_with_named_enums_is_left_as_it_is() -> None:
    previous = doc({"Level": enum("a", "b"), "X": model(level=ref("Level"))})
    new = doc({"Level": enum("a", "b", "c"), "X": model(level=ref("Level")), "New": enum("n")})
    result, report = sn.stabilize_names(new, previous)
    assert result == new
    assert report["enums"]["kept_changed_values"] == {"Level": {"added": ["c"], "removed": []}}
    assert report["enums"]["added"] == ["New"]


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------


def test_renamed_models_are_found_by_structure_and_kept_as_aliases() -> None:
    previous = doc(
        {
            "MonitoringScheduleSpec": model(cron_expression={"type": "string"}, disabled={"type": "boolean"}),
            "DefaultSchedulesSpec": model(daily=ref("MonitoringScheduleSpec"), monthly=ref("MonitoringScheduleSpec")),
            "Twin1": model(a={"type": "integer"}),
            "Twin2": model(a={"type": "integer"}),
            "Kept": model(schedules=ref("DefaultSchedulesSpec")),
        }
    )
    new = doc(
        {
            "CronScheduleSpec": model(
                cron_expression={"type": "string", "description": "d"}, disabled={"type": "boolean"}
            ),
            "CronSchedulesSpec": model(daily=ref("CronScheduleSpec"), monthly=ref("CronScheduleSpec")),
            "Single": model(a={"type": "integer"}),  # two gone models have this shape: no rename
            "Kept": model(schedules=ref("CronSchedulesSpec")),
        }
    )
    result, report = sn.stabilize_names(new, previous)
    assert report["models"]["renamed"] == {
        "DefaultSchedulesSpec": "CronSchedulesSpec",
        "MonitoringScheduleSpec": "CronScheduleSpec",
    }
    schemas = result["components"]["schemas"]
    assert schemas["CronScheduleSpec"][sn.ALIASES_EXTENSION] == ["MonitoringScheduleSpec"]
    assert schemas["CronSchedulesSpec"][sn.ALIASES_EXTENSION] == ["DefaultSchedulesSpec"]
    assert sn.ALIASES_EXTENSION not in schemas["Single"]
    assert report["models"]["removed"] == ["Twin1", "Twin2"]
    assert report["models"]["kept"] == 1 and report["models"]["added"] == ["Single"]
    # The lock carries the aliases to the next regeneration, which has no previous document.
    again, report_again = sn.stabilize_names(new, sn.names_lock(result))
    assert again == result and report_again["models"]["renamed"] == {}


def test_an_alias_is_dropped_when_the_name_is_taken_again() -> None:
    lock = {"format": sn.LOCK_FORMAT, "enums": {}, "models": ["A", "Old"], "aliases": {"A": ["Old"], "Gone": ["X"]}}
    result, report = sn.stabilize_names(doc({"A": model(), "Old": model(b={"type": "string"})}), lock)
    assert sn.ALIASES_EXTENSION not in result["components"]["schemas"]["A"]
    assert report["models"]["aliases_dropped"] == {
        "Old": "the new spec has a schema named Old again",
        "X": "Gone is gone too",
    }


def test_bad_inputs() -> None:
    with pytest.raises(sn.StableNamesError, match="new spec must be an OpenAPI 3 document"):
        sn.stabilize_names({"swagger": "2.0"}, doc({}))
    with pytest.raises(sn.StableNamesError, match="previous spec must be a .* OpenAPI 3 document or a names lock"):
        sn.stabilize_names(doc({}), {"swagger": "2.0"})


# ---------------------------------------------------------------------------------------
# DQOps 1.13.2 against the pinned 2024-08-02 spec
# ---------------------------------------------------------------------------------------


def _value_set(schema: dict[str, Any]) -> tuple[str, frozenset]:
    return sn.enum_key(schema)


def test_1_13_2_keeps_the_pinned_enum_names() -> None:
    previous = specs.cleaned_openapi3(specs.SPEC_2024_08_02)
    new = specs.cleaned_1_13_2()
    result, report = specs.stable_1_13_2()
    old_enums = {name: s for name, s in previous["components"]["schemas"].items() if sn.is_enum_schema(s)}
    inline = [slot for slot in sn.schema_slots(new) if not slot.is_component and sn.is_enum_schema(slot.schema)]
    assert not any(sn.is_enum_schema(s) for s in new["components"]["schemas"].values()), "Swagger 2 names no enum"
    inline_sets = {_value_set(slot.schema) for slot in inline}
    same = sorted(name for name, schema in old_enums.items() if _value_set(schema) in inline_sets)
    enums = report["enums"]
    assert enums["previous"] == len(old_enums)
    assert enums["inline_occurrences"] == len(inline)
    assert enums["kept_same_values"] == same
    assert sorted(enums["kept_same_values"] + list(enums["kept_changed_values"]) + enums["gone"]) == sorted(old_enums)
    # Every previous enum whose values changed kept its name at its place with most of its values.
    for name, change in enums["kept_changed_values"].items():
        old_values = set(old_enums[name]["enum"])
        assert change["added"] or change["removed"]
        assert len(old_values - set(change["removed"])) >= len(old_values) / 2
    # Each replaced inline enum now refers to a component with exactly its values.
    schemas = result["components"]["schemas"]
    by_location = {slot.location: slot.schema for slot in sn.schema_slots(result)}
    replaced = 0
    for slot in inline:
        now = by_location[slot.location]
        name = sn.ref_name(now)
        if name is None:
            assert now == slot.schema
            continue
        replaced += 1
        assert _value_set(schemas[name]) == _value_set(slot.schema), slot.location
    assert replaced == enums["hoisted_occurrences"]
    left = sum(len(entry["locations"]) for entry in enums["new_inline"])
    assert replaced + left == len(inline)
    # Where the pinned spec used one of several same-valued enums, 1.13.2 uses the same one there.
    old_places = {
        place: name for name, entry in sn.names_lock(previous)["enums"].items() for place in entry["locations"]
    }
    for entry in enums["ambiguous"].values():
        for choice in entry["chosen"]:
            if choice["location"] in old_places:
                assert choice["name"] == old_places[choice["location"]] and choice["by"] == "same place"
    clean_spec.validate(result)
    print("\n" + sn.format_report(report, "2024-08-02", "1.13.2"))


def test_1_13_2_model_names() -> None:
    previous = specs.cleaned_openapi3(specs.SPEC_2024_08_02)
    result, report = specs.stable_1_13_2()
    old_models = {n for n, s in previous["components"]["schemas"].items() if not sn.is_enum_schema(s)}
    new_models = {n for n, s in result["components"]["schemas"].items() if not sn.is_enum_schema(s)}
    models = report["models"]
    assert models["previous"] == len(old_models)
    assert models["kept"] == len(old_models & new_models)
    renamed = models["renamed"]
    assert set(renamed) | set(models["removed"]) == old_models - new_models
    for old_name, new_name in renamed.items():
        assert new_name in new_models - old_models
        assert old_name in result["components"]["schemas"][new_name][sn.ALIASES_EXTENSION]
        old_props = previous["components"]["schemas"][old_name].get("properties", {})
        new_props = result["components"]["schemas"][new_name].get("properties", {})
        assert set(old_props) == set(new_props), (old_name, new_name)
    assert renamed.get("MonitoringScheduleSpec") == "CronScheduleSpec"


def test_stabilizing_is_idempotent_and_the_lock_reproduces_it() -> None:
    result, _ = specs.stable_1_13_2()
    previous = specs.cleaned_openapi3(specs.SPEC_2024_08_02)
    again, _ = sn.stabilize_names(result, previous)
    assert again == result
    from_lock, _ = sn.stabilize_names(specs.cleaned_1_13_2(), sn.names_lock(result))
    assert from_lock == result


def test_cli_writes_the_spec_the_lock_and_the_report(tmp_path: Path) -> None:
    new_path, previous_path = tmp_path / "new.json", tmp_path / "previous.json"
    new_path.write_text(json.dumps(specs.cleaned_1_13_2()))
    previous_path.write_text(json.dumps(specs.cleaned_openapi3(specs.SPEC_2024_08_02)))
    out, lock, report = tmp_path / "out.json", tmp_path / "names.lock.json", tmp_path / "report.json"
    result = build_commands.run(
        "stable_names",
        *(new_path, "--previous", previous_path, "--reference", specs.REFERENCE_NAMES),
        *("--out", out, "--write-lock", lock, "--report-json", report, "--quiet"),
    )
    assert result.returncode == 0, result.stderr
    expected_doc, expected_report = specs.stable_1_13_2()
    assert json.loads(out.read_text()) == expected_doc
    assert json.loads(report.read_text()) == expected_report
    assert json.loads(lock.read_text()) == sn.names_lock(expected_doc)
    assert result.stdout.splitlines() == sn.format_report(
        expected_report, str(previous_path), str(new_path)
    ).splitlines()[:1] + [
        line
        for line in sn.format_report(expected_report, str(previous_path), str(new_path)).splitlines()
        if line.startswith("models:")
    ]
    # With the lock as the previous spec, the same document comes out.
    again = tmp_path / "again.json"
    result = build_commands.run("stable_names", new_path, "--previous", lock, "--out", again)
    assert result.returncode == 0, result.stderr
    assert json.loads(again.read_text()) == expected_doc
    bad = build_commands.run("stable_names", new_path, "--previous", tmp_path / "missing.json")
    assert bad.returncode == 2 and "cannot read" in bad.stderr
