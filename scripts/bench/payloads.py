"""Large, realistic answers built from the JSON that DQOps documents (docs operations/*.md).

The documented answers are read with tests/support/docs_examples.py's extractor (read-only) from the
newest reference docs there are, upstream's client reference of DQOps 1.11.0 (the closest to
the 1.13.2 API), and for an operation those pages lack, from the older reference docs
(DOCS_DIRS). They are scaled up: more check results, more columns, more connections. Every
value keeps the documented shape, so the same bytes are valid input for our models and for
upstream's.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import shared_dir

# The reference docs whose documented answers the payloads are built from, newest first.
DOCS_DIRS = ("dqops-docs-1.11.0", "dqops-docs")


@dataclass(frozen=True)
class Payload:
    """A body to decode: `model.from_dict` on it (on each item when `is_list`)."""

    name: str
    model: str
    is_list: bool
    value: Any
    description: str

    def to_bytes(self) -> bytes:
        return json.dumps(self.value).encode()

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.name}.json"
        path.write_bytes(self.to_bytes())
        return path


@functools.cache
def _operations() -> dict[str, tuple[Any, str]]:
    """Each documented operation (`module.operation`) and the docs folder it was read from: the
    newest of DOCS_DIRS that documents it."""
    from scripts.upstream_docs import parse_operations_dir

    operations: dict[str, tuple[Any, str]] = {}
    for name in DOCS_DIRS:
        folder = shared_dir() / name
        if (folder / "operations").is_dir():
            for operation in parse_operations_dir(folder):
                operations.setdefault(operation.id, (operation, name))
    if not operations:
        raise FileNotFoundError(f"no reference docs in {shared_dir()} (looked for {', '.join(DOCS_DIRS)})")
    return operations


def docs_source(operation_id: str) -> str:
    """The docs folder (one of DOCS_DIRS) that `module.operation`'s JSON is read from."""
    return _operations()[operation_id][1]


def documented_answer(operation_id: str) -> Any:
    """The JSON a docs page shows as the answer of `module.operation` (a fresh copy)."""
    return copy.deepcopy(_operations()[operation_id][0].documented_json)


def documented_request_body(operation_id: str) -> Any:
    """The JSON body of the curl example of `module.operation`."""
    return json.loads(_operations()[operation_id][0].curl.body)


def _hours_later(text: str, hours: int) -> str:
    """An ISO date-time as the docs write it (`2023-10-01T14:00:00`, maybe with Z), `hours` later."""
    zulu = text.endswith("Z")
    moment = dt.datetime.fromisoformat(text.removesuffix("Z")) + dt.timedelta(hours=hours)
    return moment.isoformat() + ("Z" if zulu else "")


def check_results(groups: int = 100, entries_per_group: int = 100) -> Payload:
    """`groups * entries_per_group` check results (default 10,000): the answer of
    check_results.get_table_monitoring_checks_results, a list of CheckResultsListModel."""
    documented = documented_answer("check_results.get_table_monitoring_checks_results")
    answer = []
    for g in range(groups):
        group = copy.deepcopy(documented[g % len(documented)])
        group["checkHash"] = 1000 + g
        group["checkName"] = f"{group['checkName']}_{g}"
        samples = group["checkResultEntries"]
        entries = []
        for i in range(entries_per_group):
            entry = copy.deepcopy(samples[i % len(samples)])
            entry["id"] = str(7_000_000 + g * entries_per_group + i)
            entry["checkHash"] = group["checkHash"]
            entry["checkName"] = group["checkName"]
            entry["actualValue"] = float(100 + i % 50)
            entry["executedAt"] = _hours_later(entry["executedAt"], i)
            entry["timePeriod"] = _hours_later(entry["timePeriod"], i)
            entries.append(entry)
        group["checkResultEntries"] = entries
        answer.append(group)
    return Payload(
        name="check_results",
        model="CheckResultsListModel",
        is_list=True,
        value=answer,
        description=f"{groups} CheckResultsListModel x {entries_per_group} checkResultEntries "
        "(check_results.get_table_monitoring_checks_results)",
    )


def _checks(daily_operation: str, monthly_operation: str) -> dict[str, Any]:
    return {"daily": documented_answer(daily_operation), "monthly": documented_answer(monthly_operation)}


def table(columns: int = 500) -> Payload:
    """A TableModel (tables.get_table) whose spec has `columns` columns, each with profiling,
    daily and monthly monitoring and partitioned checks: the documented TableSpec
    (tables.update_table) and ColumnSpec (columns.update_column) and check answers."""
    basic = documented_answer("tables.get_table_basic")
    spec = documented_request_body("tables.update_table")
    spec["monitoring_checks"] = _checks(
        "tables.get_table_daily_monitoring_checks", "tables.get_table_monitoring_checks_monthly"
    )
    spec["partitioned_checks"] = _checks(
        "tables.get_table_daily_partitioned_checks", "tables.get_table_partitioned_checks_monthly"
    )
    column = documented_request_body("columns.update_column")
    column["monitoring_checks"] = _checks(
        "columns.get_column_monitoring_checks_daily", "columns.get_column_monitoring_checks_monthly"
    )
    column["partitioned_checks"] = _checks(
        "columns.get_column_partitioned_checks_daily", "columns.get_column_partitioned_checks_monthly"
    )
    spec["columns"] = {}
    for i in range(columns):
        one = copy.deepcopy(column)
        one["type_snapshot"]["length"] = 16 + i
        spec["columns"][f"column_{i:04d}"] = one
    answer = {
        "connection_name": basic["connection_name"],
        "table_hash": basic["table_hash"],
        "spec": spec,
        "can_edit": True,
    }
    checks = 5 * columns + 5
    return Payload(
        name="table",
        model="TableModel",
        is_list=False,
        value=answer,
        description=f"TableModel, spec with {columns} columns, {checks} checks (tables.get_table, columns docs)",
    )


def connections(count: int = 60_000) -> Payload:
    """`count` connections (default 60,000: about 65 MB of JSON), the answer of
    connections.get_all_connections: the documented connections in turn, each named apart."""
    documented = documented_answer("connections.get_all_connections")
    answer = []
    for index in range(count):
        connection = documented[index % len(documented)]
        # A shallow copy: the nested values are only ever written out as JSON.
        answer.append({**connection, "connection_name": f"{connection['connection_name']}_{index:05d}"})
    return Payload(
        name="connections",
        model="ConnectionModel",
        is_list=True,
        value=answer,
        description=f"{count:,} ConnectionModel (connections.get_all_connections, "
        f"{docs_source('connections.get_all_connections')})",
    )


# What the HTTP server answers and the SDK sends.


def connections_answer() -> Any:
    """A small JSON list: the documented answer of connections.get_all_connections."""
    return documented_answer("connections.get_all_connections")


def run_checks_answer() -> Any:
    """The documented RunChecksQueueJobResult of jobs.run_checks."""
    return documented_answer("jobs.run_checks")


def run_checks_request() -> Any:
    """The documented RunChecksParameters body of jobs.run_checks."""
    return documented_request_body("jobs.run_checks")
