"""Composite reliability, omega and average variance extracted.

All take the loadings of one construct's items from a fitted model.

References
----------
Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models
with unobservable variables and measurement error. Journal of Marketing
Research, 18(1), 39-50.
Jöreskog, K. G. (1971). Statistical analysis of sets of congeneric tests.
Psychometrika, 36(2), 109-133.
McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum.
Jorgensen, T. D., et al. semTools 0.5-6: ``compRelSEM()``, ``AVE()``.
"""
from __future__ import annotations

import numpy as np


def composite_reliability(std_loadings: np.ndarray) -> float:
    """Jöreskog's composite reliability (rho_c) from standardized loadings.

    ``rho_c = (sum l)^2 / ((sum l)^2 + sum(1 - l^2))`` with ``l`` the
    completely standardized loadings (lavaan ``std.all``); error covariances
    are ignored (Jöreskog, 1971; Fornell & Larcker, 1981, eq. 10).
    """
    loadings = np.asarray(std_loadings, dtype=float)
    common = loadings.sum() ** 2
    return float(common / (common + np.sum(1 - loadings**2)))


def ave_fornell_larcker(std_loadings: np.ndarray) -> float:
    """Average variance extracted as Fornell & Larcker (1981) define it.

    The mean squared standardized loading, ``mean(l^2)`` (their eq. 11 with
    standardized items).
    """
    loadings = np.asarray(std_loadings, dtype=float)
    return float(np.mean(loadings**2))


def ave_ratio_of_sums(loadings: np.ndarray, factor_variance: float,
                      item_variances: np.ndarray) -> float:
    """AVE as semTools' ``AVE()`` computes it (ratio of sums).

    ``sum(lambda^2) psi / sum(var(x_i))`` with unstandardized loadings
    ``lambda``, the model-implied factor variance ``psi`` and, with
    semTools' default ``obs.var = TRUE``, the *observed* item variances.
    Differs from :func:`ave_fornell_larcker` unless all items have equal
    variance.
    """
    loadings = np.asarray(loadings, dtype=float)
    return float(np.sum(loadings**2) * factor_variance / np.sum(item_variances))


def omega(loadings: np.ndarray, factor_variance: float, item_covariance: np.ndarray) -> float:
    """McDonald's omega as semTools' ``compRelSEM()`` defines it by default.

    ``omega = (sum lambda)^2 psi / 1' S 1`` — the model-implied common
    variance of the unit-weighted sum score over its *observed* variance
    (``obs.var = TRUE``, ``tau.eq = FALSE``): Bentler's (2009) omega, which
    accounts for residual covariances through the observed total variance.

    Parameters
    ----------
    loadings : array
        Unstandardized loadings of the construct's items.
    factor_variance : float
        Model-implied variance of the construct.
    item_covariance : array
        Sample covariance matrix of the items (divisor N).
    """
    loadings = np.asarray(loadings, dtype=float)
    total = float(np.sum(item_covariance))
    return float(loadings.sum() ** 2 * factor_variance / total)
