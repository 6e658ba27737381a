"""The typed errors a user catches: status errors by class, transport errors, decoding errors,
and the forward compatibility of parsing (unknown enum values and fields are kept).

Real generated operations against a respx mock of a DQOps instance.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from dqops.client import Client, errors
from dqops.client.api.connections import get_all_connections
from dqops.client.api.jobs import run_checks
from dqops.client.api.tables import get_table
from dqops.client.models.dqo_job_status import DqoJobStatus
from dqops.client.models.run_checks_parameters import RunChecksParameters
from dqops.client.models.run_checks_queue_job_result import RunChecksQueueJobResult
from dqops.client.models.table_model import TableModel
from dqops.client.models.table_spec import TableSpec

BASE_URL = "http://dqops.test:8888/"
CONNECTIONS_URL = "http://dqops.test:8888/api/connections"
TABLE_URL = "http://dqops.test:8888/api/connections/c/schemas/s/tables/t"
RUN_CHECKS_URL = "http://dqops.test:8888/api/jobs/runchecks"
GUARD_SECONDS = 5.0


def spring_error(status_code: int, error: str, message: str) -> dict:
    return {
        "timestamp": "2024-05-01T10:00:00.000+00:00",
        "status": status_code,
        "error": error,
        "message": message,
        "path": "/api/connections",
    }


STATUS_CLASSES = [
    (400, errors.BadRequest),
    (401, errors.Unauthorized),
    (403, errors.Forbidden),
    (404, errors.NotFound),
    (409, errors.Conflict),
    (429, errors.RateLimited),
    (500, errors.ServerError),
    (502, errors.ServerError),
    (503, errors.ServerError),
    (504, errors.ServerError),
]


def raising_client() -> Client:
    return Client(BASE_URL, raise_on_unexpected_status=True, timeout=0.5)


# The hierarchy.


def test_every_error_class_derives_from_dqops_error():
    for cls in (
        errors.ConfigurationError,
        errors.TransportError,
        errors.RequestTimeout,
        errors.ConnectionFailed,
        errors.UnexpectedStatus,
        errors.BadRequest,
        errors.Unauthorized,
        errors.Forbidden,
        errors.NotFound,
        errors.Conflict,
        errors.RateLimited,
        errors.ServerError,
        errors.ResponseDecodingError,
        errors.ModelDecodingError,
        errors.JobError,
        errors.JobFailed,
        errors.JobCancelled,
        errors.JobTimeout,
    ):
        assert issubclass(cls, errors.DQOpsError), cls
    assert issubclass(errors.RequestTimeout, errors.TransportError)
    assert issubclass(errors.ConnectionFailed, errors.TransportError)
    assert issubclass(errors.ModelDecodingError, ValueError)
    assert issubclass(errors.ResponseDecodingError, ValueError)


@pytest.mark.parametrize(("status_code", "error_class"), STATUS_CLASSES)
def test_status_error_classes_are_unexpected_status(status_code, error_class):
    assert issubclass(error_class, errors.UnexpectedStatus)


# Status errors, by class, with the Spring payload.


@pytest.mark.parametrize(("status_code", "error_class"), STATUS_CLASSES)
def test_status_raises_its_class_with_request_and_payload(mock, status_code, error_class):
    payload = spring_error(status_code, "Some Error", f"DQOps says no ({status_code})")
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(status_code, json=payload))
    with raising_client() as dqops, pytest.raises(error_class) as info:
        get_all_connections.sync(client=dqops)
    error = info.value
    assert type(error) is error_class
    assert isinstance(error, errors.UnexpectedStatus)
    assert isinstance(error, errors.DQOpsError)
    assert error.status_code == status_code
    assert error.method == "GET"
    assert error.url == CONNECTIONS_URL
    assert json.loads(error.text) == payload
    assert error.payload == payload
    assert error.message == f"DQOps says no ({status_code})"
    assert f"DQOps says no ({status_code})" in str(error)
    assert str(status_code) in str(error)


@pytest.mark.parametrize(("status_code", "error_class"), STATUS_CLASSES)
@pytest.mark.asyncio
async def test_status_raises_its_class_async(mock, status_code, error_class):
    payload = spring_error(status_code, "Some Error", "nope")
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(status_code, json=payload))
    async with raising_client() as dqops:
        with pytest.raises(error_class) as info:
            await asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)
    assert info.value.status_code == status_code
    assert info.value.payload == payload
    assert info.value.method == "GET"
    assert info.value.url == CONNECTIONS_URL


@pytest.mark.parametrize(("status_code", "error_class"), STATUS_CLASSES)
def test_status_without_json_payload_keeps_text(mock, status_code, error_class):
    mock.get(CONNECTIONS_URL).mock(
        return_value=httpx.Response(
            status_code, text="<html>gateway says no</html>", headers={"content-type": "text/html"}
        )
    )
    with raising_client() as dqops, pytest.raises(error_class) as info:
        get_all_connections.sync(client=dqops)
    assert info.value.payload is None
    assert info.value.message is None
    assert info.value.text == "<html>gateway says no</html>"
    assert "gateway says no" in str(info.value)


def test_status_error_of_a_post_names_the_method(mock):
    mock.post(RUN_CHECKS_URL).mock(
        return_value=httpx.Response(409, json=spring_error(409, "Conflict", "job key already used"))
    )
    with raising_client() as dqops, pytest.raises(errors.Conflict) as info:
        run_checks.sync(client=dqops, json_body=RunChecksParameters())
    assert info.value.method == "POST"
    assert info.value.url == RUN_CHECKS_URL
    assert info.value.message == "job key already used"


def test_rate_limited_exposes_retry_after(mock):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "12"}))
    with raising_client() as dqops, pytest.raises(errors.RateLimited) as info:
        get_all_connections.sync(client=dqops)
    assert info.value.retry_after == 12.0


@pytest.mark.parametrize(("status_code", "error_class"), STATUS_CLASSES)
def test_without_raise_the_call_still_raises_and_detailed_returns_the_status(mock, status_code, error_class):
    """sync() cannot return an error status (None would look like an empty answer): it raises the
    typed error whatever the client's setting; sync_detailed() of a non-raising client returns it."""
    payload = spring_error(status_code, "Some Error", "nope")
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(status_code, json=payload))
    with Client(BASE_URL, raise_on_unexpected_status=False, timeout=0.5) as dqops:
        with pytest.raises(error_class):
            get_all_connections.sync(client=dqops)
        detailed = get_all_connections.sync_detailed(client=dqops)
    assert detailed.status_code == status_code
    assert detailed.parsed is None
    assert json.loads(detailed.content) == payload


@pytest.mark.asyncio
async def test_without_raise_async_still_raises_and_detailed_returns_the_status(mock):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(404, json=spring_error(404, "Not Found", "x")))
    async with Client(BASE_URL, timeout=0.5) as dqops:
        with pytest.raises(errors.NotFound):
            await asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)
        detailed = await asyncio.wait_for(get_all_connections.asyncio_detailed(client=dqops), GUARD_SECONDS)
    assert detailed.status_code == 404


def test_seed_style_catch_of_unexpected_status_still_works(mock):
    """Code written for upstream's client catches errors.UnexpectedStatus and reads status_code/content."""
    mock.get(TABLE_URL).mock(return_value=httpx.Response(404, json=spring_error(404, "Not Found", "no table")))
    dqops = Client("http://dqops.test:8888/", raise_on_unexpected_status=True)
    try:
        get_table.sync("c", "s", "t", client=dqops)
    except errors.UnexpectedStatus as error:
        assert error.status_code == 404
        assert b"no table" in error.content
    else:
        pytest.fail("no error raised")
    finally:
        dqops.close()


# Transport errors.


@pytest.mark.parametrize(
    ("httpx_error", "error_class"),
    [
        (httpx.ConnectError, errors.ConnectionFailed),
        (httpx.ReadError, errors.ConnectionFailed),
        (httpx.RemoteProtocolError, errors.ConnectionFailed),
        (httpx.ConnectTimeout, errors.RequestTimeout),
        (httpx.ReadTimeout, errors.RequestTimeout),
        (httpx.WriteTimeout, errors.RequestTimeout),
        (httpx.PoolTimeout, errors.RequestTimeout),
    ],
)
def test_transport_failures_raise_typed_errors(mock, httpx_error, error_class):
    mock.get(CONNECTIONS_URL).mock(side_effect=httpx_error)
    with raising_client() as dqops, pytest.raises(error_class) as info:
        get_all_connections.sync(client=dqops)
    error = info.value
    assert isinstance(error, errors.TransportError)
    assert isinstance(error, errors.DQOpsError)
    assert isinstance(error.__cause__, httpx_error)
    assert isinstance(error.request, httpx.Request)
    assert error.method == "GET"
    assert error.url == CONNECTIONS_URL
    assert CONNECTIONS_URL in str(error)


@pytest.mark.parametrize(
    ("httpx_error", "error_class"),
    [(httpx.ConnectError, errors.ConnectionFailed), (httpx.ReadTimeout, errors.RequestTimeout)],
)
@pytest.mark.asyncio
async def test_transport_failures_raise_typed_errors_async(mock, httpx_error, error_class):
    mock.post(RUN_CHECKS_URL).mock(side_effect=httpx_error)
    async with raising_client() as dqops:
        with pytest.raises(error_class) as info:
            await asyncio.wait_for(run_checks.asyncio(client=dqops, json_body=RunChecksParameters()), GUARD_SECONDS)
    assert isinstance(info.value.__cause__, httpx_error)
    assert info.value.method == "POST"
    assert info.value.url == RUN_CHECKS_URL


# Decoding errors: a body that is not what the spec says.


def test_malformed_json_raises_decoding_error(mock):
    mock.get(CONNECTIONS_URL).mock(
        return_value=httpx.Response(
            200, content=b'[{"connection_name": "a"', headers={"content-type": "application/json"}
        )
    )
    with raising_client() as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        get_all_connections.sync(client=dqops)
    error = info.value
    assert "ConnectionModel" in str(error)
    assert error.expected == "list[ConnectionModel]"
    assert error.status_code == 200
    assert error.content == b'[{"connection_name": "a"'
    assert not isinstance(error, (KeyError, TypeError, AttributeError))
    assert isinstance(error.__cause__, ValueError)


def test_html_error_page_with_status_200_raises_decoding_error(mock):
    page = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
    mock.get(TABLE_URL).mock(return_value=httpx.Response(200, text=page, headers={"content-type": "text/html"}))
    with raising_client() as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        get_table.sync("c", "s", "t", client=dqops)
    assert "TableModel" in str(info.value)
    assert "text/html" in str(info.value)
    assert info.value.expected == "TableModel"


@pytest.mark.asyncio
async def test_malformed_json_raises_decoding_error_async(mock):
    mock.get(TABLE_URL).mock(return_value=httpx.Response(200, content=b"{not json"))
    async with raising_client() as dqops:
        with pytest.raises(errors.ResponseDecodingError) as info:
            await asyncio.wait_for(get_table.asyncio("c", "s", "t", client=dqops), GUARD_SECONDS)
    assert "TableModel" in str(info.value)


WRONG_NESTED_TYPES = [
    # (body of getTable, the field path the error names)
    pytest.param({"spec": [1, 2]}, "spec", id="list-where-object-belongs"),
    pytest.param({"spec": "yes"}, "spec", id="string-where-object-belongs"),
    pytest.param({"spec": {"timestamp_columns": ["a", "b"]}}, "spec.timestamp_columns", id="nested-list-for-object"),
    pytest.param({"spec": {"columns": [{"type_snapshot": {}}]}}, "spec.columns", id="list-where-map-belongs"),
    pytest.param({"spec": {"comments": {"c1": {"comment": "x"}}}}, "spec.comments", id="object-where-list-belongs"),
    pytest.param({"spec": {"comments": 5}}, "spec.comments", id="number-where-list-belongs"),
]


@pytest.mark.parametrize(("body", "field"), WRONG_NESTED_TYPES)
def test_wrong_type_in_nested_field_names_model_and_field(mock, body, field):
    mock.get(TABLE_URL).mock(return_value=httpx.Response(200, json={"connection_name": "c", **body}))
    with raising_client() as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        get_table.sync("c", "s", "t", client=dqops)
    error = info.value
    assert error.model == "TableModel"
    assert error.field == field
    assert "TableModel" in str(error)
    assert field in str(error)
    assert not isinstance(error, (KeyError, TypeError, AttributeError))


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([{"connection_name": "a"}, "not an object"], id="string-in-list-of-objects"),
        pytest.param([[1, 2]], id="list-in-list-of-objects"),
        pytest.param({"connection_name": "a"}, id="object-where-list-belongs"),
        pytest.param(5, id="number-where-list-belongs"),
    ],
)
def test_wrong_shape_of_a_list_answer(mock, body):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(200, json=body))
    with raising_client() as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        get_all_connections.sync(client=dqops)
    assert "ConnectionModel" in str(info.value)
    assert not isinstance(info.value, (KeyError, TypeError, AttributeError))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"spec": []}, "spec", id="empty-list-where-object-belongs"),
        pytest.param({"spec": [["stage", "x"]]}, "spec", id="list-of-pairs-where-object-belongs"),
        pytest.param({"spec": {"comments": {}}}, "spec.comments", id="empty-object-where-list-belongs"),
        pytest.param({"spec": {"labels": {"a": "b"}}}, "spec.labels", id="object-where-list-of-strings-belongs"),
    ],
)
def test_wrong_container_type_is_not_silently_accepted(mock, body, field):
    """Edge cases of the same rule: a list is not an object and an object is not a list, even when empty."""
    mock.get(TABLE_URL).mock(return_value=httpx.Response(200, json={"connection_name": "c", **body}))
    with raising_client() as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        get_table.sync("c", "s", "t", client=dqops)
    assert info.value.model == "TableModel"
    assert info.value.field == field


def test_from_dict_of_a_bad_value_raises_model_decoding_error():
    with pytest.raises(errors.ModelDecodingError) as info:
        TableModel.from_dict({"connection_name": "c", "spec": {"comments": [{"comment": "x"}, 7]}})
    error = info.value
    assert isinstance(error, ValueError)
    assert isinstance(error, errors.ResponseDecodingError)
    assert error.model == "TableModel"
    assert error.field == "spec.comments"
    assert "TableModel.spec.comments" in str(error)


@pytest.mark.parametrize("bad", [[1], "x", 3, None], ids=["list", "string", "number", "null"])
def test_from_dict_of_a_non_object_raises_model_decoding_error(bad):
    with pytest.raises(errors.ModelDecodingError) as info:
        TableSpec.from_dict(bad)
    assert isinstance(info.value, ValueError)
    assert info.value.model == "TableSpec"
    assert "TableSpec" in str(info.value)


# Forward compatibility: what a newer DQOps may send.


def test_unknown_enum_value_is_kept_and_survives_to_dict(mock):
    body = {"jobId": {"jobId": 12, "newIdField": "n"}, "status": "paused", "queuePosition": 3}
    mock.post(RUN_CHECKS_URL).mock(return_value=httpx.Response(200, json=body))
    with raising_client() as dqops:
        result = run_checks.sync(client=dqops, json_body=RunChecksParameters())
    assert isinstance(result, RunChecksQueueJobResult)
    assert result.status == "paused"
    assert str(result.status) == "paused"
    assert isinstance(result.status, DqoJobStatus)
    assert result.job_id.job_id == 12
    assert result.to_dict() == body
    assert json.loads(json.dumps(result.to_dict())) == body


def test_unknown_enum_value_from_dict():
    status = DqoJobStatus("paused")
    assert status == "paused"
    assert status.value == "paused"
    assert DqoJobStatus("finished") is DqoJobStatus.FINISHED
    result = RunChecksQueueJobResult.from_dict({"status": "paused"})
    assert result.status == "paused"
    assert result.to_dict() == {"status": "paused"}


def test_unknown_nested_enum_value_and_fields_survive_to_dict():
    body = {
        "jobId": {"jobId": 1},
        "status": "finished",
        "result": {"highest_severity": "catastrophic", "executed_checks": 3, "skipped_checks": 2},
    }
    result = RunChecksQueueJobResult.from_dict(body)
    assert result.status is DqoJobStatus.FINISHED
    assert result.result.highest_severity == "catastrophic"
    assert result.result.executed_checks == 3
    assert result.to_dict() == body


def test_unknown_fields_of_a_table_survive_to_dict():
    body = {"connection_name": "c", "spec": {"stage": "prod", "future_setting": {"x": [1, 2]}}, "new_flag": True}
    table = TableModel.from_dict(body)
    assert table.spec.stage == "prod"
    assert table.to_dict() == body


@pytest.mark.parametrize(
    ("body", "path"),
    [
        pytest.param({"spec": {"comments": {"c1": {"comment": "x"}}}}, TABLE_URL, id="nested"),
        pytest.param({"connection_name": "a"}, CONNECTIONS_URL, id="top-level"),
    ],
)
def test_object_where_list_belongs_is_reported_as_an_object(mock, body, path):
    """The reason must describe what was wrong (an object where an array belongs), not a key of that object."""
    mock.get(path).mock(return_value=httpx.Response(200, json=body))
    with raising_client() as dqops, pytest.raises(errors.ResponseDecodingError) as info:
        if path == TABLE_URL:
            get_table.sync("c", "s", "t", client=dqops)
        else:
            get_all_connections.sync(client=dqops)
    assert "got an object" in str(info.value), str(info.value)
    assert "got a string" not in str(info.value), str(info.value)


def test_operation_docstrings_name_the_errors_actually_raised(mock):
    """The Raises section users read in their IDE matches what is raised on a timeout."""
    mock.get(CONNECTIONS_URL).mock(side_effect=httpx.ReadTimeout)
    with raising_client() as dqops, pytest.raises(errors.RequestTimeout) as info:
        get_all_connections.sync(client=dqops)
    assert not isinstance(info.value, httpx.TimeoutException)
    for variant in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
        doc = getattr(get_all_connections, variant).__doc__
        assert "httpx.TimeoutException" not in doc, (
            f"{variant}: documents httpx.TimeoutException, raises RequestTimeout"
        )
        assert "RequestTimeout" in doc, f"{variant}: the docstring does not name errors.RequestTimeout"
