"""The statistics recorded for every bootstrap resample, precompiled to index arrays.

:class:`StatisticsPlan` computes, from parameter vectors and sample
covariances, exactly what the pandas-based functions of
:mod:`loyaltysem.estimate.solution` and :mod:`.paths` compute (a test checks
the equality), without pandas and for a whole stack of resamples at once.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..estimate.batched import BatchedML
from ..estimate.defined import DefinedParameters
from ..estimate.semopy_engine import SemopyModel
from .paths import Effect


class StatisticsPlan:
    """Parameter values, effects and standardized effects as one vector.

    Parameters
    ----------
    table : pandas.DataFrame
        The full parameter table.
    model : SemopyModel
    latent : sequence of str
    effects : sequence of Effect
    """

    def __init__(self, table: pd.DataFrame, model: SemopyModel, latent: Sequence[str],
                 effects: Sequence[Effect]):
        self.model = model
        self.batched = BatchedML(model)
        free = table["free"].to_numpy()
        self.ustart = np.nan_to_num(table["ustart"].to_numpy(dtype=float))
        self.free_rows = np.flatnonzero(free > 0)
        self.free_index = free[self.free_rows] - 1
        observed = model.observed
        exo = np.flatnonzero(table["exo"].to_numpy() == 1)
        self.exo_rows = exo
        self.exo_a = np.array([observed.index(table["lhs"].iat[i]) for i in exo], dtype=int)
        self.exo_b = np.array([observed.index(table["rhs"].iat[i]) for i in exo], dtype=int)
        self.defined = DefinedParameters(table)
        self.defined_rows = np.flatnonzero(table["op"].to_numpy() == ":=")
        self.latent_index = np.array([model.latent_inner.index(v) for v in latent], dtype=int)
        names = list(observed) + list(latent)
        position = {name: i for i, name in enumerate(names)}
        regression = np.flatnonzero(table["op"].to_numpy() == "~")
        self.regression_rows = regression
        self.reg_lhs = np.array([position[table["lhs"].iat[i]] for i in regression], dtype=int)
        self.reg_rhs = np.array([position[table["rhs"].iat[i]] for i in regression], dtype=int)
        column = {(table["rhs"].iat[i], table["lhs"].iat[i]): k for k, i in enumerate(regression)}
        self.effect_paths = [[np.array([column[(a, b)] for a, b in zip(p, p[1:])], dtype=int)
                              for p in effect.paths] for effect in effects]

    def compute(self, theta: np.ndarray, sample_cov: np.ndarray) -> np.ndarray:
        """Parameter values, effects and completely standardized effects, concatenated."""
        return self.compute_many(theta[None], sample_cov[None])[0]

    def compute_many(self, thetas: np.ndarray, sample_covs: np.ndarray) -> np.ndarray:
        """:meth:`compute` for a stack: ``thetas (B, q)``, ``sample_covs (B, p, p)`` -> ``(B, k)``.

        Every row of the parameter table (free rows from ``theta``, fixed.x rows
        from the sample covariance, ``:=`` rows evaluated), then every effect
        (sum over its paths of the product of the coefficients) in the
        unstandardized and the completely standardized metric.
        """
        n = thetas.shape[0]
        est = np.repeat(self.ustart[None], n, axis=0)
        est[:, self.free_rows] = thetas[:, self.free_index]
        if self.exo_rows.size:
            est[:, self.exo_rows] = sample_covs[:, self.exo_a, self.exo_b]
        if self.defined_rows.size:
            est[:, self.defined_rows] = self.defined.values_from_draws(thetas)
        coefficients = est[:, self.regression_rows]
        sigma = self.batched.implied(thetas, sample_covs)
        inner = self.batched.inner_covariance(thetas, sample_covs)
        variances = np.concatenate([np.diagonal(sigma, axis1=1, axis2=2),
                                    np.diagonal(inner, axis1=1, axis2=2)[:, self.latent_index]],
                                   axis=1)
        with np.errstate(invalid="ignore"):  # a negative variance: NaN, as the pandas functions
            sd = np.sqrt(variances)
        std_coefficients = coefficients * sd[:, self.reg_rhs] / sd[:, self.reg_lhs]
        return np.concatenate([est, self._effects(coefficients), self._effects(std_coefficients)],
                              axis=1)

    def _effects(self, coefficients: np.ndarray) -> np.ndarray:
        out = np.zeros((coefficients.shape[0], len(self.effect_paths)))
        for e, paths in enumerate(self.effect_paths):
            for path in paths:
                out[:, e] += np.prod(coefficients[:, path], axis=1)
        return out
