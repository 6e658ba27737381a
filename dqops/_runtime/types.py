"""Types shared by every generated operation and model."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from enum import Enum
from http import HTTPStatus
from typing import IO, BinaryIO, Final, Generic, Literal, TypeVar

import httpx
from attrs import define


class Unset(Enum):
    """The type of UNSET: a field or argument that was not given (distinct from None / JSON null).

    A one-member enum (PEP 484's sentinel pattern), so that `value is not UNSET`, the fastest
    test and the one generated code uses, narrows the type for type checkers.
    """

    UNSET = "UNSET"

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET

FileContent = IO[bytes] | bytes | str
FileTypes = tuple[str | None, FileContent, str | None] | tuple[str | None, FileContent, str | None, Mapping[str, str]]
RequestFiles = list[tuple[str, FileTypes]]
# The tuple File.to_tuple() gives, under the name upstream's client exports.
FileJsonType = tuple[str | None, BinaryIO, str | None]


@define
class File:
    """A file to upload or a downloaded file."""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileJsonType:
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A response from an operation: status, raw body, headers and the parsed value."""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None

    @classmethod
    def build(cls, response: httpx.Response, parsed: T | None) -> Response[T]:
        """The Response of an httpx response; a status code HTTPStatus does not know stays an int."""
        code = response.status_code
        status = _HTTP_STATUSES.get(code, code)
        return cls(status_code=status, content=response.content, headers=response.headers, parsed=parsed)  # type: ignore[arg-type]


_HTTP_STATUSES: dict[int, HTTPStatus] = {int(status): status for status in HTTPStatus}


__all__ = ["UNSET", "File", "FileJsonType", "FileTypes", "RequestFiles", "Response", "Unset"]
