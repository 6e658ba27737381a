"""A mapping given for a model (a `json_body`, a field typed as a model, an item of a field holding
a list or a map of models) is read by its JSON names: a key that is a field's Python name where
the JSON name differs is refused before anything is sent, naming the JSON name, at any depth;
any other key is sent as given."""

from __future__ import annotations

import enum
import importlib
from typing import Any

import attrs
import pytest
from support.model_cases import HeldField, held_fields

from dqops._runtime.arguments import json_model
from dqops._runtime.fields import json_names


def renamed_fields() -> list[tuple[type, str, str]]:
    """(model, Python name, JSON name) of one renamed field of each model that has one."""
    models = importlib.import_module("dqops.client.models")
    found = []
    for name in sorted(models.__all__):
        cls = getattr(models, name)
        if attrs.has(cls) and hasattr(cls, "from_dict") and (names := json_names(cls)):
            python, json = next(iter(names.items()))
            found.append((cls, python, json))
    return found


RENAMED = renamed_fields()


def test_there_are_renamed_fields() -> None:
    assert len(RENAMED) > 40
    checks = importlib.import_module("dqops.client.models").CheckSearchFilters
    assert json_names(checks)["time_scale"] == "timeScale"


@pytest.mark.parametrize("index", range(len(RENAMED)))
def test_a_python_name_key_is_refused_naming_the_json_name(index: int) -> None:
    errors = importlib.import_module("dqops.client.errors")
    cls, python, json = RENAMED[index]
    with pytest.raises(errors.ArgumentTypeError) as refused:
        json_model({python: None}, cls, "json_body", "some_operation")
    assert repr(json) in str(refused.value) and repr(python) in str(refused.value), str(refused.value)
    assert (refused.value.operation, refused.value.parameter) == ("some_operation", "json_body")
    # By its JSON name, and with keys this SDK does not know, the mapping is sent as given.
    assert json_model({json: None, "aNewerField": 1}, cls, "json_body", "some_operation") == {
        json: None,
        "aNewerField": 1,
    }


def operation(group: str, name: str) -> Any:
    return importlib.import_module(f"dqops.client.api.{group}.{name}")


def test_an_operation_refuses_a_python_name_nested_in_its_body() -> None:
    errors = importlib.import_module("dqops.client.errors")
    run_checks = operation("jobs", "run_checks")
    with pytest.raises(errors.ArgumentTypeError) as refused:
        run_checks._get_kwargs(json_body={"check_search_filters": {"time_scale": "daily"}})
    message = str(refused.value)
    assert "json_body['check_search_filters']" in message and "'timeScale'" in message, message
    sent = run_checks._get_kwargs(json_body={"check_search_filters": {"timeScale": "daily", "conection": "c"}})
    assert sent["json"] == {"check_search_filters": {"timeScale": "daily", "conection": "c"}}


def test_a_model_field_refuses_a_python_name_in_its_mapping() -> None:
    errors = importlib.import_module("dqops.client.errors")
    models = importlib.import_module("dqops.client.models")
    with pytest.raises(errors.ArgumentTypeError) as refused:
        models.RunChecksParameters(check_search_filters={"time_scale": "daily"})
    assert "'timeScale'" in str(refused.value)
    made = models.RunChecksParameters(check_search_filters={"timeScale": "daily"})
    assert made.check_search_filters.time_scale == "daily"


# Fields holding a list or a map of models, read from the spec: their constructor takes, for each
# item, the model or a mapping of its JSON fields, converted as a field typed as the model converts one.
HELD_MODEL_FIELDS = [held for held in held_fields() if not issubclass(held.item, enum.Enum)]


def holding(held: HeldField, items: list[Any]) -> list[Any] | dict[str, Any]:
    """`items` as the value of a list field, or of a map field (under the keys k0, k1...)."""
    return list(items) if held.shape == "list" else {f"k{index}": item for index, item in enumerate(items)}


def item_name(held: HeldField, index: int) -> str:
    return f"{held.field}[{index}]" if held.shape == "list" else f"{held.field}['k{index}']"


def test_there_are_lists_and_maps_of_models() -> None:
    shapes = [held.shape for held in HELD_MODEL_FIELDS]
    assert shapes.count("list") > 200 and shapes.count("map") > 100
    assert {(held.model.__name__, held.field) for held in HELD_MODEL_FIELDS} >= {
        ("TableSpec", "comments"),
        ("TableSpec", "columns"),
        ("CheckResultsListModel", "check_result_entries"),
    }


@pytest.mark.parametrize("held", HELD_MODEL_FIELDS, ids=lambda held: f"{held.model.__name__}.{held.field}")
def test_a_list_or_map_of_models_takes_mappings_of_their_json_form(held: HeldField) -> None:
    errors = importlib.import_module("dqops.client.errors")
    cls, field, item = held.model, held.field, held.item
    renamed = next(iter(json_names(item).items()), None)
    mapping: dict[str, Any] = {"aNewerField": 1} if renamed is None else {renamed[1]: None, "aNewerField": 1}

    made = cls(**{field: holding(held, [item(), mapping, None])})
    stored = getattr(made, field)
    assert all(type(value) is item for value in list(stored.values() if held.shape == "map" else stored)[:2])
    assert made.to_dict()[held.json_name] == holding(held, [{}, mapping, None])

    # Models alone: stored as given.
    models = holding(held, [item(), item()])
    assert getattr(cls(**{field: models}), field) is models

    if renamed is not None:
        python, json = renamed
        with pytest.raises(errors.ArgumentTypeError) as refused:
            cls(**{field: holding(held, [item(), {python: None}])})
        assert repr(json) in str(refused.value) and item_name(held, 1) in str(refused.value), str(refused.value)
        assert (refused.value.operation, refused.value.parameter) == (cls.__name__, item_name(held, 1))
    with pytest.raises(errors.ArgumentTypeError) as wrong_item:
        cls(**{field: holding(held, ["text"])})
    assert wrong_item.value.parameter == item_name(held, 0)
    with pytest.raises(errors.ArgumentTypeError) as wrong_container:
        cls(**{field: "text" if held.shape == "list" else [item()]})
    assert wrong_container.value.parameter == field


@pytest.mark.parametrize(
    "held",
    [held for held in HELD_MODEL_FIELDS if json_names(held.item)],
    ids=lambda held: f"{held.model.__name__}.{held.field}",
)
def test_a_body_refuses_a_python_name_in_a_list_or_map_of_models(held: HeldField) -> None:
    errors = importlib.import_module("dqops.client.errors")
    python, json = next(iter(json_names(held.item).items()))
    with pytest.raises(errors.ArgumentTypeError) as refused:
        json_model({held.json_name: holding(held, [{json: None}, {python: None}])}, held.model, "json_body", "op")
    where = item_name(held, 1).replace(held.field, f"json_body[{held.json_name!r}]", 1)
    assert refused.value.parameter == where, str(refused.value)
    assert repr(json) in str(refused.value), str(refused.value)
