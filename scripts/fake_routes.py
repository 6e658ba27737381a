"""The route table of `dqops.testing.FakeDQOps`: every operation of the spec with its documented answer.

The wheel holds no spec, so `make generate` writes what the fake needs into the generated
package, as `dqops/client/_fake_routes.json`:

    {"api_version": ..., "spec_sha256": ...,
     "routes": [{"method": "GET", "path": "/api/connections/{connectionName}",
                 "operation_id": "getConnection", "module": "connections.get_connection",
                 "status": 200, "content_type": "application/json", "body": {...}}, ...]}

Each answer is the one the reference documents for the operation (scripts/generate_docs.py
builds the same sample from the same project with scripts/docs_samples.py): the spec's first
2xx status (200 where the spec lists only an error), the sample JSON where the operation answers
JSON, a short sample of the media type where it answers a file or text, and no body otherwise
(the Mono<Void> operations, which scripts/clean_spec.py declares without one).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FILE_NAME = "_fake_routes.json"

#: What the fake answers for an operation whose answer is not JSON (the reference shows none).
SAMPLE_TEXT = {"text/csv": "USD\nEUR\nGBP\n"}
SAMPLE_BYTES = {
    "application/octet-stream": b"sample\x00bytes",
    "application/zip": b"PK\x05\x06" + bytes(18),  # an empty zip archive
}


def success_answer(operation: Mapping[str, Any]) -> tuple[int, str | None]:
    """The documented success: the first 2xx status and its media type (None: no body), JSON
    first where several are listed."""
    responses = operation.get("responses", {})
    codes = sorted(int(code) for code in responses if code.isdigit() and 200 <= int(code) < 300)
    if not codes:  # only an error is documented (delete_check: 404; start_cron_scheduler: 500)
        return 200, None
    content = sorted(responses[str(codes[0])].get("content") or {})
    if not content:
        return codes[0], None
    return codes[0], "application/json" if "application/json" in content else content[0]


def answer_body(media_type: str | None, sample_json: Any) -> dict[str, Any]:
    """The body fields of a route: `body` (JSON), `text` or `base64`, or none."""
    if media_type is None:
        return {}
    if media_type == "application/json":
        return {"body": sample_json}
    if media_type.startswith("text/"):
        return {"text": SAMPLE_TEXT.get(media_type, "sample text\n")}
    sample = SAMPLE_BYTES.get(media_type, SAMPLE_BYTES["application/octet-stream"])
    return {"base64": base64.b64encode(sample).decode("ascii")}


def fake_routes(project: Any, document: Mapping[str, Any], api_version: str, spec_sha256: str) -> dict[str, Any]:
    """The route table for the generator `project` of the spec `document` (generate.load_project)."""
    from scripts.docs_samples import SampleMaker
    from scripts.generate_docs import json_answer, raw_operations

    models = {model.class_info.name: model for model in project.openapi.models}
    samples = SampleMaker(models)
    raw = raw_operations(document)
    python_identifier = project.env.globals["python_identifier"]
    routes = []
    for tag, collection in project.openapi.endpoint_collections_by_tag.items():
        for endpoint in collection.endpoints:
            module = str(python_identifier(endpoint.name))
            method, path, operation_id = raw[module]
            status, media_type = success_answer(document["paths"][path][method.lower()])
            answer = json_answer(endpoint)
            if media_type == "application/json" and answer is None:
                media_type = None  # JSON the generator parses no model from: answered with no body
            sample = samples.value(answer.prop, "answer") if answer is not None else None
            routes.append(
                {
                    "method": method,
                    "path": path,
                    "operation_id": operation_id,
                    "module": f"{tag}.{module}",
                    "status": status,
                    "content_type": media_type,
                    **answer_body(media_type, sample),
                }
            )
    routes.sort(key=lambda route: (route["path"], route["method"]))
    return {"api_version": api_version, "spec_sha256": spec_sha256, "routes": routes}


def write_fake_routes(
    project: Any, document: Mapping[str, Any], package: Path, api_version: str, spec_sha256: str
) -> None:
    table = fake_routes(project, document, api_version, spec_sha256)
    (package / FILE_NAME).write_text(json.dumps(table, indent=1, sort_keys=False) + "\n", encoding="utf-8")
