"""Render templates/ over the cleaned DQOps spec into the package dqops/client.

Steps: name the shared maps as DQOps does (`ColumnSpecMap`...), run openapi-python-client
with generator-config.yaml and templates/, format the output with ruff, and swap it into
place atomically so a failed run never leaves a half-written package.

It also writes dqops/_version.py, the package version made from openapi/spec.lock.json:
"<dqops_version>.<sdk_release>" (docs/releasing.md); `--version-only` writes just that file.

Usage: python -m scripts.generate [--spec openapi/dqops-api-openapi-3.cleaned.json] [--output dqops/client]
                                  [--lock openapi/spec.lock.json] [--version-only]
"""

from __future__ import annotations

import argparse
import copy
import ctypes
import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts import naming, template_rules
from scripts.operations import ALIASES_EXTENSION, SCHEMA_REF_PREFIX, walk_operations
from scripts.spec_io import (
    CLEANED_SPEC,
    GENERATOR_SPEC,
    REPO_ROOT,
    SPEC_LOCK,
    UPSTREAM_DIR,
    LockError,
    SpecLock,
    load_json,
    write_json,
    write_text_atomically,
)

DEFAULT_SPEC = CLEANED_SPEC
DEFAULT_OUTPUT = REPO_ROOT / "dqops" / "client"
# Written beside the generated client (in its parent package): `dqops.__version__`, and the
# version setuptools gives the distribution (pyproject.toml, tool.setuptools.dynamic).
VERSION_MODULE = "_version.py"
TEMPLATES = REPO_ROOT / "templates"
CONFIG = REPO_ROOT / "generator-config.yaml"


class GenerationError(Exception):
    """openapi-python-client or the formatter failed; the message says which and why."""


def load_pin(lock_path: Path) -> SpecLock:
    """The pin of a spec lock, which gives the package its version (scripts/spec_io.py)."""
    try:
        return SpecLock.load_pin(lock_path)
    except LockError as exc:
        raise GenerationError(str(exc)) from exc


def name_shared_maps(document: dict[str, Any]) -> dict[str, Any]:
    """Turn each inline `additionalProperties: {$ref: X}` property into a shared `XMap` schema.

    DQOps names such maps after their values (`ColumnSpecMap`, whatever property holds it),
    and so do its docs. The per-property name the generator would otherwise have used
    (`TableSpecColumns`) is recorded so the package can keep it as an alias.
    """
    document = copy.deepcopy(document)
    schemas: dict[str, Any] = document["components"]["schemas"]
    shared_maps: dict[str, dict[str, Any]] = {}
    for parent_name in sorted(schemas):
        for property_name, prop in sorted(schemas[parent_name].get("properties", {}).items()):
            value_schema = naming.shared_map_value(prop)
            if value_schema is None:
                continue
            map_name = naming.map_class_name(value_schema)
            if map_name in schemas:
                raise GenerationError(f"cannot name the map of {value_schema}: schema {map_name} already exists")
            shared = shared_maps.setdefault(
                map_name,
                {
                    "type": "object",
                    "description": f"A map of names to {value_schema} objects.",
                    "additionalProperties": {"$ref": SCHEMA_REF_PREFIX + value_schema},
                    ALIASES_EXTENSION: [],
                },
            )
            shared[ALIASES_EXTENSION].append(naming.inline_class_name(parent_name, property_name))
            schemas[parent_name]["properties"][property_name] = {"$ref": SCHEMA_REF_PREFIX + map_name}
    for shared in shared_maps.values():
        shared[ALIASES_EXTENSION].sort()
    schemas.update(dict(sorted(shared_maps.items())))
    return document


PUNCTUATION_NAMES = {"-": "_DASH_", ".": "_DOT_", "/": "_SLASH_", " ": "_", ":": "_COLON_", "+": "_PLUS_"}


def _stock_member_name(value: str, index: int) -> str:
    """The member name openapi-python-client derives from a string enum value."""
    from openapi_python_client.strings import snake_case

    key = value.upper() if value and value[0].isalpha() else f"VALUE_{index}"
    return snake_case(key).upper()


def name_colliding_enum_members(document: dict[str, Any]) -> dict[str, Any]:
    """Give distinct member names to enum values the generator would name alike.

    openapi-python-client names "DD-MM-YYYY" and "DD.MM.YYYY" both DD_MM_YYYY and keeps only
    the last. For such enums we list every member name in `x-enum-varnames`: the last value
    keeps the usual name, as in upstream's client (DD_MM_YYYY is "DD.MM.YYYY" there too), and
    earlier ones spell their punctuation out (DD_DASH_MM_DASH_YYYY).
    """
    from openapi_python_client.strings import snake_case

    document = copy.deepcopy(document)
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(value for key, value in node.items() if key not in ("enum", "example", "default"))
        values = node.get("enum")
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            continue
        names = [_stock_member_name(value, index) for index, value in enumerate(values)]
        if len(set(names)) == len(names):
            continue
        # Walk the values from the last, which keeps its name.
        taken: set[str] = set()
        unique_names = []
        for index in reversed(range(len(values))):
            name = names[index]
            if name in taken:
                spelled = "".join(PUNCTUATION_NAMES.get(char, char) for char in values[index])
                name = snake_case(_stock_member_name(spelled, index)).upper()
                while name in taken or name in names:
                    name += "_"
            taken.add(name)
            unique_names.append(name)
        node["x-enum-varnames"] = unique_names[::-1]
    return document


def generator_document(document: dict[str, Any]) -> dict[str, Any]:
    """The generator's input: the cleaned spec with its shared maps named and enum members told apart."""
    return name_colliding_enum_members(name_shared_maps(document))


def check_request_bodies(document: dict[str, Any], content_type_overrides: dict[str, str]) -> None:
    """Fail clearly on a request body the templates cannot send: several media types for one
    operation, or a media type that is neither JSON nor sent as raw content."""
    for site in walk_operations(document):
        if "requestBody" not in site.operation:
            continue
        media_types = list(site.operation["requestBody"].get("content") or {})
        sent_as = [content_type_overrides.get(media_type, media_type) for media_type in media_types]
        supported = [
            t for t in sent_as if t == "application/json" or t.endswith("+json") or t == "application/octet-stream"
        ]
        if len(media_types) > 1 or len(supported) != len(media_types):
            raise GenerationError(
                f"{site.method.upper()} {site.path}: request body {media_types} is not supported by templates/ "
                "(one JSON body, or one body sent as raw content via content_type_overrides)"
            )


def is_paged(endpoint: Any) -> bool:
    """The operation lists items a page at a time: optional integer query parameters `page` and
    `limit`, and a JSON array as its one success. Its module gets `iterate` and `aiterate`
    (templates/endpoint_pager.py.jinja)."""
    from openapi_python_client.parser.properties import IntProperty, ListProperty

    query = {str(parameter.python_name): parameter for parameter in endpoint.query_parameters}
    paging = [query.get("page"), query.get("limit")]
    if not all(isinstance(parameter, IntProperty) and not parameter.required for parameter in paging):
        return False
    successes = [response for response in endpoint.responses.patterns if 200 <= response.status_code.range[0] < 300]
    return len(successes) == 1 and isinstance(successes[0].prop, ListProperty)


def enum_aliases(document: dict[str, Any]) -> dict[str, list[str]]:
    """Enum class name -> the names it is also importable under (`x-dqops-aliases`: names an enum had
    in a previous pin, scripts/stable_names.py). Models carry theirs on the parsed model itself."""
    return {
        naming.class_name(name): sorted(schema[ALIASES_EXTENSION])
        for name, schema in document.get("components", {}).get("schemas", {}).items()
        if isinstance(schema, dict) and "enum" in schema and schema.get(ALIASES_EXTENSION)
    }


def parameter_descriptions(document: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    """What the spec says of each operation parameter: (operation, location, name) -> description.

    The spec describes a parameter on the parameter object (`{"name": "months", "description":
    "Number of months..."}`), while openapi-python-client keeps only its schema's description:
    the templates read this map instead (`parameter_description`). The operation is named as the
    generator names its module (`get_table_data_quality_status`).
    """
    shared = document.get("components", {}).get("parameters", {})
    descriptions: dict[tuple[str, str, str], str] = {}
    for site in walk_operations(document):
        if "operationId" not in site.operation:
            continue
        name = naming.function_name(site.operation["operationId"])
        for parameter in [*site.item.get("parameters", []), *site.operation.get("parameters", [])]:
            if "$ref" in parameter:
                parameter = shared.get(parameter["$ref"].rsplit("/", 1)[-1], {})
            if parameter.get("description"):
                descriptions[(name, parameter["in"], parameter["name"])] = parameter["description"]
    return descriptions


def load_project(spec: Path, output: Path, pin: SpecLock) -> Any:
    """openapi-python-client's project for the generator spec `spec`, with templates/ and the
    template globals our templates use; a GeneratorError if the spec cannot be parsed.

    scripts/generate_docs.py renders the reference docs from this same project, so that the
    docs and the package name every module, class, attribute and member alike.
    """
    from openapi_python_client import GeneratorError, _get_project_for_url_or_path
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.schema import UntrustedString

    naming.use_sdk_reserved_words()
    config = Config.from_sources(
        ConfigFile.load_from_path(CONFIG),
        MetaType.NONE,
        spec,
        "utf-8",
        overwrite=True,
        output_path=output,
    )
    # Formatting runs below with the pinned ruff from this environment, not from PATH.
    config.post_hooks = []
    # What generate() does, with more template globals: a property that refers to a model
    # carries that model's schema only, and to_dict() of a parent depends on the kind of the
    # child model (scripts/template_rules.py, note_kind). The generator is pinned.
    project = _get_project_for_url_or_path(config=config, custom_template_path=TEMPLATES)
    if isinstance(project, GeneratorError):
        return project
    document = load_json(spec)
    descriptions = parameter_descriptions(document)

    def parameter_description(endpoint: Any, location: str, parameter: Any) -> Any:
        """The spec's description of a parameter of `endpoint`, else its schema's (text from the
        spec stays an UntrustedString, for the templates' escaping filters)."""
        described = descriptions.get((str(endpoint.name), location, parameter.name.get_untrusted_value()))
        if described:
            return UntrustedString(described)
        return parameter.description or UntrustedString("")

    models_by_class_name = {model.class_info.name: model for model in project.openapi.models}
    template_rules.register(project.env.globals, models_by_class_name, config.field_prefix, upstream_init_orders())
    project.env.globals["api_pin"] = pin
    project.env.globals["upstream_python_name"] = naming.upstream_python_name
    project.env.globals["parameter_description"] = parameter_description
    project.env.globals["enum_aliases"] = enum_aliases(document)
    project.env.globals["is_paged"] = is_paged
    return project


def upstream_init_orders() -> dict[str, list[str]]:
    """The order of the fields each model's `__init__` takes in upstream's client, by class name,
    from the snapshots of its surface (openapi/upstream/*.surface.json); the newest wins."""
    orders: dict[str, list[str]] = {}
    for surface in sorted(UPSTREAM_DIR.glob("*.surface.json")):
        for class_name, model in load_json(surface).get("models", {}).items():
            if model.get("kind") == "model" and model.get("init"):
                orders[class_name] = [parameter["name"] for parameter in model["init"]]
    return orders


def run_openapi_python_client(spec: Path, output: Path, pin: SpecLock) -> None:
    from openapi_python_client import GeneratorError

    project = load_project(spec, output, pin)
    errors = [project] if isinstance(project, GeneratorError) else project.build()
    problems = [
        error for error in errors if error.level.name != "WARNING" or "will not be generated" in (error.header or "")
    ]
    for error in errors:
        print(f"generate: {error.level.name}: {error.header}: {error.detail}", file=sys.stderr)
    if problems or not (output / "__init__.py").exists():
        raise GenerationError(f"openapi-python-client reported {len(problems)} problem(s); see above")
    from scripts.fake_routes import write_fake_routes

    write_fake_routes(project, load_json(spec), output, pin.dqops_version, pin.spec_sha256)
    write_typed_dicts(project, output)


# The TypedDicts of the models' JSON form: a stub only, which type checkers read and nothing
# imports at run time (templates/models_json.pyi.jinja).
TYPED_DICTS_STUB = Path("models") / "_json.pyi"


def write_typed_dicts(project: Any, package: Path) -> None:
    """Write the stub of the models' TypedDicts into the generated `package`; a GenerationError if
    the name of one (`<Model>Dict`) is taken by a class of the package."""
    classes = {str(model.class_info.name) for model in project.openapi.models}
    classes |= {str(enum.class_info.name) for enum in project.openapi.enums}
    taken = template_rules.typed_dict_name_clashes(classes)
    if taken:
        raise GenerationError(f"the TypedDicts of {taken} would take the names of other classes")
    text = project.env.get_template("models_json.pyi.jinja").render(openapi=project.openapi)
    (package / TYPED_DICTS_STUB).write_text(text, encoding="utf-8")


def format_package(package: Path) -> None:
    ruff = [sys.executable, "-m", "ruff"]
    for command in (
        [*ruff, "check", "--quiet", "--fix-only", "--select", "I,F401", str(package)],
        [*ruff, "format", "--quiet", "--config", "format.skip-magic-trailing-comma = true", str(package)],
    ):
        result = subprocess.run(command, check=False, capture_output=True, text=True, cwd=REPO_ROOT)
        if result.returncode != 0:
            raise GenerationError(f"{' '.join(command[2:4])} failed: {result.stderr.strip() or result.stdout.strip()}")


def compile_bytecode(*packages: Path) -> None:
    """Write .pyc files now: with PYTHONDONTWRITEBYTECODE set (as on CI) Python would otherwise
    compile the package from source on every import. Hash-based pycs keep the tree deterministic."""
    import compileall
    import py_compile

    for package in packages:
        if not compileall.compile_dir(
            str(package), quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
        ):
            raise GenerationError(f"compiling {package} to bytecode failed")


def generate_package(spec: Path, output: Path, generator_spec: Path | None = None, pin: SpecLock | None = None) -> None:
    """Generate `output` from the cleaned `spec`; the generator's own input is written to `generator_spec`.

    `pin` names the DQOps API in the package (`dqops.client.API_VERSION`) and in every file's
    header, and gives the package its version (`_version.py` beside `output`); by default, the
    pin of openapi/spec.lock.json. `generator_spec` is openapi/dqops-api-openapi-3.generator.json by default.
    """
    pin = pin or load_pin(SPEC_LOCK)
    generator_spec = generator_spec or GENERATOR_SPEC
    document = load_json(spec)
    from openapi_python_client.config import ConfigFile

    check_request_bodies(document, ConfigFile.load_from_path(CONFIG).content_type_overrides or {})
    write_json(generator_document(document), generator_spec, ensure_ascii=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    # Staged beside the package (`dqops`), not in it: nothing imports or packs a half-made client.
    with tempfile.TemporaryDirectory(prefix=".dqops-generate-", dir=output.parent.parent) as scratch:
        staged = Path(scratch) / output.name
        run_openapi_python_client(generator_spec, staged, pin)
        shutil.copy2(TEMPLATES / "py.typed", staged / "py.typed")
        format_package(staged)
        swap_in(staged, output)
    write_version_module(output.parent / VERSION_MODULE, pin)
    compile_bytecode(output.parent)


# renameat2(2): atomically exchange two paths (Linux 3.15, glibc 2.28).
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Exchange two existing paths in one step; False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # no such call, or a file system without it
        return False
    raise OSError(error, os.strerror(error), str(first), None, str(second))


def swap_in(staged: Path, output: Path) -> None:
    """Put the folder `staged` where `output` is, in one rename: a reader of `output` sees the old
    tree or the new one, never none. The old tree is left at `staged`. Where the system cannot
    exchange two paths, the old tree is moved aside first (a moment without `output`)."""
    if not output.exists():
        staged.rename(output)
    elif not _exchange(staged, output):
        aside = staged.with_name(staged.name + ".previous")
        output.rename(aside)
        staged.rename(output)


def version_module_text(pin: SpecLock) -> str:
    return (
        f"# Generated by scripts/generate.py from openapi/spec.lock.json: the DQOps {pin.dqops_version} API,\n"
        f"# SDK release {pin.sdk_release}. Do not edit: change the lock and run `make generate`.\n"
        '"""The version of dqops-sdk: the DQOps version whose API it speaks, then the SDK release for that API."""\n'
        "\n"
        f'__version__ = "{pin.package_version}"\n'
    )


def write_version_module(path: Path, pin: SpecLock) -> None:
    """Write `path` (dqops/_version.py) in one step, so a reader never sees half of it."""
    write_text_atomically(path, version_module_text(pin))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--generator-spec",
        type=Path,
        default=GENERATOR_SPEC,
        help="where to write the generator's own input (default: %(default)s)",
    )
    parser.add_argument(
        "--lock", type=Path, default=SPEC_LOCK, help="the spec lock naming the DQOps version (default: %(default)s)"
    )
    parser.add_argument(
        "--version-only",
        action="store_true",
        help=f"write only {VERSION_MODULE} beside --output (what an editable install needs before generation)",
    )
    args = parser.parse_args(argv)
    try:
        pin = load_pin(args.lock)
        if args.version_only:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            write_version_module(args.output.parent / VERSION_MODULE, pin)
            print(f"generate: {args.output.parent / VERSION_MODULE}: version {pin.package_version}")
            return 0
        if not args.spec.exists():
            print(f"generate: {args.spec} does not exist; run `make spec` (or `make generate`) first", file=sys.stderr)
            return 2
        generate_package(args.spec, args.output, args.generator_spec, pin=pin)
    except GenerationError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 1
    modules = sum(1 for _ in (args.output / "api").rglob("*.py"))
    models = sum(1 for _ in (args.output / "models").glob("*.py"))
    print(f"generate: {args.output}: {modules} api modules, {models} model modules, version {pin.package_version}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
