"""The reference docs are a test suite: every example on them runs as written.

`make docs` writes a page of operations per API group (scripts/generate_docs.py). Each
operation there has a curl command, four Python examples (sync, async, auth sync, auth async)
and, when it answers JSON, that JSON and the Python value it parses to. The pages are
generated once per session (reference_docs.py), and each example:

- runs verbatim against a respx mock of http://localhost:8888/ that answers the JSON the page
  documents, with the spec's success status (docs_runner.py);
- sends exactly the request of the page's curl command: one request, with its method, raw
  path (each path parameter percent-encoded as one segment), query, Content-Type and body,
  and the Bearer token for the auth examples, none otherwise;
- parses the documented answer exactly: `call_result.to_dict()` equals the documented JSON,
  and so does the Python value the page shows as the returned result;
- type-checks under `mypy --strict`: one mypy run over all the examples (top-level `await`
  allowed, as the pages say the async examples run in a coroutine, a notebook or
  `python -m asyncio`).

The other tests check that the pages cover every operation of the spec and every class of
the package, that the samples are valid against the spec's schemas and never placeholders,
that the site builds with `mkdocs build --strict` (no broken link or anchor), and that each
operation's docstring carries the spec's parameter descriptions and no path to a file.
Totals are printed at the end of the run by conftest.py.
"""

from __future__ import annotations

import ast
import datetime
import functools
import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import docs_examples as dx
from support import docs_runner, reference_docs
from support.mypy_checks import mypy_errors as mypy_error_lines

GENERATED = reference_docs.generated()
EXAMPLES = GENERATED.examples
OPERATIONS = {op.key: op for op in GENERATED.operations}
PLACEHOLDERS = {"string", "str", "value", "sample", "TODO", "..."}


@functools.cache
def mock_answer(key: tuple[str, str]) -> docs_runner.MockAnswer:
    op = OPERATIONS[key]
    return docs_runner.mock_answer(op, GENERATED.spec_of(op))


@pytest.fixture(scope="session")
def mypy_errors() -> dict[str, list[str]]:
    """The errors of the one `mypy --strict` run over every example, by example file name."""
    GENERATED.start_checks()  # the site build and the second generation run meanwhile
    returncode, output = GENERATED.mypy.wait()
    found: dict[str, list[str]] = {}
    for match in mypy_error_lines(output):
        found.setdefault(Path(match["file"]).name, []).append(match.group(0))
    if returncode != 0 and not found:
        pytest.fail(f"mypy failed without reporting an error in an example:\n{output}", pytrace=False)
    if returncode == 0 and "Success: no issues found in" not in output:
        pytest.fail(f"mypy checked no example:\n{output}", pytrace=False)
    return found


def documented_value(example: dx.PythonExample) -> Any:
    """The Python value the page shows as the returned result, built with the package's classes."""
    from dqops.client import models

    assert example.documented_repr is not None
    tree = ast.parse(example.documented_repr, mode="eval")
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    namespace: dict[str, Any] = {name: getattr(models, name) for name in names if hasattr(models, name)}
    namespace["datetime"] = datetime  # date fields: datetime.date / datetime.datetime
    return eval(compile(tree, f"<result of {example.id}>", "eval"), namespace)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_reference_example(example: dx.PythonExample, mypy_errors: dict[str, list[str]]) -> None:
    op = OPERATIONS[example.key]
    answer = mock_answer(example.key)
    run = docs_runner.run_example(example, answer)
    problems = docs_runner.check_run(example, run, answer, op, GENERATED.spec_of(op), exact=True)
    if op.has_documented_json:
        if example.documented_repr is None:
            problems.append("[result] the page shows no returned result for this example")
        else:
            problems += [
                problem.replace("[result]", "[documented result]", 1)
                for problem in docs_runner.result_problems(docs_runner.to_plain(documented_value(example)), answer)
            ]
    problems += [f"[mypy] {error}" for error in mypy_errors.get(reference_docs.example_file_name(example), [])]
    assert not problems, f"{example.id} ({example.source}:{example.line}):\n" + "\n".join(problems)


# ---------------------------------------------------------------------------
# What the pages cover
# ---------------------------------------------------------------------------


def generated_operation_modules() -> set[tuple[str, str]]:
    from dqops.client import api

    root = Path(api.__file__).parent
    return {(path.parent.name, path.stem) for path in root.glob("*/*.py") if path.name != "__init__.py"}


def test_every_operation_of_the_spec_is_on_its_page_with_four_examples() -> None:
    pages = {(op.method, op.path_template) for op in GENERATED.operations}
    assert pages == set(GENERATED.spec_operations), (
        f"not on the pages: {sorted(set(GENERATED.spec_operations) - pages)}; "
        f"not in the spec: {sorted(pages - set(GENERATED.spec_operations))}"
    )
    assert len(GENERATED.operations) == len(GENERATED.spec_operations)
    assert {op.key for op in GENERATED.operations} == generated_operation_modules()
    assert len(EXAMPLES) == len(dx.VARIANTS) * len(GENERATED.operations)
    assert GENERATED.reference.operation_count == len(GENERATED.operations)


def page_headings(page: Path) -> list[str]:
    return [line[3:].strip() for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]


def test_every_class_of_the_package_is_on_one_model_page() -> None:
    from dqops.client import models

    classes = {name for name, (_, target) in models._MODULE_OF.items() if name == target}
    on_pages: dict[str, list[str]] = {}
    for page in sorted((GENERATED.docs_dir / "client" / "models").glob("*.md")):
        for heading in page_headings(page):
            on_pages.setdefault(heading, []).append(page.stem)
    assert set(on_pages) == classes, (
        f"missing: {sorted(classes - set(on_pages))}; not classes: {sorted(set(on_pages) - classes)}"
    )
    assert not {name: pages for name, pages in on_pages.items() if len(pages) > 1}
    assert GENERATED.reference.page_of_class == {name: pages[0] for name, pages in on_pages.items()}


def test_every_other_name_of_a_class_is_on_its_section() -> None:
    """The aliases the package exports (renamed models and enums, per-property map names)."""
    from dqops.client import models

    for name, (_, target) in models._MODULE_OF.items():
        if name == target:
            continue
        page = GENERATED.docs_dir / "client" / "models" / f"{GENERATED.reference.page_of_class[target]}.md"
        section = page.read_text(encoding="utf-8").split(f"\n## {target}\n", 1)[1].split("\n## ", 1)[0]
        assert f"`{name}`" in section.split("Also importable as", 1)[-1], f"{name} is not named on {target}'s section"


def test_every_enum_lists_all_its_members() -> None:
    from dqops.client import models

    text = "\n".join(
        page.read_text(encoding="utf-8") for page in (GENERATED.docs_dir / "client" / "models").glob("*.md")
    )
    for name, (_, target) in models._MODULE_OF.items():
        cls = getattr(models, name)
        if name != target or not isinstance(cls, type) or not hasattr(cls, "__members__"):
            continue
        for member in cls:
            assert f"|`{name}.{member.name}`|`{member.value}`|" in text, f"{name}.{member.name} is not listed"


# ---------------------------------------------------------------------------
# The samples
# ---------------------------------------------------------------------------


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


@functools.cache
def spec_document() -> dict[str, Any]:
    return json.loads(reference_docs.CLEANED_SPEC.read_text(encoding="utf-8"))


@functools.cache
def enum_values() -> frozenset[str]:
    """The values of the spec's enums: `string` is a value of ParameterDataType, not a placeholder."""
    found: set[str] = set()
    stack: list[Any] = [spec_document()]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.update(value for value in node.get("enum", []) if isinstance(value, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(found)


def schema_problems(value: Any, schema: dict[str, Any]) -> list[str]:
    from openapi_schema_validator import OAS30Validator

    document = {"allOf": [schema], "components": spec_document()["components"]}
    return [f"{list(error.absolute_path)}: {error.message}" for error in OAS30Validator(document).iter_errors(value)]


@pytest.mark.parametrize("op", GENERATED.operations, ids=[op.id for op in GENERATED.operations])
def test_samples_are_valid_for_the_schema_and_not_placeholders(op: dx.Operation) -> None:
    sop = GENERATED.spec_of(op)
    problems = []
    if op.has_curl_body and sop.request_media_types[0] == "application/json":
        problems += [f"curl body {p}" for p in schema_problems(op.curl_body_json, sop.request_schema)]
    if op.has_documented_json:
        schema = sop.responses[str(sop.success_status)]["application/json"]
        problems += [f"answer {p}" for p in schema_problems(op.documented_json, schema)]
    samples = [
        op.curl_body_json if op.has_curl_body and sop.request_media_types[0] == "application/json" else op.curl.body
    ]
    samples.append(op.documented_json if op.has_documented_json else None)
    problems += [f"placeholder text {text!r}" for text in strings_in(samples) if text in PLACEHOLDERS - enum_values()]
    assert not problems, f"{op.id}:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------
# The site, and the docstrings
# ---------------------------------------------------------------------------


def test_the_site_builds_with_no_broken_link_or_anchor() -> None:
    """`mkdocs build --strict` of the generated pages with docs/ and mkdocs.yml: any warning
    (a link to a missing page or anchor, a page left out of the site) fails the build."""
    returncode, output = GENERATED.site.wait()
    assert returncode == 0, f"mkdocs build --strict failed:\n{output}"
    site = GENERATED.root / "site"
    for page in (
        "index.html",
        "client/index.html",
        "client/operations/jobs.html",
        "client/models/common.html",
    ):
        assert (site / page).is_file(), f"the site has no {page}"
    # A page x/y.md is built as x/y.html (mkdocs.yml: use_directory_urls: false): no page is left out.
    pages = {path.relative_to(GENERATED.docs_dir).with_suffix(".html") for path in GENERATED.docs_dir.rglob("*.md")}
    built = {path.relative_to(site) for path in site.rglob("*.html")}
    missing = sorted(str(page) for page in pages - built)
    assert not missing, f"pages left out of the site: {missing}"


def test_the_site_opens_from_disk() -> None:
    """Every link between the site's pages names a file (`client/index.html`, never `client/`): opened
    as site/index.html, no link shows a folder listing or a missing page."""
    returncode, output = GENERATED.site.wait()
    assert returncode == 0, f"mkdocs build --strict failed:\n{output}"
    site = GENERATED.root / "site"
    broken: list[str] = []
    checked = 0
    # 404.html is the page a web server answers for a missing one: its links are absolute, to work at any depth.
    for page in sorted(set(site.rglob("*.html")) - {site / "404.html"}):
        for link in re.findall(r'href="([^"#?]*)[^"]*"', page.read_text(encoding="utf-8")):
            if not link or re.match(r"^[a-z][a-z0-9+.-]*:", link) or link.startswith("//"):
                continue  # an anchor on the page itself, or another site
            checked += 1
            target = (page.parent / link).resolve()
            if link.endswith("/") or not target.is_file():
                broken.append(f"{page.relative_to(site)}: {link}")
    assert checked > 1000 and not broken, broken[:20]


def test_pages_are_the_same_from_another_process() -> None:
    """Deterministic pages: scripts/generate_docs.py, run again in a process with another hash
    seed, writes byte-identical pages."""
    returncode, output = GENERATED.again.wait()
    assert returncode == 0, output
    again = GENERATED.root / "again"
    pages = sorted(path.relative_to(GENERATED.docs_dir) for path in (GENERATED.docs_dir / "client").rglob("*.md"))
    assert pages == sorted(path.relative_to(again) for path in (again / "client").rglob("*.md"))
    differing = [str(page) for page in pages if (again / page).read_bytes() != (GENERATED.docs_dir / page).read_bytes()]
    assert not differing, f"pages that differ between two runs: {differing}"


@pytest.mark.parametrize("op", GENERATED.operations, ids=[op.id for op in GENERATED.operations])
def test_docstring_describes_each_parameter_and_points_to_no_file(op: dx.Operation) -> None:
    from openapi_python_client.strings import safe_for_docstring

    module = importlib.import_module(f"dqops.client.api.{op.module}.{op.name}")
    page = GENERATED.docs_dir / "client" / "operations" / f"{op.module}.md"
    assert op.name in page_headings(page)
    spec_operation = next(
        operation
        for operation in spec_document()["paths"]["/" + op.path_template].values()
        if isinstance(operation, dict) and operation.get("operationId") == GENERATED.spec_of(op).operation_id
    )
    for function in (module.sync, module.sync_detailed, module.asyncio, module.asyncio_detailed):
        docstring = " ".join((function.__doc__ or "").split())
        # The wheel holds no docs/: a path to the reference pages would point nowhere.
        assert "docs/client/" not in docstring, f"{op.id}.{function.__name__} points to a file: {docstring}"
        for parameter in spec_operation.get("parameters", []):
            description = " ".join(safe_for_docstring(parameter.get("description", "")).split())
            assert description in docstring, (
                f"{op.id}.{function.__name__}: no description of {parameter['name']} ({description!r})"
            )


# ---------------------------------------------------------------------------
# The checks catch what they should (synthetic runs of one operation's page)
# ---------------------------------------------------------------------------

CHECK_OPERATION = OPERATIONS[("checks", "update_check")]  # a path parameter holding "/", and a JSON body


def synthetic_problems(
    url: str | None = None, body: Any = None, content_type: str = "application/json", result: Any = None
) -> list[str]:
    """The kinds of problem check_run (exact) finds in a run that sent this one request."""
    import httpx

    example = CHECK_OPERATION.examples["sync"]
    content = json.dumps(CHECK_OPERATION.curl_body_json if body is None else body).encode()
    request = httpx.Request(
        "PUT", url or CHECK_OPERATION.curl.url, headers={"Content-Type": content_type}, content=content
    )
    expected = mock_answer(example.key).expected
    run = docs_runner.Run({"call_result": expected if result is None else result}, [request])
    problems = docs_runner.check_run(
        example, run, mock_answer(example.key), CHECK_OPERATION, GENERATED.spec_of(CHECK_OPERATION), exact=True
    )
    return [problem.split("]")[0] + "]" for problem in problems]


def test_exact_checks_accept_the_request_of_the_curl_command() -> None:
    assert "%2F" in CHECK_OPERATION.curl.url
    assert synthetic_problems() == []


@pytest.mark.parametrize(
    "change, kinds",
    [
        ({"url": CHECK_OPERATION.curl.url.replace("%2F", "/")}, ["[path]"]),
        ({"url": CHECK_OPERATION.curl.url + "?force=true"}, ["[query]"]),
        ({"body": {**CHECK_OPERATION.curl_body_json, "custom": False}}, ["[body]"]),  # a default value the curl omits
        ({"body": {}}, ["[body]"]),
        ({"content_type": "text/plain"}, ["[body-type]"]),
        ({"result": {"check_name": "sample_check"}}, ["[result]"]),
    ],
)
def test_exact_checks_report(change: dict[str, Any], kinds: list[str]) -> None:
    assert synthetic_problems(**change) == kinds


def test_the_schema_check_rejects_a_wrong_sample() -> None:
    schema = {"$ref": "#/components/schemas/CheckSearchFilters"}
    assert schema_problems({"connection": "sample_connection", "checkType": "profiling"}, schema) == []
    assert schema_problems({"connection": 5}, schema)
    assert schema_problems({"checkType": "sometimes"}, schema)


def test_sample_text_reads_like_dqops_docs() -> None:
    from scripts.docs_samples import sample_text, singular

    assert sample_text("connection_name") == "sample_connection"
    assert sample_text("table") == "sample_table"
    assert sample_text("full_table_name") == "sample_schema.sample_table"
    assert sample_text("full_check_name") == "sample_target/sample_category/sample_check"
    assert sample_text("display_name") == "sample_display_name"
    assert (singular("columns"), singular("properties"), singular("labels")) == ("column", "property", "label")
