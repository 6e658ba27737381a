"""Tests of scripts/convert_swagger2.py, and of the whole pipeline across DQOps versions.

Upstream publishes its newest spec (1.13.2, the default pin) only as Swagger 2.0. What a user
relies on: the build turns it into an OpenAPI 3 document with the pinned converter, offline;
clean_spec accepts it; the default SDK keeps the names of the previous pin (2024-08-02), as
`make update-pin` from that pin would give them; and an SDK generated for an older server
(`make update-pin` to the 2024-08-02 or 2024-07-26 spec) runs that server's documented examples.

Those older packages are built in a temporary directory as `<tmp>/dqops/client`, next to
links to the repository's hand-written `dqops/_runtime` and `dqops/jobs.py`, and used only
in subprocesses with that directory first on PYTHONPATH, so the repository's own generated
`dqops.client` is never touched or shadowed in this process.

The cached spec loaders and the generation of those packages are tests/support/pipeline_specs.py,
shared with test_stable_names.py and test_api_diff.py.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import build_commands, spec_facts
from support.paths import REPO_ROOT, TESTS_DIR
from support.pipeline_specs import (
    OVERLAY,
    PYTHON,
    SPEC_1_13_2,
    SPEC_2024_07_26,
    SPEC_2024_08_02,
    _clean_document_1_13_2,
    build_package,
    cleaned_1_13_2,
    cleaned_openapi3,
    converted_1_13_2,
    load_json,
    operations,
    package_environment,
    raw,
    require_converter,
    run_in_package,
    stable_1_13_2,
    stable_older,
)

from scripts import api_diff, clean_spec, stable_names
from scripts import convert_swagger2 as c2
from scripts.operations import walk_operations

# ---------------------------------------------------------------------------------------
# The converter
# ---------------------------------------------------------------------------------------


def test_spec_kind() -> None:
    assert c2.spec_kind({"swagger": "2.0"}) == "swagger-2"
    assert c2.spec_kind({"openapi": "3.0.1"}) == "openapi-3"
    for not_a_spec in ({}, {"openapi": "2.0"}, [], {"swagger": 2}):
        with pytest.raises(c2.ConversionError, match="not a Swagger 2.0 or OpenAPI 3 document"):
            c2.spec_kind(not_a_spec)


def test_missing_converter_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(c2.ConversionError, match=r"swagger2openapi is not installed .*make node-deps.*7\.0\.8"):
        c2.convert({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}, node_modules=tmp_path)


def test_wrong_converter_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".bin").mkdir()
    (tmp_path / ".bin" / "swagger2openapi").write_text("#!/bin/sh\nexit 0\n")
    (tmp_path / "swagger2openapi").mkdir()
    (tmp_path / "swagger2openapi" / "package.json").write_text('{"version": "7.0.0"}')
    with pytest.raises(
        c2.ConversionError, match=r"swagger2openapi 7\.0\.0 is installed, but the build is pinned to 7\.0\.8"
    ):
        c2.converter_path(tmp_path)


def test_convert_refuses_an_openapi3_document() -> None:
    with pytest.raises(c2.ConversionError, match="already OpenAPI 3"):
        c2.convert({"openapi": "3.0.1", "paths": {}})
    document = {"openapi": "3.0.1", "paths": {}}
    assert c2.ensure_openapi3(document) is document


def test_converter_failure_is_reported() -> None:
    """No `--patch`: a reference to nothing or a missing `info` fails with the converter's message."""
    require_converter()
    dangling = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {"get": {"responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Missing"}}}}}
        },
    }
    with pytest.raises(
        c2.ConversionError,
        match=r"swagger2openapi failed \(exit 1\): S2OError: Could not resolve "
        r"reference #/definitions/Missing$",
    ):
        c2.convert(dangling)
    with pytest.raises(c2.ConversionError, match="info object is mandatory"):
        c2.convert({"swagger": "2.0", "paths": {}})


def test_small_document_conversion() -> None:
    require_converter()
    swagger = {
        "swagger": "2.0",
        "info": {"title": "DQOps", "version": "v1"},
        "basePath": "/",
        "paths": {
            "/api/mypassword": {
                "put": {
                    "operationId": "changeCallerPassword",
                    "consumes": ["text/plain"],
                    "parameters": [{"in": "body", "name": "body", "required": True, "schema": {"type": "string"}}],
                    "responses": {"201": {"description": "Created"}},
                }
            },
            "/api/jobs/{jobId}": {
                "get": {
                    "operationId": "getJob",
                    "produces": ["application/json"],
                    "parameters": [
                        {"in": "path", "name": "jobId", "required": True, "type": "string"},
                        {"in": "query", "name": "wait", "required": False, "type": "boolean"},
                    ],
                    "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/Job"}}},
                }
            },
        },
        "definitions": {
            "Job": {"type": "object", "properties": {"status": {"type": "string", "enum": ["queued", "finished"]}}}
        },
    }
    before = copy.deepcopy(swagger)
    converted = c2.convert(swagger)
    assert swagger == before, "convert() must not modify its input"
    assert converted["openapi"].startswith("3.0")
    body = converted["paths"]["/api/mypassword"]["put"]["requestBody"]
    body = clean_spec.resolve_pointer(converted, body["$ref"][1:]) if "$ref" in body else body
    assert body["content"] == {"text/plain": {"schema": {"type": "string"}}}
    job = converted["paths"]["/api/jobs/{jobId}"]["get"]
    assert job["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Job"}
    assert [p["schema"] for p in job["parameters"]] == [{"type": "string"}, {"type": "boolean"}]
    assert converted["components"]["schemas"]["Job"]["properties"]["status"]["enum"] == ["queued", "finished"]


def test_cli_converts_and_passes_openapi3_through(tmp_path: Path) -> None:
    openapi3 = tmp_path / "o3.json"
    openapi3.write_text('{"openapi": "3.0.1", "paths": {}}  \n')
    copied = tmp_path / "copy.json"
    result = build_commands.run("convert_swagger2", openapi3, copied)
    assert result.returncode == 0, result.stderr
    assert "already OpenAPI 3.0.1; copied unchanged" in result.stdout
    assert copied.read_bytes() == openapi3.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    result = build_commands.run("convert_swagger2", bad, copied)
    assert result.returncode == 2 and "is not valid JSON" in result.stderr


def _network_isolation() -> list[str] | None:
    """A command prefix that runs a program without any network (a fresh network namespace)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for prefix in ([unshare, "--net"], [unshare, "--user", "--map-root-user", "--net"]):
        if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode == 0:
            return prefix
    return None


def test_1_13_2_converts_offline_with_the_cli(tmp_path: Path) -> None:
    require_converter()
    isolation = _network_isolation()
    if isolation is None:
        pytest.skip("cannot make a network namespace here (unshare); offline run not checked")
    target = tmp_path / "dqops-1.13.2.openapi3.json"
    result = subprocess.run(
        [*isolation, *build_commands.command("convert_swagger2", SPEC_1_13_2, target)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "converted from Swagger 2.0 by swagger2openapi 7.0.8" in result.stdout
    assert json.loads(target.read_bytes()) == converted_1_13_2()


def test_1_13_2_conversion_keeps_every_operation_and_definition() -> None:
    swagger = load_json(SPEC_1_13_2)
    converted = converted_1_13_2()
    assert operations(converted) == operations(swagger)
    assert set(converted["components"]["schemas"]) == set(swagger["definitions"])
    assert converted["components"]["securitySchemes"] == swagger["securityDefinitions"]
    for site in walk_operations(swagger):
        method, path, operation = site.method, site.path, site.operation
        new = converted["paths"][path][method]
        assert new["operationId"] == operation["operationId"]
        assert new.get("tags") == operation.get("tags")
        assert set(new["responses"]) == set(operation["responses"])
        body_params = [p for p in operation.get("parameters", []) if p["in"] == "body"]
        assert ("requestBody" in new) == bool(body_params), (method, path)
        others = {(p["in"], p["name"]) for p in operation.get("parameters", []) if p["in"] != "body"}
        assert {(p["in"], p["name"]) for p in new.get("parameters", [])} == others, (method, path)


def test_1_13_2_non_json_media_types_survive() -> None:
    converted = converted_1_13_2()
    download = converted["paths"]["/api/environment/logs/download"]["get"]["responses"]["200"]
    assert set(download["content"]) == {"application/zip"}
    for path in ("/api/mypassword", "/api/users/{email}/password"):
        body = converted["paths"][path]["put"]["requestBody"]
        body = clean_spec.resolve_pointer(converted, body["$ref"][1:]) if "$ref" in body else body
        assert set(body["content"]) == {"text/plain"}


# ---------------------------------------------------------------------------------------
# clean_spec accepts the converted document; the overlay still applies as a schema
# ---------------------------------------------------------------------------------------


def test_canonical_schema_and_equivalence() -> None:
    with_empty = {"type": "object", "properties": {}, "required": [], "description": "d"}
    assert c2.canonical_schema(with_empty) == {"type": "object", "description": "d"}
    assert c2.schemas_equivalent(with_empty, {"type": "object", "description": "d"})
    assert not c2.schemas_equivalent({"type": "object", "properties": {"a": {}}}, {"type": "object"})
    assert not c2.schemas_equivalent({"type": "object"}, {"type": "string"})
    nested = {"type": "array", "items": {"type": "object", "properties": {}}}
    assert c2.schemas_equivalent(nested, {"type": "array", "items": {"type": "object"}})
    # Data values are not schemas: an empty list as an example or default stays.
    assert c2.canonical_schema({"default": {"properties": {}}, "enum": [[]]}) == {
        "default": {"properties": {}},
        "enum": [[]],
    }


def test_converted_1_13_2_passes_clean_document() -> None:
    converted = converted_1_13_2()
    cleaned = _clean_document_1_13_2()  # clean_document raises SpecError on anything it rejects
    assert operations(cleaned) == operations(converted)
    assert set(cleaned["components"]["schemas"]) == set(converted["components"]["schemas"])


@pytest.mark.parametrize("spec", [SPEC_2024_07_26, SPEC_2024_08_02, SPEC_1_13_2], ids=lambda p: p.name)
def test_overlay_expectations_hold_as_schemas(spec: Path) -> None:
    """Each overlay correction targets a value that every spec still holds (its `expect` keys)."""
    document = converted_1_13_2() if spec == SPEC_1_13_2 else raw(spec)
    for transformation in clean_spec.TRANSFORMATIONS:  # what clean_document does before the overlay
        document = transformation(document)
    for correction in load_json(OVERLAY)["corrections"]:
        try:
            current = clean_spec.resolve_pointer(document, correction["target"])
        except KeyError:
            continue  # not in this DQOps version: clean_spec reports it as not applicable
        if "expect" in correction:
            assert clean_spec.holds(current, correction["expect"]), (correction["target"], current)


def mono_void_operations_1_13_2() -> set[tuple[str, str]]:
    """(method, path) of the operations whose answer 1.13.2 declares as MonoResponseEntityMonoVoid."""
    void_ref = "#/definitions/MonoResponseEntityMonoVoid"
    return {
        (method, "/" + path.lstrip("/"))
        for path, item in raw(SPEC_1_13_2)["paths"].items()
        for method, op in item.items()
        if any((response.get("schema") or {}).get("$ref") == void_ref for response in op.get("responses", {}).values())
    }


def test_1_13_2_mono_void_answers_declare_no_body() -> None:
    """1.13.2 gives DQOps's Mono<Void> operations the answer MonoResponseEntityMonoVoid (an empty
    object), yet they answer no body: once cleaned, none of them declares one."""
    declaring = mono_void_operations_1_13_2()
    assert len(declaring) > 90
    cleaned = cleaned_1_13_2()
    for method, path in declaring:
        responses = cleaned["paths"][path][method]["responses"]
        assert all("content" not in response for code, response in responses.items() if code.startswith("2")), (
            method,
            path,
        )
    assert "MonoResponseEntityMonoVoid" not in json.dumps(cleaned["paths"])


def test_overlay_applies_to_1_13_2_with_the_schema_comparison() -> None:
    cleaned = cleaned_1_13_2()
    for correction in load_json(OVERLAY)["corrections"]:
        try:
            applied = clean_spec.resolve_pointer(cleaned, correction["target"])
        except KeyError:
            continue
        if correction.get("merge"):
            assert clean_spec.holds(applied, correction["value"]), correction["target"]
        else:
            assert applied == correction["value"], correction["target"]
    clean_spec.validate(cleaned)


# ---------------------------------------------------------------------------------------
# The default SDK (1.13.2), and SDKs generated for older servers
# ---------------------------------------------------------------------------------------

CHECK_PACKAGE = textwrap.dedent(
    """
    import enum, importlib, inspect, json, pkgutil, sys
    import dqops, dqops.client
    from dqops.client import models
    root = sys.argv[1]
    assert dqops.client.__file__.startswith(root), dqops.client.__file__
    modules = [m.name for m in pkgutil.walk_packages(dqops.client.__path__, "dqops.client.")]
    for name in modules:
        importlib.import_module(name)
    api = sorted(m for m in modules if m.count(".") == 4 and m.startswith("dqops.client.api."))
    enum_names = sorted(name for name in models.__all__ if isinstance(getattr(models, name), type)
                        and issubclass(getattr(models, name), enum.Enum))
    facts = {
        "modules": len(modules),
        "api": [m.removeprefix("dqops.client.api.") for m in api],
        "exports": sorted(models.__all__),
        "enums": {name: [member.value for member in getattr(models, name)] for name in enum_names},
        "aliases": {name: getattr(models, name).__name__ for name in models.__all__
                    if getattr(models, name).__name__ != name},
        "check_model_default_severity": str(models.CheckModel.__annotations__["default_severity"]),
        "returns": {m.removeprefix("dqops.client.api."): str(inspect.signature(importlib.import_module(m).sync).return_annotation)
                    for m in api},
        "api_version": dqops.client.API_VERSION,
    }
    from dqops import jobs  # the hand-written helpers import against this client too
    print(json.dumps(facts))
    """
)

RUN_DOCS_EXAMPLES = textwrap.dedent(
    """
    import json, sys
    root = sys.argv[1]
    import dqops.client
    assert dqops.client.__file__.startswith(root), dqops.client.__file__
    from support import docs_corpus as t
    from support.docs_runner import run_example
    out = {}
    for example in t.EXAMPLES:
        answer = t.mock_answer(example.key)
        run = run_example(example, answer)
        problems = t.check_run(example, run, answer)
        out[example.id] = {
            "page": example.page, "module": example.module, "operation": example.operation,
            "code": example.code, "defect": example.id in t.DEFECTS,
            "problems": [problem.splitlines()[0][:400] for problem in problems],
        }
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def package_facts() -> dict[str, Any]:
    """Facts of the default package, the repository's own dqops.client (generated from 1.13.2)."""
    result = run_in_package(REPO_ROOT, CHECK_PACKAGE, str(REPO_ROOT))
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout)


def test_1_13_2_mono_void_operations_return_none(package_facts: dict[str, Any]) -> None:
    """The operations 1.13.2 declares as answering MonoResponseEntityMonoVoid are typed None;
    every operation whose success answers a body is typed without None."""
    document, _ = stable_1_13_2()
    raw_void = mono_void_operations_1_13_2()
    returns = package_facts["returns"]
    typed_none = 0
    for op in spec_facts.operations(document):
        successes = [response for code, response in op.responses.items() if code.startswith("2")]
        annotation = returns[op.id]
        if (op.method, op.path) in raw_void:
            assert annotation == "None", (op.id, annotation)
            typed_none += 1
        elif successes and all(response.get("content") for response in successes):
            assert "None" not in annotation.split(" | "), (op.id, annotation)
    assert typed_none == len(raw_void)


def test_1_13_2_package_has_every_operation(package_facts: dict[str, Any]) -> None:
    """The default package, generated with the committed names lock, is what `make update-pin`
    from the 2024-08-02 pin gives: the same operations and the same enum names."""
    document, _ = stable_1_13_2()
    api = api_diff.api_of(document)
    expected = sorted(f"{operation.module}.{operation.function}" for operation in api.operations.values())
    assert package_facts["api"] == expected
    assert len(expected) == len(operations(load_json(SPEC_1_13_2)))
    enums = {name for name, schema in document["components"]["schemas"].items() if "enum" in schema}
    assert set(package_facts["enums"]) == enums


def test_1_13_2_package_keeps_the_pinned_enum_names(package_facts: dict[str, Any]) -> None:
    _, report = stable_1_13_2()
    previous = stable_names.names_lock(cleaned_openapi3(SPEC_2024_08_02))["enums"]
    enums = package_facts["enums"]
    for name, entry in previous.items():
        assert name in enums, f"enum {name} of the pinned spec is missing from the 1.13.2 SDK"
        change = report["enums"]["kept_changed_values"].get(name, {"added": [], "removed": []})
        expected = (set(entry["values"]) | set(change["added"])) - set(change["removed"])
        assert set(enums[name]) == expected, name
    # The classes a naive conversion would have made for those enums do not exist.
    exports = set(package_facts["exports"])
    assert not {"CheckModelDefaultSeverity", "CheckModelCheckTarget", "RunChecksResultHighestSeverity"} & exports
    assert "clickhouse" in enums["ProviderType"]  # a value 1.13.2 added to a kept enum
    assert package_facts["check_model_default_severity"] == "DefaultRuleSeverityLevel | Unset"


def test_1_13_2_package_keeps_renamed_models_as_aliases(package_facts: dict[str, Any]) -> None:
    _, report = stable_1_13_2()
    renamed = report["models"]["renamed"]
    assert renamed, "expected models renamed upstream between 2024-08-02 and 1.13.2"
    for old_name, new_name in renamed.items():
        assert package_facts["aliases"].get(old_name) == new_name


def _explained_by_api_diff(entry: dict[str, Any], changes: list[api_diff.Change]) -> str | None:
    """The breaking change (or move) of the API that makes a documented example fail, if any."""
    sdk = f"{entry['module']}.{entry['operation']}"
    code = entry["code"]
    for change in changes:
        if change.kind in ("operation-removed", "operation-moved") and change.sdk == sdk:
            return change.message
        # The documented answer is no longer what the operation returns (another type, or now an error).
        if change.kind == "return-type-changed" and change.sdk == sdk and change.breaking:
            return change.message
        if change.kind in ("model-removed", "enum-removed") and change.sdk.removeprefix("models.") in code:
            return change.message
        if change.kind == "field-removed":
            model, _, field = change.sdk.removeprefix("models.").rpartition(".")
            if model in code and f"{field}=" in code:
                return change.message
    return None


def docs_examples_against(root: Path, document: dict[str, Any], label: str) -> dict[str, int]:
    """Run the 2024-08-02 reference's examples against the SDK at `root`, generated from `document`.

    The mock answers what that reference documents; an example that fails must be explained
    by a breaking change that scripts/api_diff.py reports from 2024-08-02 to `document` (or by a
    move of its operation), and the seed page's examples must all pass.
    """
    result = run_in_package(root, RUN_DOCS_EXAMPLES, str(root), docs_corpus="2024-08-02")
    assert result.returncode == 0, result.stderr[-4000:]
    outcome = json.loads(result.stdout)
    changes = api_diff.diff_documents(cleaned_openapi3(SPEC_2024_08_02), document)
    removed = {change.sdk for change in changes if change.kind == "operation-removed"}
    totals = {
        "passed": 0,
        "failed, explained by the API diff": 0,
        "not applicable (operation removed)": 0,
        "upstream defects (not run)": 0,
    }
    unexplained = []
    for example_id, entry in outcome.items():
        if entry["defect"]:
            totals["upstream defects (not run)"] += 1
        elif not entry["problems"]:
            totals["passed"] += 1
        elif f"{entry['module']}.{entry['operation']}" in removed:
            totals["not applicable (operation removed)"] += 1
        elif _explained_by_api_diff(entry, changes):
            totals["failed, explained by the API diff"] += 1
        else:
            unexplained.append(f"{example_id}: {entry['problems'][0]}")
    seed = {example_id: entry for example_id, entry in outcome.items() if entry["page"] != "operations"}
    seed_passed = sum(1 for entry in seed.values() if not entry["problems"])
    print(
        f"\ndocs examples against the {label} SDK: seed page {seed_passed}/{len(seed)} passed; all: "
        + ", ".join(f"{count} {label}" for label, count in totals.items())
    )
    assert not unexplained, f"examples that fail against {label} for no reported API change:\n" + "\n".join(unexplained)
    assert seed and seed_passed == len(seed), {k: v["problems"] for k, v in seed.items() if v["problems"]}
    assert totals["passed"] > 0
    return totals


def test_older_docs_fail_on_the_default_sdk_only_where_the_api_diff_says(package_facts: dict[str, Any]) -> None:
    """The 2024-08-02 reference against the default 1.13.2 SDK: every example whose operation,
    models and fields 1.13.2 kept still works; every other one is a change the API diff reports."""
    document, _ = stable_1_13_2()
    docs_examples_against(REPO_ROOT, document, "1.13.2")


# ---------------------------------------------------------------------------------------
# The SDK for an older server: `make update-pin SOURCE=<the 2024-08-02 spec>`
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def package_2024_08_02(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`<root>/dqops/client` generated from 2024-08-02 (DQOps 1.6.2) as `make update-pin` would."""
    return build_package(tmp_path_factory, stable_older(SPEC_2024_08_02), "2024-08-02", SPEC_2024_08_02)


def facts_of_package(package: Path, spec: Path) -> dict[str, Any]:
    """What CHECK_PACKAGE reads from the package generated from `spec`, once it has checked that
    the package has one function per operation of the spec, and nothing more."""
    result = run_in_package(package, CHECK_PACKAGE, str(package))
    assert result.returncode == 0, result.stderr[-4000:]
    facts = json.loads(result.stdout)
    api = api_diff.api_of(cleaned_openapi3(spec))
    assert facts["api"] == sorted(f"{operation.module}.{operation.function}" for operation in api.operations.values())
    return facts


def test_2024_08_02_package_imports_and_has_every_operation(package_2024_08_02: Path) -> None:
    assert facts_of_package(package_2024_08_02, SPEC_2024_08_02)["api_version"] == "1.6.2"


def test_the_2024_08_02_docs_run_against_its_sdk(package_2024_08_02: Path, record_property) -> None:
    """Older servers stay supported: the whole 2024-08-02 reference and the seed page, run by
    tests/docs/test_docs_examples.py as for the default, pass against the SDK generated from that spec,
    but for the listed upstream defects (tests/support/docs_defects/2024-08-02.json)."""
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "pytest",
            str(TESTS_DIR / "docs" / "test_docs_examples.py"),
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(REPO_ROOT),
            "-c",
            str(REPO_ROOT / "pyproject.toml"),
            "-o",
            "addopts=",
            # the package under test first: not the repository's root (package_environment)
            "-o",
            "pythonpath=",
        ],
        capture_output=True,
        text=True,
        cwd=package_2024_08_02,
        env=package_environment(package_2024_08_02, "2024-08-02"),
        timeout=900,
        check=False,
    )
    summary = [line.strip() for line in result.stdout.splitlines() if "passed," in line and "upstream defects" in line]
    assert result.returncode == 0 and summary, result.stdout[-6000:] + result.stderr[-2000:]
    record_property("docs_summary", "; ".join(summary).replace("installed SDK", "SDK generated from 2024-08-02"))
    assert summary[0].startswith("docs examples (2024-08-02 reference") and summary[0].endswith(" 0 failed"), summary


# ---------------------------------------------------------------------------------------
# The SDK generated from the OpenAPI 3 spec of the week before, 2024-07-26
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def package_2024_07_26(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`<root>/dqops/client` generated from 2024-07-26, as `make update-pin` would."""
    return build_package(tmp_path_factory, stable_older(SPEC_2024_07_26), "2024-07-26", SPEC_2024_07_26)


def test_2024_07_26_package_imports_and_has_every_operation(package_2024_07_26: Path) -> None:
    facts = facts_of_package(package_2024_07_26, SPEC_2024_07_26)
    assert len(facts["api"]) == len(operations(load_json(SPEC_2024_07_26)))


def test_docs_examples_run_against_the_2024_07_26_sdk(package_2024_07_26: Path) -> None:
    """The 2024-08-02 docs against the client of the week before: the 16 operations added since
    do not apply, and every other failure is a change the API diff reports."""
    totals = docs_examples_against(package_2024_07_26, stable_older(SPEC_2024_07_26), "2024-07-26")
    assert totals["not applicable (operation removed)"] > 0
