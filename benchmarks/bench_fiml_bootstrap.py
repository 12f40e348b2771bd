"""Bootstrap of a full-information ML fit: 1,000 resamples, 1 and 2 workers.

Run by hand:  python3 benchmarks/bench_fiml_bootstrap.py [n_boot]
The model and data of tests/test_fiml.py (Holzinger-Swineford structural model,
10% of values missing at random, 51 missing-data patterns); lavaan's timing is
in tests/reference/fiml/bootstrap_hs_structural.json (elapsed_seconds,
make_fiml_bootstrap_reference.R, one core).
"""
from __future__ import annotations

import sys
import time
import warnings

import pandas as pd

import loyaltysem as ls
from loyaltysem.effects import bootstrap
from loyaltysem.spec import ModelSpec
from loyaltysem.spec.lavaan_syntax import parse_lavaan

SYNTAX = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ a*visual
speed   ~ b*textual + visual
ind := a*b
"""


def main() -> None:
    n_boot = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    warnings.simplefilter("ignore")
    data = pd.read_csv("tests/reference/data/hs_missing.csv")
    result = ls.fit(ModelSpec(parse_lavaan(SYNTAX), name="hs_structural"), data, missing="ml",
                    emit_warnings=False)
    print("| resamples | workers | seconds | converged |")
    print("|---|---|---|---|")
    for workers in (1, 2):
        start = time.perf_counter()
        boot = bootstrap(result, n_boot, seed=2026, n_jobs=workers, progress=False)
        print(f"| {n_boot} | {workers} | {time.perf_counter() - start:.1f} | {boot.n_converged} |",
              flush=True)


if __name__ == "__main__":
    main()
