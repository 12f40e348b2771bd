"""Coverage of 95% intervals for the serial indirect effect SAT -> TRU -> VAL -> LOY.

Run by hand:  python3 benchmarks/coverage_serial_indirect.py [reps] [n] [n_boot] [jobs]
Each replication draws a continuous survey of size n from the loyalty-chain
population (loyaltysem.data.synthetic), fits models/loyalty_chain.yaml and
records whether the delta-method, Monte Carlo (20,000 draws) and percentile
bootstrap (n_boot resamples) intervals of the serial indirect effect cover
the population value (marker metric). Seeds: replication r uses child r of
SeedSequence(20261123). Results are appended to a CSV as they finish, so a
rerun resumes.
"""
from __future__ import annotations

import csv
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import loyaltysem as ls
from loyaltysem.data.synthetic import loyalty_chain_population, simulate_survey
from loyaltysem.effects import bootstrap, monte_carlo_intervals
from loyaltysem.effects.paths import Effect

OUT = Path(__file__).with_name("coverage_serial_indirect.csv")
CHAIN = ("SAT", "TRU", "VAL", "LOY")


def one_replication(r: int, seed, n: int, n_boot: int, spec, truth: float) -> dict:
    warnings.simplefilter("ignore")
    data = simulate_survey(loyalty_chain_population(), n, seed=int(seed.generate_state(1)[0]))
    result = ls.fit(spec, data, emit_warnings=False)
    effect = Effect(CHAIN[0], CHAIN[-1], "indirect", (CHAIN,))
    key = f"effect: {effect.label}"
    row = result.defined.set_index("lhs").loc["serial_indirect"]
    delta = (row["ci_lower"], row["ci_upper"])
    mc = monte_carlo_intervals(result, seed=r, effects=[effect]).loc[key]
    out = {"rep": r, "est": row["est"], "delta_cover": delta[0] <= truth <= delta[1],
           "mc_cover": mc["lower"] <= truth <= mc["upper"], "converged": result.converged}
    if n_boot:
        boot = bootstrap(result, n_boot, seed=r, progress=False, effects=[effect])
        interval = boot.interval().loc[key]
        out["boot_cover"] = interval["lower"] <= truth <= interval["upper"]
        out["boot_failed"] = len(boot.failed)
    return out


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    n_boot = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    from joblib import Parallel, delayed
    from tqdm import tqdm

    spec = ls.load_spec(Path(__file__).parents[1] / "models/loyalty_chain.yaml")
    truth = loyalty_chain_population().indirect_effect(list(CHAIN))
    seeds = np.random.SeedSequence(20261123).spawn(reps)
    done = set()
    if OUT.exists():
        with OUT.open() as handle:
            done = {int(row["rep"]) for row in csv.DictReader(handle)}
    todo = [r for r in range(reps) if r not in done]
    fields = ["rep", "est", "delta_cover", "mc_cover", "converged", "boot_cover", "boot_failed"]
    start = time.perf_counter()
    with OUT.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        if not done:
            writer.writeheader()
        results = Parallel(n_jobs=jobs, return_as="generator_unordered")(
            delayed(one_replication)(r, seeds[r], n, n_boot, spec, truth) for r in todo)
        for row in tqdm(results, total=len(todo), desc="replications"):
            writer.writerow(row)
            handle.flush()
    with OUT.open() as handle:
        rows = list(csv.DictReader(handle))
    rows = [row for row in rows if int(row["rep"]) < reps]
    print(f"population serial indirect effect (marker metric): {truth:.6f}")
    print(f"replications: {len(rows)}, n = {n}, bootstrap resamples = {n_boot}, "
          f"elapsed this run {time.perf_counter() - start:.0f} s")
    for column in ("delta_cover", "mc_cover", "boot_cover"):
        values = [row[column] == "True" for row in rows if row.get(column) not in (None, "")]
        if values:
            share = np.mean(values)
            se = np.sqrt(share * (1 - share) / len(values))
            print(f"{column}: {share:.3f} (Monte Carlo SE {se:.3f}, {len(values)} replications)")


if __name__ == "__main__":
    main()
