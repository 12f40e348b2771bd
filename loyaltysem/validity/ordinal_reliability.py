"""Reliability of ordinal items: categorical omega, and item statistics on polychorics.

For a model of ordinal items (``fit(..., ordered=...)``) the report gives per
construct, on the polychoric correlations ``R`` of its items and the
standardized loadings ``l`` and thresholds ``tau`` of the fitted model
(delta parameterization, so the latent responses have unit variance):

=====================  ====================================  ===========================
statistic              definition                            semTools 0.5-6
=====================  ====================================  ===========================
ordinal alpha          ``k/(k-1) (1 - k / 1'R1)``            ``compRelSEM(fit, tau.eq =
                       (standardized alpha of ``R``;          TRUE, ord.scale = FALSE)``
                       :func:`.reliability.standardized_alpha`)
categorical alpha      Cronbach's alpha of the observed      ``compRelSEM(fit, tau.eq =
                       category codes                        TRUE, ord.scale = TRUE)``
categorical omega      :func:`categorical_omega` (Green &    ``compRelSEM(fit)``
                       Yang, 2009)                           (the default)
omega of the latent    ``(sum l)^2 / 1'R1``                  ``compRelSEM(fit,
responses              (:func:`.convergent.omega`)           ord.scale = FALSE)``
AVE                    ``mean(l^2)``                         ``AVE(fit)``
=====================  ====================================  ===========================

Ordinal alpha and the omega of the latent responses are the reliabilities of
the sum of the (unobserved) continuous latent responses; categorical omega
and categorical alpha are reliabilities of the observed sum score of the
category codes, the score a researcher computes.

References
----------
Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using
structural equation modeling: An alternative to coefficient alpha.
Psychometrika, 74(1), 155-167.
Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of
coefficients alpha and theta for Likert rating scales. Journal of Modern
Applied Statistical Methods, 6(1), 21-29.
Jorgensen, T. D., et al. semTools 0.5-6: ``compRelSEM()`` (its ``ord.scale``
and ``tau.eq`` arguments).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..ordinal.bvn import bvn_cdf
from .reliability import standardized_alpha


def _sum_score_variance(thresholds: Sequence[np.ndarray], correlations: np.ndarray) -> float:
    """Variance of the sum of the category codes of items whose latent responses are
    standard normal with correlations ``correlations`` (Green & Yang, 2009, eq. 21).

    An item with thresholds ``tau_1 < ... < tau_C`` scores ``sum_c [y* > tau_c]``, so
    ``cov(x_j, x_j') = sum_c sum_c' Phi2(tau_jc, tau_j'c'; rho_jj') - sum_c Phi(tau_jc)
    sum_c' Phi(tau_j'c')``; the diagonal of ``correlations`` may be below 1 (the common
    part of a latent response) or 1 (its total variance).
    """
    k = len(thresholds)
    total = 0.0
    for j in range(k):
        for jp in range(k):
            h, kk = np.meshgrid(thresholds[j], thresholds[jp], indexing="ij")
            rho = float(correlations[j, jp])
            if j == jp and rho >= 1.0:  # the same latent response: P(y* <= min(h, k))
                joint = float(ndtr(np.minimum(h, kk)).sum())
            else:
                joint = float(bvn_cdf(h, kk, np.full(h.shape, rho)).sum())
            total += joint - float(ndtr(thresholds[j]).sum() * ndtr(thresholds[jp]).sum())
    return total


def categorical_omega(std_loadings: np.ndarray, thresholds: Sequence[np.ndarray],
                      correlations: np.ndarray) -> float:
    """Green & Yang's (2009) categorical omega: reliability of the observed sum score.

    Parameters
    ----------
    std_loadings : array, (k,)
        Standardized loadings (lavaan ``std.all``) of the construct's items
        (delta parameterization: the latent responses have unit variance).
    thresholds : sequence of arrays
        Per item its standardized thresholds, in increasing order.
    correlations : array, (k, k)
        Polychoric correlations of the items (the fitted sample statistics).

    Returns
    -------
    float

    Notes
    -----
    With ``x_j`` the category code of item ``j`` (0 .. C_j),

    ``omega = sum_j sum_j' [sum_c sum_c' Phi2(tau_jc, tau_j'c'; l_j l_j') -
    sum_c Phi(tau_jc) sum_c' Phi(tau_j'c')] / sum_j sum_j' [sum_c sum_c'
    Phi2(tau_jc, tau_j'c'; r_jj') - sum_c Phi(tau_jc) sum_c' Phi(tau_j'c')]``

    (Green & Yang, 2009, eq. 21): the numerator is the variance of the sum
    score due to the construct, the denominator its total variance, here
    implied by the polychoric correlations ``r`` (``r_jj = 1``) as semTools'
    ``compRelSEM()`` (``obs.var = TRUE``, its default for ordinal items)
    computes it; Green & Yang divide by the sample variance of the sum score.
    Residual covariances are not common variance. ``Phi2`` is
    :func:`loyaltysem.ordinal.bvn.bvn_cdf`.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> from loyaltysem.validity import assess_measurement
    >>> result = ls.fit("COMP =~ comp_1 + comp_2 + comp_3", "corp_rep", ordered=True,
    ...                 emit_warnings=False)
    >>> report = assess_measurement(result, n_boot=0, method_factor=False)
    >>> round(float(report.constructs.at[0, "omega_categorical"]), 4)  # semTools::compRelSEM(fit)
    0.7868
    """
    loadings = np.asarray(std_loadings, dtype=float)
    correlations = np.asarray(correlations, dtype=float)
    taus = [np.asarray(t, dtype=float) for t in thresholds]
    if not (loadings.size == len(taus) == correlations.shape[0] == correlations.shape[1]):
        raise ValueError(f"categorical_omega needs one loading, one set of thresholds and one "
                         f"row of correlations per item; got {loadings.size} loadings, "
                         f"{len(taus)} threshold sets, a {correlations.shape} matrix")
    common = np.outer(loadings, loadings)
    return float(_sum_score_variance(taus, common) / _sum_score_variance(taus, correlations))


def item_statistics_from_correlations(correlations: pd.DataFrame) -> pd.DataFrame:
    """Standardized alpha if each item is dropped and corrected item-total correlations of a
    correlation matrix (for ordinal items: the polychoric one).

    Returns
    -------
    pandas.DataFrame
        Index: items. ``alpha_if_dropped``: :func:`.reliability.standardized_alpha` of the
        other items' correlations (psych ``alpha(R)$alpha.drop$std.alpha``); ``r_drop``:
        the correlation of the item with the sum of the other items,
        ``sum_{j != i} r_ij / sqrt(1'R_{-i}1)`` (psych ``alpha(R)$item.stats$r.drop``).
    """
    values = correlations.to_numpy(dtype=float)
    rows = {}
    for i, item in enumerate(correlations.index):
        rest = np.delete(np.arange(values.shape[0]), i)
        sub = values[np.ix_(rest, rest)]
        rows[item] = {"alpha_if_dropped": standardized_alpha(sub),
                      "r_drop": float(values[i, rest].sum() / np.sqrt(sub.sum()))}
    return pd.DataFrame.from_dict(rows, orient="index")
