"""Bad arguments are refused before anything is sent; mappings are welcome wherever a model is.

Every case is built from the cleaned spec (spec_facts, spec_arguments), for every operation
and through all four variants (sync, sync_detailed, asyncio, asyncio_detailed):

- each path parameter refuses None, "" and a value of the wrong type with `errors.InvalidArgument`
  (a ValueError) naming the parameter and the operation; an enum path parameter also refuses a
  text that is none of its values, listing them; "." and ".." are refused everywhere;
- each query parameter refuses a value of the wrong type with `errors.ArgumentTypeError` (a
  TypeError) naming it (`True` for an integer included); an enum one refuses an unknown text
  with `InvalidArgument` listing the known values, and takes a member, a known value as text,
  or `Enum("new_value")`;
- a JSON body typed as a model takes the model or any mapping, and the mapping is sent as
  given; anything else raises `ArgumentTypeError` naming json_body and the model class;
- a model field typed as a model takes a mapping in `__init__` (made a model by from_dict()),
  and refuses anything else, for every such field of every model class.

"Nothing is sent" is checked on a respx router that answers every request: its route must
not have been called.
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs
import httpx
import pytest
import respx
import spec_arguments
import spec_facts as facts

from dqops.client import Client, errors
from dqops.client.models import CheckSearchFilters, RunChecksParameters, TimeWindowFilterParameters

BASE_URL = "http://dqops.test:8888/"
SPEC = facts.cleaned_spec()
OPERATIONS = facts.operations(SPEC)
VARIANTS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
WITH_PATH = [op for op in OPERATIONS if op.path_parameters]
WITH_QUERY = [op for op in OPERATIONS if any(p["in"] == "query" for p in op.parameters)]


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop_runner:
        yield loop_runner


@pytest.fixture
def router() -> Iterator[respx.Route]:
    """Every request to the mocked DQOps is answered 204 and recorded on the returned route."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as mock:
        yield mock.route().respond(204)


def call(module: Any, variant: str, args: tuple[Any, ...], kwargs: dict[str, Any], runner: asyncio.Runner) -> Any:
    with Client(BASE_URL) as client:
        function = getattr(module, variant)
        if variant.startswith("asyncio"):
            return runner.run(function(*args, client=client, **kwargs))
        return function(*args, client=client, **kwargs)


def send(module: Any, variant: str, args: tuple[Any, ...], kwargs: dict[str, Any], runner: asyncio.Runner) -> None:
    """Make the call for its request alone: the mock's empty answer is no valid answer of most
    operations, and the ResponseDecodingError that follows is no concern here."""
    try:
        call(module, variant, args, kwargs, runner)
    except errors.ResponseDecodingError:
        pass


def refusals(
    module: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    runner: asyncio.Runner,
    expected: type[Exception],
) -> Iterator[tuple[str, Exception]]:
    """Each variant's error for this call; fails if a variant raises nothing or something else."""
    for variant in VARIANTS:
        with pytest.raises(expected) as info:
            call(module, variant, args, kwargs, runner)
        yield variant, info.value


def enum_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    if "$ref" in schema:
        target = facts.schemas(SPEC)[facts.ref_name(schema["$ref"])]
        return target if facts.is_enum_schema(target) else None
    return schema if "enum" in schema else None


def wrong_types(schema: dict[str, Any]) -> list[Any]:
    """Values of the wrong Python type for a parameter of `schema`."""
    if enum_schema(schema) is not None:
        return [3, object()]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer":
        return ["3", True, 3.0]
    if kind == "number":
        return ["1.5", True]
    if kind == "boolean":
        return ["true", 1]
    if kind == "array":
        return ["one value", 3]
    if kind == "string" and fmt in ("date", "date-time"):
        return [20240802, 3.5]
    return [3, b"bytes", ["a"]]


# Path parameters.


@pytest.mark.parametrize("op", WITH_PATH, ids=[op.id for op in WITH_PATH])
def test_path_parameters_refuse_none_empty_and_wrong_types(op, router, runner):
    arguments = spec_arguments.call_arguments(SPEC, op)
    module = arguments.module
    for index, parameter in enumerate(op.path_parameters):
        name = facts.python_name(parameter["name"])
        bad_values: list[Any] = [None, "", *wrong_types(parameter["schema"])]
        if enum_schema(parameter["schema"]) is not None:
            bad_values.append("no_such_value")
        for bad in bad_values:
            args = arguments.args[:index] + (bad,) + arguments.args[index + 1 :]
            for variant, error in refusals(module, args, arguments.kwargs, runner, errors.InvalidArgument):
                assert isinstance(error, ValueError)
                assert error.operation == op.name and error.parameter == name, (variant, error)
                assert name in str(error) and op.name in str(error), str(error)
    assert not router.called, [call.request.url for call in router.calls]


DOT_SEGMENTS = (".", "..")


@pytest.mark.parametrize("op", WITH_PATH, ids=[op.id for op in WITH_PATH])
def test_dot_segments_as_path_parameters_send_nothing(op, router, runner):
    """Dot segments leave their segment: every URL parser removes "." and ".." together with the
    segment before (`delete_table.sync("prod", "..", "..")` would send DELETE /api/connections/prod).
    As text, and for enum parameters as a member made with `Enum("..")` too."""
    arguments = spec_arguments.call_arguments(SPEC, op)
    for index, parameter in enumerate(op.path_parameters):
        name = facts.python_name(parameter["name"])
        given: list[Any] = list(DOT_SEGMENTS)
        member = arguments.args[index]
        if isinstance(member, enum.Enum):
            given += [type(member)(dots) for dots in DOT_SEGMENTS]
        is_text = parameter["schema"].get("type") != "integer"  # an int parameter refuses any str
        for dots in given:
            args = arguments.args[:index] + (dots,) + arguments.args[index + 1 :]
            for variant, error in refusals(arguments.module, args, arguments.kwargs, runner, errors.InvalidArgument):
                assert (error.operation, error.parameter) == (op.name, name), (variant, error)
                assert f"{op.name}(): path parameter {name} " in str(error), str(error)
                if is_text:
                    assert f"got {str.__str__(dots)!r}, which a URL reads as" in str(error), str(error)
    assert not router.called, [call.request.url for call in router.calls]


def test_the_issue_examples_send_nothing(router):
    from dqops.client.api.connections import delete_connection
    from dqops.client.api.tables import get_table_basic

    with Client(BASE_URL) as client:
        with pytest.raises(errors.InvalidArgument, match=r"delete_connection\(\): path parameter connection_name"):
            delete_connection.sync(None, client=client)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"get_table_basic\(\): path parameter schema_name .*empty string"):
            get_table_basic.sync("conn", "", "t", client=client)
    assert not router.called


def test_a_valid_path_is_sent(router, runner):
    """The control of the test above: the same calls with their valid arguments are sent."""
    for op in WITH_PATH[:20]:
        arguments = spec_arguments.call_arguments(SPEC, op)
        for variant in VARIANTS:
            send(arguments.module, variant, arguments.args, arguments.kwargs, runner)
    assert router.call_count == 20 * len(VARIANTS)


# Query parameters.


def query_parameters(op: facts.OperationFact) -> list[dict[str, Any]]:
    return [p for p in op.parameters if p["in"] == "query"]


@pytest.mark.parametrize("op", WITH_QUERY, ids=[op.id for op in WITH_QUERY])
def test_query_parameters_of_the_wrong_type_raise_type_error(op, router, runner):
    arguments = spec_arguments.call_arguments(SPEC, op)
    module = arguments.module
    for parameter in query_parameters(op):
        name = facts.python_name(parameter["name"])
        for bad in wrong_types(parameter["schema"]):
            kwargs = {**arguments.kwargs, name: bad}
            for variant, error in refusals(module, arguments.args, kwargs, runner, errors.ArgumentTypeError):
                assert isinstance(error, TypeError)
                assert (error.operation, error.parameter) == (op.name, name), (variant, error)
                assert f"{op.name}(): {name} must be" in str(error), str(error)
                assert type(bad).__name__ in str(error), str(error)
    assert not router.called


ENUM_QUERY = [
    (op, parameter)
    for op in WITH_QUERY
    for parameter in query_parameters(op)
    if enum_schema(parameter["schema"]) is not None
]


@pytest.mark.parametrize(
    "op, parameter", ENUM_QUERY, ids=[f"{op.id}.{parameter['name']}" for op, parameter in ENUM_QUERY]
)
def test_enum_query_parameter_refuses_an_unknown_text_and_takes_known_ones(op, parameter, router, runner):
    arguments = spec_arguments.call_arguments(SPEC, op)
    name = facts.python_name(parameter["name"])
    values = enum_schema(parameter["schema"])["enum"]
    kwargs = {**arguments.kwargs, name: "no_such_value"}
    for _, error in refusals(arguments.module, arguments.args, kwargs, runner, errors.InvalidArgument):
        assert error.parameter == name
        assert "'no_such_value'" in str(error)
        assert all(repr(value) in str(error) for value in values), str(error)
    assert not router.called

    given_values: list[Any] = [values[-1]]
    member = arguments.kwargs[name]
    if isinstance(member, enum.Enum):  # a component enum (an inline one is given as text)
        enum_class = type(member)
        given_values += [enum_class(values[-1]), enum_class("value_from_a_newer_dqops")]
    for given in given_values:
        kwargs = {**arguments.kwargs, name: given}
        send(arguments.module, "sync_detailed", arguments.args, kwargs, runner)
        assert router.calls.last.request.url.params[parameter["name"]] == str(given)


def test_integer_parameters_refuse_bool_and_query_none_means_not_given(router, runner):
    from dqops.client.api.check_results import get_table_data_quality_status as operation

    with Client(BASE_URL) as client:
        with pytest.raises(errors.ArgumentTypeError, match=r"months must be an int, got bool"):
            operation.sync("c", "s", "t", client=client, months=True)
        with pytest.raises(TypeError, match=r"months must be an int, got str"):
            operation.sync("c", "s", "t", client=client, months="three")
    assert not router.called
    send(operation, "sync", ("c", "s", "t"), {"months": None, "profiling": False}, runner)
    assert router.calls.last.request.url.params == httpx.QueryParams({"profiling": "false"})


# JSON bodies.

MODEL_BODIES = [
    op
    for op in OPERATIONS
    if (schema := (spec_arguments.request_body_schema(op) or ("", {}))[1]).get("$ref") and enum_schema(schema) is None
]


def test_there_are_model_bodies():
    assert len(MODEL_BODIES) > 30


def sent_json(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


@pytest.mark.parametrize("op", MODEL_BODIES, ids=[op.id for op in MODEL_BODIES])
def test_a_model_body_takes_the_model_or_any_mapping(op, router, runner):
    arguments = spec_arguments.call_arguments(SPEC, op)
    document = arguments.body_json
    assert isinstance(document, dict) and document, op.id
    model = arguments.kwargs["json_body"]
    for given in (model, document, MappingProxyType(document)):
        for variant in VARIANTS:
            kwargs = {**arguments.kwargs, "json_body": given}
            send(arguments.module, variant, arguments.args, kwargs, runner)
            assert sent_json(router) == document, (variant, type(given).__name__)
    sent = router.call_count
    for bad, shown in (([document], "list"), ("json text", "str"), (3, "int"), (None, "None")):
        kwargs = {**arguments.kwargs, "json_body": bad}
        for variant, error in refusals(arguments.module, arguments.args, kwargs, runner, errors.ArgumentTypeError):
            assert error.parameter == "json_body", variant
            assert f"json_body must be a {type(model).__name__} or a mapping, got {shown}" in str(error)
    assert router.call_count == sent


def test_the_issue_example_a_plain_dict_body_with_nested_dicts(router):
    from dqops.client.api.jobs import run_checks

    body = {"check_search_filters": {"connection": "sample_connection", "enabled": True}, "dummy_execution": True}
    with Client(BASE_URL) as client, pytest.raises(errors.ResponseDecodingError, match="no body"):
        run_checks.sync(client=client, json_body=body)  # sent; the mock's answer has no body
    assert sent_json(router) == body


def test_models_and_enums_inside_a_mapping_body_are_encoded(router):
    from dqops.client.api.jobs import run_checks
    from dqops.client.models import CheckTimeScale

    body: Mapping[str, Any] = {
        "check_search_filters": CheckSearchFilters(connection="c", time_scale=CheckTimeScale.DAILY),
        "time_window_filter": {"daily_partitioning_recent_days": 3},
    }
    with Client(BASE_URL) as client, pytest.raises(errors.ResponseDecodingError, match="no body"):
        run_checks.sync(client=client, json_body=body)  # sent; the mock's answer has no body
    assert sent_json(router) == {
        "check_search_filters": {"connection": "c", "timeScale": "daily"},
        "time_window_filter": {"daily_partitioning_recent_days": 3},
    }


# The password operations: text/plain, or (converted from Swagger 2) a JSON string.
TEXT_BODIES = [
    op
    for op in OPERATIONS
    if "text/plain" in op.request_media_types
    or (spec_arguments.request_body_schema(op) or ("", {}))[1].get("type") == "string"
]


def test_there_are_text_bodies():
    assert len(TEXT_BODIES) >= 2


@pytest.mark.parametrize("op", TEXT_BODIES, ids=[op.id for op in TEXT_BODIES])
def test_a_text_body_refuses_other_types(op, router):
    arguments = spec_arguments.call_arguments(SPEC, op)
    with (
        Client(BASE_URL) as client,
        pytest.raises(errors.ArgumentTypeError, match="json_body must be a str, got int"),
    ):
        arguments.module.sync(*arguments.args, client=client, json_body=1234)
    assert not router.called


STRING_LIST_BODIES = [
    op
    for op in OPERATIONS
    if (schema := (spec_arguments.request_body_schema(op) or ("", {}))[1]).get("type") == "array"
    and schema.get("items", {}).get("type") == "string"
]


def test_there_are_string_list_bodies():
    assert STRING_LIST_BODIES


@pytest.mark.parametrize("op", STRING_LIST_BODIES, ids=[op.id for op in STRING_LIST_BODIES])
def test_a_list_of_text_body_refuses_a_lone_text_and_other_items(op, router, runner):
    arguments = spec_arguments.call_arguments(SPEC, op)
    for bad, message in (
        ("one label", "json_body must be a list, got str"),
        (["a", 2], "json_body must be a str, got int"),
    ):
        kwargs = {**arguments.kwargs, "json_body": bad}
        for _, error in refusals(arguments.module, arguments.args, kwargs, runner, errors.ArgumentTypeError):
            assert message in str(error)
    assert not router.called
    send(arguments.module, "sync", arguments.args, {**arguments.kwargs, "json_body": ("a", "b")}, runner)
    assert sent_json(router) == ["a", "b"]


# Model fields typed as a model.


def model_fields() -> dict[str, dict[str, tuple[str, str]]]:
    """{class: {python field name: (JSON name, class of the field)}} for the fields typed as a
    model (not a map)."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    schemas = facts.schemas(SPEC)
    for schema_name, schema in schemas.items():
        for prop_name, prop in schema.get("properties", {}).items():
            if "$ref" not in prop:
                continue
            target_name = facts.ref_name(prop["$ref"])
            target = schemas[target_name]
            is_map = not target.get("properties") and isinstance(target.get("additionalProperties"), dict)
            if not facts.is_enum_schema(target) and not is_map:
                found.setdefault(schema_name, {})[facts.python_name(prop_name)] = (prop_name, target_name)
    return found


MODEL_FIELDS = model_fields()


def test_there_are_model_fields():
    assert sum(len(fields) for fields in MODEL_FIELDS.values()) > 500


def model_class(name: str) -> type:
    return getattr(spec_arguments.models_module(), name)


def attribute_of(cls: type, python_name: str) -> str:
    """The attribute of a field: its snake_case name, with the generator's suffix where that name
    is taken (`datetime_`, as the module imports `datetime`)."""
    names = {field.name for field in attrs.fields(cls)}
    return next(name for name in (python_name, python_name + "_", "field_" + python_name) if name in names)


@pytest.mark.parametrize("name", sorted(MODEL_FIELDS))
def test_model_fields_take_a_mapping_in_init(name):
    cls = model_class(name)
    fields = {attribute_of(cls, field): value for field, value in MODEL_FIELDS[name].items()}
    made = cls(**{field: {} for field in fields})
    for field, (_, target) in fields.items():
        value = getattr(made, field)
        assert type(value) is model_class(target), (field, value)
    assert made.to_dict() == {json_name: {} for json_name, _ in fields.values()}
    for field, (_, target) in fields.items():
        with pytest.raises(errors.ArgumentTypeError) as info:
            cls(**{field: ["not", "a", "mapping"]})
        assert isinstance(info.value, TypeError)
        assert f"{name}(): {field} must be a {target} or a mapping, got list" in str(info.value)


def test_the_issue_example_a_nested_dict_becomes_the_model():
    parameters = RunChecksParameters(
        check_search_filters={"connection": "sample_connection", "fullTableName": "public.fact"},
        time_window_filter=MappingProxyType({"daily_partitioning_recent_days": 7}),
    )
    assert isinstance(parameters.check_search_filters, CheckSearchFilters)
    assert parameters.check_search_filters.connection == "sample_connection"
    assert isinstance(parameters.time_window_filter, TimeWindowFilterParameters)
    assert parameters.to_dict() == {
        "check_search_filters": {"connection": "sample_connection", "fullTableName": "public.fact"},
        "time_window_filter": {"daily_partitioning_recent_days": 7},
    }
    as_model = CheckSearchFilters(connection="c")
    assert RunChecksParameters(check_search_filters=as_model).check_search_filters is as_model
