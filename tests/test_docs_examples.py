"""The docs are the test suite: run every documented Python example verbatim.

Every Python example of the DQOps docs (``operations/*.md``: 4 per operation,
and the seed page) runs unchanged against a respx mock of
``http://localhost:8888/``.  The mock answers what the docs and the pinned spec
document for the operation, and the test then checks the one request that the
example sent and the value it got back:

* exactly one request, with the documented HTTP method;
* the path of the curl example.  The docs write path parameters unencoded
  (``api/checks/sample_target/sample_category/sample_check``) while the SDK
  sends each parameter percent-encoded as one segment
  (``api/checks/sample_target%2Fsample_category%2Fsample_check``), so the raw
  path as sent must (a) percent-decode to the curl path and (b) have exactly
  the segments of the URL template: a parameter holding ``/`` must not split;
* no query string (no example passes a query parameter, and no curl URL has one);
* ``Authorization: Bearer s4mp13_4u7h_70k3n`` for the auth variants, no
  ``Authorization`` header at all otherwise;
* the request body holds the curl example's body (``-d``), both parsed as JSON.
  The comparison is "the curl body is a subset, and anything else sent is a
  default value": the curl bodies are the server's Jackson serialization, which
  leaves out default values (``false``, ``0``, empty lists...), while the Python
  examples set those fields explicitly (e.g. ``jobs.run_checks`` sends
  ``dummy_execution=False``, which its curl body omits).  A ``text/plain`` body
  (the password operations) must be the curl body's JSON string, unquoted;
* the result, ``call_result.to_dict()`` (a list of them for list answers, the
  value itself for primitives, ``None`` for no body), equals the documented JSON.

What the mock answers (``mock_answer``): the spec's success status; a 200
without a body where the spec lists only an error (``start/stop_cron_scheduler``
document only a 500 with Spring's error payload, which their docs show as the
result, ``delete_check``/``delete_dictionary``/``delete_shared_credential`` only
a 404 and ``delete_user`` only a 403: ``sync()`` raises an error status, so the
example describes the success DQOps answers); ``application/json`` with the documented
JSON verbatim where the operation answers JSON (two operations answer JSON but
show none: ``SYNTHESIZED_JSON``); no body for ``201``/``204``; a sample body for
the two downloads (``text/csv``: the example must get the text back,
``application/octet-stream``: the bytes).  Seed-page examples are checked
against the operation page of the operation they call (same module and name).

The corpus is the newest upstream reference (``dx.ACTIVE_CORPUS``; DQOPS_DOCS_CORPUS names
another, as tests/test_docs_older_api.py does for the client of an older spec).  Examples
listed in ``docs_defects/<corpus>.json`` are wrong upstream; their test
asserts that they still fail, with the listed exception and message, so an
example fixed upstream or a wrong entry shows up as a failure.

Totals are printed at the end of the run by ``conftest.py``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import docs_examples as dx
import httpx
import pytest
from docs_runner import MockAnswer, Run, json_diff, run_example
from docs_runner import check_run as check_docs_run
from docs_runner import mock_answer as docs_mock_answer

SOURCE = dx.ACTIVE_CORPUS
DEFECTS_FILE = SOURCE.defects_file

CORPUS = dx.load_corpus(SOURCE)
DEFECTS: dict[str, dict[str, str]] = {
    d["id"]: d for d in json.loads(DEFECTS_FILE.read_text(encoding="utf-8"))["defects"]}
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


# ---------------------------------------------------------------------------
# The mock's answer, a run, and its checks (docs_runner.py)
# ---------------------------------------------------------------------------


@functools.cache
def mock_answer(key: tuple[str, str]) -> MockAnswer | None:
    """What the mock answers for this operation; None for a stale page's (the spec has no such operation)."""
    if key not in CORPUS.spec_by_key:
        return None
    return docs_mock_answer(CORPUS.by_key[key], CORPUS.spec_by_key[key], SYNTHESIZED_JSON.get(key))


def check_run(example: dx.PythonExample, run: Run, answer: MockAnswer) -> list[str]:
    """All the problems of one run, each tagged with its kind: ``[kind] message``."""
    return check_docs_run(example, run, answer, CORPUS.operation_of(example), CORPUS.spec_of(example))


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk():
    try:
        from dqops import client
    except ImportError as err:
        pytest.fail(f"cannot import the generated SDK ({err}): run `make generate`, and run the tests "
                    "from the repository root with `python -m pytest` (or install the package)", pytrace=False)
    return client


@pytest.mark.parametrize("example", WORKING, ids=[e.id for e in WORKING])
def test_docs_example(example: dx.PythonExample, sdk) -> None:
    answer = mock_answer(example.key)
    assert answer is not None, f"{example.id}: the spec has no such operation; list it as a stale page"
    run = run_example(example, answer)
    problems = check_run(example, run, answer)
    assert not problems, f"{example.id} ({example.source}:{example.line}):\n" + "\n".join(problems)


_EXCEPTIONS = {"SyntaxError": SyntaxError, "NameError": NameError, "TypeError": TypeError,
               "ImportError": ImportError, "ModuleNotFoundError": ModuleNotFoundError}


@pytest.mark.parametrize("example", DEFECTIVE, ids=[e.id for e in DEFECTIVE])
def test_upstream_defect(example: dx.PythonExample, sdk) -> None:
    """The listed upstream defect is real: the example fails, as listed."""
    defect = DEFECTS[example.id]
    expected = _EXCEPTIONS[defect["exception"]]
    run = run_example(example, mock_answer(example.key))
    if run.error is None:
        pytest.fail(f"{example.id} no longer fails (listed as {defect['category']}: {defect['reason']}); "
                    f"remove it from {DEFECTS_FILE.relative_to(Path(__file__).parent.parent)}", pytrace=False)
    message = str(run.error)
    if type(run.error) is not expected:
        pytest.fail(f"{example.id} fails with {type(run.error).__name__}: {message}, listed as "
                    f"{defect['exception']} ({defect['category']})", pytrace=False)
    if not re.search(defect["match"], message):
        pytest.fail(f"{example.id} fails with {type(run.error).__name__}: {message!r}, which does "
                    f"not match the listed {defect['match']!r}", pytrace=False)
    assert not run.requests, f"{example.id} sent a request before failing"


def test_examples_are_all_accounted_for() -> None:
    unknown = set(DEFECTS) - {e.id for e in EXAMPLES}
    assert not unknown, f"{DEFECTS_FILE.name} lists examples that the docs do not have: {unknown}"
    assert len(WORKING) + len(DEFECTIVE) == len(EXAMPLES)
    assert len(CORPUS.operation_examples) == len(dx.VARIANTS) * len(CORPUS.operations)
    assert len(CORPUS.operations) == len(CORPUS.spec_operations) + len(CORPUS.stale_operations)
    assert set(CORPUS.spec_by_key) <= set(CORPUS.by_key), "every operation of the spec has its docs"
    stale = {e.id for op in CORPUS.stale_operations for e in op.examples.values()}
    assert stale == {d["id"] for d in DEFECTS.values() if d["category"] == "stale-page"}


def test_every_operation_gets_a_mock_answer() -> None:
    for op in CORPUS.operations:
        assert (mock_answer(op.key) is None) == (op.key not in CORPUS.spec_by_key), op.id


# ---------------------------------------------------------------------------
# The checks themselves catch what they should (synthetic runs, no SDK needed)
# ---------------------------------------------------------------------------

_CHECK_EXAMPLE = next(e for e in EXAMPLES if e.id == "checks.update_check[auth_sync]")
_CHECK_OP = CORPUS.operation_of(_CHECK_EXAMPLE)
_GOOD_PATH = "http://localhost:8888/api/checks/sample_target%2Fsample_category%2Fsample_check"


def _request(url: str = _GOOD_PATH, method: str = "PUT", auth: bool = True, body: Any = None,
             content_type: str = "application/json") -> httpx.Request:
    headers = {"Content-Type": content_type}
    if auth:
        headers["Authorization"] = f"Bearer {dx.AUTH_TOKEN}"
    if body is None:
        body = dict(_CHECK_OP.curl_body_json, standard=False)  # + a default value the curl omits
    return httpx.Request(method, url, headers=headers, content=json.dumps(body).encode())


def _kinds(*requests: httpx.Request, result: Any = None, error: BaseException | None = None) -> list[str]:
    run = Run({"call_result": result}, list(requests), error)
    problems = check_run(_CHECK_EXAMPLE, run, mock_answer(_CHECK_EXAMPLE.key))
    return [p.split("]")[0] + "]" for p in problems]


def test_check_run_accepts_a_correct_run() -> None:
    assert mock_answer(_CHECK_EXAMPLE.key).expected is None
    assert _kinds(_request()) == []


@pytest.mark.parametrize("requests, kinds", [
    (list, ["[requests]"]),
    (lambda: [_request(), _request()], ["[requests]"]),
    (lambda: [_request(method="POST")], ["[method]"]),
    (lambda: [_request(url="http://example.com:8888/api/checks/sample_target%2Fsample_category%2Fsample_check")],
     ["[url]"]),
    (lambda: [_request(url="http://localhost:8888/api/checks/sample_target/sample_category/sample_check")],
     ["[path-encoding]"]),
    (lambda: [_request(url="http://localhost:8888/api/checks/other")], ["[path]"]),
    (lambda: [_request(url=_GOOD_PATH + "?x=1")], ["[query]"]),
    (lambda: [_request(auth=False)], ["[auth]"]),
    (lambda: [_request(body={"check_name": "sample_check"})], ["[body]"]),
    (lambda: [_request(body=dict(_CHECK_OP.curl_body_json, help_text=None))], ["[body]"]),
    (lambda: [_request(body=dict(_CHECK_OP.curl_body_json, custom=False))], ["[body]"]),  # curl says true
    (lambda: [_request(content_type="text/plain")], ["[body-type]"]),
])
def test_check_run_reports(requests, kinds) -> None:
    assert _kinds(*requests()) == kinds


def test_check_run_reports_results_and_exceptions() -> None:
    assert _kinds(_request(), result={"a": 1}) == ["[result]"]
    assert _kinds(_request(), error=RuntimeError("boom")) == ["[exception]"]


def test_json_diff() -> None:
    assert json_diff({"a": [1, {"b": True}]}, {"a": [1.0, {"b": True}]}) == []
    assert json_diff({"a": 1}, {"a": True})  # booleans are not numbers
    assert json_diff({"a": 1}, {"a": 1, "b": False}) and not json_diff({"a": 1}, {"a": 1, "b": False}, subset=True)
    assert json_diff({"a": 1}, {"a": 1, "b": 0}, subset=True)
    assert json_diff([1, 2], [1], subset=True)
