"""Henseler's PLS-MGA reference values from PyPI seminr 0.2.1 (``estimate_pls_mga``).

Writes ``tests/reference/pls/groups/mga_<case>.json``: the corporate-reputation models
estimated in the two ``servicetype`` groups of corp_rep (1 = contract, 2 = prepaid,
as in Hair et al.'s multigroup chapter), each group bootstrapped, and Henseler's
(2009) PLS-MGA p value of every path, all by seminr's ``estimate_pls_mga``.
seminr is GPL: it is used at test-data generation time only, installed in a
throwaway venv, never imported by loyaltysem or its tests. Run from the
repository root:

    python3 -m venv /tmp/mgaref
    /tmp/mgaref/bin/pip install seminr==0.2.1 pandas
    /tmp/mgaref/bin/python tests/reference/make_pls_groups_reference.py

seminr has no MICOM and no permutation MGA; those are checked in
tests/test_pls_groups.py against a plain loop over permutations.

What is fixed so that the comparison is exact rather than Monte Carlo:

- the data: the model's items with each NaN replaced by its column's mean over
  all 344 rows (loyaltysem's ``missing="mean"`` treats the pooled rows before the
  groups are split), so seminr sees complete data and does no replacement of
  its own within the groups;
- the stop criterion: ``stop_criterion=13`` (sum |dw| < 1e-13), ``max_it=1000``
  (loyaltysem: ``tol=1e-13, max_iter=1000``);
- the resamples: seminr's ``group1_indices`` / ``group2_indices`` are given the
  rows loyaltysem's ``mga(method="henseler", n_boot=B, seed=SEED)`` draws: group
  k's resample b is ``default_rng(SeedSequence(s_k).spawn(B)[b]).integers(0, n_k,
  n_k)`` with ``s_k = SeedSequence(SEED).generate_state(2)[k]`` (0-based rows of
  the group, in data order), written here with numpy only.

Stored per path: both groups' estimates, the bootstrap means and seminr's
``pls_mga_p`` (``1 - (1/J^2) sum_j sum_i step(2 mean_1 - b1_j - 2 mean_2 + b2_i)``).
"""
from __future__ import annotations

import importlib.metadata
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "reference" / "pls" / "groups"
SEED = 2026
N_BOOT = 200
STOP, MAX_IT = 13, 1000

SIMPLE = {
    "COMP": ("A", ["comp_1", "comp_2", "comp_3"]),
    "LIKE": ("A", ["like_1", "like_2", "like_3"]),
    "CUSA": ("A", ["cusa"]),
    "CUSL": ("A", ["cusl_1", "cusl_2", "cusl_3"]),
}
SIMPLE_PATHS = [("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSL"),
                ("CUSA", "CUSL")]
EXTENDED = {
    "QUAL": ("B", [f"qual_{i}" for i in range(1, 9)]),
    "PERF": ("B", [f"perf_{i}" for i in range(1, 6)]),
    "CSOR": ("B", [f"csor_{i}" for i in range(1, 6)]),
    "ATTR": ("B", [f"attr_{i}" for i in range(1, 4)]),
    **SIMPLE,
}
EXTENDED_PATHS = ([(a, b) for b in ("COMP", "LIKE") for a in ("QUAL", "PERF", "CSOR", "ATTR")]
                  + [(a, b) for b in ("CUSA", "CUSL") for a in ("COMP", "LIKE")]
                  + [("CUSA", "CUSL")])
CASES = {"corp_rep": (SIMPLE, SIMPLE_PATHS), "corp_rep_extended": (EXTENDED, EXTENDED_PATHS)}


def resample_indices(seed: int, n_boot: int, sizes: list[int]) -> list[np.ndarray]:
    """loyaltysem's documented resamples of each group (see the module notes)."""
    states = np.random.SeedSequence(seed).generate_state(len(sizes))
    out = []
    for state, n in zip(states, sizes):
        children = np.random.SeedSequence(int(state)).spawn(n_boot)
        out.append(np.array([np.random.default_rng(c).integers(0, n, n) for c in children]))
    return out


def run(name: str) -> dict:
    import seminr as s

    constructs, paths = CASES[name]
    raw = pd.read_csv(ROOT / "datasets" / "corp_rep" / "corp_rep.csv", na_values=[-99])
    items = [i for _, its in constructs.values() for i in its]
    data = raw[items].fillna(raw[items].mean())
    group1 = (raw["servicetype"] == 1).to_numpy()
    sizes = [int(group1.sum()), int((~group1).sum())]
    entries = [s.composite(c, its, s.mode_A if mode == "A" else s.mode_B)
               for c, (mode, its) in constructs.items()]
    model = s.estimate_pls(data, s.constructs(*entries),
                           s.relationships(*[s.paths(a, b) for a, b in paths]),
                           inner_weights=s.path_weighting, missing=s.mean_replacement,
                           max_it=MAX_IT, stop_criterion=STOP)
    first, second = resample_indices(SEED, N_BOOT, sizes)
    rows = s.estimate_pls_mga(model, group1, nboot=N_BOOT, group1_indices=first,
                              group2_indices=second)
    return {
        "case": name, "tool": f"seminr {importlib.metadata.version('seminr')} (PyPI)",
        "call": "estimate_pls_mga(estimate_pls(data, mm, sm, path_weighting, "
                f"max_it={MAX_IT}, stop_criterion={STOP}), servicetype == 1, nboot={N_BOOT}, "
                "group1_indices, group2_indices)",
        "group": "servicetype", "group_1": "1", "group_2": "2", "n": sizes,
        "seed": SEED, "n_boot": N_BOOT, "tol": 10.0 ** -STOP, "max_iter": MAX_IT,
        "missing": "mean (pooled, before the split)",
        "paths": [{"from": r.source, "to": r.target, "est_1": r.group1_beta,
                   "est_2": r.group2_beta, "diff": r.diff, "mean_1": r.group1_beta_mean,
                   "mean_2": r.group2_beta_mean, "p_henseler": r.pls_mga_p}
                  for r in rows],
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in CASES:
        out = run(name)
        for row in out["paths"]:
            assert all(math.isfinite(v) for k, v in row.items() if k not in ("from", "to"))
        path = OUT / f"mga_{name}.json"
        path.write_text(json.dumps(out, indent=1) + "\n")
        print("wrote", path.relative_to(ROOT))


if __name__ == "__main__":
    main()
