"""The job helpers: start a job and wait for it in one call; wait for a job started elsewhere."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from dqops._runtime.client import Client
from dqops.jobs._deadline import DEFAULT_POLL_SECONDS, DEFAULT_TIMEOUT_SECONDS, Step, twins
from dqops.jobs._steps import existing_job_steps, start_and_wait_steps

if TYPE_CHECKING:
    from dqops.client.models import (
        CollectErrorSamplesParameters,
        CollectErrorSamplesResult,
        CollectStatisticsQueueJobResult,
        DqoJobHistoryEntryModel,
        ImportTablesQueueJobParameters,
        ImportTablesQueueJobResult,
        RunChecksParameters,
        RunChecksQueueJobResult,
        StatisticsCollectorSearchFilters,
    )


def _run_checks(
    client: Client,
    parameters: RunChecksParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> Generator[Step, Any, RunChecksQueueJobResult]:
    """Run the checks selected by `parameters`; returns their result when the job has finished."""
    result: RunChecksQueueJobResult = yield from start_and_wait_steps("run_checks", parameters, timeout, poll_seconds)
    return result


run_checks, run_checks_async = twins(_run_checks)


def _collect_error_samples(
    client: Client,
    parameters: CollectErrorSamplesParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> Generator[Step, Any, CollectErrorSamplesResult]:
    """Collect error samples of the selected checks; returns when the job has finished."""
    result: CollectErrorSamplesResult = yield from start_and_wait_steps(
        "collect_error_samples", parameters, timeout, poll_seconds
    )
    return result


collect_error_samples, collect_error_samples_async = twins(_collect_error_samples)


def _collect_statistics_on_table(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> Generator[Step, Any, CollectStatisticsQueueJobResult]:
    """Collect statistics of the tables selected by `filters`; returns when the job has finished."""
    result: CollectStatisticsQueueJobResult = yield from start_and_wait_steps(
        "collect_statistics_on_table", filters, timeout, poll_seconds
    )
    return result


collect_statistics_on_table, collect_statistics_on_table_async = twins(_collect_statistics_on_table)


def _collect_statistics_on_data_groups(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> Generator[Step, Any, CollectStatisticsQueueJobResult]:
    """Collect statistics per data group of the selected tables; returns when the job has finished."""
    result: CollectStatisticsQueueJobResult = yield from start_and_wait_steps(
        "collect_statistics_on_data_groups", filters, timeout, poll_seconds
    )
    return result


collect_statistics_on_data_groups, collect_statistics_on_data_groups_async = twins(_collect_statistics_on_data_groups)


def _import_tables(
    client: Client,
    parameters: ImportTablesQueueJobParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> Generator[Step, Any, ImportTablesQueueJobResult]:
    """Import the selected tables' metadata; returns when the job has finished."""
    result: ImportTablesQueueJobResult = yield from start_and_wait_steps(
        "import_tables", parameters, timeout, poll_seconds
    )
    return result


import_tables, import_tables_async = twins(_import_tables)


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
