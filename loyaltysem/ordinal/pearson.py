"""Two continuous items beside ordinal ones: the Pearson correlation and its scores.

With both means and maximum-likelihood variances fixed from step 1, the
bivariate normal likelihood is maximized by the Pearson correlation
r = Σ ỹ₁ỹ₂ / (N σ₁ σ₂) (ỹ = y - μ), as lavaan's ``lav_bvreg_cor_twostep_fit``
returns for complete data; with missing values (``missing = "pairwise"``) the
pair's complete rows are fitted with the moments of all rows, by the root of
the score below. The casewise scores of

    log f(y₁, y₂) = -log 2π - ½ log σ₁² - ½ log σ₂² - ½ log R - z / (2R),
    R = 1 - ρ²,  z = ỹ₁²/σ₁² - 2ρ ỹ₁ỹ₂/(σ₁σ₂) + ỹ₂²/σ₂²,

are ∂/∂μ₁ = (ỹ₁/σ₁² - ρ ỹ₂/(σ₁σ₂))/R, ∂/∂σ₁² = -1/(2σ₁²) + (ỹ₁²/σ₁⁴ -
ρ ỹ₁ỹ₂/(σ₁³σ₂))/(2R) (and symmetrically for item 2), ∂/∂ρ = ρ/R +
ỹ₁ỹ₂/(σ₁σ₂R) - ρz/R² (lavaan's ``lav_bvreg_cor_scores``); they enter the
asymptotic covariance (:mod:`loyaltysem.ordinal.acov`).

References
----------
Rosseel, Y. lavaan 0.6-14: ``lav_bvreg.R``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

#: lavaan's bounds of a Pearson correlation in its two-step fit (lav_bvreg)
RHO_BOUND = 0.999


@dataclass(frozen=True)
class PearsonScores:
    """Casewise scores of one continuous pair's bivariate normal log-likelihood."""

    rho: np.ndarray
    mean1: np.ndarray
    var1: np.ndarray
    mean2: np.ndarray
    var2: np.ndarray


def pearson(y1: np.ndarray, y2: np.ndarray, moments1: tuple[float, float],
            moments2: tuple[float, float], *, all_rows: bool = True) -> float:
    """The two-step ρ of a continuous pair on its complete rows ``y1``, ``y2``.

    With ``all_rows`` (neither item has a missing value: the step-1 moments
    are these rows') the maximum is r = mean(ỹ₁ỹ₂)/(σ₁σ₂); otherwise
    (pairwise) the root of the summed ρ score in [-0.999, 0.999] next to the
    best point of a grid on ℓ.
    """
    (m1, v1), (m2, v2) = moments1, moments2
    c1, c2 = y1 - m1, y2 - m2
    if all_rows:
        return float(np.mean(c1 * c2) / np.sqrt(v1 * v2))

    def score(rho: float) -> float:
        return float(pearson_scores(y1, y2, moments1, moments2, rho).rho.sum())

    def loglik(rho: float) -> float:
        r = 1.0 - rho * rho
        z = c1 * c1 / v1 - 2.0 * rho * c1 * c2 / np.sqrt(v1 * v2) + c2 * c2 / v2
        return float(np.sum(-0.5 * np.log(r) - z / (2.0 * r)))

    grid = np.linspace(-RHO_BOUND, RHO_BOUND, 41)
    best = int(np.argmax([loglik(r) for r in grid]))
    if best in (0, len(grid) - 1):
        return float(grid[best])
    low, high = grid[best - 1], grid[best + 1]
    if score(low) <= 0 or score(high) >= 0:
        return float(grid[best])
    return float(brentq(score, low, high, xtol=1e-15, rtol=8.9e-16, maxiter=200))


def pearson_scores(y1: np.ndarray, y2: np.ndarray, moments1: tuple[float, float],
                   moments2: tuple[float, float], rho: float) -> PearsonScores:
    """The casewise scores of (ρ, μ₁, σ₁², μ₂, σ₂²)."""
    (m1, v1), (m2, v2) = moments1, moments2
    c1, c2 = y1 - m1, y2 - m2
    sd12 = np.sqrt(v1 * v2)
    r = 1.0 - rho * rho
    z = c1 * c1 / v1 - 2.0 * rho * c1 * c2 / sd12 + c2 * c2 / v2
    d_rho = rho / r + c1 * c2 / (sd12 * r) - z * rho / (r * r)
    d_mean1 = (c1 / v1 - rho * c2 / sd12) / r
    d_mean2 = (c2 / v2 - rho * c1 / sd12) / r
    d_var1 = -0.5 / v1 + (c1 * c1 / (v1 * v1) - rho * c1 * c2 / (v1 * sd12)) / (2.0 * r)
    d_var2 = -0.5 / v2 + (c2 * c2 / (v2 * v2) - rho * c1 * c2 / (v2 * sd12)) / (2.0 * r)
    return PearsonScores(d_rho, d_mean1, d_var1, d_mean2, d_var2)
