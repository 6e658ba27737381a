"""The request log: one DEBUG record per request on the `dqops` logger.

Each record says what was sent and what came back: method, URL, status (or the failure),
elapsed time, the attempt number, and the request-id headers of the request and the answer
when there are any. Headers are never logged otherwise: the API key travels in one.

    logging.getLogger("dqops").setLevel(logging.DEBUG)     # or DQOPS_LOG=debug, without code

A call asks `isEnabledFor(DEBUG)` once; with the log off, that is all it costs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import httpx

LOGGER_NAME = "dqops"
LOG_VARIABLE = "DQOPS_LOG"
# Headers that identify a request across systems (proxies, tracing): logged when present.
REQUEST_ID_HEADERS = ("x-request-id", "x-correlation-id", "request-id", "x-amzn-requestid", "traceparent")

logger = logging.getLogger(LOGGER_NAME)


def configure_from_environment(environ: Mapping[str, str] = os.environ) -> None:
    """`DQOPS_LOG=debug` (or info, warning...) sets the `dqops` logger's level, and gives it a
    handler on stderr if it has none, as OPENAI_LOG / ANTHROPIC_LOG do for their SDKs."""
    name = environ.get(LOG_VARIABLE, "").strip().upper()
    level = logging.getLevelNamesMapping().get(name) if name else None
    if level is None:
        return
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def _request_ids(request: httpx.Request, response: httpx.Response | None, secret_header: str | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for headers in (request.headers, response.headers if response is not None else None):
        if headers is None:
            continue
        for name in REQUEST_ID_HEADERS:
            if name != secret_header and name in headers:
                found[name] = headers[name]
    return found


def log_attempt(
    request: httpx.Request,
    response: httpx.Response | None,
    elapsed: float,
    attempt: int,
    *,
    failure: BaseException | None = None,
    secret_header: str | None = None,
) -> None:
    """One record for one attempt: its answer's status, or the failure that ended it."""
    ids = _request_ids(request, response, secret_header)
    outcome = str(response.status_code) if response is not None else type(failure).__name__
    suffix = "".join(f" {name}={value}" for name, value in ids.items())
    logger.debug(
        "%s %s -> %s in %.1f ms (attempt %d)%s",
        request.method,
        request.url,
        outcome,
        elapsed * 1000,
        attempt,
        suffix,
        extra={
            "http_method": request.method,
            "url": str(request.url),
            "status_code": response.status_code if response is not None else None,
            "elapsed": elapsed,
            "attempt": attempt,
            "request_ids": ids,
        },
    )


def log_retry(request_method: str, url: str, delay: float, attempt: int) -> None:
    logger.debug("%s %s: retrying in %.2f s (attempt %d next)", request_method, url, delay, attempt + 1)
