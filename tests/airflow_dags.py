"""Running DAGs on real Apache Airflow for the tests of dqops.airflow.

`AirflowHome.create(folder)` makes an AIRFLOW_HOME (SQLite metadata database made by
`airflow db migrate`, a DAGs folder) before this process imports Airflow: the
`airflow_home` fixture of conftest.py does it once per test process. `run_dag` writes a DAG file
into the DAGs folder (Airflow's `dag.test()` runs only DAGs it found there), imports it and runs
it with `dag.test()`, which runs each task in this process and each trigger inline: the fake
DQOps the test started is reachable, and what the tasks raised is recorded by
`record_failure`, the DAGs' `on_failure_callback`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: What each task of the last DAG run raised, by task id (filled by record_failure).
FAILURES: dict[str, BaseException] = {}

#: The start of every DAG file the tests write.
DAG_HEADER = """\
import datetime
import pendulum
from airflow.sdk import DAG
import airflow_dags
from dqops.client.models.rule_severity_level import RuleSeverityLevel

DEFAULT_ARGS = {"on_failure_callback": airflow_dags.record_failure}
"""


def record_failure(context: Any) -> None:
    """The DAGs' on_failure_callback: keeps the exception that failed the task."""
    FAILURES[context["ti"].task_id] = context["exception"]


@dataclass
class AirflowHome:
    path: Path
    dags: Path

    @classmethod
    def create(cls, path: Path) -> AirflowHome:
        if "airflow" in sys.modules:
            raise RuntimeError("Airflow was imported before its AIRFLOW_HOME was set up")
        dags = path / "dags"
        dags.mkdir(parents=True, exist_ok=True)
        os.environ.update(
            {
                "AIRFLOW_HOME": str(path),
                "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{path / 'airflow.db'}",
                "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "False",
            }
        )
        subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            check=True,
            capture_output=True,
            timeout=300,
        )
        # The DAG files import this module (record_failure): pytest's pythonpath (pyproject.toml) has it.
        return cls(path, dags)


@dataclass
class DagRun:
    state: str
    states: dict[str, str]
    returned: dict[str, Any]
    failures: dict[str, BaseException] = field(default_factory=dict)

    def failure(self, task_id: str) -> BaseException:
        assert self.states[task_id] == "failed", f"{task_id} is {self.states[task_id]}, not failed"
        return self.failures[task_id]


def dag_source(dag_id: str, body: str, imports: str = "") -> str:
    """A DAG file: the header, `imports`, and `body` (the tasks) inside `with DAG(...) as dag:`."""
    return (
        DAG_HEADER
        + textwrap.dedent(imports)
        + f"\nwith DAG(dag_id={dag_id!r}, schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz='UTC'),"
        + " catchup=False, default_args=DEFAULT_ARGS) as dag:\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
    )


def run_dag(home: AirflowHome, dag_id: str, source: str) -> DagRun:
    """Write the DAG file, import it and run the DAG with dag.test(); the states, return values and failures."""
    path = home.dags / f"{dag_id}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"test_dag_{dag_id}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    FAILURES.clear()
    run = module.dag.test()
    states: dict[str, str] = {}
    returned: dict[str, Any] = {}
    for ti in run.get_task_instances():
        states[ti.task_id] = str(getattr(ti.state, "value", ti.state))
        returned[ti.task_id] = ti.xcom_pull(task_ids=ti.task_id)
    return DagRun(str(getattr(run.state, "value", run.state)), states, returned, dict(FAILURES))


def connection_json(base_url: str, api_key: str | None = None, **extra: Any) -> str:
    """An AIRFLOW_CONN_<ID> value (Airflow's JSON form) for a `dqops` connection to `base_url`."""
    scheme, _, rest = base_url.rstrip("/").partition("://")
    host, _, port = rest.partition(":")
    conn: dict[str, Any] = {"conn_type": "dqops", "host": host, "port": int(port), "schema": scheme}
    if api_key is not None:
        conn["password"] = api_key
    if extra:
        conn["extra"] = extra
    return json.dumps(conn)
