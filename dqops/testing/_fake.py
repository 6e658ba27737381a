"""`FakeDQOps`: a DQOps REST API on 127.0.0.1, in a background thread, for tests.

Every operation of the spec the SDK was generated from answers what the reference documents for
it (dqops/client/_fake_routes.json, written by `make generate`); the job operations run a model
of DQOps's job queue instead (_jobs.py). The server is the standard library's ThreadingHTTPServer,
one thread a connection, speaking HTTP/1.1 with keep-alive.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import parse_qs

from dqops.testing._jobs import DEFAULT_DATA_DOMAIN, JOB_KINDS, Job, JobOutcome, JobQueue
from dqops.testing._routes import Route, RouteTable, route_table

HOST = "127.0.0.1"
#: Where the fake reports a failure of its own while serving a connection (with its traceback).
log = logging.getLogger("dqops.testing")
#: The cookie that selects the data domain of a call in DQOps.
DATA_DOMAIN_COOKIE = "DQODataDomain"
#: What DQOps waits for a job when the call gives no waitTimeout (seconds).
DEFAULT_WAIT_TIMEOUT = 120
FAULT_MODES = ("drop", "drop_unprocessed")
#: How long stop() waits for the connections' threads to close them.
STOP_SECONDS = 5.0
#: The operations of the job queue that are not starts (JOB_KINDS), and the methods of
#: _JobOperations that answer them.
JOB_QUEUE_LOOKUPS = {
    "getJob": "get_job",
    "waitForJob": "wait_for_job",
    "waitForRunChecksJob": "wait_for_typed_result",
    "waitForCollectErrorSamplesJob": "wait_for_typed_result",
    "cancelJob": "cancel_job",
    "getAllJobs": "get_all_jobs",
    "getJobChangesSince": "get_job_changes_since",
}
#: Every operation the job queue answers, instead of its documented answer.
JOB_QUEUE_OPERATIONS = frozenset(JOB_KINDS) | frozenset(JOB_QUEUE_LOOKUPS)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received, in the order they arrived (`FakeDQOps.requests`).

    Attributes:
        method: "GET", "POST", ...
        path: The path as sent, percent-encoding kept (`/api/connections/a%2Fb`), without the query.
        query: Each query parameter's values, decoded: `{"wait": ["false"]}`.
        target: The path and query exactly as sent: `/api/jobs/runchecks?wait=false`.
        headers: The headers, names in lower case (`headers["authorization"]`); repeated ones joined by ", ".
        body: The raw body (b"" when none).
        json: The body parsed as JSON, or None when it is empty or not JSON.
        operation_id: The spec's operationId of the route it matched (`"runChecks"`), or None (a 404).
        path_parameters: The route's path parameters, decoded: `{"connectionName": "a/b"}`.
        status: The status the fake answered, or None while it is being answered (a long poll) or
            when the connection was dropped (`fail_next`).
        response: The body the fake answered (b"" when none, or not yet answered).
    """

    method: str
    path: str
    query: dict[str, list[str]]
    target: str
    headers: dict[str, str]
    body: bytes
    json: Any
    operation_id: str | None
    path_parameters: dict[str, str]
    status: int | None = None
    response: bytes = b""


@dataclass(frozen=True)
class _Answer:
    status: int
    content_type: str | None = None
    content: bytes = b""

    @classmethod
    def of_json(cls, status: int, value: Any) -> _Answer:
        return cls(status, "application/json", json.dumps(value, separators=(",", ":")).encode("utf-8"))


@dataclass
class _Fault:
    mode: str
    operation_id: str | None  # None: any request

    def applies_to(self, route: Route | None) -> bool:
        return self.operation_id is None or (route is not None and route.operation_id == self.operation_id)


def _spring_error(status: int, error: str, path: str, message: str) -> _Answer:
    """An error in the shape of Spring's error payload, as DQOps answers it (SpringErrorPayload)."""
    return _Answer.of_json(
        status,
        {"timestamp": int(time.time() * 1000), "status": status, "error": error, "message": message, "path": path},
    )


def _parse_cookies(header: str) -> dict[str, str]:
    cookies = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            cookies[name.strip()] = value.strip().strip('"')
    return cookies


@dataclass
class _State:
    """What the server threads share: the routes, the job queue, the recorded requests and faults."""

    routes: RouteTable
    api_key: str | None
    change_feed_wait: float
    queue: JobQueue
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    answers: dict[str, _Answer] = field(default_factory=dict)  # set_answer, by operationId
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, route: Route | None) -> _Fault | None:
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.applies_to(route):
                    return self.faults.pop(index)
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body are two writes: without TCP_NODELAY each answer would wait for the
    # client's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output is the test's."""

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        state = self.server.state
        body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        matched = state.routes.match(self.command, raw_path)
        route, path_parameters = matched if matched is not None else (None, {})
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        try:
            parsed_json = json.loads(body) if body else None
        except ValueError:
            parsed_json = None
        recorded = RecordedRequest(
            method=self.command,
            path=raw_path,
            query=parse_qs(raw_query, keep_blank_values=True),
            target=self.path,
            headers=headers,
            body=body,
            json=parsed_json,
            operation_id=route.operation_id if route is not None else None,
            path_parameters=path_parameters,
        )
        with state.lock:
            index = len(state.requests)
            state.requests.append(recorded)
        fault = state.take_fault(route)
        if fault is not None and fault.mode == "drop_unprocessed":
            self._drop()
            return
        try:
            answer = self._answer(state, recorded, route)
        except Exception as error:  # noqa: BLE001 - answered as DQOps answers its own failures
            answer = _spring_error(500, "Internal Server Error", raw_path, f"{type(error).__name__}: {error}")
        if fault is not None:
            self._drop()
            return
        with state.lock:
            if index < len(state.requests) and state.requests[index] is recorded:
                state.requests[index] = dataclasses.replace(recorded, status=answer.status, response=answer.content)
        self.send_response(answer.status)
        if answer.content_type is not None:
            self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.content)

    def _drop(self) -> None:
        """Close the connection without an answer (a fault `fail_next` asked for)."""
        self.close_connection = True
        self.server.dropped_on_purpose(self.connection)
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _answer(self, state: _State, request: RecordedRequest, route: Route | None) -> _Answer:
        if state.api_key is not None and request.headers.get("authorization") != f"Bearer {state.api_key}":
            return _spring_error(401, "Unauthorized", request.path, "Missing or invalid API key")
        if route is None:
            return _spring_error(404, "Not Found", request.path, f"No route for {request.method} {request.path}")
        with state.lock:
            answer = state.answers.get(route.operation_id)
        if answer is not None:
            return answer
        jobs = _JobOperations(state, request, route)
        handler = jobs.handler()
        if handler is not None:
            return handler()
        return _Answer(route.status, route.content_type, route.content)


class _Server(ThreadingHTTPServer):
    # Daemon threads: a fake a test never stopped, with a client's keep-alive connection still
    # open, must not keep the interpreter from exiting. stop() closes the connections and waits
    # for their threads to finish instead.
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, state: _State, port: int) -> None:
        self.state = state
        self.connections: set[socket.socket] = set()
        #: The open connections a fault closed: what goes wrong on them is the fault's doing.
        self.dropped: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def dropped_on_purpose(self, connection: socket.socket) -> None:
        with self.connections_lock:
            self.dropped.add(connection)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
            self.dropped.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """What went wrong serving a connection, instead of socketserver's traceback on stderr.

        Nothing on a connection a fault dropped (the test asked for it); a debug line for a client
        that went away or a connection stop() closed; the fake's own failure is logged as an
        error with its traceback (`dqops.testing`), which pytest shows with the failing test.
        """
        error = sys.exc_info()[1]
        with self.connections_lock:
            injected = request in self.dropped
        if injected:
            return
        if isinstance(error, OSError):
            log.debug("FakeDQOps: the connection from %s closed: %r", client_address, error)
            return
        log.error("FakeDQOps failed serving a request from %s", client_address, exc_info=error)

    def close_connections(self, timeout: float) -> None:
        """Shut every open connection down, and wait up to `timeout` seconds for their threads to close them."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.connections_lock:
                if not self.connections:
                    return
            time.sleep(0.01)


class _JobOperations:
    """The job operations of one request, answered from the job queue."""

    def __init__(self, state: _State, request: RecordedRequest, route: Route) -> None:
        self.state = state
        self.queue = state.queue
        self.request = request
        self.route = route
        cookies = _parse_cookies(request.headers.get("cookie", ""))
        self.data_domain = cookies.get(DATA_DOMAIN_COOKIE) or DEFAULT_DATA_DOMAIN

    def handler(self) -> Callable[[], _Answer] | None:
        """The method that answers this request's operation, if the job queue answers it."""
        operation_id = self.route.operation_id
        if operation_id in JOB_KINDS:
            return self.start
        name = JOB_QUEUE_LOOKUPS.get(operation_id)
        return None if name is None else cast("Callable[[], _Answer]", getattr(self, name))

    def _query(self, name: str) -> str | None:
        values = self.request.query.get(name)
        return values[-1] if values else None

    def _wait_timeout(self) -> float | _Answer:
        text = self._query("waitTimeout")
        if text is None:
            return DEFAULT_WAIT_TIMEOUT
        try:
            return max(0, int(text))
        except ValueError:
            return _spring_error(400, "Bad Request", self.request.path, f"waitTimeout is not a number: {text!r}")

    def _wait_for(self, job: Job, timeout: float) -> None:
        self.queue.wait_until(lambda: job.ended, timeout)

    def start(self) -> _Answer:
        wait = (self._query("wait") or "true").lower() != "false"
        timeout = self._wait_timeout()
        if isinstance(timeout, _Answer):
            return timeout
        job = self.queue.start_job(
            self.route.operation_id, self.request.json, self._query("jobBusinessKey"), self.data_domain
        )
        with self.queue.condition:
            if not wait:
                return _Answer.of_json(201, {"jobId": job.id_model()})
            self._wait_for(job, timeout)
            return _Answer.of_json(201, job.queue_result())

    def _job(self) -> Job | None:
        return self.queue.find(self.request.path_parameters["jobId"], self.data_domain)

    def get_job(self) -> _Answer:
        with self.queue.condition:
            job = self._job()
            return _Answer(404) if job is None else _Answer.of_json(200, job.history_model())

    def wait_for_job(self) -> _Answer:
        return self._wait_and_answer(Job.history_model)

    def wait_for_typed_result(self) -> _Answer:
        return self._wait_and_answer(Job.queue_result)

    def _wait_and_answer(self, model: Callable[[Job], dict[str, Any]]) -> _Answer:
        """A wait operation: the job's `model` once it ends or `waitTimeout` passes; 404 for an unknown job."""
        timeout = self._wait_timeout()
        if isinstance(timeout, _Answer):
            return timeout
        with self.queue.condition:
            job = self._job()
            if job is None:
                return _Answer(404)
            self._wait_for(job, timeout)
            return _Answer.of_json(200, model(job))

    def cancel_job(self) -> _Answer:
        with self.queue.condition:
            job = self._job()
            if job is not None:
                self.queue.cancel(job)
        return _Answer(204)  # DQOps answers 204 whether it knew the job or not

    def _folder_status(self) -> Any:
        documented = self.state.routes.by_operation("getAllJobs").documented_json
        return documented.get("folderSynchronizationStatus") if isinstance(documented, dict) else None

    def _snapshot(self, key: str, items: list[Any] | None) -> dict[str, Any]:
        answer: dict[str, Any] = {} if items is None else {key: items}
        folder_status = self._folder_status()
        if folder_status is not None:
            answer["folderSynchronizationStatus"] = folder_status
        answer["lastSequenceNumber"] = self.queue.next_sequence()
        return answer

    def get_all_jobs(self) -> _Answer:
        with self.queue.condition:
            jobs = [job.history_model() for job in self.queue.all_jobs(self.data_domain)]
            return _Answer.of_json(200, self._snapshot("jobs", jobs))

    def get_job_changes_since(self) -> _Answer:
        text = self.request.path_parameters["sequenceNumber"]
        try:
            sequence = int(text)
        except ValueError:
            return _spring_error(400, "Bad Request", self.request.path, f"sequenceNumber is not a number: {text!r}")
        with self.queue.condition:
            self.queue.wait_until(
                lambda: bool(self.queue.changes_after(sequence, self.data_domain)), self.state.change_feed_wait
            )
            changes = self.queue.changes_after(sequence, self.data_domain)
            # After a wait with no change DQOps sends no list at all.
            return _Answer.of_json(200, self._snapshot("jobChanges", changes or None))


class FakeDQOps:
    """A fake DQOps server for tests: a real HTTP server on 127.0.0.1 at a free port.

        with FakeDQOps() as fake:
            dqops = client.Client(fake.base_url)
            ...

    - Every operation of DQOps's API answers the answer the reference documents for it, with the
      documented status, and no body where DQOps sends none. An unknown path, or a known path
      with another method, answers 404 with Spring's error payload, as DQOps does.
    - With `api_key`, every call must send `Authorization: Bearer <api_key>`, or gets 401.
      Without it, calls are accepted with or without a key.
    - The job operations run a model of DQOps's job queue: each start (run checks, collect
      statistics, collect error samples, import tables, delete stored data, synchronize folders)
      queues a job with a new id and the `jobBusinessKey` it was sent; the job runs after half of
      its delay and ends after its delay as `set_job_outcome` says. `wait`/`waitTimeout` of the
      starts and of the wait operations are honoured, `cancelJob` cancels, `getJob` and the wait
      operations find a job by id or business key (404 once it has left the history:
      `forget_job_history`), and every status change is in the change feed
      (`getJobChangesSince`, which waits up to `change_feed_wait` seconds for a change, where
      DQOps waits 20) and in `getAllJobs`. Jobs are kept per data domain (the `DQODataDomain` cookie).
    - `requests` records every request; `fail_next` drops connections on purpose.

    Args:
        api_key: The API key calls must send, or None to accept any call.
        job_delay: Seconds a job takes from queued to its end (the default of `set_job_outcome`).
        change_feed_wait: The longest a change-feed call waits for a change, in seconds.
        port: The port to listen on; 0 (the default) picks a free one.
    """

    def __init__(
        self, api_key: str | None = None, *, job_delay: float = 0.5, change_feed_wait: float = 2.0, port: int = 0
    ) -> None:
        routes = route_table()
        self._state = _State(
            routes=routes,
            api_key=api_key,
            change_feed_wait=change_feed_wait,
            queue=JobQueue(results=self._documented_result, outcome=JobOutcome(delay=job_delay)),
        )
        self._initial_outcome = self._state.queue.outcome
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def _documented_result(self, operation_id: str) -> Any:
        documented = self._state.routes.by_operation(operation_id).documented_json
        return documented.get("result") if isinstance(documented, dict) else None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving (once); returns the fake itself."""
        if self._server is not None:
            return self
        self._server = _Server(self._state, self._port)
        self._state.queue.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeDQOps", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: pending long polls answer at once, open connections are closed. Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        self._state.queue.close()
        server.close_connections(timeout=STOP_SECONDS)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    close = stop

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The root URL of the server, ending in `/`: `http://127.0.0.1:<port>/`."""
        if self._server is None:
            raise RuntimeError("FakeDQOps is not started: use `with FakeDQOps() as fake:` or call start()")
        return f"http://{HOST}:{self._server.server_address[1]}/"

    @property
    def api_version(self) -> str:
        """The DQOps version whose API the fake answers (that of the generated client)."""
        return self._state.routes.api_version

    # -- what tests set and read -------------------------------------------------------------

    def set_job_outcome(
        self,
        status: str = "finished",
        highest_severity: str = "valid",
        delay: float = 0.5,
        error_message: str | None = None,
    ) -> None:
        """How the jobs started from now on end: `status` ("finished", "failed" or "cancelled") after
        `delay` seconds (running from half of it), a run-checks result with `highest_severity`
        ("valid", "warning", "error", "fatal"), and `error_message` on a failed job."""
        outcome = JobOutcome(status, highest_severity, delay, error_message)
        with self._state.queue.condition:
            self._state.queue.outcome = outcome

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._state.lock:
            return list(self._state.requests)

    def clear_requests(self) -> None:
        with self._state.lock:
            self._state.requests.clear()

    @property
    def jobs(self) -> list[dict[str, Any]]:
        """Every job in the history, of every data domain, as DQOps's DqoJobHistoryEntryModel JSON."""
        with self._state.queue.condition:
            return [job.history_model() for job in self._state.queue.jobs.values()]

    def forget_job_history(self, *, changes_only: bool = False) -> None:
        """Drop the job history, as DQOps drops what is older than it keeps: every job (which then
        answers 404 by id or business key) and every change of the feed, or with `changes_only`
        the changes alone. As in DQOps, the feed then answers the changes it still has, from any
        older sequence number, with no sign that others are gone."""
        self._state.queue.forget_history(changes_only)

    def fail_next(self, count: int = 1, mode: str = "drop", *, operation: str | None = None) -> None:
        """Make the next `count` requests (of `operation` only, when given: an operationId such as
        "runChecks" or the SDK's module name "run_checks") fail:

        - "drop": the request is processed (a start queues its job), then the connection is
          closed without an answer, as when a network drops the answer;
        - "drop_unprocessed": the connection is closed without processing the request.

        The requests are still recorded, with `status` None.
        """
        if mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}, got {mode!r}")
        if count < 0:
            raise ValueError(f"count must be 0 or more, got {count!r}")
        operation_id = None if operation is None else self._state.routes.named(operation).operation_id
        with self._state.lock:
            self._state.faults.extend(_Fault(mode, operation_id) for _ in range(count))

    def set_answer(self, operation: str, json: Any = None, *, status: int = 200) -> None:
        """Answer every later call of `operation` (an operationId such as "getTable", or the SDK's
        module name "get_table") with `status` and the JSON value `json`, or no body when it is
        None, instead of the documented answer or the job queue: `fake.set_answer("get_table",
        {"status": 404, "error": "Not Found"}, status=404)`. `reset()` restores every answer."""
        route = self._state.routes.named(operation)
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status code, got {status!r}")
        answer = _Answer(status) if json is None else _Answer.of_json(status, json)
        with self._state.lock:
            self._state.answers[route.operation_id] = answer

    def reset(self) -> None:
        """Forget the requests, the jobs, the pending faults, the answers set and the job outcome: as new."""
        self.clear_requests()
        with self._state.lock:
            self._state.faults.clear()
            self._state.answers.clear()
        self.forget_job_history()
        with self._state.queue.condition:
            self._state.queue.outcome = self._initial_outcome
