"""Helpers the generated `to_dict()` methods call for values users may give in several forms."""

from __future__ import annotations

from enum import Enum
from typing import Any

from .dates import encode_iso

__all__ = ["encode_enum", "encode_iso", "encode_map", "encode_model", "encode_models", "to_json_value"]


def to_json_value(value: Any) -> Any:
    """A model, enum, list or dict of them -> plain JSON-ready Python values."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return value
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    if isinstance(value, dict):
        return {key: to_json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(item) for item in value]
    return encode_iso(value)


def encode_map(value: Any) -> Any:
    """A shared map field (`ColumnSpecMap`) may hold the map class or a plain dict of models."""
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    return to_json_value(value)


def encode_model(value: Any) -> Any:
    """A model's JSON: its to_dict()."""
    return value.to_dict()


def encode_models(value: Any) -> Any:
    """A list of models (or None) as JSON."""
    return [None if item is None else item.to_dict() for item in value]


# An enum member's str content is its value, and a plain str given instead is itself: one C call.
encode_enum = str.__str__
