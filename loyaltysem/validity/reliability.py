"""Internal consistency of a construct's items: Cronbach's alpha and item statistics.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
tests. Psychometrika, 16(3), 297-334.
Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference
for coefficient alpha. Applied Psychological Measurement, 11(1), 93-103.
Revelle, W. psych: ``alpha()`` (raw_alpha, std.alpha, alpha.drop, r.drop).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pingouin
from scipy import stats

from ..arguments import check_probability


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of one set of items.

    Attributes
    ----------
    alpha : float
        Raw alpha (psych's ``raw_alpha``), from the item covariances.
    std_alpha : float
        Standardized alpha (psych's ``std.alpha``), from the item correlations.
    ci_lower, ci_upper : float
        Feldt et al. (1987) confidence interval of the raw alpha.
    n, k : int
        Respondents and items.
    """

    alpha: float
    std_alpha: float
    ci_lower: float
    ci_upper: float
    n: int
    k: int


def cronbach_alpha(items: pd.DataFrame, *, ci: float = 0.95) -> AlphaResult:
    """Cronbach's alpha, raw and standardized, with Feldt's confidence interval.

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item, complete cases.
    ci : float
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    AlphaResult

    Notes
    -----
    ``alpha = k/(k-1) (1 - sum(s_ii) / sum(S))``;
    ``std_alpha = k rbar / (1 + (k-1) rbar)`` with ``rbar`` the mean
    inter-item correlation. The interval is
    ``1 - (1 - alpha) F_{1-a/2}(n-1, (n-1)(k-1))`` to
    ``1 - (1 - alpha) F_{a/2}(n-1, (n-1)(k-1))`` (Feldt et al., 1987),
    psych's ``alpha()$feldt``. The point estimate is pingouin's
    ``cronbach_alpha``; the interval is computed here because pingouin rounds
    it to three decimals.

    Examples
    --------
    >>> from loyaltysem import load_dataset
    >>> mobi = load_dataset("mobi")
    >>> round(cronbach_alpha(mobi[["PERV1", "PERV2"]]).alpha, 4)  # psych::alpha(mobi[, c("PERV1","PERV2")])
    0.8167
    """
    check_probability("ci", ci, "a confidence level")
    n, k = items.shape
    if k < 2:
        raise ValueError(f"alpha needs at least two items; got {k} ({', '.join(map(str, items.columns))}): "
                         "a single-item construct has no internal consistency to estimate")
    if n < 3:
        raise ValueError(f"alpha needs at least three respondents; got {n}")
    alpha = float(pingouin.cronbach_alpha(items)[0])
    std_alpha = standardized_alpha(np.corrcoef(items.to_numpy(dtype=float), rowvar=False))
    level = 1 - ci
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * stats.f.isf(level / 2, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.isf(1 - level / 2, df1, df2)
    return AlphaResult(alpha, float(std_alpha), float(lower), float(upper), int(n), int(k))


def standardized_alpha(correlations: np.ndarray) -> float:
    """Standardized Cronbach's alpha from an item correlation matrix.

    ``k rbar / (1 + (k - 1) rbar)`` with ``rbar`` the mean inter-item
    correlation (Cronbach 1951; psych's ``std.alpha``; the alpha SmartPLS and
    seminr report for standardized items). NaN for fewer than two items.
    """
    correlations = np.asarray(correlations, dtype=float)
    k = correlations.shape[0]
    if k < 2:
        return float("nan")
    rbar = correlations[np.triu_indices(k, 1)].mean()
    return float(k * rbar / (1 + (k - 1) * rbar))


def item_statistics(items: pd.DataFrame) -> pd.DataFrame:
    """Alpha if each item is dropped, and corrected item–total correlations.

    Returns
    -------
    pandas.DataFrame
        Index: items. Columns ``alpha_if_dropped`` (psych ``alpha.drop``),
        ``r_drop`` (correlation of the item with the sum of the *other* items,
        psych ``r.drop``).
    """
    rows = {}
    for item in items.columns:
        rest = items.drop(columns=item)
        alpha_dropped = (float(pingouin.cronbach_alpha(rest)[0]) if rest.shape[1] >= 2
                         else float("nan"))
        r_drop = float(np.corrcoef(items[item], rest.sum(axis=1))[0, 1])
        rows[item] = {"alpha_if_dropped": alpha_dropped, "r_drop": r_drop}
    return pd.DataFrame.from_dict(rows, orient="index")
