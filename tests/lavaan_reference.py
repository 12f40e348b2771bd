"""Helpers to compare loyaltysem fits with the committed lavaan references.

The references were written by ``tests/reference/make_reference.R`` (lavaan
0.6-14); tests never need R.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "tests" / "reference" / "lavaan"

#: model name -> spec file (shipped models first, then test-only models)
MODEL_FILES = {
    "hs_cfa": ROOT / "models" / "hs_cfa.lav",
    "poldem": ROOT / "models" / "poldem.lav",
    "ecsi": ROOT / "models" / "ecsi.lav",
    "corp_rep": ROOT / "models" / "corp_rep.lav",
    "hs_mimic": ROOT / "tests" / "reference" / "models" / "hs_mimic.lav",
    "poldem_eq": ROOT / "tests" / "reference" / "models" / "poldem_eq.lav",
    "pd_path": ROOT / "tests" / "reference" / "models" / "pd_path.lav",
    "hs_single": ROOT / "tests" / "reference" / "models" / "hs_single.lav",
}


@lru_cache(maxsize=None)
def reference(name: str) -> dict:
    """The parsed JSON reference of one model."""
    return json.loads((REFERENCE_DIR / f"{name}.json").read_text())


def key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    """Row key with covariances in a canonical order."""
    if op == "~~" and rhs < lhs:
        lhs, rhs = rhs, lhs
    return (lhs, op, rhs)


def estimates_frame(rows: list[dict]) -> pd.DataFrame:
    """lavaan's parameterEstimates rows as a DataFrame indexed by key, ``_`` names."""
    frame = pd.DataFrame(rows)
    frame.columns = [c.replace(".", "_") for c in frame.columns]
    frame.index = pd.MultiIndex.from_tuples([key(r["lhs"], r["op"], r["rhs"]) for r in rows])
    return frame.apply(pd.to_numeric, errors="ignore") if False else frame


def matrix(entry: dict) -> pd.DataFrame:
    """``{"names": [...], "values": [[...]]}`` → DataFrame."""
    return pd.DataFrame(entry["values"], index=entry["names"], columns=entry["names"], dtype=float)
