"""Helpers to compare loyaltysem fits with the committed lavaan references.

The references were written by ``tests/reference/make_reference.R`` (lavaan
0.6-14); tests never need R.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "tests" / "reference" / "lavaan"

#: model name -> spec file (the four shipped models, then test-only models
#: that exercise other lavaan conventions: fixed.x covariates, equality
#: labels with :=, observed path models with auto.cov.y, single items)
MODEL_FILES = {
    "hs_cfa": ROOT / "models" / "hs_cfa.lav",
    "poldem": ROOT / "models" / "poldem.lav",
    "ecsi": ROOT / "models" / "ecsi.lav",
    "corp_rep": ROOT / "models" / "corp_rep.lav",
    "hs_mimic": ROOT / "tests" / "reference" / "models" / "hs_mimic.lav",
    "poldem_eq": ROOT / "tests" / "reference" / "models" / "poldem_eq.lav",
    "pd_path": ROOT / "tests" / "reference" / "models" / "pd_path.lav",
    "hs_single": ROOT / "tests" / "reference" / "models" / "hs_single.lav",
    "hs_second_order": ROOT / "tests" / "reference" / "models" / "hs_second_order.lav",
    "hs_std_lv": ROOT / "tests" / "reference" / "models" / "hs_std_lv.lav",
    "hs_mixed": ROOT / "tests" / "reference" / "models" / "hs_mixed.lav",
}


@lru_cache(maxsize=None)
def reference(name: str) -> dict:
    """The parsed JSON reference of one model."""
    return json.loads((REFERENCE_DIR / f"{name}.json").read_text())


def key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    """Row key: covariances in a canonical order; ``:=`` rows by name only."""
    if op == ":=":
        return (lhs, op, "")
    if op == "~~" and rhs < lhs:
        lhs, rhs = rhs, lhs
    return (lhs, op, rhs)


def indexed(frame: pd.DataFrame) -> pd.DataFrame:
    """Index a parameter table by :func:`key`."""
    frame = frame.copy()
    frame.index = pd.MultiIndex.from_tuples(
        [key(a, b, c) for a, b, c in zip(frame["lhs"], frame["op"], frame["rhs"])])
    return frame


def estimates_frame(rows: list[dict]) -> pd.DataFrame:
    """lavaan's parameterEstimates rows as a DataFrame with ``_`` column names."""
    frame = pd.DataFrame(rows)
    frame.columns = [c.replace(".", "_") for c in frame.columns]
    for column in ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return indexed(frame)


def matrix(entry: dict) -> pd.DataFrame:
    """``{"names": [...], "values": [[...]]}`` → DataFrame."""
    return pd.DataFrame(entry["values"], index=entry["names"], columns=entry["names"], dtype=float)


#: every shipped model with its dataset (renderer tests run on each)
SHIPPED = [("loyalty_chain.yaml", "loyalty_chain"), ("ecsi.yaml", "mobi"),
           ("corp_rep.yaml", "corp_rep"), ("acsi.yaml", "mobi"),
           ("hs_cfa.lav", "holzinger_swineford"), ("poldem.lav", "political_democracy")]


def loyaltysem_measure_name(lavaan_name: str) -> str:
    """The fit_indices name of one of lavaan's fitMeasures() (``.`` -> ``_``; ``logl`` is
    ``loglik``)."""
    return {"logl": "loglik", "unrestricted.logl": "unrestricted_loglik"}.get(
        lavaan_name, lavaan_name.replace(".", "_"))


def check_lavaan_fit_measures(ours: pd.Series, theirs: dict, *, rtol: float,
                              atol: float = 1e-8, skip: tuple[str, ...] = ()) -> int:
    """Every lavaan fit measure in ``theirs`` (lavaan name -> value, None for NA) is in
    ``ours``: NaN exactly where lavaan gives NA, else within ``rtol`` (``atol`` near 0);
    measures named in ``skip`` (loyaltysem names) are passed over. How many were compared."""
    import pytest

    compared = 0
    for lavaan_name, value in theirs.items():
        name = loyaltysem_measure_name(lavaan_name)
        if name in skip:
            continue
        assert name in ours.index, lavaan_name
        if value is None:
            assert math.isnan(float(ours[name])), lavaan_name
        else:
            assert float(ours[name]) == pytest.approx(value, rel=rtol, abs=atol), lavaan_name
        compared += 1
    return compared
