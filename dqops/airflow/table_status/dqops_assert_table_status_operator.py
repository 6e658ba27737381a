from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dqops._runtime.types import UNSET, Unset
from dqops.airflow import _rules
from dqops.airflow._operator import DEFAULT_URL, DqopsOperator, _given, _NoAnswer, forwarded
from dqops.client.api.check_results import get_table_data_quality_status
from dqops.client.models.check_time_scale import CheckTimeScale
from dqops.client.models.rule_severity_level import RuleSeverityLevel


class DqopsAssertTableStatusOperator(DqopsOperator):
    """Reads a table's current data quality status (`check_results.get_table_data_quality_status`).

    Returns (and pushes to XCom) the TableCurrentDataQualityStatusModel's `to_dict()`. Fails the
    task with DqopsDataQualityIssueDetectedException when its `current_severity` is at or above
    `fail_at_severity`, and with DqopsTimeoutException when DQOps does not answer within
    `wait_timeout` seconds and `fail_on_timeout` is True.

    Args:
        connection_name, schema_name, table_name: The table. Templated.
        months, profiling, monitoring, partitioned, check_time_scale, data_group, check_name,
            category, table_comparison, quality_dimension: The operation's filters (the names are templated).
        base_url, wait_timeout, fail_on_timeout, fail_at_severity, api_key, dqops_conn_id: As
            for DqopsRunChecksOperator; `wait_timeout` bounds the call.
    """

    template_fields: Sequence[str] = (
        "dqops_conn_id",
        "connection_name",
        "schema_name",
        "table_name",
        "data_group",
        "check_name",
        "category",
        "table_comparison",
        "quality_dimension",
    )

    #: The keywords sent as the operation's query parameters (when given).
    FILTERS = (
        "months",
        "profiling",
        "monitoring",
        "partitioned",
        "check_time_scale",
        "data_group",
        "check_name",
        "category",
        "table_comparison",
        "quality_dimension",
    )

    FIELDS = ("connection_name", "schema_name", "table_name", *FILTERS, "fail_at_severity")
    connection_name: str
    schema_name: str
    table_name: str
    fail_at_severity: RuleSeverityLevel

    def __init__(
        self,
        connection_name: str,
        schema_name: str,
        table_name: str,
        *,
        months: Unset | None | int = UNSET,
        profiling: Unset | None | bool = UNSET,
        monitoring: Unset | None | bool = UNSET,
        partitioned: Unset | None | bool = UNSET,
        check_time_scale: Unset | None | CheckTimeScale = UNSET,
        data_group: Unset | None | str = UNSET,
        check_name: Unset | None | str = UNSET,
        category: Unset | None | str = UNSET,
        table_comparison: Unset | None | str = UNSET,
        quality_dimension: Unset | None | str = UNSET,
        base_url: str = DEFAULT_URL,
        wait_timeout: Unset | None | int = UNSET,
        fail_on_timeout: bool = True,
        fail_at_severity: RuleSeverityLevel = RuleSeverityLevel.FATAL,
        **kwargs: Any,
    ) -> None:
        super().__init__(**forwarded(locals()))

    def execute(self, context: Any) -> dict[str, Any] | None:
        settings = self._settings()
        wait_timeout = _given(self.wait_timeout)
        filters = {name: getattr(self, name) for name in self.FILTERS if _given(getattr(self, name)) is not None}
        try:
            with self._calling_dqops(), settings.client(timeout=wait_timeout and float(wait_timeout)) as client:
                status = get_table_data_quality_status.sync(
                    self.connection_name, self.schema_name, self.table_name, client=client, **filters
                ).to_dict()
        except _NoAnswer:
            return None
        self.log.info("DQOps answered: %s", status)
        _rules.check_table_status(context["ti"], status, self.fail_at_severity)
        return status
