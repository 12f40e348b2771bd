"""Summaries of a study across conditions.

For every statistic (path, defined effect) and condition (variant,
estimator, group, sample kind): the full-sample estimate, the mean and SD
over the condition's tasks, the 2.5%/97.5% percentiles (a percentile
interval for bootstrap samples), the share of tasks with p < .05, and sign
stability (the share of tasks whose estimate has the sign of the
full-sample estimate).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .store import read_store

_COLUMNS = ["statistic", "variant", "estimator", "group", "sample", "tasks", "full_estimate",
            "mean", "sd", "lower", "upper", "share_significant", "sign_stability"]


def load_results(directory: str | Path) -> pd.DataFrame:
    """Every stored row of a study directory (digest not checked: read-only use).

    Raises
    ------
    StoreError
        No store in ``directory``, or a damaged one (one line, with the fix).
    """
    return read_store(directory)[0]


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Per statistic and condition: estimate, interval, sign stability, share significant.

    Empty (with its columns) when no task finished ``ok`` — e.g. every task
    ended in an error: see :func:`status_counts` and the tasks' messages.
    """
    if results.empty or "statistic" not in results or "est" not in results:
        return pd.DataFrame(columns=_COLUMNS)
    ok = results[(results["status"] == "ok") & (results["statistic"] != "fit")].copy()
    if ok.empty:
        return pd.DataFrame(columns=_COLUMNS)
    ok["kind"] = ok["sample"].str.split().str[0]
    keys = ["statistic", "variant", "estimator", "group"]
    full = ok[ok["kind"] == "full"].set_index(keys)["est"]
    rows = []
    for (statistic, variant, estimator, group, kind), block in ok.groupby(keys + ["kind"]):
        reference = full.get((statistic, variant, estimator, group), np.nan)
        est = block["est"].to_numpy(float)
        rows.append({
            "statistic": statistic, "variant": variant, "estimator": estimator, "group": group,
            "sample": kind, "tasks": len(block), "full_estimate": reference,
            "mean": est.mean(), "sd": est.std(ddof=1) if len(est) > 1 else np.nan,
            "lower": np.quantile(est, 0.025), "upper": np.quantile(est, 0.975),
            "share_significant": _share_significant(block),
            "sign_stability": float(np.mean(np.sign(est) == np.sign(reference)))
            if np.isfinite(reference) else np.nan,
        })
    return pd.DataFrame(rows)


def _share_significant(block: pd.DataFrame) -> float:
    """The share of tasks with p < .05; NaN where the fits have no p values (PLS-SEM tasks:
    read the percentile interval ``lower``/``upper`` of the bootstrap samples instead)."""
    if "pvalue" not in block:
        return float("nan")
    pvalues = block["pvalue"].to_numpy(float)
    if np.isnan(pvalues).all():
        return float("nan")
    return float(np.mean(pvalues < 0.05))


def status_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Tasks by status (ok / not converged / error)."""
    if results.empty:
        return pd.DataFrame({"status": pd.Series(dtype=str), "tasks": pd.Series(dtype=int)})
    tasks = results.drop_duplicates("task")
    return tasks["status"].value_counts().rename("tasks").reset_index()
