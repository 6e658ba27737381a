"""Where two JSON values first differ, for the tests that compare what the SDK gives back with
what was sent (the property tests, to_dict() snapshots, the contract tests)."""

from __future__ import annotations

from typing import Any


def _kind(value: Any, numbers_by_value: bool) -> type | str:
    if numbers_by_value and isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return type(value)


def first_difference(actual: Any, expected: Any, path: str = "$", *, numbers_by_value: bool = False) -> str | None:
    """Where `actual` differs from `expected`, comparing JSON types exactly (1 != 1.0 != True); with
    `numbers_by_value`, 1 == 1.0 (what a JSON reader may give), but a bool is never a number."""
    if _kind(actual, numbers_by_value) != _kind(expected, numbers_by_value):
        return f"{path}: got {type(actual).__name__} {actual!r}, expected {type(expected).__name__} {expected!r}"
    if isinstance(expected, dict):
        missing = [key for key in expected if key not in actual]
        extra = [key for key in actual if key not in expected]
        if missing or extra:
            return f"{path}: keys missing {missing}, keys added {extra}"
        for key, value in expected.items():
            found = first_difference(actual[key], value, f"{path}.{key}", numbers_by_value=numbers_by_value)
            if found:
                return found
        return None
    if isinstance(expected, list):
        if len(actual) != len(expected):
            return f"{path}: {len(actual)} items, expected {len(expected)}"
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            found = first_difference(got, want, f"{path}[{index}]", numbers_by_value=numbers_by_value)
            if found:
                return found
        return None
    if actual != expected:
        return f"{path}: got {actual!r}, expected {expected!r}"
    return None
