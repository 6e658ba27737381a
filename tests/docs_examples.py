"""Extract the Python examples of the DQOps client documentation.

The upstream DQOps docs (``operations/<module>.md`` and the seed page
``seed-rest-api-and-python-client.md``) hold, for every REST API operation, the
HTTP method and URL, a ``curl`` example with its request body and the JSON
that the server answers, and four Python examples (sync, async, auth sync,
auth async).  This module turns those pages into plain data so that the test
suite can run every example verbatim against a mock server.

It is a plain module (no pytest dependency) so that it can also be used from
scripts::

    python tests/docs_examples.py 1.11.0            # counts of a corpus (see CORPORA)
    python tests/docs_examples.py 1.11.0 defects    # its upstream defects, detected

Layout of an operation page (``operations/<module>.md``, module = file stem)::

    ___
    ## <operation_name>
    <description>
    ...
    **GET**
    ```
    http://localhost:8888/api/...{param}...
    ```
    ...
    === "curl"
        **Execution**

        ```bash
        curl -X POST http://localhost:8888/api/...^
    \t\t-H "Accept: application/json"^
    \t\t-d^
    \t\t"{\\"a\\":1}"
        ```
        ??? example "Expand to see the returned result"
            ```
            { ...JSON... }
            ```
    === "Python sync client"
        **Execution**

        ```python
        from dqops import client
    \t...
        ```
        ??? example "Expand to see the returned result"
            ```
            Model(...python repr...)
            ```

Inside a tab the first line of a code block is indented by four spaces and
the following lines by one tab (eight spaces / two tabs inside the "returned
result" admonition).  The code of an example is the block with exactly that
indentation removed, nothing else changed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "AUTH_TOKEN",
    "BASE_URL",
    "DEFAULT_DOCS_DIR",
    "DEFAULT_SPEC_PATH",
    "DEFECT_CATEGORIES",
    "TAB_TO_VARIANT",
    "VARIANTS",
    "DocsCorpus",
    "DocsFormatError",
    "Operation",
    "PythonExample",
    "SpecOperation",
    "camel_to_snake",
    "compile_example",
    "detect_upstream_defects",
    "load_all",
    "load_spec_operations",
    "parse_curl",
    "parse_operation_page",
    "parse_operations_dir",
    "parse_seed_page",
    "unescape_cmd_quoted",
]



def _shared_dir() -> Path:
    """The read-only reference data: ``../shared`` beside the checkout (as in CI), else /work/shared."""
    beside = Path(__file__).resolve().parents[2] / "shared"
    return beside if beside.is_dir() else Path("/work/shared")


SEED_PAGE_NAME = "seed-rest-api-and-python-client.md"
DEFECTS_DIR = Path(__file__).resolve().parent / "docs_defects"


@dataclass(frozen=True)
class CorpusSource:
    """One upstream client reference, the spec it was generated from, and its reviewed defects.

    The seed page (which fixes the SDK's user-facing API) belongs to every corpus: its examples
    are checked against the operation pages of the corpus they run with.
    """

    label: str
    docs_dir: Path
    spec_path: Path
    seed_page: Path

    @property
    def defects_file(self) -> Path:
        return DEFECTS_DIR / f"{self.label}.json"


def _corpus(label: str, docs: str, spec: str) -> CorpusSource:
    shared = _shared_dir()
    return CorpusSource(label, shared / docs, shared / "dqops-openapi" / spec,
                        shared / "dqops-docs" / SEED_PAGE_NAME)


#: The upstream references, newest first. Each is run against a client generated from a spec
#: at least as new as its own: the newest against the default client, the 2024-08-02 one
#: against a client generated from that spec (tests/test_docs_older_api.py).
CORPORA: dict[str, CorpusSource] = {
    source.label: source
    for source in (
        _corpus("1.11.0", "dqops-docs-1.11.0", "dqops-api-swagger-2.1.11.0.json"),
        _corpus("2024-08-02", "dqops-docs", "dqops-api-openapi-3.2024-08-02.json"),
    )
}
NEWEST_CORPUS = next(iter(CORPORA))
#: The corpus the tests run against the installed client; DQOPS_DOCS_CORPUS names another.
ACTIVE_CORPUS = CORPORA[os.environ.get("DQOPS_DOCS_CORPUS") or NEWEST_CORPUS]
DEFAULT_DOCS_DIR = ACTIVE_CORPUS.docs_dir
DEFAULT_SPEC_PATH = ACTIVE_CORPUS.spec_path

BASE_URL = "http://localhost:8888/"
AUTH_TOKEN = "s4mp13_4u7h_70k3n"

#: Variant ids, in the order in which the tabs appear on an operation page.
VARIANTS = ("sync", "async", "auth_sync", "auth_async")

TAB_TO_VARIANT = {
    "Python sync client": "sync",
    "Python async client": "async",
    "Python auth sync client": "auth_sync",
    "Python auth async client": "auth_async",
}
CURL_TAB = "curl"

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

_TAB_RE = re.compile(r'^=== "(?P<name>[^"]+)"\s*$')
_OP_HEADER_RE = re.compile(r"^## (?P<name>[A-Za-z0-9_]+)\s*$")
_METHOD_RE = re.compile(r"^\*\*(?P<method>[A-Z]+)\*\*\s*$")
_RESULT_ADMONITION = '??? example "Expand to see the returned result"'
_API_IMPORT_RE = re.compile(
    r"^\s*from dqops\.client\.api\.(?P<module>[A-Za-z0-9_]+) import (?P<operation>[A-Za-z0-9_]+)\s*$",
    re.MULTILINE,
)


class DocsFormatError(ValueError):
    """The docs do not have the layout that the extractor expects."""


@dataclass(frozen=True)
class PythonExample:
    """One Python code example from the docs."""

    module: str
    operation: str
    variant: str  # one of VARIANTS
    code: str  # the example, verbatim (markdown indentation removed)
    source: str  # file name of the page, relative to the docs dir
    line: int  # 1-based line of the first code line in the page
    documented_repr: str | None = None  # the Python repr shown as the result
    page: str = "operations"  # "operations", "seed" or "seed-guide"

    @property
    def id(self) -> str:
        prefix = "" if self.page == "operations" else self.page + ":"
        return f"{prefix}{self.module}.{self.operation}[{self.variant}]"

    @property
    def is_async(self) -> bool:
        return self.variant.endswith("async")

    @property
    def is_auth(self) -> bool:
        return self.variant.startswith("auth")

    @property
    def key(self) -> tuple[str, str]:
        return (self.module, self.operation)


@dataclass
class Operation:
    """One ``## operation`` section of an operations page."""

    module: str
    name: str
    description: str
    method: str  # upper-case HTTP method of the **GET** block
    url_template: str  # e.g. http://localhost:8888/api/jobs/jobs/{jobId}
    curl_method: str  # method that the curl command uses (GET when no -X)
    curl_url: str  # concrete URL of the curl example
    curl_headers: list[str]
    curl_body_raw: str | None  # the -d argument as written (cmd-quoted)
    curl_body: str | None  # the -d argument unquoted: the JSON text sent
    documented_json_raw: str | None  # the "returned result" under the curl tab
    examples: dict[str, PythonExample] = field(default_factory=dict)
    source: str = ""
    line: int = 0

    @property
    def id(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.module, self.name)

    @property
    def has_curl_body(self) -> bool:
        return self.curl_body is not None

    @property
    def curl_body_json(self) -> Any:
        if self.curl_body is None:
            raise ValueError(f"{self.id}: the curl example has no body")
        return json.loads(self.curl_body)

    @property
    def has_documented_json(self) -> bool:
        return self.documented_json_raw is not None

    @property
    def documented_json(self) -> Any:
        if self.documented_json_raw is None:
            raise ValueError(f"{self.id}: no documented result")
        return json.loads(self.documented_json_raw)

    @property
    def path_template(self) -> str:
        """URL template path relative to the server, e.g. ``api/jobs/jobs/{jobId}``."""
        return _relative_path(self.url_template)

    @property
    def curl_path(self) -> str:
        """Path of the curl URL (as written in the docs, leading slash included)."""
        return urlsplit(self.curl_url).path

    @property
    def curl_query(self) -> str:
        return urlsplit(self.curl_url).query


def _relative_path(url: str) -> str:
    if not url.startswith(BASE_URL):
        raise DocsFormatError(f"URL {url!r} does not start with {BASE_URL!r}")
    return url[len(BASE_URL):]


# ---------------------------------------------------------------------------
# Small parsing helpers
# ---------------------------------------------------------------------------


def _dedent_block(lines: list[str], first_prefix: str, rest_prefix: str, where: str) -> str:
    """Remove the markdown indentation of a code block inside a tab.

    The first line carries ``first_prefix`` and every following line
    ``rest_prefix`` (upstream's pages) or ``first_prefix`` too (the reference
    that ``make docs`` writes); blank lines may carry less.  Nothing else is
    changed.
    """
    out = []
    for i, line in enumerate(lines):
        prefixes = (first_prefix,) if i == 0 else (rest_prefix, first_prefix)
        prefix = next((p for p in prefixes if line.startswith(p)), None)
        if prefix is not None:
            out.append(line[len(prefix):])
        elif line.strip() == "":
            out.append("")
        else:
            raise DocsFormatError(f"{where}: line {line!r} is not indented by {prefixes[0]!r}")
    return "\n".join(out) + "\n"


def unescape_cmd_quoted(token: str) -> str:
    """Unquote a Windows ``cmd``/MSVCRT style double-quoted argument.

    The curl examples are written for ``cmd.exe`` (``^`` continues a line), and
    the body is one double-quoted argument in which a literal ``"`` is written
    ``\\"``.  Rules (as for ``CommandLineToArgvW``): ``2n`` backslashes before
    a quote give ``n`` backslashes and end/start quoting, ``2n+1`` give ``n``
    backslashes and a literal quote; other backslashes are literal.
    """
    out: list[str] = []
    i = 0
    in_quotes = False
    n = len(token)
    while i < n:
        ch = token[i]
        if ch == "\\":
            j = i
            while j < n and token[j] == "\\":
                j += 1
            count = j - i
            if j < n and token[j] == '"':
                out.append("\\" * (count // 2))
                if count % 2:
                    out.append('"')
                else:
                    in_quotes = not in_quotes
                i = j + 1
            else:
                out.append("\\" * count)
                i = j
        elif ch == '"':
            in_quotes = not in_quotes
            i += 1
        else:
            out.append(ch)
            i += 1
    if in_quotes:
        raise DocsFormatError(f"unbalanced quotes in {token!r}")
    return "".join(out)


def _split_cmd_args(text: str) -> list[str]:
    """Split a ``cmd`` command line into raw (still quoted) arguments."""
    args: list[str] = []
    cur: list[str] = []
    in_quotes = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            j = i
            while j < len(text) and text[j] == "\\":
                j += 1
            cur.append(text[i:j])
            if j < len(text) and text[j] == '"':
                cur.append('"')
                if (j - i) % 2 == 0:
                    in_quotes = not in_quotes
                j += 1
            i = j
            continue
        if ch == '"':
            in_quotes = not in_quotes
            cur.append(ch)
        elif ch.isspace() and not in_quotes:
            if cur:
                args.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
        i += 1
    if in_quotes:
        raise DocsFormatError(f"unbalanced quotes in {text!r}")
    if cur:
        args.append("".join(cur))
    return args


@dataclass(frozen=True)
class CurlCommand:
    method: str
    url: str
    headers: list[str]
    body_raw: str | None
    body: str | None


def parse_curl(code: str) -> CurlCommand:
    """Parse a docs curl example: ``cmd`` syntax with ``^`` line continuations (upstream's
    pages), or POSIX shell syntax with ``\\`` line continuations (the generated reference)."""
    lines = code.strip().splitlines()
    if any(line.rstrip().endswith("^") for line in lines):
        joined = " ".join(line.rstrip()[:-1] if line.rstrip().endswith("^") else line for line in lines)
        args = _split_cmd_args(joined)
        unquote_arg = unescape_cmd_quoted
    else:
        args = shlex.split(code.replace("\\\n", " "))
        unquote_arg = str
    if not args or args[0] != "curl":
        raise DocsFormatError(f"not a curl command: {code!r}")
    method = None
    url = None
    headers: list[str] = []
    body_raw = None
    i = 1
    while i < len(args):
        arg = args[i]
        if arg in ("-X", "--request"):
            method = args[i + 1]
            i += 2
        elif arg in ("-H", "--header"):
            headers.append(unquote_arg(args[i + 1]))
            i += 2
        elif arg in ("-d", "--data", "--data-raw"):
            if body_raw is not None:
                raise DocsFormatError(f"two bodies in {code!r}")
            body_raw = args[i + 1]
            i += 2
        elif arg.startswith("-"):
            raise DocsFormatError(f"unknown curl option {arg!r} in {code!r}")
        else:
            if url is not None:
                raise DocsFormatError(f"two URLs in {code!r}")
            url = unquote_arg(arg)
            i += 1
    if url is None:
        raise DocsFormatError(f"no URL in {code!r}")
    if method is None:
        method = "POST" if body_raw is not None else "GET"
    body = unquote_arg(body_raw) if body_raw is not None else None
    return CurlCommand(method=method.upper(), url=url, headers=headers,
                       body_raw=body_raw, body=body)


# ---------------------------------------------------------------------------
# Operation pages
# ---------------------------------------------------------------------------


@dataclass
class _Block:
    info: str  # the fence's info string ("python", "bash", "")
    lines: list[str]  # raw lines between the fences
    line: int  # 1-based line number of the first content line
    in_result: bool  # inside the "Expand to see the returned result" admonition


def _tab_blocks(lines: list[str], start: int, where: str) -> list[_Block]:
    """Fenced code blocks of one tab body (``lines`` are the tab's lines)."""
    blocks: list[_Block] = []
    i = 0
    in_result = False
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped == _RESULT_ADMONITION:
            in_result = True
        elif stripped.startswith("```"):
            indent = line[: len(line) - len(line.lstrip())]
            info = stripped[3:].strip()
            j = i + 1
            while j < len(lines) and lines[j] != indent + "```":
                j += 1
            if j >= len(lines):
                raise DocsFormatError(f"{where}: unterminated code block at line {start + i}")
            blocks.append(_Block(info=info, lines=lines[i + 1 : j], line=start + i + 1,
                                 in_result=in_result))
            i = j
        i += 1
    return blocks


def _split_tabs(lines: list[str], start: int) -> list[tuple[str, int, list[str]]]:
    """Split a section into ``(tab name, first line no, tab lines)``."""
    tabs: list[tuple[str, int, list[str]]] = []
    cur_name = None
    cur_start = 0
    cur_lines: list[str] = []
    for offset, line in enumerate(lines):
        m = _TAB_RE.match(line)
        if m:
            if cur_name is not None:
                tabs.append((cur_name, cur_start, cur_lines))
            cur_name = m.group("name")
            cur_start = start + offset + 1
            cur_lines = []
        elif cur_name is not None:
            if line and not line.startswith((" ", "\t")):
                # back at the top level: the tab group has ended
                tabs.append((cur_name, cur_start, cur_lines))
                cur_name = None
            else:
                cur_lines.append(line)
    if cur_name is not None:
        tabs.append((cur_name, cur_start, cur_lines))
    return tabs


def _parse_operation_section(module: str, source: str, lines: list[str], start: int) -> Operation:
    """Parse one ``## operation`` section; ``start`` is the header's line number."""
    m = _OP_HEADER_RE.match(lines[0])
    assert m
    name = m.group("name")
    where = f"{source}:{start} ({module}.{name})"
    description = lines[1].strip() if len(lines) > 1 else ""

    method = url_template = None
    for i, line in enumerate(lines):
        mm = _METHOD_RE.match(line)
        if mm and mm.group("method") in HTTP_METHODS:
            if method is not None:
                raise DocsFormatError(f"{where}: two HTTP method blocks")
            if lines[i + 1].strip() != "```" or lines[i + 3].strip() != "```":
                raise DocsFormatError(f"{where}: malformed URL block after {line!r}")
            method = mm.group("method")
            url_template = lines[i + 2].strip()
    if method is None or url_template is None:
        raise DocsFormatError(f"{where}: no HTTP method block")

    tabs = _split_tabs(lines, start)
    names = [t[0] for t in tabs]
    expected = [CURL_TAB, *TAB_TO_VARIANT]
    if names != expected:
        raise DocsFormatError(f"{where}: tabs {names}, expected {expected}")

    op: Operation | None = None
    examples: dict[str, PythonExample] = {}
    for tab_name, tab_start, tab_lines in tabs:
        blocks = _tab_blocks(tab_lines, tab_start, where)
        code_blocks = [b for b in blocks if not b.in_result]
        result_blocks = [b for b in blocks if b.in_result]
        if len(code_blocks) != 1 or len(result_blocks) > 1:
            raise DocsFormatError(
                f"{where}: tab {tab_name!r} has {len(code_blocks)} code blocks "
                f"and {len(result_blocks)} result blocks")
        code_block = code_blocks[0]
        code = _dedent_block(code_block.lines, "    ", "\t", where)
        result = (_dedent_block(result_blocks[0].lines, "        ", "\t\t", where)
                  if result_blocks else None)
        if tab_name == CURL_TAB:
            if code_block.info != "bash":
                raise DocsFormatError(f"{where}: curl block is {code_block.info!r}")
            curl = parse_curl(code)
            op = Operation(
                module=module, name=name, description=description, method=method,
                url_template=url_template, curl_method=curl.method, curl_url=curl.url,
                curl_headers=curl.headers, curl_body_raw=curl.body_raw, curl_body=curl.body,
                documented_json_raw=result, source=source, line=start,
            )
        else:
            if code_block.info != "python":
                raise DocsFormatError(f"{where}: {tab_name!r} block is {code_block.info!r}")
            variant = TAB_TO_VARIANT[tab_name]
            examples[variant] = PythonExample(
                module=module, operation=name, variant=variant, code=code,
                source=source, line=code_block.line, documented_repr=result,
            )
    assert op is not None
    op.examples = examples
    return op


def parse_operation_page(path: Path, docs_dir: Path | None = None) -> list[Operation]:
    """Parse ``operations/<module>.md`` into its operations, in page order."""
    path = Path(path)
    module = path.stem
    source = str(path.relative_to(docs_dir)) if docs_dir else path.name
    lines = path.read_text(encoding="utf-8").split("\n")
    headers = [i for i, line in enumerate(lines) if _OP_HEADER_RE.match(line)]
    ops = []
    for n, begin in enumerate(headers):
        end = headers[n + 1] if n + 1 < len(headers) else len(lines)
        section = lines[begin:end]
        # the section ends at the horizontal rule that precedes the next header
        while section and section[-1].strip() in ("", "___"):
            section.pop()
        ops.append(_parse_operation_section(module, source, section, begin + 1))
    return ops


def operation_pages(docs_dir: Path = DEFAULT_DOCS_DIR) -> list[Path]:
    """The module pages: ``operations/*.md`` except the index."""
    return sorted(p for p in (Path(docs_dir) / "operations").glob("*.md") if p.name != "index.md")


def parse_operations_dir(docs_dir: Path = DEFAULT_DOCS_DIR) -> list[Operation]:
    ops: list[Operation] = []
    for page in operation_pages(docs_dir):
        ops.extend(parse_operation_page(page, Path(docs_dir)))
    return ops


# ---------------------------------------------------------------------------
# Seed page
# ---------------------------------------------------------------------------


def _fenced_blocks(lines: list[str]) -> Iterator[tuple[int, str, list[str], int]]:
    """Top-level fenced blocks: ``(index of opening fence, info, lines, index of closing fence)``."""
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            info = lines[i][3:].strip()
            j = i + 1
            while j < len(lines) and lines[j] != "```":
                j += 1
            if j >= len(lines):
                raise DocsFormatError(f"unterminated code block at line {i + 1}")
            yield i, info, lines[i + 1 : j], j
            i = j
        i += 1


def _variant_of(code: str) -> str:
    auth = "AuthenticatedClient(" in code
    asynchronous = re.search(r"\bawait\b", code) is not None
    return ("auth_" if auth else "") + ("async" if asynchronous else "sync")


def parse_seed_page(path: Path, docs_dir: Path | None = None) -> list[PythonExample]:
    """Python examples of the seed page.

    Examples in the "Alternative connecting methods" part get ``page="seed"``,
    those in the "Python client guide" ``page="seed-guide"``; a guide example
    is followed by a ``python`` block with the documented result (a repr).
    Module and operation come from the example's ``from dqops.client.api``
    import; the variant from the client class and ``await``.
    """
    path = Path(path)
    source = str(path.relative_to(docs_dir)) if docs_dir else path.name
    lines = path.read_text(encoding="utf-8").split("\n")
    guide_start = next((i for i, line in enumerate(lines) if line.strip() == "## Python client guide"),
                       len(lines))
    examples: list[PythonExample] = []
    pending: PythonExample | None = None
    for begin, info, body, _end in _fenced_blocks(lines):
        if info != "python":
            continue
        code = "\n".join(body) + "\n"
        imports = _API_IMPORT_RE.findall(code)
        if not imports:
            # a documented result (Python repr) that belongs to the previous example
            if pending is None or pending.documented_repr is not None:
                raise DocsFormatError(f"{source}:{begin + 1}: result block without an example")
            examples[-1] = pending = PythonExample(**{**pending.__dict__, "documented_repr": code})
            continue
        if len(imports) != 1:
            raise DocsFormatError(f"{source}:{begin + 1}: {len(imports)} operation imports")
        module, operation = imports[0]
        pending = PythonExample(
            module=module, operation=operation, variant=_variant_of(code), code=code,
            source=source, line=begin + 2,
            page="seed-guide" if begin > guide_start else "seed",
        )
        examples.append(pending)
    return examples


# ---------------------------------------------------------------------------
# The OpenAPI spec
# ---------------------------------------------------------------------------


def camel_to_snake(name: str) -> str:
    """``getAllConnections`` -> ``get_all_connections``, ``getDashboardLevel1`` -> ``get_dashboard_level_1``.

    Same word splitting as openapi-python-client (``utils.split_words``).
    """
    value = name
    if any(c.isupper() for c in value):
        value = " ".join(re.split("([A-Z]?[a-z]+)", value))
    return "_".join(w.lower() for w in re.findall(r"[^. _-]+", value))


def tag_to_module(tag: str) -> str:
    return camel_to_snake(tag)


@dataclass(frozen=True)
class SpecOperation:
    module: str  # from the tag
    name: str  # snake_case operationId
    operation_id: str
    method: str  # upper case
    path: str  # relative, no leading slash (as in the spec)
    responses: dict[str, dict[str, Any]]  # status -> {media type -> schema}
    request_media_types: tuple[str, ...]
    request_schema: Any = None  # the schema of the request body (of its first media type)

    @property
    def key(self) -> tuple[str, str]:
        return (self.module, self.name)

    @property
    def route(self) -> tuple[str, str]:
        """(method, path without the leading slash): how a page's **METHOD** and URL name it."""
        return (self.method, self.path.lstrip("/"))

    @property
    def success_status(self) -> int | None:
        """The documented 2xx status code (``None`` when the spec lists none)."""
        codes = sorted(int(c) for c in self.responses if c.isdigit() and 200 <= int(c) < 300)
        return codes[0] if codes else None

    @property
    def success_media_types(self) -> tuple[str, ...]:
        status = self.success_status
        if status is None:
            return ()
        return tuple(self.responses[str(status)])

    @property
    def returns_json(self) -> bool:
        return "application/json" in self.success_media_types


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: (value.replace("#/definitions/", "#/components/schemas/")
                      if key == "$ref" and isinstance(value, str) else _rewrite_refs(value))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(value) for value in node]
    return node


def openapi3_view(spec: dict[str, Any]) -> dict[str, Any]:
    """What this module reads of a spec, in OpenAPI 3 form, whichever form the spec has.

    A Swagger 2 spec (the form of DQOps 1.11.0 and later) is read directly: its definitions
    become components, body parameters a requestBody, `produces` the responses' media types.
    Only the parts the docs tests use are carried over; this is not a conversion.
    """
    if not str(spec.get("swagger", "")).startswith("2."):
        return spec
    consumes_default = spec.get("consumes") or ["application/json"]
    produces_default = spec.get("produces") or ["application/json"]
    paths: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        new_item = paths.setdefault(path.lstrip("/"), {})  # as the OpenAPI 3 files write paths
        for method, op in item.items():
            if method.upper() not in HTTP_METHODS:
                new_item[method] = op
                continue
            produces = op.get("produces") or produces_default
            new_op = {key: value for key, value in op.items() if key not in ("parameters", "responses")}
            new_op["parameters"] = [p for p in op.get("parameters", []) if p.get("in") != "body"]
            body = [p for p in op.get("parameters", []) if p.get("in") == "body"]
            if body:
                new_op["requestBody"] = {"content": {mt: {"schema": body[0].get("schema")}
                                                     for mt in op.get("consumes") or consumes_default}}
            new_op["responses"] = {
                code: ({"content": {mt: {"schema": response["schema"]} for mt in produces}}
                       if isinstance(response, dict) and "schema" in response else {})
                for code, response in op.get("responses", {}).items()
            }
            new_item[method] = new_op
    return _rewrite_refs({"openapi": "3.0.0 (view of Swagger 2)", "paths": paths,
                          "components": {"schemas": spec.get("definitions", {})}})


def load_spec(spec_path: Path = DEFAULT_SPEC_PATH) -> dict[str, Any]:
    """The spec at `spec_path`, in OpenAPI 3 form (see openapi3_view)."""
    return openapi3_view(json.loads(Path(spec_path).read_text(encoding="utf-8")))


def load_spec_operations(spec_path: Path = DEFAULT_SPEC_PATH) -> list[SpecOperation]:
    spec = load_spec(spec_path)
    ops = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method.upper() not in HTTP_METHODS:
                continue
            tags = op.get("tags") or []
            if len(tags) != 1:
                raise DocsFormatError(f"{method} {path}: tags {tags}")
            responses = {
                code: {mt: (c or {}).get("schema") for mt, c in (_resolve(spec, r).get("content") or {}).items()}
                for code, r in op.get("responses", {}).items()
            }
            body = _resolve(spec, op.get("requestBody") or {})
            body_content = body.get("content") or {}
            ops.append(SpecOperation(
                module=tag_to_module(tags[0]), name=camel_to_snake(op["operationId"]),
                operation_id=op["operationId"], method=method.upper(), path=path,
                responses=responses,
                request_media_types=tuple(body_content),
                request_schema=next(iter(body_content.values()), {}).get("schema"),
            ))
    return ops


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A request body or response, or the one its ``$ref`` names (``#/components/...``)."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


# ---------------------------------------------------------------------------
# Everything together
# ---------------------------------------------------------------------------


@dataclass
class DocsCorpus:
    operations: list[Operation]
    seed_examples: list[PythonExample]
    spec_operations: list[SpecOperation]

    def __post_init__(self) -> None:
        self.by_key: dict[tuple[str, str], Operation] = {}
        for op in self.operations:
            if op.key in self.by_key:
                raise DocsFormatError(f"duplicate operation {op.id}")
            self.by_key[op.key] = op
        self.spec_by_key: dict[tuple[str, str], SpecOperation] = {}
        for sop in self.spec_operations:
            if sop.key in self.spec_by_key:
                raise DocsFormatError(f"duplicate spec operation {sop.key}")
            self.spec_by_key[sop.key] = sop

    @property
    def operation_examples(self) -> list[PythonExample]:
        return [op.examples[v] for op in self.operations for v in VARIANTS]

    @property
    def all_examples(self) -> list[PythonExample]:
        return self.operation_examples + list(self.seed_examples)

    def operation_of(self, example: PythonExample) -> Operation:
        """The documented operation an example calls (seed examples map by module/name)."""
        return self.by_key[example.key]

    def spec_of(self, example_or_op: Any) -> SpecOperation:
        return self.spec_by_key[example_or_op.key]

    @property
    def stale_operations(self) -> list[Operation]:
        """Documented operations that the docs' own spec does not have (pages left from an older API)."""
        return [op for op in self.operations if op.key not in self.spec_by_key]


def load_all(docs_dir: Path = DEFAULT_DOCS_DIR, spec_path: Path = DEFAULT_SPEC_PATH,
             seed_page: Path | None = None) -> DocsCorpus:
    docs_dir = Path(docs_dir)
    seed_page = Path(seed_page) if seed_page is not None else ACTIVE_CORPUS.seed_page
    return DocsCorpus(
        operations=parse_operations_dir(docs_dir),
        seed_examples=parse_seed_page(seed_page, seed_page.parent),
        spec_operations=load_spec_operations(spec_path),
    )


def load_corpus(source: CorpusSource = ACTIVE_CORPUS) -> DocsCorpus:
    return load_all(source.docs_dir, source.spec_path, source.seed_page)


# ---------------------------------------------------------------------------
# Upstream defects: examples that cannot run whatever the SDK does
# ---------------------------------------------------------------------------

#: Category -> (exception the example raises, what is wrong upstream)
DEFECT_CATEGORIES: dict[str, tuple[str, str]] = {
    "invalid-python": (
        "SyntaxError",
        "the example is not valid Python: it does not compile"),
    "missing-import": (
        "NameError",
        "the example uses a name (a model or enum class) that it never imports"),
    "missing-required-argument": (
        "TypeError",
        "the example leaves out an argument that the spec marks as required"),
    "unknown-model-class": (
        "ImportError",
        ("the example imports a model class that the spec cannot yield (no such schema, "
         "and not the map of a schema either)")),
    "stale-page": (
        "ModuleNotFoundError",
        ("the page documents an operation that the docs' own spec no longer has: a page left "
         "over from an older API, whose module the client cannot have")),
    "undefined-name": (
        "NameError",
        ("the example uses a name that is neither Python nor a class of the spec (a Java type "
         "name written where a Python value belongs)")),
}


def compile_example(example: PythonExample, filename: str | None = None):
    """Compile an example verbatim; top-level ``await`` is allowed for async variants."""
    import ast

    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if example.is_async else 0
    return compile(example.code, filename or f"<docs {example.id}>", "exec",
                   flags=flags, dont_inherit=True)


def _parse_example_ast(example: PythonExample):
    import ast

    flags = ast.PyCF_ONLY_AST | (ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if example.is_async else 0)
    return compile(example.code, f"<docs {example.id}>", "exec", flags=flags, dont_inherit=True)


def spec_model_class_names(spec: dict[str, Any]) -> set:
    """Model class names that the spec can yield.

    Every component schema, plus ``<Schema>Map`` for the inline dictionaries
    (``type: object`` with ``additionalProperties: {$ref: <Schema>}``) that the
    upstream client names that way (e.g. ``TableSpec.columns`` -> ``ColumnSpecMap``).
    """
    names = set(spec["components"]["schemas"])

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and "$ref" in extra and not extra["$ref"].startswith("#/definitions/"):
                names.add(extra["$ref"].rsplit("/", 1)[-1] + "Map")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec["components"])
    walk(spec["paths"])
    return names


def spec_required_arguments(spec: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(module, operation) -> snake_case names of the required non-path parameters."""
    out: dict[tuple[str, str], list[str]] = {}
    for item in spec["paths"].values():
        for method, op in item.items():
            if method.upper() not in HTTP_METHODS:
                continue
            key = (tag_to_module(op["tags"][0]), camel_to_snake(op["operationId"]))
            out[key] = [camel_to_snake(p["name"]) for p in op.get("parameters", [])
                        if p.get("in") != "path" and p.get("required")]
    return out


def _regex_literal(text: str) -> str:
    """Escape the regex metacharacters of ``text`` (readable, unlike ``re.escape``)."""
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)


NAMES_LOCK_PATH = Path(__file__).resolve().parents[1] / "openapi" / "names.lock.json"


def enum_class_names(docs_dir: Path) -> set[str]:
    """The enum classes a Swagger 2 spec can yield, though it names none of its inline enums.

    Those the reference's models pages document, and those the SDK's names lock gives
    (openapi/names.lock.json: the names of upstream's client, which the pages do not all list).
    """
    scripts_dir = str(Path(__file__).resolve().parents[1] / "scripts")
    if scripts_dir not in sys.path:
        sys.path.insert(0, scripts_dir)
    import reference_names

    locked = json.loads(NAMES_LOCK_PATH.read_text(encoding="utf-8"))["enums"]
    return set(reference_names.read_docs(Path(docs_dir))) | set(locked)


def detect_upstream_defects(corpus: DocsCorpus, spec_path: Path = DEFAULT_SPEC_PATH,
                            docs_dir: Path = DEFAULT_DOCS_DIR) -> list[dict[str, str]]:
    """Find the examples that are wrong upstream, by static analysis only.

    Returns entries ``{id, category, exception, match, reason}`` (the format of
    ``tests/docs_defects/<corpus>.json``), sorted by id.  ``match`` is a regular
    expression that the exception message must match.
    """
    import ast
    import builtins

    spec = load_spec(spec_path)
    model_names = spec_model_class_names(spec) | enum_class_names(docs_dir)
    spec_modules = {key[0] for key in corpus.spec_by_key}
    required = spec_required_arguments(spec)
    found: list[dict[str, str]] = []

    def add(example: PythonExample, category: str, match: str, reason: str) -> None:
        found.append({"id": example.id, "category": category,
                      "exception": DEFECT_CATEGORIES[category][0], "match": match,
                      "reason": reason})

    for example in corpus.all_examples:
        lines = example.code.splitlines()
        try:
            tree = _parse_example_ast(example)
        except SyntaxError as err:
            text = lines[err.lineno - 1].strip() if err.lineno else ""
            add(example, "invalid-python", _regex_literal(err.msg),
                f"SyntaxError at line {err.lineno}: {err.msg}: {text}")
            continue

        # 1. operations the docs' spec does not have: their module import fails first
        if example.key not in corpus.spec_by_key:
            module = f"dqops.client.api.{example.module}"
            if example.module in spec_modules:  # pragma: no cover - no such page in the references
                raise DocsFormatError(f"{example.id}: the spec has module {example.module} but not the operation")
            add(example, "stale-page", _regex_literal(f"No module named '{module}'"),
                f"{example.source} documents {example.module}.{example.operation}, which the spec of "
                f"these docs does not have: {module} cannot be imported")
            continue

        # 2. imports of model classes that the spec cannot yield (fail first: imports come first)
        unknown = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "dqops.client.models":
                unknown += [a.name for a in node.names if a.name not in model_names]
        if unknown:
            add(example, "unknown-model-class", f"cannot import name '{unknown[0]}'",
                f"imports {', '.join(unknown)} from dqops.client.models; the spec has no such "
                "schema (SensorDefinitionSpec.fields is a plain array of ParameterDefinitionSpec)"
                if unknown == ["ParameterDefinitionsListSpec"] else
                f"imports {', '.join(unknown)} from dqops.client.models; the spec has no such schema")
            continue

        # 3. names that are used but never bound
        bound = set(dir(builtins))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                bound.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
        unbound = []
        for node in ast.walk(tree):
            if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                    and node.id not in bound and node.id not in unbound):
                unbound.append(node.id)
        if unbound:
            first = min((n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in unbound),
                        key=lambda n: (n.lineno, n.col_offset))
            where = f"(first at line {first.lineno}: {lines[first.lineno - 1].strip()})"
            if first.id in model_names:
                add(example, "missing-import", f"name '{first.id}' is not defined",
                    f"uses {', '.join(unbound)} {where} without importing it from dqops.client.models")
            else:
                add(example, "undefined-name", f"name '{first.id}' is not defined",
                    f"uses {first.id} {where}, which is neither Python nor a class of the spec")
            continue

        # 4. required (non-path) arguments left out of the operation call
        calls = [n for n in ast.walk(tree)
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and isinstance(n.func.value, ast.Name) and n.func.value.id == example.operation]
        for call in calls:
            given = {k.arg for k in call.keywords}
            missing = [name for name in required.get(example.key, []) if name not in given]
            if missing:
                add(example, "missing-required-argument",
                    rf"missing {len(missing)} required (keyword-only |positional )?arguments?: "
                    + " and ".join(f"'{m}'" for m in missing),
                    f"calls {example.operation}.{call.func.attr}() at line {call.lineno} without "
                    f"the required argument {', '.join(missing)} (a required query parameter "
                    "in the spec)")
    return sorted(found, key=lambda d: d["id"])


def _main(argv: list[str]) -> int:  # pragma: no cover - a debugging aid
    """``python tests/docs_examples.py [CORPUS] [defects]`` (CORPUS: a label of CORPORA)."""
    source = CORPORA[argv[1]] if len(argv) > 1 else ACTIVE_CORPUS
    corpus = load_corpus(source)
    if len(argv) > 2 and argv[2] == "defects":
        print(json.dumps(detect_upstream_defects(corpus, source.spec_path, source.docs_dir), indent=2))
        return 0
    print(f"{source.label}: {len(corpus.operations)} operations ({len(corpus.stale_operations)} stale), "
          f"{len(corpus.operation_examples)} operation examples, {len(corpus.seed_examples)} seed examples, "
          f"{len(corpus.spec_operations)} spec operations")
    return 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    raise SystemExit(_main(sys.argv))
