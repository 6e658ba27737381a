from dqops.airflow._compat import AirflowException


class DqopsUnfinishedJobException(AirflowException):
    """The job DqopsWaitForJobOperator waits for is still queued, waiting or running (Airflow's retries wait again).

    `detail`, when given, says more: it follows the message.
    """

    def __init__(self, *, detail: str = "") -> None:
        super().__init__("DQOps job has not finished yet!" + (f" {detail}" if detail else ""))
