"""Contract tests: every operation of the spec, called through the SDK, against a strict Prism mock.

Prism runs on the cleaned spec with ``--errors`` (a request that violates the spec gets a 4xx
instead of a mocked answer) and in dynamic mode with a fixed seed (``--dynamic --seed``): each
answer is generated from the response schema, with every optional property filled in, and the
same request always gets the same answer. For each of the spec's operations, once with
``sync_detailed`` and once with ``asyncio_detailed``, the test calls the SDK with arguments built
from the spec (``spec_arguments``: path parameters, every query parameter, a body built from
the body schema) and checks:

- Prism accepted the request: no request violation (``sl-violations``), no Prism 4xx;
- the status is one the operation documents;
- the SDK parsed the answer: the parsed value is present when the status documents content,
  and its ``to_dict()`` gives back exactly the JSON Prism sent. A documented error status
  without content (``DELETE /api/checks/{fullCheckName}`` documents only 404) must surface as
  the typed error for that status (``errors.NotFound``).

Prism quirks, handled where they occur and counted in the summary:

- json-schema-faker sometimes crashes while generating a dynamic answer (a 500 "UNKNOWN"
  problem whose title is a TypeError inside json-schema-faker). That request is sent once more
  with ``Prefer: dynamic=false``: Prism's static answer is generated from the same schema.
- ``PRISM_CANNOT_ANSWER``: operations whose documented answer Prism cannot serialize at all.
  Their requests are still checked for acceptance; the test then xfails, and fails as soon as
  Prism does answer (so the entry is removed when the spec is fixed).

A negative control checks that the setup can fail: a body of the wrong type gets Prism's 422,
which the SDK raises as ``errors.ApiStatusError``; a client without the API key gets
``errors.Unauthorized``.

At the end of the run a line ``contract: N operations exercised, M requests accepted, K answers
parsed (of N operations x sync+asyncio)`` is printed (tests/summaries.py, from what each test
recorded).

The last test runs ``scripts/demo.py --prism`` on a free port and checks its four steps, sync and
async (``make demo`` runs it against dqops.testing.FakeDQOps: tests/test_fake_dqops.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import build_commands
import httpx
import pytest
import spec_arguments
import spec_facts
from contract_totals import ContractTotals

from scripts.prism import REPO_ROOT, PrismServer, free_loopback_port, invalid_request_status, running_prism

#: The seed of Prism's dynamic answers: the same seed, the same answers. DQOPS_CONTRACT_SEED
#: overrides it, to look for answers the SDK cannot parse with other generated data.
PRISM_SEED = os.environ.get("DQOPS_CONTRACT_SEED") or "dqops-sdk-contract"
#: Big answers (a TableSpec with every check filled in is megabytes) take Prism a while.
REQUEST_TIMEOUT_SECONDS = 300.0
TOKEN = "test-token"
MODES = ("sync", "asyncio")
PRISM_PROBLEM_PREFIX = "https://stoplight.io/prism/errors#"
# json-schema-faker's crash while generating a dynamic answer (a Prism quirk, not the SDK's).
GENERATOR_CRASH = re.compile(r"json-schema-faker", re.IGNORECASE)

#: Operations whose documented answer Prism cannot produce, with the reason. Empty since
#: openapi/overlay.json gives the two downloads the schema of their bytes / text (upstream's
#: serializer declared an array of byte strings, which Prism could not mock); an entry added
#: here fails the test as soon as Prism answers the operation.
PRISM_CANNOT_ANSWER: dict[str, str] = {}

DEMO_TIMEOUT_SECONDS = 180.0
DEMO_STEPS = ("list connections", "run checks", "wait for the job", "table data quality status")


# ---------------------------------------------------------------------------
# The operations, from the spec
# ---------------------------------------------------------------------------


def _load_spec() -> tuple[dict[str, Any] | None, str | None]:
    try:
        return spec_facts.cleaned_spec(), None
    except FileNotFoundError as exc:
        return None, str(exc)


SPEC, SPEC_PROBLEM = _load_spec()
OPERATIONS: dict[str, spec_facts.OperationFact] = (
    {op.id: op for op in spec_facts.operations(SPEC)} if SPEC is not None else {}
)
# All sync calls first, then all async ones: the second pass finds Prism's schema caches warm.
CASES = [(mode, operation_id) for mode in MODES for operation_id in OPERATIONS]


def _require_spec() -> dict[str, Any]:
    if SPEC is None:
        pytest.fail(f"{SPEC_PROBLEM}: run `make generate` before the tests", pytrace=False)
    return SPEC


# ---------------------------------------------------------------------------
# Totals and the terminal summary
# ---------------------------------------------------------------------------


@pytest.fixture
def totals(record_property: Any) -> Iterator[ContractTotals]:
    """What this test sees, recorded with its report for the run's summary (tests/summaries.py)."""
    seen = ContractTotals(operation_count=len(OPERATIONS))
    yield seen
    record_property("contract_totals", seen.as_record())


# ---------------------------------------------------------------------------
# Fixtures: Prism, the SDK client, an event loop for the async calls
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prism_server() -> Iterator[PrismServer]:
    spec = _require_spec()
    assert spec is not None
    with running_prism(spec_facts.CLEANED_SPEC_PATH, extra_arguments=["--dynamic", "--seed", PRISM_SEED]) as server:
        yield server


@pytest.fixture(scope="module")
def sdk() -> Any:
    """The generated package: ``dqops.client`` with its ``errors``."""
    try:
        from dqops import client
        from dqops.client import errors
    except ImportError as exc:  # pragma: no cover - only without `make generate`
        pytest.fail(f"cannot import dqops.client ({exc}): run `make generate`", pytrace=False)
    return dataclasses.make_dataclass("Sdk", ["client", "errors"])(client, errors)


@pytest.fixture(scope="module")
def event_loop_runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture(scope="module")
def contract_client(prism_server: PrismServer, sdk: Any, event_loop_runner: asyncio.Runner) -> Iterator[Any]:
    dqops_client = sdk.client.AuthenticatedClient(
        prism_server.base_url, token=TOKEN, raise_on_unexpected_status=True, timeout=REQUEST_TIMEOUT_SECONDS
    )
    yield dqops_client
    dqops_client.close()
    event_loop_runner.run(dqops_client.aclose())


# ---------------------------------------------------------------------------
# Calling an operation and judging Prism's answer
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    """One call: the SDK's Response, or the exception it raised (with the HTTP response, if any)."""

    response: Any = None  # dqops.client.types.Response
    error: BaseException | None = None
    http: httpx.Response | None = None

    @property
    def status_code(self) -> int | None:
        if self.response is not None:
            return int(self.response.status_code)
        return None if self.http is None else self.http.status_code

    @property
    def headers(self) -> httpx.Headers:
        if self.response is not None:
            return httpx.Headers(self.response.headers)
        return self.http.headers if self.http is not None else httpx.Headers()

    @property
    def content(self) -> bytes:
        if self.response is not None:
            return bytes(self.response.content)
        if self.http is not None:
            return self.http.content
        return bytes(getattr(self.error, "content", b"") or b"")


def _http_response_of(error: BaseException) -> httpx.Response | None:
    response = getattr(error, "response", None)
    return response if isinstance(response, httpx.Response) else None


def call_operation(
    mode: str, module: Any, dqops_client: Any, arguments: spec_arguments.CallArguments, runner: asyncio.Runner
) -> Outcome:
    try:
        if mode == "sync":
            response = module.sync_detailed(*arguments.args, client=dqops_client, **arguments.kwargs)
        else:
            response = runner.run(module.asyncio_detailed(*arguments.args, client=dqops_client, **arguments.kwargs))
    except Exception as exc:  # noqa: BLE001 - judged by the caller: typed errors are expected for error statuses
        return Outcome(error=exc, http=_http_response_of(exc))
    return Outcome(response=response)


def prism_problem(outcome: Outcome) -> dict[str, Any] | None:
    """Prism's own problem document (a validation error, a generator crash...), else None."""
    if not outcome.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    try:
        problem = json.loads(outcome.content)
    except ValueError:
        return None
    if isinstance(problem, dict) and str(problem.get("type", "")).startswith(PRISM_PROBLEM_PREFIX):
        return problem
    return None


def violations(outcome: Outcome) -> list[dict[str, Any]]:
    raw = outcome.headers.get("sl-violations")
    if not raw:
        return []
    try:
        found = json.loads(raw)
    except ValueError:
        return [{"location": ["?"], "message": raw}]
    return found if isinstance(found, list) else [found]


def request_violations(outcome: Outcome) -> list[dict[str, Any]]:
    return [v for v in violations(outcome) if (v.get("location") or ["?"])[0] != "response"]


def is_generator_crash(outcome: Outcome) -> bool:
    problem = prism_problem(outcome)
    return (
        problem is not None
        and outcome.status_code == 500
        and problem.get("type") == PRISM_PROBLEM_PREFIX + "UNKNOWN"
        and bool(GENERATOR_CRASH.search(str(problem.get("title", ""))))
    )


def prism_cannot_answer(outcome: Outcome) -> bool:
    """Prism's 500 for an answer it cannot make: one that breaks the schema, or that it cannot serialize."""
    problem = prism_problem(outcome)
    if problem is None or outcome.status_code != 500:
        return False
    if problem.get("type") == PRISM_PROBLEM_PREFIX + "NO_COMPLEX_OBJECT_TEXT" or "Cannot find serializer" in str(
        problem.get("title")
    ):
        return True
    found = violations(outcome)
    return bool(found) and all((v.get("location") or ["?"])[0] == "response" for v in found)


def accepted_by_prism(outcome: Outcome) -> bool:
    """Prism took the request as valid: no request violation and none of Prism's 4xx problems."""
    if outcome.status_code is None:
        return False
    if request_violations(outcome):
        return False
    problem = prism_problem(outcome)
    return not (problem is not None and outcome.status_code < 500)


def to_json(value: Any) -> Any:
    """The JSON value of what the SDK parsed (models, lists and maps of them, enums, primitives)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, str):
        return str(value)
    return value


def first_difference(expected: Any, actual: Any, path: str = "$") -> str | None:
    if type(expected) is not type(actual) and not (
        isinstance(expected, (int, float)) and isinstance(actual, (int, float)) and not isinstance(expected, bool)
    ):
        return f"{path}: sent {json.dumps(expected)[:200]}, to_dict() gives {json.dumps(actual, default=repr)[:200]}"
    if isinstance(expected, dict):
        for key in expected.keys() | actual.keys():
            if key not in actual:
                return f"{path}.{key}: missing after to_dict()"
            if key not in expected:
                return f"{path}.{key}: added by to_dict()"
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items sent, {len(actual)} after to_dict()"
        for index, (left, right) in enumerate(zip(expected, actual)):
            found = first_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if expected == actual else f"{path}: sent {expected!r}, to_dict() gives {actual!r}"


def documented_media_types(op: spec_facts.OperationFact, status: int) -> tuple[str, ...]:
    return tuple((op.responses.get(str(status)) or {}).get("content") or {})


def excerpt(content: bytes, limit: int = 1500) -> str:
    text = content.decode("utf-8", errors="replace")
    return text if len(text) <= limit else f"{text[:limit]}... [{len(text) - limit} more characters]"


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------


def test_every_operation_of_the_spec_is_a_case() -> None:
    spec = _require_spec()
    assert len(OPERATIONS) == spec_facts.operation_count(spec)
    assert len(CASES) == len(MODES) * spec_facts.operation_count(spec)
    assert set(PRISM_CANNOT_ANSWER) <= set(OPERATIONS)


@pytest.mark.parametrize(("mode", "operation_id"), CASES, ids=[f"{mode}:{op}" for mode, op in CASES])
def test_operation_contract(
    mode: str,
    operation_id: str,
    sdk: Any,
    contract_client: Any,
    event_loop_runner: asyncio.Runner,
    totals: ContractTotals,
    prism_server: PrismServer,
) -> None:
    spec = _require_spec()
    op = OPERATIONS[operation_id]
    try:
        arguments = spec_arguments.call_arguments(spec, op)
    except Exception as exc:  # noqa: BLE001 - any failure of the SDK's models is the finding
        pytest.fail(f"{op.id}: could not build the call's arguments with the SDK's models: {type(exc).__name__}: {exc}")
    module = arguments.module
    where = f"{mode} {op.id}: {arguments.describe()}"

    if prism_server.process.poll() is not None:
        pytest.fail(f"Prism exited earlier with code {prism_server.process.returncode}", pytrace=False)
    outcome = call_operation(mode, module, contract_client, arguments, event_loop_runner)
    if outcome.status_code is None:
        exited = prism_server.process.poll()
        state = "running" if exited is None else f"exited with code {exited}"
        tail = "\n".join(prism_server.output_lines()[-30:])
        pytest.fail(
            f"{where}\nno answer from Prism ({state}): {type(outcome.error).__name__}: {outcome.error}\n"
            f"Prism's last lines:\n{tail}"
        )
    totals.sent += 1
    totals.exercised.add(op.id)
    if is_generator_crash(outcome) and accepted_by_prism(outcome):
        # json-schema-faker crashed on this answer: ask for Prism's static answer instead.
        totals.static_fallbacks.append(f"{mode}:{op.id}")
        static_client = contract_client.with_options(headers={"Prefer": "dynamic=false"})
        outcome = call_operation(mode, module, static_client, arguments, event_loop_runner)
        totals.sent += 1

    if not accepted_by_prism(outcome):
        pytest.fail(
            f"{where}\nPrism rejected the request with HTTP {outcome.status_code}:\n"
            f"violations: {json.dumps(request_violations(outcome), indent=1)}\n{excerpt(outcome.content)}"
        )
    totals.accepted += 1

    if op.id in PRISM_CANNOT_ANSWER:
        if prism_cannot_answer(outcome):
            totals.prism_cannot_answer.append(f"{mode}:{op.id}")
            pytest.xfail(PRISM_CANNOT_ANSWER[op.id])
        pytest.fail(
            f"{where}\nPrism now answers this operation (HTTP {outcome.status_code}): remove it from "
            f"PRISM_CANNOT_ANSWER\n{excerpt(outcome.content)}"
        )

    status = outcome.status_code
    problem = prism_problem(outcome)
    assert problem is None, f"{where}\nPrism could not answer (HTTP {status}): {excerpt(outcome.content)}"
    assert str(status) in op.responses, (
        f"{where}\nHTTP {status} is not documented (documented: {sorted(op.responses)})\n{excerpt(outcome.content)}"
    )

    media_types = documented_media_types(op, status)
    if outcome.error is not None:
        error = outcome.error
        if isinstance(error, sdk.errors.ResponseDecodingError):
            pytest.fail(
                f"{where}\nthe SDK could not parse Prism's answer (HTTP {status}): {error}\n"
                f"answer: {excerpt(outcome.content)}"
            )
        # A documented error status without content: the SDK raises the typed error for it.
        assert not media_types and status >= 400, (
            f"{where}\nthe SDK raised {type(error).__name__}: {error}\nfor a documented HTTP {status} "
            f"with content {media_types}\nanswer: {excerpt(outcome.content)}"
        )
        expected_class = sdk.errors.status_error_class(status) if hasattr(sdk.errors, "status_error_class") else None
        assert isinstance(error, sdk.errors.ApiStatusError), f"{where}\n{type(error).__name__}: {error}"
        assert error.status_code == status
        if expected_class is not None:
            assert type(error) is expected_class, f"{where}\n{type(error).__name__} raised for HTTP {status}"
        totals.typed_errors += 1
        totals.parsed += 1
        return

    parsed = outcome.response.parsed
    if not media_types or not outcome.content:
        assert parsed is None, f"{where}\nHTTP {status} documents no content, yet the SDK parsed {parsed!r}"[:3000]
        totals.parsed += 1
        return
    if "application/json" not in media_types:
        # The downloads: the file's bytes, or its text for a text/* answer, exactly as sent.
        expected: Any = outcome.content
        if all(media_type.startswith("text/") for media_type in media_types):
            expected = outcome.content.decode("utf-8")
        assert parsed == expected, f"{where}\nthe SDK returned {type(parsed).__name__} {parsed!r:.200}"
        totals.parsed += 1
        return
    answer = json.loads(outcome.content)
    assert parsed is not None or answer is None, f"{where}\nthe SDK parsed nothing from {excerpt(outcome.content)}"
    difference = first_difference(answer, to_json(parsed))
    assert difference is None, (
        f"{where}\nthe parsed answer does not give back Prism's JSON: {difference}\n"
        f"parsed type: {type(parsed).__name__}"
    )
    totals.parsed += 1


def test_prism_rejects_a_body_of_the_wrong_type(sdk: Any, contract_client: Any) -> None:
    """Negative control: the contract tests can fail. Prism refuses the body, the SDK raises it typed.

    The SDK refuses a body of the wrong Python type before sending it; a mapping is sent as given,
    so a field of the wrong JSON type reaches Prism."""
    from dqops.client.api.jobs import run_checks

    with pytest.raises(sdk.errors.ApiStatusError) as raised:
        run_checks.sync_detailed(client=contract_client, json_body={"check_search_filters": [1, 2]})

    error = raised.value
    assert isinstance(error, sdk.errors.UnexpectedStatus)
    status = invalid_request_status(spec_facts.cleaned_spec()["paths"]["/api/jobs/runchecks"]["post"])
    assert error.status_code == status, error
    assert error.method == "POST" and error.url.endswith("/api/jobs/runchecks")
    # The judge of the contract tests sees the rejection too.
    outcome = Outcome(error=error, http=_http_response_of(error))
    assert not accepted_by_prism(outcome)
    if status == 422:  # Prism's own problem document
        location = error.payload["validation"][0]["location"] if error.payload else None
        assert location == ["body", "check_search_filters"], error.text
        assert (prism_problem(outcome) or {}).get("type") == PRISM_PROBLEM_PREFIX + "UNPROCESSABLE_ENTITY"
    else:  # the operation's documented 400, with the violations in a header
        locations = [v["location"] for v in request_violations(outcome)]
        assert locations == [["request", "body", "check_search_filters"]], locations


def test_prism_rejects_a_call_without_the_api_key(sdk: Any, prism_server: PrismServer) -> None:
    from dqops.client.api.connections import get_all_connections

    anonymous = sdk.client.Client(prism_server.base_url, raise_on_unexpected_status=True, timeout=60)
    with anonymous, pytest.raises(sdk.errors.Unauthorized) as raised:
        get_all_connections.sync(client=anonymous)
    assert raised.value.status_code == 401


def test_prism_logged_no_problem_at_startup(prism_server: PrismServer) -> None:
    assert prism_server.startup_problems() == [], prism_server.output()


# ---------------------------------------------------------------------------
# scripts/demo.py
# ---------------------------------------------------------------------------


def test_demo_runs_the_guide_sync_and_async() -> None:
    _require_spec()
    port = free_loopback_port()
    started = time.monotonic()
    completed = subprocess.run(
        build_commands.command("demo", "--prism", "--port", port),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_SECONDS,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    for mode in ("sync", "async"):
        for step, name in enumerate(DEMO_STEPS, start=1):
            assert f"[{mode}] step {step}: {name}" in output, output
    assert f"127.0.0.1:{port}" in output, output
    assert "server stopped" in output, output
    assert time.monotonic() - started < DEMO_TIMEOUT_SECONDS
