"""README.md is for users, and every Python block in it runs as written.

Each ```python block of README.md runs as a script against a respx mock of DQOps that answers
as the reference documents: the JSON its page shows for the operation at the request's method
and path (tests/support/reference_docs.py, docs_runner.mock_answer). A block that shows DQOps answering
otherwise is named in SCENARIOS, with how the mock answers it and what the block must print.
Every block also type-checks under `mypy --strict`, in one run, and makes no request outside
the mock, but for the blocks that show dqops.testing.FakeDQOps: those run over real HTTP against
the FakeDQOps they start (or, for a pytest test the block defines, one given to it as the
`fake_dqops` fixture would), and check themselves with their own asserts and output. The Airflow
DAG blocks run on Airflow instead (tests/airflow/test_airflow_docs.py).

The README also states facts that must hold for the pinned spec: the DQOps version the client
speaks, and how many operations and reference examples there are.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import docs_runner, reference_docs
from support.mypy_checks import describe_errors, run_mypy

README = reference_docs.REPO_ROOT / "README.md"
FENCE = re.compile(r"^```(?P<info>[a-z]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
GENERATED = reference_docs.generated()


@dataclass(frozen=True)
class Block:
    line: int
    code: str

    @property
    def id(self) -> str:
        return f"README.md:{self.line}"


def python_blocks(text: str) -> list[Block]:
    return [
        Block(text.count("\n", 0, match.start()) + 2, match.group("code"))
        for match in FENCE.finditer(text)
        if match.group("info") == "python" and "from airflow" not in match.group("code")
    ]


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# The mock: DQOps as the reference documents it
# ---------------------------------------------------------------------------


def route_pattern(path_template: str) -> re.Pattern[str]:
    """The raw paths of a URL template: each `{parameter}` one percent-encoded segment."""
    parts = re.split(r"(\{[^}]+\})", path_template)
    return re.compile("/" + "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts))


ROUTES = [(op.method, route_pattern(op.path_template), op) for op in GENERATED.operations]


def documented_answer(request: httpx.Request) -> httpx.Response:
    raw_path = request.url.raw_path.decode("ascii").partition("?")[0]
    for method, pattern, op in ROUTES:
        if request.method == method and pattern.fullmatch(raw_path):
            return docs_runner.mock_answer(op, GENERATED.spec_of(op)).response(request)
    raise AssertionError(f"{request.method} {raw_path} is no operation of the reference")


def not_found(request: httpx.Request) -> httpx.Response:
    """What DQOps answers for a table it does not have: 404 with Spring's error payload."""
    payload = {"status": 404, "error": "Not Found", "message": "Table not found", "path": request.url.path}
    return httpx.Response(404, json=payload)


def jobs_finish(request: httpx.Request) -> httpx.Response:
    """The documented answer of each job operation, with the job finished."""
    response = documented_answer(request)
    answer = json.loads(response.content) if response.content else None
    if isinstance(answer, dict) and "status" in answer:
        answer["status"] = "finished"
        return httpx.Response(response.status_code, json=answer)
    return response


@dataclass(frozen=True)
class Scenario:
    # How the mock answers; None: the block runs its own dqops.testing.FakeDQOps, over real HTTP.
    answer: Callable[[httpx.Request], httpx.Response] | None
    prints: str = ""  # what the block's output must contain
    # A test function the block defines, then called with a started FakeDQOps as pytest would.
    test_function: str | None = None


#: Blocks, by a line of their code, that run against another DQOps than the documented one, or
#: whose output the README shows in a comment.
SCENARIOS = {
    "print(filters.to_dict())": Scenario(
        documented_answer, prints="{'connection': 'sample_connection', 'timeScale': 'daily'}"
    ),
    "print(dqops_client)": Scenario(documented_answer, prints="AuthenticatedClient(base_url='http://localhost:8888/')"),
    "except errors.NotFound as error:": Scenario(not_found, prints="404 http://localhost:8888/api/connections/"),
    "finished = jobs.run_checks(dqops_client, parameters, timeout=600)": Scenario(jobs_finish),
    "jobs.run_checks_async(": Scenario(jobs_finish, prints="finished finished"),
    "print(finished.status)": Scenario(jobs_finish, prints="finished"),
    'result = resumed.wait(timeout=600, fail_at_severity="error")': Scenario(jobs_finish, prints="finished"),
    "with FakeDQOps() as fake:": Scenario(
        None,
        prints="finished error\nPOST /api/jobs/runchecks {'check_search_filters': {'connection': 'sales'}}",
    ),
    "def test_lists_connections(fake_dqops: FakeDQOps)": Scenario(None, test_function="test_lists_connections"),
}


def scenario_of(block: Block) -> Scenario:
    found = [scenario for line, scenario in SCENARIOS.items() if line in block.code]
    assert len(found) <= 1, f"{block.id} matches several scenarios"
    return found[0] if found else Scenario(documented_answer)


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------


def run_block(block: Block, scenario: Scenario) -> tuple[str, list[httpx.Request]]:
    """Run the block as a script; its output and the requests it sent."""
    requests: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return scenario.answer(request)

    output = io.StringIO()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    code = compile(block.code, block.id, "exec")
    if scenario.answer is None:
        from dqops.testing import FakeDQOps

        with contextlib.redirect_stdout(output):
            exec(code, namespace)  # noqa: S102 - running the README is the point
            if scenario.test_function is not None:
                with FakeDQOps() as fake:
                    namespace[scenario.test_function](fake)
        return output.getvalue(), requests
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router, contextlib.redirect_stdout(output):
        router.route(host="localhost", port=8888).mock(side_effect=respond)
        exec(code, namespace)  # noqa: S102 - running the README is the point
    return output.getvalue(), requests


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Every block in one `mypy --strict` run: the errors of each, by file name."""
    blocks_dir = tmp_path_factory.mktemp("readme-blocks")
    for block in BLOCKS:
        (blocks_dir / f"readme_{block.line}.py").write_text(block.code, encoding="utf-8")
    returncode, output, errors = run_mypy(".", cwd=blocks_dir, cache="readme")
    found: dict[str, list[str]] = {}
    for match in errors:
        found.setdefault(Path(match["file"]).name, []).append(match.group(0))
    assert returncode == 0 or found, describe_errors(output, errors)
    return found


def test_readme_has_python_blocks() -> None:
    assert len(BLOCKS) >= 6, [block.id for block in BLOCKS]
    assert all(any(line in block.code for block in BLOCKS) for line in SCENARIOS), "a scenario names no block"


@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_readme_block_runs_against_the_documented_dqops(block: Block, mypy_errors: dict[str, list[str]]) -> None:
    scenario = scenario_of(block)
    output, requests = run_block(block, scenario)
    assert scenario.prints in output, f"{block.id} printed {output!r}, expected {scenario.prints!r} in it"
    assert requests or scenario.answer is None or "dqops.client.api" not in block.code, f"{block.id} sent no request"
    assert not mypy_errors.get(f"readme_{block.line}.py"), "\n".join(mypy_errors[f"readme_{block.line}.py"])


def test_readme_states_the_pinned_dqops_version_and_the_reference_counts() -> None:
    from dqops import client

    text = " ".join(README.read_text(encoding="utf-8").split())
    assert f"speaks the REST API of DQOps {client.API_VERSION}" in text
    operations = GENERATED.reference.operation_count
    assert f"reference docs examples: {4 * operations} passed, 0 failed of {4 * operations}" in text
    assert f"for {operations} operations × 4" in text


def test_readme_names_only_make_targets_that_exist() -> None:
    makefile = (reference_docs.REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", makefile, re.MULTILINE))
    # As a command: at the start of a line of a block, or in backquotes.
    named = set(re.findall(r"(?:^|`)make ([a-z][a-z0-9-]*)", README.read_text(encoding="utf-8"), re.MULTILINE))
    assert named and named <= targets, f"README names make targets the Makefile lacks: {sorted(named - targets)}"
