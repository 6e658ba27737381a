"""Exceptions raised by the generated operations and models."""

from __future__ import annotations

import httpx


class DQOpsError(Exception):
    """Base class of every error this SDK raises."""


class UnexpectedStatus(DQOpsError):
    """The server answered a status code the spec does not document for the operation.

    Raised only when the client was made with `raise_on_unexpected_status=True`.
    """

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content
        super().__init__(
            f"Unexpected status code: {status_code}\n\nResponse content:\n{content.decode(errors='ignore')}"
        )


class ResponseDecodingError(DQOpsError, ValueError):
    """The server's answer is not what the spec says (bad JSON, wrong type in a field...).

    Attributes:
        expected: The type the spec promises, for example `list[ConnectionModel]`.
        model, field: Where parsing failed, when known.
        status_code, content: The response that could not be parsed.
    """

    def __init__(
        self,
        message: str,
        *,
        expected: str | None = None,
        model: str | None = None,
        field: str | None = None,
        status_code: int | None = None,
        content: bytes = b"",
    ) -> None:
        self.expected = expected
        self.model = model
        self.field = field
        self.status_code = status_code
        self.content = content
        super().__init__(message)

    @classmethod
    def for_body(cls, exc: Exception, response: httpx.Response, expected: str) -> ResponseDecodingError:
        """The body is not JSON at all (truncated, HTML error page, wrong content type...)."""
        content_type = response.headers.get("content-type", "no content type")
        return cls(
            f"{_request_line(response)}: expected JSON ({expected}), got {content_type} that does not parse: {exc}",
            expected=expected,
            status_code=response.status_code,
            content=response.content,
        )

    @classmethod
    def for_value(cls, exc: Exception, response: httpx.Response, expected: str) -> ResponseDecodingError:
        """The body is JSON but does not have the shape of the expected model."""
        return cls(
            f"{_request_line(response)}: the answer is not a valid {expected}: {type(exc).__name__}: {exc}",
            expected=expected,
            status_code=response.status_code,
            content=response.content,
        )


def _request_line(response: httpx.Response) -> str:
    try:
        request = response.request
    except RuntimeError:
        return f"HTTP {response.status_code}"
    return f"{request.method} {request.url} -> HTTP {response.status_code}"


__all__ = ["DQOpsError", "ResponseDecodingError", "UnexpectedStatus"]
