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
from .defined import DefinedParameters
from .ml import MLFunctions
from .solution import values_by_group


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
    op = table["op"].to_numpy()
    group = (table["group"].to_numpy() if "group" in table else np.zeros(len(table), int))
    defined = DefinedParameters(table)
    values = values_by_group(functions, theta, table, latent, defined)
    est = values.est
    r2 = []
    for g, total in enumerate(values.total_variance):
        variance = (group == g) & (op == "~~") & (table["lhs"] == table["rhs"]).to_numpy()
        residual = dict(zip(table["lhs"].to_numpy()[variance].tolist(), est[variance].tolist()))
        r2.append({v: 1.0 - residual[v] / total[v] for v in endogenous
                   if v in residual and v in total})
    if n_groups > 1 and len(defined):
        est[op == ":="] = defined.values(theta).real
    estimates = pd.DataFrame({
        "group": [groups[g] if g >= 0 else "" for g in group], "lhs": table["lhs"].array,
        "op": table["op"].array, "rhs": table["rhs"].array,
        "label": table["label"].fillna("").to_numpy(),
        "free": table["free"].to_numpy(),
        **inference_columns(est, _standard_errors(table, theta, vcov, defined)),
        "std_lv": values.std_lv, "std_all": values.std_all})
    return EstimatesTable(estimates, r2, values.latent_cov)


def _standard_errors(table: pd.DataFrame, theta: np.ndarray, vcov: np.ndarray,
                     defined: DefinedParameters) -> np.ndarray:
    """``sqrt(diag(V))`` of the free rows, 0 for fixed rows, the delta method for ``:=``."""
    free = table["free"].to_numpy()
    se = np.where(free > 0, np.sqrt(np.clip(np.diag(vcov), 0, None))[np.maximum(free - 1, 0)]
                  if len(theta) else 0.0, 0.0)
    if len(defined):
        se[table["op"].to_numpy() == ":="] = np.sqrt(np.clip(np.diag(
            defined.covariance(theta, vcov)), 0, None))
    return se


__all__ = ["EstimatesTable", "estimates_table"]
