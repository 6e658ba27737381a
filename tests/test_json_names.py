"""A mapping given for a model (a `json_body`, or a field typed as a model) is read by its JSON
names: a key that is a field's Python name where the JSON name differs is refused before
anything is sent, naming the JSON name, at any depth; any other key is sent as given."""

from __future__ import annotations

import importlib
from typing import Any

import attrs
import pytest

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
