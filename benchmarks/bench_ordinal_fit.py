"""A whole WLSMV fit of ordinal items: loyaltysem against lavaan, one run.

Run by hand:  python3 benchmarks/bench_ordinal_fit.py [--reps 5]
Results go into benchmarks/README.md (never asserted in tests).

Issue #14 point 6: the whole WLSMV fit of the 25 bfi items (five factors, N = 2,436
complete cases; benchmarks/data/bfi.csv written by ``export_bfi.R``, not committed:
psych is GPL) and of the corp_rep 3-factor CFA (tests/reference/ordinal/data), each
``loyaltysem.fit(model, data, ordered=True)`` against ``sem(model, data, ordered =
TRUE)`` (estimator WLSMV, both: thresholds, polychoric correlations, NACOV, DWLS
estimation, robust SEs, the scaled-shifted test and the fit measures). lavaan runs in
one ``Rscript`` started here (``system.time`` inside R, R's start-up excluded); numpy's
BLAS on one thread (R's reference BLAS is single-threaded). Best of ``--reps`` wall
times; the chi-squares of both sides are printed beside.
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

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import loyaltysem as ls  # noqa: E402

BFI = "\n".join(f"{f} =~ " + " + ".join(f"{i}{k}" for k in range(1, 6))
                for f, i in [("Agree", "A"), ("Consc", "C"), ("Extra", "E"), ("Neuro", "N"),
                             ("Open", "O")])
CFA3 = ("COMP =~ comp_1 + comp_2 + comp_3\nLIKE =~ like_1 + like_2 + like_3\n"
        "CUSL =~ cusl_1 + cusl_2 + cusl_3")
R_CODE = r"""
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1]); model <- readLines(args[2]); reps <- as.integer(args[3])
items <- lavNames(lavaanify(model), "ov"); data <- na.omit(data[, items])
fit <- NULL
times <- replicate(reps, system.time(fit <<- sem(model, data = data, ordered = TRUE))[["elapsed"]])
cat(toJSON(list(seconds = min(times), chisq = fitMeasures(fit, "chisq"),
                chisq_scaled = fitMeasures(fit, "chisq.scaled")), auto_unbox = TRUE, digits = NA))
"""


def lavaan(csv: Path, model: str, reps: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        script, model_file = Path(folder) / "bench.R", Path(folder) / "model.lav"
        script.write_text(R_CODE)
        model_file.write_text(model)
        done = subprocess.run(["Rscript", str(script), str(csv), str(model_file), str(reps)],
                              capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def ours(csv: Path, model: str, reps: int) -> dict:
    spec = ls.ModelSpec.from_lavaan(model, name="bench")
    data = pd.read_csv(csv)[list(spec.observed_variables)].dropna().reset_index(drop=True)
    ls.fit(spec, data, ordered=True, emit_warnings=False)  # warm: imports
    best, result = float("inf"), None
    for _ in range(reps):
        start = time.perf_counter()
        result = ls.fit(spec, data, ordered=True, emit_warnings=False)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return {"seconds": best, "chisq": float(result.fit_indices["chisq"]),
            "chisq_scaled": float(result.fit_indices["chisq_scaled"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    reps = parser.parse_args().reps
    cases = [("corp_rep CFA, 9 items, N = 336", ROOT / "tests/reference/ordinal/data/corp_rep.csv",
              CFA3)]
    bfi = ROOT / "benchmarks" / "data" / "bfi.csv"
    if not bfi.exists():
        subprocess.run(["Rscript", str(ROOT / "benchmarks" / "export_bfi.R")], check=True)
    cases.append(("bfi 5-factor CFA, 25 items, N = 2,436", bfi, BFI))
    print("| model | loyaltysem (s) | lavaan (s) | lavaan / loyaltysem | chi-square (ours, lavaan) "
          "| scaled (ours, lavaan) |")
    print("|---|---|---|---|---|---|")
    for name, csv, model in cases:
        a, b = ours(csv, model, reps), lavaan(csv, model, reps)
        print(f"| {name} | {a['seconds']:.3f} | {b['seconds']:.3f} | "
              f"{b['seconds'] / a['seconds']:.1f} | {a['chisq']:.4f}, {b['chisq']:.4f} | "
              f"{a['chisq_scaled']:.4f}, {b['chisq_scaled']:.4f} |")


if __name__ == "__main__":
    main()
