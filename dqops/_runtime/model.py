"""Base class of every generated model: a repr that shows what is set, as DQOps's docs print models."""

from __future__ import annotations

from typing import Any

import attrs

from .types import UNSET


class DQOpsModel:
    """Shared behaviour of generated models (attrs classes with slots)."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = [
            f"{field.name}={value!r}"
            for field in attrs.fields(type(self))  # type: ignore[misc]
            if field.name != "additional_properties" and (value := getattr(self, field.name)) is not UNSET
        ]
        extra: dict[str, Any] = getattr(self, "additional_properties", {})
        if extra:
            shown.append(f"additional_properties={extra!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


class DQOpsMapModel(DQOpsModel):
    """Shared behaviour of the map classes (`ColumnSpecMap`): repr as the docs print them."""

    __slots__ = ()

    def __repr__(self) -> str:
        values: dict[str, Any] = getattr(self, "additional_properties", {})
        return f"{type(self).__name__}({values!r})" if values else f"{type(self).__name__}()"
