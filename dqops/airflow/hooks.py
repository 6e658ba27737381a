"""DqopsHook: the `dqops` Airflow connection type, and the SDK client it gives.

A `dqops` connection holds where DQOps is and how to reach it:

- host, port and schema give the base URL: schema `https` (or `http`, the default), host
  `dqops.example.com`, port `8888` -> `https://dqops.example.com:8888/`. A host written as a URL
  (`https://dqops.example.com`) is used as it is;
- the password is the DQOps API key (none: no `Authorization` header);
- the extras `data_domain` (the DQOps data domain to work in), `timeout` (the HTTP timeout of a
  call that does not wait for a job, in seconds) and `verify_ssl` (false, or a CA bundle path).

As an environment variable: `AIRFLOW_CONN_DQOPS_DEFAULT='dqops://:API_KEY@dqops.example.com:8888/https'`
or the JSON form `{"conn_type": "dqops", "host": ..., "port": ..., "schema": "https", "password": ...}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dqops._runtime.client import AuthenticatedClient, Client
from dqops.airflow._compat import AirflowNotFoundException, BaseHook

DEFAULT_BASE_URL = "http://localhost:8888/"
DEFAULT_CONN_ID = "dqops_default"
#: The cookie that selects a data domain (DQOps: AuthenticateWithDqoCloudWebFilter.DATA_DOMAIN_COOKIE).
DATA_DOMAIN_COOKIE = "DQODataDomain"
#: The HTTP timeout of a call that does not wait for a job, as DQOps's own client uses.
DEFAULT_TIMEOUT_SECONDS = 120.0

_BASE_URL = re.compile(r"^(https?://[^/?#]+)")


def extract_base_url(url: str) -> str:
    """The scheme and host of `url`, with a trailing slash; what follows the host is dropped."""
    if not isinstance(url, str):
        raise TypeError(f"base_url must be a str, got {type(url).__name__}")
    match = _BASE_URL.match(url.strip())
    if match is None:
        raise ValueError(f"base_url must be an http:// or https:// URL, got {url!r}")
    return match.group(1) + "/"


@dataclass(frozen=True)
class DqopsSettings:
    """Where DQOps is and how to call it: what a connection and an operator's arguments resolve to."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = None
    data_domain: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    verify_ssl: bool | str = True

    def __repr__(self) -> str:  # never shows the API key
        key = "set" if self.api_key else "none"
        return f"DqopsSettings(base_url={self.base_url!r}, api_key={key}, data_domain={self.data_domain!r})"

    def client(self, timeout: float | None = None, max_retries: int = 0) -> Client:
        """An SDK client for these settings; `timeout` (seconds) bounds each whole call, retries included."""
        options: dict[str, Any] = {
            "timeout": self.timeout if timeout is None else timeout,
            "max_retries": max_retries,
            "verify_ssl": self.verify_ssl,
            "raise_on_unexpected_status": True,
        }
        if self.data_domain:
            options["cookies"] = {DATA_DOMAIN_COOKIE: self.data_domain}
        if self.api_key:
            return AuthenticatedClient(self.base_url, token=self.api_key, **options)
        return Client(self.base_url, **options)


def _bool_or_path(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    if isinstance(value, str) and value:
        return value  # a CA bundle
    raise ValueError(f"the dqops connection's extra verify_ssl must be true, false or a CA bundle path, got {value!r}")


def settings_from_connection(conn: Any) -> DqopsSettings:
    """The settings an Airflow Connection of type `dqops` gives."""
    extras = conn.extra_dejson if conn.extra else {}
    host = (conn.host or "").strip()
    if host.startswith(("http://", "https://")):
        base_url = extract_base_url(host)
    elif host:
        scheme = (conn.schema or "http").strip().lower() or "http"
        if scheme not in ("http", "https"):
            raise ValueError(f"the dqops connection {conn.conn_id!r}: schema must be http or https, got {scheme!r}")
        port = f":{conn.port}" if conn.port else ""
        base_url = f"{scheme}://{host}{port}/"
    else:
        base_url = DEFAULT_BASE_URL
    timeout = extras.get("timeout")
    return DqopsSettings(
        base_url=base_url,
        api_key=conn.password or None,
        data_domain=extras.get("data_domain") or None,
        timeout=float(timeout) if timeout not in (None, "") else DEFAULT_TIMEOUT_SECONDS,
        verify_ssl=_bool_or_path(extras["verify_ssl"]) if "verify_ssl" in extras else True,
    )


class DqopsHook(BaseHook):
    """Calls DQOps through the SDK with the settings of a `dqops` connection.

    Args:
        dqops_conn_id: The Airflow connection (default `dqops_default`). When it does not exist,
            the default connection id falls back to `http://localhost:8888/` without an API key,
            as DQOps's own operators did; any other id must exist.
        base_url, api_key: Given, they win over the connection's.
    """

    conn_name_attr = "dqops_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "dqops"
    hook_name = "DQOps"

    def __init__(
        self,
        dqops_conn_id: str = DEFAULT_CONN_ID,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
    ) -> None:
        super().__init__()
        self.dqops_conn_id = dqops_conn_id
        self.base_url = base_url
        self.api_key = api_key

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["login"],
            "relabeling": {"password": "API key", "schema": "Protocol (http or https)"},
            "placeholders": {
                "host": "localhost",
                "port": "8888",
                "schema": "http",
                "password": "the API key from DQOps's user menu",
                "extra": '{"data_domain": "", "timeout": 120, "verify_ssl": true}',
            },
        }

    def _with_arguments(self, settings: DqopsSettings) -> DqopsSettings:
        base_url = extract_base_url(self.base_url) if self.base_url is not None else settings.base_url
        api_key = self.api_key if self.api_key is not None else settings.api_key
        return DqopsSettings(base_url, api_key, settings.data_domain, settings.timeout, settings.verify_ssl)

    def _missing(self, exc: Exception) -> DqopsSettings:
        if self.dqops_conn_id != DEFAULT_CONN_ID:
            raise exc
        self.log.info("No Airflow connection %r: calling DQOps at the given or default URL", self.dqops_conn_id)
        return DqopsSettings()

    def get_settings(self) -> DqopsSettings:
        """The connection's settings, with the hook's base_url and api_key winning."""
        try:
            settings = settings_from_connection(self.get_connection(self.dqops_conn_id))
        except AirflowNotFoundException as exc:
            settings = self._missing(exc)
        return self._with_arguments(settings)

    async def aget_settings(self) -> DqopsSettings:
        """get_settings for the triggerer's event loop: the connection is read without blocking it."""
        try:
            aget = getattr(self, "aget_connection", None)
            if aget is not None:
                conn = await aget(self.dqops_conn_id)
            else:  # an Airflow without BaseHook.aget_connection
                from asgiref.sync import sync_to_async

                conn = await sync_to_async(self.get_connection)(self.dqops_conn_id)
            settings = settings_from_connection(conn)
        except AirflowNotFoundException as exc:
            settings = self._missing(exc)
        return self._with_arguments(settings)

    def get_conn(self) -> Client:
        """An SDK client (`dqops.client.AuthenticatedClient` when there is an API key)."""
        return self.get_settings().client()

    def test_connection(self) -> tuple[bool, str]:
        """Airflow's "Test" button: asks DQOps for the connections it knows."""
        from dqops.client.api.connections import get_all_connections

        try:
            with self.get_conn() as client:
                get_all_connections.sync(client=client)
        except Exception as exc:  # noqa: BLE001 - the message is the test's result
            return False, str(exc)
        return True, "DQOps answered"
