"""pytest hooks and fixtures shared by the tests in this directory.

Keep this module small: one clearly named function per hook or fixture.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the plain helper modules of this directory
from fault_server import FaultServer  # noqa: E402

DOCS_EXAMPLE_TEST = "test_docs_examples.py::test_docs_example["
UPSTREAM_DEFECT_TEST = "test_docs_examples.py::test_upstream_defect["
REFERENCE_EXAMPLE_TEST = "test_reference_docs.py::test_reference_example["


def example_outcomes(terminalreporter, tests: dict[str, str]) -> dict[str, str]:
    """The outcome of each example of the tests named in `tests` (a node id part -> what a pass
    of it counts as): failed if any of its phases failed, else what its call counts as."""
    outcome: dict[str, str] = {}
    for reports in terminalreporter.stats.values():
        for rep in reports:
            nodeid = getattr(rep, "nodeid", "")
            test = next((test for test in tests if test in nodeid), None)
            if test is None or not hasattr(rep, "when"):
                continue
            if rep.failed:
                outcome[nodeid] = "failed"
            elif rep.skipped:
                outcome.setdefault(nodeid, "skipped")
            elif rep.when == "call" and outcome.get(nodeid) != "failed":
                outcome[nodeid] = tests[test]
    return outcome


def docs_examples_totals(terminalreporter) -> dict[str, dict[str, int]]:
    """Outcomes of the docs-example tests, per page group ("operations", "seed").

    An example counts as failed if any of its phases failed; otherwise as passed
    (working example) or as an upstream defect (listed defect confirmed).
    """
    outcome = example_outcomes(terminalreporter, {DOCS_EXAMPLE_TEST: "passed", UPSTREAM_DEFECT_TEST: "upstream defects"})
    totals: dict[str, dict[str, int]] = {}
    for nodeid, result in outcome.items():
        param = nodeid[nodeid.index("[") + 1:]
        group = "seed" if param.startswith(("seed:", "seed-guide:")) else "operations"
        for key in (group, "all"):
            bucket = totals.setdefault(key, {"passed": 0, "upstream defects": 0, "failed": 0, "skipped": 0})
            bucket[result] += 1
    return totals


def reference_examples_totals(terminalreporter) -> dict[str, int]:
    """Outcomes of the examples of the generated reference (tests/test_reference_docs.py)."""
    outcome = example_outcomes(terminalreporter, {REFERENCE_EXAMPLE_TEST: "passed"})
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for result in outcome.values():
        totals[result] += 1
    return totals if outcome else {}


def _format_totals(counts: dict[str, int]) -> str:
    text = f"{counts['passed']} passed, {counts['upstream defects']} upstream defects, {counts['failed']} failed"
    if counts["skipped"]:
        text += f", {counts['skipped']} skipped"
    return text


def recorded_docs_summaries(terminalreporter) -> list[str]:
    """The summaries that tests running a docs corpus elsewhere recorded (``record_property("docs_summary", ...)``)."""
    return [
        value
        for reports in terminalreporter.stats.values()
        for rep in reports
        if getattr(rep, "when", None) == "call"
        for name, value in getattr(rep, "user_properties", ())
        if name == "docs_summary"
    ]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print ``reference docs examples: N passed, K failed of T``, and ``docs examples: N passed,
    M upstream defects, K failed`` per corpus, after a run."""
    reference = reference_examples_totals(terminalreporter)
    if reference:
        terminalreporter.write_sep("=", "reference docs examples")
        total = sum(reference.values())
        line = f"reference docs examples: {reference['passed']} passed, {reference['failed']} failed of {total}"
        if reference["skipped"]:
            line += f" ({reference['skipped']} skipped)"
        terminalreporter.write_line(line)
    totals = docs_examples_totals(terminalreporter)
    elsewhere = recorded_docs_summaries(terminalreporter)
    if not totals and not elsewhere:
        return
    import docs_examples

    terminalreporter.write_sep("=", "docs examples")
    if totals:
        terminalreporter.write_line(
            f"docs examples ({docs_examples.ACTIVE_CORPUS.label} reference, installed SDK): {_format_totals(totals['all'])}"
        )
        for group, label in (("operations", "operation pages"), ("seed", "seed page")):
            if group in totals:
                terminalreporter.write_line(f"  {label}: {_format_totals(totals[group])}")
    for summary in elsewhere:
        terminalreporter.write_line(f"docs examples {summary}")


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """The local fault-injecting HTTP server (tests/fault_server.py), started; stopped after the test."""
    srv = FaultServer().start()
    try:
        yield srv
    finally:
        srv.stop()
