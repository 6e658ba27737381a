from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dqops._runtime.types import UNSET, Unset
from dqops.airflow import _rules
from dqops.airflow._operator import DEFAULT_URL, DqopsJobOperator, forwarded
from dqops.client.models.check_search_filters import CheckSearchFilters
from dqops.client.models.check_target import CheckTarget
from dqops.client.models.check_time_scale import CheckTimeScale
from dqops.client.models.check_type import CheckType
from dqops.client.models.rule_severity_level import RuleSeverityLevel
from dqops.client.models.run_checks_parameters import RunChecksParameters


class DqopsRunChecksOperator(DqopsJobOperator):
    """Runs the DQOps checks that the filters select and waits for the job (`jobs.run_checks`).

    Returns (and pushes to XCom) the RunChecksQueueJobResult's `to_dict()`. Fails the task with
    DqopsJobFailedException when the job failed, DqopsTimeoutException when it has not finished
    after `wait_timeout` seconds and `fail_on_timeout` is True, and
    DqopsDataQualityIssueDetectedException when the highest severity of the results is at or
    above `fail_at_severity` (not for a cancelled job).

    Args:
        base_url: The DQOps instance; what follows the host is dropped. Given, it wins over the connection's.
        job_business_key: A job id of your choice, for DqopsWaitForJobOperator or DQOps's UI.
        api_key: The DQOps API key; given, it wins over the connection's password.
        connection, full_table_name, enabled, tags, labels, column, column_data_type,
            column_nullable, check_target, check_type, time_scale, check_category,
            table_comparison_name, check_name, sensor_name: The fields of CheckSearchFilters
            (patterns such as `public.fact_*` where DQOps accepts them). Templated.
        wait_timeout: Seconds DQOps waits for the job within one call (DQOps's default: 120).
            Deferred, the length of each server-side wait.
        fail_on_timeout: An unfinished job, or no answer in time, fails the task (True) or logs a warning (False).
        fail_at_severity: The lowest severity that fails the task (valid < warning < error < fatal).
        dqops_conn_id: The `dqops` Airflow connection (default `dqops_default`).
        deferrable: Wait in the triggerer instead of the worker (default: Airflow's
            `[operators] default_deferrable`). The wait then lasts until the job ends, or until
            `execution_timeout`, after which `fail_on_timeout` applies.
    """

    template_fields: Sequence[str] = (
        *DqopsJobOperator.template_fields,
        "connection",
        "full_table_name",
        "tags",
        "labels",
        "column",
        "column_data_type",
        "check_category",
        "table_comparison_name",
        "check_name",
        "sensor_name",
    )
    #: The keywords that are CheckSearchFilters's fields.
    FILTERS = (
        "connection",
        "full_table_name",
        "enabled",
        "tags",
        "labels",
        "column",
        "column_data_type",
        "column_nullable",
        "check_target",
        "check_type",
        "time_scale",
        "check_category",
        "table_comparison_name",
        "check_name",
        "sensor_name",
    )
    FIELDS = (*FILTERS, "fail_at_severity")
    fail_at_severity: RuleSeverityLevel
    start_operation = "run_checks"
    wait_operation = "wait_for_run_checks_job"

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_URL,
        job_business_key: Unset | None | str = UNSET,
        api_key: str | Unset = UNSET,
        connection: Unset | str = UNSET,
        full_table_name: Unset | str = UNSET,
        enabled: Unset | bool = UNSET,
        tags: Unset | list[str] = UNSET,
        labels: Unset | list[str] = UNSET,
        column: Unset | str = UNSET,
        column_data_type: Unset | str = UNSET,
        column_nullable: Unset | bool = UNSET,
        check_target: Unset | CheckTarget = UNSET,
        check_type: Unset | CheckType = UNSET,
        time_scale: Unset | CheckTimeScale = UNSET,
        check_category: Unset | str = UNSET,
        table_comparison_name: Unset | str = UNSET,
        check_name: Unset | str = UNSET,
        sensor_name: Unset | str = UNSET,
        wait_timeout: int | Unset = UNSET,
        fail_on_timeout: bool = True,
        fail_at_severity: RuleSeverityLevel = RuleSeverityLevel.FATAL,
        **kwargs: Any,
    ) -> None:
        super().__init__(**forwarded(locals()))

    def job_body(self) -> RunChecksParameters:
        return RunChecksParameters(check_search_filters=CheckSearchFilters(**self.fields(self.FILTERS)))

    def check_answer(self, context: Any, answer: dict[str, Any]) -> None:
        super().check_answer(context, answer)
        _rules.check_run_checks_severity(context["ti"], answer, self.fail_at_severity)
