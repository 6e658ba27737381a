"""Turning a response body into JSON values, with errors that say what was wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from .errors import ResponseDecodingError

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
    try:
        return json.loads(content)
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays or objects nested too deep
        raise ResponseDecodingError.for_body(exc, response, expected) from exc
