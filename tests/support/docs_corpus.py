"""The corpus of upstream's docs examples that the tests run (``dx.ACTIVE_CORPUS``; the
environment's DQOPS_DOCS_CORPUS names another), its listed upstream defects, and the mock's answer
and the checks of one run against it.

Shared by tests/docs/test_docs_examples.py and the program that runs the same examples against the
client of an older spec (tests/pipeline/test_convert_swagger2.py).
"""

from __future__ import annotations

import functools
import json

from support import docs_examples as dx
from support.docs_runner import MockAnswer, Run
from support.docs_runner import check_run as check_docs_run
from support.docs_runner import mock_answer as docs_mock_answer

SOURCE = dx.ACTIVE_CORPUS
DEFECTS_FILE = SOURCE.defects_file

CORPUS = dx.load_corpus(SOURCE)
DEFECTS: dict[str, dict[str, str]] = {
    d["id"]: d for d in json.loads(DEFECTS_FILE.read_text(encoding="utf-8"))["defects"]
}
EXAMPLES = CORPUS.all_examples
WORKING = [e for e in EXAMPLES if e.id not in DEFECTS]
DEFECTIVE = [e for e in EXAMPLES if e.id in DEFECTS]

#: Operations that answer JSON but whose docs show no answer: the mock sends this.
SYNTHESIZED_JSON = {
    # 200 application/json boolean ("is the scheduler running")
    ("jobs", "is_cron_scheduler_running"): "true",
    # 200 application/json MonoResponseEntityMonoObject (an object without properties)
    ("tables", "update_table_partitioned_checks_model"): "{}",
}


@functools.cache
def mock_answer(key: tuple[str, str]) -> MockAnswer | None:
    """What the mock answers for this operation; None for a stale page's (the spec has no such operation)."""
    if key not in CORPUS.spec_by_key:
        return None
    return docs_mock_answer(CORPUS.by_key[key], CORPUS.spec_by_key[key], SYNTHESIZED_JSON.get(key))


def check_run(example: dx.PythonExample, run: Run, answer: MockAnswer) -> list[str]:
    """All the problems of one run, each tagged with its kind: ``[kind] message``."""
    return check_docs_run(example, run, answer, CORPUS.operation_of(example), CORPUS.spec_of(example))
