"""lavaan's ``fitMeasures()`` of a least-squares fit on ordinal statistics.

- ``chisq = (N - 1) F`` on ``df = k - npar`` (with ULS/ULSMV no p-value of it: the
  unweighted statistic is not chi-square distributed, lavaan reports NA) (``k`` the statistics: thresholds and
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
    """The baseline model's statistic, df and scaled-shifted adjustment (module notes):
    every group's thresholds, means and variances free, no correlations."""
    s = functions.sample
    columns: list[int] = []
    at = 0
    for spec in functions.statistics_of:
        free = spec.n_first + spec.variances.size
        columns.extend(range(at, at + free))
        at += spec.statistics.size
    delta = np.zeros((s.size, len(columns)))  # sigma_b: linear in its parameters
    delta[columns, np.arange(len(columns))] = 1.0
    weight = functions.test_weight
    a_inverse = np.linalg.inv(delta.T @ weight @ delta)
    u = residual_weight(delta, weight, a_inverse)
    df = s.size - len(columns)
    return float(s @ u @ s), df, scaled_shifted(u, functions.acov, df)


def least_squares_measures(functions: WLSFunctions, theta: np.ndarray, fun: float,
                           adjustment: ScaledShifted | None) -> dict[str, float]:
    """lavaan's fit measures of a least-squares fit (module notes)."""
    n_groups = len(functions.statistics_of)
    n = sum(spec.nobs for spec in functions.statistics_of)
    n_test = int(round(functions.n_test))  # sum_g (N_g - 1)
    npar = functions.n_free
    df = functions.n_statistics - npar
    chisq = n_test * fun
    baseline, baseline_df, baseline_adjustment = baseline_statistic(functions)
    out: dict[str, float] = {"npar": npar, "nobs": n, "fmin": chisq / (2.0 * n),
                             "chisq": chisq, "df": df, "pvalue": fi.chisq_pvalue(chisq, df),
                             "baseline_chisq": baseline, "baseline_df": baseline_df,
                             "baseline_pvalue": fi.chisq_pvalue(baseline, baseline_df)}
    if n_groups > 1:
        out["ngroups"] = n_groups
    if functions.unweighted:  # ULS's statistic is not chi-square distributed (lavaan: NA)
        out["pvalue"] = out["baseline_pvalue"] = math.nan
    out.update(fi.incremental_indices(chisq, df, baseline, baseline_df))
    out["nnfi"] = out["tli"]
    out.update(_rmsea(chisq, df, n_test, n_groups, ""))
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
        out.update(_rmsea(scaled, df, n_test, n_groups, "_scaled"))
        out.update(catml_robust(functions, theta, df))
    residual = functions.sample - functions.statistics(theta)[0]
    out.update(_residual_summaries(functions, theta, residual))
    # lavaan 0.6-14 divides by the statistics of one group (their mean count)
    out["wrmr"] = math.sqrt(max(chisq, 0.0) * n_groups / residual.size)
    out.update(_gfi(functions, residual, df))
    out.update({"mfi": fi.mfi(chisq, df, n_test), "ecvi": fi.ecvi(chisq, npar, n_test),
                "cn_05": fi.hoelter_cn(chisq, df, n_test, 0.05),
                "cn_01": fi.hoelter_cn(chisq, df, n_test, 0.01)})
    return out


def _catml_available(functions: WLSFunctions) -> bool:
    """Savalei's indices as lavaan 0.6-14 reports them: ordinal items only, no free
    means or scaling factors, no threshold shared by groups."""
    layout = functions.layout
    means = any(layout.group_fill[g][k][2].size for g in range(layout.n_groups)
                for k in (4, 5))
    thresholds = np.concatenate([spec.slot_threshold[spec.slot_threshold >= 0]
                                 for spec in functions.statistics_of])
    return (not means and all(spec.variances.size == 0 and (spec.scale < 0).all()
                              for spec in functions.statistics_of)
            and np.unique(thresholds).size == thresholds.size)


def catml_robust(functions: WLSFunctions, theta: np.ndarray, df: int) -> dict[str, float]:
    """Savalei's (2021) robust CFI, TLI, RNI and RMSEA of a least-squares fit (module
    notes). Several groups, as lavaan 0.6-14 (observed on
    tests/reference/make_ordinal_groups_reference.R): the statistics ``T3``, the
    baselines and the model's traces summed over the groups, the baseline's traces
    ``tr(Gamma_c,g)`` weighted by ``N / N_g``, the RMSEA of ``G`` groups."""
    names = ("cfi_robust", "tli_robust", "rni_robust", "rmsea_robust", "rmsea_ci_lower_robust",
             "rmsea_ci_upper_robust", "rmsea_pvalue_robust", "rmsea_notclose_pvalue_robust")
    correlations = [m.cov[0] for m in functions.groups]
    if df <= 0 or not _catml_available(functions) or min(
            np.linalg.eigvalsh(r).min() for r in correlations) < np.sqrt(np.finfo(float).eps):
        return dict.fromkeys(names, math.nan)
    delta = functions.delta(theta)[0]
    a_inverse = np.linalg.inv(delta.T @ functions.test_weight @ delta)
    statistic = baseline = trace = trace_baseline = 0.0
    baseline_df, at = 0, 0
    n_all = sum(spec.nobs for spec in functions.statistics_of)
    for g, (spec, correlation) in enumerate(zip(functions.statistics_of, correlations)):
        n, t, k = spec.nobs, spec.n_first, spec.statistics.size
        scale = functions.scales(theta, g)[0]
        sigma = functions.implied(np.atleast_2d(theta), g).sigma[0] * np.outer(scale, scale)
        _, logdet = np.linalg.slogdet(sigma)
        _, logdet_r = np.linalg.slogdet(correlation)
        inverse = np.linalg.inv(sigma)
        statistic += n * (logdet + float(np.sum(correlation * inverse)) - logdet_r
                          - sigma.shape[0])
        baseline += -n * logdet_r
        rows, cols = spec.pairs.T
        v = (inverse[np.ix_(rows, rows)] * inverse[np.ix_(cols, cols)]
             + inverse[np.ix_(rows, cols)] * inverse[np.ix_(cols, rows)])
        delta_c = delta[at + t:at + k]
        weight_c = (n - 1.0) * spec.weight[t:, t:]
        gamma_c = spec.gamma[t:, t:]
        u = np.eye(rows.size) - delta_c @ a_inverse @ delta_c.T @ weight_c
        trace += float(np.trace(u.T @ v @ u @ gamma_c))
        trace_baseline += float(np.trace(gamma_c)) * n_all / n
        baseline_df += rows.size
        at += k
    n_test = int(round(functions.n_test))
    out = fi.robust_indices(statistic, df, trace / df, baseline, baseline_df,
                            trace_baseline / baseline_df, n_test, len(correlations))
    out["nnfi_robust"] = out["tli_robust"]
    return {name: float(value) for name, value in out.items()}


def _residual_summaries(functions: WLSFunctions, theta: np.ndarray, residual: np.ndarray
                        ) -> dict[str, float]:
    """SRMR, RMR and CRMR (module notes), each group's weighted by ``N_g / N`` (lavaan's
    ``lav_fit_srmr``)."""
    n = sum(spec.nobs for spec in functions.statistics_of)
    out: dict[str, float] = {}
    at = 0
    for g, spec in enumerate(functions.statistics_of):
        sample = functions.groups[g].cov[0]
        scale = functions.scales(theta, g)[0]
        implied = functions.implied(np.atleast_2d(theta), g).sigma[0] * np.outer(scale, scale)
        thresholds = residual[at:at + spec.n_first][spec.slot_ordinal]
        group = _group_residual_summaries(sample, implied, thresholds)
        for name, value in group.items():
            out[name] = out.get(name, 0.0) + spec.nobs / n * value
        at += spec.statistics.size
    return out


def _group_residual_summaries(sample: np.ndarray, implied: np.ndarray, thresholds: np.ndarray
                              ) -> dict[str, float]:
    """One group's residual summaries: RMR of ``S - Sigma*`` (``Sigma*`` the implied
    moments of the standardized latent responses and continuous items), SRMR of
    Bentler's ``(S - Sigma*)_ij / sqrt(S_ii S_jj)`` over the ``p (p + 1) / 2`` elements,
    CRMR of the correlation residuals over the ``p (p - 1) / 2`` pairs; "with means"
    adds the residuals of the ordinal items' thresholds (lavaan 0.6-14: the continuous
    items' means are not among them)."""
    p = sample.shape[0]
    lower, pairs = np.tril_indices(p), np.tril_indices(p, -1)
    sd, implied_sd = np.sqrt(np.diag(sample)), np.sqrt(np.diag(implied))
    raw = (sample - implied)[lower]
    bentler = ((sample - implied) / np.outer(sd, sd))[lower]
    bollen = (sample / np.outer(sd, sd) - implied / np.outer(implied_sd, implied_sd))[pairs]
    extra, t = float(np.sum(thresholds ** 2)), thresholds.size

    def root(values: np.ndarray, means: bool) -> float:
        count = values.size + (t if means else 0)
        return math.sqrt((float(np.sum(values ** 2)) + (extra if means else 0.0)) / count) \
            if count else 0.0

    srmr = root(bentler, False)
    return {"srmr": srmr, "srmr_bentler": root(bentler, True), "srmr_bentler_nomean": srmr,
            "rmr": root(raw, True), "rmr_nomean": root(raw, False), "crmr": root(bollen, True),
            "crmr_nomean": root(bollen, False)}


def _gfi(functions: WLSFunctions, residual: np.ndarray, df: int) -> dict[str, float]:
    """GFI, AGFI and PGFI of the weighted statistics (module notes); several groups:
    ``N_g / N`` weighted GFI of the groups (lavaan's ``lav_fit_gfi``)."""
    n = sum(spec.nobs for spec in functions.statistics_of)
    gfi, at = 0.0, 0
    for spec in functions.statistics_of:
        k = spec.statistics.size
        e = residual[at:at + k]
        gfi += spec.nobs / n * (1.0 - float(e @ spec.weight @ e)
                                / float(spec.statistics @ spec.weight @ spec.statistics))
        at += k
    k = residual.size
    return {"gfi": gfi, "agfi": 1.0 - k / df * (1.0 - gfi) if df > 0 else math.nan,
            "pgfi": df / k * gfi}


def _rmsea(chisq: float, df: int, n: int, n_groups: int, suffix: str) -> dict[str, float]:
    """RMSEA with its 90% interval and tests of close and not-close fit (several groups:
    lavaan's multiple-group RMSEA, times ``sqrt(G)``)."""
    root_g = math.sqrt(n_groups)
    lower, upper = fi.rmsea_ci(chisq, df, n)
    return {f"rmsea{suffix}": fi.rmsea(chisq, df, n) * root_g,
            f"rmsea_ci_lower{suffix}": lower * root_g, f"rmsea_ci_upper{suffix}": upper * root_g,
            f"rmsea_pvalue{suffix}": fi.rmsea_pvalue(chisq, df, n / n_groups),
            f"rmsea_notclose_pvalue{suffix}": fi.rmsea_notclose_pvalue(chisq, df, n / n_groups)}


__all__ = ["baseline_statistic", "least_squares_measures"]
