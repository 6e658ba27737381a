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

import asyncio
import functools
import inspect
import json
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import respx

sys.path.insert(0, str(Path(__file__).parent))  # works with any --import-mode
import docs_examples as dx

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

#: Sample bodies for the non-JSON answers (the docs show none), and the value
#: that the example must get back: the text for a text/* answer, the bytes otherwise.
NON_JSON_BODIES = {
    "text/csv": (b"USD\nEUR\nGBP\n", "USD\nEUR\nGBP\n"),
    "application/octet-stream": (b"sample\x00bytes", b"sample\x00bytes"),
}


# ---------------------------------------------------------------------------
# The mock's answer
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MockAnswer:
    status: int
    content_type: str | None
    content: bytes
    expected: Any  # the value that the example must get back, as plain JSON data
    why: str

    def response(self, request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": self.content_type} if self.content_type else {}
        return httpx.Response(self.status, headers=headers, content=self.content)


MONO_VOID = "MonoResponseEntityMonoVoid"


def _is_mono_void(schema: Any) -> bool:
    return isinstance(schema, dict) and str(schema.get("$ref", "")).endswith("/" + MONO_VOID)


@functools.cache
def mock_answer(key: tuple[str, str]) -> MockAnswer | None:
    """What the mock answers for this operation; None for a stale page's (the spec has no such operation)."""
    if key not in CORPUS.spec_by_key:
        return None
    op = CORPUS.by_key[key]
    sop = CORPUS.spec_by_key[key]
    status = sop.success_status
    if status is None:  # e.g. start_cron_scheduler documents only 500, delete_check only 404
        assert len(sop.responses) == 1, (op.id, sop.responses)
        status = int(next(iter(sop.responses)))
        if status >= 400:
            # Only an error is documented (delete_check: 404 without a body, start_cron_scheduler:
            # 500 with Spring's error payload, which its docs show as the result). sync() and
            # asyncio() raise an error status, so the example describes the success, which DQOps
            # answers with 200 and no body.
            return MockAnswer(200, None, b"", None, "no body (the success the spec leaves out)")
    media_types = tuple(sop.responses[str(status)])
    if "application/json" in media_types and _is_mono_void(sop.responses[str(status)]["application/json"]) \
            and (not op.has_documented_json or op.documented_json == {}):
        # Spring's Mono<Void>: the spec (Swagger 2) gives it a schema, DQOps sends no body, with
        # the other success status the spec lists (201 "created") if there is one. The docs show
        # nothing, or `{ }`: their rendering of the empty MonoResponseEntityMonoVoid.
        bodyless = sorted(int(code) for code, content in sop.responses.items()
                          if code.isdigit() and 200 <= int(code) < 300 and not content)
        return MockAnswer(bodyless[0] if bodyless else status, None, b"", None,
                          f"no body: DQOps answers its Mono<Void> operations so ({MONO_VOID})")
    if "application/json" in media_types:
        if op.has_documented_json:
            return MockAnswer(status, "application/json", op.documented_json_raw.encode("utf-8"),
                              op.documented_json, "the documented JSON")
        text = SYNTHESIZED_JSON[key]
        return MockAnswer(status, "application/json", text.encode("utf-8"), json.loads(text),
                          "no documented answer: minimal JSON for the spec's schema")
    assert not op.has_documented_json, op.id
    if media_types:
        [media_type] = media_types
        body, value = NON_JSON_BODIES[media_type]
        return MockAnswer(status, media_type, body, value, f"a sample {media_type} body")
    return MockAnswer(status, None, b"", None, "no body")


# ---------------------------------------------------------------------------
# Running an example
# ---------------------------------------------------------------------------


@functools.cache
def compiled(example_id: str):
    example = next(e for e in EXAMPLES if e.id == example_id)
    return dx.compile_example(example, f"<{example.source}:{example.line} {example.id}>")


@dataclass
class Run:
    namespace: dict[str, Any]
    requests: list[httpx.Request]
    error: BaseException | None = None


def run_example(example: dx.PythonExample, answer: MockAnswer | None = None) -> Run:
    """Run the example verbatim with every HTTP request answered by the mock."""
    namespace: dict[str, Any] = {"__name__": "__docs_example__"}
    requests: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if answer is None:
            return httpx.Response(599, content=b"")
        return answer.response(request)

    run = Run(namespace, requests)
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.route().mock(side_effect=respond)
        try:
            code = compiled(example.id)
            if code.co_flags & inspect.CO_COROUTINE:
                asyncio.run(eval(code, namespace))
            else:
                exec(code, namespace)  # noqa: S102 - running the docs is the point
        except Exception as err:  # noqa: BLE001 - reported by the caller
            run.error = err
    return run


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------


def _is_default(value: Any) -> bool:
    """A value that a curl body may leave out: ``false`` or an empty object/array.

    Those are the only kinds that the examples send in addition to their curl
    body (always_collect_error_samples, disabled, ... = false; parameters,
    comparisons, groupings, ... = {}): Jackson omits them.  ``null``, ``0`` and
    ``""`` are deliberately not accepted.
    """
    return value is False or (isinstance(value, (dict, list)) and not value)


def json_diff(expected: Any, actual: Any, path: str = "$", subset: bool = False) -> list[str]:
    """Differences between two JSON values (numbers by value; booleans are not numbers).

    With ``subset``, ``actual`` may hold more object members than ``expected``
    provided that they are default values (what Jackson leaves out).
    """
    def kind(v: Any) -> str:
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, (int, float)):
            return "number"
        return type(v).__name__

    if kind(expected) != kind(actual):
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, dict):
        out = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{path}.{k}: missing (expected {v!r})")
            else:
                out += json_diff(v, actual[k], f"{path}.{k}", subset)
        for k in actual:
            if k not in expected and not (subset and _is_default(actual[k])):
                out.append(f"{path}.{k}: unexpected {actual[k]!r}")
        return out
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} items, got {len(actual)}: {actual!r}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual))
                for d in json_diff(e, a, f"{path}[{i}]", subset)]
    if expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def to_plain(value: Any) -> Any:
    """``call_result`` as plain JSON data: to_dict() of models, lists of them, primitives."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if hasattr(value, "payload") and hasattr(value.payload, "read"):  # a File (binary answer)
        return value.payload.read()
    return value


def _limited(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def check_run(example: dx.PythonExample, run: Run, answer: MockAnswer) -> list[str]:
    """All the problems of one run, each tagged with its kind: ``[kind] message``."""
    op = CORPUS.operation_of(example)
    sop = CORPUS.spec_of(example)
    problems: list[str] = []
    if run.error is not None:
        tb = "".join(traceback.format_exception(type(run.error), run.error, run.error.__traceback__))
        problems.append(f"[exception] {type(run.error).__name__}: {_limited(str(run.error))}\n{tb}")
    if len(run.requests) != 1:
        problems.append(f"[requests] expected exactly 1 request, got {len(run.requests)}: "
                        + ", ".join(f"{r.method} {r.url}" for r in run.requests))
    if not run.requests:
        return problems
    request = run.requests[0]

    if request.method != op.method:
        problems.append(f"[method] expected {op.method}, sent {request.method}")
    url = request.url
    if (url.scheme, url.host, url.port) != ("http", "localhost", 8888):
        problems.append(f"[url] sent to {url}, expected http://localhost:8888/")
    raw_path, _, raw_query = url.raw_path.decode("ascii").partition("?")
    if unquote(raw_path) != op.curl_path:
        problems.append(f"[path] sent {raw_path!r}, expected (decoded) {op.curl_path!r}")
    elif raw_path.count("/") != op.path_template.count("/") + 1:
        problems.append(f"[path-encoding] sent {raw_path!r}: a path parameter was split into several "
                        f"segments (template {op.path_template!r})")
    if raw_query != op.curl_query:
        problems.append(f"[query] sent query {raw_query!r}, expected {op.curl_query!r}")

    auth = request.headers.get_list("Authorization")
    expected_auth = [f"Bearer {dx.AUTH_TOKEN}"] if example.is_auth else []
    if auth != expected_auth:
        problems.append(f"[auth] Authorization headers {auth}, expected {expected_auth}")

    content = request.content
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
    if op.has_curl_body:
        expected_type = sop.request_media_types[0]
        if content_type != expected_type:
            problems.append(f"[body-type] Content-Type {content_type!r}, expected {expected_type!r}")
        if expected_type == "application/json":
            try:
                sent = json.loads(content)
            except ValueError:
                problems.append(f"[body] not JSON: {_limited(repr(content))}")
            else:
                diff = json_diff(op.curl_body_json, sent, subset=True)
                if diff:
                    problems.append("[body] differs from the curl body:\n  " + "\n  ".join(diff[:20]))
        else:  # text/plain: the curl body is the JSON string of the text
            if content.decode("utf-8", "replace") != op.curl_body_json:
                problems.append(f"[body] sent {content!r}, expected {op.curl_body_json!r} as text")
    elif content:
        problems.append(f"[body] sent a body {_limited(repr(content))}, the operation has none")

    if run.error is None:
        if "call_result" not in run.namespace:
            problems.append("[result] the example set no call_result")
        else:
            actual = to_plain(run.namespace["call_result"])
            if isinstance(answer.expected, bytes) or isinstance(actual, bytes):
                if actual != answer.expected:
                    problems.append(f"[result] got {actual!r}, expected {answer.expected!r} "
                                    f"({answer.why})")
            else:
                try:
                    actual = json.loads(json.dumps(actual))
                except (TypeError, ValueError) as err:
                    problems.append(f"[result] to_dict() is not JSON data: {err}: {_limited(repr(actual))}")
                else:
                    diff = json_diff(answer.expected, actual)
                    if diff:
                        problems.append(f"[result] differs from {answer.why}:\n  " + "\n  ".join(diff[:20]))
    return problems


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
