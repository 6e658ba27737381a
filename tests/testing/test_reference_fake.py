"""The reference's examples run against `dqops.testing.FakeDQOps`, over real HTTP.

The same 1,364 examples as test_reference_docs.py (four an operation, from the pages that
`make docs` writes, generated once per session by reference_docs.py), each run verbatim but for
its URL, `http://localhost:8888/`, which points at one FakeDQOps per test process. Each must:

- send exactly the request of the page's curl command, as the fake received it over the wire
  (method, raw path, query, Content-Type, body, the Bearer token of the auth examples, none
  otherwise): docs_runner.check_run, exact;
- return, parsed, what the fake answered: the documented answer (the same JSON the page shows,
  with the documented status) for every operation but those of the job queue, and for those
  (starting, finding, waiting for, cancelling jobs, the change feed) the fake's job model, whose
  answer the SDK must parse back to the same JSON. A job the example names by the page's sample
  id (`sample_job_id`) is started before the example runs, under that business key.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

import httpx
import pytest
from support import docs_examples as dx
from support import docs_runner, reference_docs

from dqops.testing import FakeDQOps, RecordedRequest
from dqops.testing._fake import JOB_QUEUE_OPERATIONS
from dqops.testing._routes import route_table

GENERATED = reference_docs.generated()
EXAMPLES = GENERATED.examples
OPERATIONS = {op.key: op for op in GENERATED.operations}
DOCS_BASE_URL = "http://localhost:8888/"


#: The conftest's `shared_fake`, one for the module, with these options.
pytestmark = pytest.mark.fake_dqops(job_delay=0, change_feed_wait=0.2)


def start_job_named(fake: FakeDQOps, op: dx.Operation) -> None:
    """Start a job under the business key the example names it by (the page's sample job id)."""
    job_id = op.curl_path.split("/")[4] if "{jobId}" in op.path_template else "sample_job_id"
    start = "api/jobs/collecterrorsamples" if "collecterrorsamples" in op.path_template else "api/jobs/runchecks"
    answer = httpx.post(fake.base_url + start, params={"jobBusinessKey": job_id, "wait": "false"}, json={})
    assert answer.status_code == 201, answer.text


def run_against(fake: FakeDQOps, example: dx.PythonExample) -> tuple[BaseException | None, dict[str, Any]]:
    """Run the example with its URL pointed at the fake; closes the clients it made."""
    from dqops._runtime.client import Client

    namespace: dict[str, Any] = {"__name__": "__docs_example__"}
    code = example.code.replace(DOCS_BASE_URL, fake.base_url)
    error: BaseException | None = None
    try:
        compiled = dx.compile_example(dx.PythonExample(**{**vars(example), "code": code}), f"<{example.id}>")
        if compiled.co_flags & inspect.CO_COROUTINE:
            asyncio.run(eval(compiled, namespace))
        else:
            exec(compiled, namespace)  # noqa: S102 - running the docs is the point
    except Exception as err:  # noqa: BLE001 - reported by the test
        error = err
    finally:
        for value in namespace.values():
            if isinstance(value, Client):
                value.close()
    return error, namespace


def is_job_queue_operation(op: dx.Operation) -> bool:
    route = route_table().match(op.method, "/" + op.path_template)
    assert route is not None, f"{op.id}: the fake has no route {op.method} /{op.path_template}"
    return route[0].operation_id in JOB_QUEUE_OPERATIONS


def job_queue_answer(received: RecordedRequest) -> docs_runner.MockAnswer:
    """What the fake's job queue answered (JSON, or no body), as what the example must get back."""
    value = json.loads(received.response) if received.response else None
    content_type = "application/json" if received.response else None
    assert received.status is not None
    return docs_runner.MockAnswer(received.status, content_type, received.response, value, "the fake's job queue")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_reference_example_against_the_fake(example: dx.PythonExample, shared_fake: FakeDQOps) -> None:
    problems = problems_against(shared_fake, example)
    assert not problems, f"{example.id} ({example.source}:{example.line}):\n" + "\n".join(problems)


@pytest.mark.fake_dqops(api_key="another key")
def test_the_checks_report_an_answer_that_is_not_the_documented_one(fake_dqops: FakeDQOps) -> None:
    """The same checks, against a fake that refuses every call (it requires another API key):
    the example raises Unauthorized, and its result is missing."""
    example = OPERATIONS[("connections", "get_all_connections")].examples["auth_sync"]
    problems = problems_against(fake_dqops, example)
    assert [problem.split("]")[0] + "]" for problem in problems] == ["[status]", "[exception]"]
    assert "Unauthorized" in problems[1]


def problems_against(fake: FakeDQOps, example: dx.PythonExample) -> list[str]:
    """Everything wrong with one run of the example against `fake`, each tagged with its kind."""
    op = OPERATIONS[example.key]
    job_queue = is_job_queue_operation(op)
    if job_queue:
        start_job_named(fake, op)
    fake.clear_requests()
    error, namespace = run_against(fake, example)
    received = fake.requests
    requests = [
        httpx.Request(r.method, DOCS_BASE_URL.rstrip("/") + r.target, headers=r.headers, content=r.body)
        for r in received
    ]
    run = docs_runner.Run(namespace, requests, error)
    documented = docs_runner.mock_answer(op, GENERATED.spec_of(op))
    answer = documented
    problems = []
    if len(received) == 1:
        if received[0].status is None:
            problems.append("[answer] the fake did not answer")
        elif job_queue:
            answer = job_queue_answer(received[0])
        elif received[0].status != documented.status:
            problems.append(f"[status] the fake answered {received[0].status}, documented {documented.status}")
    problems += docs_runner.check_run(example, run, answer, op, GENERATED.spec_of(op), exact=True)
    return problems
