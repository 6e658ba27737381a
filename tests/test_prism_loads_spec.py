"""The cleaned spec must load in Prism, and Prism must validate requests against it strictly.

Prism is the mock server the SDK's integration tests run against, so this checks both
that ``make generate`` produced a document a strict tool accepts and that Prism rejects
requests that break the contract (422, or the operation's 400) instead of mocking a success for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scripts.prism import REPO_ROOT, PrismError, PrismServer, invalid_request_status, running_prism

CLEANED_SPEC_PATH = REPO_ROOT / "openapi" / "dqops-api-openapi-3.cleaned.json"
AUTHORIZATION_HEADERS = {"Authorization": "Bearer test-api-key"}


@pytest.fixture(scope="module")
def prism_server() -> Iterator[PrismServer]:
    if not CLEANED_SPEC_PATH.is_file():
        pytest.fail(
            f"{CLEANED_SPEC_PATH} is missing: run `make generate` (fetch and clean the spec) before the tests",
            pytrace=False,
        )
    with running_prism(CLEANED_SPEC_PATH) as server:
        yield server


@pytest.fixture(scope="module")
def client(prism_server: PrismServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=prism_server.base_url, timeout=30.0) as http_client:
        yield http_client


def test_prism_starts_without_errors(prism_server: PrismServer) -> None:
    assert prism_server.process.poll() is None, prism_server.output()
    assert prism_server.startup_problems() == [], prism_server.output()


def test_list_connections_answers_200_with_a_json_array(client: httpx.Client, prism_server: PrismServer) -> None:
    response = client.get("/api/connections", headers=AUTHORIZATION_HEADERS)

    assert response.status_code == 200, f"{response.text}\n{prism_server.output()}"
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json(), list)


def test_request_without_the_api_key_answers_401(client: httpx.Client) -> None:
    response = client.get("/api/connections")

    assert response.status_code == 401, response.text


def test_request_body_of_the_wrong_type_is_refused(client: httpx.Client) -> None:
    response = client.post("/api/jobs/runchecks", json=[1, 2], headers=AUTHORIZATION_HEADERS)

    operation = json.loads(CLEANED_SPEC_PATH.read_text(encoding="utf-8"))["paths"]["/api/jobs/runchecks"]["post"]
    status = invalid_request_status(operation)
    assert response.status_code == status, response.text
    if status == 422:  # Prism's problem document
        assert response.json()["validation"][0]["location"] == ["body"]
    else:  # the documented 400; Prism names the violation in a header
        assert json.loads(response.headers["sl-violations"])[0]["location"] == ["request", "body"]


def test_path_parameter_outside_its_enum_answers_422(client: httpx.Client) -> None:
    response = client.get(
        "/api/connections/c/schemas/s/tables/t/monitoring/hourly/results", headers=AUTHORIZATION_HEADERS
    )

    assert response.status_code == 422, response.text
    assert response.json()["validation"][0]["code"] == "enum"


def test_helper_reports_prism_output_when_the_spec_cannot_be_loaded(tmp_path: Path) -> None:
    missing_spec = tmp_path / "missing-spec.json"

    with pytest.raises(PrismError) as raised, running_prism(missing_spec, startup_deadline_seconds=30):
        pass

    message = str(raised.value)
    assert "before listening" in message
    assert str(missing_spec) in message
