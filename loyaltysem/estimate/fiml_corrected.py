"""lavaan's robust RMSEA and CFI with missing data: the FIML-corrected statistic.

With full-information ML the robust CFI/TLI/RNI and RMSEA of complete data
(:func:`.fit_indices.robust_indices`) are not computed from the FIML chi-square and its
Yuan–Bentler factor. lavaan 0.6-14 (``lav_fit_fiml_corrected``, used by
``lav_fit_cfi_lavobject`` and ``lav_fit_rmsea_lavobject`` whenever ``missing = "ml"`` or
``"ml.x"``) follows Zhang & Savalei (2023): the model and the baseline are evaluated, at
their FIML estimates, against the EM estimates of the saturated moments as if those were
complete-data sample moments, and that statistic gets its own scaling factor.

With ``s`` the EM means and covariances (non-redundant), ``N`` cases and ``df``:

- ``chisq = N F_ML(s, sigma(theta_hat))``, the complete-data ML discrepancy (with the
  mean term) of the FIML estimates; the baseline's likewise, at the baseline's FIML
  estimates (each variable's available-case mean and variance; fixed.x covariates at
  lavaan's sample values);
- ``W_m`` the observed information of the saturated model on the incomplete data, ``J_m``
  the mean outer product of its casewise scores, both at ``s``; ``W_c`` the
  complete-data information at ``s``; ``Delta = dsigma/dtheta`` at the estimates;
- ``U = W_m - W_m Delta (Delta' W_m Delta)^-1 Delta' W_m`` (``Delta' W_m Delta`` is the
  information lavaan inverts there: observed, of the "h1" kind, unstructured);
- the scaling factor ``c = k / df`` with ``k = tr(U W_m^-1 W_c W_m^-1 U Gamma)``,
  ``Gamma = W_m^-1 J_m W_m^-1`` when the test is scaled (MLR: lavaan's version "V3"),
  and ``k = tr(W_c W_m^-1 U W_m^-1)`` otherwise (ML: "V6"); the baseline's with its own
  ``Delta`` (a selection of the variances and means).

fixed.x covariates' moments are data, not parameters: the saturated model here leaves
them out (lavaan zeroes their rows of ``W_m`` and inverts the rest), which leaves every
trace unchanged. The traces do not depend on how the moments are parametrised.

References
----------
Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and
TS estimation with missing data. Psychological Methods, 28(2), 263-283.
doi:10.1037/met0000445
Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices for
nonnormality. Multivariate Behavioral Research, 49(5), 460-470.
lavaan 0.6-14: ``R/lav_fit_utils.R`` (``lav_fit_fiml_corrected``), ``R/lav_fit_cfi.R``
(``lav_fit_cfi_lavobject``), ``R/lav_fit_rmsea.R`` (``lav_fit_rmsea_lavobject``).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .layout import NU
from .ml import MLFunctions
from .moments import summary_moments
from .reference_models import reference_layout
from .structure import THETA
from .blocks import block_diagonal


@dataclass(frozen=True)
class CorrectedStatistics:
    """The FIML-corrected statistics of a model and its baseline (lavaan's ``XX3``,
    ``c.hat3``, ``XX3.null``, ``c.hat3.null``); NaN where they cannot be computed."""

    chisq: float
    df: int
    scaling_factor: float
    baseline_chisq: float
    baseline_df: int
    baseline_scaling_factor: float

    @property
    def scaled_chisq(self) -> float:
        """``chisq / c`` (lavaan's ``XX3.scaled``)."""
        return self.chisq / self.scaling_factor


def complete_data_chisq(sample_cov: np.ndarray, sample_mean: np.ndarray, implied_cov: np.ndarray,
                        implied_mean: np.ndarray, n_obs: float) -> float:
    """``N [log|Sigma| - log|S| + tr(Sigma^-1 S) - p + (m - mu)' Sigma^-1 (m - mu)]``."""
    p = sample_cov.shape[0]
    d = sample_mean - implied_mean
    solved = np.linalg.solve(implied_cov, np.column_stack([sample_cov, d]))
    value = (np.linalg.slogdet(implied_cov)[1] - np.linalg.slogdet(sample_cov)[1]
             + np.trace(solved[:, :p]) - p + float(d @ solved[:, p]))
    return float(n_obs * value)


def fiml_corrected(functions: MLFunctions, theta: np.ndarray, x_index: Sequence[int],
                   baselines: Sequence[tuple[np.ndarray, np.ndarray]], df: int,
                   baseline_df: int, *, scaled_test: bool,
                   null_space: np.ndarray | None = None) -> CorrectedStatistics:
    """lavaan 0.6-14's FIML-corrected statistics of a FIML fit of one or more groups
    (module notes).

    Parameters
    ----------
    functions : MLFunctions
        The model on its incomplete data (every group with its EM h1 moments).
    theta : ndarray
        The FIML estimates.
    x_index : sequence of int
        The fixed.x covariates.
    baselines : sequence of (ndarray, ndarray)
        Each group's baseline implied covariance and means at its FIML estimates
        (:func:`.full_information.baseline_moments`).
    df, baseline_df : int
        Of the model and the baseline, all groups together.
    scaled_test : bool
        Whether the fit has a scaled test (MLR): lavaan's version "V3", else "V6".
    null_space : ndarray, optional
        ``Z`` of the model's active constraints (:func:`.constraints.active_null_space`):
        lavaan's ``E.inv`` is then the augmented inverted information, i.e. ``Delta``
        becomes ``Delta Z``.

    Returns
    -------
    CorrectedStatistics

    Notes
    -----
    With several groups (``lav_fit_fiml_corrected``), the statistics are the sums of the
    groups' complete-data statistics; the informations are block-diagonal over the
    groups, each group's ``W_m``, ``W_c`` weighted by ``f_g = N_g / N`` (``W_m^-1``,
    ``Gamma`` by ``1 / f_g``), ``Delta`` the groups' Jacobians stacked (columns: the
    parameters shared by all groups), and ``U`` is formed once from them, so equality
    constraints across groups enter the traces; the baseline's ``Delta`` is
    block-diagonal (its parameters are per group).
    """
    chisq = baseline_chisq = 0.0
    for moments, (sigma, mu), baseline in zip(functions.groups,
                                              functions.implied_moments(theta), baselines):
        s, m, n = moments.cov[0], moments.mean[0], float(moments.n[0])
        chisq += complete_data_chisq(s, m, sigma, mu, n)
        baseline_chisq += complete_data_chisq(s, m, *baseline, n)
    try:
        pieces = _h1_pieces(functions, theta, x_index)
        delta = pieces.delta if null_space is None else pieces.delta @ null_space
        k = _trace(pieces, delta, scaled_test)
        k_baseline = _trace(pieces, pieces.selection, scaled_test)
    except np.linalg.LinAlgError:
        k = k_baseline = math.nan
    # df = 0: lavaan divides a rounding residue by 0 (c = Inf; the indices are the plain ones)
    c = k / df if df > 0 else math.inf
    c_baseline = k_baseline / baseline_df if baseline_df > 0 else math.nan
    return CorrectedStatistics(chisq, df, c, baseline_chisq, baseline_df, c_baseline)


@dataclass(frozen=True)
class _Pieces:
    """All groups' pieces, block-diagonal over the groups with lavaan's weights."""

    w_m: np.ndarray          # observed information of the saturated model, incomplete data
    w_m_inverse: np.ndarray
    gamma: np.ndarray        # W_m^-1 J_m W_m^-1, J_m the mean outer product of the scores
    w_c: np.ndarray          # complete-data information at the EM moments
    delta: np.ndarray        # the model's dsigma/dtheta in the saturated coordinates
    selection: np.ndarray    # the baseline's: its variances and means


def _h1_pieces(functions: MLFunctions, theta: np.ndarray, x_index: Sequence[int]) -> _Pieces:
    """The saturated model's informations at the EM moments and the models' Jacobians,
    in the coordinates of :func:`.reference_models.reference_layout` (per group: the free
    means and non-redundant covariances of the non-covariates), groups weighted by
    ``f_g = N_g / N`` as lavaan's ``lav_fit_fiml_corrected``."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in
                                          ("w_m", "w_m_inverse", "gamma", "w_c", "delta",
                                           "selection")}
    for g, moments in enumerate(functions.groups):
        f_g = float(functions.weights[g, 0])
        layout, h1 = reference_layout(moments, diagonal=False, meanstructure=True,
                                      x_index=x_index)
        saturated = MLFunctions(layout, [moments])
        w_m = saturated.observed_information(h1)
        w_m_inverse = np.linalg.inv(w_m)
        scores = saturated.casewise_scores(h1)
        j_m = scores.T @ scores / float(moments.n[0])
        w_c = MLFunctions(layout, [summary_moments(moments.cov[0], moments.mean[0],
                                                   moments.n[0])]).information(h1)
        _, d_sigma, d_mu = functions.jacobian(theta, g)
        delta = np.zeros((h1.size, d_sigma.shape[0]))
        _, rows, cols, ks = layout.fill[THETA]
        delta[ks] = d_sigma[:, rows, cols].T
        variances = ks[rows == cols]
        _, rows, _, ks = layout.fill[NU]
        delta[ks] = d_mu[:, rows].T
        parts["w_m"].append(f_g * w_m)
        parts["w_m_inverse"].append(w_m_inverse / f_g)
        parts["gamma"].append(w_m_inverse @ j_m @ w_m_inverse / f_g)
        parts["w_c"].append(f_g * w_c)
        parts["delta"].append(delta)
        parts["selection"].append(np.eye(h1.size)[:, np.concatenate([variances, ks])])
    return _Pieces(**{key: (np.vstack(value) if key == "delta" else block_diagonal(value))
                      for key, value in parts.items()})


def _trace(pieces: _Pieces, delta: np.ndarray, scaled_test: bool) -> float:
    """``k`` of the module notes for one model's ``Delta`` (all groups)."""
    w_m, w_inv = pieces.w_m, pieces.w_m_inverse
    w_delta = w_m @ delta
    u = w_m - w_delta @ np.linalg.solve(delta.T @ w_delta, w_delta.T)
    if scaled_test:
        return float(np.trace(u @ w_inv @ pieces.w_c @ w_inv @ u @ pieces.gamma))
    return float(np.trace(pieces.w_c @ w_inv @ u @ w_inv))


__all__ = ["CorrectedStatistics", "complete_data_chisq", "fiml_corrected"]
