"""Typed returns that say what happens, for every operation of the cleaned spec.

- `sync()` / `asyncio()` of an operation whose success answers a body are annotated with that
  type alone (no `| None`); those whose success answers nothing are annotated `None`.
- Such an operation's success without a body, or with JSON `null`, raises
  `errors.ResponseDecodingError`: it never returns None.
- Any status that is not a success raises its typed error from `sync()` / `asyncio()`: a 3xx
  the spec does not document included (it returned None before). `*_detailed` returns it in
  its Response unless the client was made with `raise_on_unexpected_status=True`.

Requests go to a respx mock; the expectations come from the spec (spec_facts).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from support import spec_arguments
from support import spec_facts as facts

from dqops.client import Client, errors

BASE_URL = "http://dqops.test:8888/"
SPEC = facts.cleaned_spec()
OPERATIONS = facts.operations(SPEC)


def successes(op: facts.OperationFact) -> dict[str, Any]:
    return {code: response for code, response in op.responses.items() if code.startswith("2")}


def answers_a_body(op: facts.OperationFact) -> bool:
    """Every documented success has a body."""
    found = successes(op)
    return bool(found) and all(response.get("content") for response in found.values())


def answers_json(op: facts.OperationFact) -> bool:
    return answers_a_body(op) and all("application/json" in response["content"] for response in successes(op).values())


BODY_OPERATIONS = [op for op in OPERATIONS if answers_a_body(op)]
JSON_OPERATIONS = [op for op in OPERATIONS if answers_json(op)]
NO_BODY_OPERATIONS = [op for op in OPERATIONS if not any(r.get("content") for r in successes(op).values())]


def answering(response: httpx.Response) -> respx.MockRouter:
    router = respx.mock(base_url=BASE_URL, assert_all_called=False)
    router.route().mock(return_value=response)
    return router


def test_the_spec_has_both_kinds():
    assert len(BODY_OPERATIONS) > 100 and len(NO_BODY_OPERATIONS) > 50
    assert len(JSON_OPERATIONS) >= len(BODY_OPERATIONS) - 5


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.id for op in OPERATIONS])
def test_return_annotations_follow_the_success_answer(op):
    module = importlib.import_module(op.import_path)
    for variant in ("sync", "asyncio"):
        annotation = inspect.signature(getattr(module, variant)).return_annotation
        if answers_a_body(op):
            assert "None" not in annotation.split(" | "), f"{variant}: {annotation}"
        elif op in NO_BODY_OPERATIONS:
            assert annotation == "None", f"{variant}: {annotation}"
    for variant in ("sync_detailed", "asyncio_detailed"):
        annotation = inspect.signature(getattr(module, variant)).return_annotation
        assert annotation.startswith("Response[") and "None" in annotation, f"{variant}: {annotation}"


def call_all(op: facts.OperationFact, client: Client, runner: asyncio.Runner) -> Iterator[tuple[str, Any]]:
    """Each variant's call with the spec's arguments; yields (variant, result or raised error)."""
    arguments = spec_arguments.call_arguments(SPEC, op, optional_query=False)
    module = arguments.module
    for variant in ("sync", "asyncio", "sync_detailed", "asyncio_detailed"):
        function = getattr(module, variant)
        try:
            if variant.startswith("asyncio"):
                outcome = runner.run(function(*arguments.args, client=client, **arguments.kwargs))
            else:
                outcome = function(*arguments.args, client=client, **arguments.kwargs)
        except errors.DQOpsError as exc:
            outcome = exc
        yield variant, outcome


@pytest.mark.parametrize("op", JSON_OPERATIONS, ids=[op.id for op in JSON_OPERATIONS])
@pytest.mark.parametrize(
    "content, reason",
    [(b"", "the answer has no body"), (b"null", "got null")],
    ids=["empty", "null"],
)
def test_a_success_without_a_value_raises_decoding_error(op, content, reason, runner):
    status = int(min(successes(op)))
    headers = {"content-type": "application/json"} if content else {}
    with answering(httpx.Response(status, content=content, headers=headers)) as router, Client(BASE_URL) as client:
        outcomes = dict(call_all(op, client, runner))
        assert router.calls.call_count == 4
    for variant, outcome in outcomes.items():
        assert isinstance(outcome, errors.ResponseDecodingError), (variant, outcome)
        assert reason in str(outcome), (variant, str(outcome))
        assert outcome.status_code == status


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.id for op in OPERATIONS])
def test_a_status_that_is_not_a_success_raises_from_sync(op, runner):
    """302 and 304 are documented by no operation: sync() and asyncio() raise UnexpectedStatus,
    the *_detailed variants return the Response unparsed (raise_on_unexpected_status=False)."""
    for status in (302, 304):
        with answering(httpx.Response(status)) as router, Client(BASE_URL) as client:
            outcomes = dict(call_all(op, client, runner))
            assert router.calls.call_count == 4
        for variant in ("sync", "asyncio"):
            error = outcomes[variant]
            assert type(error) is errors.UnexpectedStatus and error.status_code == status, (variant, error)
        for variant in ("sync_detailed", "asyncio_detailed"):
            response = outcomes[variant]
            assert not isinstance(response, Exception), (variant, response)
            assert response.status_code == status and response.parsed is None, variant


def test_detailed_raises_with_raise_on_unexpected_status(runner):
    op = JSON_OPERATIONS[0]
    with answering(httpx.Response(302)), Client(BASE_URL, raise_on_unexpected_status=True) as client:
        outcomes = dict(call_all(op, client, runner))
    assert all(type(outcome) is errors.UnexpectedStatus for outcome in outcomes.values()), outcomes


def answer_schema(op: facts.OperationFact) -> dict[str, Any]:
    return successes(op)[min(successes(op))]["content"]["application/json"]["schema"]


def test_a_json_string_answer_must_be_a_string(runner):
    op = next(o for o in JSON_OPERATIONS if answer_schema(o).get("type") == "string")
    with answering(httpx.Response(200, json=12)), Client(BASE_URL) as client:
        outcomes = dict(call_all(op, client, runner))
    for variant, outcome in outcomes.items():
        assert isinstance(outcome, errors.ResponseDecodingError), (variant, outcome)
        assert "expected a string, got a number" in str(outcome)
