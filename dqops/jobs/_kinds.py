"""The kinds of job the helpers start, what the waiting logic knows of a job, and the checks of
the arguments that name one."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from dqops._runtime.errors import InvalidArgument, JobFailed, cut_text


@dataclass(frozen=True)
class JobKind:
    name: str  # the start operation's module, and the kind a token names
    wait_operation: str  # its own wait endpoint (answers the typed result) or the generic wait_for_job
    result_class_name: str  # the typed result of the start and wait operations, in dqops.client.models

    def result_class(self) -> type[Any]:
        module = import_module("dqops.client.models." + re.sub(r"(?<!^)(?=[A-Z])", "_", self.result_class_name).lower())
        result_class: type[Any] = getattr(module, self.result_class_name)
        return result_class


KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind("run_checks", "wait_for_run_checks_job", "RunChecksQueueJobResult"),
        JobKind("collect_error_samples", "wait_for_collect_error_samples_job", "CollectErrorSamplesResult"),
        JobKind("collect_statistics_on_table", "wait_for_job", "CollectStatisticsQueueJobResult"),
        JobKind("collect_statistics_on_data_groups", "wait_for_job", "CollectStatisticsQueueJobResult"),
        JobKind("import_tables", "wait_for_job", "ImportTablesQueueJobResult"),
        JobKind("delete_stored_data", "wait_for_job", "DeleteStoredDataQueueJobResult"),
        JobKind("synchronize_folders", "wait_for_job", "SynchronizeMultipleFoldersQueueJobResult"),
    )
}
#: The kinds of job a handle can follow: the names of the operations that start them.
JOB_KINDS = tuple(KINDS)

#: The severities of check results, lowest first (`fail_at_severity=`).
SEVERITIES = ("valid", "warning", "error", "fatal")

# A start whose answer was lost is sent again at most this often, after looking its key up.
START_ATTEMPTS = 3
BUSINESS_KEY_PREFIX = "dqops-sdk-"
_MAX_BUSINESS_KEY_LENGTH = 200
TOKEN_VERSION = 1


@dataclass
class Job:
    """What the waiting logic knows of a job: its identity and its last known state."""

    kind: JobKind
    job_id: str | None
    business_key: str | None
    state: Any = None  # the last answer about it: a typed result or a DqoJobHistoryEntryModel
    started: Any = None  # the start call's typed answer, when this process started it

    @property
    def reference(self) -> str:
        """What DQOps's paths take: the job id, else the business key (DQOps looks up either)."""
        reference = self.job_id or self.business_key
        if reference is None:  # JobHandle checks that one of them is given
            raise JobFailed("the job has neither a job id nor a business key", job=self.state)
        return reference


def checked_business_key(value: object) -> str:
    if value is None:
        return BUSINESS_KEY_PREFIX + uuid.uuid4().hex
    if (
        type(value) is not str
        or not 0 < len(value) <= _MAX_BUSINESS_KEY_LENGTH
        or not value.isprintable()
        or value.isdigit()
        or value in (".", "..")
    ):
        shown = type(value).__name__ if type(value) is not str else repr(cut_text(value, 80))
        raise InvalidArgument(
            f"business_key must be a str of 1 to {_MAX_BUSINESS_KEY_LENGTH} printable characters, not all digits "
            f"(DQOps would read digits as a job id) nor a dot segment, got {shown}",
            operation="start",
            parameter="business_key",
        )
    return value


def checked_severity(value: object, kind: JobKind) -> str | None:
    if value is None:
        return None
    if kind.name != "run_checks":
        raise InvalidArgument(
            f"fail_at_severity applies to run_checks jobs only, not {kind.name}",
            operation="wait",
            parameter="fail_at_severity",
        )
    if not isinstance(value, str) or str(value) not in SEVERITIES:
        raise InvalidArgument(
            f"fail_at_severity must be one of {', '.join(SEVERITIES)}, got {value!r}",
            operation="wait",
            parameter="fail_at_severity",
        )
    return str(value)
