"""Secrets kept out of what errors carry: the headers that hold credentials are masked.

httpx masks `Authorization` and `Proxy-Authorization` in the repr of its headers only; the
value stays in the headers themselves, so it would show in `error.request.headers["..."]`,
in a pickle of the error, or in anything that prints the headers' items. The requests that
errors carry are copies whose credential headers read `[secure]`, httpx's own mask.

The header an AuthenticatedClient sends its API key in (`auth_header_name`, such as
`X-API-Key`) is a credential header too: each client adds its name here.
"""

from __future__ import annotations

import httpx

MASK = "[secure]"
#: Lower-case names of the headers whose values are never shown; AuthenticatedClient adds its own.
secret_headers: set[str] = {"authorization", "proxy-authorization"}


def register_secret_header(name: str) -> None:
    """Treat the header `name` (any case) as a credential from now on."""
    secret_headers.add(name.lower())


def _masked_headers(headers: httpx.Headers) -> httpx.Headers | None:
    """A copy of `headers` with credentials masked, or None when there is none to mask."""
    items = headers.multi_items()
    if not any(name.lower() in secret_headers for name, _ in items):
        return None
    return httpx.Headers([(name, MASK if name.lower() in secret_headers else value) for name, value in items])


def redacted_request(request: httpx.Request | None) -> httpx.Request | None:
    """`request`, or a copy of it (same URL, body, extensions) whose credential headers are masked."""
    if request is None:
        return None
    headers = _masked_headers(request.headers)
    if headers is None:
        return request
    copy = object.__new__(httpx.Request)
    copy.__dict__.update(request.__dict__)
    copy.headers = headers
    return copy


def redact_response(response: httpx.Response | None) -> httpx.Response | None:
    """Mask the credentials of the requests `response` holds (its own, the redirects', the next
    one): the response goes on as the error's, and the client does not use it again."""
    if response is None:
        return None
    for item in (response, *response.history):
        request = getattr(item, "_request", None)
        if request is not None:
            item.request = redacted_request(request)  # type: ignore[assignment]
    if response.next_request is not None:
        response.next_request = redacted_request(response.next_request)
    return response
