"""Exceptions raised by the generated operations, the clients and the job helpers.

Everything this SDK raises derives from DQOpsError:

    DQOpsError
    ├── ConfigurationError              a missing or invalid setting of the client (API key, base URL, timeout)
    ├── InvalidArgument (ValueError)    an argument the operation cannot send: None / "" as a path
    │                                   parameter, an unknown enum value...; nothing was sent
    ├── ArgumentTypeError (TypeError)   an argument of the wrong type; nothing was sent
    ├── TransportError                  the request did not get an answer
    │   ├── RequestTimeout              ... within the call's deadline or a phase's timeout
    │   ├── ConnectionFailed            ... because the connection failed or dropped
    │   ├── RedirectFailed              ... because a redirect could not be followed
    │   └── InvalidRequest              ... because it could not be sent as it is
    ├── UnexpectedStatus                a status the spec does not document (kept from upstream's client)
    │   └── ApiStatusError              an HTTP error status, by class:
    │       ├── BadRequest (400)  ├── Unauthorized (401)  ├── Forbidden (403)  ├── NotFound (404)
    │       ├── Conflict (409)    ├── RateLimited (429)   └── ServerError (5xx)
    ├── ResponseDecodingError           the answer is not what the spec says
    └── JobError                        a DQOps job failed, was cancelled or did not finish in time
        ├── JobFailed  ├── JobCancelled  ├── JobTimeout
        ├── JobNotFound (also a NotFound)   DQOps does not know the job (never started, or left its history)
        └── DataQualityIssuesDetected       the checks of a run-checks job found issues (fail_at_severity=)

Every error's str() is at most MAX_MESSAGE_BYTES of UTF-8: the server's text is cut, with the
number of bytes left out, and stays whole on the error's attributes (`content`, `payload`...).
Every error survives pickle and copy with its class, message and attributes; the httpx request
and response it was raised with (and the headers that carry the API key) are not pickled.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from .redaction import redact_response, redacted_request


class DQOpsError(Exception):
    """Base class of every error this SDK raises."""

    # Its message is cut to MAX_MESSAGE_BYTES. Pickling and copying keep the class, the message
    # and the attributes, without the httpx request and response (see __reduce__).

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], str):
            args = (cut_text(args[0], MAX_MESSAGE_BYTES), *args[1:])
        super().__init__(*args)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls cls(*args), which the keyword-only fields of most
        # subclasses refuse. The request and response are left out: they hold the API key in
        # their headers and are not picklable (their streams); their plain fields are kept.
        state = {
            name: None if isinstance(value, (httpx.Request, httpx.Response)) else value
            for name, value in self.__dict__.items()
        }
        return (_restore_error, (type(self), self.args), state)


# The most an error's str() takes, in bytes of UTF-8, and the most of the server's text it quotes.
MAX_MESSAGE_BYTES = 2048
MAX_QUOTED_BYTES = 1024


def cut_text(text: str, limit: int = MAX_QUOTED_BYTES) -> str:
    """`text`, or its first `limit` bytes (UTF-8) and how many bytes were left out."""
    if len(text) <= limit // 4:  # no character takes more than 4 bytes: short enough
        return text
    encoded = text.encode("utf-8", errors="replace")
    return text if len(encoded) <= limit else _quoted_content(encoded, limit)


def _quoted_content(content: bytes, limit: int = MAX_QUOTED_BYTES) -> str:
    """A body as text, cut to `limit` bytes with the number of bytes left out."""
    if len(content) <= limit:
        return content.decode("utf-8", errors="replace")
    head = content[: limit - 32].decode("utf-8", errors="ignore")  # room for the note
    return f"{head}… ({len(content) - len(head.encode('utf-8'))} more bytes)"


def _restore_error(cls: type[DQOpsError], args: tuple[Any, ...]) -> DQOpsError:
    """An error of class `cls` with these args, made without its __init__ (for pickle and copy)."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class ConfigurationError(DQOpsError):
    """The client cannot be built: a required setting is missing or invalid."""


class _ArgumentError(DQOpsError):
    """What InvalidArgument and ArgumentTypeError share: the operation and the argument they name.

    Attributes:
        operation: The operation's module name, for example `get_table`.
        parameter: The argument's name, for example `schema_name`.
    """

    def __init__(self, message: str, *, operation: str, parameter: str) -> None:
        self.operation = operation
        self.parameter = parameter
        super().__init__(message)


class InvalidArgument(_ArgumentError, ValueError):
    """An operation was given a value it cannot send; raised before any request leaves the client.

    Attributes:
        operation, parameter: The operation's module name and the argument's name.
    """


class ArgumentTypeError(_ArgumentError, TypeError):
    """An operation was given an argument of the wrong type; raised before any request leaves the client.

    Attributes:
        operation, parameter: As for InvalidArgument.
    """


def _describe_request(request: httpx.Request | None) -> str:
    if request is None:
        return "request"
    return f"{request.method} {request.url}"


class TransportError(DQOpsError):
    """The request got no answer. `request` is the request that failed; `__cause__` is httpx's error."""

    def __init__(self, message: str, *, request: httpx.Request | None = None, attempts: int = 1) -> None:
        self.request = redacted_request(request)
        self.attempts = attempts
        self.method = request.method if request is not None else None
        self.url = str(request.url) if request is not None else None
        super().__init__(message)

    @classmethod
    def from_httpx(cls, exc: httpx.TransportError, attempts: int = 1) -> TransportError:
        """The typed error for httpx's; a timeout names the phase whose limit was hit."""
        request = _request_of_error(exc)
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if _unanswered_kind(exc) is not None:
            return _unanswered(exc, request, tries, attempts)
        if isinstance(exc, httpx.TimeoutException):
            phase = _TIMEOUT_PHASES.get(type(exc), "read")
            limit = _phase_limit(request, phase)
            what = f"{phase} timeout of {limit:g} s" if limit is not None else f"{phase} timeout"
            return RequestTimeout(
                f"{_describe_request(request)} timed out{tries}: the {what} passed ({_PHASE_MEANING[phase]})",
                request=request,
                attempts=attempts,
                limit=phase,
            )
        detail = str(exc) or type(exc).__name__
        return ConnectionFailed(
            f"{_describe_request(request)} failed{tries}: {detail}", request=request, attempts=attempts
        )


def _request_of_error(exc: httpx.RequestError) -> httpx.Request | None:
    try:
        return exc.request
    except RuntimeError:
        return None


def error_for_failure(exc: Exception, request: httpx.Request | None, attempts: int = 1) -> DQOpsError:
    """The typed error for any exception a call met while sending or receiving (`exc` stays its
    __cause__): httpx's transport errors as from_httpx types them, a body that cannot be
    decoded as ResponseDecodingError, too many redirects as RedirectFailed, anything else as
    InvalidRequest (an httpx error about the request) or TransportError. `exc` is not a
    DQOpsError: those are raised as they are."""
    if isinstance(exc, httpx.TransportError):
        return TransportError.from_httpx(exc, attempts)
    if isinstance(exc, httpx.RequestError):
        request = _request_of_error(exc) or request
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if isinstance(exc, httpx.DecodingError):
        return ResponseDecodingError(
            f"{_describe_request(request)}{tries}: the answer's body cannot be decoded "
            f"as its Content-Encoding says: {_detail(exc)}",
        )
    return _unanswered(exc, request, tries, attempts)


def _detail(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _unanswered(exc: Exception, request: httpx.Request | None, tries: str, attempts: int) -> TransportError:
    """The error of a request that got no answer, for a reason other than a timeout or the connection."""
    typed, meaning = _unanswered_kind(exc) or (
        (InvalidRequest, "the request cannot be sent as it is")
        if isinstance(exc, _REQUEST_ERRORS)
        else (TransportError, "unexpected error")
    )
    message = f"{_describe_request(request)} failed{tries}: {meaning}: {_detail(exc)}"
    return typed(message, request=request, attempts=attempts)


def _unanswered_kind(exc: Exception) -> tuple[type[TransportError], str] | None:
    for cls in type(exc).__mro__:
        kind = _UNANSWERED_ERRORS.get(cls)
        if kind is not None:
            return kind
    return None


_TIMEOUT_PHASES: dict[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}
_PHASE_MEANING = {
    "connect": "no connection made in that time",
    "read": "no data received for that long",
    "write": "the request could not be sent in that time",
    "pool": "no free pooled connection in that time",
}


def _phase_limit(request: httpx.Request | None, phase: str) -> float | None:
    if request is None:
        return None
    timeouts = request.extensions.get("timeout")
    value = timeouts.get(phase) if isinstance(timeouts, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


class RequestTimeout(TransportError):
    """No complete answer in time. `limit` says which limit was hit: "deadline" (a timeout given in
    seconds bounds the whole call, retries and their waits included), or the phase of an
    `httpx.Timeout`: "connect", "read", "write" or "pool"."""

    def __init__(
        self, message: str, *, request: httpx.Request | None = None, attempts: int = 1, limit: str = "deadline"
    ) -> None:
        self.limit = limit
        super().__init__(message, request=request, attempts=attempts)

    @classmethod
    def deadline(cls, request: httpx.Request | None, seconds: float, attempts: int) -> RequestTimeout:
        """The call's deadline (a timeout in seconds) passed."""
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        return cls(
            f"{_describe_request(request)} timed out: the call's deadline of {seconds:g} s passed "
            f"(timeout={seconds:g} bounds the whole call, retries and waits included; {tries})",
            request=request,
            attempts=attempts,
            limit="deadline",
        )


class ConnectionFailed(TransportError):
    """The connection could not be made, or the server dropped it before answering completely."""


class RedirectFailed(TransportError):
    """A redirect could not be followed (with `follow_redirects=True`): too many of them, or to a
    URL whose scheme is not http or https. Not retried: the server would answer the same."""


class InvalidRequest(TransportError):
    """The request could not be sent as it is: a header value that HTTP does not allow (a
    newline, a non-ASCII character), a URL httpx refuses. Nothing was answered, and a retry
    would fail the same way."""


# httpx's errors that a retry cannot cure: the typed error of each, and what it means.
_UNANSWERED_ERRORS: dict[type[Exception], tuple[type[TransportError], str]] = {
    httpx.TooManyRedirects: (RedirectFailed, "too many redirects"),
    httpx.UnsupportedProtocol: (RedirectFailed, "a URL whose scheme is not http or https"),
    httpx.LocalProtocolError: (InvalidRequest, "the request is not valid HTTP"),
}
# httpx's errors about the request itself (rather than the exchange).
_REQUEST_ERRORS = (httpx.InvalidURL, httpx.StreamError, httpx.CookieConflict, httpx.LocalProtocolError)


class UnexpectedStatus(DQOpsError):
    """The server answered a status code the spec does not document for the operation.

    Raised only when the client was made with `raise_on_unexpected_status=True`.
    HTTP error statuses raise a subclass of ApiStatusError, which derives from this class.
    """

    def __init__(self, status_code: int, content: bytes, *, response: httpx.Response | None = None) -> None:
        self.status_code = status_code
        self.content = content
        self.response = redact_response(response)
        request = _request_of(response)
        self.method = request.method if request is not None else None
        self.url = str(request.url) if request is not None else None
        super().__init__(self._message())

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def _message(self) -> str:
        where = f"{self.method} {self.url}: " if self.method else ""
        return (
            f"{where}Unexpected status code: {self.status_code}\n\nResponse content:\n{_quoted_content(self.content)}"
        )


class ApiStatusError(UnexpectedStatus):
    """The server answered an HTTP error status.

    Attributes:
        status_code, method, url, text, content: What was asked and what came back.
        payload: The parsed JSON error DQOps sent (Spring's {"status", "error", "message", "path"}), or None.
        message: DQOps's own message, when the payload has one.
    """

    def __init__(self, status_code: int, content: bytes, *, response: httpx.Response | None = None) -> None:
        self.payload = _json_object_or_none(content)
        self.message = _payload_message(self.payload)
        super().__init__(status_code, content, response=response)

    def _message(self) -> str:
        where = f"{self.method} {self.url} -> " if self.method else ""
        reason = cut_text(self.message) if self.message else _quoted_content(self.content).strip() or "(empty body)"
        return f"{where}HTTP {self.status_code} {type(self).__name__}: {reason}"


class BadRequest(ApiStatusError):
    """400: DQOps rejected the request (a parameter or the body is invalid)."""


class Unauthorized(ApiStatusError):
    """401: no API key, or a wrong or expired one (AuthenticatedClient's token)."""


class Forbidden(ApiStatusError):
    """403: the API key's user may not do this."""


class NotFound(ApiStatusError):
    """404: the connection, table, check, job... does not exist."""


class Conflict(ApiStatusError):
    """409: the object already exists or was changed meanwhile."""


class RateLimited(ApiStatusError):
    """429: too many requests; `retry_after` is the server's hint in seconds, if it sent a sane one
    (a number of seconds or an HTTP date, at most a day away), else None."""

    def __init__(self, status_code: int, content: bytes, *, response: httpx.Response | None = None) -> None:
        from .retry import parse_retry_after

        self.retry_after = None if response is None else parse_retry_after(response.headers.get("retry-after"))
        super().__init__(status_code, content, response=response)


class ServerError(ApiStatusError):
    """5xx: DQOps failed to handle the request."""


_STATUS_ERRORS: dict[int, type[ApiStatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def status_error_class(status_code: int) -> type[UnexpectedStatus]:
    """The exception class for an undocumented status code."""
    if status_code in _STATUS_ERRORS:
        return _STATUS_ERRORS[status_code]
    if status_code >= 500:
        return ServerError
    if status_code >= 400:
        return ApiStatusError
    return UnexpectedStatus


def error_for_response(response: httpx.Response) -> UnexpectedStatus:
    """The typed error for a response whose status the operation does not document."""
    return status_error_class(response.status_code)(response.status_code, response.content, response=response)


class ResponseDecodingError(DQOpsError, ValueError):
    """The server's answer is not what the spec says (not JSON, a list where an object belongs...).

    Attributes:
        expected: The type the spec promises, for example `list[ConnectionModel]`.
        model, field: The model and field (a dotted path from the outermost model) where parsing failed.
        status_code, content: The response that could not be parsed (None / b"" outside a response).
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
    def _of(cls, response: httpx.Response, expected: str, problem: str, **facts: Any) -> ResponseDecodingError:
        """The error for `response`, saying what `problem` it has."""
        return cls(
            f"{_describe_response(response)}: {problem}",
            expected=expected,
            status_code=response.status_code,
            content=response.content,
            **facts,
        )

    @classmethod
    def for_body(cls, exc: Exception, response: httpx.Response, expected: str) -> ResponseDecodingError:
        """The body is not JSON at all (truncated, an HTML error page, a wrong content type...)."""
        content_type = response.headers.get("content-type", "no content type")
        return cls._of(response, expected, f"expected JSON ({expected}), got {content_type} that does not parse: {exc}")

    @classmethod
    def empty(cls, response: httpx.Response, expected: str) -> ResponseDecodingError:
        """A success without a body, from an operation whose success answers one."""
        return cls._of(response, expected, f"the answer has no body, expected JSON ({expected})")

    @classmethod
    def for_value(cls, exc: Exception, response: httpx.Response, expected: str) -> ResponseDecodingError:
        """The body is JSON but does not have the shape of the expected model."""
        if isinstance(exc, ModelDecodingError):
            return cls._of(
                response, expected, f"the answer is not a valid {expected}: {exc}", model=exc.model, field=exc.field
            )
        return cls._of(response, expected, f"the answer is not a valid {expected}: {type(exc).__name__}: {exc}")


class ModelDecodingError(ResponseDecodingError):
    """`Model.from_dict()` got a value of the wrong shape; names the model and the field path."""

    def __init__(self, model: str, path: list[str], reason: str) -> None:
        self.path = path
        self.reason = reason
        field = ".".join(path) if path else None
        super().__init__(self._text(model, field, reason), model=model, field=field)

    @staticmethod
    def _text(model: str, field: str | None, reason: str) -> str:
        where = f"{model}.{field}" if field else model
        return f"{where}: {reason}"

    @classmethod
    def wrong_shape(cls, model: str, field: str | None, expected: str, value: Any) -> ModelDecodingError:
        """`value` (of `field`, or of the model itself when None) is not `expected` ("an array"...)."""
        return cls(model, [field] if field is not None else [], f"expected {expected}, got {_json_type_name(value)}")

    @classmethod
    def wrap(cls, exc: Exception, model: str, field: str | None, value: Any = None) -> ModelDecodingError:
        """Raised from inside `model`'s from_dict while decoding `field`.

        `field` None means the value given for the model itself (`value`) was not an object.
        """
        if isinstance(exc, ModelDecodingError):
            path = ([field] if field is not None else []) + exc.path
            return cls(model, path, exc.reason)
        if field is None:
            reason = f"expected a JSON object, got {_json_type_name(value)}"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        return cls(model, [field] if field is not None else [], reason)


def _json_type_name(value: Any) -> str:
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)


class JobError(DQOpsError):
    """A DQOps job did not finish successfully. `job_id` identifies it; `job` is its last known state."""

    def __init__(self, message: str, *, job_id: str | None = None, job: Any = None) -> None:
        self.job_id = job_id
        self.job = job
        super().__init__(message)


class JobFailed(JobError):
    """The job finished with status `failed`; `error_message` is DQOps's message, whole (the
    error's str() quotes its first MAX_QUOTED_BYTES), or None."""

    def __init__(
        self, message: str, *, job_id: str | None = None, job: Any = None, error_message: str | None = None
    ) -> None:
        self.error_message = error_message
        super().__init__(message, job_id=job_id, job=job)


class JobCancelled(JobError):
    """The job was cancelled (status `cancelled`; a job in `cancel_requested` is waited for until then)."""


class JobTimeout(JobError):
    """The job was still running when the helper's timeout elapsed (it goes on running in DQOps)."""


class JobNotFound(JobError, NotFound):
    """DQOps does not know the job: it never started, or it ended and left DQOps's job history
    (DQOps keeps a finished job for an hour by default). Also a NotFound: the 404 DQOps answered.

    Attributes:
        job_id: The job id or business key that was asked for.
    """

    def __init__(
        self, status_code: int, content: bytes, *, response: httpx.Response | None = None, job_id: str | None = None
    ) -> None:
        self.job_id = job_id
        self.job = None
        NotFound.__init__(self, status_code, content, response=response)

    @classmethod
    def of(cls, job_id: str, not_found: NotFound) -> JobNotFound:
        """The error for `not_found`, DQOps's answer about the job `job_id`."""
        return cls(not_found.status_code, not_found.content, response=not_found.response, job_id=job_id)

    def _message(self) -> str:
        return (
            f"job {self.job_id} is not known to DQOps: it never started, or it ended and left DQOps's job "
            f"history (kept for an hour by default); {super()._message()}"
        )


class DataQualityIssuesDetected(JobError):
    """A run-checks job finished, and its checks found issues at or above the severity that the
    wait was told to fail at (`fail_at_severity=`).

    Attributes:
        highest_severity: The highest severity of the checks' results: "warning", "error" or "fatal".
        fail_at_severity: The severity the wait failed at.
        result: The job's typed result (RunChecksQueueJobResult), with the counts of each severity;
            also `job`.
    """

    def __init__(
        self,
        message: str,
        *,
        job_id: str | None = None,
        job: Any = None,
        highest_severity: str | None = None,
        fail_at_severity: str | None = None,
    ) -> None:
        self.result = job
        self.highest_severity = highest_severity
        self.fail_at_severity = fail_at_severity
        super().__init__(message, job_id=job_id, job=job)


def _request_of(response: httpx.Response | None) -> httpx.Request | None:
    if response is None:
        return None
    try:
        return response.request
    except RuntimeError:
        return None


def _describe_response(response: httpx.Response) -> str:
    request = _request_of(response)
    prefix = f"{request.method} {request.url} -> " if request is not None else ""
    return f"{prefix}HTTP {response.status_code}"


def _json_object_or_none(content: bytes) -> dict[str, Any] | None:
    if not content:
        return None
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _payload_message(payload: dict[str, Any] | None) -> str | None:
    if not payload:
        return None
    for key in ("message", "error", "detail", "title"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return None


__all__ = [
    "ApiStatusError",
    "ArgumentTypeError",
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "ConnectionFailed",
    "DQOpsError",
    "DataQualityIssuesDetected",
    "Forbidden",
    "InvalidArgument",
    "InvalidRequest",
    "JobCancelled",
    "JobError",
    "JobFailed",
    "JobNotFound",
    "JobTimeout",
    "ModelDecodingError",
    "NotFound",
    "RateLimited",
    "RedirectFailed",
    "RequestTimeout",
    "ResponseDecodingError",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "UnexpectedStatus",
    "error_for_response",
]

# Users import and catch these from dqops.client.errors: tracebacks and reprs name them there, as
# httpx names its public classes after the package rather than their private modules.
for _name in __all__:
    _public = globals()[_name]
    if isinstance(_public, type):
        _public.__module__ = "dqops.client.errors"
del _name, _public
