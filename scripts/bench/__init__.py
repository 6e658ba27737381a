"""Benchmarks of the dqops SDK against upstream's client (PyPI dqops, the version pinned in
requirements-upstream.txt) and against floors.

Run `make bench` (or `.venv/bin/python -m scripts.bench.run`). Modules:

- run.py: the entry point; makes the upstream environment, runs everything, prints the table.
- common.py: statistics, machine facts, the persistent worker processes, the table.
- imports.py: cold import of one operation / one model in a fresh interpreter.
- payloads.py: large answers built from DQOps's documented JSON (the newest reference docs).
- parsing.py: from_dict / to_dict of those payloads, ours vs upstream vs json.loads.
- server.py: a raw asyncio HTTP/1.1 keep-alive server on 127.0.0.1 answering fixed JSON.
- calls.py: per-call overhead (sync, asyncio) and 1,000 concurrent calls against that server.
- large.py: one call answering 60,000 connections (about 65 MB): time and peak memory, each
  call in a new worker, ours vs upstream vs json.loads of the same bytes.
- generation.py: the time of the steps of `make generate` from the cached spec.
- worker.py: runs inside either environment (stdlib, httpx and dqops only) and times what
  the orchestrator asks for, one repetition at a time, so ours and upstream interleave.

worker.py and server.py run as scripts in either environment, with `python -P`: nothing beside
them shadows a module, and `dqops` is that environment's own.
"""
