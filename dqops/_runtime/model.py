"""Base class of every generated model: a repr that shows what is set, as DQOps's docs print models."""

from __future__ import annotations

from typing import Any

import attrs

from .types import UNSET


class DQOpsModel:
    """Shared behaviour of generated models (attrs classes with slots).

    Fields the spec does not list are kept in `additional_properties` and reachable by item
    access: `model["newField"]`.
    """

    __slots__ = ()

    additional_properties: dict[str, Any]

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: object) -> bool:
        return key in self.additional_properties

    def __repr__(self) -> str:
        shown = [
            f"{field.name}={value!r}"
            for field in attrs.fields(type(self))  # type: ignore[arg-type]
            if field.name != "additional_properties" and (value := getattr(self, field.name)) is not UNSET
        ]
        extra = self.additional_properties
        if extra:
            shown.append(f"additional_properties={extra!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


class DQOpsMapModel(DQOpsModel):
    """Shared behaviour of the map classes (`ColumnSpecMap`): repr as the docs print them."""

    __slots__ = ()

    def __repr__(self) -> str:
        values = self.additional_properties
        return f"{type(self).__name__}({values!r})" if values else f"{type(self).__name__}()"
