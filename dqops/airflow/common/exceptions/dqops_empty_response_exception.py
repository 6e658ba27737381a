from dqops.airflow._compat import AirflowException


class DqopsEmptyResponseException(AirflowException):
    """DQOps answered without the body its API promises.

    `detail`, when given, says more: it follows the message.
    """

    def __init__(self, *, detail: str = "") -> None:
        super().__init__("DQOps did not return any data!" + (f" {detail}" if detail else ""))
