"""Parameter values and the standardized solution as functions of theta.

These are the pieces shared by :func:`~loyaltysem.estimate.fit.fit` and the
delta-method standard errors of the standardized solution (lavaan's
``standardizedSolution()``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .assemble import with_inference_columns
from .defined import DefinedParameters
from .ml import CoreModel, MLFunctions
from .standardize import standardize_defined, standardize_values
from .table_columns import TableColumns, columns_of


def parameter_values(table: pd.DataFrame | TableColumns, theta: np.ndarray,
                     sample_cov: np.ndarray, order: Sequence[str],
                     defined: DefinedParameters | None = None,
                     sample_mean: np.ndarray | None = None) -> np.ndarray:
    """The value of every row of the parameter table at ``theta``.

    Free rows take ``theta``, fixed rows their fixed value, fixed.x rows the
    sample (co)variance (``~1`` rows of covariates: the sample mean), ``:=``
    rows their expression (``defined``: those of the table, by default).
    """
    columns = table if isinstance(table, TableColumns) else TableColumns.of(table)
    free = columns.free
    est = np.where(free > 0, theta[np.maximum(free - 1, 0)] if len(theta) else 0.0,
                   columns.ustart)
    index_of = {name: i for i, name in enumerate(order)}
    for i in np.flatnonzero(columns.exo == 1):
        a = index_of[columns.lhs[i]]
        if columns.op[i] == "~1":
            est[i] = sample_mean[a] if sample_mean is not None else np.nan
        else:
            est[i] = sample_cov[a, index_of[columns.rhs[i]]]
    defined = defined if defined is not None else columns.defined
    is_defined = columns.op == ":="
    if len(defined) and is_defined.any():
        est[is_defined] = defined.values(theta).real
    return est


def implied_variances(functions: MLFunctions, theta: np.ndarray, latent: Sequence[str],
                      group: int = 0) -> tuple[dict[str, float], pd.DataFrame]:
    """Model-implied total variance of every variable, and the latent covariance matrix
    (``C Psi C'`` among the latent variables), of one group."""
    implied = functions.implied(np.atleast_2d(theta), group)
    sigma = implied.sigma[0]
    c = implied.c[0] if implied.c is not None else np.eye(implied.psi.shape[-1])
    inner_cov = c @ implied.psi[0] @ c.T
    structure = functions.layout.structure
    index = [structure.inner.index(v) for v in latent]
    block = inner_cov[np.ix_(index, index)]
    names = pd.Index(list(latent))
    latent_cov = pd.DataFrame(block, index=names, columns=names)
    total = dict(zip(structure.observed, np.diag(sigma).tolist()))
    total.update(zip(latent, np.diag(block).tolist()))
    return total, latent_cov


@dataclass(frozen=True)
class GroupValues:
    """Every row's value and standardized values at one ``theta``, group by group
    (:func:`values_by_group`); ``total_variance`` and ``latent_cov`` per group."""

    est: np.ndarray
    std_lv: np.ndarray
    std_all: np.ndarray
    total_variance: list[dict[str, float]]
    latent_cov: list[pd.DataFrame]


def values_by_group(functions: MLFunctions, theta: np.ndarray, table: pd.DataFrame,
                    latent: Sequence[str], defined: DefinedParameters | None = None, *,
                    columns: TableColumns | None = None) -> GroupValues:
    """The value, ``std.lv`` and ``std.all`` of every row of ``table`` at ``theta``, each
    row in its group's metric (lavaan's ``lav_standardize_lv`` / ``_all``).

    ``table``: the core's parameter table, ``group`` numbered from 0 (absent: one
    group). With one group its ``:=`` rows are valued (``defined``, default from the
    table); in every case they are standardized at the standardized values of their
    labels (:func:`.standardize.standardize_defined`; with several groups, group -1 and
    no value here). ``columns``: ``table``'s columns, if the caller has them.
    """
    n_groups = len(functions.groups)
    observed = list(functions.layout.structure.observed)
    columns = columns if columns is not None else columns_of(table, functions.layout)
    op, group, lhs, rhs, label = (columns.op, columns.group, columns.lhs, columns.rhs,
                                  columns.label)
    est, std_lv, std_all = (np.full(len(columns), np.nan) for _ in range(3))
    totals, latent_covs = [], []
    latent_set = set(latent)
    for g, moments in enumerate(functions.groups):
        rows = (group == g) | ((op == ":=") & (n_groups == 1))
        est[rows] = parameter_values(columns.subset(rows) if not rows.all() else columns,
                                     theta, moments.cov[0], observed,
                                     (defined or columns.defined) if n_groups == 1 else None,
                                     moments.mean[0])
        total, cov = implied_variances(functions, theta, latent, g)
        std_lv[rows], std_all[rows] = standardize_values(lhs[rows], op[rows], rhs[rows],
                                                         label[rows], est[rows], total,
                                                         latent_set)
        totals.append(total)
        latent_covs.append(cov)
    if n_groups > 1 and (op == ":=").any():  # at the standardized values of every group
        standardize_defined(op, lhs, rhs, label, (std_lv, std_all))
    return GroupValues(est, std_lv, std_all, totals, latent_covs)


def standardized_values(table: pd.DataFrame, theta: np.ndarray, core: CoreModel,
                        latent: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``std.lv`` and ``std.all`` of every row at ``theta`` (the table's free parameters;
    the core's other parameters, e.g. intercepts, stay at their estimates); a ``group``
    column (numbered from 0) standardizes each group in its own metric
    (:func:`values_by_group`)."""
    full = np.concatenate([theta, core.theta[len(theta):]])
    functions = core.functions()
    values = values_by_group(functions, full, table, latent)
    from .wls import WLSFunctions

    if isinstance(functions, WLSFunctions):  # the rows of ordinal items it derives
        from .wls_estimates import derived_rows

        columns = columns_of(table, functions.layout)
        est = values.est.copy()
        derived_rows(functions, full, columns.lhs, columns.op, columns.rhs, columns.group,
                     est).apply(est, values.std_lv, values.std_all)
    return values.std_lv, values.std_all


def standardized_solution(table: pd.DataFrame, theta: np.ndarray, vcov: np.ndarray,
                          core: CoreModel, latent: Sequence[str]) -> pd.DataFrame:
    """lavaan's ``standardizedSolution(type = "std.all")`` with delta-method SEs.

    The Jacobian of the standardized values with respect to the free
    parameters is taken by central differences (step ``1e-6 * max(1, |theta|)``),
    and ``V_std = J V J'``.

    Returns
    -------
    pandas.DataFrame
        ``lhs, op, rhs, label, est_std, se, z, pvalue, ci_lower, ci_upper``.
    """
    _, base = standardized_values(table, theta, core, latent)
    jac = np.zeros((len(base), len(theta)))
    for k in range(len(theta)):
        step = 1e-6 * max(1.0, abs(theta[k]))
        up, down = theta.copy(), theta.copy()
        up[k] += step
        down[k] -= step
        jac[:, k] = (standardized_values(table, up, core, latent)[1]
                     - standardized_values(table, down, core, latent)[1]) / (2 * step)
    se = np.sqrt(np.clip(np.einsum("ik,kl,il->i", jac, vcov, jac), 0, None))
    se[~np.isfinite(base)] = np.nan
    se = np.where(se > 1e-12, se, np.where(np.isnan(se), np.nan, 0.0))
    out = table[["lhs", "op", "rhs", "label"]].copy().reset_index(drop=True)
    out = with_inference_columns(out, base, se).rename(columns={"est": "est_std"})
    out["label"] = out["label"].fillna("")
    return out
