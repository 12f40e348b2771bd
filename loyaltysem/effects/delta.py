"""Effects with delta-method standard errors (unstandardized and standardized).

The covariance of a vector of effects ``g(theta)`` is ``J V J'`` with
``J = dg/dtheta`` (Sobel, 1982; lavaan's ``:=`` standard errors). ``J`` is
exact for unstandardized effects (complex step) and taken by central
differences for standardized effects (lavaan's ``standardizedSolution()``).

References
----------
Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in
structural equation models. Sociological Methodology, 13, 290-312.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..arguments import fail
from ..distributions import norm_ppf, norm_sf
from ..estimate import FitResult
from ..estimate.solution import parameter_values, standardized_values
from .paths import Effect, effect_values, enumerate_effects, regression_coefficients

if TYPE_CHECKING:
    from ..groups.results import MultiGroupResult

_Z975 = float(norm_ppf(0.975))


def complex_step_jacobian(function: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Exact Jacobian of an analytic function by the complex step (h = 1e-20)."""
    columns = []
    for k in range(len(theta)):
        shifted = theta.astype(complex)
        shifted[k] += 1e-20j
        columns.append(np.imag(function(shifted)) / 1e-20)
    return np.array(columns).T


def central_jacobian(function: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Jacobian by central differences (step 1e-6 max(1, |theta_k|))."""
    columns = []
    for k in range(len(theta)):
        step = 1e-6 * max(1.0, abs(theta[k]))
        up, down = theta.copy(), theta.copy()
        up[k] += step
        down[k] -= step
        columns.append((function(up) - function(down)) / (2 * step))
    return np.array(columns).T


class EffectFunctions:
    """Effects of a fitted model as functions of the free parameters.

    Parameters
    ----------
    result : FitResult
    effects : sequence of Effect, optional
        Defaults to every effect of the structural model.
    """

    def __init__(self, result: FitResult, effects: Sequence[Effect] | None = None):
        self.result = result
        self.table = result.spec.parameter_table
        self.effects = list(effects) if effects is not None else \
            enumerate_effects(result.spec.structural_paths)
        self.core = result.core
        self.latent = list(result.spec.roles.latent)
        self._regression_rows = [i for i, op in enumerate(self.table["op"]) if op == "~"]

    def unstandardized(self, theta: np.ndarray) -> np.ndarray:
        """Effect values at ``theta`` (complex-safe)."""
        moments = self.core.groups[0]
        values = parameter_values(self.table, theta, moments.cov[0],
                                  self.core.layout.structure.observed, None, moments.mean[0])
        return effect_values(self.effects, regression_coefficients(self.table, values))

    def standardized(self, theta: np.ndarray) -> np.ndarray:
        """Completely standardized effect values at ``theta`` (products of std.all paths)."""
        _, std_all = standardized_values(self.table, theta, self.core, self.latent)
        return effect_values(self.effects, regression_coefficients(self.table, std_all))

    def from_draws(self, thetas: np.ndarray) -> np.ndarray:
        """Unstandardized effects for many parameter vectors at once, shape (n_draws, n_effects)."""
        free = self.table["free"].to_numpy()
        coefficients = {}
        for i in self._regression_rows:
            row = self.table.iloc[i]
            value = thetas[:, free[i] - 1] if free[i] > 0 else np.full(len(thetas), row["ustart"])
            coefficients[(row["rhs"], row["lhs"])] = value
        return effect_values(self.effects, coefficients).T


def _delta(function: Callable[[np.ndarray], np.ndarray],
           jacobian: Callable[[Callable[[np.ndarray], np.ndarray], np.ndarray], np.ndarray],
           theta: np.ndarray, vcov: np.ndarray, n_effects: int) -> tuple[np.ndarray, np.ndarray]:
    """Values at ``theta`` and delta-method SEs ``sqrt(diag(J V J'))``; without effects
    (a measurement model) nothing is differentiated (one evaluation per parameter saved)."""
    if n_effects == 0:
        return np.zeros(0), np.zeros(0)
    jac = jacobian(function, theta)
    return function(theta).real, np.sqrt(np.clip(np.einsum("ik,kl,il->i", jac, vcov, jac), 0, None))


def effects_table(result: FitResult | MultiGroupResult,
                  effects: Sequence[Effect] | None = None) -> pd.DataFrame:
    """Direct, specific indirect, total indirect and total effects with delta-method SEs.

    A multi-group fit gives every effect in every group and the difference of every pair
    of groups (:func:`.group_effects.group_effects_table`).

    Returns
    -------
    pandas.DataFrame
        ``effect, kind, source, target, est, se, z, pvalue, ci_lower,
        ci_upper, std_all, std_se`` (normal-theory 95% intervals); of a multi-group
        fit ``group, effect, kind, est, se, z, pvalue, ci_lower, ci_upper, std_all``.
    """
    if not isinstance(result, FitResult):
        from ..groups.results import MultiGroupResult as MultiGroup  # not in a plain fit

        if isinstance(result, MultiGroup):
            from .group_effects import group_effects_table

            return group_effects_table(result, list(effects) if effects is not None else
                                       enumerate_effects(result.spec.structural_paths))
        raise fail("result", "a FitResult (from loyaltysem.fit) or a MultiGroupResult "
                   "(from loyaltysem.groups.fit_groups)", result)
    functions = EffectFunctions(result, effects)
    theta = result.theta
    vcov = result.vcov.to_numpy()
    est, se = _delta(functions.unstandardized, complex_step_jacobian, theta, vcov,
                     len(functions.effects))
    std, std_se = _delta(functions.standardized, central_jacobian, theta, vcov,
                         len(functions.effects))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    return pd.DataFrame({
        "effect": [e.label for e in functions.effects],
        "kind": [e.kind for e in functions.effects],
        "source": [e.source for e in functions.effects],
        "target": [e.target for e in functions.effects],
        "est": est, "se": se, "z": z, "pvalue": 2 * norm_sf(np.abs(z)),
        "ci_lower": est - _Z975 * se, "ci_upper": est + _Z975 * se,
        "std_all": std, "std_se": std_se,
    })
