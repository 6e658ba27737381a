"""Smoke test of the benchmark scripts (scripts/bench): each benchmark runs once, tiny, and
returns numbers. Benchmarks are not tests: this only proves the bench code works, in seconds.
Upstream's environment is never made here; only our side runs."""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import pytest

from scripts.bench import calls, common, generation, imports, large, parsing, payloads
from scripts.bench.server import ServerProcess
from scripts.spec_io import CLEANED_SPEC, REPO_ROOT

pytestmark = pytest.mark.skipif(
    not (REPO_ROOT / "dqops" / "client" / "__init__.py").exists(), reason="dqops/client is not generated: make generate"
)


@pytest.fixture(scope="module")
def ours() -> common.Impl:
    return common.Impl("ours", Path(sys.executable))


@pytest.fixture(scope="module")
def worker(ours: common.Impl, tmp_path_factory: pytest.TempPathFactory):
    with common.Worker(ours, tmp_path_factory.mktemp("worker")) as worker:
        yield worker


def _positive(value: object) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value > 0


def test_payloads_keep_the_documented_shape() -> None:
    results = payloads.check_results(groups=2, entries_per_group=3)
    assert len(results.value) == 2
    assert all(len(group["checkResultEntries"]) == 3 for group in results.value)
    assert len({entry["id"] for group in results.value for entry in group["checkResultEntries"]}) == 6
    table = payloads.table(columns=3)
    assert sorted(table.value["spec"]["columns"]) == ["column_0000", "column_0001", "column_0002"]
    assert isinstance(payloads.connections_answer(), list)
    assert "check_search_filters" in payloads.run_checks_request()
    many = payloads.connections(count=7)
    assert len({connection["connection_name"] for connection in many.value}) == 7
    assert {key for connection in many.value for key in connection} == {
        key for connection in payloads.connections_answer() for key in connection
    }
    # Read from the newest reference docs that document each operation.
    assert payloads.docs_source("connections.get_all_connections") == payloads.DOCS_DIRS[0]


def test_cold_import(ours: common.Impl, tmp_path: Path) -> None:
    rows = imports.bench_imports([ours], rounds=1, cwd=tmp_path, warmup=False)
    assert [row.benchmark for row in rows] == [f"cold {case}" for case in imports.CASES]
    assert all(_positive(row.data["ratio"]) and row.status in ("PASS", "FAIL") for row in rows)
    assert all(row.data["loaded"]["ours"]["dqops_modules"] > 0 for row in rows)


def test_parsing(ours: common.Impl, tmp_path: Path) -> None:
    tiny = [payloads.check_results(groups=2, entries_per_group=2), payloads.table(columns=2)]
    started: list[common.Worker] = []

    def new_workers() -> dict[str, common.Worker]:
        started.append(common.Worker(ours, tmp_path))
        return {"ours": started[-1]}

    rows = parsing.bench_parsing(new_workers, tiny, tmp_path, rounds=2, worker_sets=2, warmup=False)
    assert len(started) == 2 and all(worker.closed for worker in started), "each set of workers is closed"
    timed = [row for row in rows if "memory" not in row.data]
    memory = [row for row in rows if "memory" in row.data]
    assert len(timed) == len(tiny) * len(parsing.PHASES)
    assert all(_positive(row.data["ours_vs_json"]) for row in timed)
    # Our models give back the bytes they were given.
    assert all(row.data["loaded"]["ours"]["roundtrip_equal"] for row in timed)
    assert len(memory) == len(tiny)
    assert all(
        row.data["memory"]["ours"]["models"] > 0 and row.data["memory"]["ours"]["json_tree"] > 0 for row in memory
    )


def test_calls_against_the_local_server(worker: common.Worker, tmp_path: Path) -> None:
    with ServerProcess(Path(sys.executable), calls.write_routes(tmp_path)) as server:
        rows, checked = calls.bench_calls(
            {"ours": worker}, server.base_url, rounds=1, batch=2, concurrent=5, concurrent_rounds=1, warmup_calls=1
        )
    assert checked["ours"]["sdk get sync"] == "list[ConnectionModel]"
    assert checked["ours"]["sdk post async"] == "RunChecksQueueJobResult"
    assert len(rows) == len(calls.KINDS) + 1
    assert all(_positive(row.data["ratio"]) for row in rows)


def test_large_answer(ours: common.Impl, tmp_path: Path) -> None:
    payload = payloads.connections(count=50)
    time_row, memory_row = large.bench_large([ours], payload, tmp_path, rounds=1)
    for row, key in ((time_row, "seconds"), (memory_row, "peak_above_start")):
        assert row.status == "SKIP", "without upstream there is no target to judge"
        results = row.data["results"]
        assert set(results) == {"ours", "floor"}
        assert results["ours"][0]["item_type"] == "ConnectionModel" and results["floor"][0]["item_type"] == "dict"
        assert all(result["items"] == 50 and result[key] >= 0 for values in results.values() for result in values)
        assert _positive(results["ours"][0]["seconds"])


def test_generation_steps(tmp_path: Path) -> None:
    """The bench times the Makefile's own spec pipeline (scripts/pipeline.py), into its scratch
    folder: the same steps, giving the same cleaned spec as `make spec`."""
    times = generation.time_pipeline(Path(sys.executable), tmp_path)
    assert list(times) == ["fetch_spec (cached)", "convert_swagger2", "clean_spec", "stable_names"]
    assert all(_positive(seconds) for seconds in times.values())
    cleaned = tmp_path / CLEANED_SPEC.name
    assert cleaned.read_bytes() == CLEANED_SPEC.read_bytes()
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\$\(CLEANED_SPEC\):.*\n(?:\t.*\n)*\t\$\(PY\) -m scripts\.pipeline\b", makefile, re.MULTILINE)


def test_table_and_statistics() -> None:
    stats = common.Stats.of([3.0, 1.0, 2.0])
    assert (stats.median, stats.minimum, stats.n) == (2.0, 1.0, 3)
    samples = common.interleaved(2, [("a", lambda: 1.0), ("b", lambda: 2.0)])
    assert samples == {"a": [1.0, 1.0], "b": [2.0, 2.0]}
    text = common.format_table([common.Row(group="g", benchmark="b", ours="1 ms", status="PASS")])
    assert "PASS" in text and f"upstream {common.UPSTREAM_VERSION}" in text
    markdown = common.markdown_table([common.Row(group="g", benchmark="b", ours="1 ms", status="PASS")]).splitlines()
    assert markdown[0].startswith("| benchmark |") and markdown[2] == "| b | 1 ms | - | - | - | - | - | PASS |"
