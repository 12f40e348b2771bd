"""The scaled-and-shifted chi-square difference of nested least-squares fits (WLSMV,
ULSMV), as lavaan 0.6-14's ``lavTestLRT`` with its default ``method = "satorra.2000"``.

Model 1 is the less restricted, model 0 the more restricted, both on the same sample
statistics (:mod:`.wls`). With model 1's ``Delta_1`` at its estimates, the groups'
weights and asymptotic covariances stacked as in the fit's own scaled-shifted test
(:func:`.wls_inference.least_squares_inference`: ``W = blockdiag((N_g / N) W_g)``,
``Gamma = blockdiag(Gamma_g N / N_g)``), ``P = Delta_1' W Delta_1`` and ``A`` the
Jacobian of the constraints that turn model 1 into model 0 — the orthogonal
complement of ``H = Delta_1^+ Delta_0`` (Satorra 2000; lavaan's ``A.method =
"delta"``) —

    U_d = W Delta_1 P^-1 A' (A P^-1 A')^+ A P^-1 Delta_1' W,

``m = df_0 - df_1``, ``a = sqrt(m / tr((U_d Gamma)^2))``, ``b = m - a tr(U_d Gamma)``
and the statistic ``a (T_0 - T_1) + b`` on ``m`` df (Asparouhov & Muthén 2010), ``T``
the standard statistics.

References
----------
Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of
moment structures. In Heijmans, Pollock & Satorra (Eds.), Innovations in multivariate
statistical analysis (pp. 233-247). Kluwer.
Asparouhov, T., & Muthén, B. (2010). Simple second order chi-square correction. Mplus
technical appendix.
lavaan 0.6-14: ``lavTestLRT``, ``lav_test_diff_Satorra2000``.
"""
from __future__ import annotations

import numpy as np
from scipy import linalg

from .blocks import block_diagonal
from .difference import Satorra2000
from .wls import WLSFunctions


def least_squares_difference(functions1: WLSFunctions, theta1: np.ndarray,
                             functions0: WLSFunctions, theta0: np.ndarray,
                             df_difference: int) -> Satorra2000:
    """The traces of the scaled-and-shifted difference of nested least-squares fits
    (module notes).

    Raises
    ------
    ValueError
        When the fits are not of the same statistics.
    """
    if functions1.sample.shape != functions0.sample.shape or not np.allclose(
            functions1.sample, functions0.sample, rtol=0, atol=1e-12):
        raise ValueError("the fits are not of the same sample statistics")
    delta1 = functions1.delta(theta1)[0]
    delta0 = functions0.delta(theta0)[0]
    specs = functions1.statistics_of
    n = sum(spec.nobs for spec in specs)
    weight = block_diagonal([spec.nobs / n * spec.weight for spec in specs])
    gamma = block_diagonal([spec.gamma * n / spec.nobs for spec in specs])
    h = np.linalg.pinv(delta1) @ delta0
    a = linalg.null_space(h.T).T
    p_inv = np.linalg.pinv(delta1.T @ weight @ delta1)
    middle = p_inv @ a.T @ np.linalg.pinv(a @ p_inv @ a.T) @ a @ p_inv
    wd = weight @ delta1
    u_gamma = wd @ middle @ wd.T @ gamma
    return Satorra2000(float(np.trace(u_gamma)), float(np.sum(u_gamma * u_gamma.T)),
                       int(df_difference))


__all__ = ["least_squares_difference"]
