"""Inference of a least-squares fit on ordinal statistics: robust standard errors and
the mean-and-variance adjusted test statistics (lavaan's WLSMV / ULSMV).

With ``A = Delta' W Delta`` at the estimates and ``Gamma`` the asymptotic covariance
of the statistics (:mod:`.wls`):

- standard errors (lavaan's ``se = "robust.sem"``, Muthén, du Toit & Spisic 1997):
  ``V = A^-1 Delta' W Gamma W Delta A^-1 / (N - 1)``; for full WLS (``W = Gamma^-1``)
  this is ``A^-1 / (N - 1)``, lavaan's standard SEs of that estimator;
- the test statistic ``T = (N - 1) F`` (lavaan 0.6-14 with categorical data: its
  ``fmin`` is ``(N - 1) F / (2 N)`` and ``chisq = 2 N fmin``; measured on the
  references of tests/reference/make_ordinal_fit_reference.R);
- with ``U = W - W Delta A^-1 Delta' W`` the traces ``tr(U Gamma)`` and
  ``tr((U Gamma)^2)``: the scaled-shifted statistic (Asparouhov & Muthén 2010)
  ``T_ss = a T + b`` with ``a = sqrt(df / tr((U Gamma)^2))`` and
  ``b = df - a tr(U Gamma)``, referred to chi-square on ``df``; lavaan reports
  ``1 / a`` as the scaling factor and ``b`` as the shift parameter.

The divisor ``N - 1`` of the SEs is lavaan's with categorical data (observed to 4e-8
on the references; ``N`` would be 0.15 % off).

References
----------
Asparouhov, T., & Muthén, B. (2010). Simple second order chi-square correction.
Mplus technical appendix.
Muthén, B., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using weighted
least squares and quadratic estimating equations in latent variable modeling with
categorical and continuous outcomes. Unpublished technical report.
Satorra, A., & Bentler, P. M. (1994). Corrections to test statistics and standard errors
in covariance structure analysis. In von Eye & Clogg (Eds.), Latent variables analysis
(pp. 399-419). Sage.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .blocks import block_diagonal
from .constraints import projected_inverse
from .inference import Covariance
from .wls import WLSFunctions

#: Estimators of the least-squares family and their test: "scaled.shifted" (the mean-
#: and-variance adjusted statistics) or "standard".
LEAST_SQUARES: dict[str, str] = {"WLSMV": "scaled.shifted", "ULSMV": "scaled.shifted",
                                 "DWLS": "standard", "ULS": "standard", "WLS": "standard"}


@dataclass(frozen=True)
class ScaledShifted:
    """The mean-and-variance adjustment of a test statistic (module notes).

    Attributes
    ----------
    scaling_factor : float
        ``1 / a``.
    shift : float
        ``b``.
    """

    scaling_factor: float
    shift: float

    def apply(self, statistic: float) -> float:
        """``a T + b``."""
        return statistic / self.scaling_factor + self.shift


def residual_weight(delta: np.ndarray, weight: np.ndarray, a_inverse: np.ndarray
                    ) -> np.ndarray:
    """``U = W - W Delta A^-1 Delta' W`` (the weight of the residuals at the optimum)."""
    wd = weight @ delta
    return weight - wd @ a_inverse @ wd.T


def scaled_shifted(u: np.ndarray, gamma: np.ndarray, df: int) -> ScaledShifted:
    """Asparouhov & Muthén's (2010) ``a`` and ``b`` from ``U`` and ``Gamma`` (NaN when
    ``df = 0``)."""
    ug = u @ gamma
    trace, trace_square = float(np.trace(ug)), float(np.sum(ug * ug.T))
    if df <= 0 or not trace_square > 0:
        return ScaledShifted(math.nan, math.nan)
    a = math.sqrt(df / trace_square)
    return ScaledShifted(1.0 / a, df - a * trace)


def least_squares_inference(functions: WLSFunctions, theta: np.ndarray, estimator: str
                            ) -> tuple[Covariance, ScaledShifted | None]:
    """The robust covariance of the estimates (module notes) and, for WLSMV/ULSMV, the
    scaled-shifted adjustment of the model's statistic.

    Several groups (lavaan 0.6-14, observed on tests/reference/make_ordinal_groups_reference.R):
    ``A = sum_g (N_g / N) Delta_g' W_g Delta_g``, ``B`` likewise with ``W_g Gamma_g W_g``,
    ``V = A^-1 B A^-1 / (N - G)``; the test's traces on the stacked statistics with
    ``W_T = blockdiag((N_g - 1) W_g)`` and ``Gamma_T = blockdiag(Gamma_g / (N_g - 1))``
    (one group: the formulas above).

    Parameters
    ----------
    functions : WLSFunctions
    theta : ndarray
        The estimates.
    estimator : {"WLSMV", "ULSMV", "DWLS", "ULS", "WLS"}

    Returns
    -------
    covariance : Covariance
    adjustment : ScaledShifted or None
    """
    n = sum(spec.nobs for spec in functions.statistics_of)
    a = np.zeros((functions.n_free, functions.n_free))
    b = np.zeros_like(a)
    deltas = [functions.group_delta(theta, g)[0] for g in range(len(functions.statistics_of))]
    for spec, delta_g in zip(functions.statistics_of, deltas):
        wd = spec.weight @ delta_g
        a += spec.nobs / n * (delta_g.T @ wd)
        if estimator != "WLS":
            b += spec.nobs / n * (wd.T @ spec.gamma @ wd)
    divisor = functions.n_test  # N - G
    a_inverse, eigenvalues = projected_inverse(a, None)
    vcov = (a_inverse if estimator == "WLS" else a_inverse @ b @ a_inverse) / divisor
    eigenvalues = eigenvalues * divisor
    covariance = Covariance(vcov, eigenvalues)
    if LEAST_SQUARES[estimator] != "scaled.shifted":
        return covariance, None
    # the same A: Delta' blockdiag((N_g / N) W_g) Delta
    shares = [spec.nobs / n for spec in functions.statistics_of]
    weight = block_diagonal([c * spec.weight for c, spec in zip(shares, functions.statistics_of)])
    gamma = block_diagonal([spec.gamma / c for c, spec in zip(shares, functions.statistics_of)])
    df = functions.n_statistics - functions.n_free
    u = residual_weight(np.vstack(deltas), weight, a_inverse)
    return covariance, scaled_shifted(u, gamma, df)


__all__ = ["LEAST_SQUARES", "ScaledShifted", "least_squares_inference", "residual_weight",
           "scaled_shifted"]
