"""The signature DQOps's run-checks variants share: one check type, the fewer filters."""

from __future__ import annotations

from typing import Any, ClassVar

from dqops._runtime.types import UNSET, Unset
from dqops.airflow._operator import DEFAULT_URL, forwarded
from dqops.airflow.run_checks.dqops_run_checks_operator import DqopsRunChecksOperator
from dqops.client.models.check_type import CheckType
from dqops.client.models.rule_severity_level import RuleSeverityLevel


class DqopsRunChecksOfTypeOperator(DqopsRunChecksOperator):
    """DqopsRunChecksOperator for the checks of `CHECK_TYPE` alone (not used in DAGs directly)."""

    CHECK_TYPE: ClassVar[CheckType]

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_URL,
        job_business_key: Unset | None | str = UNSET,
        api_key: str | Unset = UNSET,
        connection: str | Unset = UNSET,
        full_table_name: str | Unset = UNSET,
        wait_timeout: int | Unset = UNSET,
        fail_on_timeout: bool = True,
        fail_at_severity: RuleSeverityLevel = RuleSeverityLevel.FATAL,
        **kwargs: Any,
    ) -> None:
        super().__init__(**forwarded(locals()), check_type=self.CHECK_TYPE)
