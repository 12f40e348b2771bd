"""The statistics recorded for every bootstrap resample, precompiled to index arrays.

:class:`StatisticsPlan` computes, from a parameter vector and a sample
covariance, exactly what the pandas-based functions of
:mod:`loyaltysem.estimate.solution` and :mod:`.paths` compute (a test checks
the equality), without pandas in the loop: the bootstrap calls it once per
resample.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

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

    def values(self, theta: np.ndarray, sample_cov: np.ndarray) -> np.ndarray:
        """Every row of the parameter table at ``theta``."""
        est = self.ustart.copy()
        est[self.free_rows] = theta[self.free_index]
        if self.exo_rows.size:
            est[self.exo_rows] = sample_cov[self.exo_a, self.exo_b]
        if self.defined_rows.size:
            est[self.defined_rows] = self.defined.values(theta).real
        return est

    def _effects(self, coefficients: np.ndarray) -> np.ndarray:
        return np.array([sum(np.prod(coefficients[path]) for path in paths)
                         for paths in self.effect_paths])

    def compute(self, theta: np.ndarray, sample_cov: np.ndarray) -> np.ndarray:
        """Parameter values, effects and completely standardized effects, concatenated."""
        est = self.values(theta, sample_cov)
        coefficients = est[self.regression_rows]
        sigma = self.model.implied(theta)
        inner = self.model.inner_covariance(theta)
        variances = np.concatenate([np.diag(sigma), np.diag(inner)[self.latent_index]])
        sd = np.sqrt(variances)
        std_coefficients = coefficients * sd[self.reg_rhs] / sd[self.reg_lhs]
        return np.concatenate([est, self._effects(coefficients), self._effects(std_coefficients)])
