"""Snapshot the public surface of upstream's published client (PyPI `dqops`) as reviewable JSON.

    .venv/bin/python -m scripts.upstream_surface                    # writes openapi/upstream/dqops-1.13.1.surface.json
    .venv/bin/python -m scripts.upstream_surface --check            # exit 1 if the committed snapshot is not what PyPI's wheel gives
    .venv/bin/python -m scripts.upstream_surface --version 1.13.1 --output PATH

The script downloads upstream's wheel from PyPI (`pip download --no-deps`), records its sha256,
installs it with `--no-deps` into a throw-away virtual environment together with the few
packages `dqops.client` imports (pinned below; the launcher's numpy, pandas, JDK installer...
are left out), and runs itself there with `--introspect`. Upstream's package is never installed
beside the SDK, and nothing at run time depends on it: tests/upstream_compat.py reads the snapshot.

The snapshot holds, with sorted keys and one line per leaf record:
- `api`: every module under dqops.client.api (`connections.get_all_connections`) with
  - `functions`: sync, sync_detailed, asyncio, asyncio_detailed, each with its parameters
    (name, kind: positional-or-keyword / keyword-only, required, annotation as written) and
    the annotation of what it returns;
  - `operation`: read from `_get_kwargs`'s source with `ast`: the HTTP method, the URL path
    template, and the JSON name of each path and query parameter by Python name, and the
    Python name of the request body;
- `models`: every class dqops.client.models exports: for an attrs model, its fields (Python
  name, JSON key as read from from_dict() and to_dict(), annotation, required, init) and its
  `__init__` parameters (name, kind, required) and public members; for an enum, its members
  (name -> value);
- `enum_usage`: for every enum, the model fields (class, JSON key) and the operation
  parameters (method, path, JSON name) typed with it;
- `client`, `types`, `errors`, `package`: the clients' constructor parameters, public methods
  and attributes, and what a client made with a base URL only sends (timeouts, redirects, the
  Authorization header); UNSET, Unset, File and Response; UnexpectedStatus's signature; each module's
  `__all__`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VERSION = "1.13.1"
SNAPSHOT_DIR = REPO_ROOT / "openapi" / "upstream"

# What dqops.client imports (httpx, attrs, dateutil) and what those need, at the pins of .venv
# where both have the package. Installed with --no-deps, so this list is the whole environment.
CLIENT_REQUIREMENTS = (
    "httpx==0.28.1",
    "httpcore==1.0.9",
    "h11==0.16.0",
    "anyio==4.16.0",
    "idna==3.20",
    "certifi==2026.10.19.post1",
    "sniffio==1.3.1",
    "typing_extensions==4.16.0",
    "attrs==26.1.0",
    "python-dateutil==4.0.0",
    "six==1.17.0",
)

VARIANTS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
KINDS = {
    "POSITIONAL_ONLY": "positional-only",
    "POSITIONAL_OR_KEYWORD": "positional-or-keyword",
    "KEYWORD_ONLY": "keyword-only",
    "VAR_POSITIONAL": "var-positional",
    "VAR_KEYWORD": "var-keyword",
}
# Dunder methods a user's code reaches through syntax: `with`, `async with`, `model[key]`, `key in model`.
PROTOCOL_METHODS = (
    "__enter__",
    "__exit__",
    "__aenter__",
    "__aexit__",
    "__getitem__",
    "__setitem__",
    "__delitem__",
    "__contains__",
)


# The arguments the default clients are made with: httpx_defaults records what they send.
BASE_URL = "http://localhost:8888/"
TOKEN = "t"


def snapshot_path(version: str) -> Path:
    return SNAPSHOT_DIR / f"dqops-{version}.surface.json"


# Introspection: runs inside the throw-away environment, with the standard library and upstream's package only.


def introspect() -> dict[str, Any]:
    import importlib
    import pkgutil

    import dqops.client
    import dqops.client.api
    import dqops.client.models

    api: dict[str, Any] = {}
    for info in sorted(pkgutil.walk_packages(dqops.client.api.__path__, "dqops.client.api."), key=lambda i: i.name):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        api[info.name.removeprefix("dqops.client.api.")] = _api_module(module)

    models: dict[str, Any] = {}
    for name in sorted(dqops.client.models.__all__):
        models[name] = _model_class(getattr(dqops.client.models, name))

    return {
        "api": api,
        "models": models,
        "enum_usage": _enum_usage(api, models),
        "client": _clients(),
        "types": _types(),
        "errors": _errors(),
        "package": {"all": sorted(dqops.client.__all__)},
    }


def _module_tree(obj: Any) -> Any:
    import ast
    import inspect

    return ast.parse(inspect.getsource(obj))


def _definitions(tree: Any) -> dict[str, Any]:
    """The top-level functions and classes of a parsed module, by name."""
    import ast

    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {node.name: node for node in tree.body if isinstance(node, kinds)}


def _annotations_of(function: Any) -> dict[str, str]:
    import ast

    arguments = function.args
    every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return {a.arg: ast.unparse(a.annotation) for a in every if a.annotation is not None}


def _parameters(
    callable_: Any, annotations: dict[str, str] | None = None, skip_self: bool = False
) -> list[dict[str, Any]]:
    import inspect

    records = []
    for position, parameter in enumerate(inspect.signature(callable_).parameters.values()):
        if skip_self and position == 0:
            continue
        record: dict[str, Any] = {
            "name": parameter.name,
            "kind": KINDS[parameter.kind.name],
            "required": parameter.default is inspect.Parameter.empty
            and parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD),
        }
        if annotations is not None:
            record["annotation"] = annotations.get(parameter.name)
        records.append(record)
    return records


def _api_module(module: Any) -> dict[str, Any]:
    import ast

    definitions = _definitions(_module_tree(module))
    functions = {}
    for variant in VARIANTS:
        node = definitions.get(variant)
        if node is None:  # operations that answer no body have the *_detailed variants only
            continue
        functions[variant] = {
            "parameters": _parameters(getattr(module, variant), _annotations_of(node)),
            "returns": ast.unparse(node.returns) if node.returns is not None else None,
        }
    return {"functions": functions, "operation": request_shape(definitions["_get_kwargs"])}


def request_shape(get_kwargs: Any) -> dict[str, Any]:
    """Method, URL template and parameter names of an operation, from the parsed source of its `_get_kwargs`.

    Reads upstream's functions and ours alike (tests/upstream_compat.py): the method and URL are
    the values of the request dict's keys; `params["checkType"] = ...` sends the parameter the
    value is made of (`check_type`, or upstream's local `json_check_type` made from it); a keyword
    of the URL's `.format()` names the path parameter its value is made of.
    """
    import ast

    parameters = set(_annotations_of(get_kwargs))

    def sent_parameter(value: Any) -> str:
        for node in ast.walk(value):
            if isinstance(node, ast.Name):
                for name in (node.id, node.id.removeprefix("json_")):
                    if name in parameters:
                        return name
        raise ValueError(f"cannot tell which parameter {ast.unparse(value)} sends")

    operation: dict[str, Any] = {"path_parameters": {}, "query_parameters": {}, "body": None}
    for node in ast.walk(get_kwargs):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                key_text = key.value if isinstance(key, ast.Constant) else None
                if key_text == "method":
                    operation["method"] = value.value.upper()
                elif key_text == "url":
                    if isinstance(value, ast.Call):  # "api/{connectionName}/...".format(connectionName=connection_name)
                        operation["path"] = value.func.value.value
                        for keyword in value.keywords:
                            operation["path_parameters"][sent_parameter(keyword.value)] = keyword.arg
                    else:
                        operation["path"] = value.value
                elif key_text in ("json", "content"):
                    operation["body"] = "json_body"
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Subscript)
            and isinstance(node.targets[0].value, ast.Name)
            and isinstance(node.targets[0].slice, ast.Constant)
        ):
            target, key_text = node.targets[0].value.id, node.targets[0].slice.value
            if target == "params":
                operation["query_parameters"][sent_parameter(node.value)] = key_text
            elif target == "_kwargs" and key_text in ("json", "content"):
                operation["body"] = "json_body"
    return operation


def _json_keys(method: Any) -> dict[str, str]:
    """JSON keys by the local each is read into (from_dict) or written from (to_dict)."""
    import ast

    keys: dict[str, str] = {}
    for node in ast.walk(method):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            # from_dict: _type = d.pop("type", UNSET), possibly inside cast(...)
            for call in ast.walk(node.value):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "pop"
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "d"
                ):
                    keys[node.targets[0].id] = call.args[0].value
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            # to_dict: field_dict["type"] = type
            target = node.targets[0]
            if (
                isinstance(target.value, ast.Name)
                and target.value.id == "field_dict"
                and isinstance(target.slice, ast.Constant)
                and isinstance(node.value, ast.Name)
            ):
                keys[node.value.id] = target.slice.value
        elif isinstance(node, ast.Dict):
            # to_dict: field_dict.update({"rule_name": rule_name, ...}) for required fields
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(value, ast.Name):
                    keys[value.id] = key.value
    return keys


def _model_class(cls: Any) -> dict[str, Any]:
    import ast
    import enum

    import attrs

    if issubclass(cls, enum.Enum):
        return {"kind": "enum", "members": {member.name: member.value for member in cls}}
    if not attrs.has(cls):
        raise ValueError(f"{cls.__name__} is neither an enum nor an attrs class")
    class_node = _definitions(_module_tree(sys.modules[cls.__module__]))[cls.__name__]
    annotations = {
        node.target.id: ast.unparse(node.annotation)
        for node in class_node.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    methods = {node.name: node for node in class_node.body if isinstance(node, ast.FunctionDef)}
    from_dict_keys = _json_keys(methods["from_dict"])
    to_dict_keys = _json_keys(methods["to_dict"])
    fields = []
    for field in attrs.fields(cls):
        key = None
        if field.name != "additional_properties":
            read = from_dict_keys.get(field.name, from_dict_keys.get("_" + field.name))
            written = to_dict_keys.get(field.name)
            if read is None or read != written:
                raise ValueError(f"{cls.__name__}.{field.name}: from_dict reads {read!r}, to_dict writes {written!r}")
            key = read
        fields.append(
            {
                "name": field.name,
                "json": key,
                "annotation": annotations.get(field.name),
                "required": field.default is attrs.NOTHING,
                "init": field.init,
            }
        )
    members = sorted(
        name
        for name in dir(cls)
        if (not name.startswith("_") or name in PROTOCOL_METHODS) and name not in attrs.fields_dict(cls)
    )
    return {
        "kind": "model",
        "fields": fields,
        "init": _parameters(cls.__init__, skip_self=True),
        "members": members,
    }


def _annotation_names(text: str | None) -> set[str]:
    """The names an annotation refers to, forward references ("Model") included."""
    import ast

    if not text:
        return set()
    names = set()
    for node in ast.walk(ast.parse(text, mode="eval")):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names |= _annotation_names(node.value)
    return names


def _enum_usage(api: dict[str, Any], models: dict[str, Any]) -> dict[str, Any]:
    usage: dict[str, Any] = {
        name: {"models": [], "operations": []} for name, c in models.items() if c["kind"] == "enum"
    }
    for class_name, cls in models.items():
        for field in cls.get("fields", []):
            for name in _annotation_names(field["annotation"]) & usage.keys():
                usage[name]["models"].append({"class": class_name, "json": field["json"]})
    for module in api.values():
        operation = module["operation"]
        json_names = {**operation["path_parameters"], **operation["query_parameters"]}
        for parameter in module["functions"]["sync_detailed"]["parameters"]:
            for name in _annotation_names(parameter["annotation"]) & usage.keys():
                where = {"method": operation["method"], "path": operation["path"]}
                usage[name]["operations"].append(
                    {**where, "parameter": json_names.get(parameter["name"], parameter["name"])}
                )
    for places in usage.values():
        for entries in places.values():
            entries.sort(key=lambda entry: json.dumps(entry, sort_keys=True))
    return usage


def _public_members(cls: Any) -> list[str]:
    return sorted(name for name in dir(cls) if not name.startswith("_") or name in PROTOCOL_METHODS)


def _clients() -> dict[str, Any]:
    import inspect

    import attrs

    import dqops.client.client as module

    clients = {}
    for name in ("Client", "AuthenticatedClient"):
        cls = getattr(module, name)
        parameters = _parameters(cls.__init__, skip_self=True)
        for parameter in parameters:
            annotation = inspect.signature(cls.__init__).parameters[parameter["name"]].annotation
            parameter["annotation"] = inspect.formatannotation(annotation)
        instance = cls(BASE_URL, token=TOKEN) if name == "AuthenticatedClient" else cls(BASE_URL)
        clients[name] = {
            "init": parameters,
            "methods": sorted(m for m in _public_members(cls) if callable(getattr(cls, m))),
            "attributes": sorted(f.name for f in attrs.fields(cls) if not f.name.startswith("_")),
            "httpx_defaults": httpx_settings(instance.get_httpx_client()),
        }
    return clients


def httpx_settings(client: Any) -> dict[str, Any]:
    """What a client made with only its base URL (and token) sends, as its httpx.Client holds it."""
    return {
        "auth_header": client.headers.get("Authorization"),
        "base_url": str(client.base_url),
        "follow_redirects": client.follow_redirects,
        "timeout": {phase: getattr(client.timeout, phase) for phase in ("connect", "read", "write", "pool")},
    }


def _types() -> dict[str, Any]:
    import attrs

    import dqops.client.types as module

    return {
        "all": sorted(module.__all__),
        "UNSET": {"type": type(module.UNSET).__name__, "bool": bool(module.UNSET)},
        "Unset": {"is_class": isinstance(module.Unset, type)},
        "File": {"fields": [f.name for f in attrs.fields(module.File)], "methods": _public_members(module.File)},
        "Response": {"fields": [f.name for f in attrs.fields(module.Response)]},
        "names": sorted(name for name in vars(module) if not name.startswith("_") and name[0].isupper()),
    }


def _errors() -> dict[str, Any]:
    import dqops.client.errors as module

    error = module.UnexpectedStatus(404, b"{}")
    return {
        "all": sorted(module.__all__),
        "UnexpectedStatus": {
            "init": _parameters(module.UnexpectedStatus.__init__, skip_self=True),
            "bases": [base.__name__ for base in module.UnexpectedStatus.__mro__[1:]],
            "attributes": sorted(name for name in vars(error) if not name.startswith("_")),
        },
    }


# Writing: stable and reviewable.


def dumps(value: Any, indent: int = 0) -> str:
    """JSON with sorted keys, where an object or array of scalars sits on one line."""
    pad = " " * indent

    def flat(item: Any) -> bool:
        if isinstance(item, dict):
            return all(not isinstance(v, (dict, list)) for v in item.values())
        if isinstance(item, list):
            return all(not isinstance(v, (dict, list)) for v in item)
        return True

    if flat(value):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    inner = " " * (indent + 1)
    if isinstance(value, dict):
        lines = [f"{inner}{json.dumps(k)}: {dumps(value[k], indent + 1)}" for k in sorted(value)]
        return "{\n" + ",\n".join(lines) + "\n" + pad + "}"
    lines = [inner + dumps(v, indent + 1) for v in value]
    return "[\n" + ",\n".join(lines) + "\n" + pad + "]"


# Orchestration: the throw-away environment.


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=900, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"upstream_surface: {' '.join(argv[:5])} ... failed:\n{result.stderr[-3000:]}")
    return result


def build_snapshot(version: str) -> dict[str, Any]:
    base_python = getattr(sys, "_base_executable", None) or sys.executable
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    with tempfile.TemporaryDirectory(prefix="upstream-surface-") as scratch:
        venv = Path(scratch) / "venv"
        wheels = Path(scratch) / "wheels"
        python = str(venv / "bin" / "python")
        run([base_python, "-m", "venv", str(venv)], env=env)
        pip = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
        run(
            [*pip, "download", "--no-deps", "--only-binary", ":all:", "--dest", str(wheels), f"dqops=={version}"],
            env=env,
        )
        (wheel,) = wheels.glob("dqops-*.whl")
        sha256 = hashlib.sha256(wheel.read_bytes()).hexdigest()
        run([*pip, "install", "--no-deps", str(wheel), *CLIENT_REQUIREMENTS], env=env)
        # Run from the scratch directory, so that the repository's own dqops package is not importable.
        result = run([python, str(Path(__file__).resolve()), "--introspect"], env=env, cwd=scratch)
    surface = json.loads(result.stdout)
    installed = surface.pop("installed_version")
    if installed != version:
        raise SystemExit(f"upstream_surface: asked for dqops {version}, the environment holds {installed}")
    return {
        "upstream": {"package": "dqops", "version": version, "wheel": wheel.name, "wheel_sha256": sha256},
        **surface,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=DEFAULT_VERSION, help="upstream's dqops version (default: %(default)s)")
    parser.add_argument("--output", type=Path, help="default: openapi/upstream/dqops-<version>.surface.json")
    parser.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    parser.add_argument("--introspect", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.introspect:
        from importlib.metadata import version

        surface = introspect()
        surface["installed_version"] = version("dqops")
        json.dump(surface, sys.stdout)
        return 0
    output = args.output or snapshot_path(args.version)
    text = dumps(build_snapshot(args.version)) + "\n"
    if args.check:
        if not output.exists() or output.read_text(encoding="utf-8") != text:
            print(f"upstream_surface: {output} differs from what dqops {args.version} gives; rerun without --check")
            return 1
        print(f"upstream_surface: {output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"upstream_surface: wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
