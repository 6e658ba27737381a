"""The job functions made for each kind of job (`run_checks`, `start_run_checks`, ...), typed by shape.

A job function takes the client, the body of the job's start (the model, or a mapping of its
JSON form), then keyword-only options, and returns what its steps return. Its shape is a
Protocol by the body's keyword (`parameters=` or `filters=`), generic in the body's type, the
options (a ParamSpec) and the return. mypy takes the body's type from the kind
(`JobKind[Body, Result]`), the options and the return from the steps function, so it sees each
function's exact parameters. At run time, `job_functions` gives the function the same
signature, with the kind's class names (what `help()` and IDEs show), and checks its body
before anything is sent.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from dqops._runtime.arguments import json_model
from dqops._runtime.client import Client
from dqops.jobs._deadline import Step, twins
from dqops.jobs._kinds import JobKind

B_contra = TypeVar("B_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)
P = ParamSpec("P")
Body = TypeVar("Body")
Result = TypeVar("Result")
Returns = TypeVar("Returns")

#: A job function's steps: given its kind, its client, its checked body and its options (the
#: keyword-only parameters of the job function), the steps whose outcome it returns.
JobSteps = Callable[Concatenate[JobKind[Any, Result], Client, Any, P], Generator[Step, Any, Returns]]


class OnParameters(Protocol[B_contra, P, R_co]):
    def __call__(self, client: Client, parameters: B_contra, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


class OnFilters(Protocol[B_contra, P, R_co]):
    def __call__(self, client: Client, filters: B_contra, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


def on_parameters(
    kind: JobKind[Body, Result], name: str, steps: JobSteps[Result, P, Returns], doc: str
) -> tuple[OnParameters[Body, P, Returns], OnParameters[Body, P, Coroutine[Any, Any, Returns]]]:
    """`name` and `name_async` (see `job_functions`), whose body is `parameters`."""
    return job_functions(OnParameters, kind, name, steps, doc)


def on_filters(
    kind: JobKind[Body, Result], name: str, steps: JobSteps[Result, P, Returns], doc: str
) -> tuple[OnFilters[Body, P, Returns], OnFilters[Body, P, Coroutine[Any, Any, Returns]]]:
    """`name` and `name_async` (see `job_functions`), whose body is `filters`."""
    return job_functions(OnFilters, kind, name, steps, doc)


def checked_body(kind: JobKind[Any, Any], value: object, parameter: str, function: str) -> Any:
    """The body of the job's start: a model as given; a mapping of its JSON form checked as the
    operations check `json_body` (ArgumentTypeError for a key that is a Python name), and copied."""
    model = kind.body_class()
    return value if isinstance(value, model) else json_model(value, model, parameter, function)


def job_functions(
    shape: type[Any], kind: JobKind[Any, Any], name: str, steps: Callable[..., Generator[Step, Any, Any]], doc: str
) -> tuple[Any, Any]:
    """The sync and the async job function `name` and `name_async` of `kind`, in the module of
    `steps`, made by `twins`. Their signature: the client and the body of `shape`, then the
    keyword-only options of `steps`; they check the body, then run `steps`."""
    client, body = list(inspect.signature(shape.__call__).parameters.values())[1:3]
    body = body.replace(annotation=f"{kind.body_class_name} | {kind.body_class_name}Dict")
    steps_signature = inspect.signature(steps)
    options = [option for option in steps_signature.parameters.values() if option.kind is option.KEYWORD_ONLY]
    # `Generator[Step, Any, X]`, X naming the kind's `Result`: twins makes X the functions' return.
    returns = re.sub(r"\bResult\b", kind.result_class_name, str(steps_signature.return_annotation))
    signature = inspect.Signature([client, body, *options], return_annotation=returns)

    def job_steps(*args: Any, **kwargs: Any) -> Generator[Step, Any, Any]:
        arguments = signature.bind(*args, **kwargs)
        arguments.apply_defaults()
        given = dict(arguments.arguments)
        checked = checked_body(kind, given.pop(body.name), body.name, name)
        return steps(kind, given.pop("client"), checked, **given)

    job_steps.__name__ = job_steps.__qualname__ = f"_{name}"
    job_steps.__module__ = steps.__module__
    job_steps.__doc__ = doc
    job_steps.__signature__ = signature  # type: ignore[attr-defined]
    return twins(job_steps)
