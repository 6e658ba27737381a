"""The deadline of a job helper, the steps its waiting logic yields, and the drivers that make them.

The waiting logic is written once, as generators of the calls to make (`Call`, `Sleep`),
driven by `drive` (sync) or `drive_async`; `twins` makes a sync and an async function of one
such generator function, with its signature. `JobDeadline` holds what the deadline decides.
Time is read here alone (`time.monotonic`, `time.sleep`).
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any, Generic, ParamSpec, TypeVar

from dqops._runtime.client import Client
from dqops._runtime.errors import DQOpsError, JobTimeout, RequestTimeout

DEFAULT_TIMEOUT_SECONDS = 600.0
# A start that does not wait for its job: DQOps answers as soon as the job is queued.
DEFAULT_START_TIMEOUT_SECONDS = 120.0
# One server-side wait: DQOps holds the request up to this long while the job runs.
DEFAULT_POLL_SECONDS = 30.0
# If a wait endpoint answers at once although the job still runs, wait this long before asking again.
MIN_POLL_INTERVAL_SECONDS = 0.5
# The HTTP read timeout of a waiting call must outlast the server-side wait.
HTTP_TIMEOUT_MARGIN_SECONDS = 15.0
# ... but never the helper's deadline by more than this: the server's answer to a wait that
# ends with the deadline has this long to arrive.
DEADLINE_GRACE_SECONDS = 0.5

FINISHED = "finished"
FAILED = "failed"
CANCELLED = "cancelled"

T = TypeVar("T")
P = ParamSpec("P")


@dataclass
class Call:
    """A step of the waiting logic: call `operation` with these arguments.

    `waits`: the operation takes a server-side wait (`wait_timeout`), set when the call is made.
    """

    operation: ModuleType
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    waits: bool = False
    http_timeout: float | None = None


@dataclass
class Sleep:
    seconds: float


Step = Call | Sleep


def status_of(result: Any) -> str | None:
    status = getattr(result, "status", None)
    return None if status is None or not isinstance(status, str) else str(status)


@dataclass
class JobDeadline:
    """When a job helper's `timeout` runs out, and what that means for each of its calls."""

    timeout: float
    now: Callable[[], float]
    at: float = field(init=False)

    def __post_init__(self) -> None:
        self.at = self.now() + self.timeout

    @classmethod
    def starting(cls, timeout: float) -> JobDeadline:
        """The deadline `timeout` seconds from now."""
        return cls(timeout, time.monotonic)

    def left(self) -> float:
        return self.at - self.now()

    def server_wait(self, poll_seconds: float) -> int:
        """The server-side wait of the next call: whole seconds, at least 1, not past the deadline."""
        return max(1, math.floor(min(poll_seconds, self.left())))

    def http_timeout(self, server_wait: int | None) -> float:
        """The timeout of a whole call: past its server-side wait by HTTP_TIMEOUT_MARGIN_SECONDS,
        and past the deadline by DEADLINE_GRACE_SECONDS at most."""
        until_deadline = max(0.0, self.left()) + DEADLINE_GRACE_SECONDS
        if server_wait is None:
            return until_deadline
        return min(server_wait + HTTP_TIMEOUT_MARGIN_SECONDS, until_deadline)

    def pause(self, seconds: float) -> float:
        """A pause between polls, cut short by the deadline."""
        return max(0.0, min(seconds, self.left()))

    def timed_out(self, job_id: str | None, job: Any, status: str | None) -> JobTimeout:
        if job_id is None:
            return JobTimeout(
                f"DQOps did not answer the start of the job within {self.timeout:g} s "
                "(the job may have started, and goes on running in DQOps)",
                job=job,
            )
        state = f"still {status}" if status else "not finished"
        return JobTimeout(
            f"job {job_id} {state} after {self.timeout:g} s (it goes on running in DQOps)", job_id=job_id, job=job
        )

    def call(self, step: Call, poll_seconds: float, job_id: str | None, job: Any) -> Generator[Step, Any, Any]:
        """Make `step`, bounded by the deadline: JobTimeout when the deadline passes first."""
        if self.left() <= 0:
            raise self.timed_out(job_id, job, status_of(job))
        server_wait = self.server_wait(poll_seconds) if step.waits else None
        if server_wait is not None:
            step.kwargs["wait_timeout"] = server_wait
        step.http_timeout = self.http_timeout(server_wait)
        try:
            return (yield step)
        except RequestTimeout as exc:
            if self.left() > 0:
                raise  # the server took longer than its own wait allows, well before the deadline
            raise self.timed_out(job_id, job, status_of(job)) from exc


def job_id_or_none(result: Any) -> str | None:
    job_id = getattr(getattr(result, "job_id", None), "job_id", None)
    return str(job_id) if isinstance(job_id, (int, str)) and not isinstance(job_id, bool) else None


def now() -> float:
    return time.monotonic()


def jobs_operation(name: str) -> ModuleType:
    return import_module(f"dqops.client.api.jobs.{name}")


class Exchange(Generic[T]):
    """Runs a generator of steps: gives it each call's answer, or throws the DQOpsError the call raised
    back into it (the steps decide); `result` is what it returns."""

    def __init__(self, steps: Generator[Any, Any, T]) -> None:
        self._steps = steps
        self._reply: Any = None
        self._failure: DQOpsError | None = None
        self.result: T

    def next_step(self) -> Any:
        """The next step, or None once the steps returned."""
        try:
            step = self._steps.send(self._reply) if self._failure is None else self._steps.throw(self._failure)
        except StopIteration as stop:
            self.result = stop.value
            return None
        self._reply, self._failure = None, None
        return step

    def call(self, client: Client, step: Call) -> None:
        try:
            # sync() raises on any status that is not a success, and never returns None for these operations.
            self._reply = step.operation.sync(*step.args, client=_bounded(client, step), **step.kwargs)
        except DQOpsError as exc:
            self._failure = exc

    async def call_async(self, client: Client, step: Call) -> None:
        try:
            self._reply = await step.operation.asyncio(*step.args, client=_bounded(client, step), **step.kwargs)
        except DQOpsError as exc:
            self._failure = exc


def _bounded(client: Client, step: Call) -> Client:
    return client.with_options(timeout=step.http_timeout) if step.http_timeout else client


def drive(client: Client, steps: Generator[Step, Any, T]) -> T:
    """Make the calls of `steps`; a call's error goes back into `steps`, which decide."""
    exchange = Exchange(steps)
    while (step := exchange.next_step()) is not None:
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
        else:
            exchange.call(client, step)
    return exchange.result


async def drive_async(client: Client, steps: Generator[Step, Any, T]) -> T:
    """As drive, awaiting each call."""
    exchange = Exchange(steps)
    while (step := exchange.next_step()) is not None:
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
        else:
            await exchange.call_async(client, step)
    return exchange.result


def client_argument(arguments: dict[str, Any]) -> Client:
    """The client a job function is given (its `client` argument)."""
    client: Client = arguments["client"]
    return client


def twins(
    steps: Callable[P, Generator[Step, Any, T]], client_of: Callable[[dict[str, Any]], Client] = client_argument
) -> tuple[Callable[P, T], Callable[P, Coroutine[Any, Any, T]]]:
    """The sync and the async function of a generator function of steps: `_name` gives `name` and
    `name_async`, with its signature and its docstring. `client_of` picks the client that makes
    the calls from the call's arguments (by name, defaults applied)."""
    signature = inspect.signature(steps)
    # The steps' annotation reads `Generator[Step, Any, X]`: the functions return X.
    returns = str(signature.return_annotation).removeprefix("Generator[Step, Any, ").removesuffix("]")
    signature = signature.replace(return_annotation=returns)
    name = steps.__name__.lstrip("_")
    owner = steps.__qualname__.rpartition(".")[0]

    def client_for(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Client:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return client_of(bound.arguments)

    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return drive(client_for(args, kwargs), steps(*args, **kwargs))

    async def run_async(*args: P.args, **kwargs: P.kwargs) -> T:
        return await drive_async(client_for(args, kwargs), steps(*args, **kwargs))

    for function, function_name, doc in (
        (run, name, steps.__doc__),
        (run_async, name + "_async", f"As `{name}`, awaiting DQOps without blocking the event loop."),
    ):
        function.__name__ = function_name
        function.__qualname__ = f"{owner}.{function_name}" if owner else function_name
        function.__module__ = steps.__module__
        function.__doc__ = doc
        function.__signature__ = signature  # type: ignore[union-attr]
    return run, run_async
