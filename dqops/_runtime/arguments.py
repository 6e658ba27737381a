"""Checks of an operation's arguments, called by its `_get_kwargs` before any request is built.

Each check returns the value as it is sent, or raises a typed error that names the operation
and the argument: `InvalidArgument` (a ValueError) for a value no request may carry (None or ""
in a path, an unknown enum value), `ArgumentTypeError` (a TypeError) for a value of the wrong
type. The common case costs one type test: `type(value) is str` and the like come first.

`bool` is a subclass of `int`, but `True` where a number belongs is a mistake, never a count:
integer parameters refuse it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NoReturn
from urllib.parse import quote, quote_plus

from .enums import DQOpsEnum
from .errors import ArgumentTypeError, InvalidArgument
from .fields import item_name, json_names, model_of_field
from .serialization import to_json_value


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _known_values(enum: type[DQOpsEnum]) -> str:
    return ", ".join(repr(value) for value in enum._value2member_map_)


# Path parameters: one segment each, percent-encoded, never empty, never a dot segment.

#: httpx refuses a URL, or a URL's query, longer than this (httpx/_urlparse.py MAX_URL_LENGTH).
MAX_URL_LENGTH = 65536
#: A text this long or shorter cannot exceed MAX_URL_LENGTH once percent-encoded: one character
#: (4 bytes of UTF-8) becomes at most 12.
_SURELY_SHORT = MAX_URL_LENGTH // 12
#: "." and ".." are sent as they are by percent-encoding, and every URL parser removes them from
#: the path together with the segment before: `delete_table(c, "..", "..")` would delete `c`.
_DOT_SEGMENTS = (".", "..")
#: What quote() never encodes (RFC 3986 unreserved characters).
_unreserved = re.compile(r"[A-Za-z0-9_.~-]+").fullmatch


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


def _refuse_segment(segment: str, parameter: str, operation: str) -> NoReturn:
    """A path segment that would not stay one: a dot segment, or longer than any URL may be."""
    if segment in _DOT_SEGMENTS:
        reason = (
            f"got {segment!r}, which a URL reads as "
            + ("this folder" if segment == "." else "the parent folder")
            + ": the request would reach another object than the one named. DQOps names are never '.' or '..'"
        )
    else:
        reason = (
            f"got a value of {len(segment)} characters once percent-encoded, over httpx's URL limit of {MAX_URL_LENGTH}"
        )
    raise InvalidArgument(
        f"{operation}(): path parameter {parameter} {reason}; nothing was sent",
        operation=operation,
        parameter=parameter,
    )


def _segment(text: str, parameter: str, operation: str) -> str:
    """`text` as one percent-encoded path segment ("/" included), or InvalidArgument."""
    segment = quote(text, safe="")
    if segment in _DOT_SEGMENTS or len(segment) > MAX_URL_LENGTH:
        _refuse_segment(segment, parameter, operation)
    return segment


def path_str(value: object, parameter: str, operation: str) -> str:
    """A non-empty text, as one percent-encoded path segment ("/" included); not "." or ".."."""
    if type(value) is str and value:
        # Most names are unreserved characters, which percent-encoding leaves as they are: one
        # regular expression is cheaper than quote(). Three or more of them are no dot segment.
        if _unreserved(value) is not None and 2 < len(value) <= MAX_URL_LENGTH:
            return value
        return _segment(value, parameter, operation)
    if isinstance(value, str) and value:  # a str subclass, an enum member
        return _segment(str.__str__(value), parameter, operation)
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
        return _segment(str.__str__(value), parameter, operation)
    if isinstance(value, str):
        text = str.__str__(value)
        if text in enum._value2member_map_:
            return _segment(text, parameter, operation)
        if text in _DOT_SEGMENTS:
            _refuse_segment(text, parameter, operation)
        if text:
            unknown_enum_value(text, enum, parameter, operation)
    _refuse_path(value, parameter, operation, f"a {enum.__name__} or one of its values")


def path_value(value: object, parameter: str, operation: str) -> str:
    """A path parameter of another type: anything but None or "", as its text."""
    if value is None or value == "":
        _refuse_path(value, parameter, operation, "given")
    return _segment(str(value), parameter, operation)


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


def _checked_query_text(text: str, parameter: str, operation: str) -> str:
    """A query value that fits in a URL once percent-encoded, or InvalidArgument."""
    if len(text) > _SURELY_SHORT and len(quote_plus(text)) > MAX_URL_LENGTH:
        raise InvalidArgument(
            f"{operation}(): {parameter} got a value of {len(quote_plus(text))} characters once "
            f"percent-encoded, over httpx's URL limit of {MAX_URL_LENGTH}; nothing was sent",
            operation=operation,
            parameter=parameter,
        )
    return text


def query_str(value: object, parameter: str, operation: str) -> str:
    if type(value) is str:
        return value if len(value) <= _SURELY_SHORT else _checked_query_text(value, parameter, operation)
    if isinstance(value, str):
        return _checked_query_text(str.__str__(value), parameter, operation)
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
        return value if len(value) <= _SURELY_SHORT else _checked_query_text(value, parameter, operation)
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
    for a field typed as a model, or a list or a map of models) has a key that is a field's Python name
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
        where = item_name(parameter, key)
        elements = [(None, item)] if nested.shape == "one" else nested.items(item) or ()
        for index, element in elements:
            if isinstance(element, Mapping):
                inner = where if index is None else item_name(where, index)
                refuse_python_names(element, nested.cls, inner, operation)


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


# The whole URL: each value fits (checked above), but together they may not.


def url_refused(request: Mapping[str, Any], exc: Exception) -> InvalidArgument:
    """The error for a request whose URL httpx refused (too long), raised before sending.

    Each path and query value was checked alone; this names the URL's part that is too long,
    and the query parameter with the longest value when it is the query.
    """
    method = str(request.get("method", "")).upper()
    path = str(request.get("url", ""))
    params = request.get("params") or {}
    shown_path = path if len(path) <= 80 else f"{path[:80]}... ({len(path)} characters)"
    operation = f"{method} {shown_path}"
    if len(path) > MAX_URL_LENGTH or not params:
        parameter, part = "path", f"the path is {len(path)} characters long"
    else:
        parameter = max(params, key=lambda name: len(str(params[name])))
        part = f"the query is longer than that; its longest value is {parameter}"
    return InvalidArgument(
        f"{operation}: the URL is too long for httpx (at most {MAX_URL_LENGTH} characters for the path "
        f"and for the query): {part}; nothing was sent ({exc})",
        operation=operation,
        parameter=parameter,
    )
