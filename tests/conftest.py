"""pytest hooks and fixtures shared by the tests in this directory.

Keep this module small: one clearly named function per hook or fixture.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import summaries
from support.airflow_dags import AirflowHome
from support.fault_server import FaultServer
from support.paths import TESTS_DIR

#: The modules (by their path in tests/) whose module- or session-scoped fixtures are expensive
#: (packages generated from other specs, cached spec conversions, the built artifacts and their
#: environments, the generated reference and its mypy run, a Prism server, the bench's workers):
#: under pytest-xdist (`make test`: --dist loadgroup) each group runs in one worker, so they are
#: built once.
#: Every other test goes to whichever worker is free; a Prism server is then started per worker.
WORKER_GROUPS = {
    "pipeline/test_convert_swagger2.py": "spec-pipeline",
    "pipeline/test_stable_names.py": "spec-pipeline",
    "pipeline/test_api_diff.py": "spec-pipeline",
    "release/test_distribution.py": "distribution",
    "docs/test_reference_docs.py": "reference-docs",
    "docs/test_readme.py": "reference-docs",
    "testing/test_reference_fake.py": "reference-docs",
    "docs/test_reference_pagers.py": "reference-docs",
    "client/test_typing.py": "mypy",
    "pipeline/test_prism_loads_spec.py": "prism-strict",
    "release/test_bench_smoke.py": "bench",
    # One AIRFLOW_HOME (airflow db migrate) and one warmed-up Airflow per worker.
    "airflow/test_airflow_dags.py": "airflow",
    "airflow/test_airflow_triggers.py": "airflow",
    "airflow/test_airflow_operators.py": "airflow",
    "airflow/test_airflow_docs.py": "airflow",
}


def pytest_collection_modifyitems(config, items) -> None:
    """Tests of the modules of one WORKER_GROUPS group share a pytest-xdist worker."""
    moved = sorted(path for path in WORKER_GROUPS if not (TESTS_DIR / path).is_file())
    if moved:
        raise pytest.UsageError(f"conftest.py's WORKER_GROUPS names modules that do not exist: {moved}")
    for item in items:
        group = WORKER_GROUPS.get(item.path.relative_to(TESTS_DIR).as_posix())
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The summary of each kind of test: model properties, contract, reference and upstream docs."""
    summaries.write_all(terminalreporter)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """The local fault-injecting HTTP server (tests/support/fault_server.py), started; stopped after the test."""
    srv = FaultServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> AirflowHome:
    """An AIRFLOW_HOME for this test process: SQLite database migrated, DAGs folder (tests/support/airflow_dags.py)."""
    return AirflowHome.create(tmp_path_factory.mktemp("airflow-home"))
