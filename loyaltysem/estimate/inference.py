"""Standard errors from the core: expected, observed and sandwich covariances.

- ``"expected"``: ``V = (N I)^-1`` with ``I`` the expected information per
  case (lavaan's default for complete data);
- ``"observed"``: the observed information, the Hessian of ``F / 2``
  (lavaan's default with ``missing = "ml"``);
- ``sandwich``: ``V = E^-1 B0 E^-1 / N`` with ``E`` the observed information
  and ``B0`` the mean outer product of the casewise scores (Huber 1967;
  White 1982; lavaan's ``estimator = "MLR"``), and ``tr(B0 E^-1)``, the
  model part of the Yuan–Bentler scaling factor (Yuan & Bentler 2000).

References
----------
Huber, P. J. (1967). The behavior of maximum likelihood estimates under
nonstandard conditions. Proc. Fifth Berkeley Symposium, 1, 221-233.
White, H. (1982). Maximum likelihood estimation of misspecified models.
Econometrica, 50(1), 1-25.
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean
and covariance structure analysis with nonnormal missing data. Sociological
Methodology, 30, 165-200.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exceptions import ConvergenceError
from .ml import MLFunctions


@dataclass(frozen=True)
class Covariance:
    """The covariance of the estimates and what it was computed from.

    Attributes
    ----------
    vcov : ndarray
    information_eigenvalues : ndarray
        Eigenvalues of ``N`` times the information used (identification check).
    trace_h0 : float
        ``tr(B0 E^-1)`` for a sandwich, else NaN.
    """

    vcov: np.ndarray
    information_eigenvalues: np.ndarray
    trace_h0: float = float("nan")


def _invert(information: np.ndarray) -> np.ndarray:
    try:
        vcov = np.linalg.inv(information)
        if not np.all(np.isfinite(vcov)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        vcov = np.linalg.pinv(information)
    return vcov


def information_vcov(functions: MLFunctions, theta: np.ndarray,
                     information: str = "expected") -> Covariance:
    """``(N I)^-1`` with the expected or the observed information."""
    n = float(functions.n_total[0])
    unit = (functions.information(theta) if information == "expected"
            else functions.observed_information(theta))
    scaled = n * unit
    eigenvalues = np.linalg.eigvalsh(scaled) if scaled.size else np.zeros(0)
    return Covariance(_invert(scaled), eigenvalues)


def sandwich_vcov(functions: MLFunctions, theta: np.ndarray) -> Covariance:
    """The Huber–White sandwich with the observed information (module notes).

    Raises
    ------
    ConvergenceError
        If the observed information is singular.
    """
    n = float(functions.n_total[0])
    observed = functions.observed_information(theta)
    try:
        observed_inv = np.linalg.inv(observed)
    except np.linalg.LinAlgError as error:
        raise ConvergenceError("the observed information matrix is singular: robust (MLR) "
                               "standard errors cannot be computed for this solution") from error
    scores = functions.casewise_scores(theta)
    b0 = scores.T @ scores / n
    vcov = observed_inv @ b0 @ observed_inv / n
    return Covariance(vcov, np.linalg.eigvalsh(n * observed),
                      float(np.sum(b0 * observed_inv.T)))




@dataclass(frozen=True)
class RobustTests:
    """The pieces of the scaled test statistics of an MLR or MLM fit.

    Attributes
    ----------
    scaling_factor : float
        ``c = (trace_h1 - trace_h0) / df`` (NaN when ``df = 0``).
    trace_h1, trace_h0 : float
        Of the saturated and the fitted model.
    baseline_scaling_factor : float
        Of the independence model, where it is computed here (missing data);
        else NaN and computed with the fit indices.
    inference : object, optional
        The complete-data :class:`~loyaltysem.estimate.robust.RobustInference`.
    """

    scaling_factor: float
    trace_h1: float
    trace_h0: float
    baseline_scaling_factor: float = float("nan")
    inference: object | None = None


__all__ = ["Covariance", "RobustTests", "information_vcov", "sandwich_vcov"]
