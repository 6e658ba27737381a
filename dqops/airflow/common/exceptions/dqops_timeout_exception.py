from dqops.airflow._compat import AirflowException


class DqopsTimeoutException(AirflowException):
    """The job did not finish within the wait, or DQOps did not answer in time, and `fail_on_timeout` is True.

    `detail`, when given, says more: it follows the message.
    """

    def __init__(self, *, detail: str = "") -> None:
        super().__init__("DQOps' job has timed out!" + (f" {detail}" if detail else ""))
