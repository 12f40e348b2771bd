"""lavaan's ``fitMeasures()`` of a fit of G >= 1 groups: one assembly for every fit.

A single-group fit is one group. The statistics are sums or ``N_g / N``-weighted means
over the groups of the core (:class:`.ml.MLFunctions`: groups x missing-data patterns),
with lavaan's definitions:

- ``chisq = sum_g N_g F_g`` on ``df = ndat - npar``; ``ndat = G (p(p+1)/2 - px(px+1)/2
  + [p - px])`` (the bracket with a mean structure: the means of the non-covariates),
  ``npar`` the free parameters less the ``==`` constraints of :mod:`.constraints`;
- the baseline model frees the variances (and means) of the non-covariates in every
  group and keeps the fixed.x covariates' joint distribution:
  ``chisq_b = 2 sum_g (logL_h1,g - logL_b,g)`` on ``G ((p(p-1) - px(px-1)) / 2)`` df;
- the RMSEA of several groups multiplies by ``sqrt(G)`` and its tests divide the
  noncentrality by ``G`` (lavaan's multiple-group RMSEA);
- SRMR, RMR, CRMR, Mplus SRMR and GFI are each group's, weighted by ``N_g / N``; they
  include the means when the model has a mean structure, as lavaan's
  ``meanstructure`` flag decides (a single-group complete-data fit without ``~1`` rows
  has none; FIML and multi-group fits always have one); AGFI/PGFI count the sample
  statistics of all groups;
- the log-likelihoods are conditional on the fixed.x covariates
  (:func:`.full_information.covariate_logliks`), over the missing-data patterns;
- MLR/MLM: the statistic scaled by the Yuan–Bentler or Satorra–Bentler factor of the
  model and of the baseline, lavaan's "scaled" RMSEA and incremental indices, and the
  robust CFI/TLI/RNI/RMSEA; with missing data the robust indices are those of the
  FIML-corrected statistic (:mod:`.fiml_corrected`), for ML and MLR alike.

The statistics themselves are the pure functions of :mod:`.fit_indices`.

References
----------
Bentler, P. M., & Bonett, D. G. (1980). Significance tests and goodness of fit in the
analysis of covariance structures. Psychological Bulletin, 88(3), 588-606.
Jöreskog, K. G. (1971). Simultaneous factor analysis in several populations.
Psychometrika, 36(4), 409-426.
Steiger, J. H. (1998). A note on multiple sample extensions of the RMSEA fit index.
Structural Equation Modeling, 5(4), 411-419.
Satorra, A., & Bentler, P. M. (1994). Corrections to test statistics and standard errors
in covariance structure analysis. In von Eye & Clogg (Eds.), Latent variables analysis
(pp. 399-419). Sage.
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and
covariance structure analysis with nonnormal missing data. Sociological Methodology,
30, 165-200.
Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and
TS estimation with missing data. Psychological Methods, 28(2), 263-283.
lavaan 0.6-14: ``lav_fit_measures``, ``lav_fit_cfi_lavobject``, ``lav_fit_rmsea_lavobject``,
``lav_fit_srmr``, ``lav_fit_gfi``, ``lav_fit_agfi``, ``lav_model_loglik``, ``lav_h1_logl``,
``lav_object_independence``, ``lav_test_yuan_bentler``, ``lav_test_satorra_bentler``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import fit_indices as fi
from .fiml_corrected import fiml_corrected
from .full_information import baseline_moments, covariate_logliks, sample_gfi
from .ml import MLFunctions
from .moments import GroupMoments, independence_loglik, loglik_constant, pattern_sum
from .reference_models import reference_layout, reference_trace
from .robust import RobustInference, satorra_bentler_inference


def moment_count(functions: MLFunctions, x_index: Sequence[int]) -> int:
    """lavaan's ``ndat``: the sample statistics of all groups that are data (the fixed.x
    covariates' moments are not), with the means when the model has a mean structure."""
    p, px = functions.layout.p, len(x_index)
    means = p - px if functions.layout.meanstructure else 0
    return len(functions.groups) * (p * (p + 1) // 2 - px * (px + 1) // 2 + means)


def degrees_of_freedom(functions: MLFunctions, x_index: Sequence[int],
                       n_equalities: int = 0) -> int:
    """``ndat - npar`` with ``npar`` the free parameters less ``n_equalities``."""
    return moment_count(functions, x_index) - (functions.n_free - n_equalities)


def fit_measures(functions: MLFunctions, theta: np.ndarray, x_index: Sequence[int], *,
                 n_equalities: int = 0, estimator: str = "ML",
                 robust: RobustInference | None = None,
                 null_space: np.ndarray | None = None) -> dict[str, float]:
    """lavaan's ``fitMeasures()`` of a fit of one or several groups (module notes).

    Parameters
    ----------
    functions : MLFunctions
        The model on its data (every group, complete or with missing-data patterns).
    theta : ndarray
        The estimates (all free parameters of the core).
    x_index : sequence of int
        Positions of the fixed.x covariates.
    n_equalities : int
        ``==`` constraints the parameter table does not absorb (they reduce ``npar``).
    estimator : {"ML", "MLR", "MLM"}
    robust : RobustInference, optional
        The scaling of an MLR or MLM fit (:func:`.inference.fit_inference`).
    null_space : ndarray, optional
        ``Z`` of the active constraints, for the FIML-corrected statistic.

    Returns
    -------
    dict
        lavaan's names with ``_`` for ``.`` (``ngroups`` with more than one group).
    """
    n_groups, p, px = len(functions.groups), functions.layout.p, len(x_index)
    means = functions.layout.meanstructure
    npar = functions.n_free - n_equalities
    df = degrees_of_freedom(functions, x_index, n_equalities)
    n = int(functions.n_total[0])
    chisq = 0.0
    for moments, f in zip(functions.groups, functions.group_discrepancies(theta)):
        chisq += float(moments.n[0]) * float(f)
    groups = [_group_statistics(moments, sigma, mu, x_index, means)
              for moments, (sigma, mu) in zip(functions.groups, functions.implied_moments(theta))]
    baseline_chisq = 2.0 * sum(g["h1_joint"] - g["baseline_joint"] for g in groups)
    baseline_df = n_groups * ((p * (p - 1) - px * (px - 1)) // 2)
    weights = functions.weights[:, 0]
    indices: dict[str, float] = {"npar": npar, "nobs": n}
    if n_groups > 1:
        indices["ngroups"] = n_groups
    indices.update(_test_measures(chisq, df, baseline_chisq, baseline_df, n, n_groups))
    indices.update(_weighted(groups, weights, ("srmr", "gfi")))
    indices["agfi"] = fi.agfi(indices["gfi"], df, p, meanstructure=means, n_groups=n_groups)
    indices["pgfi"] = fi.pgfi(indices["gfi"], df, p, meanstructure=means, n_groups=n_groups)
    indices.update({"mfi": fi.mfi(chisq, df, n), "ecvi": fi.ecvi(chisq, npar, n),
                    "cn_05": fi.hoelter_cn(chisq, df, n, 0.05),
                    "cn_01": fi.hoelter_cn(chisq, df, n, 0.01)})
    indices.update(_weighted(groups, weights, ("rmr", "crmr", "srmr_mplus")))
    loglik = sum(g["loglik"] for g in groups)
    indices.update({"loglik": loglik,
                    "unrestricted_loglik": sum(g["unrestricted_loglik"] for g in groups),
                    **fi.information_criteria(loglik, npar, n)})
    if means:
        indices.update(_weighted(groups, weights, _NOMEAN))
    if robust is not None:
        indices.update(_scaled_measures(functions, x_index, robust, indices, estimator))
    if not all(moments.complete for moments in functions.groups):
        indices.update(_fiml_robust_measures(functions, theta, x_index, indices,
                                             scaled_test=robust is not None,
                                             null_space=null_space))
    if robust is not None and estimator == "MLR":
        indices.update(_yuan_bentler_factors(functions, x_index, robust))
    indices.update(fi.lavaan_aliases(indices, meanstructure=means))
    return indices


#: The residual summaries without the means, reported beside those with them.
_NOMEAN = ("rmr_nomean", "crmr_nomean", "srmr_mplus_nomean", "srmr_bentler_nomean")


def _weighted(groups: list[dict[str, float]], weights: np.ndarray,
              names: Sequence[str]) -> dict[str, float]:
    """The groups' statistics ``names`` weighted by ``N_g / N`` (lavaan 0.6-14
    ``lav_fit_srmr``, ``lav_fit_gfi``)."""
    return {name: float(weights @ np.array([g[name] for g in groups])) for name in names}


def _test_measures(chisq: float, df: int, baseline_chisq: float, baseline_df: int, n: int,
                   n_groups: int) -> dict[str, float]:
    """The test of the model, its baseline, the incremental indices and the
    (multiple-group) RMSEA with its interval and tests."""
    root_g = math.sqrt(n_groups)
    lower, upper = fi.rmsea_ci(chisq, df, n)
    return {
        "fmin": chisq / (2.0 * n), "chisq": chisq, "df": df,
        "pvalue": fi.chisq_pvalue(chisq, df),
        "baseline_chisq": baseline_chisq, "baseline_df": baseline_df,
        "baseline_pvalue": fi.chisq_pvalue(baseline_chisq, baseline_df),
        **fi.incremental_indices(chisq, df, baseline_chisq, baseline_df),
        "rmsea": fi.rmsea(chisq, df, n) * root_g,
        "rmsea_ci_lower": lower * root_g, "rmsea_ci_upper": upper * root_g,
        "rmsea_pvalue": fi.rmsea_pvalue(chisq, df, n / n_groups),
        "rmsea_notclose_pvalue": fi.rmsea_notclose_pvalue(chisq, df, n / n_groups),
    }


def _group_statistics(moments: GroupMoments, sigma: np.ndarray, mu: np.ndarray,
                      x_index: Sequence[int], meanstructure: bool) -> dict[str, float]:
    """One group's log-likelihoods (model, h1 and baseline, joint and conditional on the
    covariates), SRMR, GFI and residual summaries.

    Notes
    -----
    ``-2 logL = sum_k n_k [log|Sigma_k| + tr(Sigma_k^-1 S_k) + d_k' Sigma_k^-1 d_k] +
    sum_k n_k p_k log(2 pi)`` over the missing-data patterns ``k`` (complete data: one),
    without a mean structure at the sample means (``d = 0``). The baseline's joint
    log-likelihood is at its ML estimates: the available-case means and variances of
    the non-covariates, the covariates' joint distribution at lavaan's sample values
    (``lav_object_independence``).
    """
    x_index = list(x_index)
    n, s, m = float(moments.n[0]), moments.cov[0], moments.mean[0]
    covariates = covariate_logliks(moments, x_index)
    constant = loglik_constant(moments.patterns)
    others = [j for j in range(moments.p) if j not in x_index]
    if moments.complete:
        variances = np.diag(s)[others]
        independence = -0.5 * n * float(np.sum(np.log(2 * np.pi * variances) + 1.0))
    else:
        independence = independence_loglik(moments.cases()[:, others])
    h1_joint = -0.5 * (n * float(moments.h1[0]) + constant)
    out = {
        "loglik": -0.5 * (pattern_sum(moments.patterns, mu if meanstructure else m, sigma)
                          + constant) - covariates.model,
        "unrestricted_loglik": h1_joint - covariates.h1,
        "h1_joint": h1_joint, "baseline_joint": independence + covariates.baseline,
    }
    if not meanstructure:  # lavaan's single-group complete-data fit without ~1 rows
        return {**out, "srmr": fi.srmr(s, sigma), "gfi": fi.gfi(s, sigma, x_index),
                "rmr": fi.rmr(s, sigma), "crmr": fi.crmr(s, sigma),
                "srmr_mplus": fi.srmr_mplus(s, sigma)}
    return {**out, "srmr": fi.srmr_with_means(s, sigma, m - mu),
            "gfi": sample_gfi(moments, sigma, mu, x_index),
            **fi.residual_summaries_with_means(s, sigma, m, mu)}


def baseline_scaling_factor(functions: MLFunctions, x_index: Sequence[int],
                            robust: RobustInference, baseline_df: int, estimator: str
                            ) -> float:
    """The scaling factor of the baseline model by the model's own method, its traces
    summed over the groups (each group has its own baseline parameters).

    Satorra–Bentler (MLM): ``sum_g tr(U_g Gamma_g) / df_b`` at the baseline's
    estimates; Yuan–Bentler (MLR): ``(tr_h1 - sum_g tr(B_g E_g^-1)) / df_b`` with the
    model's saturated trace; with a mean structure the baseline's means are free
    (lavaan's ``lav_object_independence``). NaN when ``df_b = 0`` or negative.
    """
    means = functions.layout.meanstructure
    if baseline_df <= 0:
        return math.nan
    if estimator == "MLM":
        trace = 0.0
        for group in functions.groups:
            layout, theta = reference_layout(group, diagonal=True, meanstructure=means,
                                             x_index=x_index)
            sb = satorra_bentler_inference(MLFunctions(layout, [group]), theta, 1, x_index)
            trace += sb.trace_h1 - sb.trace_h0
    else:
        trace = robust.trace_h1 - float(np.sum([
            reference_trace(group, diagonal=True, meanstructure=means, x_index=x_index)
            for group in functions.groups]))
    factor = trace / baseline_df
    return factor if factor >= 0 else math.nan


def _scaled_measures(functions: MLFunctions, x_index: Sequence[int], robust: RobustInference,
                     indices: dict[str, float], estimator: str) -> dict[str, float]:
    """The Yuan–Bentler (MLR) or Satorra–Bentler (MLM) scaled statistics of the model and
    the baseline, lavaan's "scaled" RMSEA and incremental indices, and (complete data)
    the robust CFI/TLI/RNI/RMSEA (:func:`.fit_indices.robust_indices`; Brosseau-Liard &
    Savalei 2014; Brosseau-Liard, Savalei & Li 2012)."""
    chisq, df, n = float(indices["chisq"]), int(indices["df"]), int(indices["nobs"])
    baseline_chisq, baseline_df = float(indices["baseline_chisq"]), int(indices["baseline_df"])
    n_groups = len(functions.groups)
    c = robust.scaling_factor
    c_b = baseline_scaling_factor(functions, x_index, robust, baseline_df, estimator)
    chisq_scaled = chisq / c if df > 0 else chisq
    baseline_scaled = baseline_chisq / c_b
    out = {
        "chisq_scaled": chisq_scaled, "df_scaled": df,
        "pvalue_scaled": fi.chisq_pvalue(chisq_scaled, df), "scaling_factor": c,
        "baseline_chisq_scaled": baseline_scaled,
        "baseline_pvalue_scaled": fi.chisq_pvalue(baseline_scaled, baseline_df),
        "baseline_scaling_factor": c_b,
        # lavaan: the scaled interval and tests use the unscaled statistic on df * c
        **fi.scaled_rmsea_indices(chisq, df, c, n, n_groups=n_groups),
        **{f"{name}_scaled": value for name, value in
           fi.incremental_indices(chisq_scaled, df, baseline_scaled, baseline_df).items()},
    }
    if all(moments.complete for moments in functions.groups):  # else: FIML-corrected
        out.update(fi.robust_indices(chisq, df, c, baseline_chisq, baseline_df, c_b, n,
                                     n_groups=n_groups))
    return out


def _yuan_bentler_factors(functions: MLFunctions, x_index: Sequence[int],
                          robust: RobustInference) -> dict[str, float]:
    """Yuan–Bentler's scaling factors of the saturated (h1) and the fitted (h0) model:
    the traces over ``ndat`` and over the free parameters before equality constraints,
    the rows with ``free > 0`` (lavaan's ``nx.free``, ``lav_test_yuan_bentler``)."""
    free_rows = int((functions.layout.table["free"] > 0).sum())
    return {"scaling_factor_h1": robust.trace_h1 / moment_count(functions, x_index),
            "scaling_factor_h0": robust.trace_h0 / free_rows if free_rows else math.nan}


def _fiml_robust_measures(functions: MLFunctions, theta: np.ndarray, x_index: Sequence[int],
                          indices: dict[str, float], *, scaled_test: bool,
                          null_space: np.ndarray | None = None) -> dict[str, float]:
    """lavaan 0.6-14's robust CFI/TLI/RNI/RMSEA with missing data, ML and MLR: those of the
    FIML-corrected statistic of all groups (Zhang & Savalei 2023;
    :func:`.fiml_corrected.fiml_corrected`: version "V3" with a scaled test, "V6"
    without), with the multiple-group RMSEA (lavaan ``lav_fit_cfi_lavobject``,
    ``lav_fit_rmsea_lavobject``)."""
    df, baseline_df = int(indices["df"]), int(indices["baseline_df"])
    baselines = [baseline_moments(moments, x_index) for moments in functions.groups]
    corrected = fiml_corrected(functions, theta, x_index, baselines, df, baseline_df,
                               scaled_test=scaled_test, null_space=null_space)
    return fi.robust_indices(corrected.chisq, df, corrected.scaling_factor,
                             corrected.baseline_chisq, baseline_df,
                             corrected.baseline_scaling_factor, int(indices["nobs"]),
                             n_groups=len(functions.groups))


__all__ = ["baseline_scaling_factor", "degrees_of_freedom", "fit_measures", "moment_count"]
