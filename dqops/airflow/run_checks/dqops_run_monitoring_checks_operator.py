from __future__ import annotations

from dqops.airflow.run_checks._variant import DqopsRunChecksOfTypeOperator
from dqops.client.models.check_type import CheckType


class DqopsRunMonitoringChecksOperator(DqopsRunChecksOfTypeOperator):
    """DqopsRunChecksOperator for the monitoring checks alone (`check_type=CheckType.MONITORING`)."""

    CHECK_TYPE = CheckType.MONITORING
