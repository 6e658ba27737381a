"""What every DQOps operator shares: where DQOps is, the client, the errors, and the job flow.

`DqopsOperator` resolves the connection (`dqops_conn_id`, with an explicit `base_url` or
`api_key` winning) and turns the SDK's typed errors into the Airflow exceptions DQOps's own
operators raise. `DqopsJobOperator` starts a DQOps job and waits for it, in the worker
(`deferrable=False`: one call that DQOps holds up to `wait_timeout`) or in the triggerer
(`deferrable=True`: `DqopsJobTrigger`), and applies the same rules (`_rules.py`) either way.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, NoReturn, TypeVar

from dqops._runtime import errors
from dqops._runtime.types import UNSET, Unset
from dqops.airflow import _rules
from dqops.airflow._compat import AirflowException, BaseOperator, default_deferrable
from dqops.airflow.common.exceptions import DqopsInternalServerErrorException, DqopsTimeoutException
from dqops.airflow.hooks import DEFAULT_BASE_URL, DEFAULT_CONN_ID, DqopsHook, DqopsSettings, extract_base_url
from dqops.airflow.triggers import HTTP_MARGIN_SECONDS, DqopsJobTrigger, cancel_job, jobs_operation

T = TypeVar("T")

#: DQOps's own server-side wait when a call gives no waitTimeout (its `dqo` CLI can change it).
DQOPS_DEFAULT_WAIT_SECONDS = 120


class _DefaultBaseUrl(str):
    """The default `base_url`: equal to "http://localhost:8888/", but known apart from one given explicitly."""

    __slots__ = ()


#: The `base_url` default of every operator. A connection's URL replaces it; an explicit one wins.
DEFAULT_URL = _DefaultBaseUrl(DEFAULT_BASE_URL)


def _given(value: Any) -> Any:
    """None for UNSET or None: the SDK's and upstream's 'not given'."""
    return None if value is UNSET or value is None else value


def forwarded(arguments: dict[str, Any]) -> dict[str, Any]:
    """An `__init__`'s arguments, its `locals()` taken first thing, as keywords for `super().__init__`.

    Each operator spells its keywords in its own signature, as DQOps's do, and passes them all
    on (`super().__init__(**forwarded(locals()))`); DqopsOperator keeps its FIELDS of them.
    """
    named = {name: value for name, value in arguments.items() if name not in ("self", "kwargs", "__class__")}
    return {**named, **arguments.get("kwargs", {})}


def _to_dict(answer: Any) -> dict[str, Any]:
    return answer.to_dict()  # type: ignore[no-any-return]


class DqopsOperator(BaseOperator):
    """The base of the DQOps operators: connection, client and errors (not used in DAGs directly)."""

    template_fields: Sequence[str] = ("dqops_conn_id",)
    #: The keywords of a subclass's `__init__` kept as attributes of the same name (its filters, its body).
    FIELDS: ClassVar[tuple[str, ...]] = ()
    #: The kept keywords a variant sets itself (DQOps's profiling, monitoring and partitioned variants).
    FIXED: ClassVar[Mapping[str, Any]] = {}

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_URL,
        api_key: Unset | None | str = UNSET,
        dqops_conn_id: str = DEFAULT_CONN_ID,
        wait_timeout: Unset | None | int = UNSET,
        fail_on_timeout: bool = True,
        **kwargs: Any,
    ) -> None:
        fields = {name: kwargs.pop(name) for name in self.FIELDS if name in kwargs}
        for name, value in self.FIXED.items():
            if fields.get(name, UNSET) is not UNSET:
                raise TypeError(f"{type(self).__name__} sets {name} itself ({name}={value!r}): do not give it")
            fields[name] = value
        if "fail_at_severity" in fields:
            _rules.severity_rank(fields["fail_at_severity"])  # an unknown severity fails the DAG's parse, not its run
        super().__init__(**kwargs)
        for name, value in fields.items():
            setattr(self, name, value)
        self._explicit_base_url = not isinstance(base_url, _DefaultBaseUrl)
        self.base_url = extract_base_url(base_url)
        self.api_key = api_key
        self.dqops_conn_id = dqops_conn_id
        self.wait_timeout = wait_timeout
        self.fail_on_timeout = fail_on_timeout

    def get_hook(self) -> DqopsHook:
        """The hook for this task's connection, with the explicit base_url and api_key winning."""
        return DqopsHook(
            self.dqops_conn_id,
            base_url=self.base_url if self._explicit_base_url else None,
            api_key=_given(self.api_key),
        )

    def fields(self, names: Sequence[str]) -> dict[str, Any]:
        """These kept keywords, as the operation's or the body's keywords."""
        return {name: getattr(self, name) for name in names}

    def _settings(self) -> DqopsSettings:
        return self.get_hook().get_settings()

    def _wait_seconds(self) -> int:
        """The server-side wait of a call: `wait_timeout`, else DQOps's default."""
        given = _given(self.wait_timeout)
        return DQOPS_DEFAULT_WAIT_SECONDS if given is None else max(0, int(given))

    @contextmanager
    def _calling_dqops(self) -> Iterator[None]:
        """Turns the SDK's errors into the Airflow exceptions DQOps's operators raise (`__cause__`: the SDK's)."""
        try:
            yield
        except errors.RequestTimeout as exc:
            _rules.handle_call_timeout(exc, self.fail_on_timeout)
            raise _NoAnswer from exc
        except errors.DQOpsError as exc:
            raise _rules.airflow_error(exc) from exc

    def _call(self, settings: DqopsSettings, call: Callable[[Any], T], *, wait: int = 0) -> T:
        """`call(client)`, bounded by the server-side `wait` plus a margin, or the connection's timeout."""
        timeout = wait + HTTP_MARGIN_SECONDS if wait else None
        with self._calling_dqops(), settings.client(timeout=timeout) as client:
            return call(client)


def _job_entry_result(entry: dict[str, Any]) -> Any:
    """The result a job's history entry carries in its parameters (`collect_statistics_result`...), or None."""
    parameters = entry.get("parameters")
    for value in parameters.values() if isinstance(parameters, dict) else ():
        if isinstance(value, dict):
            for key, result in value.items():
                if key.endswith("_result") and isinstance(result, dict):
                    return result
    return None


class _NoAnswer(Exception):
    """DQOps did not answer in time and `fail_on_timeout` is False: the task succeeds with no return value."""


class DqopsJobOperator(DqopsOperator):
    """Starts a DQOps job and waits for it: in the worker, or deferred to the triggerer.

    Subclasses name the job's operation, the wait operation and build the body.
    """

    template_fields: Sequence[str] = ("dqops_conn_id", "job_business_key")
    start_operation: ClassVar[str]
    wait_operation: ClassVar[str] = "wait_for_job"

    def __init__(
        self,
        *,
        job_business_key: Unset | None | str = UNSET,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_business_key = job_business_key
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        #: The job key this try sent: the given business key, else one made per try, so that on_kill can cancel it.
        self._job_key: str | None = None

    # What a subclass gives.

    #: The job's body, made of the kept keywords (FIELDS), unless `job_body` says otherwise.
    BODY: ClassVar[Callable[..., Any]]

    def job_body(self) -> Any:
        return self.BODY(**self.fields(self.FIELDS))

    def check_answer(self, context: Any, answer: dict[str, Any]) -> None:
        """Raise when the answer fails the task; the default: a failed job, then an unfinished one."""
        ti = context["ti"]
        _rules.check_job_failed(ti, answer)
        _rules.check_timeout(ti, answer, self.fail_on_timeout)

    # The flow.

    def execute(self, context: Any) -> dict[str, Any] | None:
        settings = self._settings()
        self._job_key = _given(self.job_business_key) or f"airflow-{uuid.uuid4().hex}"
        start = jobs_operation(self.start_operation)
        body = self.job_body()
        try:
            if self.deferrable:
                started = self._call(
                    settings, lambda c: start.sync(client=c, json_body=body, job_business_key=self._job_key, wait=False)
                )
                return self._defer_or_finish(context, _to_dict(started))
            wait = self._wait_seconds()
            answer = self._call(
                settings,
                lambda c: start.sync(
                    client=c, json_body=body, job_business_key=self._job_key, wait=True, wait_timeout=wait
                ),
                wait=wait or DQOPS_DEFAULT_WAIT_SECONDS,
            )
        except _NoAnswer:
            return None
        return self._finish(context, _to_dict(answer))

    def _finish(self, context: Any, answer: dict[str, Any]) -> dict[str, Any]:
        self.log.info("DQOps answered: %s", answer)
        self.check_answer(context, answer)
        return answer

    def _defer_or_finish(self, context: Any, started: dict[str, Any]) -> dict[str, Any]:
        if _rules.has_ended(started):
            return self._finish(context, started)
        job_id = _rules.job_id_of(started) or self._job_key
        self.log.info("DQOps job %s started; waiting for it in the triggerer", job_id)
        self._defer_to(context, str(job_id), started)

    def _defer_to(self, context: Any, job_id: str, started: dict[str, Any] | None) -> NoReturn:
        timeout = self.execution_timeout
        self.defer(
            trigger=DqopsJobTrigger(
                job_id,
                wait_operation=self.wait_operation,
                dqops_conn_id=self.dqops_conn_id,
                base_url=self.base_url if self._explicit_base_url else None,
                api_key=_given(self.api_key),
                wait_timeout=self._wait_seconds() or 1,
                deadline=time.time() + timeout.total_seconds() if timeout is not None else None,
                started=started,
            ),
            method_name="execute_complete",
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any] | None:
        """Resumes the task when the trigger fires: the same rules as the sync path."""
        if event.get("status") == "error":
            self._wait_failed(event)
            return None
        answer = self.merge_answer(event.get("started"), event["answer"])
        return self._finish(context, answer)

    def _wait_failed(self, event: dict[str, Any]) -> None:
        """The trigger could not call DQOps: the same exceptions as a failed call of the sync path."""
        message = f"{event.get('error_type')}: {event.get('message')}"
        if event.get("error_type") == "RequestTimeout":
            if self.fail_on_timeout:
                raise DqopsTimeoutException(detail=message)
            self.log.warning("DQOps did not answer in time (fail_on_timeout=False: the task succeeds): %s", message)
            return
        if event.get("error_type") == "ServerError":
            raise DqopsInternalServerErrorException(detail=message)
        raise AirflowException(f"DQOps call failed while waiting for the job: {message}")

    def merge_answer(self, started: dict[str, Any] | None, waited: dict[str, Any]) -> dict[str, Any]:
        """The answer of the deferred wait, in the shape the sync call returns (the start answer's)."""
        if started is None or self.wait_operation != "wait_for_job":
            return waited
        merged = dict(started)
        merged["status"] = waited.get("status")
        result = _job_entry_result(waited)
        if result is not None:
            merged["result"] = result
        return merged

    def on_kill(self) -> None:
        """The task is killed (or timed out) while waiting in the worker: cancel its DQOps job."""
        if self._job_key is not None:
            cancel_job(self.get_hook(), self._job_key, self.log)
