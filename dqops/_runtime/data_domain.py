"""DQOps's data domains: the `DQODataDomain` cookie selects the domain a call works in.

A client or a `with_options(data_domain=...)` view sends the cookie on its own calls only: it is
written into each request's `Cookie` header after httpx has added the pool's cookies, so views
with different domains share one pool and never see each other's domain. The pool's cookie jar
never stores a `DQODataDomain` cookie that an answer sets, which would otherwise reach every
later call of every view.
"""

from __future__ import annotations

import re
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from .errors import ConfigurationError

DATA_DOMAIN_COOKIE = "DQODataDomain"

# RFC 6265 cookie-octet: no space, quote, comma, semicolon or backslash, ASCII only.
_COOKIE_VALUE = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+")
_MAX_LENGTH = 256


def checked_data_domain(value: object, what: str) -> str | None:
    """A data domain name that can be sent as the cookie's value, or None for the default domain."""
    if value is None:
        return None
    if type(value) is not str:
        raise ConfigurationError(f"{what} must be a str, got {type(value).__name__}")
    if len(value) > _MAX_LENGTH or not _COOKIE_VALUE.fullmatch(value):
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise ConfigurationError(
            f"{what} must be a data domain name of at most {_MAX_LENGTH} printable ASCII characters without "
            f"spaces, quotes, commas, semicolons or backslashes, got {shown!r}"
        )
    return value


class _NoDataDomainFromAnswers(DefaultCookiePolicy):
    """Stores the cookies answers set, except the data domain: only the caller chooses it."""

    def set_ok(self, cookie: Cookie, request: Any) -> bool:
        return cookie.name != DATA_DOMAIN_COOKIE and super().set_ok(cookie, request)


def cookie_jar(cookies: dict[str, str]) -> CookieJar:
    """The cookie jar of a pooled httpx client: the client's own cookies, no data domain from answers."""
    jar = CookieJar(policy=_NoDataDomainFromAnswers())
    store = httpx.Cookies(jar)
    for name, value in cookies.items():
        store.set(name, value)
    return jar


def send_data_domain(request: httpx.Request, domain: str) -> None:
    """Make `request` carry `domain` as its DQODataDomain cookie, beside the other cookies it has."""
    prefix = DATA_DOMAIN_COOKIE + "="
    existing = request.headers.get("cookie")
    pairs = [] if not existing else [p for p in existing.split("; ") if p and not p.startswith(prefix)]
    pairs.append(prefix + domain)
    request.headers["Cookie"] = "; ".join(pairs)
