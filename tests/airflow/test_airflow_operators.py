"""dqops.airflow as a drop-in for DQOps's own package: every class, module path, keyword, default
and positional parameter of ../shared/dqops-airflow-1.13.2/surface.json; and the parts around the
operators: the hook and the `dqops` connection, templating, the provider metadata, the default of
`deferrable`, and importing the SDK without Airflow."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from typing import Any

import pytest
from support.paths import SHARED_DIR

SURFACE_FILE = SHARED_DIR / "dqops-airflow-1.13.2" / "surface.json"
SURFACE: dict[str, Any] = json.loads(SURFACE_FILE.read_text(encoding="utf-8"))
PACKAGE_PATHS = ("dqops.airflow", "dqops.airflow_operators")


def load_class(qualified: str, package: str) -> type:
    module_path, _, name = qualified.rpartition(".")
    module = __import__(package + module_path[len("dqops.airflow") :], fromlist=[name])
    return getattr(module, name)


def upstream_default(text: str | None) -> Any:
    """A default as surface.json writes it (`UNSET`, `RuleSeverityLevel.FATAL`, a literal), as a value."""
    from dqops.client.models.rule_severity_level import RuleSeverityLevel
    from dqops.client.types import UNSET

    if text is None:
        return inspect.Parameter.empty
    return eval(text, {"UNSET": UNSET, "RuleSeverityLevel": RuleSeverityLevel})  # reference data


@pytest.mark.parametrize("package", PACKAGE_PATHS)
@pytest.mark.parametrize("qualified", sorted(SURFACE))
def test_every_upstream_class_keeps_its_signature(airflow_home, qualified, package) -> None:
    expected = SURFACE[qualified]
    cls = load_class(qualified, package)
    assert cls is load_class(qualified, "dqops.airflow")
    ancestors = {base.__name__ for base in cls.__mro__}
    assert set(expected["bases"]) <= ancestors
    parameters = inspect.signature(cls.__init__).parameters
    for keyword, default in expected["init"].items():
        assert keyword in parameters, f"{qualified} lost the keyword {keyword}"
        assert parameters[keyword].default == upstream_default(default), keyword
    positional = [
        name
        for name, p in parameters.items()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and name != "self"
    ]
    assert positional == expected["positional"]
    added = [
        name
        for name, p in parameters.items()
        if name not in expected["init"] and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and name != "self"
    ]
    assert added == [], "a new parameter must be keyword-only"


def operator_classes() -> list[str]:
    return sorted(name for name, facts in SURFACE.items() if "AirflowException" not in facts["bases"])


@pytest.mark.parametrize("qualified", operator_classes())
def test_every_operator_takes_a_connection_and_an_api_key(airflow_home, qualified) -> None:
    from airflow.sdk import BaseOperator

    cls = load_class(qualified, "dqops.airflow")
    assert issubclass(cls, BaseOperator)
    parameters = inspect.signature(cls.__init__).parameters
    required = {name: "x" for name in SURFACE[qualified]["positional"]}
    if "table_names" in required:
        required["table_names"] = ["t"]
    op = cls(task_id="t", api_key="k", dqops_conn_id="my_dqops", **required)
    assert op.get_hook().dqops_conn_id == "my_dqops" and op.get_hook().api_key == "k"
    assert cls(task_id="t", **required).dqops_conn_id == "dqops_default"
    for field in cls.template_fields:
        assert hasattr(op, field), field
    assert "dqops_conn_id" in cls.template_fields
    assert "api_key" not in cls.template_fields  # rendered fields are shown in Airflow's UI
    waits_for_a_job = "table_status" not in qualified
    assert ("deferrable" in parameters or hasattr(op, "deferrable")) == waits_for_a_job


@pytest.mark.parametrize(
    "name", [n for n in SURFACE if "AirflowException" in SURFACE[n]["bases"] and SURFACE[n]["positional"]]
)
def test_answer_exceptions_push_the_answer_to_xcom(airflow_home, name) -> None:
    from airflow.exceptions import AirflowException

    pushed: list[tuple[str, Any]] = []

    class TaskInstance:
        def xcom_push(self, key: str, value: Any) -> None:
            pushed.append((key, value))

    cls = load_class(name, "dqops.airflow")
    error = cls(TaskInstance(), {"status": "failed", "jobId": {"jobId": 7}})
    assert isinstance(error, AirflowException)
    assert pushed == [("return_value", {"status": "failed", "jobId": {"jobId": 7}})]
    assert "job 7" in str(error)


def test_deferrable_follows_airflows_default(airflow_home, monkeypatch) -> None:
    from dqops.airflow import DqopsRunChecksOperator, DqopsWaitForJobOperator

    assert DqopsRunChecksOperator(task_id="a").deferrable is False
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")
    assert DqopsRunChecksOperator(task_id="b").deferrable is True
    assert DqopsWaitForJobOperator(task_id="c").deferrable is True
    assert DqopsWaitForJobOperator(task_id="d", deferrable=False).deferrable is False


class Conn:
    """The attributes of an Airflow Connection that settings_from_connection reads."""

    def __init__(self, host="", port=None, schema="", password=None, extra=None, conn_id="dq") -> None:
        self.conn_id, self.host, self.port, self.schema, self.password = conn_id, host, port, schema, password
        self.extra = json.dumps(extra) if extra else None
        self.extra_dejson = extra or {}


@pytest.mark.parametrize(
    ("conn", "base_url"),
    [
        (Conn(host="dqops.example.com", port=8888, schema="https"), "https://dqops.example.com:8888/"),
        (Conn(host="dqops.example.com"), "http://dqops.example.com/"),
        (Conn(host="https://dqops.example.com/some/path"), "https://dqops.example.com/"),
        (Conn(), "http://localhost:8888/"),
    ],
)
def test_a_connection_gives_the_base_url(airflow_home, conn, base_url) -> None:
    from dqops.airflow.hooks import settings_from_connection

    assert settings_from_connection(conn).base_url == base_url


def test_a_connection_gives_key_domain_timeout_and_tls(airflow_home) -> None:
    from dqops.airflow.hooks import settings_from_connection

    settings = settings_from_connection(
        Conn(host="h", password="k-secret", extra={"data_domain": "sales", "timeout": "30", "verify_ssl": "false"})
    )
    assert (settings.api_key, settings.data_domain, settings.timeout, settings.verify_ssl) == (
        "k-secret",
        "sales",
        30,
        False,
    )
    assert "k-secret" not in repr(settings)
    with pytest.raises(ValueError, match="schema must be http or https"):
        settings_from_connection(Conn(host="h", schema="ftp"))


@pytest.mark.fake_dqops(api_key="k")
def test_the_data_domain_and_key_reach_dqops(airflow_home, fake, monkeypatch) -> None:
    from support.airflow_dags import connection_json

    from dqops.airflow.hooks import DqopsHook
    from dqops.client.api.jobs import get_all_jobs

    monkeypatch.setenv("AIRFLOW_CONN_DQOPS_DEFAULT", connection_json(fake.base_url, "k", data_domain="sales"))
    with DqopsHook().get_conn() as client:
        get_all_jobs.sync(client=client)
    request = fake.requests[-1]
    assert request.headers["authorization"] == "Bearer k"
    assert "DQODataDomain=sales" in request.headers["cookie"]
    assert DqopsHook().test_connection() == (True, "DQOps answered")
    wrong = DqopsHook(api_key="wrong").test_connection()
    assert wrong[0] is False and "401" in wrong[1]


def test_explicit_base_url_and_api_key_win_and_a_missing_default_connection_is_localhost(
    airflow_home, monkeypatch
) -> None:
    from airflow.exceptions import AirflowNotFoundException
    from support.airflow_dags import connection_json

    from dqops.airflow import DqopsRunChecksOperator
    from dqops.airflow.hooks import DqopsHook

    monkeypatch.delenv("AIRFLOW_CONN_DQOPS_DEFAULT", raising=False)
    assert DqopsHook().get_settings().base_url == "http://localhost:8888/"
    with pytest.raises(AirflowNotFoundException):
        DqopsHook("no_such_connection").get_settings()
    monkeypatch.setenv("AIRFLOW_CONN_DQOPS_DEFAULT", connection_json("https://conn.example:443", "conn-key"))
    from_connection = DqopsRunChecksOperator(task_id="a").get_hook().get_settings()
    assert (from_connection.base_url, from_connection.api_key) == ("https://conn.example:443/", "conn-key")
    explicit = DqopsRunChecksOperator(task_id="b", base_url="http://mine:1/x", api_key="mine").get_hook().get_settings()
    assert (explicit.base_url, explicit.api_key) == ("http://mine:1/", "mine")
    # The default URL written out is explicit too: it wins over the connection.
    written = DqopsRunChecksOperator(task_id="c", base_url="http://localhost:8888/").get_hook().get_settings()
    assert written.base_url == "http://localhost:8888/" and written.api_key == "conn-key"


def test_airflow_lists_the_dqops_connection_type(airflow_home) -> None:
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    hook = ProvidersManagerTaskRuntime().hooks["dqops"]
    assert hook is not None and hook.hook_class_name == "dqops.airflow.hooks.DqopsHook"
    assert hook.package_name == "dqops-sdk"


def test_the_sdk_never_imports_airflow() -> None:
    code = (
        "import sys, dqops, dqops.client, dqops.jobs, dqops.testing\n"
        "from dqops.client.api.jobs import run_checks\n"
        "print(sorted(m for m in sys.modules if m == 'airflow' or m.startswith(('airflow.', 'dqops.airflow'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_the_airflow_extra_and_the_provider_entry_point_are_declared() -> None:
    import importlib.metadata

    distribution = importlib.metadata.distribution("dqops-sdk")
    assert "airflow" in distribution.metadata.get_all("Provides-Extra")
    from packaging.requirements import Requirement

    (airflow,) = [
        r
        for r in map(Requirement, distribution.requires or [])
        if r.name == "apache-airflow" and r.marker is not None and r.marker.evaluate({"extra": "airflow"})
    ]
    assert airflow.specifier.contains(importlib.metadata.version("apache-airflow"))
    (entry,) = [e for e in distribution.entry_points if e.group == "apache_airflow_provider"]
    assert entry.value == "dqops.airflow.provider:get_provider_info"
