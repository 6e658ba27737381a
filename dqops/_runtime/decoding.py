"""Turning a response body into JSON values, with errors that say what was wrong."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import httpx

from .errors import ModelDecodingError, ResponseDecodingError

# What a generated from_dict() raises on a value of the wrong shape (a list where an object
# belongs, a string where a list belongs...), to be reported as a ResponseDecodingError.
MALFORMED_VALUE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)

_decode_json_bytes: Callable[[bytes], Any] | None = None
# msgspec's decoder of a JSON array into the bytes of each item (msgspec.Raw views of the body,
# not copies), or None without msgspec.
_split_json_array: Callable[[bytes], list[Any]] | None = None


def _load_json_bytes_decoder() -> Callable[[bytes], Any]:
    """msgspec's JSON decoder, which reads a body in less than half the time json.loads takes.

    Imported on the first body, not with the package: msgspec takes longer to import than the
    rest of an operation's modules. Without msgspec (it has no build for PyPy), json.loads.
    """
    global _decode_json_bytes, _split_json_array
    try:
        import msgspec
    except ImportError:
        _decode_json_bytes = json.loads
        _split_json_array = None
    else:
        _decode_json_bytes = msgspec.json.Decoder().decode
        _split_json_array = msgspec.json.Decoder(list[msgspec.Raw]).decode
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


def decode_json_array(response: httpx.Response, expected: str) -> list[Any] | None:
    """The JSON array of the body, or None for `null`; ResponseDecodingError for anything else."""
    data = decode_json(response, expected)
    if data is None or type(data) is list:
        return data
    wrong_shape = ModelDecodingError.wrong_shape(expected, None, "an array", data)
    raise ResponseDecodingError.for_value(wrong_shape, response, expected)


def decode_json_array_items(response: httpx.Response, expected: str) -> Iterable[Any] | None:
    """The items of the body's JSON array, each decoded only when the caller reaches it (None for
    `null`; errors as decode_json_array's).

    A caller that makes a model of each item and drops the item then never holds the JSON of
    the whole array at once, only the models and the item at hand: for a large answer, less
    memory, and less for the garbage collector to walk while the models are made. Each item is
    a JSON value no one else holds, which a model may keep (from_dict's `_owned`). With
    msgspec, the array is split first into views of each item's bytes, which checks the whole
    body as decoding it would; without msgspec, or for a body msgspec rejects, the array is
    decoded whole.
    """
    decode = _decode_json_bytes or _load_json_bytes_decoder()
    split = _split_json_array
    if split is not None:
        try:
            items = split(response.content)
        except (ValueError, RecursionError):
            pass  # not an array, or JSON that msgspec rejects: decode_json_array tells which
        else:
            return map(decode, items)
    return decode_json_array(response, expected)


# From this body size on, the collector pauses while the models of an answer are made.
GC_PAUSE_MIN_BYTES = 1 << 20


class _GCPause:
    """Pauses Python's cyclic garbage collector while the models of one large answer are made.

    The models and the JSON they are made from are new objects, and none is in a reference
    cycle, so no collection during the making can free any of them. Yet as they pile up they
    trip collections of the whole heap over and over: without the pause, those took most of the
    time of making the 60,000 models of a large list of connections. On exit the collector is
    enabled again only if it was enabled on entry: a program that disabled it keeps it disabled.
    The switch is process-wide: another thread's garbage in cycles waits for the end of the
    pause, and a thread that disables the collector during the pause finds it enabled after.
    """

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        if self._was_enabled:
            gc.disable()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._was_enabled:
            gc.enable()


class _NoPause:
    """What gc_paused_for() gives for a small body: the collector is left alone."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        return None


_NO_PAUSE = _NoPause()


def gc_paused_for(response: httpx.Response) -> _GCPause | _NoPause:
    """A context manager pausing the garbage collector while the models of a large answer
    (GC_PAUSE_MIN_BYTES and more) are made, leaving it alone for a small one."""
    return _GCPause() if len(response.content) >= GC_PAUSE_MIN_BYTES else _NO_PAUSE
