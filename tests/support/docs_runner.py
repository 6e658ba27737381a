"""Run a documented Python example against a mock of DQOps, and check what it did.

Shared by the tests of upstream's docs (``test_docs_examples.py``) and of the reference
that ``make docs`` writes (``test_reference_docs.py``), and usable from scripts. A plain
module: no pytest in it.

- ``mock_answer``: what the mock answers for an operation, from its page and the spec.
- ``run_example``: the example, verbatim, with every HTTP request answered by the mock.
- ``check_run``: the problems of a run, each tagged with its kind (``[body] ...``): the one
  request (method, URL, query, auth, body) against the page's curl command, and the result
  against the documented answer.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import traceback
from dataclasses import dataclass
from types import CodeType
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import respx

from support import docs_examples as dx

#: Sample bodies for the non-JSON answers (the docs show none), and the value
#: that the example must get back: the text for a text/* answer, the bytes otherwise.
NON_JSON_BODIES = {
    "text/csv": (b"USD\nEUR\nGBP\n", "USD\nEUR\nGBP\n"),
    "application/octet-stream": (b"sample\x00bytes", b"sample\x00bytes"),
    "application/zip": (b"PK\x05\x06" + bytes(18), b"PK\x05\x06" + bytes(18)),
}


#: The schema DQOps's spec gives the answer of its Mono<Void> operations, which answer no body.
MONO_VOID = "MonoResponseEntityMonoVoid"


def _is_mono_void(schema: Any) -> bool:
    return isinstance(schema, dict) and str(schema.get("$ref", "")).endswith("/" + MONO_VOID)


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


def mock_answer(op: dx.Operation, sop: dx.SpecOperation, synthesized_json: str | None = None) -> MockAnswer:
    """What the mock answers: the spec's success status (a 200 without a body when it lists only
    an error), with the documented JSON where the operation answers JSON (or `synthesized_json`
    where the page shows none), a sample body for a download, and no body otherwise."""
    status = sop.success_status
    if status is None:  # e.g. start_cron_scheduler documents only 500, delete_check only 404
        assert len(sop.responses) == 1, (op.id, sop.responses)
        status = int(next(iter(sop.responses)))
        if status >= 400:
            # Only an error is documented (delete_check: 404 without a body; start_cron_scheduler:
            # 500 with Spring's error payload, which its page shows as the result). sync() raises
            # an error status, so the example describes the success: 200, no body.
            return MockAnswer(200, None, b"", None, "no body (the success the spec leaves out)")
    media_types = tuple(sop.responses[str(status)])
    if "application/json" in media_types and _is_mono_void(sop.responses[str(status)]["application/json"]) \
            and (op.documented_json_raw is None or op.documented_json == {}):
        # Spring's Mono<Void>: the spec (Swagger 2) gives it a schema, DQOps sends no body, with
        # the other success status the spec lists (201 "created") if there is one. The docs show
        # nothing, or `{ }`: their rendering of the empty MonoResponseEntityMonoVoid.
        bodyless = sorted(int(code) for code, content in sop.responses.items()
                          if code.isdigit() and 200 <= int(code) < 300 and not content)
        return MockAnswer(bodyless[0] if bodyless else status, None, b"", None,
                          f"no body: DQOps answers its Mono<Void> operations so ({MONO_VOID})")
    if "application/json" in media_types:
        if op.documented_json_raw is not None:
            return MockAnswer(
                status,
                "application/json",
                op.documented_json_raw.encode("utf-8"),
                op.documented_json,
                "the documented JSON",
            )
        if synthesized_json is None:
            raise AssertionError(f"{op.id}: the operation answers JSON and its page shows none")
        return MockAnswer(
            status,
            "application/json",
            synthesized_json.encode("utf-8"),
            json.loads(synthesized_json),
            "no documented answer: minimal JSON for the spec's schema",
        )
    assert not op.has_documented_json, op.id
    if media_types:
        [media_type] = media_types
        body, value = NON_JSON_BODIES[media_type]
        return MockAnswer(status, media_type, body, value, f"a sample {media_type} body")
    return MockAnswer(status, None, b"", None, "no body")


@dataclass
class Run:
    namespace: dict[str, Any]
    requests: list[httpx.Request]
    error: BaseException | None = None


@functools.cache
def compiled(example: dx.PythonExample) -> CodeType:
    return dx.compile_example(example, f"<{example.source}:{example.line} {example.id}>")


def run_example(example: dx.PythonExample, answer: MockAnswer | None = None) -> Run:
    """Run the example verbatim with every HTTP request answered by the mock. An example that
    does not compile fails like one that raises: with its SyntaxError in `Run.error`."""
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
            code = compiled(example)
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

    Those are the only kinds that upstream's examples send in addition to their curl
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
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in json_diff(e, a, f"{path}[{i}]", subset)]
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


def limited(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def result_problems(actual: Any, answer: MockAnswer) -> list[str]:
    """How a parsed value, as plain data (to_plain), differs from what the mock answered."""
    if isinstance(answer.expected, bytes) or isinstance(actual, bytes):
        if actual != answer.expected:
            return [f"[result] got {actual!r}, expected {answer.expected!r} ({answer.why})"]
        return []
    try:
        actual = json.loads(json.dumps(actual))
    except (TypeError, ValueError) as err:
        return [f"[result] to_dict() is not JSON data: {err}: {limited(repr(actual))}"]
    diff = json_diff(answer.expected, actual)
    return [f"[result] differs from {answer.why}:\n  " + "\n  ".join(diff[:20])] if diff else []


def check_run(
    example: dx.PythonExample,
    run: Run,
    answer: MockAnswer,
    op: dx.Operation,
    sop: dx.SpecOperation,
    exact: bool = False,
) -> list[str]:
    """All the problems of one run, each tagged with its kind: ``[kind] message``.

    `exact` holds the request to the page's curl command itself: the same raw path, query,
    Content-Type and body (the reference that ``make docs`` writes). Without it, the checks
    allow for what upstream's pages write differently from what is sent: unencoded path
    parameters, the spec's media type, and a curl body without the default values that
    Jackson leaves out.
    """
    problems: list[str] = []
    if run.error is not None:
        tb = "".join(traceback.format_exception(type(run.error), run.error, run.error.__traceback__))
        problems.append(f"[exception] {type(run.error).__name__}: {limited(str(run.error))}\n{tb}")
    if len(run.requests) != 1:
        problems.append(
            f"[requests] expected exactly 1 request, got {len(run.requests)}: "
            + ", ".join(f"{r.method} {r.url}" for r in run.requests)
        )
    if not run.requests:
        return problems
    request = run.requests[0]

    if request.method != op.method:
        problems.append(f"[method] expected {op.method}, sent {request.method}")
    url = request.url
    if (url.scheme, url.host, url.port) != ("http", "localhost", 8888):
        problems.append(f"[url] sent to {url}, expected http://localhost:8888/")
    raw_path, _, raw_query = url.raw_path.decode("ascii").partition("?")
    if exact:
        if raw_path != op.curl_path:
            problems.append(f"[path] sent {raw_path!r}, expected {op.curl_path!r}")
    elif unquote(raw_path) != op.curl_path:
        problems.append(f"[path] sent {raw_path!r}, expected (decoded) {op.curl_path!r}")
    elif raw_path.count("/") != op.path_template.count("/") + 1:
        problems.append(
            f"[path-encoding] sent {raw_path!r}: a path parameter was split into several "
            f"segments (template {op.path_template!r})"
        )
    if (
        parse_qsl(raw_query, keep_blank_values=True) != parse_qsl(op.curl_query, keep_blank_values=True)
        if exact
        else raw_query != op.curl_query
    ):
        problems.append(f"[query] sent query {raw_query!r}, expected {op.curl_query!r}")

    auth = request.headers.get_list("Authorization")
    expected_auth = [f"Bearer {dx.AUTH_TOKEN}"] if example.is_auth else []
    if auth != expected_auth:
        problems.append(f"[auth] Authorization headers {auth}, expected {expected_auth}")

    problems += body_problems(request, op, sop, exact)

    if run.error is None:
        if "call_result" not in run.namespace:
            # An operation that never answers a body returns None, which the reference does not
            # assign (mypy --strict rejects it); upstream's pages assign it all the same.
            if not (exact and answer.expected is None):
                problems.append("[result] the example set no call_result")
        else:
            problems += result_problems(to_plain(run.namespace["call_result"]), answer)
    return problems


def curl_content_type(op: dx.Operation) -> str | None:
    for header in op.curl.headers:
        name, _, value = header.partition(":")
        if name.strip().lower() == "content-type":
            return value.strip()
    return None


def body_problems(request: httpx.Request, op: dx.Operation, sop: dx.SpecOperation, exact: bool) -> list[str]:
    content = request.content
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
    if not op.has_curl_body:
        return [f"[body] sent a body {limited(repr(content))}, the operation has none"] if content else []
    expected_type = curl_content_type(op) if exact else sop.request_media_types[0]
    if content_type != expected_type:
        return [f"[body-type] Content-Type {content_type!r}, expected {expected_type!r}"]
    if expected_type == "application/json":
        try:
            sent = json.loads(content)
        except ValueError:
            return [f"[body] not JSON: {limited(repr(content))}"]
        diff = json_diff(op.curl_body_json, sent, subset=not exact)
        return ["[body] differs from the curl body:\n  " + "\n  ".join(diff[:20])] if diff else []
    # A text body: the curl body itself, or on upstream's pages the JSON string of the text.
    expected_text = op.curl.body if exact else op.curl_body_json
    if content.decode("utf-8", "replace") != expected_text:
        return [f"[body] sent {content!r}, expected {expected_text!r} as text"]
    return []
