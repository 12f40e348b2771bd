"""Monte Carlo confidence intervals for effects (Preacher & Selig, 2012).

Parameter vectors are drawn from the estimated sampling distribution
``N(theta_hat, V)``; each effect (and each ``:=`` parameter) is computed on
every draw and the interval is the percentile interval of those values. This
is semTools' ``monteCarloCI()`` (default 20,000 draws; quantile type 7).

References
----------
Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence
intervals for indirect effects. Communication Methods and Measures, 6(2),
77-98.
MacKinnon, D. P., Lockwood, C. M., & Williams, J. (2004). Confidence limits
for the indirect effect. Multivariate Behavioral Research, 39(1), 99-128.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..arguments import MAX_DRAWS, check_int, check_probability, check_seed, fail
from ..estimate import FitResult
from ..estimate.defined import DefinedParameters
from .delta import EffectFunctions
from .intervals import monte_carlo_draws, percentile_interval
from .paths import Effect

if TYPE_CHECKING:
    from ..groups.results import MultiGroupResult


def check_monte_carlo_arguments(result: Any, n_draws: Any, seed: Any, level: Any, *,
                                need_result: bool = True) -> None:
    """Refuse a bad argument of a Monte Carlo interval before any draw is allocated
    (``need_result``: that ``result`` is a single-group FitResult)."""
    if need_result and not isinstance(result, FitResult):
        raise fail("result", "a FitResult (from loyaltysem.fit) or a MultiGroupResult "
                   "(from loyaltysem.groups.fit_groups)", result)
    check_int("n_draws", n_draws, low=2, high=MAX_DRAWS)
    check_seed("seed", seed)
    check_probability("level", level, "a confidence level")


def monte_carlo_intervals(result: FitResult | MultiGroupResult, *, n_draws: int = 20000,
                          seed: int | None = None, level: float = 0.95,
                          effects: Sequence[Effect] | None = None) -> pd.DataFrame:
    """Monte Carlo intervals of every effect and every ``:=`` parameter.

    Of a multi-group fit: every effect in every group, their differences between
    groups and the ``:=`` rows (:func:`.group_effects.group_monte_carlo_intervals`).

    Parameters
    ----------
    result : FitResult or MultiGroupResult
    n_draws : int
        Draws from ``N(theta_hat, vcov)`` (semTools' default 20,000), 2 to
        :data:`~loyaltysem.arguments.MAX_DRAWS`.
    seed : int, optional
        0 to 2**32 - 1.
    level : float
        Confidence level, strictly between 0 and 1.
    effects : sequence of Effect, optional

    Returns
    -------
    pandas.DataFrame
        Indexed by ``"effect: <label>"`` and ``"<name> :="``; columns
        ``est, lower, upper, sd`` (``sd`` of the Monte Carlo distribution).

    Examples
    --------
    >>> from loyaltysem import fit, load_dataset
    >>> model = "; ".join(["SAT =~ sat_1 + sat_2 + sat_3 + sat_4", "TRU =~ tru_1 + tru_2 + tru_3",
    ...                    "LOY =~ loy_1 + loy_2 + loy_3 + loy_4", "TRU ~ a*SAT",
    ...                    "LOY ~ b*TRU + SAT", "ind := a*b"])
    >>> result = fit(model, load_dataset("loyalty_chain"))
    >>> mc = monte_carlo_intervals(result, seed=1)   # semTools::monteCarloCI(fit, nRep = 20000)
    >>> list(mc.columns)
    ['est', 'lower', 'upper', 'sd']
    >>> round(float(mc.at["ind :=", "est"]), 3)      # the point estimate a*b
    0.275
    """
    if not isinstance(result, FitResult):
        from ..groups.results import MultiGroupResult as MultiGroup  # not in a plain fit

        if isinstance(result, MultiGroup):
            from .group_effects import group_monte_carlo_intervals
            from .paths import enumerate_effects

            check_monte_carlo_arguments(None, n_draws, seed, level, need_result=False)
            return group_monte_carlo_intervals(
                result, list(effects) if effects is not None else
                enumerate_effects(result.spec.structural_paths),
                n_draws=n_draws, seed=seed, level=level)
    check_monte_carlo_arguments(result, n_draws, seed, level)
    functions = EffectFunctions(result, effects)
    thetas = monte_carlo_draws(result.theta, result.vcov.to_numpy(), n_draws, seed)
    defined = DefinedParameters(result.spec.parameter_table)
    blocks = [functions.from_draws(thetas)]
    names = [f"effect: {e.label}" for e in functions.effects]
    points = list(functions.unstandardized(result.theta).real)
    if len(defined):
        blocks.append(defined.values_from_draws(thetas))
        names += [f"{name} :=" for name in defined.names]
        points += list(defined.values(result.theta).real)
    values = np.column_stack(blocks)
    lower, upper = percentile_interval(values, level)
    return pd.DataFrame({"est": points, "lower": lower, "upper": upper,
                         "sd": values.std(axis=0, ddof=1)}, index=names)
