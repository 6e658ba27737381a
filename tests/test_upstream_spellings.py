"""Both spellings of names that shadow builtins: ours (`filter`) and upstream's client's (`filter_`).

Our package keeps the JSON names (`filter=`, `model.filter`), as DQOps's docs write them.
Upstream's client, made by openapi-python-client before 0.17, appended "_" to every name in
`dir(builtins)` except `type` and `id` (and to keywords, as ours does). Code written for it
must run here, so each such name is also accepted under upstream's spelling:

- every model field (from the spec): `__init__` takes either keyword, or the value at the same
  position; both keywords at once are a TypeError; reading or assigning either attribute touches
  the one field (an assignment through the second spelling also drops the decode note), and
  `to_dict()` is the same either way;
- every query parameter of an operation (from the spec): each of the four variants sends the
  same request under either keyword; both at once are a TypeError and send nothing;
- names upstream spells like ours (`type`, `id`) get no second spelling, and models without
  a second spelling keep the `__init__` attrs writes;
- a user's script written for upstream's client passes `mypy --strict` against this package;
- the collision rule for enum members names them as upstream's client does.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import importlib
import keyword
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest
import respx
import spec_arguments
import spec_facts as facts
from test_typing import type_check_user_script

SPEC = facts.cleaned_spec()
BASE_URL = "http://localhost:8888/"
VARIANTS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
# Upstream's generator suffixed these names with "_": every builtin's name but type and id.
UPSTREAM_SUFFIXED = frozenset(dir(builtins)) - {"type", "id"}


def upstream_spelling(python_name: str) -> str | None:
    """Upstream's spelling of a name ours gives as it is, when it differs."""
    suffixed = python_name in UPSTREAM_SUFFIXED or keyword.iskeyword(python_name)
    return python_name + "_" if suffixed else None


def models() -> Any:
    return importlib.import_module("dqops.client.models")


def unset() -> Any:
    return importlib.import_module("dqops.client.types").UNSET


SHADOWING_FIELDS = facts.builtin_shadowing_properties(SPEC)
ALIASED_FIELDS = [name for name in SHADOWING_FIELDS if upstream_spelling(name.python_name)]
SHADOWING_PARAMETERS = facts.builtin_shadowing_parameters(SPEC)
ALIASED_PARAMETERS = [
    (op, name)
    for op, name in SHADOWING_PARAMETERS
    if upstream_spelling(name.python_name)
    and any(p["name"] == name.json_name and p["in"] in ("query", "header") for p in op.parameters)
]


def test_the_spec_has_names_upstream_spells_otherwise():
    fields = {(name.owner, name.python_name) for name in ALIASED_FIELDS}
    assert {("TableSpec", "filter"), ("JsonFileFormatSpec", "format")} <= fields
    assert {(op.id, name.python_name) for op, name in ALIASED_PARAMETERS} >= {("tables.get_tables", "filter")}


# Models.


def sample(name: facts.ShadowingName) -> tuple[Any, Any, Any]:
    """(class, JSON value of the field, the value as the model holds it), from the spec."""
    cls = getattr(models(), name.owner)
    as_json = facts.sample_json(SPEC, name.schema)
    return cls, as_json, getattr(cls.from_dict({name.json_name: as_json}), name.python_name)


@pytest.mark.parametrize("name", ALIASED_FIELDS, ids=[name.id for name in ALIASED_FIELDS])
def test_model_takes_either_keyword(name):
    cls, as_json, value = sample(name)
    alias = upstream_spelling(name.python_name)
    ours, theirs = cls(**{name.python_name: value}), cls(**{alias: value})
    assert ours.to_dict() == theirs.to_dict() == {name.json_name: as_json}
    assert getattr(theirs, name.python_name) is value and getattr(theirs, alias) is value
    with pytest.raises(TypeError, match=f"{name.python_name} and {alias}"):
        cls(**{name.python_name: value, alias: value})


@pytest.mark.parametrize("name", ALIASED_FIELDS, ids=[name.id for name in ALIASED_FIELDS])
def test_model_takes_the_field_at_the_same_position(name):
    cls, as_json, value = sample(name)
    position = [field.name for field in attrs.fields(cls) if field.init].index(name.python_name)
    assert cls(*[unset()] * position, value).to_dict() == {name.json_name: as_json}


@pytest.mark.parametrize("name", ALIASED_FIELDS, ids=[name.id for name in ALIASED_FIELDS])
def test_either_attribute_reads_and_assigns_the_same_field(name):
    cls, as_json, value = sample(name)
    alias = upstream_spelling(name.python_name)
    decoded = cls.from_dict({name.json_name: as_json})
    assert getattr(decoded, alias) is getattr(decoded, name.python_name)
    # Through the second spelling, after from_dict(): to_dict() must see the change.
    setattr(decoded, alias, unset())
    assert getattr(decoded, name.python_name) is unset() and decoded.to_dict() == {}
    setattr(decoded, alias, value)
    assert getattr(decoded, name.python_name) is value and decoded.to_dict() == {name.json_name: as_json}
    setattr(decoded, name.python_name, unset())
    assert getattr(decoded, alias) is unset() and decoded.to_dict() == {}
    assert alias not in attrs.fields_dict(cls), "the second spelling is not a field of its own"


def test_names_upstream_spells_as_ours_get_no_second_spelling():
    same = [name for name in SHADOWING_FIELDS if not upstream_spelling(name.python_name)]
    assert {name.python_name for name in same} >= {"type"}
    for name in same:
        cls = getattr(models(), name.owner)
        assert not hasattr(cls, name.python_name + "_"), name.id


def test_only_models_with_a_second_spelling_write_their_own_init():
    aliased = {name.owner for name in ALIASED_FIELDS}
    for schema_name in facts.object_schema_names(SPEC):
        cls = getattr(models(), schema_name)
        # attrs writes __attrs_init__ only for the classes whose __init__ it does not write.
        assert hasattr(cls, "__attrs_init__") == (schema_name in aliased), schema_name


# Operations.


@contextlib.contextmanager
def mock_dqops() -> Iterator[respx.Route]:
    router = respx.MockRouter(base_url=BASE_URL, assert_all_called=False, assert_all_mocked=True)
    route = router.route().respond(204)
    router.start()
    try:
        yield route
    finally:
        router.stop(clear=False, reset=False)


def sent_request(module: Any, variant: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> httpx.Request:
    client_module = importlib.import_module("dqops.client")
    # The mock's empty answer is no valid answer of an operation that answers a body: the
    # ResponseDecodingError that follows the request is no concern here.
    answer_ignored = contextlib.suppress(client_module.errors.ResponseDecodingError)
    with mock_dqops() as route:
        client = client_module.AuthenticatedClient(BASE_URL, token="t")
        function = getattr(module, variant)
        if variant.startswith("asyncio"):

            async def call() -> None:
                async with client:
                    await function(*args, client=client, **kwargs)

            with answer_ignored:
                asyncio.run(call())
        else:
            with client, answer_ignored:
                function(*args, client=client, **kwargs)
    assert route.call_count == 1
    return route.calls.last.request


@pytest.mark.parametrize(
    "op, name", ALIASED_PARAMETERS, ids=[f"{op.id}.{name.json_name}" for op, name in ALIASED_PARAMETERS]
)
@pytest.mark.parametrize("variant", VARIANTS)
def test_operation_sends_the_same_request_under_either_keyword(op, name, variant):
    arguments = spec_arguments.call_arguments(SPEC, op)
    module = arguments.module
    alias = upstream_spelling(name.python_name)
    kwargs = dict(arguments.kwargs)
    value = kwargs.pop(name.python_name)
    ours = sent_request(module, variant, arguments.args, {**kwargs, name.python_name: value})
    theirs = sent_request(module, variant, arguments.args, {**kwargs, alias: value})
    assert name.json_name in ours.url.params
    assert (theirs.method, theirs.url, theirs.content) == (ours.method, ours.url, ours.content)


@pytest.mark.parametrize(
    "op, name", ALIASED_PARAMETERS, ids=[f"{op.id}.{name.json_name}" for op, name in ALIASED_PARAMETERS]
)
@pytest.mark.parametrize("variant", VARIANTS)
def test_operation_refuses_both_keywords_before_sending(op, name, variant):
    arguments = spec_arguments.call_arguments(SPEC, op)
    alias = upstream_spelling(name.python_name)
    value = arguments.kwargs[name.python_name]
    with pytest.raises(TypeError, match=f"{name.python_name} and {alias}"):
        sent_request(arguments.module, variant, arguments.args, {**arguments.kwargs, alias: value})


# Type checkers see both spellings: a script written for upstream's client, as its docs write one.

UPSTREAM_USER_SCRIPT = """
    from __future__ import annotations

    from dqops import client
    from dqops.client.api.incidents import find_recent_incidents_on_connection
    from dqops.client.api.tables import get_tables
    from dqops.client.errors import UnexpectedStatus
    from dqops.client.models import (
        IncidentModel,
        JsonFileFormatSpec,
        JsonFormatType,
        TableListModel,
        TableVolumeRowCountSensorParametersSpec,
    )
    from dqops.client.types import UNSET, File, FileJsonType, Unset

    dqops_client = client.AuthenticatedClient("http://localhost:8888/", "s4mp13_4u7h_70k3n", "Bearer")
    with_session = dqops_client.with_cookies({"session": "s"})


    def tables() -> list[TableListModel]:
        try:
            found = get_tables.sync("connection", "schema", client=dqops_client, filter_="fact_*", page=1)
        except UnexpectedStatus as error:
            print(error.status_code, error.content)
            return []
        also = get_tables.sync("connection", "schema", client=with_session, filter="fact_*")
        return (found or []) + (also or [])


    def incidents() -> list[IncidentModel]:
        answer = find_recent_incidents_on_connection.sync_detailed(
            "connection", client=dqops_client, open_=True, filter_="orders"
        )
        return answer.parsed or []


    def sensor_filter() -> str | Unset:
        parameters = TableVolumeRowCountSensorParametersSpec(filter_="id > 0")
        parameters.filter_ = "id > 1"
        parameters.filter = parameters.filter_
        return parameters.filter_


    def json_format() -> JsonFormatType | Unset:
        spec = JsonFileFormatSpec(format_=JsonFormatType.AUTO, sample_size=UNSET)
        return spec.format_ if spec.format is not UNSET else UNSET


    def upload(file: File) -> FileJsonType:
        return file.to_tuple()
"""


def test_code_written_for_upstream_type_checks(tmp_path):
    type_check_user_script(tmp_path, UPSTREAM_USER_SCRIPT, "upstream-user-code")


# Enum members whose values the generator would name alike.


def test_colliding_enum_members_are_named_as_upstream_names_them():
    from scripts import generate

    document = {"enum": ["YYYY-MM-DD", "DD/MM/YYYY", "DD-MM-YYYY", "DD.MM.YYYY"], "type": "string"}
    names = generate.name_colliding_enum_members(document)["x-enum-varnames"]
    # Upstream's generator kept the last of the values named DD_MM_YYYY; the others are spelled out.
    assert names == ["YYYY_MM_DD", "DDMMYYYY", "DD_DASH_MM_DASH_YYYY", "DD_MM_YYYY"]
