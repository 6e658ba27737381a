"""What every benchmark shares: statistics, machine facts, worker processes, the result table."""

from __future__ import annotations

import json
import os
import platform
import queue
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, TypeVar

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent.parent
OURS_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
UPSTREAM_VENV = REPO_ROOT / ".bench-venv-upstream"
UPSTREAM_REQUIREMENTS = BENCH_DIR / "requirements-upstream.txt"
WORKER_SCRIPT = BENCH_DIR / "worker.py"
SERVER_SCRIPT = BENCH_DIR / "server.py"


def shared_dir() -> Path:
    """The read-only reference data: ../shared beside the checkout (as in CI), else /work/shared."""
    beside = REPO_ROOT.parent / "shared"
    return beside if beside.is_dir() else Path("/work/shared")


def upstream_version(requirements: Path = UPSTREAM_REQUIREMENTS) -> str:
    """The version of upstream's dqops that the comparison environment pins (`dqops==x.y.z`)."""
    for line in requirements.read_text(encoding="utf-8").splitlines():
        name, separator, version = line.split("#", 1)[0].strip().partition("==")
        if separator and name.strip().lower() == "dqops":
            return version.strip()
    raise ValueError(f"{requirements}: no dqops==<version> pin")


UPSTREAM_VERSION = upstream_version()

T = TypeVar("T")

# Environment variables that would change which code a child interpreter imports or how.
_CHILD_ENV_DROPPED = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONPROFILEIMPORTTIME", "PYTHONINSPECT")

# Every wait on a child process is bounded.
WORKER_REPLY_SECONDS = 120.0


@dataclass(frozen=True)
class Impl:
    """One side of a comparison: a name ("ours", "upstream") and the interpreter of its environment."""

    name: str
    python: Path


def child_env() -> dict[str, str]:
    """The environment of child interpreters: this one's (PYTHONDONTWRITEBYTECODE included, as on
    CI) less anything that would put other code on their path."""
    env = {key: value for key, value in os.environ.items() if key not in _CHILD_ENV_DROPPED}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass(frozen=True)
class Stats:
    median: float
    minimum: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        if not samples:
            raise ValueError("no samples")
        return cls(statistics.median(samples), min(samples), len(samples))


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The median over rounds of each round's ratio: samples of one round ran seconds apart,
    so a slow spell of the machine cancels out of their ratio."""
    return statistics.median(a / b for a, b in zip(numerators, denominators, strict=True))


def interleaved(rounds: int, tasks: Sequence[tuple[str, Callable[[], T]]], seed: int = 4) -> dict[str, list[T]]:
    """Run every task once per round, in a new shuffled order each round; samples per task name.

    Side by side in one run: a slow spell of the shared machine hits every task alike.
    """
    rng = random.Random(seed)
    samples: dict[str, list[T]] = {name: [] for name, _ in tasks}
    order = list(tasks)
    for _ in range(rounds):
        rng.shuffle(order)
        for name, task in order:
            samples[name].append(task())
    return samples


# Machine facts.


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def python_version_of(python: Path) -> str:
    result = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_implementation(), platform.python_version())"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        env=child_env(),
    )
    return result.stdout.strip() or f"? ({result.stderr.strip()[:80]})"


def machine_info(pythons: dict[str, Path]) -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    try:
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        load = "?"
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "os": f"{platform.system()} {platform.release()}",
        "load_average": load,
        "pythons": {name: python_version_of(path) for name, path in pythons.items()},
    }


# Worker processes: one per environment, kept alive, one JSON command per line.


class WorkerError(RuntimeError):
    pass


class Worker:
    """A worker.py process in one environment; `call()` sends a command and waits for its reply."""

    def __init__(self, impl: Impl, cwd: Path) -> None:
        self.impl = impl
        self._process = subprocess.Popen(
            [str(impl.python), "-P", str(WORKER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=child_env(),
            bufsize=1,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self._pumps = [
            threading.Thread(target=self._pump_stdout, daemon=True),
            threading.Thread(target=self._pump_stderr, daemon=True),
        ]
        for pump in self._pumps:
            pump.start()

    def _pump_stdout(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _pump_stderr(self) -> None:
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line)
            del self._stderr[:-40]

    def call(self, op: str, timeout: float = WORKER_REPLY_SECONDS, **args: Any) -> Any:
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps({"op": op, **args}) + "\n")
            self._process.stdin.flush()
        except BrokenPipeError as exc:
            raise WorkerError(f"{self.impl.name} worker died: {''.join(self._stderr)[-2000:]}") from exc
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty as exc:
            self.close()
            raise WorkerError(f"{self.impl.name} worker: no answer to {op} within {timeout:.0f} s") from exc
        if line is None:
            raise WorkerError(f"{self.impl.name} worker exited during {op}: {''.join(self._stderr)[-2000:]}")
        reply = json.loads(line)
        if "error" in reply:
            raise WorkerError(f"{self.impl.name} worker, {op}: {reply['error']}")
        return reply["result"]

    @property
    def closed(self) -> bool:
        return self._process.poll() is not None

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.close()
            except OSError:
                pass
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        # The pumps reach the end of the pipes once the process has exited; then they are closed.
        for pump in self._pumps:
            pump.join(timeout=10)
        for pipe in (self._process.stdin, self._process.stdout, self._process.stderr):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


# The result table.


@dataclass
class Row:
    """One line of the table. `status` is PASS / FAIL for a target, INFO for a number shown for reference."""

    group: str
    benchmark: str
    ours: str
    upstream: str = "-"
    floor: str = "-"
    ratio: str = "-"
    vs_upstream: str = "-"
    target: str = "-"
    status: str = "INFO"
    data: dict[str, Any] = field(default_factory=dict)

    def judge(self, ratio: float, label: str, target: float, at_least: bool = False) -> None:
        """Show `ratio` (`label` says what it divides) against its target: PASS when it is at most
        `target` (at least, for a throughput)."""
        self.ratio = f"{ratio:.2f}x"
        self.target = f"{label} {'>=' if at_least else '<='} {target}x"
        self.status = verdict(ratio >= target if at_least else ratio <= target)
        self.data["ratio"] = ratio
        self.data["measured"] = f"{label} {ratio:.2f}x"


COLUMNS = (
    ("benchmark", "benchmark"),
    ("ours", "ours"),
    ("upstream", f"upstream {UPSTREAM_VERSION}"),
    ("floor", "floor"),
    ("ratio", "ours/floor"),
    ("vs_upstream", "upstream/ours"),
    ("target", "target"),
    ("status", "result"),
)


def format_table(rows: Iterable[Row]) -> str:
    rows = list(rows)
    cells = [[title for _, title in COLUMNS]] + [[str(getattr(row, key)) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    rule = "-+-".join("-" * width for width in widths)
    out = [" | ".join(text.ljust(width) for text, width in zip(cells[0], widths)), rule]
    group = None
    for row, line in zip(rows, cells[1:]):
        if group is not None and row.group != group:
            out.append(rule)
        group = row.group
        out.append(" | ".join(text.ljust(width) for text, width in zip(line, widths)))
    return "\n".join(out)


def markdown_table(rows: Iterable[Row]) -> str:
    """The table as Markdown, as docs/performance.md shows it."""
    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(getattr(row, key)) for key, _ in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


def med_min(stats: Stats, unit: Callable[[float], str] = ms) -> str:
    """`median (min minimum) unit`, e.g. `132.5 (min 110.3) ms`."""
    median, minimum = unit(stats.median), unit(stats.minimum)
    number, _, suffix = median.partition(" ")
    return f"{number} (min {minimum.partition(' ')[0]}) {suffix}"


_STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr, with the seconds since this process started."""
    print(f"[{time.perf_counter() - _STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)
