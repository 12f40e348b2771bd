"""Ordinal sample statistics on psych's bfi: loyaltysem.ordinal against lavaan, one run.

Run by hand:  python3 benchmarks/bench_polychoric.py [--reps 7] [--blas-threads 1]
Results go into benchmarks/README.md (never asserted in tests).

Data: the 25 bfi items of 2,800 respondents (benchmarks/data/bfi.csv, written by
``export_bfi.R`` on first use; not committed: psych is GPL), rows with a missing
answer dropped listwise by both sides (2,436 complete cases). Timed, best of
``--reps`` wall times each:

- the polychoric matrix: ``loyaltysem.ordinal.polychoric_matrix(bfi)`` against
  ``lavCor(bfi, ordered = names(bfi))`` (two-step, lavaan's default);
- the same two with ``missing = "pairwise"`` (all 2,800 rows);
- with the asymptotic covariance: ``sample_statistics(bfi)`` (thresholds,
  correlations, NACOV of the 425 statistics, DWLS weights) against
  ``cfa(<one factor>, bfi, ordered = names(bfi), estimator = "WLSMV", do.fit =
  FALSE)``, which computes the same sample statistics (lavaan's
  ``lav_samplestats_from_data`` -> ``muthen1984``) and stops before fitting.

lavaan runs in one ``Rscript`` started by this script (``system.time`` inside R,
R's start-up excluded); R uses the reference BLAS, so numpy's BLAS is limited to
``--blas-threads`` (default 1) threads. The script also prints the largest
differences between the two sides' correlation matrices and NACOV.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="repetitions (best is reported)")
    parser.add_argument("--blas-threads", type=int, default=1, help="numpy BLAS threads")
    return parser.parse_args()


ARGS = _parse()
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.blas_threads)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BFI_CSV = ROOT / "benchmarks" / "data" / "bfi.csv"

R_CODE = r"""
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
bfi <- read.csv(args[1]); reps <- as.integer(args[2])
best <- function(f) min(replicate(reps, system.time(f())[["elapsed"]]))
model <- paste("f =~", paste(names(bfi), collapse = " + "))
t_cor <- best(function() lavCor(bfi, ordered = names(bfi)))
t_acov <- best(function() cfa(model, bfi, ordered = names(bfi), estimator = "WLSMV",
                              do.fit = FALSE))
t_cor_pw <- best(function() lavCor(bfi, ordered = names(bfi), missing = "pairwise"))
t_acov_pw <- best(function() cfa(model, bfi, ordered = names(bfi), estimator = "WLSMV",
                                 do.fit = FALSE, missing = "pairwise"))
fit <- cfa(model, bfi, ordered = names(bfi), estimator = "WLSMV", do.fit = FALSE)
out <- list(lavcor = t_cor, samplestats = t_acov, lavcor_pw = t_cor_pw,
            samplestats_pw = t_acov_pw, cor = unname(lavCor(bfi, ordered = names(bfi))),
            nacov = unname(lavInspect(fit, "gamma")), nobs = lavInspect(fit, "nobs"),
            version = paste(R.version.string, "lavaan", packageVersion("lavaan")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), args[3])
"""


def bfi_frame() -> pd.DataFrame:
    if not BFI_CSV.exists():
        subprocess.run(["Rscript", str(ROOT / "benchmarks" / "export_bfi.R"), str(BFI_CSV)],
                       check=True)
    return pd.read_csv(BFI_CSV)


def best(function, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def lavaan_side(reps: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script, out = Path(tmp) / "bench.R", Path(tmp) / "out.json"
        script.write_text(R_CODE)
        subprocess.run(["Rscript", str(script), str(BFI_CSV), str(reps), str(out)], check=True)
        return json.loads(out.read_text())


def main() -> None:
    import warnings

    from loyaltysem.exceptions import MissingValueWarning
    from loyaltysem.ordinal import polychoric_matrix, sample_statistics

    bfi = bfi_frame()
    warnings.simplefilter("ignore", MissingValueWarning)
    polychoric_matrix(bfi)  # warm-up (imports, first allocation)
    ours = {"lavcor": best(lambda: polychoric_matrix(bfi), ARGS.reps),
            "samplestats": best(lambda: sample_statistics(bfi), ARGS.reps),
            "lavcor_pw": best(lambda: polychoric_matrix(bfi, missing="pairwise"), ARGS.reps),
            "samplestats_pw": best(lambda: sample_statistics(bfi, missing="pairwise"), ARGS.reps)}
    stats = sample_statistics(bfi)
    theirs = lavaan_side(ARGS.reps)
    cor_diff = np.abs(stats.correlation.to_numpy() - np.array(theirs["cor"])).max()
    nacov = np.array(theirs["nacov"])
    nacov_diff = np.abs(stats.nacov.to_numpy() - nacov).max() / np.abs(nacov).max()
    print(f"bfi: 25 items, {len(bfi)} rows, {stats.nobs} complete; {theirs['version']}; "
          f"numpy {np.__version__}, BLAS threads {ARGS.blas_threads}, best of {ARGS.reps}\n")
    print("| what | loyaltysem (s) | lavaan (s) | lavaan / loyaltysem |")
    print("|---|---|---|---|")
    for key, label in (("lavcor", "polychoric matrix (`polychoric_matrix` / `lavCor`)"),
                       ("samplestats", "+ thresholds, NACOV, DWLS weights (`sample_statistics` / "
                                       "`cfa(..., do.fit = FALSE)`)"),
                       ("lavcor_pw", "polychoric matrix, `missing = \"pairwise\"` (N = 2,800)"),
                       ("samplestats_pw", "+ thresholds, NACOV, DWLS weights, pairwise")):
        print(f"| {label} | {ours[key]:.3f} | {theirs[key]:.3f} | {theirs[key] / ours[key]:.1f} |")
    print(f"\nmax |polychoric difference| {cor_diff:.1e}; "
          f"max |NACOV difference| / max |NACOV| {nacov_diff:.1e}")


if __name__ == "__main__":
    main()
