"""Fit statistics with lavaan's conventions (normal likelihood, divisor N).

Each function is a pure function of numbers or matrices. Names follow
``lavaan::fitMeasures()`` with ``_`` for ``.``.

Conventions that differ from semopy's ``calc_stats`` and are lavaan's:

- ``chisq = N * F_ML`` with N (not N - 1);
- RMSEA with N (``sqrt(max(0, (chisq - df) / (N * df)))``), a 90% CI from the
  noncentral chi-square and the test of close fit (RMSEA <= .05);
- the log-likelihood is the normal log-likelihood of the data, not the
  discrepancy, so AIC and BIC are on lavaan's scale;
- SRMR is Bentler's (residuals standardized by the observed SDs);
- GFI/AGFI are Jöreskog–Sörbom's for ML.

References
----------
Bentler, P. M. (1990). Comparative fit indexes in structural models.
Psychological Bulletin, 107(2), 238-246.
Bollen, K. A. (1986). Sample size and Bentler and Bonett's nonnormed fit
index. Psychometrika, 51(3), 375-377. (RFI)
Bollen, K. A. (1989). A new incremental fit index for general structural
equation models. Sociological Methods & Research, 17(3), 303-316. (IFI)
Browne, M. W., & Cudeck, R. (1989). Single sample cross-validation indices
for covariance structures. Multivariate Behavioral Research, 24(4), 445-455.
Hoelter, J. W. (1983). The analysis of covariance structures: Goodness-of-fit
indices. Sociological Methods & Research, 11(3), 325-344.
James, L. R., Mulaik, S. A., & Brett, J. M. (1982). Causal analysis. Sage. (PNFI)
MacCallum, R. C., Browne, M. W., & Sugawara, H. M. (1996). Power analysis and
determination of sample size for covariance structure modeling.
Psychological Methods, 1(2), 130-149.
McDonald, R. P. (1989). An index of goodness-of-fit based on noncentrality.
Journal of Classification, 6(1), 97-103.
McDonald, R. P., & Marsh, H. W. (1990). Choosing a multivariate model:
Noncentrality and goodness of fit. Psychological Bulletin, 107(2), 247-255.
Mulaik, S. A., et al. (1989). Evaluation of goodness-of-fit indices for
structural equation models. Psychological Bulletin, 105(3), 430-445. (PGFI)
Browne, M. W., & Cudeck, R. (1993). Alternative ways of assessing model fit.
In Bollen & Long (Eds.), Testing structural equation models (pp. 136-162).
Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in
covariance structure analysis. Structural Equation Modeling, 6(1), 1-55.
Jöreskog, K. G., & Sörbom, D. (1981). LISREL V. National Educational Resources.
Steiger, J. H., & Lind, J. C. (1980). Statistically based tests for the number
of common factors. Psychometric Society, Iowa City.
Tucker, L. R., & Lewis, C. (1973). A reliability coefficient for maximum
likelihood factor analysis. Psychometrika, 38(1), 1-10.
lavaan 0.6 source: ``R/lav_fit_cfi.R``, ``R/lav_fit_rmsea.R``,
``R/lav_fit_srmr.R``, ``R/lav_fit_gfi.R``, ``R/lav_fit_aic.R``,
``R/lav_fit_other.R`` (CN, MFI, ECVI).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from ..distributions import chi2_isf, chi2_sf, ncx2_cdf, ncx2_sf, norm_ppf
from .roots import find_root_near


def chisq_pvalue(chisq: float, df: int) -> float:
    """Upper-tail p-value of the chi-square test; NaN when ``df == 0`` (as lavaan)."""
    if df <= 0:
        return math.nan
    return float(chi2_sf(chisq, df))


def independence_chisq(sample_cov: np.ndarray, n_obs: int, x_index: list[int] | None = None) -> float:
    """Chi-square of the baseline (independence) model.

    The baseline model frees only the variances; with fixed.x covariates their
    covariance block is kept as observed (lavaan's default baseline).

    ``chisq_b = N [log|D| - log|S|]`` with ``D`` the baseline implied
    covariance (the trace term equals p).
    """
    diagonal = np.diag(np.diag(sample_cov))
    if x_index:
        block = np.ix_(x_index, x_index)
        diagonal[block] = sample_cov[block]
    logdet_d = np.linalg.slogdet(diagonal)[1]
    logdet_s = np.linalg.slogdet(sample_cov)[1]
    return float(n_obs * (logdet_d - logdet_s))


def cfi(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Comparative fit index (Bentler, 1990), lavaan's ``lav_fit_cfi``.

    ``1 - max(chisq - df, 0) / max(chisq - df, chisq_b - df_b, 0)``; 1 when both
    are 0.
    """
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, baseline_chisq - baseline_df, 0.0)
    if math.isclose(t1, 0.0, abs_tol=1.5e-8) and math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def tli(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Tucker–Lewis index / NNFI, lavaan's formula (0.5-21 on).

    ``1 - [(chisq - df) df_b] / [(chisq_b - df_b) df]``; 1 when ``df == 0``.
    Not truncated: can exceed 1.
    """
    t1 = (chisq - df) * baseline_df
    t2 = (baseline_chisq - baseline_df) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def cfi_robust(chisq: float, df: float, c: float, baseline_chisq: float, baseline_df: float,
               c_baseline: float) -> float:
    """Robust CFI (Brosseau-Liard & Savalei, 2014, eq. 15), lavaan's ``cfi.robust``.

    ``1 - max(chisq - c df, 0) / max(chisq - c df, chisq_b - c_b df_b, 0)``
    with the unscaled statistics and the scaling factors of model and baseline.
    """
    t1 = max(chisq - c * df, 0.0)
    t2 = max(chisq - c * df, baseline_chisq - c_baseline * baseline_df, 0.0)
    if math.isclose(t1, 0.0, abs_tol=1.5e-8) and math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def tli_robust(chisq: float, df: float, c: float, baseline_chisq: float, baseline_df: float,
               c_baseline: float) -> float:
    """Robust TLI (Brosseau-Liard & Savalei, 2014), lavaan's ``tli.robust``."""
    t1 = (chisq - c * df) * baseline_df
    t2 = (baseline_chisq - c_baseline * baseline_df) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def rmsea_robust(chisq: float, df: float, c: float, n_obs: int) -> float:
    """Robust RMSEA (Brosseau-Liard, Savalei & Li, 2012): ``sqrt(max(0, chisq/(N df) - c/N))``."""
    if df <= 0:
        return 0.0
    return math.sqrt(max(0.0, chisq / (n_obs * df) - c / n_obs))


def nfi(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Normed fit index (Bentler & Bonett, 1980), lavaan's ``lav_fit_nfi``."""
    if df > baseline_df or math.isclose(baseline_chisq, 0.0):
        return math.nan
    if df > 0:
        return (baseline_chisq - chisq) / baseline_chisq
    return 1.0


def rfi(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Relative fit index (Bollen, 1986), lavaan's ``lav_fit_rfi``.

    ``(chisq_b/df_b - chisq/df) / (chisq_b/df_b)``; 1 when ``df == 0`` or when
    either term is negative, NaN when ``df > df_b``.
    """
    if df > baseline_df:
        return math.nan
    if df > 0 and baseline_df > 0:
        t2 = baseline_chisq / baseline_df
        t1 = t2 - chisq / df
        if not (math.isfinite(t1) and math.isfinite(t2)):
            return math.nan
        return 1.0 if (t1 < 0 or t2 < 0) else t1 / t2
    return 1.0


def ifi(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Incremental fit index (Bollen, 1989), lavaan's ``lav_fit_ifi``.

    ``(chisq_b - chisq) / (chisq_b - df)``; 1 when the denominator is negative.
    """
    t1, t2 = baseline_chisq - chisq, baseline_chisq - df
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return math.nan
    if t2 < 0:
        return 1.0
    if math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return math.nan
    return t1 / t2


def rni(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Relative noncentrality index (McDonald & Marsh, 1990), lavaan's ``lav_fit_rni``.

    ``1 - (chisq - df) / (chisq_b - df_b)``: the CFI without truncation at 0 and 1.
    """
    t1, t2 = chisq - df, baseline_chisq - baseline_df
    if math.isclose(t2, 0.0, abs_tol=1.5e-8) or not (math.isfinite(t1) and math.isfinite(t2)):
        return math.nan
    return 1.0 - t1 / t2


def pnfi(chisq: float, df: float, baseline_chisq: float, baseline_df: float) -> float:
    """Parsimony normed fit index (James, Mulaik & Brett, 1982): ``df/df_b * NFI``."""
    if baseline_df > 0 and baseline_chisq > 0:
        return (df / baseline_df) * (baseline_chisq - chisq) / baseline_chisq
    return math.nan


def pgfi(gfi_value: float, df: float, n_variables: int, meanstructure: bool = False,
         n_groups: int = 1) -> float:
    """Parsimony GFI (Mulaik et al., 1989): ``df / p* * GFI`` (``p*`` as in :func:`agfi`,
    lavaan 0.6-14 ``lav_fit_pgfi``)."""
    moments = _gfi_elements(n_variables, meanstructure, n_groups)
    return (df / moments) * gfi_value if moments > 0 else math.nan


def mfi(chisq: float, df: float, n_obs: int) -> float:
    """McDonald's (1989) fit index: ``exp(-(chisq - df) / (2N))``."""
    return math.exp(-0.5 * (chisq - df) / n_obs)


def ecvi(chisq: float, npar: int, n_obs: int) -> float:
    """Expected cross-validation index (Browne & Cudeck, 1989): ``(chisq + 2 npar) / N``."""
    return chisq / n_obs + 2 * npar / n_obs


def hoelter_cn(chisq: float, df: float, n_obs: int, alpha: float = 0.05) -> float:
    """Hoelter's (1983) critical N, lavaan's ``cn_05`` / ``cn_01``.

    ``chi2_(1-alpha)(df) / (chisq / N) + 1``: the largest sample at which the
    model would not be rejected at level alpha. NaN for a saturated model
    with zero chi-square (lavaan).
    """
    if df == 0 and chisq < np.finfo(float).eps:
        return math.nan
    with np.errstate(divide="ignore"):
        return float(_chi2_upper_quantile(alpha, df) / (chisq / n_obs) + 1) if chisq > 0 \
            else math.inf


@functools.lru_cache(maxsize=256)
def _chi2_upper_quantile(alpha: float, df: float) -> float:
    """``chi2_isf(alpha, df)`` as a float, cached (every fit of a model asks for the same)."""
    return float(chi2_isf(alpha, df))


def incremental_indices(chisq: float, df: float, baseline_chisq: float, baseline_df: float
                        ) -> dict[str, float]:
    """CFI, TLI, NFI, RFI, IFI, RNI and PNFI of a model against its baseline."""
    return {name: function(chisq, df, baseline_chisq, baseline_df)
            for name, function in (("cfi", cfi), ("tli", tli), ("nfi", nfi), ("rfi", rfi),
                                   ("ifi", ifi), ("rni", rni), ("pnfi", pnfi))}


def rmsea(chisq: float, df: float, n_obs: int) -> float:
    """Root mean square error of approximation (Steiger & Lind, 1980), divisor N.

    ``sqrt(max(0, (chisq - df) / (N df)))``; 0 when ``df == 0`` (lavaan).
    """
    if df <= 0:
        return 0.0
    return math.sqrt(max(0.0, (chisq - df) / (n_obs * df)))


def _noncentrality(chisq: float, df: float, target: float) -> float:
    """Noncentrality lambda with ``P(X <= chisq | df, lambda) = target``; 0 if none.

    Solved by safeguarded secant steps (:func:`.roots.find_root_near`) from the
    root and slope of the cube-root approximation (:func:`_approximate_noncentrality`).
    """
    def gap(lam: float) -> float:  # the ncx2 CDF (central at lambda = 0)
        return float(ncx2_cdf(chisq, df, lam)) - target

    at_zero = gap(0.0)
    if at_zero < 0:  # even the central distribution puts chisq below the target
        return 0.0
    guess, slope = _approximate_noncentrality(chisq, df, target)
    return find_root_near(gap, guess, slope, lower=0.0, f_lower=at_zero,
                          xtol=1e-12, rtol=1e-12)


@functools.lru_cache(maxsize=64)
def _normal_quantile(q: float) -> float:
    """``Phi^-1(q)`` as a float, cached: the RMSEA interval asks for the same two."""
    return float(norm_ppf(q))


def _approximate_noncentrality(chisq: float, df: float, target: float
                               ) -> tuple[float, float]:
    """An approximate root ``lambda`` of ``P(X <= chisq | df, lambda) = target`` and
    the slope of the approximate CDF there, in closed form.

    The cube-root (Wilson–Hilferty) approximation of the noncentral chi-square
    (Abdel-Aty 1954): ``(X / (k + l))^(1/3)`` is nearly normal with mean
    ``1 - v`` and variance ``v``, ``v = 2 (k + 2 l) / (9 (k + l)^2)``; its
    equation in ``lambda`` is solved by Newton steps from the root of the cruder
    normal approximation ``X ~ N(k + l, 2 (k + 2 l))`` (Johnson, Kotz &
    Balakrishnan 1995, ch. 29). ``(max(chisq, 1), nan)`` where neither has a root.
    """
    z = _normal_quantile(target)
    radicand = 4.0 * chisq - 2.0 * df + 4.0 * z * z
    lam = (chisq - df + 2.0 * z * z - z * math.sqrt(radicand)) if radicand >= 0 else math.nan
    if not lam > 0:
        return max(chisq, 1.0), math.nan

    def standardized(lam: float) -> float:  # the cube-root statistic at chisq
        v = 2.0 * (df + 2.0 * lam) / (9.0 * (df + lam) ** 2)
        return ((chisq / (df + lam)) ** (1.0 / 3.0) - 1.0 + v) / math.sqrt(v)

    for _ in range(6):
        step = 1e-7 * max(lam, 1e-3)
        value = standardized(lam) - z
        slope = (standardized(lam + step) - standardized(lam - step)) / (2.0 * step)
        if not slope < 0:
            break
        lam_new = lam - value / slope
        lam = lam_new if lam_new > 0 else 0.5 * lam
        if abs(value) < 1e-10:
            break
    return lam, math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) * slope


def rmsea_ci(chisq: float, df: float, n_obs: int, level: float = 0.90) -> tuple[float, float]:
    """Confidence interval of RMSEA (Browne & Cudeck, 1993) as lavaan computes it.

    The bounds solve ``P(X <= chisq | df, lambda) = (1 + level)/2`` (lower)
    and ``(1 - level)/2`` (upper) for the noncentrality ``lambda``, then
    ``RMSEA = sqrt(lambda / (N df))``.
    """
    if df <= 0:
        return (0.0, 0.0)
    if not (math.isfinite(chisq) and math.isfinite(df)):
        return (math.nan, math.nan)
    chisq = max(chisq, 0.0)  # an exact fit's -1e-12 of rounding (the CDF is NaN below 0)
    lower = _noncentrality(chisq, df, (1 + level) / 2)
    upper = _noncentrality(chisq, df, (1 - level) / 2)
    return (math.sqrt(lower / (n_obs * df)), math.sqrt(upper / (n_obs * df)))


def rmsea_pvalue(chisq: float, df: float, n_obs: float, close: float = 0.05) -> float:
    """Test of close fit: ``P(RMSEA <= close)`` (Browne & Cudeck, 1993); NaN if df = 0."""
    if df <= 0:
        return math.nan
    lam = n_obs * df * close**2
    return float(ncx2_sf(chisq, df, lam))


def rmsea_notclose_pvalue(chisq: float, df: float, n_obs: float,
                          notclose: float = 0.08) -> float:
    """Test of not-close fit: ``P(X <= chisq)`` under RMSEA = ``notclose`` (MacCallum,
    Browne & Sugawara, 1996), lavaan's ``rmsea.notclose.pvalue``; small values reject
    H0: RMSEA >= .08. NaN if df = 0."""
    if df <= 0:
        return math.nan
    return float(ncx2_cdf(chisq, df, n_obs * df * notclose**2))


def scaled_rmsea_indices(chisq: float, df: float, c: float, n_obs: int,
                         n_groups: int = 1) -> dict[str, float]:
    """lavaan's "scaled" RMSEA of a Satorra–Bentler or Yuan–Bentler scaled test: the point
    value of ``chisq / c`` and the interval and tests of the unscaled statistic on
    ``df c = tr(U Gamma)`` degrees of freedom (lavaan ``lav_fit_rmsea_lavobject``: ``XX2``,
    ``df2``); all NaN when ``df c`` is 0 or not finite (a saturated model), as lavaan's NA.
    With ``G = n_groups > 1`` the value and the bounds are multiplied by ``sqrt(G)`` and
    the tests' noncentrality divided by ``G`` (lavaan 0.6-14 ``lav_fit_rmsea``,
    ``lav_fit_rmsea_ci``, ``lav_fit_rmsea_closefit``: the multiple-group RMSEA).

    Returns
    -------
    dict
        ``rmsea_scaled, rmsea_ci_lower_scaled, rmsea_ci_upper_scaled, rmsea_pvalue_scaled,
        rmsea_notclose_pvalue_scaled``.
    """
    df_scaled = df * c
    names = ("rmsea_scaled", "rmsea_ci_lower_scaled", "rmsea_ci_upper_scaled",
             "rmsea_pvalue_scaled", "rmsea_notclose_pvalue_scaled")
    if df <= 0 or not math.isfinite(df_scaled) or df_scaled == 0:
        return dict.fromkeys(names, math.nan)
    lower, upper = rmsea_ci(chisq, df_scaled, n_obs)
    root_g, n_per_group = math.sqrt(n_groups), n_obs / n_groups
    return dict(zip(names, (rmsea(chisq / c, df, n_obs) * root_g, lower * root_g,
                            upper * root_g, rmsea_pvalue(chisq, df_scaled, n_per_group),
                            rmsea_notclose_pvalue(chisq, df_scaled, n_per_group))))


def robust_indices(chisq: float, df: float, c: float, baseline_chisq: float,
                   baseline_df: float, c_baseline: float, n_obs: int,
                   n_groups: int = 1) -> dict[str, float]:
    """lavaan's robust CFI, TLI, RNI and RMSEA (90% CI, tests of close and not-close fit)
    from a chi-square, its scaling factor and the baseline model's.

    Parameters
    ----------
    chisq, df, c : float
        The model's (unscaled) statistic, its degrees of freedom and scaling factor.
    baseline_chisq, baseline_df, c_baseline : float
        The same for the baseline model.
    n_obs : int
        All cases (of every group).
    n_groups : int
        ``G``: lavaan's multiple-group RMSEA multiplies the value and the bounds by
        ``sqrt(G)`` and divides the tests' noncentrality by ``G`` (``lav_fit_rmsea``,
        ``lav_fit_rmsea_ci``, ``lav_fit_rmsea_closefit``); the incremental indices do not
        depend on it.

    Returns
    -------
    dict
        ``cfi_robust, tli_robust, rni_robust, rmsea_robust, rmsea_ci_lower_robust,
        rmsea_ci_upper_robust, rmsea_pvalue_robust, rmsea_notclose_pvalue_robust``.

    Notes
    -----
    The incremental indices (Brosseau-Liard & Savalei, 2014) replace ``chisq - df`` by
    ``chisq - c df`` (:func:`cfi_robust`, :func:`tli_robust`; RNI ``1 - (chisq - c df) /
    (chisq_b - c_b df_b)``); with ``df = 0`` they are the plain ones, and NaN when a
    scaling factor is (lavaan ``lav_fit_cfi``: ``anyNA``). The RMSEA (Brosseau-Liard,
    Savalei & Li, 2012; :func:`rmsea_robust`) has the interval of the scaled statistic
    ``chisq / c`` on ``df``, times ``sqrt(c)``, and its tests put the noncentrality at
    ``N df rmsea0^2 / c`` (lavaan ``lav_fit_rmsea_ci``, ``lav_fit_rmsea_closefit``). The
    same function serves the complete-data statistics (Satorra-Bentler or Yuan-Bentler
    ``c``) and lavaan's missing-data ones (:mod:`.fiml_corrected`: ``chisq``, ``c`` and
    the baseline's of the FIML-corrected statistic).
    """
    if any(math.isnan(v) for v in (chisq, c, baseline_chisq, c_baseline)):
        incremental = dict.fromkeys(("cfi_robust", "tli_robust", "rni_robust"), math.nan)
    elif df > 0:
        incremental = {
            "cfi_robust": cfi_robust(chisq, df, c, baseline_chisq, baseline_df, c_baseline),
            "tli_robust": tli_robust(chisq, df, c, baseline_chisq, baseline_df, c_baseline),
            "rni_robust": rni(chisq - c * df, 0.0, baseline_chisq - c_baseline * baseline_df,
                              0.0)}
    else:
        incremental = {"cfi_robust": cfi(chisq, df, baseline_chisq, baseline_df),
                       "tli_robust": tli(chisq, df, baseline_chisq, baseline_df),
                       "rni_robust": rni(chisq, df, baseline_chisq, baseline_df)}
    if df <= 0:
        return {**incremental, "rmsea_robust": 0.0, "rmsea_ci_lower_robust": 0.0,
                "rmsea_ci_upper_robust": 0.0, "rmsea_pvalue_robust": math.nan,
                "rmsea_notclose_pvalue_robust": math.nan}
    scaled = chisq / c
    lower, upper = rmsea_ci(scaled, df, n_obs)
    root_g = math.sqrt(n_groups)
    return {
        **incremental,
        "rmsea_robust": (rmsea_robust(chisq, df, c, n_obs) * root_g if math.isfinite(c)
                         else math.nan),
        "rmsea_ci_lower_robust": lower * math.sqrt(c) * root_g,
        "rmsea_ci_upper_robust": upper * math.sqrt(c) * root_g,
        "rmsea_pvalue_robust": float(ncx2_sf(scaled, df,
                                             n_obs * df * 0.05**2 / (c * n_groups))),
        "rmsea_notclose_pvalue_robust": float(ncx2_cdf(
            scaled, df, n_obs * df * 0.08**2 / (c * n_groups))),
    }


def rmr(sample_cov: np.ndarray, implied_cov: np.ndarray) -> float:
    """Root mean square residual: raw residuals ``s_ij - sigma_ij`` over the
    ``p(p+1)/2`` non-redundant elements (lavaan's ``rmr``; no mean structure)."""
    residual = sample_cov - implied_cov
    return float(np.sqrt(np.mean(residual[np.tril_indices_from(residual)] ** 2)))


def crmr(sample_cov: np.ndarray, implied_cov: np.ndarray) -> float:
    """Correlation root mean square residual (Bollen, 1989): observed minus implied
    correlations over the ``p(p-1)/2`` off-diagonal elements (lavaan's ``crmr``)."""
    residual = _correlation_residual(sample_cov, implied_cov)
    return float(np.sqrt(np.mean(residual[np.tril_indices_from(residual, -1)] ** 2)))


def srmr_mplus(sample_cov: np.ndarray, implied_cov: np.ndarray) -> float:
    """SRMR as Mplus defines it (lavaan's ``srmr_mplus``): correlation residuals off
    the diagonal and ``(s_ii - sigma_ii) / s_ii`` on it, over ``p(p+1)/2`` elements."""
    residual = _correlation_residual(sample_cov, implied_cov)
    variances = np.diag(sample_cov)
    residual[np.diag_indices_from(residual)] = (variances - np.diag(implied_cov)) / variances
    return float(np.sqrt(np.mean(residual[np.tril_indices_from(residual)] ** 2)))


def _correlation_residual(sample_cov: np.ndarray, implied_cov: np.ndarray) -> np.ndarray:
    sd_s, sd_m = np.sqrt(np.diag(sample_cov)), np.sqrt(np.diag(implied_cov))
    return sample_cov / np.outer(sd_s, sd_s) - implied_cov / np.outer(sd_m, sd_m)


def srmr(sample_cov: np.ndarray, implied_cov: np.ndarray) -> float:
    """Standardized root mean square residual, Bentler's version (lavaan's ``srmr``).

    Residuals ``s_ij - sigma_ij`` are divided by ``sqrt(s_ii s_jj)`` (observed
    SDs) and averaged over the ``p(p+1)/2`` non-redundant elements, diagonal
    included.
    """
    sd = np.sqrt(np.diag(sample_cov))
    standardized = (sample_cov - implied_cov) / np.outer(sd, sd)
    lower = standardized[np.tril_indices_from(standardized)]
    return float(np.sqrt(np.mean(lower**2)))


def srmr_with_means(sample_cov: np.ndarray, implied_cov: np.ndarray,
                    mean_residual: np.ndarray) -> float:
    """Bentler's SRMR with a mean structure (lavaan's ``srmr`` then): covariance residuals
    over ``sqrt(s_ii s_jj)`` and mean residuals over ``sqrt(s_ii)``, averaged over the
    ``p(p+1)/2 + p`` moments."""
    sd = np.sqrt(np.diag(sample_cov))
    standardized = (sample_cov - implied_cov) / np.outer(sd, sd)
    residuals = np.concatenate([standardized[np.tril_indices_from(standardized)],
                                mean_residual / sd])
    return float(np.sqrt(np.mean(residuals**2)))


def residual_summaries_with_means(sample_cov: np.ndarray, implied_cov: np.ndarray,
                                  sample_mean: np.ndarray, implied_mean: np.ndarray
                                  ) -> dict[str, float]:
    """RMR, CRMR and Mplus SRMR with a mean structure, and their ``*_nomean`` versions.

    As lavaan (``lav_fit_srmr``): RMR adds the raw mean residuals, CRMR the mean
    residuals over the observed SDs, Mplus SRMR the differences of the means in
    SD units (observed means over observed SDs minus implied over implied), each
    averaged over ``p(p+1)/2 + p`` moments (CRMR: ``p(p-1)/2 + p``).
    """
    p = sample_cov.shape[0]
    lower, off = np.tril_indices(p), np.tril_indices(p, -1)
    sd_s, sd_m = np.sqrt(np.diag(sample_cov)), np.sqrt(np.diag(implied_cov))
    raw = sample_cov - implied_cov
    correlation = _correlation_residual(sample_cov, implied_cov)
    mplus = correlation.copy()
    mplus[np.diag_indices(p)] = np.diag(raw) / np.diag(sample_cov)
    mean_raw = sample_mean - implied_mean

    def root(values: np.ndarray) -> float:
        return float(np.sqrt(np.mean(values**2)))

    return {
        "rmr": root(np.concatenate([raw[lower], mean_raw])), "rmr_nomean": root(raw[lower]),
        "crmr": root(np.concatenate([correlation[off], mean_raw / sd_s])),
        "crmr_nomean": root(correlation[off]),
        "srmr_mplus": root(np.concatenate([mplus[lower],
                                           sample_mean / sd_s - implied_mean / sd_m])),
        "srmr_mplus_nomean": root(mplus[lower]),
        "srmr_bentler_nomean": root((raw / np.outer(sd_s, sd_s))[lower]),
    }


def gfi(sample_cov: np.ndarray, implied_cov: np.ndarray, x_index: list[int] | None = None) -> float:
    """Goodness-of-fit index for ML (Jöreskog & Sörbom, 1981), as lavaan 0.6.

    ``1 - tr[(Sigma^-1 (S - Sigma))^2] / tr[(Sigma^-1 S~)^2]``, the weighted
    least-squares form with the ML weight matrix at the estimate. With fixed.x
    covariates lavaan's weight matrix has the rows and columns of the
    covariate moments zeroed, which amounts to ``S~`` = S with its x–x block
    set to 0 (the residual of that block is 0 by construction).
    """
    weighted_residual = np.linalg.solve(implied_cov, sample_cov - implied_cov)
    target = sample_cov.copy()
    if x_index:
        target[np.ix_(x_index, x_index)] = 0.0
    weighted_target = np.linalg.solve(implied_cov, target)
    return float(1.0 - np.trace(weighted_residual @ weighted_residual)
                 / np.trace(weighted_target @ weighted_target))


def gfi_with_means(sample_cov: np.ndarray, implied_cov: np.ndarray, sample_mean: np.ndarray,
                   implied_mean: np.ndarray, x_index: list[int] | None = None,
                   patterns: Sequence[tuple[np.ndarray, float]] | None = None) -> float:
    """GFI of a model with a mean structure (Jöreskog & Sörbom, 1981), as lavaan 0.6
    computes it (``lav_fit_gfi``), for complete data or missing-data patterns.

    Parameters
    ----------
    sample_cov, implied_cov : ndarray, shape (p, p)
    sample_mean, implied_mean : ndarray, shape (p,)
        With missing data lavaan's sample statistics are the pairwise ones
        (:func:`loyaltysem.estimate.moments.pairwise_moments`), not the EM estimates.
    x_index : list of int, optional
        fixed.x covariates: their moments are left out, as :func:`gfi`.
    patterns : sequence of (observed positions, number of cases), optional
        The missing-data patterns; one pattern with every variable when not given.

    Returns
    -------
    float

    Notes
    -----
    The weighted least-squares form ``1 - (s - sigma)' W (s - sigma) / s' W s`` on the
    means and non-redundant covariances, ``s`` the sample statistics (raw means), ``sigma``
    the implied ones, ``W`` the expected information of the normal likelihood at the
    implied moments (lavaan's ``WLS.V``: ``lav_model_h1_information_expected``, with
    missing data ``lav_mvnorm_missing_information_expected``). Per pattern ``k`` of
    ``n_k`` of the ``N`` cases, observed variables ``o`` and ``A_k = (Sigma_oo)^-1``,
    ``W = (1/N) sum_k n_k diag(E_k' A_k E_k, 1/2 D' (E_k' A_k E_k x E_k' A_k E_k) D)``
    (``E_k`` selects ``o``, ``D`` the duplication matrix), so that

        (s - sigma)' W (s - sigma) = (1/N) sum_k n_k [d_o' A_k d_o + 1/2 tr((A_k R_oo)^2)]

    with ``d = m - mu`` and ``R = S - Sigma`` (``s' W s`` likewise with ``m`` and
    ``S``); complete data are the one pattern ``o = all``:
    ``d' Sigma^-1 d + 1/2 tr((Sigma^-1 (S - Sigma))^2)``.
    """
    p = implied_cov.shape[0]
    residual, target = sample_cov - implied_cov, np.array(sample_cov, dtype=float)
    d = np.asarray(sample_mean, dtype=float) - implied_mean
    mean = np.array(sample_mean, dtype=float)
    if x_index:
        for matrix in (residual, target):
            matrix[np.ix_(x_index, x_index)] = 0.0
        d[x_index] = mean[x_index] = 0.0
    misfit = total = 0.0
    for observed, count in patterns if patterns is not None else [(np.arange(p), 1.0)]:
        block = np.ix_(observed, observed)
        inverse = np.linalg.inv(implied_cov[block])
        weighted_residual = inverse @ residual[block]
        weighted_target = inverse @ target[block]
        misfit += count * (float(d[observed] @ inverse @ d[observed])
                           + 0.5 * float(np.sum(weighted_residual * weighted_residual.T)))
        total += count * (float(mean[observed] @ inverse @ mean[observed])
                          + 0.5 * float(np.sum(weighted_target * weighted_target.T)))
    return 1.0 - misfit / total


def agfi(gfi_value: float, df: float, n_variables: int, meanstructure: bool = False,
         n_groups: int = 1) -> float:
    """Adjusted GFI: ``1 - p*/df * (1 - GFI)`` with ``p* = G p(p+1)/2`` (``+ G p`` with a
    mean structure: lavaan's ``nel``, the sample statistics of all ``G`` groups); 1 when
    ``df = 0`` (lavaan 0.6-14 ``lav_fit_agfi``)."""
    if not math.isfinite(gfi_value):
        return math.nan
    if df <= 0:
        return 1.0
    return 1.0 - _gfi_elements(n_variables, meanstructure, n_groups) / df * (1.0 - gfi_value)


def _gfi_elements(n_variables: int, meanstructure: bool, n_groups: int) -> float:
    """lavaan's ``nel = length(unlist(WLS.obs))``: the sample statistics of all groups."""
    per_group = n_variables * (n_variables + 1) / 2 + (n_variables if meanstructure else 0)
    return n_groups * per_group


def normal_loglik(sample_cov: np.ndarray, implied_cov: np.ndarray, n_obs: int) -> float:
    """Normal log-likelihood of the data under the model (sample cov with divisor N).

    ``-N/2 [p log(2 pi) + log|Sigma| + tr(Sigma^-1 S)]``; with
    ``implied_cov = S`` it is the unrestricted (saturated) log-likelihood.
    """
    p = sample_cov.shape[0]
    logdet = np.linalg.slogdet(implied_cov)[1]
    trace = np.trace(np.linalg.solve(implied_cov, sample_cov))
    return float(-0.5 * n_obs * (p * math.log(2 * math.pi) + logdet + trace))


def information_criteria(loglik: float, npar: int, n_obs: int) -> dict[str, float]:
    """AIC, BIC and sample-size adjusted BIC (``bic2``, N* = (N + 2)/24)."""
    return {
        "aic": -2 * loglik + 2 * npar,
        "bic": -2 * loglik + npar * math.log(n_obs),
        "bic2": -2 * loglik + npar * math.log((n_obs + 2) / 24),
    }


def lavaan_aliases(indices: dict[str, float], meanstructure: bool = False) -> dict[str, float]:
    """The other names ``lavaan::fitMeasures()`` gives some of the statistics.

    NNFI is the TLI; lavaan's SRMR is Bentler's; without a mean structure the
    ``*_nomean`` residual summaries equal the plain ones (with one, they
    differ and are not aliased); ``logl`` and ``ntotal`` are lavaan's names
    of ``loglik`` and ``nobs``; the RMSEA settings are lavaan's defaults.
    """
    nomean = {} if meanstructure else {
        "srmr_bentler_nomean": "srmr", "rmr_nomean": "rmr", "crmr_nomean": "crmr",
        "srmr_mplus_nomean": "srmr_mplus"}
    aliases = {"nnfi": "tli", "nnfi_scaled": "tli_scaled", "nnfi_robust": "tli_robust",
               "srmr_bentler": "srmr", **nomean, "logl": "loglik",
               "unrestricted_logl": "unrestricted_loglik", "ntotal": "nobs",
               "chisq_scaling_factor": "scaling_factor", "baseline_df_scaled": "baseline_df",
               "baseline_chisq_scaling_factor": "baseline_scaling_factor"}
    out: dict[str, float] = {alias: indices[name] for alias, name in aliases.items()
                             if name in indices and (not alias.startswith("baseline_df")
                                                     or "scaling_factor" in indices)}
    out.update({"rmsea_ci_level": 0.90, "rmsea_close_h0": 0.05, "rmsea_notclose_h0": 0.08})
    return out
