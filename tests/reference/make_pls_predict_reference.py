"""PLSpredict reference values from PyPI seminr 0.2.1 (a Python port of R's seminr).

Writes ``tests/reference/pls/predict_<case>.json``: seminr's ``predict_pls``
out-of-sample predictions of the endogenous indicators (PLS and its LM
benchmark) and its RMSE/MAE tables, on corporate-reputation models with
FIXED folds. seminr is GPL: it is used at test-data generation time only,
installed in a throwaway venv, never imported by loyaltysem or its tests.
Run from the repository root:

    python3 -m venv /tmp/predref
    /tmp/predref/bin/pip install seminr==0.2.1 'pandas<3' numpy scipy
    /tmp/predref/bin/python tests/reference/make_pls_predict_reference.py

(a few seconds). No timings, no random numbers: the fold design is fixed.

Fold design
    seminr's ``predict_pls(model, technique=, no_folds=10, ordering=)`` cuts the
    rows, taken in ``ordering``, into contiguous blocks (R's ``cut(seq(1, n),
    breaks = k)``, seminr's ``cut_folds``). The ordering here is a fixed
    permutation (``numpy.random.default_rng(20261203).permutation(n)``, drawn
    once and stored in the JSON), and the JSON stores the resulting fold of
    every row (``fold_ids``, 0-based, in data order), which the test hands to
    ``loyaltysem.pls.predict_pls(fold_ids=...)``. One repetition (seminr 0.2.1
    has no ``reps``).

Data
    corp_rep (``datasets/corp_rep/corp_rep.csv``, -99 = missing), the rows
    complete on the model's items (listwise deletion, ``missing="listwise"`` in
    the test; seminr gets the complete rows, so its ``mean_replacement`` never
    acts).

Options
    ``estimate_pls(..., inner_weights=path_weighting, max_it=1000,
    stop_criterion=13)`` (sum |w_new - w_old| < 1e-13, as
    make_pls_reference.py) for the full model and every training fold.

LM benchmark
    seminr regresses each endogenous indicator on the indicators of the
    construct's direct antecedents with ``predict_DA`` and on those of all
    exogenous constructs with ``predict_EA``: ``benchmark="antecedents"`` and
    ``"exogenous"`` in loyaltysem (stored as ``benchmark``).

PLSc cases (``*_plsc_*``, ``consistent: true``): the Mode A constructs ``reflective()``.

JSON layout: ``case, consistent, model {constructs: {name: {mode, items}}, paths}, n,
technique, benchmark, ordering, fold_ids, items, pls_out_of_sample (rows ×
items), lm_out_of_sample, actual, metrics {pls_rmse, pls_mae, lm_rmse,
lm_mae: {item: value}}``.
"""
from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "reference" / "pls"
SEED = 20261203
FOLDS = 10

CORP_SIMPLE = {
    "COMP": ("A", ["comp_1", "comp_2", "comp_3"]),
    "LIKE": ("A", ["like_1", "like_2", "like_3"]),
    "CUSA": ("A", ["cusa"]),
    "CUSL": ("A", ["cusl_1", "cusl_2", "cusl_3"]),
}
CORP_SIMPLE_PATHS = [
    ("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSL"), ("CUSA", "CUSL"),
]
CORP_EXTENDED = {
    "QUAL": ("B", [f"qual_{i}" for i in range(1, 9)]),
    "PERF": ("B", [f"perf_{i}" for i in range(1, 6)]),
    "CSOR": ("B", [f"csor_{i}" for i in range(1, 6)]),
    "ATTR": ("B", [f"attr_{i}" for i in range(1, 4)]),
    **CORP_SIMPLE,
}
CORP_EXTENDED_PATHS = [
    (a, b) for b in ("COMP", "LIKE") for a in ("QUAL", "PERF", "CSOR", "ATTR")
] + [(a, b) for b in ("CUSA", "CUSL") for a in ("COMP", "LIKE")] + [("CUSA", "CUSL")]

CASES = [
    ("corp_rep_simple_da", CORP_SIMPLE, CORP_SIMPLE_PATHS, "direct"),
    ("corp_rep_simple_ea", CORP_SIMPLE, CORP_SIMPLE_PATHS, "earliest"),
    ("corp_rep_extended_da", CORP_EXTENDED, CORP_EXTENDED_PATHS, "direct"),
    ("corp_rep_extended_ea", CORP_EXTENDED, CORP_EXTENDED_PATHS, "earliest"),
    # PLSc: the Mode A constructs reflective() (seminr applies PLSc in estimate_pls, so every
    # training fit is PLSc; its predictions use the consistent paths and loadings)
    ("corp_rep_simple_plsc_da", CORP_SIMPLE, CORP_SIMPLE_PATHS, "direct"),
    ("corp_rep_extended_plsc_ea", CORP_EXTENDED, CORP_EXTENDED_PATHS, "earliest"),
]


def matrix(named, rows, cols):
    """A seminr NamedMatrix as a list of rows, columns in ``cols`` order."""
    index = [named.cols.index(c) for c in cols]
    return [[float(v) for v in named.values[r, index]] for r in range(rows)]


def run(name, constructs, paths, technique):
    import seminr as s
    from seminr.predict import cut_folds, predict_pls
    from seminr.predict.metrics import item_metrics
    from seminr.predict.techniques import predict_DA, predict_EA

    items = [i for _, block in constructs.values() for i in block]
    raw = pd.read_csv(ROOT / "datasets" / "corp_rep" / "corp_rep.csv", na_values=[-99])
    data = raw[items].dropna().reset_index(drop=True)
    n = len(data)
    consistent = "plsc" in name
    mm = s.constructs(*[
        s.reflective(c, block) if consistent and mode == "A"
        else s.composite(c, block, s.mode_A if mode == "A" else s.mode_B)
        for c, (mode, block) in constructs.items()])
    sm = s.relationships(*[s.paths(a, b) for a, b in paths])
    model = s.estimate_pls(data, mm, sm, inner_weights=s.path_weighting, missing=s.na_omit,
                           max_it=1000, stop_criterion=13)
    ordering = [int(i) for i in np.random.default_rng(SEED).permutation(n)]
    fold_of = np.empty(n, dtype=int)
    fold_of[ordering] = np.array(cut_folds(n, FOLDS)) - 1
    fn = predict_DA if technique == "direct" else predict_EA
    prediction = predict_pls(model, technique=fn, no_folds=FOLDS, ordering=ordering)
    out_items = list(prediction.items.pls_out_of_sample.cols)
    metrics = item_metrics(prediction)

    def table(named):
        return {row: {c: float(named.values[named.rows.index(row), named.cols.index(c)])
                      for c in out_items} for row in ("RMSE", "MAE")}

    pls_table, lm_table = table(metrics.pls_out_of_sample), table(metrics.lm_out_of_sample)
    return {
        "case": name, "data": "corp_rep", "missing": "listwise", "consistent": consistent,
        "model": {"constructs": {c: {"mode": m, "items": b} for c, (m, b) in constructs.items()},
                  "paths": [list(p) for p in paths]},
        "n": n, "folds": FOLDS, "technique": technique,
        "benchmark": "antecedents" if technique == "direct" else "exogenous",
        "ordering": ordering, "fold_ids": [int(f) for f in fold_of],
        "items": out_items,
        "pls_out_of_sample": matrix(prediction.items.pls_out_of_sample, n, out_items),
        "lm_out_of_sample": matrix(prediction.items.lm_out_of_sample, n, out_items),
        "actual": [[float(v) for v in row] for row in data[out_items].to_numpy()],
        "metrics": {"pls_rmse": pls_table["RMSE"], "pls_mae": pls_table["MAE"],
                    "lm_rmse": lm_table["RMSE"], "lm_mae": lm_table["MAE"]},
        "source": {"package": "seminr", "version": importlib.metadata.version("seminr"),
                   "call": f"predict_pls(model, technique={fn.__name__}, no_folds={FOLDS}, "
                           "ordering=ordering)",
                   "estimate": "estimate_pls(data, mm, sm, inner_weights=path_weighting, "
                               "missing=na_omit, max_it=1000, stop_criterion=13)"},
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, constructs, paths, technique in CASES:
        result = run(name, constructs, paths, technique)
        path = OUT / f"predict_{name}.json"
        path.write_text(json.dumps(result, indent=1) + "\n")
        print(path.relative_to(ROOT), result["n"], "rows", result["metrics"]["pls_rmse"])


if __name__ == "__main__":
    main()
