"""The statistics recorded for every bootstrap resample, precompiled to index arrays.

:class:`StatisticsPlan` computes, from parameter vectors fitted to a stack of
samples (the core's :class:`~loyaltysem.estimate.ml.MLFunctions`), exactly what the pandas-based functions of
:mod:`loyaltysem.estimate.solution` and :mod:`.paths` compute (a test checks
the equality), without pandas and for a whole stack of resamples at once.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..estimate.defined import DefinedParameters
from ..estimate.layout import ParameterLayout
from ..estimate.ml import MLFunctions
from .paths import Effect


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
    """

    def __init__(self, table: pd.DataFrame, layout: ParameterLayout, latent: Sequence[str],
                 effects: Sequence[Effect]):
        free = table["free"].to_numpy()
        self.ustart = np.nan_to_num(table["ustart"].to_numpy(dtype=float))
        self.free_rows = np.flatnonzero(free > 0)
        self.free_index = free[self.free_rows] - 1
        observed = list(layout.structure.observed)
        exo = np.flatnonzero(table["exo"].to_numpy() == 1)
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
        cov = functions.groups[0].cov
        covs = cov if index is None or cov.shape[0] == 1 else cov[index]
        if self.exo_rows.size:
            est[:, self.exo_rows] = np.broadcast_to(covs, (n,) + covs.shape[1:])[
                :, self.exo_a, self.exo_b]
        if self.defined_rows.size:
            est[:, self.defined_rows] = self.defined.values_from_draws(thetas)
        coefficients = est[:, self.regression_rows]
        implied = functions.implied(thetas, 0, index)
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
        implied = functions.implied(thetas, 0, index)
        inner = implied.psi if implied.c is None else np.matmul(
            np.matmul(implied.c, implied.psi), implied.c.transpose(0, 2, 1))
        return inner[:, self.latent_index][:, :, self.latent_index]

    def _effects(self, coefficients: np.ndarray) -> np.ndarray:
        out = np.zeros((coefficients.shape[0], len(self.effect_paths)))
        for e, paths in enumerate(self.effect_paths):
            for path in paths:
                out[:, e] += np.prod(coefficients[:, path], axis=1)
        return out
