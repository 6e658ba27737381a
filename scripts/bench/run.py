"""Benchmark the dqops SDK against upstream's client (PyPI dqops, as pinned) and against floors.

    .venv/bin/python -m scripts.bench.run            # everything (what `make bench` runs), ~10 min
    .venv/bin/python -m scripts.bench.run --quick    # tiny sizes, few repetitions: does it all work?
    .venv/bin/python -m scripts.bench.run --only parse,calls --profile

It makes the comparison environment .bench-venv-upstream on first use (pins in
scripts/bench/requirements-upstream.txt; remade when they change), prints the machine, then
a table: benchmark, ours, upstream, floor, ratios, target, PASS/FAIL. Every number is a
median (min in brackets) of repetitions run side by side in this one run, in shuffled order,
so the shared machine's slow spells hit every side alike. Loopback only; every loop bounded.
Exit status 0, or 1 with --strict when a target fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from scripts.bench import calls, generation, imports, large, parsing, payloads
from scripts.bench.common import (
    OURS_PYTHON,
    REPO_ROOT,
    UPSTREAM_REQUIREMENTS,
    UPSTREAM_VENV,
    UPSTREAM_VERSION,
    Impl,
    Row,
    Worker,
    format_table,
    log,
    machine_info,
    markdown_table,
)
from scripts.bench.server import ServerProcess

GROUPS = ("imports", "parse", "calls", "large", "generate")


@dataclass(frozen=True)
class Sizes:
    import_rounds: int
    result_groups: int
    results_per_group: int
    table_columns: int
    parse_rounds: int
    parse_worker_sets: int
    call_rounds: int
    call_batch: int
    concurrent: int
    concurrent_rounds: int
    large_connections: int
    large_rounds: int


SIZES_FILE = Path(__file__).with_name("sizes.toml")


def load_sizes(name: str) -> Sizes:
    """The sizes of one run (`full` or `quick`) from sizes.toml."""
    return Sizes(**tomllib.loads(SIZES_FILE.read_text(encoding="utf-8"))[name])


def ensure_upstream_venv(venv: Path) -> Path:
    """The comparison environment, made (or remade when the pins change) with `pip install --no-deps`."""
    python = venv / "bin" / "python"
    stamp = venv / ".requirements.sha256"
    wanted = hashlib.sha256(UPSTREAM_REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    log(f"bench: installing upstream dqops into {venv} (pins: {UPSTREAM_REQUIREMENTS.relative_to(REPO_ROOT)})")
    if venv.exists():
        shutil.rmtree(venv)
    base = getattr(sys, "_base_executable", None) or sys.executable
    steps = (
        [base, "-m", "venv", str(venv)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "-r",
            str(UPSTREAM_REQUIREMENTS),
        ],
    )
    for argv in steps:
        result = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise SystemExit(f"bench: {' '.join(argv[:4])} failed:\n{result.stderr[-3000:]}")
    stamp.write_text(wanted + "\n")
    return python


def check_ours() -> None:
    if not OURS_PYTHON.exists():
        raise SystemExit("bench: .venv is missing: run `make generate` first")
    if not (REPO_ROOT / "dqops" / "client" / "__init__.py").exists():
        raise SystemExit("bench: dqops/client is not generated: run `make generate` first")


def start_workers(impls: list[Impl], scratch: Path, upstream_venv: Path) -> dict[str, Worker]:
    workers = {}
    for impl in impls:
        worker = Worker(impl, scratch)
        info = worker.call("info")
        expected_inside = REPO_ROOT if impl.name == "ours" else upstream_venv
        if not Path(info["dqops"]).is_relative_to(expected_inside.resolve()):
            raise SystemExit(
                f"bench: the {impl.name} worker imported dqops from {info['dqops']}, not {expected_inside}"
            )
        log(
            f"bench: {impl.name} worker: Python {info['python']}, httpx {info['httpx']}, attrs {info['attrs']}, dqops at {info['dqops']}"
        )
        workers[impl.name] = worker
    return workers


def profile_report(workers: dict[str, Worker], impls: list[Impl], scratch: Path, parse_names: list[str]) -> str:
    """cProfile of ours (and upstream) on the parse phases and a sync call batch; -X importtime tops."""
    out = []
    for case, code in imports.CASES.items():
        for impl in impls:
            top = imports.importtime_top(impl.python, code, scratch, top=8)
            out.append(f"## -X importtime, {impl.name}, {case}: top cumulative (µs)")
            out += [f"  {micros:>9} {name}" for micros, name in top]
    for side, worker in workers.items():
        for name in parse_names:
            for phase in parsing.PHASES:
                out.append(f"## cProfile {side} {name} {phase}")
                out.append(worker.call("profile", kind="parse", name=name, phase=phase, top=15))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few repetitions (checks that it all runs)")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated subset of {','.join(GROUPS)}")
    parser.add_argument(
        "--no-upstream", action="store_true", help=f"skip upstream dqops {UPSTREAM_VERSION} (no install)"
    )
    parser.add_argument("--upstream-venv", type=Path, default=UPSTREAM_VENV)
    parser.add_argument("--profile", action="store_true", help="also print cProfile / -X importtime profiles")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)
    groups = [group.strip() for group in args.only.split(",") if group.strip()]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s) {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}")
    sizes = load_sizes("quick" if args.quick else "full")
    started = time.perf_counter()

    check_ours()
    impls = [Impl("ours", OURS_PYTHON)]
    if not args.no_upstream:
        impls.append(Impl("upstream", ensure_upstream_venv(args.upstream_venv)))
    machine = machine_info({impl.name: impl.python for impl in impls})
    log(f"bench: {machine['cpu']}, {machine['usable_cores']} cores, load {machine['load_average']}")

    rows: list[Row] = []
    notes: list[str] = []
    profile = ""
    with tempfile.TemporaryDirectory(prefix="dqops-bench-") as tmp:
        scratch = Path(tmp)
        if "imports" in groups:
            log(f"bench: cold imports, {sizes.import_rounds} rounds")
            rows += imports.bench_imports(impls, sizes.import_rounds, scratch)
        if "parse" in groups:
            parse_payloads = [
                payloads.check_results(sizes.result_groups, sizes.results_per_group),
                payloads.table(sizes.table_columns),
            ]
            log(f"bench: parsing, {sizes.parse_rounds} rounds in {sizes.parse_worker_sets} sets of workers")
            rows += parsing.bench_parsing(
                lambda: start_workers(impls, scratch, args.upstream_venv),
                parse_payloads,
                scratch,
                sizes.parse_rounds,
                worker_sets=sizes.parse_worker_sets,
            )
            notes += [f"{p.name}: {p.description}" for p in parse_payloads]
        profile_parsing = args.profile and "parse" in groups
        if "calls" in groups or profile_parsing:
            workers = start_workers(impls, scratch, args.upstream_venv)
            try:
                if "calls" in groups:
                    log(
                        f"bench: calls, {sizes.call_rounds} rounds of {sizes.call_batch}; {sizes.concurrent} concurrent"
                    )
                    with ServerProcess(OURS_PYTHON, calls.write_routes(scratch)) as server:
                        call_rows, checked = calls.bench_calls(
                            workers,
                            server.base_url,
                            rounds=sizes.call_rounds,
                            batch=sizes.call_batch,
                            concurrent=sizes.concurrent,
                            concurrent_rounds=sizes.concurrent_rounds,
                        )
                        rows += call_rows
                        notes.append(f"calls parsed as: {json.dumps(checked.get('ours', {}))}")
                        if args.profile:
                            for side, worker in workers.items():
                                for mode in ("sync", "async"):
                                    profile += f"\n## cProfile {side} sdk {mode} GET x{sizes.call_batch}\n"
                                    profile += worker.call(
                                        "profile",
                                        kind="http",
                                        impl="sdk",
                                        call="get",
                                        mode=mode,
                                        n=sizes.call_batch,
                                        top=20,
                                    )
                if profile_parsing:
                    parsing.load_payloads(workers, parse_payloads, scratch)  # bench_parsing closed its own workers
                    profile = profile_report(workers, impls, scratch, [p.name for p in parse_payloads]) + profile
            finally:
                for worker in workers.values():
                    worker.close()
        if "large" in groups:
            large_payload = payloads.connections(sizes.large_connections)
            log(f"bench: large answer, {sizes.large_rounds} rounds of a new worker per call and side")
            rows += large.bench_large(impls, large_payload, scratch, sizes.large_rounds)
            notes.append(f"large answer: {large_payload.description}")
        if "generate" in groups:
            log("bench: make generate steps")
            rows += generation.bench_generation(OURS_PYTHON, scratch)

    for row in rows:
        notes += [f"{row.benchmark}: {note}" for note in row.data.get("notes", [])]
        loaded = row.data.get("loaded")
        if row.group == "import" and loaded:
            notes.append(
                f"{row.benchmark}: modules loaded "
                + ", ".join(f"{side} {n['modules']} ({n['dqops_modules']} dqops)" for side, n in loaded.items())
            )

    print()
    print(
        f"Machine: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), {machine['os']}, "
        f"load average {machine['load_average']}"
    )
    for name, version in machine["pythons"].items():
        print(f"Python ({name}): {version}")
    print()
    print(format_table(rows))
    print()
    print("Medians of interleaved repetitions (min in brackets); ratios are medians of per-round ratios.")
    print("floor: imports = a fresh `python -c 'import httpx, attrs'` in each environment (ours, up);")
    print("parse = json.loads of the same bytes; calls = raw httpx, same request and .json(), same process;")
    print("large = json.loads of the same bytes, in a new process of ours's environment like each call.")
    print(
        f"upstream/ours: how many times faster ours is than upstream dqops {UPSTREAM_VERSION} (same payload, same class names)."
    )
    print()
    for note in notes:
        print(f"- {note}")
    failed = [row for row in rows if row.status == "FAIL"]
    print()
    print(
        f"targets: {sum(row.status == 'PASS' for row in rows)} passed, {len(failed)} failed"
        f"{', ' + str(sum(row.status == 'SKIP' for row in rows)) + ' skipped' if any(r.status == 'SKIP' for r in rows) else ''}"
        f" ({time.perf_counter() - started:.0f} s)"
    )
    for row in failed:
        print(f"FAIL: {row.benchmark}: {row.data.get('measured', row.ratio)} (target {row.target})")
    if profile:
        print("\n# Profiles\n" + profile)
    if args.markdown:
        args.markdown.write_text(markdown_table(rows) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine, "rows": [asdict(row) for row in rows]}, indent=2, default=str)
        )
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
