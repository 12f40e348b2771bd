"""What full-information ML (``missing="ml"``) adds to a single-group fit: the mean
structure (lavaan's: free intercepts of the observed variables, latent means fixed at 0,
the covariates' means fixed at their sample values) and the fit statistics that the mean
structure and the EM h1 change. The likelihood itself is the core's (:mod:`.ml` over the
missing-data patterns of :mod:`.moments`).

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
In Marcoulides & Schumacker (Eds.), Advanced structural equation modeling (pp. 243-277).
Erlbaum.
lavaan 0.6: ``R/lav_fit_measures.R`` (logl, baseline with missing data).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from ..frame_rows import table_rows
from ..spec import ModelSpec
from . import fit_indices as fi
from .inference import RobustTests
from .ml import MLFunctions
from .moments import (
    GroupMoments,
    independence_loglik,
    loglik_constant,
    missing_moments,
    pairwise_moments,
    pattern_sum,
)
from .structure import model_structure


def check_fiml_supported(spec: ModelSpec, estimator: str, data: pd.DataFrame) -> None:
    """Refuse what full-information ML does not offer, saying what to do."""
    if estimator == "MLM":
        raise SpecificationError("estimator 'MLM' with missing='ml' is not available (lavaan "
                                 "does not offer it either); use estimator 'MLR'",
                                 source=spec.source)


def with_mean_structure(table: pd.DataFrame) -> pd.DataFrame:
    """The parameter table with lavaan's mean structure rows (``~1``) appended.

    A free intercept for every observed variable (in the structure's order),
    a fixed mean for every fixed.x covariate (``exo``: its sample mean) and
    latent means fixed at 0. A table that has a mean structure already (``~1``
    rows: the spec's ``meanstructure`` or intercepts in the syntax, which lavaan
    completes for every variable) is returned as it is.
    """
    if (table["op"] == "~1").any():
        return table
    structure = model_structure(table)
    covariates = {str(r.lhs) for r in table_rows(table) if r.exo}
    q = int(table["free"].max()) if len(table) else 0
    rows = []
    for name in structure.observed:
        fixed = name in covariates
        rows.append({"lhs": name, "free": 0 if fixed else q + 1, "ustart": np.nan,
                     "exo": int(fixed)})
        q += 0 if fixed else 1
    for name in structure.latent:
        rows.append({"lhs": name, "free": 0, "ustart": 0.0, "exo": 0})
    means = pd.DataFrame(rows)
    means["op"], means["rhs"], means["label"], means["user"] = "~1", "", "", 0
    return pd.concat([table, means], ignore_index=True)


def fiml_fit_indices(indices: dict, functions: MLFunctions, sigma: np.ndarray,
                     mu: np.ndarray, x_index: list[int], robust: RobustTests | None
                     ) -> dict[str, float]:
    """The statistics that change with a mean structure and the EM h1 (lavaan's FIML); the
    GFI family is :func:`.fit_indices.gfi_with_means` on the missing-data patterns with
    lavaan's pairwise sample statistics (``lav_fit_gfi``, ``WLS.obs``, ``WLS.V``)."""
    moments = functions.groups[0]
    n = int(moments.n[0])
    em_cov, em_mean = moments.cov[0], moments.mean[0]
    npar = functions.n_free
    constant = loglik_constant(moments.patterns)
    cases = moments.cases()
    others = [j for j in range(em_cov.shape[0]) if j not in x_index]
    marginal_x, covariates_fiml = covariate_logliks(moments, x_index)
    # the logliks are conditional on the covariates, as lavaan's
    loglik = -0.5 * (pattern_sum(moments.patterns, mu, sigma) + constant) - marginal_x
    loglik_h1 = -0.5 * (n * float(moments.h1[0]) + constant) - marginal_x
    loglik_baseline = independence_loglik(cases[:, others]) + covariates_fiml - marginal_x
    baseline_chisq = 2.0 * (loglik_h1 - loglik_baseline)
    chisq, df, baseline_df = indices["chisq"], indices["df"], indices["baseline_df"]
    # lavaan's GFI with missing data: the pairwise sample statistics (not the EM h1), the
    # expected information of the missing-data patterns at the implied moments
    sample_cov, sample_mean = pairwise_moments(cases)
    gfi = fi.gfi_with_means(sample_cov, sigma, sample_mean, mu, x_index,
                            patterns=[(q.observed, float(q.n[0])) for q in moments.patterns])
    out: dict[str, float] = {
        "npar": npar, "baseline_chisq": baseline_chisq,
        "baseline_pvalue": fi.chisq_pvalue(baseline_chisq, baseline_df),
        **fi.incremental_indices(chisq, df, baseline_chisq, baseline_df),
        "srmr": fi.srmr_with_means(em_cov, sigma, em_mean - mu),
        "loglik": loglik, "unrestricted_loglik": loglik_h1,
        **fi.information_criteria(loglik, npar, n),
        "ecvi": fi.ecvi(chisq, npar, n),
        **fi.residual_summaries_with_means(em_cov, sigma, em_mean, mu),
        "gfi": gfi, "agfi": fi.agfi(gfi, df, em_cov.shape[0], meanstructure=True),
        "pgfi": fi.pgfi(gfi, df, em_cov.shape[0], meanstructure=True),
    }
    if robust is not None:
        out.update(_fiml_scaled(chisq, df, baseline_chisq, baseline_df, n, robust,
                                em_cov.shape[0], len(x_index), npar))
    if x_index and np.isnan(cases[:, x_index]).any():
        out.update(dict.fromkeys(_NOT_WITH_INCOMPLETE_COVARIATES, math.nan))
    return out


def _fiml_scaled(chisq: float, df: int, baseline_chisq: float, baseline_df: int, n: int,
                 robust: RobustTests, p: int, px: int, npar: int) -> dict[str, float]:
    """The scaled statistics of ``estimator = "MLR", missing = "ml"`` (lavaan 0.6-14)."""
    c, c_b = robust.scaling_factor, robust.baseline_scaling_factor
    chisq_scaled = chisq / c if df > 0 else chisq
    baseline_scaled = baseline_chisq / c_b
    lower, upper = fi.rmsea_ci(chisq, df * c, n) if df > 0 else (0.0, 0.0)
    moments = p * (p + 1) // 2 + p - px * (px + 1) // 2 - px  # the covariates' are data
    return {
        "chisq_scaled": chisq_scaled, "df_scaled": df,
        "pvalue_scaled": fi.chisq_pvalue(chisq_scaled, df), "scaling_factor": c,
        "baseline_chisq_scaled": baseline_scaled, "baseline_scaling_factor": c_b,
        "baseline_pvalue_scaled": fi.chisq_pvalue(baseline_scaled, baseline_df),
        **{f"{name}_scaled": value for name, value in fi.incremental_indices(
            chisq_scaled, df, baseline_scaled, baseline_df).items()},
        "rmsea_scaled": fi.rmsea(chisq_scaled, df, n),
        "rmsea_ci_lower_scaled": lower, "rmsea_ci_upper_scaled": upper,
        "rmsea_pvalue_scaled": fi.rmsea_pvalue(chisq, df * c, n) if df > 0 else math.nan,
        "rmsea_notclose_pvalue_scaled": (fi.rmsea_notclose_pvalue(chisq, df * c, n)
                                         if df > 0 else math.nan),
        "scaling_factor_h1": robust.trace_h1 / moments, "scaling_factor_h0": robust.trace_h0 / npar,
    }


#: Not reported with incomplete covariates (``missing = "ml.x"``): lavaan 0.6-14's h1
#: log-likelihood and baseline model there are not reproduced (estimates, SEs, chi-square,
#: log-likelihood, AIC/BIC and RMSEA are).
_NOT_WITH_INCOMPLETE_COVARIATES = (
    "unrestricted_loglik", "baseline_chisq", "baseline_pvalue", "cfi", "tli", "nnfi", "rfi",
    "nfi", "pnfi", "ifi", "rni", "baseline_chisq_scaled", "baseline_pvalue_scaled",
    "baseline_scaling_factor", "cfi_scaled", "tli_scaled", "nnfi_scaled", "rfi_scaled",
    "nfi_scaled", "pnfi_scaled", "ifi_scaled", "rni_scaled")


def covariate_logliks(moments: GroupMoments, x_index: Sequence[int]) -> tuple[float, float]:
    """What the covariates contribute: the normal log-likelihood of their (EM) moments
    as if all N cases had them — lavaan's conditioning constant, also with incomplete
    covariates (``missing = "ml.x"``) — and their full-information log-likelihood at
    their own EM moments, the covariate part of the baseline model. Equal (the
    sample moments) when the covariates are complete."""
    if not len(x_index):
        return 0.0, 0.0
    x_index = list(x_index)
    s_xx = moments.cov[0][np.ix_(x_index, x_index)]
    marginal = fi.normal_loglik(s_xx, s_xx, int(moments.n[0]))
    if moments.complete:
        return marginal, marginal
    values = moments.cases()[:, x_index]
    if not np.isnan(values).any():
        return marginal, marginal
    alone = missing_moments(values)
    fiml = -0.5 * (pattern_sum(alone.patterns, alone.mean[0], alone.cov[0])
                   + loglik_constant(alone.patterns))
    return marginal, fiml


__all__ = ["check_fiml_supported", "covariate_logliks", "fiml_fit_indices", "with_mean_structure"]
