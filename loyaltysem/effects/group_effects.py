"""Effects of a multi-group fit in every group and their differences between groups.

For a :class:`~loyaltysem.groups.MultiGroupResult` each effect (the sum over its chains
of the product of the regression coefficients along the chain; Bollen 1987) is taken in
every group ``g`` from group ``g``'s coefficients, and for every pair of groups
``g < h`` the difference ``effect_g - effect_h``. All are functions of the fit's free
parameters ``theta`` (one vector for all groups: a label written once, or a
``group_equal`` class, makes a coefficient one parameter in several groups), so their
delta-method covariance is ``J V J'`` with ``J`` their Jacobian (exact, by the complex
step: the values are polynomials in ``theta``) and ``V`` the fit's covariance of
``theta`` (expected or, with missing data, observed information; the sandwich for MLR;
the Satorra–Bentler robust covariance for MLM). These are lavaan's ``parameterEstimates()``
SEs of ``ind1 := a1*b1`` and ``diff := ind1 - ind2`` with per-group labels
``c(a1, a2)*`` (Sobel 1982; Rosseel 2012).

Monte Carlo intervals draw ``theta`` from ``N(theta_hat, V)`` and take the percentiles
of each statistic over the draws (Preacher & Selig 2012; semTools' ``monteCarloCI()``).

Names (as the multi-group bootstrap's, :mod:`.statistics`): ``"Pasteur: effect: visual
-> textual -> speed"``, ``"effect difference: visual -> textual -> speed (Pasteur -
Grant-White)"``, ``"diff :="``.

References
----------
Bollen, K. A. (1987). Total, direct, and indirect effects in structural equation
models. Sociological Methodology, 17, 37-69.
Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in structural
equation models. Sociological Methodology, 13, 290-312.
Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence intervals
for indirect effects. Communication Methods and Measures, 6(2), 77-98.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1-36.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..distributions import norm_ppf, norm_sf
from ..frame_rows import table_rows
from .delta import complex_step_jacobian
from .intervals import monte_carlo_draws, percentile_interval
from .paths import Effect, effect_values

if TYPE_CHECKING:
    from ..groups.results import MultiGroupResult


def effect_name(label: str, effect: Effect) -> str:
    """The statistic name of ``effect`` in the group ``label``."""
    return f"{label}: effect: {effect.label}"


def difference_name(first: str, second: str, effect: Effect) -> str:
    """The statistic name of ``effect`` in ``first`` minus ``effect`` in ``second``."""
    return f"effect difference: {effect.label} ({first} - {second})"


class GroupEffects:
    """Every effect in every group, then every difference, as a function of ``theta``.

    Parameters
    ----------
    result : MultiGroupResult
    effects : sequence of Effect
    """

    def __init__(self, result: MultiGroupResult, effects: Sequence[Effect]):
        table = result.core.layout.table  # groups numbered 0..G-1
        self.labels = [str(g) for g in result.groups]
        self.effects = list(effects)
        self.pairs = list(combinations(range(len(self.labels)), 2))
        self.coefficients: list[dict[tuple[str, str], tuple[int, float]]] = []
        for g in range(len(self.labels)):
            rows = table[(table["group"] == g) & (table["op"] == "~")]
            self.coefficients.append({
                (str(r.rhs), str(r.lhs)): (int(r.free) - 1, float(np.nan_to_num(r.ustart)))
                for r in table_rows(rows)})
        self.names = [effect_name(label, e) for label in self.labels for e in self.effects]
        self.names += [difference_name(self.labels[g], self.labels[h], e)
                       for g, h in self.pairs for e in self.effects]

    def values(self, theta: np.ndarray) -> np.ndarray:
        """The statistics at ``theta`` (``(n,)`` -> ``(k,)``) or at draws (``(B, n)`` ->
        ``(B, k)``); complex-safe."""
        shape = theta.shape[:-1]
        per_group = []
        for coefficients in self.coefficients:
            values = {key: theta[..., index] if index >= 0 else np.broadcast_to(value, shape)
                      for key, (index, value) in coefficients.items()}
            per_group.append(effect_values(self.effects, values))
        differences = [per_group[g] - per_group[h] for g, h in self.pairs]
        out = np.concatenate(per_group + differences, axis=0)
        return out.T if out.ndim == 2 else out


def group_effects_table(result: MultiGroupResult, effects: Sequence[Effect],
                        level: float = 0.95) -> pd.DataFrame:
    """Every effect in every group and its differences between groups, delta method.

    Returns
    -------
    pandas.DataFrame
        Indexed by the statistic names (module notes); ``group`` (the group, or ``"A -
        B"`` for a difference), ``effect``, ``kind``, ``est, se, z, pvalue, ci_lower,
        ci_upper`` (normal-theory ``level`` intervals) and ``std_all`` (the completely
        standardized effect of the group, each group standardized by its own implied
        variances; NaN for differences).
    """
    from .bootstrap import grouped_plan

    functions = GroupEffects(result, effects)
    theta = np.asarray(result.theta, dtype=float)
    vcov = np.asarray(result.vcov, dtype=float)
    est = functions.values(theta).real
    jacobian = complex_step_jacobian(functions.values, theta)
    se = np.sqrt(np.clip(np.einsum("ik,kl,il->i", jacobian, vcov, jacobian), 0, None))
    plan = grouped_plan(result, functions.effects)
    point = dict(zip(plan.names, plan.compute_many(theta[None], result.core.functions())[0]))
    z_level = float(norm_ppf(0.5 + level / 2))
    groups = [label for label in functions.labels for _ in functions.effects]
    groups += [f"{functions.labels[g]} - {functions.labels[h]}"
               for g, h in functions.pairs for _ in functions.effects]
    listed = functions.effects * (len(functions.labels) + len(functions.pairs))
    std = [point[f"{label}: std effect: {e.label}"] for label in functions.labels
           for e in functions.effects]
    std += [np.nan] * (len(listed) - len(std))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    return pd.DataFrame({
        "group": groups, "effect": [e.label for e in listed], "kind": [e.kind for e in listed],
        "est": est, "se": se, "z": z, "pvalue": 2 * norm_sf(np.abs(z)),
        "ci_lower": est - z_level * se, "ci_upper": est + z_level * se, "std_all": std,
    }, index=functions.names)


def group_monte_carlo_intervals(result: MultiGroupResult, effects: Sequence[Effect], *,
                                n_draws: int, seed: int | None, level: float) -> pd.DataFrame:
    """Monte Carlo intervals of every group's effects, their differences and the ``:=``
    rows of a multi-group fit (module notes): indexed by the statistic names, columns
    ``est, lower, upper, sd`` (as :func:`.montecarlo.monte_carlo_intervals`)."""
    from .bootstrap import grouped_plan

    functions = GroupEffects(result, effects)
    theta = np.asarray(result.theta, dtype=float)
    thetas = monte_carlo_draws(theta, np.asarray(result.vcov, dtype=float), n_draws, seed)
    defined = grouped_plan(result, functions.effects).defined
    blocks, names = [functions.values(thetas)], list(functions.names)
    points = list(functions.values(theta))
    if len(defined):
        blocks.append(defined.values_from_draws(thetas))
        names += [f"{name} :=" for name in defined.names]
        points += list(defined.values(theta).real)
    values = np.column_stack(blocks)
    lower, upper = percentile_interval(values, level)
    return pd.DataFrame({"est": points, "lower": lower, "upper": upper,
                         "sd": values.std(axis=0, ddof=1)}, index=names)
