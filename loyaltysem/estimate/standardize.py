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

from ..frame_rows import table_rows
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
    est = table["est"].to_numpy(dtype=float)
    residual = {
        row.lhs: row.est for row in table_rows(table)
        if row.op == "~~" and row.lhs == row.rhs
    }

    def sd_all(name: str) -> float:
        return float(np.sqrt(total_variance[name]))

    def sd_lv(name: str) -> float:
        return sd_all(name) if name in latent else 1.0

    std_lv = np.full(len(table), np.nan)
    std_all = np.full(len(table), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, row in enumerate(table_rows(table)):
            value = est[i]
            if row.op == "=~":
                std_lv[i] = value * sd_lv(row.lhs) / sd_lv(row.rhs)
                std_all[i] = value * sd_all(row.lhs) / sd_all(row.rhs)
            elif row.op == "~":
                std_lv[i] = value * sd_lv(row.rhs) / sd_lv(row.lhs)
                std_all[i] = value * sd_all(row.rhs) / sd_all(row.lhs)
            elif row.op == "~~" and row.lhs == row.rhs:
                std_lv[i] = value / sd_lv(row.lhs) ** 2
                std_all[i] = value / total_variance[row.lhs]
            elif row.op == "~1":
                std_lv[i] = value / sd_lv(row.lhs)
                std_all[i] = value / sd_all(row.lhs)
            elif row.op == "~~":
                scale = np.sqrt(abs(residual[row.lhs]) * abs(residual[row.rhs]))
                std_all[i] = value / scale
                both_latent = row.lhs in latent and row.rhs in latent
                std_lv[i] = value / scale if both_latent else value
    defined = table["op"].to_numpy() == ":="
    if defined.any():
        for values in (std_lv, std_all):
            by_label: dict[str, float] = {}
            for i, row in enumerate(table_rows(table)):
                if row.label and row.op != ":=" and row.label not in by_label:
                    by_label[row.label] = values[i]  # lavaan: the first row with the label
            for i in map(int, np.flatnonzero(defined)):
                expression = parse_expression(table["rhs"].iat[i])
                values[i] = expression.evaluate(by_label)
                by_label[table["lhs"].iat[i]] = values[i]
    return std_lv, std_all
