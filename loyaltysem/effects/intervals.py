"""Confidence intervals from draws: percentile, BCa, Monte Carlo.

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. Journal of the
American Statistical Association, 82(397), 171-185 (BCa).
Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence
intervals for indirect effects. Communication Methods and Measures, 6(2),
77-98; semTools ``monteCarloCI()``.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from ..arguments import check_probability


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each column (linear interpolation, R's quantile type 7)."""
    level = check_probability("level", level, "a confidence level")
    alpha = (1 - level) / 2
    lower = np.nanquantile(draws, alpha, axis=0)
    upper = np.nanquantile(draws, 1 - alpha, axis=0)
    return lower, upper


def bca_interval(draws: np.ndarray, point: np.ndarray, jackknife: np.ndarray,
                 level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated interval (Efron, 1987) of each column.

    ``z0 = Phi^-1(share of draws below the estimate)`` (ties count half),
    acceleration ``a = sum(d^3) / (6 (sum d^2)^1.5)`` with ``d`` the
    jackknife deviations from their mean, and the interval the draws'
    quantiles at ``Phi(z0 + (z0 + z_q) / (1 - a (z0 + z_q)))``.
    """
    level = check_probability("level", level, "a confidence level")
    alpha = (1 - level) / 2
    lower = np.full(draws.shape[1], np.nan)
    upper = np.full(draws.shape[1], np.nan)
    for j in range(draws.shape[1]):
        column = draws[:, j]
        column = column[np.isfinite(column)]
        jack = jackknife[:, j]
        jack = jack[np.isfinite(jack)]
        if column.size < 2 or np.ptp(column) == 0:
            lower[j] = upper[j] = point[j]
            continue
        share = (np.sum(column < point[j]) + 0.5 * np.sum(column == point[j])) / column.size
        share = min(max(share, 1 / (2 * column.size)), 1 - 1 / (2 * column.size))
        z0 = stats.norm.ppf(share)
        deviation = jack.mean() - jack
        denominator = 6 * np.sum(deviation**2) ** 1.5
        a = np.sum(deviation**3) / denominator if denominator > 0 else 0.0
        bounds = []
        for q in (alpha, 1 - alpha):
            zq = stats.norm.ppf(q)
            bounds.append(stats.norm.cdf(z0 + (z0 + zq) / (1 - a * (z0 + zq))))
        lower[j], upper[j] = np.quantile(column, bounds)
    return lower, upper


def monte_carlo_draws(theta: np.ndarray, vcov: np.ndarray, n_draws: int, seed: int | None
                      ) -> np.ndarray:
    """Parameter vectors drawn from N(theta, vcov) (Preacher & Selig, 2012)."""
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(theta, vcov, size=n_draws, method="eigh")
