"""The pages of upstream's client reference (the DQOps docs: `operations/<module>.md`, `models/*.md`
and the seed page `seed-rest-api-and-python-client.md`), read into plain data: the one parser of
those pages, used by scripts/reference_names.py, the bench's payloads and the docs-example tests.

Layout of an operation page (`operations/<module>.md`, module = file stem)::

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

Inside a tab the first line of a code block is indented by four spaces and the following lines
by one tab (eight spaces / two tabs inside the "returned result" admonition). The code of an
example is the block with exactly that indentation removed, nothing else changed.

A models page has one `## <Name>` section per model or enum, each with a Markdown table: of
properties (`Property name | Description | Data type | ...`) or of `Enum values`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: The server the pages' URLs and examples name.
BASE_URL = "http://localhost:8888/"

#: Variant ids, in the order in which the tabs appear on an operation page.
VARIANTS = ("sync", "async", "auth_sync", "auth_async")

#: The tab of each variant: "Python sync client" -> "sync", and so on.
TAB_TO_VARIANT = dict(zip((f"Python {tab} client" for tab in ("sync", "async", "auth sync", "auth async")), VARIANTS))
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
    curl: CurlCommand  # the curl example, as parsed
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
        return self.curl.body is not None

    @property
    def has_documented_json(self) -> bool:
        return self.documented_json_raw is not None

    @property
    def curl_body_json(self) -> Any:
        return self._parsed(self.curl.body, "the curl example has no body")

    @property
    def documented_json(self) -> Any:
        return self._parsed(self.documented_json_raw, "no documented result")

    def _parsed(self, text: str | None, missing: str) -> Any:
        if text is None:
            raise ValueError(f"{self.id}: {missing}")
        return json.loads(text)

    @property
    def path_template(self) -> str:
        """URL template path relative to the server, e.g. ``api/jobs/jobs/{jobId}``."""
        return _relative_path(self.url_template)

    @property
    def curl_path(self) -> str:
        """Path of the curl URL (as written in the docs, leading slash included)."""
        return urlsplit(self.curl.url).path

    @property
    def curl_query(self) -> str:
        return urlsplit(self.curl.url).query


def _relative_path(url: str) -> str:
    if not url.startswith(BASE_URL):
        raise DocsFormatError(f"URL {url!r} does not start with {BASE_URL!r}")
    return url[len(BASE_URL) :]


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
            out.append(line[len(prefix) :])
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
    method: str  # what the command sends (GET when no -X)
    url: str  # the concrete URL of the example
    headers: list[str]
    body_raw: str | None  # the -d argument as written (cmd-quoted)
    body: str | None  # the -d argument unquoted: the JSON text sent


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
    return CurlCommand(method=method.upper(), url=url, headers=headers, body_raw=body_raw, body=body)


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
            blocks.append(_Block(info=info, lines=lines[i + 1 : j], line=start + i + 1, in_result=in_result))
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
                f"{where}: tab {tab_name!r} has {len(code_blocks)} code blocks and {len(result_blocks)} result blocks"
            )
        code_block = code_blocks[0]
        code = _dedent_block(code_block.lines, "    ", "\t", where)
        result = _dedent_block(result_blocks[0].lines, "        ", "\t\t", where) if result_blocks else None
        if tab_name == CURL_TAB:
            if code_block.info != "bash":
                raise DocsFormatError(f"{where}: curl block is {code_block.info!r}")
            op = Operation(
                module=module,
                name=name,
                description=description,
                method=method,
                url_template=url_template,
                curl=parse_curl(code),
                documented_json_raw=result,
                source=source,
                line=start,
            )
        else:
            if code_block.info != "python":
                raise DocsFormatError(f"{where}: {tab_name!r} block is {code_block.info!r}")
            variant = TAB_TO_VARIANT[tab_name]
            examples[variant] = PythonExample(
                module=module,
                operation=name,
                variant=variant,
                code=code,
                source=source,
                line=code_block.line,
                documented_repr=result,
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


def operation_pages(docs_dir: Path) -> list[Path]:
    """The module pages: ``operations/*.md`` except the index."""
    return sorted(p for p in (Path(docs_dir) / "operations").glob("*.md") if p.name != "index.md")


def parse_operations_dir(docs_dir: Path) -> list[Operation]:
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
    guide_start = next((i for i, line in enumerate(lines) if line.strip() == "## Python client guide"), len(lines))
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
            module=module,
            operation=operation,
            variant=_variant_of(code),
            code=code,
            source=source,
            line=begin + 2,
            page="seed-guide" if begin > guide_start else "seed",
        )
        examples.append(pending)
    return examples


# ---------------------------------------------------------------------------
# Sections and Markdown tables (models pages, and the parameters of operation pages)
# ---------------------------------------------------------------------------

_SECTION_RE = re.compile(r"^## (?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*$")
_ROW_RE = re.compile(r"^\|(?P<cells>.*)\|\s*$")


def page_sections(path: Path) -> list[tuple[str, list[str]]]:
    """(name, lines) of each `## Name` section of a page."""
    sections: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _SECTION_RE.match(line)
        if match:
            sections.append((match.group("name"), []))
        elif sections:
            sections[-1][1].append(line)
    return sections


def _cells(line: str) -> list[str] | None:
    match = _ROW_RE.match(line.strip())
    return [cell.strip() for cell in match.group("cells").split("|")] if match else None


def _is_separator(cells: list[str]) -> bool:
    return all(set(cell) <= {"-", ":", " "} for cell in cells)


def markdown_tables(lines: list[str]) -> list[tuple[list[str], list[list[str]]]]:
    """(header cells, data rows) of every Markdown table in `lines`."""
    tables = []
    index = 0
    while index < len(lines):
        header = _cells(lines[index])
        separator = _cells(lines[index + 1]) if index + 1 < len(lines) else None
        if header is None or separator is None or not _is_separator(separator):
            index += 1
            continue
        rows = []
        index += 2
        while index < len(lines) and (row := _cells(lines[index])) is not None:
            rows.append(row)
            index += 1
        tables.append((header, rows))
    return tables


def method_and_url(lines: list[str]) -> tuple[str, str] | None:
    """(method, URL) of the first `**GET**` block of an operation section whose URL follows within
    three lines, or None."""
    for index, line in enumerate(lines):
        match = _METHOD_RE.match(line.strip())
        if match and match.group("method") in HTTP_METHODS:
            for url_line in lines[index + 1 : index + 4]:
                if url_line.strip().startswith(("http://", "https://")):
                    return match.group("method"), url_line.strip()
            return None
    return None
