"""Turning a response body into JSON values, with errors that say what was wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

import httpx

from .errors import ModelDecodingError, ResponseDecodingError

ScalarT = TypeVar("ScalarT")

# What a generated from_dict() raises on a value of the wrong shape (a list where an object
# belongs, a string where a list belongs...), to be reported as a ResponseDecodingError.
MALFORMED_VALUE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)

_decode_json_bytes: Callable[[bytes], Any] | None = None


def _load_json_bytes_decoder() -> Callable[[bytes], Any]:
    """msgspec's JSON decoder, which reads a body in less than half the time json.loads takes.

    Imported on the first body, not with the package: msgspec takes longer to import than the
    rest of an operation's modules. Without msgspec (it has no build for PyPy), json.loads.
    """
    global _decode_json_bytes
    try:
        import msgspec
    except ImportError:
        _decode_json_bytes = json.loads
    else:
        _decode_json_bytes = msgspec.json.Decoder().decode
    return _decode_json_bytes


def decode_json(response: httpx.Response, expected: str) -> Any:
    """The JSON value of the body, as json.loads reads it; ResponseDecodingError when it is not JSON."""
    content = response.content
    try:
        return (_decode_json_bytes or _load_json_bytes_decoder())(content)
    except (ValueError, RecursionError):
        # msgspec gives the values json.loads gives, or rejects the body. json.loads reads
        # some that msgspec rejects (NaN, Infinity, a byte order mark, UTF-16, lone surrogates)
        # and words the error of a body that is not JSON at all: it has the last word.
        pass
    if not content:
        raise ResponseDecodingError.empty(response, expected)
    try:
        return json.loads(content)
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays or objects nested too deep
        raise ResponseDecodingError.for_body(exc, response, expected) from exc


_JSON_KINDS = {str: "a string", bool: "a boolean", int: "an integer", float: "a number"}


def json_scalar(data: object, kind: type[ScalarT], response: httpx.Response) -> ScalarT:
    """`data`, an answer the spec types as a JSON string, boolean or number, if it is one."""
    if type(data) is kind or (kind is float and type(data) is int):
        return cast(ScalarT, data)
    expected = kind.__name__
    wrong_shape = ModelDecodingError.wrong_shape(expected, None, _JSON_KINDS[kind], data)
    raise ResponseDecodingError.for_value(wrong_shape, response, expected)
