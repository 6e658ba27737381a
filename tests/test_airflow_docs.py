"""The DAG examples of docs/airflow.md and README.md run on Airflow (dag.test()) against FakeDQOps.

Each ```python block that imports Airflow is written to the DAGs folder as it is and run with the
`dqops_default` connection pointing at the fake, which requires an API key; every task must
succeed. (tests/test_readme.py runs the README's other blocks.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from airflow_dags import connection_json, run_dag

from dqops.testing import FakeDQOps

REPO_ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(?P<info>[a-z]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
DAG_ID = re.compile(r'dag_id="(?P<dag_id>[^"]+)"')


def is_airflow_block(code: str) -> bool:
    return "from airflow" in code


def dag_blocks() -> list[tuple[str, str]]:
    blocks = []
    for name in ("docs/airflow.md", "README.md"):
        text = (REPO_ROOT / name).read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match.group("info") == "python" and is_airflow_block(match.group("code")):
                line = text.count("\n", 0, match.start()) + 2
                blocks.append((f"{name}:{line}", match.group("code")))
    return blocks


BLOCKS = dag_blocks()


def test_the_docs_show_sync_and_deferrable_dags() -> None:
    assert any("deferrable=True" in code for _, code in BLOCKS)
    assert any("deferrable" not in code for _, code in BLOCKS)
    assert {name.partition(":")[0] for name, _ in BLOCKS} == {"docs/airflow.md", "README.md"}


@pytest.mark.parametrize(("where", "code"), BLOCKS, ids=[where for where, _ in BLOCKS])
def test_a_dag_example_runs(airflow_home, monkeypatch, where, code) -> None:
    dag_id = DAG_ID.search(code)
    assert dag_id, f"{where}: the example names no dag_id"
    with FakeDQOps(api_key="docs-key", job_delay=0.3) as fake:
        monkeypatch.setenv("AIRFLOW_CONN_DQOPS_DEFAULT", connection_json(fake.base_url, "docs-key"))
        run = run_dag(airflow_home, dag_id.group("dag_id"), code)
        assert run.state == "success", run.failures
        assert all(state == "success" for state in run.states.values()), run.states
        assert fake.requests and all(r.status is not None and r.status < 400 for r in fake.requests)
