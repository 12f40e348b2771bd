"""The statistics recorded for every bootstrap resample, precompiled to index arrays.

:class:`StatisticsPlan` computes, from parameter vectors fitted to a stack of
samples (the core's :class:`~loyaltysem.estimate.ml.MLFunctions`), exactly what the pandas-based functions of
:mod:`loyaltysem.estimate.solution` and :mod:`.paths` compute (a test checks
the equality), without pandas and for a whole stack of resamples at once.
:class:`GroupedStatisticsPlan` does the same for a multi-group fit: one
:class:`StatisticsPlan` per group, the ``:=`` rows, and the differences of
every effect between groups.

Statistic names (the columns of a bootstrap's draws): ``"visual =~ x2"``
(a parameter), ``"x1 ~1"`` (an intercept), ``"ind1 :="`` (a defined
parameter), ``"effect: visual -> textual -> speed"`` and ``"std effect: ..."``;
in a multi-group fit every per-group statistic is prefixed with its group,
``"Pasteur: visual =~ x2"``, ``"Pasteur: effect: visual -> speed"``, ``:=``
rows are not (they span groups), and the differences between groups are
``"effect difference: visual -> speed (Pasteur - Grant-White)"``.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from ..estimate.defined import DefinedParameters
from ..estimate.layout import ParameterLayout
from ..estimate.ml import MLFunctions
from ..frame_rows import table_rows
from .paths import Effect


def parameter_name(lhs: str, op: str, rhs: str) -> str:
    """A parameter's statistic name: ``"visual =~ x2"``, ``"x1 ~1"``, ``"ind1 :="``."""
    if op == ":=":
        return f"{lhs} :="
    return f"{lhs} {op} {rhs}".rstrip()


def statistic_names(table: pd.DataFrame, effects: Sequence[Effect]) -> list[str]:
    """Names of the statistics of :class:`StatisticsPlan`: parameters, effects,
    standardized effects (see the module notes)."""
    names = [parameter_name(r.lhs, r.op, r.rhs) for r in table_rows(table)]
    names += [f"effect: {e.label}" for e in effects]
    names += [f"std effect: {e.label}" for e in effects]
    return names


class StatisticsPlan:
    """Parameter values, effects and standardized effects as one vector.

    Parameters
    ----------
    table : pandas.DataFrame
        The full parameter table.
    layout : ParameterLayout
        The layout the model was fitted with (its first free parameters are the
        table's; further ones, e.g. intercepts, do not enter the statistics).
    latent : sequence of str
    effects : sequence of Effect
    group : int
        The group of ``layout`` whose rows ``table`` holds (multi-group fits:
        one plan per group, see :class:`GroupedStatisticsPlan`).
    """

    def __init__(self, table: pd.DataFrame, layout: ParameterLayout, latent: Sequence[str],
                 effects: Sequence[Effect], *, group: int = 0):
        self.group = group
        self.names = statistic_names(table, effects)
        free = table["free"].to_numpy()
        self.ustart = np.nan_to_num(table["ustart"].to_numpy(dtype=float))
        self.free_rows = np.flatnonzero(free > 0)
        self.free_index = free[self.free_rows] - 1
        observed = list(layout.structure.observed)
        is_exo = table["exo"].to_numpy() == 1
        is_mean = table["op"].to_numpy() == "~1"
        exo = np.flatnonzero(is_exo & ~is_mean)  # fixed.x (co)variances: the sample's
        means = np.flatnonzero(is_exo & is_mean)  # fixed.x means: the sample's
        self.exo_mean_rows = means
        self.exo_mean_index = np.array([observed.index(table["lhs"].iat[i]) for i in means],
                                       dtype=int)
        self.exo_rows = exo
        self.exo_a = np.array([observed.index(table["lhs"].iat[i]) for i in exo], dtype=int)
        self.exo_b = np.array([observed.index(table["rhs"].iat[i]) for i in exo], dtype=int)
        self.defined = DefinedParameters(table)
        self.defined_rows = np.flatnonzero(table["op"].to_numpy() == ":=")
        self.latent_index = np.array([layout.structure.inner.index(v) for v in latent],
                                     dtype=int)
        names = observed + list(latent)
        position = {name: i for i, name in enumerate(names)}
        regression = np.flatnonzero(table["op"].to_numpy() == "~")
        self.regression_rows = regression
        self.reg_lhs = np.array([position[table["lhs"].iat[i]] for i in regression], dtype=int)
        self.reg_rhs = np.array([position[table["rhs"].iat[i]] for i in regression], dtype=int)
        column = {(table["rhs"].iat[i], table["lhs"].iat[i]): k for k, i in enumerate(regression)}
        self.effect_paths = [[np.array([column[(a, b)] for a, b in zip(p, p[1:])], dtype=int)
                              for p in effect.paths] for effect in effects]

    def compute_many(self, thetas: np.ndarray, functions: MLFunctions,
                     index: np.ndarray | None = None) -> np.ndarray:
        """Statistics of a stack: ``thetas (B, n)`` fitted to the samples ``index`` of
        ``functions``' data stack (default: all in order) -> ``(B, k)``.

        Every row of the parameter table (free rows from ``theta``, fixed.x rows
        from the sample covariance, ``:=`` rows evaluated), then every effect
        (sum over its paths of the product of the coefficients) in the
        unstandardized and the completely standardized metric.
        """
        n = thetas.shape[0]
        est = np.repeat(self.ustart[None], n, axis=0)
        est[:, self.free_rows] = thetas[:, self.free_index]
        cov = functions.groups[self.group].cov
        covs = cov if index is None or cov.shape[0] == 1 else cov[index]
        if self.exo_rows.size:
            est[:, self.exo_rows] = np.broadcast_to(covs, (n,) + covs.shape[1:])[
                :, self.exo_a, self.exo_b]
        if self.exo_mean_rows.size:
            mean = functions.groups[self.group].mean
            means = mean if index is None or mean.shape[0] == 1 else mean[index]
            est[:, self.exo_mean_rows] = np.broadcast_to(means, (n,) + means.shape[1:])[
                :, self.exo_mean_index]
        if self.defined_rows.size:
            est[:, self.defined_rows] = self.defined.values_from_draws(thetas)
        coefficients = est[:, self.regression_rows]
        implied = functions.implied(thetas, self.group, index)
        psi = implied.psi
        inner = psi if implied.c is None else np.matmul(np.matmul(implied.c, psi),
                                                        implied.c.transpose(0, 2, 1))
        variances = np.concatenate([np.diagonal(implied.sigma, axis1=1, axis2=2),
                                    np.diagonal(inner, axis1=1, axis2=2)[:, self.latent_index]],
                                   axis=1)
        with np.errstate(invalid="ignore"):  # a negative variance: NaN, as the pandas functions
            sd = np.sqrt(variances)
        std_coefficients = coefficients * sd[:, self.reg_rhs] / sd[:, self.reg_lhs]
        return np.concatenate([est, self._effects(coefficients), self._effects(std_coefficients)],
                              axis=1)

    def latent_covariances(self, thetas: np.ndarray, functions: MLFunctions,
                           index: np.ndarray | None = None) -> np.ndarray:
        """The implied latent covariance matrices of a stack, ``(B, m, m)``."""
        implied = functions.implied(thetas, self.group, index)
        inner = implied.psi if implied.c is None else np.matmul(
            np.matmul(implied.c, implied.psi), implied.c.transpose(0, 2, 1))
        return inner[:, self.latent_index][:, :, self.latent_index]

    def latent_covariance_blocks(self, thetas: np.ndarray, functions: MLFunctions,
                                 index: np.ndarray | None = None) -> list[np.ndarray]:
        """The implied latent covariance matrices of every group (here: one), ``(B, m, m)``."""
        return [self.latent_covariances(thetas, functions, index)]

    def _effects(self, coefficients: np.ndarray) -> np.ndarray:
        out = np.zeros((coefficients.shape[0], len(self.effect_paths)))
        for e, paths in enumerate(self.effect_paths):
            for path in paths:
                out[:, e] += np.prod(coefficients[:, path], axis=1)
        return out


class GroupedStatisticsPlan:
    """The statistics of a multi-group fit as one vector (see the module notes for names).

    Per group (in the layout's order) every row of its block of the table,
    its effects and standardized effects (a :class:`StatisticsPlan` each);
    then the ``:=`` rows; then, for every pair of groups ``g < h`` and every
    effect, the unstandardized effect in ``g`` minus the one in ``h``.

    Parameters
    ----------
    table : pandas.DataFrame
        The core's multi-group table (``group`` numbered 0..G-1; fixed.x means
        marked ``exo``).
    layout : ParameterLayout
    latent : sequence of str
    effects : sequence of Effect
    labels : sequence of str
        The group labels, in the layout's order.
    defined : pandas.DataFrame
        The labelled free rows and the ``:=`` rows (``lhs, op, rhs, label,
        free, ustart``), as the multi-group estimates evaluate them.
    """

    def __init__(self, table: pd.DataFrame, layout: ParameterLayout, latent: Sequence[str],
                 effects: Sequence[Effect], labels: Sequence[str], defined: pd.DataFrame):
        self.plans = [StatisticsPlan(table[table["group"] == g].reset_index(drop=True), layout,
                                     latent, effects, group=g) for g in range(len(labels))]
        self.defined = DefinedParameters(defined)
        k = len(effects)
        self.effect_columns = [slice(len(plan.names) - 2 * k, len(plan.names) - k)
                               for plan in self.plans]
        self.pairs = list(combinations(range(len(labels)), 2))
        self.names = [f"{label}: {name}" for label, plan in zip(labels, self.plans)
                      for name in plan.names]
        self.names += [f"{name} :=" for name in self.defined.names]
        self.names += [f"effect difference: {e.label} ({labels[g]} - {labels[h]})"
                       for g, h in self.pairs for e in effects]

    def compute_many(self, thetas: np.ndarray, functions: MLFunctions,
                     index: np.ndarray | None = None) -> np.ndarray:
        """Statistics of a stack (every group's data stacked alike) -> ``(B, k)``."""
        blocks = [plan.compute_many(thetas, functions, index) for plan in self.plans]
        differences = [blocks[g][:, self.effect_columns[g]] - blocks[h][:, self.effect_columns[h]]
                       for g, h in self.pairs]
        return np.concatenate(blocks + [self.defined.values_from_draws(thetas)] + differences,
                              axis=1)

    def latent_covariance_blocks(self, thetas: np.ndarray, functions: MLFunctions,
                                 index: np.ndarray | None = None) -> list[np.ndarray]:
        """The implied latent covariance matrices of every group, each ``(B, m, m)``."""
        return [plan.latent_covariances(thetas, functions, index) for plan in self.plans]
