"""scripts/naming.py, the one place that turns the spec's names into the SDK's: it names every
operationId, tag, schema, property and parameter of the pinned spec as openapi-python-client does
when scripts/generate.py runs it, and computing names leaves the generator's own settings alone."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
import spec_facts as facts
from openapi_python_client import strings

from scripts import naming, sdk_surface
from scripts.operations import schemas_of, walk_operations

SPEC = facts.cleaned_spec()


def spec_names() -> Iterator[str]:
    """Every operationId, tag, schema, property and parameter name of the pinned spec."""
    for site in walk_operations(SPEC):
        yield site.operation["operationId"]
        yield from site.operation.get("tags", [])
        yield from (parameter["name"] for parameter in site.operation.get("parameters", []) if "name" in parameter)
    for name, schema in schemas_of(SPEC).items():
        yield name
        yield from (schema.get("properties") or {})


NAMES = sorted(set(spec_names()))
# Names that exercise the rules the spec does not: keywords, reserved, digits first, punctuation.
EDGE_NAMES = ["from", "type", "self", "client", "Unset", "cls", "1st", "_private", "a-b.c d", "getDashboardLevel1"]


@pytest.fixture
def generator_words() -> Iterator[None]:
    """openapi-python-client's reserved words as a generator run sets them, restored afterwards."""
    saved = set(strings.RESERVED_WORDS)
    naming.use_sdk_reserved_words()
    try:
        yield
    finally:
        strings.RESERVED_WORDS.clear()
        strings.RESERVED_WORDS.update(saved)


def test_names_are_the_generators(generator_words: None) -> None:
    assert len(NAMES) > 1000
    for name in [*NAMES, *EDGE_NAMES]:
        assert naming.python_name(name) == strings.PythonIdentifier(name, naming.FIELD_PREFIX), name
        assert naming.module_name(name) == strings.PythonIdentifier(name, naming.TAG_PREFIX), name
        assert naming.class_name(name) == strings.ClassName(name, naming.FIELD_PREFIX), name
        skipped = strings.PythonIdentifier(name, naming.FIELD_PREFIX, True)
        assert naming.python_name(name, skip_snake_case=True) == skipped, name


def test_the_sdk_keeps_builtin_names_where_upstream_suffixed_them() -> None:
    assert [naming.python_name(name) for name in ("type", "filter", "from", "client")] == [
        "type",
        "filter",
        "from_",
        "client_",
    ]
    assert [naming.upstream_python_name(name) for name in ("type", "filter", "from_", "client_")] == [
        "type",
        "filter_",
        "from_",
        "client",
    ]


def test_computing_names_leaves_the_generators_reserved_words_alone() -> None:
    before = copy.copy(strings.RESERVED_WORDS)
    sdk_surface.api_of(SPEC)
    for name in NAMES[:200]:
        naming.python_name(name), naming.class_name(name)
    assert strings.RESERVED_WORDS == before


def test_parameter_names_resolve_clashes_by_location() -> None:
    parameters = [
        {"name": "connectionName", "in": "path"},
        {"name": "connection_name", "in": "query"},
        {"name": "client", "in": "query"},
        {"name": "url", "in": "query"},
        {"name": "x-a", "in": "header"},
        {"name": "x_a", "in": "header"},
    ]
    assert naming.parameter_names(parameters) == [
        "connection_name_path",
        "connection_name_query",
        "client_",
        "url_query",
        "xa",
        "x_a",
    ]


def test_shared_maps_are_named_after_their_values() -> None:
    ref = {"$ref": "#/components/schemas/ColumnSpec"}
    assert naming.shared_map_value({"type": "object", "additionalProperties": ref}) == "ColumnSpec"
    assert naming.map_class_name("ColumnSpec") == "ColumnSpecMap"
    not_maps = [
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"type": "object", "additionalProperties": ref, "properties": {"a": {}}},
        {"additionalProperties": ref},
        {"type": "object", "additionalProperties": {**ref, "description": "d"}},
    ]
    assert [naming.shared_map_value(schema) for schema in not_maps] == [None] * len(not_maps)
