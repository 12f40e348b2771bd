"""Two-step polyserial correlation of a continuous item with an ordinal one.

Step 1: the continuous item y gets its mean μ and maximum-likelihood
variance σ² (divisor N, lavaan's ``lav_uvreg_fit``), the ordinal item x its
thresholds τ. Step 2 maximizes over ρ alone the conditional log-likelihood
(Olsson, Drasgow & Dorans 1982, eq. 8, two-step version)

    ℓ(ρ) = Σ_i log[Φ(τ*_(x_i + 1)) - Φ(τ*_(x_i))],  τ*_c = (τ_c - ρ z_i) / √(1 - ρ²),

with z_i = (y_i - μ)/σ; the marginal density of y does not involve ρ. As
lavaan (``lav_bvmix_cor_twostep_fit``), ρ is kept within [-0.995, 0.995]
and the conditional probabilities are floored at machine epsilon.

The casewise scores of the bivariate log-likelihood log f(y_i) + log P(x_i | y_i)
with respect to ρ, μ, σ² and τ (lavaan's ``lav_bvmix_cor_scores``; the
conditional probability floored at machine epsilon) enter the asymptotic
covariance (:mod:`loyaltysem.ordinal.acov`).

References
----------
Olsson, U., Drasgow, F., & Dorans, N. J. (1982). The polyserial correlation
coefficient. Psychometrika, 47(3), 337-347.
Rosseel, Y. lavaan 0.6-14: ``lav_bvmix.R``, ``lav_uvreg.R``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr

#: lavaan's bounds of a polyserial correlation
RHO_BOUND = 0.995
_EPS = np.finfo(float).eps


@dataclass(frozen=True)
class MixedScores:
    """Casewise scores of one continuous-ordinal pair's bivariate log-likelihood.

    Attributes
    ----------
    rho, mean, var : numpy.ndarray, shape (n,)
        ∂/∂ρ, ∂/∂μ, ∂/∂σ² of the continuous item.
    thresholds : numpy.ndarray, shape (n, K - 1)
        ∂/∂τ_c of the ordinal item.
    """

    rho: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    thresholds: np.ndarray


def moments(y: np.ndarray) -> tuple[float, float]:
    """Mean and maximum-likelihood variance (divisor N) of a continuous item."""
    mean = float(np.mean(y))
    return mean, float(np.mean((y - mean) ** 2))


def univariate_scores(y: np.ndarray, mean: float, var: float) -> tuple[np.ndarray, np.ndarray]:
    """Casewise scores of the normal log-likelihood of y: ∂/∂μ and ∂/∂σ²."""
    res = y - mean
    return res / var, -1.0 / (2.0 * var) + res * res / (2.0 * var * var)


def _terms(z: np.ndarray, codes: np.ndarray, thresholds: np.ndarray, rho: float
           ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray, np.ndarray]:
    """Bounds, √(1 - ρ²), P(x_i | y_i) (floored at ε) and the densities at τ*."""
    grid = np.concatenate(([-np.inf], thresholds, [np.inf]))
    upper, lower = grid[codes + 1], grid[codes]
    root = float(np.sqrt(1.0 - rho * rho))
    up_star = (upper - rho * z) / root
    low_star = (lower - rho * z) / root
    prob = np.maximum(ndtr(up_star) - ndtr(low_star), _EPS)
    dens_up = np.where(np.isfinite(upper), np.exp(-0.5 * np.where(np.isfinite(up_star), up_star, 0.0) ** 2), 0.0)
    dens_low = np.where(np.isfinite(lower), np.exp(-0.5 * np.where(np.isfinite(low_star), low_star, 0.0) ** 2), 0.0)
    dens_up, dens_low = dens_up / np.sqrt(2 * np.pi), dens_low / np.sqrt(2 * np.pi)
    return upper, lower, root, prob, dens_up, dens_low


def _rho_score(z: np.ndarray, codes: np.ndarray, thresholds: np.ndarray, rho: float) -> np.ndarray:
    """Casewise ∂ log P(x_i | y_i)/∂ρ."""
    upper, lower, root, prob, dens_up, dens_low = _terms(z, codes, thresholds, rho)
    up_part = np.where(np.isfinite(upper), dens_up * (np.where(np.isfinite(upper), upper, 0.0) * rho - z), 0.0)
    low_part = np.where(np.isfinite(lower), dens_low * (np.where(np.isfinite(lower), lower, 0.0) * rho - z), 0.0)
    return (up_part - low_part) / (prob * root**3)


def fit_polyserial(y: np.ndarray, mean: float, var: float, codes: np.ndarray,
                   thresholds: np.ndarray) -> float:
    """The two-step polyserial ρ in [-0.995, 0.995].

    ℓ(ρ) on a grid of step 0.05 locates the maximum (near ±1 the floored
    probabilities make the score unreliable, so its sign at the bounds says
    nothing); the root of the summed score in the grid cell pair around the
    best point gives ρ to machine precision; a best point at a bound is the
    bound.
    """
    z = (y - mean) / np.sqrt(var)

    def score(rho: float) -> float:
        return float(_rho_score(z, codes, thresholds, rho).sum())

    def loglik(rho: float) -> float:
        return float(np.log(_terms(z, codes, thresholds, rho)[3]).sum())

    grid = np.linspace(-RHO_BOUND, RHO_BOUND, 41)
    best = int(np.argmax([loglik(r) for r in grid]))
    if best in (0, len(grid) - 1):
        return float(grid[best])
    low, high = grid[best - 1], grid[best + 1]
    if score(low) <= 0 or score(high) >= 0:
        return float(grid[best])
    return float(brentq(score, low, high, xtol=1e-15, rtol=4 * _EPS, maxiter=200))


def mixed_scores(y: np.ndarray, mean: float, var: float, codes: np.ndarray,
                 thresholds: np.ndarray, rho: float) -> MixedScores:
    """Casewise scores of log f(y_i) + log P(x_i | y_i) at the two-step estimates."""
    sd = np.sqrt(var)
    z = (y - mean) / sd
    upper, lower, root, prob, dens_up, dens_low = _terms(z, codes, thresholds, rho)
    gap = (dens_up - dens_low) / prob
    d_mean = (z + rho / root * gap) / sd
    d_var = ((z * z - 1.0) + rho * z / root * gap) / (2.0 * var)
    n_th = len(thresholds)
    d_th = np.zeros((len(y), n_th))
    rows = np.arange(len(y))
    has_upper = codes < n_th
    d_th[rows[has_upper], codes[has_upper]] = dens_up[has_upper] / (root * prob[has_upper])
    has_lower = codes > 0
    d_th[rows[has_lower], codes[has_lower] - 1] = -dens_low[has_lower] / (root * prob[has_lower])
    return MixedScores(_rho_score(z, codes, thresholds, rho), d_mean, d_var, d_th)
