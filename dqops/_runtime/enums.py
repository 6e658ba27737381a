"""Base class of every generated enum."""

from __future__ import annotations

from enum import Enum
from typing import Any


class DQOpsEnum(str, Enum):
    """A string enum that also accepts values this SDK does not know yet.

    A newer DQOps server may answer a value added after this SDK was generated; parsing must
    not fail on it. Such a value becomes a member-like instance of the enum that compares
    equal to its string and survives `to_dict()` unchanged.
    """

    def __str__(self) -> str:
        return self._value_  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        # As DQOps's docs print members: RuleSeverityLevel.ERROR; an unknown value as a call.
        if self.is_known:
            return f"{type(self).__name__}.{self._name_}"
        return f"{type(self).__name__}({self._value_!r})"

    @classmethod
    def _missing_(cls, value: Any) -> DQOpsEnum | None:
        if not isinstance(value, str):
            return None
        unknown = str.__new__(cls, value)
        unknown._name_ = value
        unknown._value_ = value
        return unknown

    @property
    def is_known(self) -> bool:
        """False for a value this SDK's spec did not list (sent by a newer DQOps)."""
        return self._value_ in type(self)._value2member_map_
