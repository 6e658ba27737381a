"""Starting jobs: each `start_*` returns a handle as soon as DQOps has queued the job."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from dqops._runtime.client import Client
from dqops.jobs._deadline import DEFAULT_START_TIMEOUT_SECONDS, Step, twins
from dqops.jobs._handles import JobHandle
from dqops.jobs._kinds import KINDS, checked_business_key
from dqops.jobs._steps import start_handle_steps

if TYPE_CHECKING:
    from dqops.client.models import (
        CollectErrorSamplesParameters,
        CollectErrorSamplesResult,
        CollectStatisticsQueueJobResult,
        DeleteStoredDataQueueJobParameters,
        DeleteStoredDataQueueJobResult,
        ImportTablesQueueJobParameters,
        ImportTablesQueueJobResult,
        RunChecksParameters,
        RunChecksQueueJobResult,
        StatisticsCollectorSearchFilters,
        SynchronizeMultipleFoldersDqoQueueJobParameters,
        SynchronizeMultipleFoldersQueueJobResult,
    )


def _start(
    client: Client, kind_name: str, json_body: Any, business_key: str | None, query: dict[str, Any], timeout: float
) -> Generator[Step, Any, JobHandle[Any]]:
    kind = KINDS[kind_name]
    job = yield from start_handle_steps(kind, json_body, checked_business_key(business_key), query, timeout)
    return JobHandle._of(client, job)


def _query(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _start_run_checks(
    client: Client,
    parameters: RunChecksParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> Generator[Step, Any, JobHandle[RunChecksQueueJobResult]]:
    """Start a job that runs the checks `parameters` select; returns its handle as soon as DQOps queued it.

    The start sends `business_key` as DQOps's `jobBusinessKey` (a unique one is made when None).
    If the answer is lost after the request may have reached DQOps (a dropped connection, a read
    timeout), the key is looked up before the start is sent again, so a retried start never makes
    a second job. `timeout` bounds the start, look-ups and retries included.
    """
    return (yield from _start(client, "run_checks", parameters, business_key, {}, timeout))


start_run_checks, start_run_checks_async = twins(_start_run_checks)


def _start_collect_error_samples(
    client: Client,
    parameters: CollectErrorSamplesParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> Generator[Step, Any, JobHandle[CollectErrorSamplesResult]]:
    """Start a job that collects error samples of the checks `parameters` select. Returns its handle at
    once (see `start_run_checks`)."""
    return (yield from _start(client, "collect_error_samples", parameters, business_key, {}, timeout))


start_collect_error_samples, start_collect_error_samples_async = twins(_start_collect_error_samples)


def _start_collect_statistics_on_table(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    business_key: str | None = None,
    configure_table: bool | None = None,
    samples_limit: int | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> Generator[Step, Any, JobHandle[CollectStatisticsQueueJobResult]]:
    """Start a job that collects statistics of the tables `filters` select. Returns its handle at once
    (see `start_run_checks`). `configure_table` and `samples_limit` are sent as DQOps's query
    parameters."""
    return (
        yield from _start(
            client,
            "collect_statistics_on_table",
            filters,
            business_key,
            _query(configure_table=configure_table, samples_limit=samples_limit),
            timeout,
        )
    )


start_collect_statistics_on_table, start_collect_statistics_on_table_async = twins(_start_collect_statistics_on_table)


def _start_collect_statistics_on_data_groups(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    business_key: str | None = None,
    configure_table: bool | None = None,
    samples_limit: int | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> Generator[Step, Any, JobHandle[CollectStatisticsQueueJobResult]]:
    """Start a job that collects statistics per data group of the tables `filters` select. Returns its
    handle at once (see `start_run_checks`). `configure_table` and `samples_limit` are sent as
    DQOps's query parameters."""
    return (
        yield from _start(
            client,
            "collect_statistics_on_data_groups",
            filters,
            business_key,
            _query(configure_table=configure_table, samples_limit=samples_limit),
            timeout,
        )
    )


start_collect_statistics_on_data_groups, start_collect_statistics_on_data_groups_async = twins(
    _start_collect_statistics_on_data_groups
)


def _start_import_tables(
    client: Client,
    parameters: ImportTablesQueueJobParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> Generator[Step, Any, JobHandle[ImportTablesQueueJobResult]]:
    """Start a job that imports the metadata of the tables `parameters` select. Returns its handle at
    once (see `start_run_checks`)."""
    return (yield from _start(client, "import_tables", parameters, business_key, {}, timeout))


start_import_tables, start_import_tables_async = twins(_start_import_tables)


def _start_delete_stored_data(
    client: Client,
    parameters: DeleteStoredDataQueueJobParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> Generator[Step, Any, JobHandle[DeleteStoredDataQueueJobResult]]:
    """Start a job that deletes the stored data `parameters` select. Returns its handle at once (see
    `start_run_checks`)."""
    return (yield from _start(client, "delete_stored_data", parameters, business_key, {}, timeout))


start_delete_stored_data, start_delete_stored_data_async = twins(_start_delete_stored_data)


def _start_synchronize_folders(
    client: Client,
    parameters: SynchronizeMultipleFoldersDqoQueueJobParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> Generator[Step, Any, JobHandle[SynchronizeMultipleFoldersQueueJobResult]]:
    """Start a job that synchronizes the folders `parameters` select with DQOps Cloud. Returns its
    handle at once (see `start_run_checks`)."""
    return (yield from _start(client, "synchronize_folders", parameters, business_key, {}, timeout))


start_synchronize_folders, start_synchronize_folders_async = twins(_start_synchronize_folders)
