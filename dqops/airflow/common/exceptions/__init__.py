"""The exceptions that fail a DQOps task, one module each as in DQOps's own `dqops.airflow`.

All derive from Airflow's AirflowException. The SDK's typed error that caused one, if any
(`dqops.client.errors.Unauthorized`, `RequestTimeout`, ...), is its `__cause__`.
"""

from dqops.airflow.common.exceptions.dqops_data_quality_issue_detected_exception import (
    DqopsDataQualityIssueDetectedException,
)
from dqops.airflow.common.exceptions.dqops_empty_response_exception import DqopsEmptyResponseException
from dqops.airflow.common.exceptions.dqops_internal_server_error_exception import (
    DqopsInternalServerErrorException,
)
from dqops.airflow.common.exceptions.dqops_job_failed_exception import DqopsJobFailedException
from dqops.airflow.common.exceptions.dqops_timeout_exception import DqopsTimeoutException
from dqops.airflow.common.exceptions.dqops_unfinished_job_exception import DqopsUnfinishedJobException

__all__ = [
    "DqopsDataQualityIssueDetectedException",
    "DqopsEmptyResponseException",
    "DqopsInternalServerErrorException",
    "DqopsJobFailedException",
    "DqopsTimeoutException",
    "DqopsUnfinishedJobException",
]
