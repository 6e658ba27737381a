"""The job helpers: start a job and wait for it in one call; wait for a job started elsewhere."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeVar

from dqops._runtime.client import Client
from dqops.jobs._deadline import DEFAULT_POLL_SECONDS, DEFAULT_TIMEOUT_SECONDS, Step, twins
from dqops.jobs._kinds import (
    COLLECT_ERROR_SAMPLES,
    COLLECT_STATISTICS_ON_DATA_GROUPS,
    COLLECT_STATISTICS_ON_TABLE,
    IMPORT_TABLES,
    RUN_CHECKS,
    JobKind,
)
from dqops.jobs._shapes import on_filters, on_parameters
from dqops.jobs._steps import existing_job_steps, start_and_wait_steps

if TYPE_CHECKING:
    from dqops.client.models import DqoJobHistoryEntryModel

Result = TypeVar("Result")


def _start_and_wait(
    kind: JobKind[Any, Result],
    client: Client,
    body: Any,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> Generator[Step, Any, Result]:
    result: Result = yield from start_and_wait_steps(kind, body, timeout, poll_seconds)
    return result


run_checks, run_checks_async = on_parameters(
    RUN_CHECKS,
    "run_checks",
    _start_and_wait,
    "Run the checks selected by `parameters`; returns their result when the job has finished.",
)
collect_error_samples, collect_error_samples_async = on_parameters(
    COLLECT_ERROR_SAMPLES,
    "collect_error_samples",
    _start_and_wait,
    "Collect error samples of the selected checks; returns when the job has finished.",
)
collect_statistics_on_table, collect_statistics_on_table_async = on_filters(
    COLLECT_STATISTICS_ON_TABLE,
    "collect_statistics_on_table",
    _start_and_wait,
    "Collect statistics of the tables selected by `filters`; returns when the job has finished.",
)
collect_statistics_on_data_groups, collect_statistics_on_data_groups_async = on_filters(
    COLLECT_STATISTICS_ON_DATA_GROUPS,
    "collect_statistics_on_data_groups",
    _start_and_wait,
    "Collect statistics per data group of the selected tables; returns when the job has finished.",
)
import_tables, import_tables_async = on_parameters(
    IMPORT_TABLES,
    "import_tables",
    _start_and_wait,
    "Import the selected tables' metadata; returns when the job has finished.",
)


def _wait_for_job(
    client: Client,
    job_id: str | int,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> Generator[Step, Any, DqoJobHistoryEntryModel]:
    """Wait for a job started elsewhere (its id or business key); returns its history entry once it has finished."""
    entry: DqoJobHistoryEntryModel = yield from existing_job_steps(str(job_id), timeout, poll_seconds)
    return entry


wait_for_job, wait_for_job_async = twins(_wait_for_job)
