from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dqops._runtime.types import UNSET, Unset
from dqops.airflow._operator import DEFAULT_URL, DqopsJobOperator, forwarded
from dqops.client.models.statistics_collector_search_filters import StatisticsCollectorSearchFilters
from dqops.client.models.statistics_collector_target import StatisticsCollectorTarget


class DqopsCollectStatisticsOperator(DqopsJobOperator):
    """Collects the statistics of the tables the filters select and waits for the job
    (`jobs.collect_statistics_on_table`).

    Returns (and pushes to XCom) the CollectStatisticsQueueJobResult's `to_dict()`. Fails the
    task with DqopsJobFailedException when the job failed, and DqopsTimeoutException when it has
    not finished after `wait_timeout` seconds and `fail_on_timeout` is True.

    Args:
        connection, full_table_name, enabled, labels, column_names, sensor_name, target: The
            fields of StatisticsCollectorSearchFilters. Templated (but enabled and target).
        base_url, job_business_key, wait_timeout, fail_on_timeout, api_key, dqops_conn_id,
            deferrable: As for DqopsRunChecksOperator.
    """

    template_fields: Sequence[str] = (
        *DqopsJobOperator.template_fields,
        "connection",
        "full_table_name",
        "labels",
        "column_names",
        "sensor_name",
    )
    start_operation = "collect_statistics_on_table"
    FIELDS = ("connection", "full_table_name", "enabled", "labels", "column_names", "sensor_name", "target")
    BODY = StatisticsCollectorSearchFilters

    def __init__(
        self,
        *,
        connection: Unset | str = UNSET,
        full_table_name: Unset | str = UNSET,
        enabled: Unset | bool = UNSET,
        labels: Unset | list[str] = UNSET,
        column_names: Unset | list[str] = UNSET,
        sensor_name: Unset | str = UNSET,
        target: Unset | StatisticsCollectorTarget = UNSET,
        base_url: str = DEFAULT_URL,
        job_business_key: Unset | None | str = UNSET,
        wait_timeout: Unset | None | int = UNSET,
        fail_on_timeout: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**forwarded(locals()))
