"""Confidence intervals from draws: percentile, BCa, Monte Carlo.

References
----------
Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap.
Chapman & Hall (percentile: ch. 13; bias correction: ch. 14).
Efron, B. (1987). Better bootstrap confidence intervals. Journal of the
American Statistical Association, 82(397), 171-185 (BCa).
Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence
intervals for indirect effects. Communication Methods and Measures, 6(2),
77-98; semTools ``monteCarloCI()``.
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from ..arguments import check_choice, check_probability
from ..distributions import norm_cdf, norm_ppf

#: how quantiles are read from the draws: R's type 7, or boot's norm.inter (lavaan's)
Interpolation = Literal["linear", "norm_inter"]


def norm_inter(column: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """Quantiles of the finite values of ``column`` by boot's ``norm.inter()``.

    With ``R`` values sorted ``t_(1) <= ... <= t_(R)`` and ``r = (R + 1) p``:
    ``t_(r)`` when ``r`` is an integer, the extreme value when ``r < 1`` or
    ``r >= R``, and otherwise the interpolation between ``t_(k)`` and
    ``t_(k+1)`` (``k = floor(r)``) that is linear on the normal-quantile scale,
    ``t_(k) + (z_p - z_k) / (z_{k+1} - z_k) (t_(k+1) - t_(k))`` with
    ``z_j = Phi^-1(j / (R + 1))``. lavaan's ``boot.ci.type = "perc"`` and
    ``"bca.simple"`` intervals read the draws this way.

    References
    ----------
    Davison, A. C., & Hinkley, D. V. (1997). Bootstrap methods and their
    application. Cambridge University Press (eq. 5.8; R package boot,
    ``norm.inter``); lavaan 0.6 ``lav_object_methods.R``, ``parameterEstimates()``.
    """
    t = np.sort(column[np.isfinite(column)])
    size = t.size
    probabilities = np.asarray(probabilities, dtype=float)
    if size == 0:
        return np.full(probabilities.shape, np.nan)
    rank = (size + 1) * probabilities
    k = np.trunc(rank).astype(int)
    out = np.empty(probabilities.shape)
    for i, (r, j, p) in enumerate(zip(rank, k, probabilities)):
        if j <= 0:
            out[i] = t[0]
        elif j >= size:
            out[i] = t[-1]
        elif j == r:
            out[i] = t[j - 1]
        else:
            z, z_k, z_k1 = norm_ppf([p, j / (size + 1), (j + 1) / (size + 1)])
            out[i] = t[j - 1] + (z - z_k) / (z_k1 - z_k) * (t[j] - t[j - 1])
    return out


def percentile_interval(draws: np.ndarray, level: float = 0.95, *,
                        interpolation: Interpolation = "linear"
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each column (Efron & Tibshirani, 1993, ch. 13).

    ``interpolation="linear"``: R's quantile type 7 (numpy's default);
    ``"norm_inter"``: boot's :func:`norm_inter`, as lavaan's
    ``boot.ci.type = "perc"``. NaN draws (failed resamples) are ignored.
    """
    level = check_probability("level", level, "a confidence level")
    check_choice("interpolation", interpolation, ("linear", "norm_inter"))
    alpha = (1 - level) / 2
    if interpolation == "norm_inter":
        bounds = np.array([norm_inter(draws[:, j], np.array([alpha, 1 - alpha]))
                           for j in range(draws.shape[1])]).reshape(-1, 2)
        return bounds[:, 0], bounds[:, 1]
    lower = np.nanquantile(draws, alpha, axis=0)
    upper = np.nanquantile(draws, 1 - alpha, axis=0)
    return lower, upper


def bias_corrected_interval(draws: np.ndarray, point: np.ndarray, level: float = 0.95, *,
                            interpolation: Interpolation = "norm_inter"
                            ) -> tuple[np.ndarray, np.ndarray]:
    """lavaan's ``boot.ci.type = "bca.simple"``: bias-corrected, no acceleration.

    Per column, over its finite draws ``t``: ``z0 = Phi^-1(#{t < t0} / R)``
    and the interval the draws' quantiles at ``Phi(2 z0 + z_q)`` for
    ``q = (1 -+ level) / 2``; a column without variance gives ``(t0, t0)``.
    The quantiles are read by boot's :func:`norm_inter` (as lavaan) unless
    ``interpolation="linear"``.

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap,
    ch. 14 (BCa with a = 0). lavaan 0.6 ``parameterEstimates()``
    (``boot.ci.type = "bca.simple"``).
    """
    level = check_probability("level", level, "a confidence level")
    check_choice("interpolation", interpolation, ("linear", "norm_inter"))
    alpha = (1 - level) / 2
    lower = np.full(draws.shape[1], np.nan)
    upper = np.full(draws.shape[1], np.nan)
    for j in range(draws.shape[1]):
        column = draws[:, j][np.isfinite(draws[:, j])]
        if column.size < 2 or np.var(column) == 0:
            lower[j] = upper[j] = point[j]
            continue
        with np.errstate(divide="ignore"):
            z0 = norm_ppf(np.sum(column < point[j]) / column.size)
        probabilities = norm_cdf(2 * z0 + norm_ppf([alpha, 1 - alpha]))
        if interpolation == "norm_inter":
            lower[j], upper[j] = norm_inter(column, probabilities)
        else:
            lower[j], upper[j] = np.quantile(column, probabilities)
    return lower, upper


def bca_interval(draws: np.ndarray, point: np.ndarray, jackknife: np.ndarray,
                 level: float = 0.95, strata: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated interval (Efron, 1987) of each column.

    ``z0 = Phi^-1(share of draws below the estimate)`` (ties count half),
    acceleration ``a = sum(d^3) / (6 (sum d^2)^1.5)`` with ``d`` the jackknife
    influence values, and the interval the draws' quantiles (R's type 7) at
    ``Phi(z0 + (z0 + z_q) / (1 - a (z0 + z_q)))``.

    ``strata`` (multi-group bootstraps, resampled within groups) gives the group of
    every jackknife row (the group of the left-out case): ``d_i = (n_g - 1)
    (mean_g - t_(-i))`` with ``mean_g`` the mean of the leave-one-out values of case
    i's group and ``n_g`` their number — the stratified jackknife influence values
    (Davison & Hinkley 1997, sec. 3.2.1 and 3.7; boot's ``empinf(type = "jack",
    strata =)`` with the group mean in place of ``t0``). Without strata, one group:
    ``d = mean - t_(-i)`` (Efron & Tibshirani 1993, eq. 14.15; ``a`` does not depend on
    the factor ``n - 1``).
    """
    level = check_probability("level", level, "a confidence level")
    alpha = (1 - level) / 2
    lower = np.full(draws.shape[1], np.nan)
    upper = np.full(draws.shape[1], np.nan)
    groups = np.zeros(jackknife.shape[0], dtype=int) if strata is None \
        else np.unique(np.asarray(strata), return_inverse=True)[1].reshape(-1)
    for j in range(draws.shape[1]):
        column = draws[:, j]
        column = column[np.isfinite(column)]
        if column.size < 2 or np.ptp(column) == 0:
            lower[j] = upper[j] = point[j]
            continue
        share = (np.sum(column < point[j]) + 0.5 * np.sum(column == point[j])) / column.size
        share = min(max(share, 1 / (2 * column.size)), 1 - 1 / (2 * column.size))
        z0 = norm_ppf(share)
        a = acceleration(jackknife[:, j], groups)
        bounds = []
        for q in (alpha, 1 - alpha):
            zq = norm_ppf(q)
            bounds.append(norm_cdf(z0 + (z0 + zq) / (1 - a * (z0 + zq))))
        lower[j], upper[j] = np.quantile(column, bounds)
    return lower, upper


def acceleration(jackknife: np.ndarray, groups: np.ndarray) -> float:
    """BCa's ``a`` from one statistic's leave-one-out values and their groups (see
    :func:`bca_interval`); 0 when the values do not vary."""
    finite = np.isfinite(jackknife)
    values, groups = jackknife[finite], groups[finite]
    influence = np.zeros(values.size)
    for g in np.unique(groups):
        members = groups == g
        influence[members] = (members.sum() - 1) * (values[members].mean() - values[members])
    denominator = 6 * np.sum(influence**2) ** 1.5
    return float(np.sum(influence**3) / denominator) if denominator > 0 else 0.0


def monte_carlo_draws(theta: np.ndarray, vcov: np.ndarray, n_draws: int, seed: int | None
                      ) -> np.ndarray:
    """Parameter vectors drawn from N(theta, vcov) (Preacher & Selig, 2012)."""
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(theta, vcov, size=n_draws, method="eigh")
