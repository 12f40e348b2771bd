"""Univariate thresholds of ordinal items and their casewise scores (step 1).

An ordinal item y with categories 0..K-1 is a cut latent normal y*: y = c
when τ_c < y* <= τ_(c+1), τ_0 = -∞, τ_K = +∞. Without covariates the
maximum-likelihood thresholds are the normal quantiles of the cumulative
proportions,

    τ_c = Φ⁻¹(p_0 + ... + p_(c-1)),   c = 1, ..., K-1,

the first step of Olsson's (1979) two-step polychoric estimator and of
lavaan's ``lav_uvord_fit`` / ``lav_samplestats_step1``.

The casewise score of τ_c (the derivative of log P(y_i)) is, with
π_i = Φ(τ_(y_i + 1)) - Φ(τ_(y_i)),

    φ(τ_c)/π_i if c is the upper bound of y_i's category (c = y_i + 1),
    -φ(τ_c)/π_i if it is the lower bound (c = y_i), 0 otherwise,

lavaan's ``lav_uvord_scores``; the scores enter the asymptotic covariance
(:mod:`loyaltysem.ordinal.acov`).

References
----------
Olsson, U. (1979). Maximum likelihood estimation of the polychoric
correlation coefficient. Psychometrika, 44(4), 443-460.
Rosseel, Y. lavaan 0.6-14: ``lav_uvord.R``, ``lav_samplestats_step1.R``.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri


def thresholds_of(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """The K - 1 thresholds Φ⁻¹(cumulative proportions) of one item coded 0..K-1
    (-1, missing, ignored)."""
    counts = np.bincount(codes[codes >= 0], minlength=n_categories).astype(float)
    cumulative = np.cumsum(counts)[:-1] / counts.sum()
    return ndtri(cumulative)


def grid_of(thresholds: np.ndarray, width: int) -> np.ndarray:
    """(-∞, τ_1, ..., τ_(K-1), +∞) padded with +∞ to ``width + 1`` points.

    Padding with +∞ makes items with fewer categories empty in their last
    categories, so that tables of different sizes stack into one array.
    """
    grid = np.full(width + 1, np.inf)
    grid[0] = -np.inf
    grid[1:len(thresholds) + 1] = thresholds
    return grid


def threshold_scores(codes: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Casewise scores ∂ log P(y_i)/∂τ_c, shape (n, K - 1); 0 for a missing answer (-1)."""
    seen = codes >= 0
    scores = np.zeros((len(codes), len(thresholds)))
    scores[seen] = _observed_scores(codes[seen], thresholds)
    return scores


def _observed_scores(codes: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    grid = np.concatenate(([-np.inf], thresholds, [np.inf]))
    upper, lower = grid[codes + 1], grid[codes]
    prob = ndtr(upper) - ndtr(lower)
    n_th = len(thresholds)
    scores = np.zeros((len(codes), n_th))
    rows = np.arange(len(codes))
    has_upper = codes < n_th
    scores[rows[has_upper], codes[has_upper]] = _pdf(upper[has_upper]) / prob[has_upper]
    has_lower = codes > 0
    scores[rows[has_lower], codes[has_lower] - 1] = -_pdf(lower[has_lower]) / prob[has_lower]
    return scores


def _pdf(x: np.ndarray) -> np.ndarray:
    """The standard normal density, 0 at ±∞."""
    with np.errstate(over="ignore"):
        return np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
