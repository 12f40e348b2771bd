"""Robust ML (lavaan's ``estimator = "MLR"`` and ``"MLM"``) for complete data.

The estimates are the ML estimates; what changes is the inference:

- standard errors from the Huber–White sandwich
  ``V = E^-1 B0 E^-1 / N`` with ``E`` the observed information (Hessian of
  ``F_ML / 2``) and ``B0`` the first-order information (mean outer product of
  the casewise scores);
- the Yuan–Bentler scaled test statistic, Mplus variant
  (lavaan's ``"yuan.bentler.mplus"``): ``c = [tr(B1 A1^-1) - tr(B0 E^-1)] / df``
  with ``A1``/``B1`` the expected/first-order information of the saturated
  model, and ``chisq_scaled = chisq / c``;
- scaled and robust CFI/TLI/RMSEA (Brosseau-Liard & Savalei 2014;
  Brosseau-Liard, Savalei & Li 2012).

``"MLM"`` (:func:`satorra_bentler_inference`) uses the expected information
instead: ``V = A^-1 (Delta' W Gamma W Delta) A^-1 / N`` (lavaan's
``se = "robust.sem"``) and the Satorra–Bentler scaling
``c = tr(U Gamma) / df`` with ``U = W - W Delta A^-1 Delta' W``, ``W`` the
normal-theory weight at the model-implied covariance and ``Gamma`` the
covariance (divisor N) of the casewise second moments.

All informations are per observation ("unit" information), as in lavaan.
Data are centred at the sample means (no mean structure). Moments among
fixed.x covariates are masked from the saturated-model information, as
lavaan does.

References
----------
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for
mean and covariance structure analysis with nonnormal missing data.
Sociological Methodology, 30, 165-200.
Muthén, L. K., & Muthén, B. O. Mplus user's guide (MLR).
Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit
indices for nonnormality. Multivariate Behavioral Research, 49(5), 460-470.
Satorra, A., & Bentler, P. M. (1994). Corrections to test statistics and
standard errors in covariance structure analysis. In von Eye & Clogg
(Eds.), Latent variables analysis (pp. 399-419). Sage.
Brosseau-Liard, P. E., Savalei, V., & Li, L. (2012). An investigation of the
sample performance of two nonnormality corrections for RMSEA. Multivariate
Behavioral Research, 47(6), 904-930.
lavaan 0.6: ``R/lav_test_yuan_bentler.R``, ``R/lav_test_satorra_bentler.R``,
``R/lav_model_vcov.R``,
``R/lav_fit_cfi.R``, ``R/lav_fit_rmsea.R``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import fit_indices as fi
from .ml import MLFunctions
from .moments import GroupMoments
from .reference_models import reference_layout, reference_trace

ImpliedAndJacobian = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def _saturated_jacobian(p: int, masked: Sequence[int]) -> np.ndarray:
    """dSigma/dsigma_ab for the non-redundant elements of a p x p covariance."""
    mask = set(masked)
    mats = []
    for a in range(p):
        for b in range(a + 1):
            if a in mask and b in mask:
                continue
            m = np.zeros((p, p))
            m[a, b] = m[b, a] = 1.0
            mats.append(m)
    return np.array(mats)


@dataclass(frozen=True)
class RobustInference:
    """Sandwich covariance and the Yuan–Bentler (Mplus) scaling of one model.

    Attributes
    ----------
    vcov : ndarray
        Huber–White covariance of the free parameters.
    scaling_factor : float
        ``c``; NaN when ``df == 0``.
    trace_h1, trace_h0 : float
    """

    vcov: np.ndarray
    scaling_factor: float
    trace_h1: float
    trace_h0: float


def second_moment_covariance(centered: np.ndarray, x_index: Sequence[int] = ()) -> np.ndarray:
    """``Gamma``: covariance (divisor N) of ``vec(d_i d_i')`` over cases, shape (p^2, p^2).

    With fixed.x covariates, as lavaan (``lav_samplestats_Gamma``, ``fixed.x = TRUE``):
    the second moments minus those of the values predicted from the covariates (an
    OLS regression of the other variables on them), so that the covariates'
    moments carry no sampling variance.
    """
    n, p = centered.shape
    moments = (centered[:, :, None] * centered[:, None, :]).reshape(n, p * p)
    if len(x_index):
        others = [j for j in range(p) if j not in set(x_index)]
        design = np.column_stack([np.ones(n), centered[:, list(x_index)]])
        coefficients, *_ = np.linalg.lstsq(design, centered[:, others], rcond=None)
        predicted = centered.copy()
        predicted[:, others] = design @ coefficients
        predicted -= predicted.mean(axis=0)
        moments = moments - (predicted[:, :, None] * predicted[:, None, :]).reshape(n, p * p)
    moments = moments - moments.mean(axis=0)
    return moments.T @ moments / n


def _expected_traces(sigma: np.ndarray, jac: np.ndarray, gamma: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, float]:
    """``A = Delta' W Delta``, ``B = Delta' W Gamma W Delta`` and ``tr(A^-1 B)`` (vec space)."""
    w_inv = np.linalg.inv(sigma)
    weight = 0.5 * np.kron(w_inv, w_inv)
    delta = jac.reshape(jac.shape[0], -1).T  # (p^2, q)
    wd = weight @ delta
    a = delta.T @ wd
    b = wd.T @ gamma @ wd
    return a, b, float(np.sum(np.linalg.solve(a, b).diagonal()))


def satorra_bentler_inference(implied_and_jacobian: ImpliedAndJacobian, theta: np.ndarray,
                              data: np.ndarray, df: int, x_index: Sequence[int] = (),
                              null_space: np.ndarray | None = None) -> RobustInference:
    """Robust SEs (expected information) and the Satorra–Bentler scaling: lavaan's MLM.

    Parameters
    ----------
    implied_and_jacobian : callable
        ``theta -> (Sigma, dSigma/dtheta)``.
    theta : ndarray
        ML estimates.
    data : ndarray
        Complete cases (N x p) in the variable order of Sigma.
    df : int
    x_index : sequence of int
        Positions of fixed.x covariates (their moments are not data).
    null_space : ndarray, optional
        ``Z`` of the active constraints (:func:`.constraints.active_null_space`):
        ``A^-1`` is ``Z (Z' A Z)^-1 Z'`` in the sandwich and in ``trace_h0``, as
        lavaan's augmented inverted information (``lav_test_satorra_bentler``).

    Returns
    -------
    RobustInference
        ``trace_h1 = tr(A1^-1 B1)`` of the saturated model at the implied
        covariance and ``trace_h0 = tr(A^-1 B)``; ``c = (trace_h1 - trace_h0) / df``
        equals ``tr(U Gamma) / df``.
    """
    n = data.shape[0]
    centered = data - data.mean(axis=0)
    gamma = second_moment_covariance(centered, x_index)
    sigma, d_sigma = implied_and_jacobian(theta)
    try:
        a, b, trace_h0 = _expected_traces(sigma, d_sigma, gamma)
        if null_space is None:
            a_inv = np.linalg.inv(a)
        else:
            a_inv = null_space @ np.linalg.inv(null_space.T @ a @ null_space) @ null_space.T
            trace_h0 = float(np.sum(a_inv * b.T))
    except np.linalg.LinAlgError as error:
        from ..exceptions import ConvergenceError

        raise ConvergenceError("the expected information matrix is singular: robust (MLM) "
                               "standard errors cannot be computed for this solution") from error
    vcov = a_inv @ b @ a_inv / n
    _, _, trace_h1 = _expected_traces(sigma, _saturated_jacobian(sigma.shape[0], x_index), gamma)
    scaling = (trace_h1 - trace_h0) / df if df > 0 else float("nan")
    if scaling < 0:
        scaling = float("nan")
    return RobustInference(vcov, float(scaling), trace_h1, trace_h0)


def baseline_scaling_factor(group: GroupMoments, robust: RobustInference, x_index: list[int],
                            baseline_df: int, estimator: str) -> float:
    """The scaling factor of the independence model, by the model's own method:
    Satorra–Bentler for MLM, Yuan–Bentler (the model's h1 trace) for MLR."""
    if estimator == "MLM":
        layout, theta = reference_layout(group, diagonal=True, meanstructure=False,
                                         x_index=x_index)
        functions = MLFunctions(layout, [group])
        return satorra_bentler_inference(functions.implied_and_jacobian, theta, group.cases(),
                                         baseline_df, x_index).scaling_factor
    trace_b = reference_trace(group, diagonal=True, meanstructure=False, x_index=x_index)
    return (robust.trace_h1 - trace_b) / baseline_df if baseline_df > 0 else float("nan")


def robust_fit_indices(robust: RobustInference, group: GroupMoments, x_index: list[int],
                       chisq: float, df: int, baseline_chisq: float, baseline_df: int,
                       n: int, estimator: str = "MLR") -> dict[str, float]:
    """Scaled and robust fit statistics of an MLR or MLM fit (lavaan 0.6 ``fitMeasures`` names).

    The baseline's scaling factor comes from the same method (Yuan–Bentler for
    MLR, Satorra–Bentler for MLM) at the baseline's estimates.
    """
    c = robust.scaling_factor
    c_b = baseline_scaling_factor(group, robust, x_index, baseline_df, estimator)
    chisq_scaled = chisq / c if df > 0 else chisq
    baseline_scaled = baseline_chisq / c_b
    return {
        "chisq_scaled": chisq_scaled, "df_scaled": df,
        "pvalue_scaled": fi.chisq_pvalue(chisq_scaled, df), "scaling_factor": c,
        "baseline_chisq_scaled": baseline_scaled,
        "baseline_pvalue_scaled": fi.chisq_pvalue(baseline_scaled, baseline_df),
        "baseline_scaling_factor": c_b,
        **fi.scaled_rmsea_indices(chisq, df, c, n),
        # the incremental indices of the scaled statistics, and the robust ones
        **{f"{name}_scaled": value for name, value in
           fi.incremental_indices(chisq_scaled, df, baseline_scaled, baseline_df).items()},
        **fi.robust_indices(chisq, df, c, baseline_chisq, baseline_df, c_b, n),
    }
