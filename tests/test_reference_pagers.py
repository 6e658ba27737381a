"""The reference documents the pagers: the page of each operation that lists items a page at a
time shows `iterate` and `aiterate`, and both examples run as written (but for their URL)
against a real local server that pages a list as DQOps does.

The pages are the ones `make docs` writes, generated once per test run (tests/reference_docs.py).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import re
from typing import Any
from urllib.parse import parse_qs

import pytest
import reference_docs
from fault_server import FaultServer
from test_pagers import PAGED, items_json, paging

GENERATED = reference_docs.generated()
HEADING = "**Every item, page after page**"
FENCE = re.compile(r"^```python\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


def section(op: Any) -> str:
    """The `## <operation>` section of the operation's page."""
    page = (GENERATED.root / "docs" / "client" / "operations" / f"{op.module}.md").read_text(encoding="utf-8")
    start = page.index(f"\n## {op.name}\n")
    end = page.find("\n## ", start + 1)
    return page[start : end if end >= 0 else len(page)]


def pager_examples(op: Any) -> list[str]:
    text = section(op)
    assert HEADING in text, f"the page of {op.id} does not document its pagers"
    pagers = text[text.index(HEADING) : text.index("**Usage examples**")]
    return [match.group("code") for match in FENCE.finditer(pagers)]


def test_only_the_paged_operations_document_pagers():
    paged = {op.id for op in PAGED}
    for page in (GENERATED.root / "docs" / "client" / "operations").glob("*.md"):
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"\n## (\w+)\n", text):
            documented = HEADING in text[match.end() : text.find("\n## ", match.end())]
            assert documented == (f"{page.stem}.{match.group(1)}" in paged), f"{page.stem}.{match.group(1)}"


@pytest.mark.parametrize("op", [pytest.param(op, id=op.id) for op in PAGED])
def test_the_pager_examples_run_against_a_paging_server(op):
    sync_code, async_code = pager_examples(op)
    assert ".iterate(" in sync_code and "async for item in" in async_code and ".aiterate(" in async_code
    (documented,) = [doc for doc in GENERATED.operations if (doc.module, doc.name) == (op.module, op.name)]
    path = documented.curl_path.partition("?")[0]  # the example's path parameters are the page's samples
    with FaultServer() as server:
        server.route(path, paging(items_json(250)))  # page_size=100: pages 1, 2 and a short 3
        for code in (sync_code, async_code):
            server.requests.clear()
            output = run_example(code.replace("http://localhost:8888/", server.base_url))
            assert output.count("sdk_test_index") == 250
            asked = [parse_qs(request.query) for request in server.requests_to(path)]
            assert [(q["page"], q["limit"]) for q in asked] == [(["1"], ["100"]), (["2"], ["100"]), (["3"], ["100"])]


def run_example(code: str) -> str:
    """Run an example as the page says: a script, or with top-level await (python -m asyncio)."""
    compiled = compile(code, "example", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    output = io.StringIO()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        with contextlib.redirect_stdout(output):
            result = eval(compiled, namespace)  # running the documented example is the point
            if asyncio.iscoroutine(result):
                asyncio.run(result)
    finally:
        if "dqops_client" in namespace:
            namespace["dqops_client"].close()
    return output.getvalue()
