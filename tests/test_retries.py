"""Opt-in retries: which failures are retried, how many times, and how long the client waits.

No test sleeps: the policy's sleep, async_sleep and random are fakes that record the delays.
"""

from __future__ import annotations

import asyncio
import email.utils
import time

import httpx
import pytest
import respx

from dqops._runtime.retry import RetryPolicy, parse_retry_after
from dqops.client import Client, errors
from dqops.client.api.connections import delete_connection, get_all_connections, update_connection_basic
from dqops.client.api.jobs import run_checks
from dqops.client.models.connection_model import ConnectionModel
from dqops.client.models.run_checks_parameters import RunChecksParameters

BASE_URL = "http://dqops.test/"
CONNECTIONS_URL = "http://dqops.test/api/connections"
CONNECTION_URL = "http://dqops.test/api/connections/c1"
CONNECTION_BASIC_URL = "http://dqops.test/api/connections/c1/basic"
RUN_CHECKS_URL = "http://dqops.test/api/jobs/runchecks"
GUARD_SECONDS = 5.0
OK_LIST = httpx.Response(200, json=[{"connection_name": "a"}])


class Recorder:
    """Fake sleeps: record every delay; never wait."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.async_sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.async_sleeps.append(seconds)

    def policy(self, max_retries: int = 2, random: float = 0.5, **kwargs) -> RetryPolicy:
        return RetryPolicy(
            max_retries=max_retries,
            sleep=self.sleep,
            async_sleep=self.async_sleep,
            random=lambda: random,
            **kwargs,
        )


def backoff(n: int, factor: float = 0.5, random: float = 0.5) -> float:
    """The documented delay before retry n: backoff_factor * 2**(n-1) * (0.5 + random/2)."""
    return factor * 2 ** (n - 1) * (0.5 + random / 2)


@pytest.fixture
def mock():
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


def client_with(policy: RetryPolicy, **kwargs) -> Client:
    # Per-phase timeouts: a timeout in seconds would be a deadline that also bounds the
    # (recorded, never waited) backoffs; test_deadline_bounds_retry_waits covers that.
    return Client(
        BASE_URL, raise_on_unexpected_status=True, retry_policy=policy, timeout=httpx.Timeout(0.5), **kwargs
    )


# Off by default.


def test_retries_are_off_by_default(mock):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(503), OK_LIST])
    assert RetryPolicy().max_retries == 0
    with Client(BASE_URL, raise_on_unexpected_status=True) as dqops:
        assert dqops.retry_policy.max_retries == 0
        with pytest.raises(errors.ServerError) as info:
            get_all_connections.sync(client=dqops)
    assert info.value.status_code == 503
    assert route.call_count == 1


def test_connection_errors_are_not_retried_by_default(mock):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=httpx.ConnectError)
    with Client(BASE_URL) as dqops, pytest.raises(errors.ConnectionFailed) as info:
        get_all_connections.sync(client=dqops)
    assert route.call_count == 1
    assert info.value.attempts == 1


def test_default_sleeps_are_time_sleep_and_asyncio_sleep(monkeypatch):
    policy = RetryPolicy()
    assert policy.sleep is time.sleep
    # The default async sleep imports asyncio lazily (importing the SDK must not cost asyncio's
    # import) and waits with asyncio.sleep, so the event loop keeps running.
    awaited: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        awaited.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", recording_sleep)
    asyncio.run(policy.async_sleep(0.25))
    assert awaited == [0.25]


# Which failures are retried.


@pytest.mark.parametrize("status_code", [429, 502, 503, 504])
def test_retryable_statuses_are_retried_with_backoff(mock, rec, status_code):
    route = mock.get(CONNECTIONS_URL).mock(
        side_effect=[httpx.Response(status_code), httpx.Response(status_code), OK_LIST]
    )
    with client_with(rec.policy(max_retries=2)) as dqops:
        result = get_all_connections.sync(client=dqops)
    assert [c.connection_name for c in result] == ["a"]
    assert route.call_count == 3
    assert rec.sleeps == [pytest.approx(backoff(1)), pytest.approx(backoff(2))]
    assert rec.async_sleeps == []


@pytest.mark.parametrize("status_code", [400, 401, 403, 404, 409, 500, 501])
def test_other_statuses_are_not_retried(mock, rec, status_code):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(status_code), OK_LIST])
    with client_with(rec.policy(max_retries=3)) as dqops, pytest.raises(errors.UnexpectedStatus) as info:
        get_all_connections.sync(client=dqops)
    assert info.value.status_code == status_code
    assert route.call_count == 1
    assert rec.sleeps == []


@pytest.mark.parametrize(
    "httpx_error",
    [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError],
)
def test_transport_errors_of_a_get_are_retried(mock, rec, httpx_error):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=[httpx_error, OK_LIST])
    with client_with(rec.policy(max_retries=2)) as dqops:
        result = get_all_connections.sync(client=dqops)
    assert len(result) == 1
    assert route.call_count == 2
    assert rec.sleeps == [pytest.approx(backoff(1))]


@pytest.mark.parametrize(
    ("operation", "method", "url", "kwargs"),
    [
        pytest.param(delete_connection, "DELETE", CONNECTION_URL, {}, id="DELETE"),
        pytest.param(
            update_connection_basic,
            "PUT",
            CONNECTION_BASIC_URL,
            {"json_body": ConnectionModel(connection_name="c1")},
            id="PUT",
        ),
    ],
)
def test_other_idempotent_methods_are_retried(mock, rec, operation, method, url, kwargs):
    ok = httpx.Response(200, json={"jobId": 1}) if method == "DELETE" else httpx.Response(204)
    route = mock.request(method, url).mock(side_effect=[httpx.Response(503), httpx.Response(502), ok])
    with client_with(rec.policy(max_retries=2)) as dqops:
        operation.sync("c1", client=dqops, **kwargs)
    assert route.call_count == 3
    assert len(rec.sleeps) == 2


# POST: not idempotent.


@pytest.mark.parametrize("status_code", [429, 503])
def test_post_is_not_retried_on_a_status(mock, rec, status_code):
    route = mock.post(RUN_CHECKS_URL).mock(side_effect=[httpx.Response(status_code), httpx.Response(200, json={})])
    with client_with(rec.policy(max_retries=3)) as dqops, pytest.raises(errors.UnexpectedStatus) as info:
        run_checks.sync(client=dqops, json_body=RunChecksParameters())
    assert info.value.status_code == status_code
    assert route.call_count == 1
    assert rec.sleeps == []


@pytest.mark.parametrize(
    "httpx_error", [httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.WriteError]
)
def test_post_is_not_retried_after_it_may_have_reached_the_server(mock, rec, httpx_error):
    route = mock.post(RUN_CHECKS_URL).mock(side_effect=[httpx_error, httpx.Response(200, json={})])
    with client_with(rec.policy(max_retries=3)) as dqops, pytest.raises(errors.TransportError) as info:
        run_checks.sync(client=dqops, json_body=RunChecksParameters())
    assert isinstance(info.value.__cause__, httpx_error)
    assert route.call_count == 1
    assert rec.sleeps == []


def test_post_is_retried_after_a_connect_error(mock, rec):
    """Nothing was sent: retrying cannot start the job twice."""
    route = mock.post(RUN_CHECKS_URL).mock(
        side_effect=[httpx.ConnectError, httpx.Response(200, json={"jobId": {"jobId": 3}, "status": "queued"})]
    )
    with client_with(rec.policy(max_retries=2)) as dqops:
        result = run_checks.sync(client=dqops, json_body=RunChecksParameters())
    assert result.job_id.job_id == 3
    assert route.call_count == 2
    assert rec.sleeps == [pytest.approx(backoff(1))]


def test_post_is_retried_when_non_idempotent_retries_are_allowed(mock, rec):
    route = mock.post(RUN_CHECKS_URL).mock(
        side_effect=[httpx.Response(503), httpx.ReadError, httpx.Response(200, json={"status": "queued"})]
    )
    with client_with(rec.policy(max_retries=2, retry_non_idempotent=True)) as dqops:
        result = run_checks.sync(client=dqops, json_body=RunChecksParameters())
    assert result.status == "queued"
    assert route.call_count == 3
    assert rec.sleeps == [pytest.approx(backoff(1)), pytest.approx(backoff(2))]


# Exhausted retries: the last failure surfaces, typed.


def test_exhausted_status_retries_raise_the_last_status(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(
        side_effect=[httpx.Response(502), httpx.Response(504), httpx.Response(503, json={"message": "busy"})]
    )
    with client_with(rec.policy(max_retries=2)) as dqops, pytest.raises(errors.ServerError) as info:
        get_all_connections.sync(client=dqops)
    assert info.value.status_code == 503
    assert info.value.message == "busy"
    assert route.call_count == 3
    assert rec.sleeps == [pytest.approx(backoff(1)), pytest.approx(backoff(2))]


def test_exhausted_429_retries_raise_rate_limited(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "2"}))
    with client_with(rec.policy(max_retries=3)) as dqops, pytest.raises(errors.RateLimited) as info:
        get_all_connections.sync(client=dqops)
    assert info.value.retry_after == 2.0
    assert route.call_count == 4
    assert rec.sleeps == [2.0, 2.0, 2.0]


def test_exhausted_connection_retries_raise_connection_failed(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=httpx.ConnectError)
    with client_with(rec.policy(max_retries=3)) as dqops, pytest.raises(errors.ConnectionFailed) as info:
        get_all_connections.sync(client=dqops)
    assert route.call_count == 4
    assert info.value.attempts == 4
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert info.value.url == CONNECTIONS_URL
    assert rec.sleeps == [pytest.approx(backoff(n)) for n in (1, 2, 3)]


def test_exhausted_timeout_retries_raise_request_timeout(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=httpx.ReadTimeout)
    with client_with(rec.policy(max_retries=1)) as dqops, pytest.raises(errors.RequestTimeout) as info:
        get_all_connections.sync(client=dqops)
    assert route.call_count == 2
    assert info.value.attempts == 2


def test_the_last_failure_surfaces_whatever_came_before(mock, rec):
    mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(503), httpx.Response(503), httpx.ConnectError])
    with client_with(rec.policy(max_retries=2)) as dqops, pytest.raises(errors.ConnectionFailed):
        get_all_connections.sync(client=dqops)
    mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.ConnectError, httpx.ReadError, httpx.Response(504)])
    with client_with(rec.policy(max_retries=2)) as dqops, pytest.raises(errors.ServerError) as info:
        get_all_connections.sync(client=dqops)
    assert info.value.status_code == 504


def test_exhausted_retries_without_raise_raise_and_detailed_has_the_status(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(503))
    with Client(BASE_URL, retry_policy=rec.policy(max_retries=1)) as dqops:
        with pytest.raises(errors.ServerError):
            get_all_connections.sync(client=dqops)
        assert get_all_connections.sync_detailed(client=dqops).status_code == 503
    assert route.call_count == 4


# Delays: exponential backoff with jitter, capped; Retry-After overrides.


def test_backoff_doubles_with_the_jitter_of_random(mock):
    randoms = iter([0.0, 1.0, 0.5, 0.25])
    sleeps: list[float] = []
    policy = RetryPolicy(
        max_retries=4, backoff_factor=1.0, max_backoff=100.0, sleep=sleeps.append, random=lambda: next(randoms)
    )
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(503))
    with client_with(policy) as dqops, pytest.raises(errors.ServerError):
        get_all_connections.sync(client=dqops)
    assert sleeps == [
        pytest.approx(1.0 * 0.5),
        pytest.approx(2.0 * 1.0),
        pytest.approx(4.0 * 0.75),
        pytest.approx(8.0 * 0.625),
    ]


def test_backoff_is_capped_at_max_backoff(mock, rec):
    mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(502))
    policy = rec.policy(max_retries=5, random=1.0, backoff_factor=1.0, max_backoff=3.0)
    with client_with(policy) as dqops, pytest.raises(errors.ServerError):
        get_all_connections.sync(client=dqops)
    assert rec.sleeps == [pytest.approx(x) for x in (1.0, 2.0, 3.0, 3.0, 3.0)]


@pytest.mark.parametrize("random", [0.0, 0.3, 0.999])
@pytest.mark.parametrize("retry_number", [1, 2, 3, 6, 12])
def test_delay_formula(random, retry_number):
    policy = RetryPolicy(max_retries=20, backoff_factor=0.5, max_backoff=10.0, random=lambda: random)
    delay = policy.delay(retry_number)
    raw = 0.5 * 2 ** (retry_number - 1)
    assert 0 <= delay <= 10.0
    if raw * (0.5 + random / 2) <= 10.0 and raw <= 10.0:
        assert delay == pytest.approx(raw * (0.5 + random / 2))
    else:
        assert delay >= 10.0 * 0.5


def test_retry_after_longer_than_the_backoff_overrides_it(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(503, headers={"Retry-After": "0"}),
            OK_LIST,
        ]
    )
    with client_with(rec.policy(max_retries=2)) as dqops:
        get_all_connections.sync(client=dqops)
    assert route.call_count == 3
    # Retry-After: 0 asks for less than the backoff: it does not shorten the wait.
    assert rec.sleeps == [7.0, pytest.approx(backoff(2))]


def test_retry_after_is_capped_at_max_retry_after(mock, rec):
    mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(503, headers={"Retry-After": "3600"}), OK_LIST])
    with client_with(rec.policy(max_retries=1, max_retry_after=60.0)) as dqops:
        get_all_connections.sync(client=dqops)
    assert rec.sleeps == [60.0]


def test_retry_after_http_date_overrides_backoff(mock, rec):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(503, headers={"Retry-After": when}), OK_LIST])
    with client_with(rec.policy(max_retries=1)) as dqops:
        get_all_connections.sync(client=dqops)
    (delay,) = rec.sleeps
    assert 27.0 <= delay <= 30.0


def test_retry_after_http_date_in_the_past_waits_the_backoff(mock, rec):
    when = email.utils.formatdate(time.time() - 300, usegmt=True)
    mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(429, headers={"Retry-After": when}), OK_LIST])
    with client_with(rec.policy(max_retries=1)) as dqops:
        get_all_connections.sync(client=dqops)
    assert rec.sleeps == [pytest.approx(backoff(1))]


def test_invalid_retry_after_falls_back_to_backoff(mock, rec):
    mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(503, headers={"Retry-After": "soon"}), OK_LIST])
    with client_with(rec.policy(max_retries=1)) as dqops:
        get_all_connections.sync(client=dqops)
    assert rec.sleeps == [pytest.approx(backoff(1))]


def test_parse_retry_after():
    now = 1_700_000_000.0
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("later") is None
    assert parse_retry_after(email.utils.formatdate(now + 90, usegmt=True), now=lambda: now) == pytest.approx(90.0)
    assert parse_retry_after(email.utils.formatdate(now - 90, usegmt=True), now=lambda: now) == 0.0


# Configuring retries on the client.


def test_max_retries_argument_keeps_the_rest_of_the_policy(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(return_value=httpx.Response(503))
    policy = rec.policy(max_retries=0, backoff_factor=2.0)
    with client_with(policy, max_retries=2) as dqops, pytest.raises(errors.ServerError):
        get_all_connections.sync(client=dqops)
    assert route.call_count == 3
    assert rec.sleeps == [pytest.approx(backoff(1, factor=2.0)), pytest.approx(backoff(2, factor=2.0))]


def test_negative_max_retries_is_rejected():
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)


def test_with_options_views_keep_the_retry_policy(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(503), OK_LIST])
    with client_with(rec.policy(max_retries=1)) as dqops:
        get_all_connections.sync(client=dqops.with_options(timeout=httpx.Timeout(0.2), headers={"X-A": "1"}))
    assert route.call_count == 2
    assert route.calls[1].request.headers["X-A"] == "1"


def test_deadline_bounds_retry_waits(mock, rec):
    """A timeout in seconds is a deadline: a wait that would end past it is not waited, and the
    last answer surfaces (the fake sleeps do not wait, the planned delays are what counts)."""
    route = mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(503), httpx.Response(503), OK_LIST])
    policy = rec.policy(max_retries=2, backoff_factor=0.4)  # waits 0.3 s, then 0.6 s
    with Client(BASE_URL, retry_policy=policy, timeout=0.5) as dqops, pytest.raises(errors.ServerError):
        get_all_connections.sync(client=dqops)
    assert rec.sleeps == [pytest.approx(0.3)]
    assert route.call_count == 2


@pytest.mark.asyncio
async def test_deadline_bounds_retry_waits_async(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.ConnectError("refused"), OK_LIST])
    policy = rec.policy(max_retries=2, backoff_factor=4.0)  # waits 3 s
    async with Client(BASE_URL, retry_policy=policy, timeout=2.0) as dqops:
        with pytest.raises(errors.ConnectionFailed):
            await asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)
    assert rec.async_sleeps == []
    assert route.call_count == 1


# Async: the same rules, waiting with the injected async_sleep.


@pytest.mark.asyncio
async def test_async_retries_use_async_sleep(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(503), httpx.ConnectError, OK_LIST])
    async with client_with(rec.policy(max_retries=2)) as dqops:
        result = await asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)
    assert len(result) == 1
    assert route.call_count == 3
    assert rec.async_sleeps == [pytest.approx(backoff(1)), pytest.approx(backoff(2))]
    assert rec.sleeps == []


@pytest.mark.asyncio
async def test_async_retry_after_is_honoured(mock, rec):
    mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(429, headers={"Retry-After": "4"}), OK_LIST])
    async with client_with(rec.policy(max_retries=1)) as dqops:
        await asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)
    assert rec.async_sleeps == [4.0]


@pytest.mark.asyncio
async def test_async_exhausted_retries_raise_typed_errors(mock, rec):
    route = mock.get(CONNECTIONS_URL).mock(side_effect=httpx.ReadTimeout)
    async with client_with(rec.policy(max_retries=2)) as dqops:
        with pytest.raises(errors.RequestTimeout) as info:
            await asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)
    assert route.call_count == 3
    assert info.value.attempts == 3
    assert len(rec.async_sleeps) == 2


@pytest.mark.asyncio
async def test_async_post_is_not_retried_on_a_status(mock, rec):
    route = mock.post(RUN_CHECKS_URL).mock(side_effect=[httpx.Response(503), httpx.Response(200, json={})])
    async with client_with(rec.policy(max_retries=2)) as dqops:
        with pytest.raises(errors.ServerError):
            await asyncio.wait_for(run_checks.asyncio(client=dqops, json_body=RunChecksParameters()), GUARD_SECONDS)
    assert route.call_count == 1
    assert rec.async_sleeps == []


@pytest.mark.asyncio
async def test_async_post_is_retried_after_a_connect_error(mock, rec):
    route = mock.post(RUN_CHECKS_URL).mock(
        side_effect=[httpx.ConnectError, httpx.Response(200, json={"status": "queued"})]
    )
    async with client_with(rec.policy(max_retries=2)) as dqops:
        result = await asyncio.wait_for(
            run_checks.asyncio(client=dqops, json_body=RunChecksParameters()), GUARD_SECONDS
        )
    assert result.status == "queued"
    assert route.call_count == 2
    assert rec.async_sleeps == [pytest.approx(backoff(1))]


@pytest.mark.asyncio
async def test_default_async_retry_sleeps_with_asyncio_sleep(mock, monkeypatch):
    """The default policy waits with asyncio.sleep in async calls, never with the blocking time.sleep."""
    waited: list[float] = []
    real_asyncio_sleep = asyncio.sleep

    async def recording_sleep(seconds: float, *args, **kwargs):
        waited.append(seconds)
        return await real_asyncio_sleep(0, *args, **kwargs)

    def forbidden_sleep(seconds: float) -> None:
        raise AssertionError("time.sleep called from an async retry")

    policy = RetryPolicy(max_retries=1, backoff_factor=0.001, random=lambda: 0.0)
    route = mock.get(CONNECTIONS_URL).mock(side_effect=[httpx.Response(503), OK_LIST])
    async with client_with(policy) as dqops:
        monkeypatch.setattr(asyncio, "sleep", recording_sleep)
        monkeypatch.setattr(time, "sleep", forbidden_sleep)
        try:
            result = await asyncio.wait_for(get_all_connections.asyncio(client=dqops), GUARD_SECONDS)
        finally:
            monkeypatch.undo()
    assert len(result) == 1
    assert route.call_count == 2
    assert waited == [pytest.approx(policy.min_delay)]  # the backoff (0.0005 s) is below the minimum
