"""Robustness-study throughput on corp_rep: tasks per second.

Run by hand:  python3 benchmarks/bench_robustness.py [tasks]
Runs the first ``tasks`` tasks of models/studies/corp_rep_robustness.yaml
(ML and MLR, bootstrap resamples, per service provider) with 1 local worker,
2 local workers and a 2-worker dask cluster started on 127.0.0.1.
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


def main() -> None:
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    warnings.simplefilter("ignore")
    print("| executor | tasks | seconds | tasks per second |")
    print("|---|---|---|---|")
    runs = [("1 local worker", {"n_jobs": 1}), ("2 local workers", {"n_jobs": 2})]
    address, processes = cluster()
    runs.append(("2-worker dask cluster (127.0.0.1)", {"scheduler": address}))
    try:
        for label, options in runs:
            with tempfile.TemporaryDirectory() as directory:
                start = time.perf_counter()
                summary = run_study(STUDY, directory, progress=False, limit=tasks, **options)
                seconds = time.perf_counter() - start
            print(f"| {label} | {summary.executed} | {seconds:.1f} | {summary.executed / seconds:.1f} |",
                  flush=True)
    finally:
        for process in processes[::-1]:
            process.send_signal(signal.SIGTERM)


if __name__ == "__main__":
    main()
