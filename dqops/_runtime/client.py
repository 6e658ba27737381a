"""The clients every generated operation takes as `client=`.

A client owns one pooled httpx.Client (sync calls) and one httpx.AsyncClient (async calls),
made on first use and closed by `close()` / `aclose()` or by leaving a `with` / `async with`
block. `with_options()` gives a view of the same client, sharing those pools, with another
timeout or extra headers for the calls made through it.
"""

from __future__ import annotations

import os
import ssl
from typing import Any, Self

import httpx

from .errors import ConfigurationError, TransportError
from .retry import NO_RETRIES, RetryPolicy

BASE_URL_VARIABLE = "DQOPS_BASE_URL"
API_KEY_VARIABLE = "DQOPS_API_KEY"
DEFAULT_BASE_URL = "http://localhost:8888/"
# httpx's default pool size (httpx.Limits: max_connections=100).
DEFAULT_MAX_CONNECTIONS = 100
# Upstream's client waits 120 s for each phase of a request, as DQOps's own client code does:
# operations that run checks or wait for a job answer after tens of seconds, not httpx's 5.
DEFAULT_TIMEOUT = httpx.Timeout(120.0)

_shared_ssl_context: ssl.SSLContext | None = None


def _default_ssl_context() -> ssl.SSLContext:
    """One CA bundle load per process, not per client (it takes ~20 ms and would block an event loop)."""
    global _shared_ssl_context
    if _shared_ssl_context is None:
        _shared_ssl_context = httpx.create_ssl_context()
    return _shared_ssl_context


class _Pools:
    """The httpx clients, shared by a client and the views `with_options()` makes of it."""

    __slots__ = ("async_client", "async_loop", "async_slots", "sync_client")

    def __init__(self) -> None:
        self.sync_client: httpx.Client | None = None
        self.async_client: httpx.AsyncClient | None = None
        # The event loop async_client's connections belong to: they cannot serve another loop.
        self.async_loop: object | None = None
        # At most as many requests in flight as the pool has connections (see send_request_async).
        self.async_slots: Any = None


class Client:
    """A client for a DQOps instance that sends no credentials.

    Args:
        base_url: The DQOps instance, for example `http://localhost:8888/`. When None, the
            environment variable DQOPS_BASE_URL, else `http://localhost:8888/`.
        raise_on_unexpected_status: Raise a typed error (`errors.NotFound`, `errors.Unauthorized`,
            ..., all subclasses of `errors.UnexpectedStatus`) when the server answers a status the
            operation does not document, instead of returning None.
        timeout: Timeout of each request, in seconds or as an `httpx.Timeout` (default 120 seconds,
            as in upstream's client); None waits without limit.
        headers, cookies: Sent with every request.
        max_retries: Retries of a failed idempotent request (connection errors, 429, 502, 503,
            504) with exponential backoff; 0 (the default) never retries. `retry_policy` tunes it.
        http2: Speak HTTP/2 when the server offers it (needs `pip install 'dqops-sdk[http2]'`).
        verify_ssl, follow_redirects, httpx_args: Passed to the underlying httpx clients.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        raise_on_unexpected_status: bool = False,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        http2: bool = False,
        verify_ssl: bool | str | ssl.SSLContext = True,
        follow_redirects: bool = False,
        httpx_args: dict[str, Any] | None = None,
    ) -> None:
        resolved_url = base_url or os.environ.get(BASE_URL_VARIABLE) or DEFAULT_BASE_URL
        if not resolved_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"base_url must start with http:// or https://, got {resolved_url!r}")
        if http2:
            try:
                import h2  # noqa: F401
            except ImportError as exc:
                raise ConfigurationError("http2=True needs the h2 package: pip install 'dqops-sdk[http2]'") from exc
        policy = retry_policy or NO_RETRIES
        if max_retries is not None:
            policy = RetryPolicy(
                max_retries=max_retries,
                backoff_factor=policy.backoff_factor,
                max_backoff=policy.max_backoff,
                max_retry_after=policy.max_retry_after,
                retry_statuses=policy.retry_statuses,
                retry_non_idempotent=policy.retry_non_idempotent,
                sleep=policy.sleep,
                async_sleep=policy.async_sleep,
                random=policy.random,
            )
        self.raise_on_unexpected_status = raise_on_unexpected_status
        self.retry_policy = policy
        self._base_url = resolved_url
        self._timeout = timeout
        self._headers: dict[str, str] = dict(headers or {})
        self._cookies: dict[str, str] = dict(cookies or {})
        self._http2 = http2
        self._verify_ssl = verify_ssl
        self._follow_redirects = follow_redirects
        self._httpx_args: dict[str, Any] = dict(httpx_args or {})
        self._pools = _Pools()
        # Per-call options of a view made by with_options(); empty on the client itself.
        self._call_options: dict[str, Any] = {}

    @property
    def base_url(self) -> str:
        return self._base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def _auth_headers(self) -> dict[str, str]:
        return {}

    def _httpx_kwargs(self) -> dict[str, Any]:
        verify = self._verify_ssl
        if verify is True:
            verify = _default_ssl_context()
        kwargs: dict[str, Any] = {
            "base_url": self._base_url,
            "headers": {**self._headers, **self._auth_headers()},
            "cookies": self._cookies,
            "verify": verify,
            "follow_redirects": self._follow_redirects,
            "http2": self._http2,
            "timeout": self._timeout,
        }
        kwargs.update(self._httpx_args)
        return kwargs

    # Views: same pools, other per-call options.

    def with_options(
        self, *, timeout: httpx.Timeout | float | None = None, headers: dict[str, str] | None = None
    ) -> Client:
        """A view of this client whose calls use this timeout and add these headers.

        The view shares this client's connection pools: making one per call is cheap.
        `run_checks.sync(client=dqops.with_options(timeout=120), json_body=...)`
        """
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        options = dict(self._call_options)
        if timeout is not None:
            options["timeout"] = timeout
        if headers:
            options["headers"] = {**options.get("headers", {}), **headers}
        view._call_options = options
        return view

    def with_headers(self, headers: dict[str, str]) -> Client:
        """A view of this client that adds these headers to every call."""
        return self.with_options(headers=headers)

    def with_timeout(self, timeout: httpx.Timeout | float) -> Client:
        """A view of this client with another timeout."""
        return self.with_options(timeout=timeout)

    def with_cookies(self, cookies: dict[str, str]) -> Self:
        """A copy of this client that also sends these cookies, with connection pools of its own.

        Cookies belong to an httpx client, so unlike headers they cannot vary per call on a shared
        pool. Close the copy as well (or use it in a `with` block).
        """
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._cookies = {**self._cookies, **cookies}
        copy._pools = _Pools()
        return copy

    # The pooled httpx clients.

    def set_httpx_client(self, client: httpx.Client) -> Client:
        """Use this httpx client for sync calls (its own settings apply, not this client's)."""
        self._pools.sync_client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        if self._pools.sync_client is None:
            self._pools.sync_client = httpx.Client(**self._httpx_kwargs())
        return self._pools.sync_client

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Client:
        """Use this httpx client for async calls (its own settings apply, not this client's)."""
        self._pools.async_client = async_client
        self._pools.async_loop = None
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        if self._pools.async_client is None:
            self._pools.async_client = httpx.AsyncClient(**self._httpx_kwargs())
        return self._pools.async_client

    def _async_client_for_running_loop(self) -> httpx.AsyncClient:
        """The pooled async client, made anew when called from another event loop than its own.

        A script may call `asyncio.run()` several times with one client; pooled connections of
        a finished loop cannot be used (nor closed) from the next one, so they are dropped.
        """
        import asyncio  # already imported: we run inside an event loop

        loop = asyncio.get_running_loop()
        pools = self._pools
        if pools.async_client is not None and pools.async_loop is not None and pools.async_loop is not loop:
            pools.async_client = None
        if pools.async_client is None:
            pools.async_client = httpx.AsyncClient(**self._httpx_kwargs())
        if pools.async_loop is not loop:
            limit = self._connection_limit()
            pools.async_slots = asyncio.Semaphore(limit) if limit else None
        pools.async_loop = loop
        return pools.async_client

    def _connection_limit(self) -> int | None:
        limits = self._httpx_args.get("limits")
        return DEFAULT_MAX_CONNECTIONS if limits is None else limits.max_connections

    # Sending: what every generated operation calls.

    def send_request(self, request: dict[str, Any]) -> httpx.Response:
        """Send one operation's request (built by its `_get_kwargs`) on the pooled sync client."""
        if self._call_options:
            request = self._apply_call_options(request)
        http = self.get_httpx_client()
        policy = self.retry_policy
        retries_done = 0
        while True:
            try:
                response = http.request(**request)
            except httpx.TransportError as exc:
                if not policy.should_retry_error(request["method"], exc, retries_done):
                    raise TransportError.from_httpx(exc, attempts=retries_done + 1) from exc
                retries_done += 1
                policy.sleep(policy.delay(retries_done))
                continue
            if not policy.should_retry_response(request["method"], response, retries_done):
                return response
            retries_done += 1
            response.close()
            policy.sleep(policy.delay(retries_done, response))

    async def send_request_async(self, request: dict[str, Any]) -> httpx.Response:
        """Send one operation's request on the pooled async client; waits with asyncio.sleep."""
        if self._call_options:
            request = self._apply_call_options(request)
        http = self._async_client_for_running_loop()
        slots = self._pools.async_slots
        policy = self.retry_policy
        retries_done = 0
        while True:
            try:
                if slots is None:
                    response = await http.request(**request)
                else:
                    # More requests than connections would queue inside httpcore's pool, which
                    # slows down sharply with thousands of waiters (encode/httpx#1171); they wait here.
                    async with slots:
                        response = await http.request(**request)
            except httpx.TransportError as exc:
                if not policy.should_retry_error(request["method"], exc, retries_done):
                    raise TransportError.from_httpx(exc, attempts=retries_done + 1) from exc
                retries_done += 1
                await policy.async_sleep(policy.delay(retries_done))
                continue
            if not policy.should_retry_response(request["method"], response, retries_done):
                return response
            retries_done += 1
            await response.aclose()
            await policy.async_sleep(policy.delay(retries_done, response))

    def _apply_call_options(self, request: dict[str, Any]) -> dict[str, Any]:
        request = dict(request)
        if "timeout" in self._call_options:
            request["timeout"] = self._call_options["timeout"]
        if "headers" in self._call_options:
            request["headers"] = {**self._call_options["headers"], **request.get("headers", {})}
        return request

    # Lifecycle.

    def close(self) -> None:
        """Close the pooled sync connections (a later call opens new ones)."""
        if self._pools.sync_client is not None:
            self._pools.sync_client.close()
            self._pools.sync_client = None

    async def aclose(self) -> None:
        """Close the pooled async connections (a later call opens new ones)."""
        if self._pools.async_client is not None:
            await self._pools.async_client.aclose()
            self._pools.async_client = None
            self._pools.async_loop = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()


class AuthenticatedClient(Client):
    """A client that sends a DQOps API key as `Authorization: Bearer <token>` with every request.

    Args:
        base_url: The DQOps instance; when None, DQOPS_BASE_URL, else `http://localhost:8888/`.
        token: The API key (DQOps UI: user menu, "Generate API Key"); when None, DQOPS_API_KEY.
            It never appears in repr(), str(), logs or error messages.
        prefix: Put before the token in the header; "" sends the bare token.
        auth_header_name: The header that carries the token.
        Other keyword arguments: as for Client.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        prefix: str = "Bearer",
        auth_header_name: str = "Authorization",
        **kwargs: Any,
    ) -> None:
        resolved_token = token if token is not None else os.environ.get(API_KEY_VARIABLE)
        if not resolved_token:
            raise ConfigurationError(f"AuthenticatedClient needs an API key: pass token=... or set {API_KEY_VARIABLE}")
        super().__init__(base_url, **kwargs)
        self._token = resolved_token
        self.prefix = prefix
        self.auth_header_name = auth_header_name

    @property
    def token(self) -> str:
        return self._token

    def _auth_headers(self) -> dict[str, str]:
        value = f"{self.prefix} {self._token}" if self.prefix else self._token
        return {self.auth_header_name: value}


__all__ = ["AuthenticatedClient", "Client"]
