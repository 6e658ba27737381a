"""The signature DQOps's monitoring and partitioned table-status variants share."""

from __future__ import annotations

from typing import Any, ClassVar

from dqops._runtime.types import UNSET, Unset
from dqops.airflow._operator import DEFAULT_URL, forwarded
from dqops.airflow.table_status.dqops_assert_table_status_operator import DqopsAssertTableStatusOperator
from dqops.client.models.check_time_scale import CheckTimeScale
from dqops.client.models.rule_severity_level import RuleSeverityLevel


class DqopsAssertTimeScaledTableStatusOperator(DqopsAssertTableStatusOperator):
    """DqopsAssertTableStatusOperator for one kind of checks with a time scale (not used in DAGs directly).

    `CHECK_KIND`: the one of the `profiling`, `monitoring` and `partitioned` filters the variant
    sends as True (the others as False).
    """

    CHECK_KIND: ClassVar[str]

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
        super().__init__(**forwarded(locals()), **self._check_kinds())

    def _check_kinds(self) -> dict[str, Any]:
        return {kind: kind == self.CHECK_KIND for kind in ("profiling", "monitoring", "partitioned")}
