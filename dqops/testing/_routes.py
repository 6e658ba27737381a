"""The operations of the fake DQOps: the route table `make generate` writes (scripts/fake_routes.py), and matching.

A request matches a route when its method is the route's and its path has the route's segments,
each `{parameter}` matching one segment. A path parameter is one segment even when its value
holds a `/` (the SDK sends it as `%2F`). Where several routes match, the one whose first literal
segment comes earliest wins (`/api/jobs/jobs/{jobId}` against `/api/jobs/{something}/...`),
as Spring matches the most specific pattern.
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import unquote

ROUTES_FILE = "_fake_routes.json"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as the spec writes it: /api/connections/{connectionName}
    operation_id: str
    module: str  # the SDK's module: "connections.get_connection"
    status: int
    content_type: str | None
    content: bytes  # the documented answer, as sent

    @functools.cached_property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.strip("/").split("/"))

    @functools.cached_property
    def specificity(self) -> tuple[int, ...]:
        """Sorts literal segments before parameters, position by position."""
        return tuple(1 if segment.startswith("{") else 0 for segment in self.segments)

    @functools.cached_property
    def documented_json(self) -> Any:
        return json.loads(self.content) if self.content_type == "application/json" else None

    def parameters(self, segments: tuple[str, ...]) -> dict[str, str] | None:
        """The path parameters (decoded) if these raw segments match the route, else None."""
        if len(segments) != len(self.segments):
            return None
        found = {}
        for template, segment in zip(self.segments, segments, strict=True):
            if template.startswith("{"):
                if not segment:
                    return None
                found[template[1:-1]] = unquote(segment)
            elif unquote(segment) != template:
                return None
        return found


@dataclass(frozen=True)
class RouteTable:
    api_version: str
    spec_sha256: str
    routes: tuple[Route, ...]

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        segments = tuple(raw_path.strip("/").split("/"))
        best: tuple[Route, dict[str, str]] | None = None
        for route in self._by_length.get(len(segments), ()):
            if route.method != method:
                continue
            parameters = route.parameters(segments)
            if parameters is not None and (best is None or route.specificity < best[0].specificity):
                best = (route, parameters)
        return best

    def by_operation(self, operation_id: str) -> Route:
        return self._by_operation[operation_id]

    def named(self, operation: str) -> Route:
        """The route of an operation named by its operationId ("runChecks"), or by the SDK's module,
        with or without its group ("jobs.run_checks", "run_checks")."""
        found = {
            route.operation_id: route
            for route in self.routes
            if operation in (route.operation_id, route.module, route.module.rpartition(".")[2])
        }
        if len(found) != 1:
            problem = "names no operation" if not found else f"names several operations: {sorted(found)}"
            raise ValueError(f"{operation!r} {problem} (give an operationId such as 'runChecks')")
        return next(iter(found.values()))

    @functools.cached_property
    def _by_length(self) -> dict[int, tuple[Route, ...]]:
        grouped: dict[int, list[Route]] = {}
        for route in self.routes:
            grouped.setdefault(len(route.segments), []).append(route)
        return {length: tuple(routes) for length, routes in grouped.items()}

    @functools.cached_property
    def _by_operation(self) -> dict[str, Route]:
        return {route.operation_id: route for route in self.routes}


def _content(entry: dict[str, Any]) -> bytes:
    if "body" in entry:
        return json.dumps(entry["body"], separators=(",", ":")).encode("utf-8")
    if "text" in entry:
        return str(entry["text"]).encode("utf-8")
    if "base64" in entry:
        return base64.b64decode(entry["base64"])
    return b""


@functools.cache
def route_table() -> RouteTable:
    """The route table of the generated client (loaded once per process)."""
    try:
        text = resources.files("dqops.client").joinpath(ROUTES_FILE).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise RuntimeError(
            f"dqops.client has no {ROUTES_FILE}: the SDK was not generated with its fake DQOps (run `make generate`)"
        ) from exc
    table = json.loads(text)
    routes = tuple(
        Route(
            method=entry["method"],
            path=entry["path"],
            operation_id=entry["operation_id"],
            module=entry["module"],
            status=int(entry["status"]),
            content_type=entry["content_type"],
            content=_content(entry),
        )
        for entry in table["routes"]
    )
    return RouteTable(api_version=table["api_version"], spec_sha256=table["spec_sha256"], routes=routes)
