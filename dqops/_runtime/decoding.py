"""Turning a response body into JSON values, with errors that say what was wrong."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .errors import ResponseDecodingError

# What a generated from_dict() raises on a value of the wrong shape (a list where an object
# belongs, a string where a list belongs...), to be reported as a ResponseDecodingError.
MALFORMED_VALUE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


def decode_json(response: httpx.Response, expected: str) -> Any:
    """The JSON value of the body; ResponseDecodingError when it is not JSON."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResponseDecodingError.for_body(exc, response, expected) from exc
