"""Robustness-study throughput on corp_rep: tasks per second, per-task path vs stacked core.

Run by hand:  python3 benchmarks/bench_robustness.py [tasks] [--full] [--dask]
Runs the first ``tasks`` tasks of models/studies/corp_rep_robustness.yaml
(in the runner's order: by condition) with 2 local workers, once by the
per-task path (``stacked=False``: one ``fit`` per task) and once with the ML/MLR
resamples refitted as stacks on the core, and prints the ratio. ``--full``
also times the whole study (20,100 tasks) on the stacked path; ``--dask``
repeats the stacked run on a 2-worker dask cluster started on 127.0.0.1.
"""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from loyaltysem.robustness import run_study

STUDY = Path(__file__).parents[1] / "models/studies/corp_rep_robustness.yaml"


def cluster():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    dask = shutil.which("dask")
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], **quiet)]
    time.sleep(2)
    processes += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"],
                                   **quiet) for _ in range(2)]
    from distributed import Client

    with Client(address) as client:
        client.wait_for_workers(2, timeout=120)
    return address, processes


def timed(label: str, **options) -> float:
    """Run the study with ``options`` in a fresh store; print a row, return tasks/second."""
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        summary = run_study(STUDY, directory, progress=False, **options)
        seconds = time.perf_counter() - start
    rate = summary.executed / seconds
    print(f"| {label} | {summary.executed} | {seconds:.1f} | {rate:.1f} |", flush=True)
    return rate


def main() -> None:
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    tasks = int(arguments[0]) if arguments else 1000
    warnings.simplefilter("ignore")
    print("| path, executor | tasks | seconds | tasks per second |")
    print("|---|---|---|---|")
    old = timed("per task, 2 local workers", n_jobs=2, limit=tasks, stacked=False)
    new = timed("stacked, 2 local workers", n_jobs=2, limit=tasks)
    print(f"\nratio stacked / per task on the same {tasks} tasks: {new / old:.0f}x\n", flush=True)
    if "--full" in sys.argv:
        timed("stacked, 2 local workers, whole study", n_jobs=2)
    if "--dask" in sys.argv:
        address, processes = cluster()
        try:
            timed("stacked, 2-worker dask cluster (127.0.0.1)", scheduler=address, limit=tasks)
        finally:
            for process in processes[::-1]:
                process.send_signal(signal.SIGTERM)


if __name__ == "__main__":
    main()
