"""`python -m dqops.testing`: run a FakeDQOps until interrupted (Ctrl-C or SIGTERM).

    python -m dqops.testing [--port 8888] [--api-key KEY] [--job-delay 0.5]

For tests whose code under test runs in other processes (an Airflow worker, a service): point
them at the printed URL.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from dqops.testing import FakeDQOps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dqops.testing", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--api-key", default=None, help="the API key calls must send (default: any call is accepted)")
    parser.add_argument("--job-delay", type=float, default=0.5, help="seconds a job takes (default: 0.5)")
    arguments = parser.parse_args(argv)
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        fake = FakeDQOps(arguments.api_key, job_delay=arguments.job_delay, port=arguments.port).start()
    except OSError as exc:
        print(f"python -m dqops.testing: cannot listen on 127.0.0.1:{arguments.port}: {exc}", file=sys.stderr)
        return 2
    with fake:
        print(f"FakeDQOps (the DQOps {fake.api_version} API) listening on {fake.base_url}", flush=True)
        while not stopped.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
