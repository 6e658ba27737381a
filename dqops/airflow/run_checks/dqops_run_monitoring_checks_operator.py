from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from dqops.airflow.run_checks.dqops_run_checks_operator import DqopsRunChecksOperator
from dqops.client.models.check_type import CheckType


class DqopsRunMonitoringChecksOperator(DqopsRunChecksOperator):
    """DqopsRunChecksOperator for the monitoring checks alone (`check_type=CheckType.MONITORING`)."""

    FIXED: ClassVar[Mapping[str, Any]] = {"check_type": CheckType.MONITORING}
