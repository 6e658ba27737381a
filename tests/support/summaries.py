"""The summary lines printed at the end of a test run, one section per kind of test.

They are built from the test reports the controlling process receives, so they are the same
with `pytest -n N` (pytest-xdist) as without: outcomes come from the reports' node ids, and
what a test saw beyond its outcome from the properties it recorded (`record_property`), which
travel with its report.
"""

from __future__ import annotations

from typing import Any

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
    """Outcomes of the examples of the generated reference (tests/docs/test_reference_docs.py)."""
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


def write_docs_summaries(terminalreporter) -> None:
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
    elsewhere = recorded(terminalreporter, "docs_summary")
    if not totals and not elsewhere:
        return
    from support import docs_examples

    terminalreporter.write_sep("=", "docs examples")
    if totals:
        terminalreporter.write_line(
            f"docs examples ({docs_examples.ACTIVE_CORPUS.label} reference, installed SDK): {_format_totals(totals['all'])}"
        )
        for group, label in (("operations", "operation pages"), ("seed", "seed page")):
            if group in totals:
                terminalreporter.write_line(f"  {label}: {_format_totals(totals[group])}")
    for summary in elsewhere:
        terminalreporter.write_line(summary)


def recorded(terminalreporter, name: str) -> list[Any]:
    """The values the tests recorded under `name` (``record_property(name, value)``), one list per test.

    Each report of a test carries everything recorded up to its phase, so only the teardown report
    (the last, which also holds what fixtures recorded while tearing down) is read.
    """
    return [
        value
        for reports in terminalreporter.stats.values()
        for rep in reports
        if getattr(rep, "when", None) == "teardown"
        for key, value in getattr(rep, "user_properties", ())
        if key == name
    ]


MODEL_PROPERTY_TEST = "test_model_properties.py::"


def write_model_property_summary(terminalreporter) -> None:
    """``model property tests: N passed, K failed of <coverage>``: one outcome per model class."""
    outcomes = {
        nodeid: outcome
        for nodeid, outcome in example_outcomes(terminalreporter, {MODEL_PROPERTY_TEST: "passed"}).items()
        if "[" in nodeid
    }
    coverage = recorded(terminalreporter, "model_coverage")
    if not outcomes:
        return
    totals = {outcome: list(outcomes.values()).count(outcome) for outcome in ("passed", "failed", "skipped")}
    terminalreporter.write_sep("=", "model property tests")
    terminalreporter.write_line(
        f"model property tests: {totals['passed']} passed, {totals['failed']} failed"
        + (f", {totals['skipped']} skipped" if totals["skipped"] else "")
        + (f" of {coverage[0]}" if coverage else "")
    )


def write_contract_summary(terminalreporter) -> None:
    """``contract: N operations exercised, ...``: the sum of what each contract test recorded."""
    records = recorded(terminalreporter, "contract_totals")
    if not records:
        return
    from support.contract_totals import ContractTotals

    totals = ContractTotals.merged(records)
    if not totals.sent:
        return
    terminalreporter.write_sep("=", "contract tests (Prism)")
    terminalreporter.write_line(totals.summary_line())
    for line in totals.details():
        terminalreporter.write_line(line)


def write_all(terminalreporter) -> None:
    write_model_property_summary(terminalreporter)
    write_contract_summary(terminalreporter)
    write_docs_summaries(terminalreporter)
