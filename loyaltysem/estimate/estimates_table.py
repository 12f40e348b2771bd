"""The estimates table of a fit of G >= 1 groups (lavaan's ``parameterEstimates(fit,
standardized = TRUE)``), R² and the latent covariances, group by group.

Every row of the core's parameter table gets its value at the estimates (free rows
``theta``, fixed rows their value, fixed.x rows the group's sample moments, ``:=`` rows
their expression), its standard error (the covariance of the estimates; ``:=`` rows by
the delta method, :mod:`.defined`), ``z``, p-value and 95% interval (:mod:`.assemble`)
and its standardized values ``std.lv`` / ``std.all`` in its group's metric
(:mod:`.standardize`). A single-group fit is one group. ``:=`` rows are standardized
at the standardized values of their labels; with several groups (their group ``""``)
a label shared by the groups takes the first group's value, as lavaan's
``lav_standardize_all``.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1-36.
lavaan 0.6: ``parameterEstimates()``, ``R/lav_standardize.R``, ``R/lav_model_vcov.R``
(``def.cov``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .assemble import inference_columns
from .ml import MLFunctions
from .solution import values_by_group
from .table_columns import TableColumns, columns_of


@dataclass(frozen=True)
class EstimatesTable:
    """The estimates of every group and what comes with them.

    Attributes
    ----------
    estimates : pandas.DataFrame
        ``group, lhs, op, rhs, label, free, est, se, z, pvalue, ci_lower, ci_upper,
        std_lv, std_all`` (``group``: the group's label, ``""`` for ``:=`` rows of
        several groups); the results choose their columns.
    r2 : list of dict
        R² of every endogenous variable, per group.
    latent_cov : list of pandas.DataFrame
        The model-implied latent covariance matrix of every group.
    """

    estimates: pd.DataFrame
    r2: list[dict[str, float]]
    latent_cov: list[pd.DataFrame]


def estimates_table(functions: MLFunctions, theta: np.ndarray, vcov: np.ndarray,
                    table: pd.DataFrame, *, latent: Sequence[str],
                    endogenous: Sequence[str], groups: Sequence[str] = ("",)
                    ) -> EstimatesTable:
    """The estimates table of a fit of one or several groups (module notes).

    Parameters
    ----------
    functions : MLFunctions
        The model on its data.
    theta, vcov : ndarray
        The estimates and their covariance.
    table : pandas.DataFrame
        The core's parameter table (``group`` numbered from 0, absent for one group),
        with the ``:=`` rows (group -1 when there are several groups).
    latent : sequence of str
        The latent variables, in the order of the latent covariance matrices.
    endogenous : sequence of str
        The variables that get an R².
    groups : sequence of str
        The groups' labels.

    Returns
    -------
    EstimatesTable
    """
    n_groups = len(functions.groups)
    columns = columns_of(table, functions.layout)
    op, group, defined = columns.op, columns.group, columns.defined
    values = values_by_group(functions, theta, table, latent, defined, columns=columns)
    est = values.est
    r2 = []
    for g, total in enumerate(values.total_variance):
        variance = (group == g) & columns.is_variance
        residual = dict(zip(columns.lhs[variance].tolist(), est[variance].tolist()))
        r2.append({v: 1.0 - residual[v] / total[v] for v in endogenous
                   if v in residual and v in total})
    if n_groups > 1 and len(defined):
        est[op == ":="] = defined.values(theta).real
    estimates = pd.DataFrame({
        "group": [groups[g] if g >= 0 else "" for g in group] if n_groups > 1
        else np.full(len(group), groups[0], dtype=object),
        "lhs": columns.lhs, "op": op, "rhs": columns.rhs, "label": columns.label,
        "free": columns.free,
        **inference_columns(est, _standard_errors(columns, theta, vcov)),
        "std_lv": values.std_lv, "std_all": values.std_all}, copy=False)
    return EstimatesTable(estimates, r2, values.latent_cov)


def _standard_errors(columns: TableColumns, theta: np.ndarray, vcov: np.ndarray
                     ) -> np.ndarray:
    """``sqrt(diag(V))`` of the free rows, 0 for fixed rows, the delta method for ``:=``."""
    free = columns.free
    se = np.where(free > 0, np.sqrt(np.clip(np.diag(vcov), 0, None))[np.maximum(free - 1, 0)]
                  if len(theta) else 0.0, 0.0)
    if len(columns.defined):
        se[columns.op == ":="] = np.sqrt(np.clip(np.diag(
            columns.defined.covariance(theta, vcov)), 0, None))
    return se


__all__ = ["EstimatesTable", "estimates_table"]
