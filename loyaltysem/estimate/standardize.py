"""Standardized solutions with lavaan's conventions (``std.lv`` and ``std.all``).

For a parameter table with estimates and the model-implied variances of every
variable:

- loadings ``f =~ x``: ``std.lv = est * sd(f)``, ``std.all = est * sd(f) / sd(x)``;
- regressions ``y ~ x``: ``std.all = est * sd(x) / sd(y)``; ``std.lv`` uses
  the SDs of latent variables only (observed ones keep their metric);
- variances ``v ~~ v``: divided by the total (model-implied) variance;
- covariances ``a ~~ b``: divided by the square roots of the *residual*
  variances of ``a`` and ``b`` (lavaan's ``cov.std = TRUE``), i.e. residual
  correlations; in ``std.lv`` only latent covariances are scaled;
- intercepts and means ``v ~1``: divided by the SD of ``v`` (``std.lv``: latent
  variables only);
- defined parameters ``:=``: the expression evaluated at the standardized
  values of the labelled parameters.

References
----------
lavaan 0.6 ``standardizedSolution()`` and ``R/lav_standardize.R``.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..spec.expressions import parse_expression


def standardize(
    table: pd.DataFrame,
    total_variance: Mapping[str, float],
    latent: set[str] | frozenset[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Compute ``std.lv`` and ``std.all`` for every row of a parameter table.

    Parameters
    ----------
    table : pandas.DataFrame
        Needs ``lhs, op, rhs, label, est``.
    total_variance : mapping
        Model-implied variance of every variable (latent and observed).
    latent : set of str
        Names of the latent variables.

    Returns
    -------
    std_lv, std_all : ndarray
    """
    lhs, op, rhs, label = (table[c].to_numpy() for c in ("lhs", "op", "rhs", "label"))
    return standardize_values(lhs, op, rhs, label, table["est"].to_numpy(dtype=float),
                              total_variance, latent)


def standardize_values(lhs: np.ndarray, op: np.ndarray, rhs: np.ndarray, label: np.ndarray,
                       est: np.ndarray, total_variance: Mapping[str, float],
                       latent: set[str] | frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`standardize` on the table's columns (arrays of one row each), vectorized."""
    var_l = np.array([total_variance.get(name, np.nan) for name in lhs], dtype=float)
    var_r = np.array([total_variance.get(name, np.nan) for name in rhs], dtype=float)
    latent_l = np.array([name in latent for name in lhs], dtype=bool)
    latent_r = np.array([name in latent for name in rhs], dtype=bool)
    variance = (op == "~~") & (lhs == rhs)
    residual = dict(zip(lhs[variance].tolist(), est[variance].tolist()))  # last row wins
    std_lv = np.full(len(est), np.nan)
    std_all = np.full(len(est), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd_l, sd_r = np.sqrt(var_l), np.sqrt(var_r)
        lv_l, lv_r = np.where(latent_l, sd_l, 1.0), np.where(latent_r, sd_r, 1.0)
        rows = op == "=~"
        std_lv[rows] = (est * lv_l / lv_r)[rows]
        std_all[rows] = (est * sd_l / sd_r)[rows]
        rows = op == "~"
        std_lv[rows] = (est * lv_r / lv_l)[rows]
        std_all[rows] = (est * sd_r / sd_l)[rows]
        std_lv[variance] = (est / lv_l ** 2)[variance]
        std_all[variance] = (est / var_l)[variance]
        rows = op == "~1"
        std_lv[rows] = (est / lv_l)[rows]
        std_all[rows] = (est / sd_l)[rows]
        for i in np.flatnonzero((op == "~~") & ~variance):
            scale = np.sqrt(abs(residual[lhs[i]]) * abs(residual[rhs[i]]))
            std_all[i] = est[i] / scale
            std_lv[i] = est[i] / scale if latent_l[i] and latent_r[i] else est[i]
    defined = op == ":="
    if defined.any():
        standardize_defined(op, lhs, rhs, label, (std_lv, std_all))
    return std_lv, std_all


def standardize_defined(op: np.ndarray, lhs: np.ndarray, rhs: np.ndarray, label: np.ndarray,
                        columns: tuple[np.ndarray, ...]) -> None:
    """Evaluate the ``:=`` rows at the standardized values of the labelled rows (in place;
    lavaan's ``lav_standardize_all``: a label stands for its first row, so in a
    multi-group table a label shared by the groups takes the first group's value)."""
    defined = op == ":="
    for values in columns:
        by_label: dict[str, float] = {}
        for i in range(len(op)):
            if label[i] and op[i] != ":=" and label[i] not in by_label:
                by_label[label[i]] = values[i]  # lavaan: the first row with the label
        for i in map(int, np.flatnonzero(defined)):
            values[i] = parse_expression(rhs[i]).evaluate(by_label)
            by_label[lhs[i]] = values[i]
