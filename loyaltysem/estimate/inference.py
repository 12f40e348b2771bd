"""Standard errors from the core: expected, observed and sandwich covariances, and the
one inference step of every fit (:func:`fit_inference`: SEs and, for MLR/MLM, the
scaling of the test).

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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..exceptions import ConvergenceError
from .constraints import projected_inverse
from .ml import MLFunctions
from .robust import RobustInference, satorra_bentler_inference, yuan_bentler_inference


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


def information_vcov(functions: MLFunctions, theta: np.ndarray,
                     information: str = "expected",
                     null_space: np.ndarray | None = None) -> Covariance:
    """``(N I)^-1`` with the expected or the observed information.

    ``null_space``: ``Z`` of the active constraints
    (:func:`.constraints.active_null_space`): ``Z (Z' N I Z)^-1 Z'`` instead."""
    n = float(functions.n_total[0])
    unit = (functions.information(theta) if information == "expected"
            else functions.observed_information(theta))
    vcov, eigenvalues = projected_inverse(n * unit, null_space)
    return Covariance(vcov, eigenvalues)


def sandwich_vcov(functions: MLFunctions, theta: np.ndarray,
                  null_space: np.ndarray | None = None) -> Covariance:
    """The Huber–White sandwich with the observed information (module notes).

    ``null_space``: ``Z`` of the active constraints; ``E^-1`` is then
    ``Z (Z' E Z)^-1 Z'`` in the sandwich and in ``tr(B0 E^-1)``, as lavaan's
    (``lav_model_nvcov_robust_sandwich``, ``lav_test_yuan_bentler_mplus_trace`` with
    the augmented inverted information).

    Raises
    ------
    ConvergenceError
        If the observed information is singular.
    """
    n = float(functions.n_total[0])
    observed = functions.observed_information(theta)
    try:
        if null_space is None:
            observed_inv = np.linalg.inv(observed)
            eigenvalues = np.linalg.eigvalsh(n * observed)
        else:
            inner = null_space.T @ observed @ null_space
            observed_inv = null_space @ np.linalg.inv(inner) @ null_space.T
            eigenvalues = np.linalg.eigvalsh(n * inner)
    except np.linalg.LinAlgError as error:
        raise ConvergenceError("the observed information matrix is singular: robust (MLR) "
                               "standard errors cannot be computed for this solution") from error
    scores = functions.casewise_scores(theta)
    b0 = scores.T @ scores / n
    vcov = observed_inv @ b0 @ observed_inv / n
    return Covariance(vcov, eigenvalues, float(np.sum(b0 * observed_inv.T)))


def fit_inference(functions: MLFunctions, theta: np.ndarray, estimator: str, df: int,
                  x_index: Sequence[int] = (), null_space: np.ndarray | None = None
                  ) -> tuple[Covariance, RobustInference | None]:
    """The covariance of the estimates of a fit of one or several groups and, for MLR and
    MLM, the scaling of its test statistic: the one inference step of every fit.

    Parameters
    ----------
    functions : MLFunctions
    theta : ndarray
        The estimates.
    estimator : {"ML", "MLR", "MLM"}
        ``"ML"``: ``(N I)^-1`` with the expected information, the observed one when a
        group has missing values (lavaan's default with ``missing = "ml"``); ``"MLR"``:
        the sandwich with the observed information and the Yuan–Bentler (Mplus) scaling
        (:func:`.robust.yuan_bentler_inference`); ``"MLM"``: ``robust.sem`` SEs and the
        Satorra–Bentler scaling (:func:`.robust.satorra_bentler_inference`; its
        identification check on the expected information).
    df : int
        Degrees of freedom of the model (:func:`.fit_measures.degrees_of_freedom`).
    x_index : sequence of int
        Positions of the fixed.x covariates.
    null_space : ndarray, optional
        ``Z`` of the active constraints (:func:`.constraints.active_null_space`).

    Returns
    -------
    covariance : Covariance
    robust : RobustInference or None
        None for ML.
    """
    if estimator == "ML":
        fiml = not all(group.complete for group in functions.groups)
        return information_vcov(functions, theta, "observed" if fiml else "expected",
                                null_space), None
    if estimator == "MLR":
        covariance = sandwich_vcov(functions, theta, null_space)
        return covariance, yuan_bentler_inference(functions, covariance.vcov,
                                                  covariance.trace_h0, df, x_index)
    robust = satorra_bentler_inference(functions, theta, df, x_index, null_space)
    eigenvalues = information_vcov(functions, theta, null_space=null_space)
    return Covariance(robust.vcov, eigenvalues.information_eigenvalues), robust


__all__ = ["Covariance", "fit_inference", "information_vcov", "sandwich_vcov"]
