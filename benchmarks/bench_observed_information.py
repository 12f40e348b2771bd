"""FIML + MLR on psych's bfi: the closed-form observed information against central differences.

Run by hand:  python3 benchmarks/bench_observed_information.py [--reps 3]
Results go into benchmarks/README.md (never asserted in tests).

The 25-item, 5-factor CFA of ``bench_floor.py`` on bfi's 2,800 rows with their missing
values (``missing="ml"``, ``estimator="MLR"``). In one process, with interleaved
repetitions (minima reported): a complete ``loyaltysem.fit`` with the closed-form
observed information (``MLFunctions.observed_informations``) and the same fit with the
central differences it replaced (``differenced_information``: ``2n`` analytic gradients,
patched in for the "before" column); then one observed information of the model and of
its saturated model (the ``W_m`` of ``fiml_corrected``) by each method. numpy's BLAS on one
thread (threadpoolctl). The first fit (semopy import, layout caches) is not timed.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's loyaltysem, whatever is installed
sys.path.insert(0, str(ROOT / "benchmarks"))

import loyaltysem as ls  # noqa: E402
from bench_floor import BFI_SYNTAX, bfi_frame  # noqa: E402
from loyaltysem.estimate.ml import MLFunctions, differenced_information  # noqa: E402
from loyaltysem.estimate.reference_models import reference_layout  # noqa: E402

CLOSED_FORM = MLFunctions.observed_information


def _differenced(self: MLFunctions, theta: np.ndarray) -> np.ndarray:
    return differenced_information(self, np.atleast_2d(theta)[:1], np.zeros(1, dtype=int))[0]


def fit_seconds(spec, rows, method: str) -> tuple[float, object]:
    MLFunctions.observed_information = CLOSED_FORM if method == "closed" else _differenced
    try:
        start = time.perf_counter()
        result = ls.fit(spec, rows, missing="ml", estimator="MLR", emit_warnings=False)
        return time.perf_counter() - start, result
    finally:
        MLFunctions.observed_information = CLOSED_FORM


def best(function, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def run(reps: int) -> None:
    warnings.simplefilter("ignore")
    spec = ls.ModelSpec.from_lavaan(BFI_SYNTAX, name="bfi_cfa")
    frame = bfi_frame()[list(spec.observed_variables)]
    rows = frame[frame.notna().any(axis=1)].reset_index(drop=True)
    _, result = fit_seconds(spec, rows, "closed")  # warm-up: imports, caches
    times: dict[str, list[float]] = {"closed": [], "differences": []}
    results = {}
    for _ in range(reps):
        for method in times:
            seconds, results[method] = fit_seconds(spec, rows, method)
            times[method].append(seconds)
    core = result.core
    functions = core.functions()
    moments = core.groups[0]
    layout, h1 = reference_layout(moments, diagonal=False, meanstructure=True, x_index=())
    saturated = MLFunctions(layout, [moments])
    parts = {"model": (functions, core.theta), "saturated model": (saturated, h1)}
    print(f"bfi CFA, N = {len(rows)}, {len(moments.patterns)} missing-data patterns, "
          f"{core.layout.n_free} parameters (saturated: {h1.size}); {reps} interleaved rounds, "
          "minima")
    print()
    print("| what | central differences (s) | closed form (s) | ratio |")
    print("|---|---|---|---|")
    before, after = min(times["differences"]), min(times["closed"])
    print(f"| complete FIML + MLR fit | {before:.2f} | {after:.2f} | {before / after:.1f} |")
    for label, (fns, theta) in parts.items():
        slow = best(lambda fns=fns, theta=theta: _differenced(fns, theta), reps)
        fast = best(lambda fns=fns, theta=theta: CLOSED_FORM(fns, theta), reps)
        print(f"| one observed information, {label} | {slow:.3f} | {fast:.3f} "
              f"| {slow / fast:.0f} |")
    se = {k: r.estimates["se"].to_numpy(float) for k, r in results.items()}
    free = np.isfinite(se["closed"]) & (se["differences"] > 0)
    difference = np.max(np.abs(se["closed"][free] / se["differences"][free] - 1))
    print(f"\nlargest relative difference of the MLR SEs between the two: {difference:.1e}; "
          f"chi-square scaled {results['closed'].fit_indices['chisq_scaled']:.6f} vs "
          f"{results['differences'].fit_indices['chisq_scaled']:.6f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="interleaved rounds (default 3)")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        run(args.reps)


if __name__ == "__main__":
    main()
