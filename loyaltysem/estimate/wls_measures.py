"""lavaan's ``fitMeasures()`` of a least-squares fit on ordinal statistics.

- ``chisq = (N - 1) F`` on ``df = k - npar`` (``k`` the statistics: thresholds and
  correlations), :mod:`.wls_inference`; with WLSMV/ULSMV also the scaled-shifted
  ``chisq_scaled`` with its ``chisq_scaling_factor`` and ``shift_parameter``;
- the baseline model has free thresholds and no correlations: ``sigma_b = (tau, 0)``
  is linear in the thresholds, so its minimum is ``F_b = s' U_b s`` with ``U_b`` the
  residual weight of :func:`.wls_inference.residual_weight` for ``Delta_b = (I, 0)'``
  (with a diagonal ``W`` the weighted sum of squares of the sample correlations), on
  ``p (p - 1) / 2`` df, with its own scaled-shifted adjustment;
- CFI, TLI and the other incremental indices from the two statistics (Bentler 1990;
  Tucker & Lewis 1973), their ``_scaled`` versions from the adjusted statistics;
- RMSEA ``sqrt(max(0, (T - df) / (df (N - 1))))`` with the interval and tests of
  :mod:`.fit_indices`, its ``_scaled`` version from the adjusted statistic;
- the residuals of the correlations (the latent responses have variance 1, so RMR and
  SRMR coincide): ``srmr`` (= ``srmr_bentler_nomean``, ``rmr_nomean``) their root mean
  square over the ``p (p + 1) / 2`` elements of the matrix (the diagonal's residuals
  are 0), ``srmr_bentler`` / ``rmr`` with the thresholds' residuals as the "means"
  (``p (p + 1) / 2 + t`` elements), ``crmr_nomean`` over the ``p (p - 1) / 2`` pairs
  and ``crmr`` with the thresholds (Bentler 1995; lavaan's ``lav_fit_srmr``);
- WRMR ``sqrt(T / k)`` (lavaan 0.6-14's ``lav_fit_wrmr``; with a diagonal ``W`` this
  is Muthén's ``sqrt(sum_k (s_k - sigma_k)^2 / v_k / k)``, ``v_k = Gamma_kk / (N - 1)``,
  Mplus technical appendix 5);
- GFI ``1 - e' W e / s' W s`` on the statistics (Tanaka & Huba 1985), AGFI
  ``1 - (k / df)(1 - GFI)``, PGFI ``(df / k) GFI``; MFI, ECVI and Hoelter's N as
  for ML (:mod:`.fit_indices`) with ``N - 1``.

- with WLSMV/ULSMV the robust CFI/TLI/RNI/RMSEA of Savalei (2021): the normal-theory
  ML discrepancy of the correlation structure at the estimates (catML: ``T3 = N
  F_ML(R, Sigma*)``, the same df; its baseline ``-N log|R|`` on ``p (p - 1) / 2`` df),
  with the scaling factors ``c3 = tr(U' V U Gamma_c) / df`` (``U = I - Delta_c A^-1
  Delta_c' W_c`` on the correlations, ``V`` the normal-theory weight at ``Sigma*``) and
  ``c3_b = tr(Gamma_c) / df_b``, passed to the robust indices of
  :func:`.fit_indices.robust_indices`; NaN when the polychoric matrix is not positive
  definite (lavaan's check: an eigenvalue below ``sqrt(eps)``).

Everything that has ``N`` in it takes lavaan's ``N - 1`` of categorical data (observed
on every reference, tests/reference/make_ordinal_fit_reference.R).

References
----------
Asparouhov, T., & Muthén, B. (2010). Simple second order chi-square correction. Mplus
technical appendix.
Savalei, V. (2021). Improving fit indices in structural equation modeling with
categorical data. Multivariate Behavioral Research, 56(3), 390-407.
Bentler, P. M. (1990). Comparative fit indexes in structural models. Psychological
Bulletin, 107(2), 238-246.
Muthén, L. K., & Muthén, B. O. (1998-2017). Mplus user's guide, technical appendix 5.
lavaan 0.6-14: ``lav_fit_measures``, ``lav_test_satorra_bentler`` (scaled.shifted).
"""
from __future__ import annotations

import math

import numpy as np

from . import fit_indices as fi
from .wls import WLSFunctions
from .wls_inference import ScaledShifted, residual_weight, scaled_shifted


def baseline_statistic(functions: WLSFunctions) -> tuple[float, int, ScaledShifted]:
    """The baseline model's statistic, df and scaled-shifted adjustment (module notes)."""
    moments = functions.moments
    t = moments.n_thresholds
    s = moments.statistics
    df = s.size - t
    delta = np.zeros((s.size, t))  # sigma_b = (tau, 0): linear in the thresholds
    delta[np.arange(t), np.arange(t)] = 1.0
    a_inverse = np.linalg.inv(delta.T @ moments.weight @ delta)
    u = residual_weight(delta, moments.weight, a_inverse)
    statistic = (moments.nobs - 1) * float(s @ u @ s)  # min over tau of F_b
    return statistic, df, scaled_shifted(u, moments.gamma, df)


def least_squares_measures(functions: WLSFunctions, theta: np.ndarray, fun: float,
                           adjustment: ScaledShifted | None) -> dict[str, float]:
    """lavaan's fit measures of a least-squares fit (module notes)."""
    moments = functions.moments
    n, npar = moments.nobs, functions.n_free
    df = moments.statistics.size - npar
    chisq = (n - 1) * fun
    baseline, baseline_df, baseline_adjustment = baseline_statistic(functions)
    out: dict[str, float] = {"npar": npar, "nobs": n, "fmin": chisq / (2.0 * n),
                             "chisq": chisq, "df": df, "pvalue": fi.chisq_pvalue(chisq, df),
                             "baseline_chisq": baseline, "baseline_df": baseline_df,
                             "baseline_pvalue": fi.chisq_pvalue(baseline, baseline_df)}
    out.update(fi.incremental_indices(chisq, df, baseline, baseline_df))
    out["nnfi"] = out["tli"]
    out.update(_rmsea(chisq, df, n - 1, ""))
    if adjustment is not None:
        scaled = adjustment.apply(chisq) if df > 0 else chisq
        baseline_scaled = baseline_adjustment.apply(baseline)
        out.update({"chisq_scaled": scaled, "df_scaled": df,
                    "pvalue_scaled": fi.chisq_pvalue(scaled, df),
                    "chisq_scaling_factor": adjustment.scaling_factor,
                    "scaling_factor": adjustment.scaling_factor,  # the JSON contract's name
                    "shift_parameter": adjustment.shift,
                    "baseline_chisq_scaled": baseline_scaled,
                    "baseline_df_scaled": baseline_df,
                    "baseline_pvalue_scaled": fi.chisq_pvalue(baseline_scaled, baseline_df),
                    "baseline_chisq_scaling_factor": baseline_adjustment.scaling_factor})
        out.update({f"{name}_scaled": value for name, value in fi.incremental_indices(
            scaled, df, baseline_scaled, baseline_df).items()})
        out["nnfi_scaled"] = out["tli_scaled"]
        out.update(_rmsea(scaled, df, n - 1, "_scaled"))
        out.update(catml_robust(functions, theta, df))
    residual = moments.statistics - functions.statistics(theta)[0]
    out.update(_residual_summaries(residual, moments.n_thresholds, len(moments.ordinal)))
    out["wrmr"] = math.sqrt(max(chisq, 0.0) / residual.size)
    out.update(_gfi(residual, moments.statistics, moments.weight, df))
    out.update({"mfi": fi.mfi(chisq, df, n - 1), "ecvi": fi.ecvi(chisq, npar, n - 1),
                "cn_05": fi.hoelter_cn(chisq, df, n - 1, 0.05),
                "cn_01": fi.hoelter_cn(chisq, df, n - 1, 0.01)})
    return out


def catml_robust(functions: WLSFunctions, theta: np.ndarray, df: int) -> dict[str, float]:
    """Savalei's (2021) robust CFI, TLI, RNI and RMSEA of a least-squares fit (module
    notes)."""
    moments = functions.moments
    n, t = moments.nobs, moments.n_thresholds
    correlation = functions.groups[0].cov[0]
    names = ("cfi_robust", "tli_robust", "rni_robust", "rmsea_robust", "rmsea_ci_lower_robust",
             "rmsea_ci_upper_robust", "rmsea_pvalue_robust", "rmsea_notclose_pvalue_robust")
    if df <= 0 or np.linalg.eigvalsh(correlation).min() < np.sqrt(np.finfo(float).eps):
        return dict.fromkeys(names, math.nan)
    sigma = functions.implied(np.atleast_2d(theta), 0).sigma[0]
    p = sigma.shape[0]
    sign, logdet = np.linalg.slogdet(sigma)
    _, logdet_r = np.linalg.slogdet(correlation)
    inverse = np.linalg.inv(sigma)
    statistic = n * (logdet + float(np.sum(correlation * inverse)) - logdet_r - p)
    rows, cols = moments.pairs.T
    v = (inverse[np.ix_(rows, rows)] * inverse[np.ix_(cols, cols)]
         + inverse[np.ix_(rows, cols)] * inverse[np.ix_(cols, rows)])
    delta = functions.delta(theta)[0]
    a_inverse = np.linalg.inv(delta.T @ moments.weight @ delta)
    delta_c, weight_c, gamma_c = delta[t:], moments.weight[t:, t:], moments.gamma[t:, t:]
    u = np.eye(rows.size) - delta_c @ a_inverse @ delta_c.T @ weight_c
    c = float(np.trace(u.T @ v @ u @ gamma_c)) / df
    baseline_df = rows.size
    c_baseline = float(np.trace(gamma_c)) / baseline_df
    out = fi.robust_indices(statistic, df, c, -n * logdet_r, baseline_df, c_baseline, n - 1)
    out["nnfi_robust"] = out["tli_robust"]
    return {name: float(value) for name, value in out.items()}


def _residual_summaries(residual: np.ndarray, n_thresholds: int, p: int
                        ) -> dict[str, float]:
    """SRMR, RMR and CRMR of the correlation residuals, with and without the thresholds'
    (module notes)."""
    squares = float(np.sum(residual[n_thresholds:] ** 2))
    thresholds = float(np.sum(residual[:n_thresholds] ** 2))
    full, pairs = p * (p + 1) / 2, p * (p - 1) / 2
    srmr_nomean = math.sqrt(squares / full)
    srmr = math.sqrt((squares + thresholds) / (full + n_thresholds))
    crmr_nomean = math.sqrt(squares / pairs) if pairs else 0.0
    crmr = math.sqrt((squares + thresholds) / (pairs + n_thresholds))
    return {"srmr": srmr_nomean, "srmr_bentler": srmr, "srmr_bentler_nomean": srmr_nomean,
            "rmr": srmr, "rmr_nomean": srmr_nomean, "crmr": crmr, "crmr_nomean": crmr_nomean}


def _gfi(residual: np.ndarray, statistics: np.ndarray, weight: np.ndarray, df: int
         ) -> dict[str, float]:
    """GFI, AGFI and PGFI of the weighted statistics (module notes)."""
    k = statistics.size
    gfi = 1.0 - float(residual @ weight @ residual) / float(statistics @ weight @ statistics)
    return {"gfi": gfi, "agfi": 1.0 - k / df * (1.0 - gfi) if df > 0 else math.nan,
            "pgfi": df / k * gfi}


def _rmsea(chisq: float, df: int, n: int, suffix: str) -> dict[str, float]:
    """RMSEA with its 90% interval and tests of close and not-close fit."""
    lower, upper = fi.rmsea_ci(chisq, df, n)
    return {f"rmsea{suffix}": fi.rmsea(chisq, df, n),
            f"rmsea_ci_lower{suffix}": lower, f"rmsea_ci_upper{suffix}": upper,
            f"rmsea_pvalue{suffix}": fi.rmsea_pvalue(chisq, df, n),
            f"rmsea_notclose_pvalue{suffix}": fi.rmsea_notclose_pvalue(chisq, df, n)}


__all__ = ["baseline_statistic", "least_squares_measures"]
