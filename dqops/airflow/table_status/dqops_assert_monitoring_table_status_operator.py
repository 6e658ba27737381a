from __future__ import annotations

from typing import Any

from dqops._runtime.types import UNSET, Unset
from dqops.airflow._operator import DEFAULT_URL
from dqops.airflow.table_status.dqops_assert_table_status_operator import DqopsAssertTableStatusOperator
from dqops.client.models.check_time_scale import CheckTimeScale
from dqops.client.models.rule_severity_level import RuleSeverityLevel


class DqopsAssertMonitoringTableStatusOperator(DqopsAssertTableStatusOperator):
    """DqopsAssertTableStatusOperator for the status of the monitoring checks alone."""

    def __init__(
        self,
        connection_name: str,
        schema_name: str,
        table_name: str,
        *,
        months: Unset | None | int = UNSET,
        check_time_scale: Unset | None | CheckTimeScale = UNSET,
        data_group: Unset | None | str = UNSET,
        check_name: Unset | None | str = UNSET,
        category: Unset | None | str = UNSET,
        table_comparison: Unset | None | str = UNSET,
        quality_dimension: Unset | None | str = UNSET,
        base_url: str = DEFAULT_URL,
        wait_timeout: int | Unset = UNSET,
        fail_on_timeout: bool = True,
        fail_at_severity: RuleSeverityLevel = RuleSeverityLevel.FATAL,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            connection_name=connection_name,
            schema_name=schema_name,
            table_name=table_name,
            months=months,
            profiling=False,
            monitoring=True,
            partitioned=False,
            check_time_scale=check_time_scale,
            data_group=data_group,
            check_name=check_name,
            category=category,
            table_comparison=table_comparison,
            quality_dimension=quality_dimension,
            base_url=base_url,
            wait_timeout=wait_timeout,
            fail_on_timeout=fail_on_timeout,
            fail_at_severity=fail_at_severity,
            **kwargs,
        )
