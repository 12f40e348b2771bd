"""Multi-group timings: the invariance ladder and the path comparison.

Run by hand:  python3 benchmarks/bench_groups.py
Best of 3 wall times; lavaan's: benchmarks/bench_lavaan_groups.R.
"""
from __future__ import annotations

import time
import warnings

from loyaltysem.groups import compare_paths, invariance_ladder

CASES = [
    ("invariance ladder (4 fits)", lambda: invariance_ladder(
        "models/hs_cfa.lav", "holzinger_swineford", "school")),
    ("invariance ladder (4 fits)", lambda: invariance_ladder(
        "models/corp_rep.yaml", "corp_rep", "servicetype")),
    ("path comparison (6 fits)", lambda: compare_paths(
        "models/corp_rep.yaml", "corp_rep", "servicetype")),
]
NAMES = ["hs_cfa by school", "corp_rep by servicetype", "corp_rep by servicetype"]


def main() -> None:
    warnings.simplefilter("ignore")
    print("| analysis | model and groups | seconds (best of 3) |")
    print("|---|---|---|")
    for (label, run), name in zip(CASES, NAMES):
        best = min(_timed(run) for _ in range(3))
        print(f"| {label} | {name} | {best:.2f} |", flush=True)


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
