"""Comparisons with the committed lavaan 0.6-14 references of tests/reference/core/ and
tests/reference/inference/stdlv_*.json (conventions: tests/reference/README.md, "core/
layout"); tests never need R.

Tolerances (the house rule): estimates 1e-5 relative, or EST_SE_FRACTION of lavaan's SE
for estimates near zero (both optimisers stop at a gradient of about 1e-9, which moves an
estimate by a fraction of its SE, not of its value); SEs 1e-4 relative; std.all 1e-5
absolute or EST_SE_FRACTION of the standardized SE; fit measures 1e-5 relative (1e-8
absolute near zero).
"""
from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lavaan_reference import check_lavaan_fit_measures

ROOT = Path(__file__).resolve().parents[1]
EST_RTOL = 1e-5
EST_SE_FRACTION = 2e-4
SE_RTOL = 1e-4
FIT_RTOL = 1e-5


def load(name: str, folder: str = "core") -> dict:
    """A reference case (``stdlv_*``: its ``fit`` part, with the data keys of core/)."""
    case = json.loads((ROOT / "tests" / "reference" / folder / f"{name}.json").read_text())
    if folder == "inference":
        case = dict(case["fit"], data_rownames_dropped=case["fit"].get("data_rownames_column"))
    return case


def data_of(case: dict) -> pd.DataFrame:
    """The case's data as lavaan read it (row names dropped, its NA codes)."""
    frame = pd.read_csv(ROOT / case["data"], na_values=case.get("na_values") or None)
    if case.get("data_rownames_dropped"):
        frame = frame.iloc[:, 1:]
    return frame


def cached_fits(fit_case: Callable[[dict, pd.DataFrame, dict], Any]) -> Callable[[str], Any]:
    """``name -> fit``: each case fitted once by ``fit_case(case, data, options)``, warnings
    silenced (for a module-scoped fixture)."""
    cache: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in cache:
            case = load(name)
            options = case["options"] if isinstance(case["options"], dict) else {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[name] = fit_case(case, data_of(case), options)
        return cache[name]

    return get


def merged_estimates(ours: pd.DataFrame, case: dict) -> pd.DataFrame:
    """lavaan's parameterEstimates rows joined with ours (by group, lhs, op, rhs; ``:=``
    rows by name)."""
    theirs = pd.DataFrame(case["estimates"])
    theirs["rhs"] = theirs["rhs"].fillna("")
    ours = ours.copy()
    keys = ["lhs", "op", "rhs"]
    if "group" in theirs and case.get("group_labels"):
        labels = [str(g) for g in case["group_labels"]]
        theirs["group"] = [labels[int(g) - 1] if g and g > 0 else "" for g in theirs["group"]]
        ours["group"] = ours["group"].astype(str)
        keys = ["group", *keys]
    for frame in (theirs, ours):
        frame.loc[frame["op"] == ":=", "rhs"] = ""
    merged = theirs.merge(ours, on=keys, suffixes=("_lavaan", ""), how="left")
    assert merged["est"].notna().all(), merged.loc[merged["est"].isna(), keys]
    return merged


def estimate_errors(ours: pd.DataFrame, case: dict, se_fraction: float = EST_SE_FRACTION,
                    std_atol: float = 1e-5, se_rtol: float = SE_RTOL) -> dict[str, float]:
    """Check estimates, SEs and std.all against lavaan; return the worst errors seen.

    ``se_fraction``: how much of lavaan's SE an estimate may differ by beyond 1e-5
    relative (module notes); ``std_atol``: the absolute tolerance of std.all;
    ``se_rtol``: the relative tolerance of the SEs."""
    m = merged_estimates(ours, case)
    est, ref = m["est"].astype(float), m["est_lavaan"].astype(float)
    se_ref = m["se_lavaan"].astype(float).fillna(0.0)
    allowed = np.maximum(EST_RTOL * ref.abs() + 1e-9, se_fraction * se_ref)
    bad = (est - ref).abs() > allowed
    assert not bad.any(), m.loc[bad, ["lhs", "op", "rhs", "est", "est_lavaan", "se_lavaan"]]
    se = m["se"].astype(float)
    np.testing.assert_allclose(se, se_ref, rtol=se_rtol, atol=1e-8)
    std_ref = m["std.all"].astype(float)
    std_se = (se_ref * std_ref.abs() / ref.abs().replace(0, np.nan)).fillna(0.0)
    finite = std_ref.notna()
    std_allowed = np.maximum(std_atol, se_fraction * std_se)[finite]
    std_err = (m["std_all"].astype(float) - std_ref)[finite].abs()
    assert (std_err <= std_allowed).all(), m.loc[finite][std_err > std_allowed]
    return {"est_rel": float(((est - ref).abs() / ref.abs().clip(lower=1e-12)).max()),
            "se_rel": float(((se - se_ref).abs() / se_ref.clip(lower=1e-12))[se_ref > 0].max()),
            "std_all_abs": float(std_err.max())}


def check_fit_measures(ours: pd.Series, case: dict, skip: tuple[str, ...] = (),
                       rtol: float = FIT_RTOL) -> int:
    """Every lavaan fit measure within ``rtol`` (FIT_RTOL); returns how many were compared."""
    return check_lavaan_fit_measures(ours, case["fit"], rtol=rtol, skip=skip)
