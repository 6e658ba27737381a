"""The clients every generated operation takes as `client=`.

A client owns one pooled httpx.Client (sync calls) and one httpx.AsyncClient per event loop
(async calls), made on first use and closed by `close()` / `aclose()` or by leaving a `with` /
`async with` block (dqops/_runtime/pools.py). `with_options()` gives a view of the same client,
sharing those pools, with another timeout or extra headers for the calls made through it.

A timeout in seconds is a deadline for the whole call, retries and their waits included
(dqops/_runtime/deadline.py); an `httpx.Timeout` bounds each phase of each request instead.
"""

from __future__ import annotations

import dataclasses
import os
import re
import ssl
from logging import DEBUG
from time import monotonic, perf_counter
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import unquote

import httpx

from . import logs
from .arguments import url_refused
from .data_domain import checked_data_domain, cookie_jar, send_data_domain
from .deadline import bound_by_deadline, call_deadline, clamp_phases
from .errors import ConfigurationError, DQOpsError, RequestTimeout, TransportError, error_for_failure
from .pools import AsyncPool, Pools, running_loop, watch_loop_shutdown
from .redaction import register_secret_header
from .retry import NO_RETRIES, RetryPolicy

if TYPE_CHECKING:
    from contextvars import Token

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


def _deadline_seconds(timeout: object, what: str) -> float | None:
    """The deadline of a timeout setting: seconds bound the whole call, an httpx.Timeout (or
    None) each phase only. Anything else is a ConfigurationError."""
    if timeout is None or isinstance(timeout, httpx.Timeout):
        return None
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
        return float(timeout)
    raise ConfigurationError(
        f"{what} must be a number of seconds > 0 or an httpx.Timeout, got {type(timeout).__name__} {timeout!r}"
    )


def _checked_text(value: object, what: str) -> str:
    """A setting that must be a non-empty str; the error names the type only (it may be a secret)."""
    if type(value) is str and value:
        return value
    shown = "an empty str" if value == "" else type(value).__name__
    raise ConfigurationError(f"{what} must be a non-empty str, got {shown}")


# The base URL: parsed once, at construction.

_USERINFO = re.compile(r"^([^:/?#]*://)[^/?#]*@")


def _shown_url(text: str) -> str:
    """`text` as a message may show it: user info (a password) hidden."""
    return _USERINFO.sub(r"\1***@", text)


def _has_whitespace_or_control(text: str) -> bool:
    return not text.isprintable() or any(character.isspace() for character in text)


class _BaseUrl:
    """A base URL checked and split: `url` without user info (what the client shows and sends
    to), and the HTTP Basic credentials its user info gave, as httpx would have sent them."""

    def __init__(self, text: str, what: str) -> None:
        shown = _shown_url(text)
        if _has_whitespace_or_control(text):
            raise ConfigurationError(f"{what} must have no whitespace or control characters, got {shown!r}")
        scheme, separator, rest = text.partition("://")
        if not separator or scheme.lower() not in ("http", "https"):
            raise ConfigurationError(f"{what} must start with http:// or https://, got {shown!r}")
        authority_end = next((index for index, character in enumerate(rest) if character in "/?#"), len(rest))
        userinfo, at, host_and_port = rest[:authority_end].rpartition("@")
        self.url = f"{scheme.lower()}://{host_and_port}{rest[authority_end:]}"
        try:
            parsed = httpx.URL(self.url)
        except httpx.InvalidURL as exc:
            raise ConfigurationError(f"{what} is not a valid URL: {shown!r} ({exc})") from exc
        if not parsed.host:
            raise ConfigurationError(f"{what} has no host, got {shown!r}")
        if parsed.port is not None and not 0 < parsed.port < 65536:
            raise ConfigurationError(f"{what} has a port out of 1-65535, got {shown!r}")
        self.origin = (parsed.scheme, parsed.host, parsed.port)
        self.auth: httpx.BasicAuth | None = None
        if at:
            # What httpx does with the user info of a request's URL (httpx.URL.username/password).
            username, _, password = userinfo.partition(":")
            if username or password:
                self.auth = httpx.BasicAuth(unquote(username), unquote(password))


# The API key and the header that carries it.

_PRINTABLE_ASCII = re.compile(r"[!-~]+")
# RFC 9110 token characters: what a header name may hold.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_PREFIX = re.compile(r"([!-~]+( [!-~]+)*)?")


def _checked_token(token: str, source: str) -> str:
    """The API key as sent in a header; the error never shows it, not even in its chain."""
    if token[:7].lower() == "bearer ":
        raise ConfigurationError(
            f"{source} starts with 'Bearer ': pass the API key alone, the client puts the prefix "
            "before it (prefix='Bearer', the default)"
        )
    if _PRINTABLE_ASCII.fullmatch(token):
        return token
    if not token.isascii():
        reason = "has characters that are not ASCII"
    elif token.strip() != token:
        reason = "has whitespace or control characters at its start or end (a newline read from a file?): strip them"
    else:
        reason = "has whitespace or control characters"
    raise ConfigurationError(
        f"{source} {reason}; an API key is printable ASCII without whitespace (the key is not shown here)"
    )


class _DropOnOtherOrigin:
    """An httpx request hook: the API key's header goes to the base URL's origin only.

    httpx drops `Authorization` when a redirect leads to another scheme, host or port; another
    header that carries the key (`auth_header_name`) is dropped here, before each hop is sent.
    """

    def __init__(self, header: str, origin: tuple[str, str, int | None]) -> None:
        self.header = header
        self.origin = origin

    def __call__(self, request: httpx.Request) -> None:
        url = request.url
        if (url.scheme, url.host, url.port) != self.origin:
            request.headers.pop(self.header, None)

    async def asynchronous(self, request: httpx.Request) -> None:
        self(request)


class Client:
    """A client for a DQOps instance that sends no credentials.

    Args:
        base_url: The DQOps instance, for example `http://localhost:8888/`. When None, the
            environment variable DQOPS_BASE_URL, else `http://localhost:8888/`. Checked here:
            http or https (any case), a host, no whitespace or control characters. User info
            (`http://user:password@host/`) is sent as HTTP Basic credentials and never shown.
        raise_on_unexpected_status: Make the *_detailed variants raise a typed error
            (`errors.NotFound`, `errors.Unauthorized`, ..., all subclasses of
            `errors.UnexpectedStatus`) for an error status or one the operation does not
            document, instead of returning it in their Response. sync() and asyncio() always raise.
        timeout: In seconds, the most a call may take, retries and their waits included
            (`errors.RequestTimeout` after it). An `httpx.Timeout` bounds each phase of each
            request instead (connect, each read, write, pool): by default 120 seconds each, as in
            upstream's client. None waits without limit.
        headers, cookies: Sent with every request.
        data_domain: The DQOps data domain the calls work in, sent as the `DQODataDomain` cookie
            of each request; None (the default) is DQOps's default domain. `with_options(data_domain=...)`
            gives a view in another domain that shares this client's connections.
        max_retries: Retries of a failed idempotent request (connection errors, 429, 502, 503,
            504) with exponential backoff; 0 (the default) never retries. `retry_policy` tunes it.
        http2: Speak HTTP/2 when the server offers it (needs `pip install 'dqops-sdk[http2]'`).
        verify_ssl, follow_redirects, httpx_args: Passed to the underlying httpx clients.
            verify_ssl=False logs a warning on the `dqops` logger.
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
        data_domain: str | None = None,
    ) -> None:
        if base_url is None:
            from_environment = os.environ.get(BASE_URL_VARIABLE)
            what = BASE_URL_VARIABLE if from_environment else "base_url"
            resolved_url = _BaseUrl(from_environment or DEFAULT_BASE_URL, what)
        else:
            resolved_url = _BaseUrl(_checked_text(base_url, "base_url"), "base_url")
        if http2:
            try:
                import h2  # noqa: F401
            except ImportError as exc:
                raise ConfigurationError("http2=True needs the h2 package: pip install 'dqops-sdk[http2]'") from exc
        policy = retry_policy or NO_RETRIES
        if max_retries is not None:
            policy = dataclasses.replace(policy, max_retries=max_retries)
        self.raise_on_unexpected_status = raise_on_unexpected_status
        self.retry_policy = policy
        self._base_url = resolved_url.url
        self._origin = resolved_url.origin
        self._basic_auth = resolved_url.auth
        self._timeout = timeout
        self._deadline_seconds = _deadline_seconds(timeout, "timeout")
        self._headers: dict[str, str] = dict(headers or {})
        self._cookies: dict[str, str] = dict(cookies or {})
        self._data_domain = checked_data_domain(data_domain, "data_domain")
        self._http2 = http2
        self._verify_ssl = verify_ssl
        self._follow_redirects = follow_redirects
        self._httpx_args: dict[str, Any] = dict(httpx_args or {})
        self._pools = Pools()
        # Per-call options of a view made by with_options(); empty on the client itself.
        self._call_options: dict[str, Any] = {}
        if verify_ssl is False or self._httpx_args.get("verify") is False:
            logs.logger.warning(
                "%s for %s: TLS certificates are not verified (verify_ssl=False), so anyone on the "
                "network path can read and change its requests and answers, credentials included",
                type(self).__name__,
                self._base_url,
            )

    @property
    def _secret_header(self) -> str | None:
        """The header that carries a secret (AuthenticatedClient's), lower-case: never logged."""
        return None

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def data_domain(self) -> str | None:
        """The data domain this client's calls work in; None is DQOps's default domain."""
        return self._data_domain

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def _auth_headers(self) -> dict[str, str]:
        return {}

    def _httpx_kwargs(self, *, asynchronous: bool = False) -> dict[str, Any]:
        verify = self._verify_ssl
        if verify is True:
            verify = _default_ssl_context()
        kwargs: dict[str, Any] = {
            "base_url": self._base_url,
            "headers": {**self._headers, **self._auth_headers()},
            "cookies": cookie_jar(self._cookies),
            "verify": verify,
            "follow_redirects": self._follow_redirects,
            "http2": self._http2,
            "timeout": self._timeout,
        }
        if self._basic_auth is not None:
            kwargs["auth"] = self._basic_auth
        kwargs.update(self._httpx_args)
        secret = self._secret_header
        if secret is not None and secret != "authorization" and kwargs["follow_redirects"]:
            drop = _DropOnOtherOrigin(secret, self._origin)
            hooks = dict(kwargs.get("event_hooks") or {})
            hooks["request"] = [*hooks.get("request", ()), drop.asynchronous if asynchronous else drop]
            kwargs["event_hooks"] = hooks
        return kwargs

    # Views: same pools, other per-call options.

    def with_options(
        self,
        *,
        timeout: httpx.Timeout | float | None = None,
        headers: dict[str, str] | None = None,
        data_domain: str | None = None,
    ) -> Client:
        """A view of this client whose calls use this timeout, add these headers and work in this
        data domain (DQOps's `DQODataDomain` cookie, sent on the view's calls only).

        The view shares this client's connection pools: making one per call is cheap.
        `run_checks.sync(client=dqops.with_options(timeout=120), json_body=...)`
        """
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        options = dict(self._call_options)
        if timeout is not None:
            view._deadline_seconds = _deadline_seconds(timeout, "with_options(timeout=...)")
            options["timeout"] = timeout
        if headers:
            options["headers"] = {**options.get("headers", {}), **headers}
        if data_domain is not None:
            view._data_domain = checked_data_domain(data_domain, "with_options(data_domain=...)")
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
        copy._pools = Pools()
        return copy

    # The pooled httpx clients.

    def set_httpx_client(self, client: httpx.Client) -> Client:
        """Use this httpx client for sync calls (its own settings apply, not this client's)."""
        bound_by_deadline(client)
        self._pools.sync_client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        client = self._pools.sync_client
        if client is None:
            with self._pools.lock:
                client = self._pools.sync_client
                if client is None:
                    client = httpx.Client(**self._httpx_kwargs())
                    bound_by_deadline(client)
                    self._pools.sync_client = client
        return client

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Client:
        """Use this httpx client for async calls (its own settings apply, not this client's).

        It serves the running event loop, or outside any loop the next one to make a call (its
        connections cannot serve another loop); a later loop gets a pool of this client's own.
        """
        self._pools.replace_async(async_client, running_loop())
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The httpx client of the running event loop's async calls (outside a loop: the one
        the next loop to call will use)."""
        loop = running_loop()
        if loop is None:
            with self._pools.lock:
                if self._pools.unbound_async is None:
                    self._pools.unbound_async = httpx.AsyncClient(**self._httpx_kwargs(asynchronous=True))
                return self._pools.unbound_async
        return self._async_pool(loop).client

    def _async_pool(self, loop: Any) -> AsyncPool:
        pool = self._pools.async_pools.get(loop)
        if pool is None:
            pool = self._pools.pool_for(
                loop, lambda: httpx.AsyncClient(**self._httpx_kwargs(asynchronous=True)), self._connection_limit()
            )
        return pool

    def _connection_limit(self) -> int | None:
        limits = self._httpx_args.get("limits")
        return DEFAULT_MAX_CONNECTIONS if limits is None else limits.max_connections

    # Sending: what every generated operation calls.

    def send_request(self, request: dict[str, Any]) -> httpx.Response:
        """Send one operation's request (built by its `_get_kwargs`) on the pooled sync client."""
        if self._call_options:
            request = self._apply_call_options(request)
        http = self.get_httpx_client()
        seconds = self._deadline_seconds
        deadline = None if seconds is None else monotonic() + seconds
        log = logs.logger.isEnabledFor(DEBUG)
        # Every socket operation of the pool reads the deadline (dqops/_runtime/deadline.py).
        token: Token[float | None] | None = None if deadline is None else call_deadline.set(deadline)
        built: httpx.Request | None = None
        attempt, started = 1, 0.0
        try:
            while True:
                try:
                    built = http.build_request(**request)
                except httpx.InvalidURL as exc:
                    raise url_refused(request, exc) from exc
                if self._data_domain is not None:
                    send_data_domain(built, self._data_domain)
                if deadline is not None and clamp_phases(built, deadline) <= 0:
                    raise RequestTimeout.deadline(built, seconds or 0.0, attempt - 1)
                started = perf_counter() if log else 0.0
                try:
                    response = http.send(built)
                except httpx.TransportError as exc:
                    delay = self._retry_after_error(exc, built, attempt, deadline, log, started)
                    self.retry_policy.sleep(delay)
                    attempt += 1
                    continue
                retry_in = self._retry_after_response(response, built, attempt, deadline, log, started)
                if retry_in is None:
                    return response
                response.close()
                self.retry_policy.sleep(retry_in)
                attempt += 1
        except DQOpsError:
            raise
        except Exception as exc:
            raise self._unexpected_failure(exc, built, attempt, log, started) from exc
        finally:
            if token is not None:
                call_deadline.reset(token)

    async def send_request_async(self, request: dict[str, Any]) -> httpx.Response:
        """Send one operation's request on the running loop's pooled async client; waits with asyncio.sleep."""
        if self._call_options:
            request = self._apply_call_options(request)
        import asyncio  # already imported: we run inside an event loop

        loop = asyncio.get_running_loop()
        pool = self._pools.async_pools.get(loop)
        if pool is None or pool.closer is None:
            pool = self._async_pool(loop)
            if pool.closer is None:
                await watch_loop_shutdown(pool)
        seconds = self._deadline_seconds
        if seconds is None:
            return await self._send_attempts_async(pool, request, None, _CallState())
        state = _CallState()
        try:
            async with asyncio.timeout(seconds):
                return await self._send_attempts_async(pool, request, monotonic() + seconds, state)
        except TimeoutError as exc:
            raise RequestTimeout.deadline(state.request, seconds, state.attempt) from exc

    async def _send_attempts_async(
        self, pool: AsyncPool, request: dict[str, Any], deadline: float | None, state: _CallState
    ) -> httpx.Response:
        http = pool.client
        slots = pool.slots
        log = logs.logger.isEnabledFor(DEBUG)
        started = 0.0
        try:
            while True:
                try:
                    built = state.request = http.build_request(**request)
                except httpx.InvalidURL as exc:
                    raise url_refused(request, exc) from exc
                if self._data_domain is not None:
                    send_data_domain(built, self._data_domain)
                started = perf_counter() if log else 0.0
                try:
                    if slots is None:
                        response = await http.send(built)
                    else:
                        # More requests than connections would queue inside httpcore's pool, which
                        # slows down sharply with thousands of waiters (encode/httpx#1171); they wait here.
                        async with slots:
                            response = await http.send(built)
                except httpx.TransportError as exc:
                    delay = self._retry_after_error(exc, built, state.attempt, deadline, log, started)
                    await self.retry_policy.async_sleep(delay)
                    state.attempt += 1
                    continue
                retry_in = self._retry_after_response(response, built, state.attempt, deadline, log, started)
                if retry_in is None:
                    return response
                await response.aclose()
                await self.retry_policy.async_sleep(retry_in)
                state.attempt += 1
        except DQOpsError:
            raise
        except Exception as exc:  # not the deadline's cancellation: a BaseException
            raise self._unexpected_failure(exc, state.request, state.attempt, log, started) from exc

    # What follows an attempt, shared by the sync and the async loop.

    def _retry_after_error(
        self,
        exc: httpx.TransportError,
        request: httpx.Request,
        attempt: int,
        deadline: float | None,
        log: bool,
        started: float,
    ) -> float:
        """The wait before the next attempt after `exc`; raises the typed error when there is none."""
        if log:
            elapsed = perf_counter() - started
            logs.log_attempt(request, None, elapsed, attempt, failure=exc, secret_header=self._secret_header)
        if deadline is not None and isinstance(exc, httpx.TimeoutException):
            # Each phase's limit is the time left: any timeout is the call's deadline.
            raise RequestTimeout.deadline(request, self._deadline_seconds or 0.0, attempt) from exc
        error = TransportError.from_httpx(exc, attempts=attempt)
        policy = self.retry_policy
        if not policy.should_retry_error(request.method, exc, attempt - 1):
            raise error from exc
        delay = policy.delay(attempt)
        if deadline is not None and monotonic() + delay >= deadline:
            raise error from exc  # the next attempt could not start before the deadline
        if log:
            logs.log_retry(request.method, str(request.url), delay, attempt)
        return delay

    def _unexpected_failure(
        self, exc: Exception, request: httpx.Request | None, attempt: int, log: bool, started: float
    ) -> DQOpsError:
        """The typed error for whatever else httpx, a transport or an event hook raised (a body
        that cannot be decoded, too many redirects...); `exc` becomes its cause. Never retried."""
        if log and request is not None:
            elapsed = perf_counter() - started
            logs.log_attempt(request, None, elapsed, attempt, failure=exc, secret_header=self._secret_header)
        return error_for_failure(exc, request, attempt)

    def _retry_after_response(
        self,
        response: httpx.Response,
        request: httpx.Request,
        attempt: int,
        deadline: float | None,
        log: bool,
        started: float,
    ) -> float | None:
        """The wait before the next attempt after `response`; None when it is the answer."""
        if log:
            elapsed = perf_counter() - started
            logs.log_attempt(request, response, elapsed, attempt, secret_header=self._secret_header)
        policy = self.retry_policy
        if not policy.should_retry_response(request.method, response, attempt - 1):
            return None
        delay = policy.delay(attempt, response)
        if deadline is not None and monotonic() + delay >= deadline:
            return None  # the next attempt could not start before the deadline: this is the answer
        if log:
            logs.log_retry(request.method, str(request.url), delay, attempt)
        return delay

    def _apply_call_options(self, request: dict[str, Any]) -> dict[str, Any]:
        request = dict(request)
        if "timeout" in self._call_options:
            request["timeout"] = self._call_options["timeout"]
        if "headers" in self._call_options:
            request["headers"] = {**self._call_options["headers"], **request.get("headers", {})}
        return request

    # Lifecycle.

    def close(self) -> None:
        """Close every pooled connection, sync and async, from any thread (a later call opens new ones).

        An async pool is closed on its own event loop; one whose loop has ended has its sockets
        closed directly.
        """
        self._pools.close()

    async def aclose(self) -> None:
        """Close every pooled connection, async and sync, from any event loop (a later call opens new ones)."""
        await self._pools.aclose()

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
            Printable ASCII without whitespace, without its "Bearer " prefix. It never appears
            in repr(), str(), logs or error messages.
        prefix: Put before the token in the header; "" sends the bare token.
        auth_header_name: The header that carries the token. Like `Authorization`, it is masked
            in the requests errors carry, and dropped on a redirect to another origin.
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
        if token is None:
            from_environment = os.environ.get(API_KEY_VARIABLE)
            if not from_environment:
                raise ConfigurationError(
                    f"AuthenticatedClient needs an API key: pass token=... or set {API_KEY_VARIABLE}"
                )
            resolved_token = _checked_token(from_environment, API_KEY_VARIABLE)
        else:
            resolved_token = _checked_token(_checked_text(token, "token"), "token")
        if not isinstance(auth_header_name, str) or not _HEADER_NAME.fullmatch(auth_header_name):
            raise ConfigurationError(f"auth_header_name must be an HTTP header name, got {auth_header_name!r}")
        if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
            raise ConfigurationError(
                f"prefix must be printable ASCII words separated by single spaces, such as 'Bearer', got {prefix!r}"
            )
        register_secret_header(auth_header_name)
        super().__init__(base_url, **kwargs)
        self._token = resolved_token
        self.prefix = prefix
        self.auth_header_name = auth_header_name

    @property
    def token(self) -> str:
        return self._token

    @property
    def _secret_header(self) -> str | None:
        return self.auth_header_name.lower()

    def _auth_headers(self) -> dict[str, str]:
        value = f"{self.prefix} {self._token}" if self.prefix else self._token
        return {self.auth_header_name: value}


class _CallState:
    """Where an async call is: its last request and attempt number, for the deadline's error."""

    __slots__ = ("attempt", "request")

    def __init__(self) -> None:
        self.request: httpx.Request | None = None
        self.attempt = 1


logs.configure_from_environment()

__all__ = ["AuthenticatedClient", "Client"]
