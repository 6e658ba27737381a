"""The job change feed: `watch(client)` follows the changes of every job on one connection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dqops._runtime.client import Client
from dqops._runtime.errors import ApiStatusError, InvalidArgument, ResponseDecodingError, cut_text
from dqops.jobs._deadline import HTTP_TIMEOUT_MARGIN_SECONDS, Call, Exchange, jobs_operation, now

if TYPE_CHECKING:
    from dqops.client.models import DqoJobChangeModel


# DQOps keeps the changes of its job queue this long (dqo.queue.keep-jobs-changes-history-seconds).
DQOPS_CHANGE_HISTORY_SECONDS = 300.0
# The feed takes a fresh snapshot when its position is this old: DQOps's history, less a margin
# for its long poll (20 s) and the second-granularity of its sequence numbers.
FEED_HISTORY_SECONDS = DQOPS_CHANGE_HISTORY_SECONDS - 30.0
# DQOps holds a change-feed call up to 20 s (dqo.queue.get-job-changes-since-wait-seconds).
FEED_HTTP_TIMEOUT_SECONDS = 20.0 + HTTP_TIMEOUT_MARGIN_SECONDS
# DQOps makes its sequence numbers of the time: epoch seconds * 1,000,000 + a counter within the second.
_SEQUENCE_PER_SECOND = 1_000_000
_TIMED_SEQUENCES = range(10**15, 10**17)  # epoch seconds from 2001 to 5138


@dataclass
class _Emit:
    """A step of the feed: give these changes; the feed's position is `position` once they are given."""

    changes: list[Any]
    position: int
    snapshot: bool


_FeedStep = Call | _Emit


def _position_age(position: int, answer_sequence: int, asked_after: float | None) -> float:
    """How old the feed's position was when it was sent: by DQOps's clock where its sequence numbers
    tell the time, and by ours since the feed received it (`asked_after` seconds before asking)."""
    ages = [] if asked_after is None else [asked_after]
    if position in _TIMED_SEQUENCES and answer_sequence in _TIMED_SEQUENCES:
        ages.append(float(answer_sequence // _SEQUENCE_PER_SECOND - position // _SEQUENCE_PER_SECOND))
    return max(ages, default=0.0)


def _snapshot_steps() -> Generator[_FeedStep, Any, int]:
    """getAllJobs, given as changes: each job DQOps knows, with the snapshot's sequence number."""
    from dqops.client.models.dqo_job_change_model import DqoJobChangeModel

    snapshot = yield Call(jobs_operation("get_all_jobs"), http_timeout=FEED_HTTP_TIMEOUT_SECONDS)
    position = snapshot.last_sequence_number
    if not isinstance(position, int):
        raise ResponseDecodingError(
            "getAllJobs answered no lastSequenceNumber, which the change feed resumes from: "
            + cut_text(repr(snapshot), 300),
            expected="DqoJobQueueInitialSnapshotModel",
        )
    jobs = snapshot.jobs if isinstance(snapshot.jobs, list) else []
    changes = [
        DqoJobChangeModel(status=job.status, job_id=job.job_id, change_sequence=position, updated_model=job)
        for job in jobs
    ]
    yield _Emit(changes, position, snapshot=True)
    return position


def _feed_steps(since: int | None, history_seconds: float) -> Generator[_FeedStep, Any, None]:
    """Follow the change feed from `since` (None: a snapshot first), for ever."""
    position = since
    received_at: float | None = None  # when this feed received `position` (None: given by the caller)
    if position is None:
        position = yield from _snapshot_steps()
        received_at = now()
    while True:
        asked_at = now()
        call = Call(jobs_operation("get_job_changes_since"), (position,), http_timeout=FEED_HTTP_TIMEOUT_SECONDS)
        try:
            answer = yield call
        except ApiStatusError as exc:
            if exc.status_code not in (404, 410):
                raise
            answer = None  # a DQOps (or a proxy) that says the position is gone
        sequence = getattr(answer, "last_sequence_number", None)
        asked_after = None if received_at is None else asked_at - received_at
        if (
            answer is None
            or not isinstance(sequence, int)
            or sequence < position
            or _position_age(position, sequence, asked_after) >= history_seconds
        ):
            # DQOps may have dropped changes after `position`: it never says so, so the feed
            # starts again from what DQOps knows now.
            position = yield from _snapshot_steps()
            received_at = now()
            continue
        changes = answer.job_changes if isinstance(answer.job_changes, list) else []
        changes = sorted((change for change in changes if _change_sequence(change) > position), key=_change_sequence)
        received_at = now()
        if changes:
            yield _Emit(changes, sequence, snapshot=False)
        position = sequence


def _change_sequence(change: Any) -> int:
    sequence = getattr(change, "change_sequence", None)
    return sequence if isinstance(sequence, int) else 0


class JobFeed:
    """The changes of DQOps's job queue, as they happen: `jobs.watch(client)`.

    Iterate it with `for` or `async for`; each item is a DqoJobChangeModel (`status`, `job_id`,
    `change_sequence`, and `updated_model` when DQOps sends the whole job). DQOps's long poll
    (`getJobChangesSince`, held up to 20 s) does the waiting: one connection follows every job.

    - Without `since`, the feed starts with a snapshot (`getAllJobs`): every job DQOps knows,
      each given as a change whose `change_sequence` is the snapshot's sequence number.
    - `position` is the sequence number to resume from: `jobs.watch(client, since=feed.position)`,
      in this process or another, gives the changes after the ones this feed gave.
    - DQOps keeps changes for 300 s and never says when it dropped some. When the position is
      `history_seconds` old or more (by DQOps's sequence numbers, which tell the time, and by the
      time since the feed received it), or DQOps answers 404 / 410 to it, the feed takes a fresh
      snapshot, gives it as changes, and goes on from there (`snapshots` counts them).
    - Breaking out of the loop or cancelling the task stops it; nothing runs in the background.
    """

    def __init__(
        self, client: Client, since: int | None = None, *, history_seconds: float = FEED_HISTORY_SECONDS
    ) -> None:
        if since is not None and (type(since) is not int or since < 0):
            raise InvalidArgument(
                f"since must be a sequence number (an int >= 0) or None, got {cut_text(repr(since), 80)}",
                operation="watch",
                parameter="since",
            )
        if type(history_seconds) not in (int, float) or not history_seconds > 0:
            raise InvalidArgument(
                f"history_seconds must be a number > 0, got {history_seconds!r}",
                operation="watch",
                parameter="history_seconds",
            )
        self._client = client
        self.position: int | None = since
        self.history_seconds = float(history_seconds)
        self.snapshots = 0

    def __repr__(self) -> str:
        return f"JobFeed(position={self.position!r}, snapshots={self.snapshots})"

    def __iter__(self) -> Iterator[DqoJobChangeModel]:
        exchange = Exchange(_feed_steps(self.position, self.history_seconds))
        while (step := exchange.next_step()) is not None:
            if isinstance(step, _Emit):
                yield from self._give(step)
            else:
                exchange.call(self._client, step)

    async def __aiter__(self) -> AsyncIterator[DqoJobChangeModel]:
        exchange = Exchange(_feed_steps(self.position, self.history_seconds))
        while (step := exchange.next_step()) is not None:
            if isinstance(step, _Emit):
                for change in self._give(step):
                    yield change
            else:
                await exchange.call_async(self._client, step)

    def _give(self, emit: _Emit) -> Iterator[Any]:
        """The changes of one answer. The position moves as each change is given, so that a
        consumer that stops resumes after the last change it got; a snapshot moves it once its
        last change is given (a snapshot cut short is taken again)."""
        if emit.snapshot:
            self.snapshots += 1
        last = len(emit.changes) - 1
        for index, change in enumerate(emit.changes):
            if index == last:
                self.position = emit.position
            elif not emit.snapshot:
                self.position = _change_sequence(change)
            yield change
        self.position = emit.position


def watch(client: Client, since: int | None = None, *, history_seconds: float = FEED_HISTORY_SECONDS) -> JobFeed:
    """The changes of DQOps's job queue: `async for change in jobs.watch(client)` or `for change in ...`.

    See JobFeed. Nothing is requested before the first change is asked for.
    """
    return JobFeed(client, since, history_seconds=history_seconds)
