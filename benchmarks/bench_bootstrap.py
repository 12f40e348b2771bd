"""Bootstrap timings: 1,000 resamples of corp_rep and ECSI, 1 and 2 workers.

Run by hand:  python3 benchmarks/bench_bootstrap.py [n_boot]
Compares loyaltysem's engine (model built once, warm-started stacked BFGS
refits of admissible solutions, Fisher scoring otherwise) with a naive refit loop
(``loyaltysem.fit`` from scratch on each resample, timed on 50 resamples and
scaled to n_boot). lavaan's timings: benchmarks/bench_lavaan_bootstrap.R.
"""
from __future__ import annotations

import sys
import time
import warnings

import numpy as np

import loyaltysem as ls
from loyaltysem.effects import bootstrap

MODELS = [("corp_rep", "models/corp_rep.yaml", "corp_rep"), ("ecsi", "models/ecsi.yaml", "mobi")]


def naive_seconds_per_resample(result, n: int = 50, seed: int = 1) -> float:
    rng = np.random.default_rng(seed)
    data = result.data
    start = time.perf_counter()
    for _ in range(n):
        sample = data.iloc[rng.integers(0, len(data), len(data))].reset_index(drop=True)
        try:
            ls.fit(result.spec, sample, emit_warnings=False)
        except Exception:  # noqa: BLE001 - a failed refit still costs its time
            pass
    return (time.perf_counter() - start) / n


def main() -> None:
    n_boot = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    warnings.simplefilter("ignore")
    print(f"| model | resamples | workers | seconds | converged | not converged | inadmissible |")
    print("|---|---|---|---|---|---|---|")
    naive = {}
    for name, spec, data in MODELS:
        result = ls.fit(spec, data, emit_warnings=False)
        for workers in (1, 2):
            start = time.perf_counter()
            boot = bootstrap(result, n_boot, seed=2026, n_jobs=workers, progress=False)
            seconds = time.perf_counter() - start
            print(f"| {name} | {n_boot} | {workers} | {seconds:.2f} | {boot.n_converged} | "
                  f"{len(boot.failed)} | {boot.n_inadmissible} |", flush=True)
        naive[name] = naive_seconds_per_resample(result)
    print()
    print("| model | naive refit loop, seconds per resample | naive, projected for", n_boot, "|")
    print("|---|---|---|")
    for name, per in naive.items():
        print(f"| {name} | {per:.3f} | {per * n_boot:.0f} |")


if __name__ == "__main__":
    main()
