"""The clients every generated operation takes as `client=`: one pooled httpx client each."""

from __future__ import annotations

from typing import Any

import httpx


class Client:
    """A client for a DQOps instance that sends no credentials.

    Args:
        base_url: The DQOps instance, for example `http://localhost:8888/`.
        raise_on_unexpected_status: Raise `errors.UnexpectedStatus` when the server answers a
            status the spec does not document, instead of returning None.
        timeout: Timeout of each request (seconds or an `httpx.Timeout`); httpx's default when None.
        headers, cookies: Sent with every request.
        verify_ssl, follow_redirects, httpx_args: Passed to the underlying httpx clients.
    """

    def __init__(
        self,
        base_url: str,
        *,
        raise_on_unexpected_status: bool = False,
        timeout: httpx.Timeout | float | None = None,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        verify_ssl: bool | str = True,
        follow_redirects: bool = False,
        httpx_args: dict[str, Any] | None = None,
    ) -> None:
        self.raise_on_unexpected_status = raise_on_unexpected_status
        self._base_url = base_url
        self._timeout = timeout
        self._headers: dict[str, str] = dict(headers or {})
        self._cookies: dict[str, str] = dict(cookies or {})
        self._verify_ssl = verify_ssl
        self._follow_redirects = follow_redirects
        self._httpx_args: dict[str, Any] = dict(httpx_args or {})
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        return self._base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def _auth_headers(self) -> dict[str, str]:
        return {}

    def _httpx_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "base_url": self._base_url,
            "headers": {**self._headers, **self._auth_headers()},
            "cookies": self._cookies,
            "verify": self._verify_ssl,
            "follow_redirects": self._follow_redirects,
        }
        if self._timeout is not None:
            kwargs["timeout"] = self._timeout
        kwargs.update(self._httpx_args)
        return kwargs

    def with_headers(self, headers: dict[str, str]) -> Client:
        """A new client with these headers added to the ones already set."""
        return self._copy(headers={**self._headers, **headers})

    def with_cookies(self, cookies: dict[str, str]) -> Client:
        return self._copy(cookies={**self._cookies, **cookies})

    def with_timeout(self, timeout: httpx.Timeout | float) -> Client:
        return self._copy(timeout=timeout)

    def _copy(self, **changes: Any) -> Client:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._client = None
        clone._async_client = None
        for name, value in changes.items():
            setattr(clone, "_" + name, value)
        return clone

    def set_httpx_client(self, client: httpx.Client) -> Client:
        """Use this httpx client for sync calls (its settings override the ones given here)."""
        self._client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(**self._httpx_kwargs())
        return self._client

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Client:
        self._async_client = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(**self._httpx_kwargs())
        return self._async_client

    def send_request(self, request: dict[str, Any]) -> httpx.Response:
        """Send one operation's request (built by its `_get_kwargs`) on the pooled sync client."""
        return self.get_httpx_client().request(**request)

    async def send_request_async(self, request: dict[str, Any]) -> httpx.Response:
        """Send one operation's request on the pooled async client."""
        return await self.get_async_httpx_client().request(**request)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None

    def __enter__(self) -> Client:
        self.get_httpx_client().__enter__()
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()

    async def __aenter__(self) -> Client:
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any) -> None:
        await self.aclose()


class AuthenticatedClient(Client):
    """A client that sends a DQOps API key as `Authorization: Bearer <token>` with every request.

    Args:
        base_url: The DQOps instance, for example `http://localhost:8888/`.
        token: The API key (DQOps UI: user menu, "Generate API Key"). Never shown in repr().
        prefix: Put before the token in the header; "" sends the bare token.
        auth_header_name: The header that carries the token.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        prefix: str = "Bearer",
        auth_header_name: str = "Authorization",
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, **kwargs)
        self._token = token
        self.prefix = prefix
        self.auth_header_name = auth_header_name

    @property
    def token(self) -> str:
        return self._token

    def _auth_headers(self) -> dict[str, str]:
        value = f"{self.prefix} {self._token}" if self.prefix else self._token
        return {self.auth_header_name: value}


__all__ = ["AuthenticatedClient", "Client"]
