"""Robust ML (lavaan's ``estimator = "MLR"`` and ``"MLM"``) for one or several groups,
with or without a mean structure (MLR also with missing data).

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
  Brosseau-Liard, Savalei & Li 2012), assembled in :mod:`.fit_measures`.

With several groups the saturated traces add up over the groups
(:func:`yuan_bentler_inference`) and the informations are weighted by ``N_g / N``.

``"MLM"`` (:func:`satorra_bentler_inference`) uses the expected information
instead: ``V = A^-1 (Delta' W Gamma W Delta) A^-1 / N`` (lavaan's
``se = "robust.sem"``) and the Satorra–Bentler scaling
``c = tr(U Gamma) / df`` with ``U = W - W Delta A^-1 Delta' W``, ``W`` the
normal-theory weight at the model-implied covariance and ``Gamma`` the
covariance (divisor N) of the casewise second moments.

All informations are per observation ("unit" information), as in lavaan.
With a mean structure (``~1`` rows or ``meanstructure=True``) the casewise
scores include the mean part, the saturated and baseline models have free
means, and ``Gamma`` is the asymptotic covariance of the means and
covariances (dimension p + p*); without one the data are centred at the
sample means. Moments among fixed.x covariates are masked from the
saturated-model information, as lavaan does.

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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .ml import MLFunctions
from .reference_models import reference_trace


def _saturated_jacobian(p: int, masked: Sequence[int], meanstructure: bool = False
                        ) -> tuple[np.ndarray, np.ndarray | None]:
    """``dSigma/dtheta`` and ``dmu/dtheta`` of the saturated model: one parameter per
    non-redundant covariance (and, with a mean structure, per mean) that is data —
    the fixed.x covariates' moments are not."""
    mask = set(masked)
    mats = []
    for a in range(p):
        for b in range(a + 1):
            if a in mask and b in mask:
                continue
            m = np.zeros((p, p))
            m[a, b] = m[b, a] = 1.0
            mats.append(m)
    d_sigma = np.array(mats).reshape(-1, p, p)
    if not meanstructure:
        return d_sigma, None
    free_means = [i for i in range(p) if i not in mask]
    d_mu = np.zeros((len(free_means) + len(mats), p))
    d_mu[np.arange(len(free_means)), free_means] = 1.0
    return np.concatenate([np.zeros((len(free_means), p, p)), d_sigma]), d_mu


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


def second_moment_covariance(centered: np.ndarray, x_index: Sequence[int] = (),
                             meanstructure: bool = False) -> np.ndarray:
    """``Gamma``: covariance (divisor N) of the casewise moments over cases.

    The moments of case i are ``vec(d_i d_i')`` (shape (p^2, p^2)), preceded with a
    mean structure by ``d_i`` itself (shape (p + p^2, p + p^2)): the asymptotic
    covariance of the sample means and covariances (Satorra & Bentler 1994;
    lavaan's ``lav_samplestats_Gamma(meanstructure = TRUE)``).

    With fixed.x covariates, as lavaan (``fixed.x = TRUE``): the moments minus those
    of the values predicted from the covariates (an OLS regression of the other
    variables on them), so that the covariates' moments carry no sampling variance.
    """
    n, p = centered.shape
    first = centered
    moments = (centered[:, :, None] * centered[:, None, :]).reshape(n, p * p)
    if len(x_index):
        others = [j for j in range(p) if j not in set(x_index)]
        design = np.column_stack([np.ones(n), centered[:, list(x_index)]])
        coefficients, *_ = np.linalg.lstsq(design, centered[:, others], rcond=None)
        predicted = centered.copy()
        predicted[:, others] = design @ coefficients
        predicted -= predicted.mean(axis=0)
        first = centered - predicted
        moments = moments - (predicted[:, :, None] * predicted[:, None, :]).reshape(n, p * p)
    if meanstructure:
        moments = np.hstack([first, moments])
    moments = moments - moments.mean(axis=0)
    return moments.T @ moments / n


def normal_weight(sigma: np.ndarray, meanstructure: bool) -> np.ndarray:
    """The normal-theory weight ``W``: ``Sigma^-1`` for the means (with a mean
    structure) beside ``(Sigma^-1 kron Sigma^-1) / 2`` for vec(Sigma)."""
    w_inv = np.linalg.inv(sigma)
    covariance = 0.5 * np.kron(w_inv, w_inv)
    if not meanstructure:
        return covariance
    p = sigma.shape[0]
    weight = np.zeros((p + p * p, p + p * p))
    weight[:p, :p], weight[p:, p:] = w_inv, covariance
    return weight


def moment_jacobian(d_sigma: np.ndarray, d_mu: np.ndarray | None) -> np.ndarray:
    """``Delta``: the moments ((means,) vec(Sigma)) by the parameters."""
    delta = d_sigma.reshape(d_sigma.shape[0], -1).T  # (p^2, q)
    return delta if d_mu is None else np.vstack([d_mu.T, delta])


def _expected_pieces(weight: np.ndarray, delta: np.ndarray, gamma: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``A = Delta' W Delta`` and ``B = Delta' W Gamma W Delta`` of one group."""
    wd = weight @ delta
    return delta.T @ wd, wd.T @ gamma @ wd


def satorra_bentler_inference(functions: MLFunctions, theta: np.ndarray, df: int,
                              x_index: Sequence[int] = (),
                              null_space: np.ndarray | None = None) -> RobustInference:
    """Robust SEs (expected information) and the Satorra–Bentler scaling: lavaan's MLM.

    Parameters
    ----------
    functions : MLFunctions
        The model on complete data (its cases), one or several groups, with or
        without a mean structure.
    theta : ndarray
        Where to evaluate (the ML estimates, or another point for ``c10``).
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
        ``vcov = A^-1 B A^-1 / N`` with ``A = sum_g (N_g/N) Delta_g' W_g Delta_g`` and
        ``B = sum_g (N_g/N) Delta_g' W_g Gamma_g W_g Delta_g`` (lavaan's
        ``se = "robust.sem"``); ``trace_h1 = sum_g tr(A1_g^-1 B1_g)`` of each group's
        saturated model at the implied moments and ``trace_h0 = tr(A^-1 B)``, so that
        ``c = (trace_h1 - trace_h0) / df = sum_g tr(U_g Gamma_g) / df``.

    Notes
    -----
    With a mean structure the moments are the means and the covariances (Gamma of
    dimension p + p*, :func:`second_moment_covariance`) and ``W`` is block diagonal
    (Satorra & Bentler 1994; Satorra 2000 for several groups; lavaan 0.6
    ``lav_test_satorra_bentler``).
    """
    means = functions.layout.meanstructure
    q = functions.n_free
    a, b = np.zeros((q, q)), np.zeros((q, q))
    trace_h1 = 0.0
    for g, group in enumerate(functions.groups):
        cases = group.cases()
        gamma = second_moment_covariance(cases - cases.mean(axis=0), x_index, means)
        implied, d_sigma, d_mu = functions.jacobian(theta, g)
        weight = normal_weight(implied.sigma[0], means)
        a_g, b_g = _expected_pieces(weight, moment_jacobian(d_sigma, d_mu if means else None),
                                    gamma)
        share = float(functions.weights[g][0])
        a += share * a_g
        b += share * b_g
        a1, b1 = _expected_pieces(weight, moment_jacobian(*_saturated_jacobian(
            group.p, x_index, means)), gamma)
        trace_h1 += float(np.trace(np.linalg.solve(a1, b1)))
    try:
        if null_space is None:
            a_inv = np.linalg.inv(a)
        else:
            a_inv = null_space @ np.linalg.inv(null_space.T @ a @ null_space) @ null_space.T
    except np.linalg.LinAlgError as error:
        from ..exceptions import ConvergenceError

        raise ConvergenceError("the expected information matrix is singular: robust (MLM) "
                               "standard errors cannot be computed for this solution") from error
    trace_h0 = float(np.sum(a_inv * b.T))
    vcov = a_inv @ b @ a_inv / float(functions.n_total[0])
    scaling = (trace_h1 - trace_h0) / df if df > 0 else float("nan")
    if scaling < 0:
        scaling = float("nan")
    return RobustInference(vcov, float(scaling), trace_h1, trace_h0)


def yuan_bentler_inference(functions: MLFunctions, vcov: np.ndarray, trace_h0: float, df: int,
                           x_index: Sequence[int] = ()) -> RobustInference:
    """The Yuan–Bentler (Mplus) scaling of a model of one or several groups (lavaan's MLR).

    Parameters
    ----------
    functions : MLFunctions
        The model on its data (complete or with missing-data patterns).
    vcov, trace_h0 : ndarray, float
        The sandwich covariance and ``tr(B0 E^-1)`` of the fitted model
        (:func:`.inference.sandwich_vcov`).
    df : int
    x_index : sequence of int
        Positions of fixed.x covariates (their moments are not data).

    Returns
    -------
    RobustInference
        ``trace_h1 = sum_g tr(B1_g A1_g^-1)`` of each group's saturated model (with the
        means when the model has a mean structure; :func:`.reference_models.reference_trace`)
        and ``c = (trace_h1 - trace_h0) / df``, NaN when ``df = 0`` or ``c < 0``
        (lavaan ``lav_test_yuan_bentler_mplus``).
    """
    trace_h1 = float(np.sum([reference_trace(group, diagonal=False,
                                             meanstructure=functions.layout.meanstructure,
                                             x_index=x_index) for group in functions.groups]))
    scaling = (trace_h1 - trace_h0) / df if df > 0 else float("nan")
    if scaling < 0:
        scaling = float("nan")
    return RobustInference(vcov, float(scaling), trace_h1, trace_h0)
