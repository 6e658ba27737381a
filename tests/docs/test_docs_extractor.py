"""Unit tests of the docs extractor (tests/support/docs_examples.py).

They need only the reference docs and the pinned spec, not the generated SDK.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter

import pytest
from support import docs_examples as dx

from scripts import naming

OLDER = dx.CORPORA["2024-08-02"]

#: What a reader of each reference's pages counts by hand, for spot checks of the parser.
PAGE_FACTS: dict[str, dict] = {
    "1.11.0": {"tables": 50, "jobs": 17, "healthcheck": 1, "modules": 38, "stale_modules": 2,
               "json_without_docs": ["jobs.is_cron_scheduler_running",
                                     "tables.update_table_partitioned_checks_model"]},
    "2024-08-02": {"tables": 48, "jobs": 17, "healthcheck": 1, "modules": 33, "stale_modules": 0,
                   "json_without_docs": ["jobs.is_cron_scheduler_running",
                                         "tables.update_table_partitioned_checks_model"]},
}
#: The reviewed defects of each reference, by category (docs_defects/<label>.json).
DEFECT_COUNTS: dict[str, dict[str, int]] = {
    "1.11.0": {"stale-page": 152, "invalid-python": 20, "missing-import": 72,
               "missing-required-argument": 12, "unknown-model-class": 8, "undefined-name": 8},
    "2024-08-02": {"invalid-python": 20, "missing-import": 72, "missing-required-argument": 12,
                   "unknown-model-class": 8},
}


@pytest.fixture(scope="module", params=list(dx.CORPORA))
def source(request) -> dx.CorpusSource:
    source = dx.CORPORA[request.param]
    if not source.docs_dir.is_dir():
        pytest.fail(f"reference docs not found at {source.docs_dir}", pytrace=False)
    return source


@pytest.fixture(scope="module")
def corpus(source: dx.CorpusSource) -> dx.DocsCorpus:
    return dx.load_corpus(source)


@pytest.fixture(scope="module")
def spec(source: dx.CorpusSource) -> dict:
    return dx.load_spec(source.spec_path)


@pytest.fixture(scope="module")
def older() -> dx.DocsCorpus:
    """The 2024-08-02 reference, whose pages the exact parsing tests below quote."""
    return dx.load_corpus(OLDER)


def example(corpus: dx.DocsCorpus, example_id: str) -> dx.PythonExample:
    matches = [e for e in corpus.all_examples if e.id == example_id]
    assert len(matches) == 1, example_id
    return matches[0]


# ---------------------------------------------------------------------------
# Counts: asserted against the spec and the pages, not hard-coded
# ---------------------------------------------------------------------------


def test_one_documented_operation_per_spec_operation(corpus, spec, source):
    spec_count = sum(1 for item in spec["paths"].values() for m in item if m.upper() in dx.HTTP_METHODS)
    assert spec_count == len(corpus.spec_operations)
    assert set(corpus.spec_by_key) <= set(corpus.by_key)
    assert len(corpus.operations) == spec_count + len(corpus.stale_operations)
    stale_modules = {op.module for op in corpus.stale_operations}
    assert len(stale_modules) == PAGE_FACTS[source.label]["stale_modules"]
    # a stale page is stale as a whole: none of its operations is in the spec
    assert not stale_modules & {key[0] for key in corpus.spec_by_key}


def test_every_operation_has_exactly_the_four_python_variants(corpus):
    for op in corpus.operations:
        assert tuple(op.examples) == dx.VARIANTS, op.id
        for variant, ex in op.examples.items():
            assert (ex.module, ex.operation, ex.variant) == (op.module, op.name, variant)
    assert len(corpus.operation_examples) == len(dx.VARIANTS) * len(corpus.operations)


def test_example_ids_are_unique(corpus):
    ids = [e.id for e in corpus.all_examples]
    assert len(ids) == len(set(ids))


def test_operations_per_page_match_the_page_headers_and_the_index(corpus, source):
    docs_dir = source.docs_dir
    per_module = Counter(op.module for op in corpus.operations)
    for page in dx.operation_pages(docs_dir):
        text = page.read_text(encoding="utf-8")
        headers = re.findall(r"^## (\w+)$", text, re.MULTILINE)
        assert [op.name for op in corpus.operations if op.module == page.stem] == headers
        assert per_module[page.stem] == len(headers) == text.count('=== "Python sync client"')
    # operations/index.md lists every operation under its module
    index = (docs_dir / "operations" / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\(\./(\w+)\.md#(\w+)\)", index))
    assert listed == set(corpus.spec_by_key)  # not the stale pages


def test_per_page_counts_for_a_few_modules(corpus, source):
    per_module = Counter(op.module for op in corpus.operations if op.key in corpus.spec_by_key)
    spec_per_module = Counter(s.module for s in corpus.spec_operations)
    assert per_module == spec_per_module
    # spot checks against the pages as read by a human
    facts = PAGE_FACTS[source.label]
    assert per_module["tables"] == facts["tables"]
    assert per_module["jobs"] == facts["jobs"]
    assert per_module["healthcheck"] == facts["healthcheck"]
    assert len({op.module for op in corpus.operations}) == facts["modules"]


def test_method_and_url_agree_with_the_spec(corpus):
    for op in corpus.operations:
        if op.key not in corpus.spec_by_key:
            continue  # a stale page
        sop = corpus.spec_by_key[op.key]
        assert op.method == sop.method == op.curl.method, op.id
        assert op.path_template == sop.path, op.id
        pattern = "^/" + re.sub(r"\\\{\w+\\\}", "[^?#]+", re.escape(op.path_template)) + "$"
        assert re.match(pattern, op.curl_path), (op.id, op.curl_path)
        assert op.curl_query == "", op.id


def test_curl_body_present_exactly_when_the_spec_has_a_request_body(corpus):
    for op in corpus.operations:
        if op.key not in corpus.spec_by_key:
            continue  # a stale page
        sop = corpus.spec_by_key[op.key]
        assert op.has_curl_body == bool(sop.request_media_types), op.id
        if op.has_curl_body:
            assert op.curl_body_json is not None or op.curl.body == "null"  # parses
            assert "Content-Type: application/json" in op.curl.headers


def test_documented_json_present_when_the_spec_answers_json(corpus, source):
    without_doc = []
    for op in corpus.operations:
        if op.key not in corpus.spec_by_key:
            continue  # a stale page
        sop = corpus.spec_by_key[op.key]
        if op.has_documented_json:
            assert op.documented_json is not None  # parses
            assert "application/json" in [mt for r in sop.responses.values() for mt in r], op.id
        elif sop.returns_json and not _answers_mono_void(sop):
            without_doc.append(op.id)
    # the operations that answer JSON but whose docs show no result
    assert sorted(without_doc) == PAGE_FACTS[source.label]["json_without_docs"]


def _answers_mono_void(sop: dx.SpecOperation) -> bool:
    """The success is Spring's Mono<Void> (a Swagger 2 spec gives it a schema; DQOps sends no body)."""
    schema = sop.responses[str(sop.success_status)].get("application/json") or {}
    return str(schema.get("$ref", "")).endswith("/MonoResponseEntityMonoVoid")


# ---------------------------------------------------------------------------
# Known examples, parsed exactly
# ---------------------------------------------------------------------------


def test_cancel_job_sync_exactly(older):
    corpus = older
    op = corpus.by_key[("jobs", "cancel_job")]
    assert (op.method, op.url_template) == ("DELETE", "http://localhost:8888/api/jobs/jobs/{jobId}")
    assert op.curl.url == "http://localhost:8888/api/jobs/jobs/123123124324324"
    assert op.curl_path == "/api/jobs/jobs/123123124324324"
    assert op.curl.headers == ["Accept: application/json"]
    assert op.curl.body is None and op.documented_json_raw is None
    assert op.description == "Cancels a running job"
    assert (op.source, op.line) == ("operations/jobs.md", 9)
    ex = op.examples["sync"]
    assert ex.code == textwrap.dedent("""\
        from dqops import client
        from dqops.client.api.jobs import cancel_job

        dqops_client = client.Client(
            'http://localhost:8888/'
        )

        call_result = cancel_job.sync(
            '123123124324324',
            client=dqops_client
        )

    """)
    assert ex.id == "jobs.cancel_job[sync]" and not ex.is_async and not ex.is_auth
    assert ex.documented_repr is None
    assert ex.line == 52  # first code line in the page


def test_collect_error_samples_auth_async_exactly(older):
    corpus = older
    op = corpus.by_key[("jobs", "collect_error_samples")]
    assert op.curl.body_raw == '"{\\"data_scope\\":\\"table\\",\\"dummy_sensor_execution\\":false}"'
    assert op.curl.body == '{"data_scope":"table","dummy_sensor_execution":false}'
    assert op.curl_body_json == {"data_scope": "table", "dummy_sensor_execution": False}
    assert op.curl.headers == ["Accept: application/json", "Content-Type: application/json"]
    assert op.documented_json == {
        "jobId": {"jobId": 123456789, "createdAt": "2007-10-11T13:42:00Z"},
        "result": {
            "executed_error_samplers": 3,
            "columns_analyzed": 1,
            "columns_successfully_analyzed": 0,
            "total_error_samplers_failed": 1,
            "total_error_samples_collected": 2,
        },
        "status": "finished",
    }
    ex = op.examples["auth_async"]
    assert ex.is_async and ex.is_auth and ex.id == "jobs.collect_error_samples[auth_async]"
    # tabs inside the call's parentheses are kept: the code is verbatim
    assert ex.code == (
        "from dqops import client\n"
        "from dqops.client.api.jobs import collect_error_samples\n"
        "from dqops.client.models import CollectErrorSamplesParameters, \\\n"
        "                                ErrorSamplesDataScope\n"
        "\n"
        "token = 's4mp13_4u7h_70k3n'\n"
        "\n"
        "dqops_client = client.AuthenticatedClient(\n"
        "    'http://localhost:8888/',\n"
        "    token=token\n"
        ")\n"
        "\n"
        "request_body = CollectErrorSamplesParameters(\n"
        "\tdata_scope=ErrorSamplesDataScope.TABLE,\n"
        "\tdummy_sensor_execution=False\n"
        ")\n"
        "\n"
        "call_result = await collect_error_samples.asyncio(\n"
        "    client=dqops_client,\n"
        "    json_body=request_body\n"
        ")\n"
        "\n"
    )
    assert ex.documented_repr.startswith("CollectErrorSamplesResult(\n\tjob_id=DqoQueueJobId(\n")


def test_list_and_primitive_answers(older):
    corpus = older
    conns = corpus.by_key[("connections", "get_all_connections")].documented_json
    assert isinstance(conns, list) and len(conns) == 3
    assert conns[0]["connection_name"] == "sample_connection"
    assert conns[0]["postgresql"]["sslmode"] == "disable"
    assert corpus.by_key[("healthcheck", "is_healthy")].documented_json == "sample_string_value"
    assert corpus.by_key[("environment", "issue_api_key")].documented_json == "sample_string_value"


def test_json_escapes_in_curl_bodies(older):
    corpus = older
    # \n inside the JSON body stays a JSON escape: the file content has real newlines
    assert corpus.by_key[("dictionaries", "create_dictionary")].curl_body_json == {
        "dictionary_name": "sample_dictionary",
        "file_content": "USD\nEUR\nGBP\nAUD\nCHF\n",
    }
    # a JSON string body (text/plain operation)
    op = corpus.by_key[("users", "change_caller_password")]
    assert op.curl.body == '"sample_string_value"'
    assert op.curl_body_json == "sample_string_value"


def test_path_parameter_with_slashes(older):
    corpus = older
    op = corpus.by_key[("checks", "update_check")]
    assert op.url_template == "http://localhost:8888/api/checks/{fullCheckName}"
    # the docs write the parameter value unencoded
    assert op.curl_path == "/api/checks/sample_target/sample_category/sample_check"
    assert "'sample_target/sample_category/sample_check'," in op.examples["sync"].code


def test_seed_page_examples(older):
    corpus = older
    seed = corpus.seed_examples
    assert [e.id for e in seed] == [
        "seed:connections.get_all_connections[sync]",
        "seed:connections.get_all_connections[async]",
        "seed:connections.get_all_connections[auth_sync]",
        "seed:connections.get_all_connections[auth_async]",
        "seed-guide:jobs.run_checks[auth_sync]",
        "seed-guide:jobs.collect_statistics_on_table[auth_sync]",
        "seed-guide:jobs.collect_statistics_on_data_groups[auth_sync]",
        "seed-guide:jobs.import_tables[auth_sync]",
        "seed-guide:check_results.get_table_data_quality_status[auth_sync]",
        "seed-guide:jobs.wait_for_job[auth_sync]",
    ]
    for e in seed:
        assert e.source == dx.SEED_PAGE_NAME
        assert e.key in corpus.by_key, e.id  # maps to an operation page and its JSON
        assert (e.documented_repr is not None) == (e.page == "seed-guide"), e.id
        assert "raise_on_unexpected_status" in e.code or e.page == "seed-guide"
    by_id = {e.id: e for e in seed}
    assert by_id["seed-guide:jobs.wait_for_job[auth_sync]"].documented_repr == (
        "DqoJobHistoryEntryModel(\n"
        "\tstatus=DqoJobStatus.FINISHED,\n"
        "\tstatus_changed_at='2007-10-11T13:42:00Z'\n"
        ")\n"
    )
    # the seed's connecting examples are the operation page's, verbatim
    op = corpus.by_key[("connections", "get_all_connections")]
    for variant in dx.VARIANTS:
        assert by_id[f"seed:connections.get_all_connections[{variant}]"].code == op.examples[variant].code


def test_seed_guide_bodies_are_supersets_of_the_operation_curl_body(older):
    corpus = older
    """The seed guide's run_checks sets collect_error_samples=False in addition to the
    operation page's example; the curl body of the page is still a subset of what it sends."""
    ex = example(corpus, "seed-guide:jobs.run_checks[auth_sync]")
    assert "collect_error_samples=False," in ex.code
    op = corpus.operation_of(ex)
    assert "collect_error_samples=False," not in op.examples["auth_sync"].code
    assert op.curl_body_json == {"check_search_filters": {
        "connection": "sample_connection", "fullTableName": "sample_schema.sample_table",
        "enabled": True, "column": "sample_column", "columnDataType": "string"}}


def test_examples_compile_except_listed_invalid_python(corpus, source):
    listed = {d["id"] for d in json.loads(source.defects_file.read_text())["defects"]
              if d["category"] == "invalid-python"}
    failing = set()
    for ex in corpus.all_examples:
        try:
            dx.compile_example(ex)
        except SyntaxError:
            failing.add(ex.id)
    assert failing == listed


# ---------------------------------------------------------------------------
# curl and quoting
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("token, expected", [
    ('"abc"', "abc"),
    ('"{\\"a\\":1}"', '{"a":1}'),
    ('"\\"x\\""', '"x"'),
    ('"a\\\\b"', "a\\\\b"),  # backslashes not before a quote are literal
    ('"a\\\\\\"b"', 'a\\"b'),  # 2n+1 backslashes + quote: n backslashes and a quote
    ('"a\\nb"', "a\\nb"),
    ("plain", "plain"),
])
def test_unescape_cmd_quoted(token, expected):
    assert dx.unescape_cmd_quoted(token) == expected


def test_unescape_cmd_quoted_rejects_unbalanced_quotes():
    with pytest.raises(dx.DocsFormatError):
        dx.unescape_cmd_quoted('"abc')


def test_parse_curl_with_body():
    curl = dx.parse_curl(
        'curl -X PUT http://localhost:8888/api/x/y^\n'
        '\t\t-H "Accept: application/json"^\n'
        '\t\t-H "Content-Type: application/json"^\n'
        '\t\t-d^\n'
        '\t\t"{\\"a b\\":[1,2],\\"c\\":\\"d e\\"}"\n'
        '\t\n')
    assert curl.method == "PUT"
    assert curl.url == "http://localhost:8888/api/x/y"
    assert curl.headers == ["Accept: application/json", "Content-Type: application/json"]
    assert json.loads(curl.body) == {"a b": [1, 2], "c": "d e"}


def test_parse_curl_without_method_is_get():
    curl = dx.parse_curl('curl http://localhost:8888/api/connections^\n\t\t-H "Accept: application/json"\n')
    assert (curl.method, curl.url, curl.body) == ("GET", "http://localhost:8888/api/connections", None)


def test_parse_curl_rejects_unknown_options():
    with pytest.raises(dx.DocsFormatError):
        dx.parse_curl("curl --insecure http://localhost:8888/api")


# ---------------------------------------------------------------------------
# Page parsing on synthetic input
# ---------------------------------------------------------------------------

SYNTHETIC_PAGE = (
    "# title\n\n___\n## do_thing\nDoes a thing\n\n\n**POST**\n```\nhttp://localhost:8888/api/things/{thingId}\n```\n\n"
    "**Usage examples**\n\n\n"
    '=== "curl"\n    **Execution**\n\n    ```bash\n'
    "    curl -X POST http://localhost:8888/api/things/t1^\n"
    '\t\t-H "Accept: application/json"^\n\t\t-d^\n\t\t"[1]"\n\t\n    ```\n\n    \n'
    '    ??? example "Expand to see the returned result"\n    \n    \n'
    '        ```\n        {\n\t\t  "ok" : true\n\t\t}\n        ```\n    \n    \n\n\n'
    + "".join(
        f'=== "{tab}"\n    **Execution**\n\n    ```python\n    x = 1\n\ty = [\n\t\t{n}\n\t]\n\t\n    ```\n\n    \n\n\n'
        for n, tab in enumerate(dx.TAB_TO_VARIANT))
)


def test_parse_synthetic_page(tmp_path):
    page = tmp_path / "things.md"
    page.write_text(SYNTHETIC_PAGE)
    [op] = dx.parse_operation_page(page)
    assert (op.module, op.name, op.method, op.curl.url) == ("things", "do_thing", "POST",
                                                            "http://localhost:8888/api/things/t1")
    assert op.curl_body_json == [1]
    assert op.documented_json == {"ok": True}
    assert list(op.examples) == list(dx.VARIANTS)
    assert op.examples["auth_async"].code == "x = 1\ny = [\n\t3\n]\n\n"


def test_parse_page_rejects_a_missing_tab(tmp_path):
    page = tmp_path / "things.md"
    page.write_text(SYNTHETIC_PAGE.replace('=== "Python auth async client"', '=== "Python other client"'))
    with pytest.raises(dx.DocsFormatError, match="tabs"):
        dx.parse_operation_page(page)


def test_parse_page_rejects_bad_indentation(tmp_path):
    page = tmp_path / "things.md"
    page.write_text(SYNTHETIC_PAGE.replace("\ty = [", "  y = [", 1))
    with pytest.raises(dx.DocsFormatError, match="not indented"):
        dx.parse_operation_page(page)


# ---------------------------------------------------------------------------
# Names and defects
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("camel, snake", [
    ("getAllConnections", "get_all_connections"),
    ("getDashboardLevel1", "get_dashboard_level_1"),
    ("CheckResultsOverview", "check_results_overview"),
    ("dataGroupingConfigurationName", "data_grouping_configuration_name"),
    ("issueUrl", "issue_url"),
    ("status", "status"),
])
def test_operation_and_parameter_names(camel, snake):
    """The SDK's names of operationIds, tags and parameters (scripts/naming.py), as the docs use them."""
    assert naming.function_name(camel) == naming.module_name(camel) == naming.snake_case(camel) == snake


def test_spec_success_status(older):
    corpus = older
    by_key = corpus.spec_by_key
    assert by_key[("jobs", "cancel_job")].success_status == 204
    assert by_key[("connections", "get_all_connections")].success_status == 200
    assert by_key[("connections", "get_all_connections")].returns_json
    assert by_key[("jobs", "start_cron_scheduler")].success_status is None  # the spec lists only 500
    assert by_key[("dictionaries", "download_dictionary")].success_media_types == ("text/csv",)


def test_defect_list_agrees_with_detection(corpus, source):
    listed = json.loads(source.defects_file.read_text())
    detected = dx.detect_upstream_defects(corpus, source.spec_path, source.docs_dir)
    fields = ("id", "category", "exception", "match")
    assert [{k: d[k] for k in fields} for d in listed["defects"]] == \
           [{k: d[k] for k in fields} for d in detected]
    assert set(listed["categories"]) == set(dx.DEFECT_CATEGORIES)
    for d in listed["defects"]:
        assert listed["categories"][d["category"]]["exception"] == d["exception"]
        assert d["reason"]


def test_defect_counts(source):
    defects = json.loads(source.defects_file.read_text())["defects"]
    counts = Counter(d["category"] for d in defects)
    assert counts == DEFECT_COUNTS[source.label]
    assert sum(1 for d in defects if d["match"] == "name 'CheckType' is not defined") == 56
    # defects come in whole operations: all four variants are broken the same way
    per_op = Counter(d["id"].split("[")[0] for d in defects)
    assert set(per_op.values()) == {4}
    # none on the seed page
    assert not [d for d in defects if ":" in d["id"]]
