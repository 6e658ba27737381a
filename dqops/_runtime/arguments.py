"""Checks of an operation's arguments, called by its `_get_kwargs` before any request is built.

Each check returns the value as it is sent, or raises a typed error that names the operation
and the argument: `InvalidArgument` (a ValueError) for a value no request may carry (None or ""
in a path, an unknown enum value), `ArgumentTypeError` (a TypeError) for a value of the wrong
type. The common case costs one type test: `type(value) is str` and the like come first.

`bool` is a subclass of `int`, but `True` where a number belongs is a mistake, never a count:
integer parameters refuse it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NoReturn
from urllib.parse import quote

from .enums import DQOpsEnum
from .errors import ArgumentTypeError, InvalidArgument
from .fields import json_names, model_of_field
from .serialization import to_json_value


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _known_values(enum: type[DQOpsEnum]) -> str:
    return ", ".join(repr(value) for value in enum._value2member_map_)


# Path parameters: one segment each, percent-encoded, never empty.


def _refuse_path(value: object, parameter: str, operation: str, expected: str) -> NoReturn:
    if value is None:
        reason = "got None, which would be sent as the text 'None'"
    elif value == "":
        reason = "got an empty string, which would leave its path segment empty"
    else:
        reason = f"got {_type_name(value)}"
    raise InvalidArgument(
        f"{operation}(): path parameter {parameter} must be {expected}, {reason}",
        operation=operation,
        parameter=parameter,
    )


def path_str(value: object, parameter: str, operation: str) -> str:
    """A non-empty text, as one percent-encoded path segment ("/" included)."""
    if type(value) is str and value:
        return quote(value, safe="")
    if isinstance(value, str) and value:  # a str subclass, an enum member
        return quote(str.__str__(value), safe="")
    _refuse_path(value, parameter, operation, "a non-empty str")


def path_int(value: object, parameter: str, operation: str) -> str:
    """An integer (not a bool), as a path segment."""
    if type(value) is int:
        return str(value)
    _refuse_path(value, parameter, operation, "an int")


def path_enum(value: object, enum: type[DQOpsEnum], parameter: str, operation: str) -> str:
    """A member of `enum` (an unknown one made with `enum("new_value")` included) or one of its
    known values as text, as a path segment."""
    if type(value) is enum:
        return quote(str.__str__(value), safe="")
    if isinstance(value, str):
        text = str.__str__(value)
        if text in enum._value2member_map_:
            return quote(text, safe="")
        if text:
            unknown_enum_value(text, enum, parameter, operation)
    _refuse_path(value, parameter, operation, f"a {enum.__name__} or one of its values")


def path_value(value: object, parameter: str, operation: str) -> str:
    """A path parameter of another type: anything but None or "", as its text."""
    if value is None or value == "":
        _refuse_path(value, parameter, operation, "given")
    return quote(str(value), safe="")


def unknown_enum_value(value: str, enum: type[DQOpsEnum], parameter: str, operation: str) -> NoReturn:
    """Raise InvalidArgument: `value` is not one of `enum`'s values (`operation` names the operation, or the model)."""
    raise InvalidArgument(
        f"{operation}(): {parameter} got {value!r}, which is not a {enum.__name__}: the known values are "
        f"{_known_values(enum)}. To send a value this SDK does not know yet, pass {enum.__name__}({value!r})",
        operation=operation,
        parameter=parameter,
    )


# Query (and header) parameters: None means "not given" and is checked by the caller.


def _refuse_type(value: object, parameter: str, operation: str, expected: str) -> NoReturn:
    raise ArgumentTypeError(
        f"{operation}(): {parameter} must be {expected}, got {_type_name(value)}",
        operation=operation,
        parameter=parameter,
    )


def query_str(value: object, parameter: str, operation: str) -> str:
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    _refuse_type(value, parameter, operation, "a str")


def query_int(value: object, parameter: str, operation: str) -> int:
    if type(value) is int:
        return value
    _refuse_type(value, parameter, operation, "an int")


def query_float(value: object, parameter: str, operation: str) -> float:
    if type(value) is float or type(value) is int:
        return value
    _refuse_type(value, parameter, operation, "a float or an int")


def query_bool(value: object, parameter: str, operation: str) -> bool:
    if type(value) is bool:
        return value
    _refuse_type(value, parameter, operation, "a bool")


def query_enum(value: object, enum: type[DQOpsEnum], parameter: str, operation: str) -> str:
    """The value of a member of `enum`, or one of its known values given as text."""
    if type(value) is enum:
        return str.__str__(value)
    if type(value) is str and value in enum._value2member_map_:
        return value
    if isinstance(value, str):
        text = str.__str__(value)
        if text in enum._value2member_map_:
            return text
        unknown_enum_value(text, enum, parameter, operation)
    _refuse_type(value, parameter, operation, f"a {enum.__name__} or one of its values")


def query_date(value: object, parameter: str, operation: str) -> str:
    """ISO 8601 text, or a `date` / `datetime` written as such."""
    if type(value) is str:
        return value
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    _refuse_type(value, parameter, operation, "ISO 8601 text, a date or a datetime")


def query_list(value: object, parameter: str, operation: str) -> list[Any]:
    """A list (or tuple) of values, each checked by the caller; not a lone str."""
    if type(value) is list or type(value) is tuple:
        return list(value)
    _refuse_type(value, parameter, operation, "a list")


# Request bodies.


def json_mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping given as a body or part of one: sent as given, with models and enums inside
    it encoded (`to_dict()`, their value) and dates written as ISO 8601 text."""
    return {key: to_json_value(item) for key, item in value.items()}


def json_model(value: object, model: type[Any], parameter: str, operation: str) -> dict[str, Any]:
    """A body typed as a model: the model (its `to_dict()`) or any mapping of its JSON fields.

    A mapping is sent as given, keys DQOps does not know included (a newer DQOps may), but a key
    that is the Python name of one of the model's fields, not its JSON name, is refused: DQOps
    would ignore it."""
    if isinstance(value, model):
        encoded: dict[str, Any] = value.to_dict()
        return encoded
    if isinstance(value, Mapping):
        refuse_python_names(value, model, parameter, operation)
        return json_mapping(value)
    _refuse_type(value, parameter, operation, f"a {model.__name__} or a mapping")


def refuse_python_names(value: Mapping[str, Any], model: type[Any], parameter: str, operation: str) -> None:
    """ArgumentTypeError if the mapping `value` of the JSON fields of `model` (or one nested in it,
    for a field typed as a model or a list of models) has a key that is a field's Python name
    where its JSON name differs (`time_scale` for `timeScale`)."""
    names = json_names(model)
    for key, item in value.items():
        json_name = names.get(key) if type(key) is str else None
        if json_name is not None and json_name not in value:
            raise ArgumentTypeError(
                f"{operation}(): {parameter} has the key {key!r}, the Python name of {model.__name__}.{key}: "
                f"DQOps reads it as {json_name!r}",
                operation=operation,
                parameter=parameter,
            )
        nested = model_of_field(model, key) if item is not None else None
        if nested is None:
            continue
        where = f"{parameter}[{key!r}]"
        if isinstance(item, Mapping):
            refuse_python_names(item, nested, where, operation)
        elif isinstance(item, list):
            for index, element in enumerate(item):
                if isinstance(element, Mapping):
                    refuse_python_names(element, nested, f"{where}[{index}]", operation)


def json_models(value: object, model: type[Any], parameter: str, operation: str) -> list[dict[str, Any] | None]:
    """A body typed as a list of models: a sequence of models or mappings."""
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        _refuse_type(value, parameter, operation, f"a list of {model.__name__} or of mappings")
    return [
        None if item is None else json_model(item, model, f"{parameter}[{index}]", operation)
        for index, item in enumerate(value)
    ]


def text_body(value: object, parameter: str, operation: str) -> bytes:
    """A text/plain body: the text itself, UTF-8 encoded (bytes are sent as they are)."""
    if type(value) is str:
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    _refuse_type(value, parameter, operation, "a str")
