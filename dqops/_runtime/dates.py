"""Date and date-time fields of the generated models: `datetime.date` / `datetime.datetime`
values that keep the ISO 8601 text DQOps sent, parsed on first read.

`from_dict()` stores the text DQOps sent as it is, and the field's descriptor (`iso_fields`)
parses it when the field is first read, so decoding a large answer parses only the dates its
reader looks at. The parsed value is a `DQOpsDateTime` / `DQOpsDate`: a `datetime` / `date` (equal
to, and hashing as, the plain value) that remembers its text, which `encode_iso` writes back, so
`from_dict(d).to_dict() == d` to the digit. A value the user gives (any other `date` or
`datetime`) is written as ISO 8601 in the form DQOps reads: `2024-08-24`, `2024-08-24T14:15:22`
(local, no offset), `2024-08-24T14:15:22Z` (UTC) or `2024-08-24T14:15:22+02:00`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any, ClassVar, SupportsIndex, TypeVar, cast

from .errors import ModelDecodingError

_UTC_OFFSET = _dt.timedelta(0)


class _KeepsText:
    """What DQOpsDateTime and DQOpsDate share: they print as the plain value, and pickle with
    their text."""

    __slots__ = ()

    _plain: ClassVar[type[_dt.date]]  # the class the value prints and pickles as, without text

    def __repr__(self) -> str:
        # As a plain date or datetime prints: these classes are an implementation detail.
        plain = self._plain
        return plain.__repr__(cast("_dt.date", self)).replace(type(self).__name__, f"datetime.{plain.__name__}", 1)

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:  # the base classes define __reduce_ex__ themselves
        text = getattr(self, "_text", None)
        if text is None:  # made by arithmetic or replace() on a decoded value
            return self._plain.fromisoformat, (cast("_dt.date", self).isoformat(),)
        return _with_text, (type(self), text)


class DQOpsDateTime(_KeepsText, _dt.datetime):
    """A `datetime` decoded from DQOps's text, which `to_dict()` writes back unchanged."""

    __slots__ = ("_text",)

    _text: str
    _plain = _dt.datetime


class DQOpsDate(_KeepsText, _dt.date):
    """A `date` decoded from DQOps's text, which `to_dict()` writes back unchanged."""

    __slots__ = ("_text",)

    _text: str
    _plain = _dt.date


ParsedT = TypeVar("ParsedT", DQOpsDateTime, DQOpsDate)


def _with_text(cls: type[ParsedT], text: str) -> ParsedT:
    value = cls.fromisoformat(text)
    value._text = text
    return value


def parse_datetime(text: str) -> DQOpsDateTime:
    return _with_text(DQOpsDateTime, text)


def parse_date(text: str) -> DQOpsDate:
    return _with_text(DQOpsDate, text)


def encode_iso(value: Any) -> Any:
    """The JSON text of a date or date-time: the text DQOps sent for a decoded value, else ISO
    8601 as DQOps reads it (UTC as `Z`); text given instead is sent as it is."""
    if type(value) is str:
        return value
    text = getattr(value, "_text", None)
    if text is not None:
        return text
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None and value.utcoffset() == _UTC_OFFSET:
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    isoformat = getattr(value, "isoformat", None)  # a date, a time
    return isoformat() if isoformat is not None else value


class IsoField:
    """The descriptor of a date or date-time field of a model class (attrs slots class): wraps
    the field's slot and, on read, makes the ISO 8601 text stored there its parsed value.

    Stores go to the slot unchanged (`from_dict()` stores the text; `__init__` and assignments a
    value), so a read parses text at most once. Text that is not ISO 8601 raises
    ModelDecodingError on read, naming the model and field.
    """

    __slots__ = ("_model", "_name", "_parse", "slot")

    def __init__(self, slot: Any, parse: Callable[[str], Any], model: str, name: str) -> None:
        self.slot = slot  # the attrs class's member descriptor
        self._parse = parse
        self._model = model
        self._name = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.slot.__get__(instance, owner)
        if type(value) is str:
            try:
                value = self._parse(value)
            except ValueError as exc:
                shown = repr(value) if len(value) <= 40 else f"{value[:40]!r}... ({len(value)} characters)"
                raise ModelDecodingError(self._model, [self._name], f"not ISO 8601 text: {shown}") from exc
            self.slot.__set__(instance, value)  # the slot itself: a parse is no assignment
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        self.slot.__set__(instance, value)

    def __delete__(self, instance: Any) -> None:
        self.slot.__delete__(instance)


def iso_fields(cls: type, parsers: dict[str, Callable[[str], Any]]) -> None:
    """Give the model class `cls` an IsoField for each of its date or date-time fields (by name)."""
    for name, parse in parsers.items():
        setattr(cls, name, IsoField(cls.__dict__[name], parse, cls.__name__, name))
