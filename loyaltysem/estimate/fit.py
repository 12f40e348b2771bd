"""``fit()``: one model, one dataset, lavaan's numbers."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from ..data.survey import Survey, prepare_survey
from ..exceptions import ConvergenceError, DataError, SpecificationError
from ..frame_rows import table_rows
from ..spec import ModelSpec, load_spec
from ..spec.partable import count_moments
from . import fit_indices as fi
from .admissibility import check_admissibility, emit
from .defined import DefinedParameters
from .optimizer import OptimizationResult, bounded_warmup, fisher_scoring
from .results import ESTIMATE_COLUMNS, FitResult
from .fiml import (
    FimlObjective,
    baseline_loglik,
    baseline_trace,
    em_saturated,
    missing_patterns,
    robust_fiml,
)
from .robust import independence_model, robust_inference, satorra_bentler_inference
from .semopy_engine import SemopyModel
from .solution import parameter_values, variances
from .standardize import standardize

Estimator = Literal["ML", "MLR", "MLM"]
_Z975 = float(stats.norm.ppf(0.975))


def _as_spec(spec: ModelSpec | str | Path) -> ModelSpec:
    if isinstance(spec, ModelSpec):
        return spec
    if isinstance(spec, Path) or (isinstance(spec, str) and "\n" not in spec
                                  and Path(spec).suffix.lower() in (".yaml", ".yml", ".lav", ".txt")):
        return load_spec(spec)
    if isinstance(spec, str):
        return ModelSpec.from_lavaan(spec)
    raise SpecificationError(f"spec must be a ModelSpec, a spec file path or lavaan syntax; "
                             f"got {type(spec).__name__}")


def _roles_for_messages(spec: ModelSpec) -> dict[str, str]:
    roles: dict[str, str] = {}
    for construct in spec.constructs.values():
        for item in construct.items:
            roles.setdefault(item, f"item of construct {construct.name}")
    return roles


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


def robust_fit_indices(robust, sample_cov: np.ndarray, data: np.ndarray, x_index: list[int],
                       chisq: float, df: int, baseline_chisq: float, baseline_df: int,
                       n: int, estimator: Estimator = "MLR") -> dict[str, float]:
    """Scaled and robust fit statistics of an MLR or MLM fit (lavaan 0.6 ``fitMeasures`` names).

    The baseline's scaling factor comes from the same method (Yuan–Bentler for
    MLR, Satorra–Bentler for MLM) at the baseline's estimates.
    """
    implied_b, theta_b = independence_model(sample_cov, x_index)
    if estimator == "MLM":
        baseline = satorra_bentler_inference(implied_b, theta_b, data, baseline_df, x_index)
    else:
        baseline = robust_inference(implied_b, theta_b, data, sample_cov, baseline_df, x_index,
                                    trace_h1=robust.trace_h1)
    c, c_b = robust.scaling_factor, baseline.scaling_factor
    chisq_scaled = chisq / c if df > 0 else chisq
    baseline_scaled = baseline_chisq / c_b
    # lavaan: the 'scaled' RMSEA interval and p-value use the unscaled statistic
    # with df * c degrees of freedom (tr(U Gamma)); the point value equals the
    # naive RMSEA of the scaled statistic
    lower, upper = fi.rmsea_ci(chisq, df * c, n) if df > 0 else (0.0, 0.0)
    lower_r, upper_r = fi.rmsea_ci(chisq_scaled, df, n)
    robust_ncp = n * df * 0.05**2 / c if df > 0 else math.nan
    return {
        "chisq_scaled": chisq_scaled, "df_scaled": df,
        "pvalue_scaled": fi.chisq_pvalue(chisq_scaled, df), "scaling_factor": c,
        "baseline_chisq_scaled": baseline_scaled,
        "baseline_pvalue_scaled": fi.chisq_pvalue(baseline_scaled, baseline_df),
        "baseline_scaling_factor": c_b,
        "cfi_robust": fi.cfi_robust(chisq, df, c, baseline_chisq, baseline_df, c_b),
        "tli_robust": fi.tli_robust(chisq, df, c, baseline_chisq, baseline_df, c_b),
        "rmsea_scaled": fi.rmsea(chisq_scaled, df, n),
        "rmsea_ci_lower_scaled": lower, "rmsea_ci_upper_scaled": upper,
        "rmsea_pvalue_scaled": fi.rmsea_pvalue(chisq, df * c, n) if df > 0 else math.nan,
        "rmsea_robust": fi.rmsea_robust(chisq, df, c, n),
        "rmsea_ci_lower_robust": lower_r * math.sqrt(c) if df > 0 else 0.0,
        "rmsea_ci_upper_robust": upper_r * math.sqrt(c) if df > 0 else 0.0,
        "rmsea_pvalue_robust": (float(stats.ncx2.sf(chisq_scaled, df, robust_ncp))
                                if df > 0 else math.nan),
        "rmsea_notclose_pvalue_scaled": (fi.rmsea_notclose_pvalue(chisq, df * c, n)
                                         if df > 0 else math.nan),
        "rmsea_notclose_pvalue_robust": (
            float(special.chndtr(chisq_scaled, df, n * df * 0.08**2 / c)) if df > 0 else math.nan),
        # the incremental indices of the scaled statistics, and the robust RNI
        **{f"{name}_scaled": value for name, value in
           fi.incremental_indices(chisq_scaled, df, baseline_scaled, baseline_df).items()},
        "rni_robust": fi.rni(chisq - c * df, 0.0, baseline_chisq - c_b * baseline_df, 0.0)
        if df > 0 else fi.rni(chisq, df, baseline_chisq, baseline_df),
    }


def _check_fiml_supported(spec: ModelSpec, estimator: str) -> None:
    if spec.roles.ov_x:
        raise SpecificationError(
            "missing='ml' is not available for models with fixed.x covariates ("
            + ", ".join(spec.roles.ov_x) + ") yet; use missing='listwise'", source=spec.source)
    if estimator == "MLM":
        raise SpecificationError("estimator 'MLM' with missing='ml' is not available (lavaan "
                                 "does not offer it either); use estimator 'MLR'",
                                 source=spec.source)


@dataclass(frozen=True)
class _FimlFit:
    """What a full-information fit adds to the covariance-structure fit."""

    result: OptimizationResult  # x: the covariance parameters; fun: F - F_h1
    nu: np.ndarray
    vcov: np.ndarray  # of (theta, nu)
    observed_information: np.ndarray
    loglik: float
    loglik_h1: float
    loglik_baseline: float
    em_mean: np.ndarray
    # MLR: (scaling factor, trace h1, trace h0, baseline scaling factor)
    robust: tuple[float, float, float, float] | None = None

    def intercept_rows(self, order: list[str], latent_names: Sequence[str],
                       total_variance: dict[str, float]) -> pd.DataFrame:
        """Rows ``~1``: the observed intercepts (free) and the latent means (fixed at 0)."""
        q = self.vcov.shape[0] - self.nu.size
        se = np.sqrt(np.clip(np.diag(self.vcov)[q:], 0, None))
        sd = np.sqrt([total_variance[v] for v in order])
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, self.nu / se, np.nan)
        latent = pd.DataFrame({  # latent means, fixed at 0 (lavaan lists them)
            "lhs": list(latent_names), "op": "~1", "rhs": "", "free": 0, "label": "",
            "ustart": 0.0, "user": 0, "exo": 0, "line": None, "est": 0.0, "se": 0.0,
            "z": np.nan, "pvalue": np.nan, "ci_lower": 0.0, "ci_upper": 0.0, "std_lv": 0.0,
            "std_all": 0.0})
        observed = pd.DataFrame({
            "lhs": order, "op": "~1", "rhs": "", "free": np.arange(q + 1, q + 1 + self.nu.size),
            "label": "", "ustart": np.nan, "user": 0, "exo": 0, "line": None, "est": self.nu,
            "se": se, "z": z, "pvalue": 2 * stats.norm.sf(np.abs(z)),
            "ci_lower": self.nu - _Z975 * se, "ci_upper": self.nu + _Z975 * se,
            "std_lv": self.nu, "std_all": self.nu / sd})
        return pd.concat([observed, latent], ignore_index=True)

    def fit_indices(self, indices: dict, sample_cov: np.ndarray, sigma: np.ndarray,
                    n: int) -> dict[str, float]:
        """The statistics that change with a mean structure and the EM h1 (lavaan's FIML)."""
        npar = int(indices["npar"]) + self.nu.size
        baseline_chisq = 2.0 * (self.loglik_h1 - self.loglik_baseline)
        chisq, df, baseline_df = indices["chisq"], indices["df"], indices["baseline_df"]
        out: dict[str, float] = {
            "npar": npar, "baseline_chisq": baseline_chisq,
            "baseline_pvalue": fi.chisq_pvalue(baseline_chisq, baseline_df),
            **fi.incremental_indices(chisq, df, baseline_chisq, baseline_df),
            "srmr": fi.srmr_with_means(sample_cov, sigma, self.em_mean - self.nu),
            "loglik": self.loglik, "unrestricted_loglik": self.loglik_h1,
            **fi.information_criteria(self.loglik, npar, n),
            "ecvi": fi.ecvi(chisq, npar, n),
            **fi.residual_summaries_with_means(sample_cov, sigma, self.em_mean, self.nu),
            # lavaan's GFI family with a mean structure is not reproduced: not reported
            "gfi": math.nan, "agfi": math.nan, "pgfi": math.nan,
        }
        if self.robust is not None:
            c, trace_h1, trace_h0, c_b = self.robust
            chisq_scaled = chisq / c if df > 0 else chisq
            baseline_scaled = baseline_chisq / c_b
            lower, upper = fi.rmsea_ci(chisq, df * c, n) if df > 0 else (0.0, 0.0)
            moments = self.nu.size * (self.nu.size + 1) // 2 + self.nu.size
            out.update({
                "chisq_scaled": chisq_scaled, "df_scaled": df,
                "pvalue_scaled": fi.chisq_pvalue(chisq_scaled, df), "scaling_factor": c,
                "baseline_chisq_scaled": baseline_scaled, "baseline_scaling_factor": c_b,
                "baseline_pvalue_scaled": fi.chisq_pvalue(baseline_scaled, baseline_df),
                **{f"{name}_scaled": value for name, value in fi.incremental_indices(
                    chisq_scaled, df, baseline_scaled, baseline_df).items()},
                "rmsea_scaled": fi.rmsea(chisq_scaled, df, n),
                "rmsea_ci_lower_scaled": lower, "rmsea_ci_upper_scaled": upper,
                "rmsea_pvalue_scaled": (fi.rmsea_pvalue(chisq, df * c, n) if df > 0
                                        else math.nan),
                "rmsea_notclose_pvalue_scaled": (fi.rmsea_notclose_pvalue(chisq, df * c, n)
                                                 if df > 0 else math.nan),
                "scaling_factor_h1": trace_h1 / moments, "scaling_factor_h0": trace_h0 / npar,
            })
        return out


def _fit_fiml(model: SemopyModel, values: np.ndarray, start: OptimizationResult,
              em_mean: np.ndarray, loglik_h1: float, robust: bool = False) -> _FimlFit:
    """Full-information ML from the covariance-structure fit to the EM moments;
    ``robust``: MLR's sandwich covariance and Yuan–Bentler scaling (see :func:`robust_fiml`)."""
    patterns = missing_patterns(values)
    objective = FimlObjective(model, patterns)
    x0 = np.concatenate([start.x, em_mean])
    found = fisher_scoring(objective.discrepancy, objective.gradient_and_information, x0)
    q = model.n_free
    n = objective.n_obs
    constant = sum(pattern.n * pattern.observed.size for pattern in patterns) * math.log(2 * math.pi)
    f_h1 = (-2.0 * loglik_h1 - constant) / n
    observed = objective.observed_information(found.x)
    try:
        vcov = np.linalg.inv(n * observed)
    except np.linalg.LinAlgError:
        vcov = np.linalg.pinv(n * observed)
    scaling = None
    if robust:
        p = values.shape[1]
        df = p * (p + 1) // 2 - q
        try:
            vcov, c, trace_h1, trace_h0 = robust_fiml(objective, found.x, df, em_mean,
                                                      model.sample_cov)
        except np.linalg.LinAlgError as error:
            raise ConvergenceError("the observed information matrix is singular: robust (MLR) "
                                   "standard errors cannot be computed for this solution") \
                from error
        c_b = (trace_h1 - baseline_trace(patterns, p)) / (p * (p - 1) // 2)
        scaling = (c, trace_h1, trace_h0, c_b)
    result = OptimizationResult(found.x[:q], found.fun - f_h1, found.gradient[:q],
                                found.information[:q, :q], found.converged,
                                start.iterations + found.iterations, found.message)
    return _FimlFit(result, found.x[q:], vcov, observed, objective.loglik(found.x), loglik_h1,
                    baseline_loglik(patterns, values.shape[1]), em_mean, scaling)


def _optimize(model: SemopyModel, start: np.ndarray | None) -> OptimizationResult:
    """Fisher scoring from a warm start if given, else from semopy's start values.

    From semopy's start values a bounded L-BFGS-B warm-up first brings the
    parameters into the basin of the optimum (see :func:`bounded_warmup`);
    scoring then converges to the unbounded optimum.
    """
    best: OptimizationResult | None = None
    if start is not None:
        best = fisher_scoring(model.discrepancy, model.gradient_and_information, start)
        if best.converged:
            return best
    seed = bounded_warmup(model.discrepancy, model.gradient, model.start, model.variance_index)
    result = fisher_scoring(model.discrepancy, model.gradient_and_information, seed)
    if best is None or result.converged or (np.isfinite(result.fun) and result.fun < best.fun):
        best = result
    return best


def fit(
    spec: ModelSpec | str | Path,
    data: pd.DataFrame | str | Path,
    *,
    estimator: Estimator = "ML",
    missing: Literal["listwise", "ml"] = "listwise",
    na_values: list[float | str] | None = None,
    start: np.ndarray | None = None,
    emit_warnings: bool = True,
) -> FitResult:
    """Fit a structural equation model by maximum likelihood, as lavaan's ``sem()``.

    Parameters
    ----------
    spec : ModelSpec, path or str
        The model: a ModelSpec, a ``.yaml``/``.lav`` file, or lavaan syntax.
    data : pandas.DataFrame, path or str
        Survey data with one column per observed variable, or a CSV path,
        or the name of a shipped dataset (see :func:`loyaltysem.data.list_datasets`).
    estimator : {"ML", "MLR", "MLM"}
        ``"ML"``: normal-theory maximum likelihood (lavaan's default:
        likelihood with divisor N, expected-information standard errors).
        ``"MLR"``: the same estimates with Huber–White sandwich standard
        errors (observed information) and the Yuan–Bentler (Mplus) scaled
        chi-square with scaled and robust CFI/TLI/RMSEA, as lavaan's
        ``estimator = "MLR"`` (see :mod:`.robust`). ``"MLM"``: robust
        standard errors from the expected information and the
        Satorra–Bentler scaled chi-square, as lavaan's ``estimator = "MLM"``
        (not for models with fixed.x covariates).
    missing : {"listwise", "ml"}
        ``"ml"``: full-information ML (lavaan's ``missing = "ml"``): every
        row with at least one value is used, a mean structure (free
        intercepts) is added, standard errors come from the observed
        information and chi-square is against the EM estimates of the
        unrestricted model (see :mod:`.fiml`); with ``estimator="MLR"``
        the sandwich SEs and Yuan–Bentler scaled statistics of lavaan's
        ``estimator = "MLR", missing = "ml"``. ``"listwise"``:
        Rows with a missing value in a model variable are dropped, with a
        warning that says how many.
    na_values : list, optional
        Codes that mean missing (e.g. ``[-99]``).
    start : ndarray, optional
        Start values for the free parameters (e.g. a previous fit's
        ``theta``), tried before semopy's.
    emit_warnings : bool
        Issue admissibility problems as Python warnings (they are always in
        ``result.warnings``).

    Returns
    -------
    FitResult

    Raises
    ------
    SpecificationError, DataError
        For a bad spec or bad data, with what to do.
    ConvergenceError
        If no start value gives a positive-definite implied covariance.

    Notes
    -----
    The model is built by semopy (see :mod:`.semopy_engine`) and estimated by
    Fisher scoring on the ML discrepancy
    ``F = tr(S Sigma^-1) + log|Sigma| - log|S| - p`` to a gradient below 1e-9;
    ``chisq = N F``. Standard errors are
    ``sqrt(diag((N I)^-1))`` with ``I`` the expected information.

    References
    ----------
    Bollen, K. A. (1989). Structural equations with latent variables. Wiley.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
    Journal of Statistical Software, 48(2), 1-36.

    Examples
    --------
    >>> from loyaltysem import fit, load_dataset
    >>> result = fit("models/hs_cfa.lav", load_dataset("holzinger_swineford"))  # doctest: +SKIP
    >>> round(result.fit_indices["chisq"], 3)    # lavaan: sem(HS.model, data = HolzingerSwineford1939)
    85.306
    """
    if estimator not in ("ML", "MLR", "MLM"):
        raise ValueError(f"estimator must be 'ML', 'MLR' or 'MLM'; got {estimator!r}")
    spec = _as_spec(spec)
    if isinstance(data, (str, Path)):
        from ..data.registry import resolve_data

        data = resolve_data(data, na_values=na_values)
    survey = prepare_survey(data, spec.observed_variables, missing=missing, na_values=na_values,
                            roles=_roles_for_messages(spec))
    return fit_survey(spec, survey, estimator=estimator, start=start, emit_warnings=emit_warnings)


def fit_survey(spec: ModelSpec, survey: Survey, *, estimator: Estimator = "ML",
               start: np.ndarray | None = None, emit_warnings: bool = True) -> FitResult:
    """Fit to already validated survey data (see :func:`fit`)."""
    frame = survey.data[list(spec.observed_variables)]
    fiml = survey.missing == "ml" and bool(frame.isna().to_numpy().any())
    if fiml:
        _check_fiml_supported(spec, estimator)
        em_mean, sample, loglik_h1 = em_saturated(missing_patterns(frame.to_numpy(float)),
                                                  frame.shape[1])
    else:
        sample = np.cov(frame.to_numpy(), rowvar=False, bias=True)
    eigenvalues, eigenvectors = np.linalg.eigh(np.atleast_2d(sample))
    if eigenvalues.min() <= 1e-10 * max(eigenvalues.max(), 1.0):
        null_direction = np.abs(eigenvectors[:, 0] * np.sqrt(np.diag(sample)))
        involved = [frame.columns[i] for i in np.argsort(-null_direction)
                    if null_direction[i] > 0.05 * null_direction.max()]
        raise DataError(
            "the sample covariance matrix is not positive definite (smallest eigenvalue "
            f"{eigenvalues.min():.3g}): the items {', '.join(involved)} are linearly dependent "
            "(one is a sum or copy of others); remove duplicated or summed items")
    table = spec.parameter_table
    model = SemopyModel(table, frame)
    order = model.observed
    if fiml:
        position = [list(frame.columns).index(v) for v in order]
        em_mean = em_mean[position]
        model.set_sample_cov(sample[np.ix_(position, position)])
    result = _optimize(model, start if not fiml else None)
    if not np.isfinite(result.fun):
        raise ConvergenceError(
            "no start values give a positive-definite implied covariance matrix; check the "
            "model (e.g. fixed values) or provide start values")
    n = survey.n
    fiml_fit = None
    if fiml:
        fiml_fit = _fit_fiml(model, frame[order].to_numpy(float), result, em_mean, loglik_h1,
                             robust=estimator == "MLR")
        result = fiml_fit.result
    theta = result.x
    sigma = model.implied(theta)
    s = model.sample_cov

    # --- parameter estimates ------------------------------------------------
    information = n * result.information
    info_eigen = np.linalg.eigvalsh(information) if information.size else np.array([])
    try:
        vcov = np.linalg.inv(information)
        if not np.all(np.isfinite(vcov)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        vcov = np.linalg.pinv(information)
    if fiml_fit is not None:
        info_eigen = np.linalg.eigvalsh(n * fiml_fit.observed_information)
        vcov = fiml_fit.vcov[:model.n_free, :model.n_free]
    robust = None
    if estimator == "MLR" and fiml_fit is None:
        robust = robust_inference(model.implied_and_jacobian, theta, frame[order].to_numpy(float),
                                  s, count_moments(spec.roles) - model.n_free,
                                  [order.index(v) for v in spec.roles.ov_x])
        vcov = robust.vcov
    elif estimator == "MLM":
        if spec.roles.ov_x:
            raise SpecificationError(
                "estimator 'MLM' is not available for models with fixed.x covariates ("
                + ", ".join(spec.roles.ov_x) + "): lavaan treats their moments in the "
                "Satorra-Bentler correction in a way loyaltysem does not reproduce yet; use "
                "estimator 'MLR'", source=spec.source)
        robust = satorra_bentler_inference(model.implied_and_jacobian, theta,
                                           frame[order].to_numpy(float),
                                           count_moments(spec.roles) - model.n_free)
        vcov = robust.vcov
    est_rows = table.copy()
    defined = DefinedParameters(table)
    est = parameter_values(table, theta, s, order, defined)
    free = table["free"].to_numpy()
    se = np.where(free > 0, np.sqrt(np.clip(np.diag(vcov), 0, None))[np.maximum(free - 1, 0)]
                  if len(theta) else 0.0, 0.0)
    is_defined = est_rows["op"].to_numpy() == ":="
    if len(defined):
        se[is_defined] = np.sqrt(np.clip(np.diag(defined.covariance(theta, vcov)), 0, None))
    est_rows["est"] = est
    est_rows["se"] = se
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    est_rows["z"] = z
    est_rows["pvalue"] = 2 * stats.norm.sf(np.abs(z))
    est_rows["ci_lower"] = est - _Z975 * se
    est_rows["ci_upper"] = est + _Z975 * se

    # --- variances, standardized solution, R² -------------------------------
    latent = list(spec.roles.latent)
    total_variance, latent_cov = variances(model, theta, latent)
    std_lv, std_all = standardize(est_rows, total_variance, set(latent))
    est_rows["std_lv"] = std_lv
    est_rows["std_all"] = std_all
    if fiml_fit is not None:  # the intercepts of the mean structure
        est_rows = pd.concat([est_rows, fiml_fit.intercept_rows(order, latent, total_variance)],
                             ignore_index=True)
    residual_variance = {row.lhs: row.est for row in table_rows(est_rows)
                         if row.op == "~~" and row.lhs == row.rhs}
    r2 = pd.Series({name: 1.0 - residual_variance[name] / total_variance[name]
                    for name in spec.roles.endogenous}, name="r2", dtype=float)

    # --- fit indices ----------------------------------------------------------
    roles = spec.roles
    npar = model.n_free
    df = count_moments(roles) - npar
    chisq = n * result.fun
    p = len(order)
    x_index = [order.index(v) for v in roles.ov_x]
    baseline_chisq = fi.independence_chisq(s, n, x_index)
    baseline_df = count_moments(roles) - (p - len(roles.ov_x))
    loglik = fi.normal_loglik(s, sigma, n)
    unrestricted_loglik = fi.normal_loglik(s, s, n)
    if x_index:  # fixed.x: lavaan reports the likelihood conditional on the covariates
        s_xx = s[np.ix_(x_index, x_index)]
        marginal_x = fi.normal_loglik(s_xx, s_xx, n)
        loglik -= marginal_x
        unrestricted_loglik -= marginal_x
    gfi = fi.gfi(s, sigma, x_index)
    rmsea_lower, rmsea_upper = fi.rmsea_ci(chisq, df, n)
    indices = {
        "npar": npar, "nobs": n, "fmin": result.fun / 2, "chisq": chisq, "df": df,
        "pvalue": fi.chisq_pvalue(chisq, df),
        "baseline_chisq": baseline_chisq, "baseline_df": baseline_df,
        "baseline_pvalue": fi.chisq_pvalue(baseline_chisq, baseline_df),
        **fi.incremental_indices(chisq, df, baseline_chisq, baseline_df),
        "rmsea": fi.rmsea(chisq, df, n),
        "rmsea_ci_lower": rmsea_lower, "rmsea_ci_upper": rmsea_upper,
        "rmsea_pvalue": fi.rmsea_pvalue(chisq, df, n),
        "rmsea_notclose_pvalue": fi.rmsea_notclose_pvalue(chisq, df, n),
        "srmr": fi.srmr(s, sigma), "gfi": gfi, "agfi": fi.agfi(gfi, df, p),
        "pgfi": fi.pgfi(gfi, df, p), "mfi": fi.mfi(chisq, df, n),
        "ecvi": fi.ecvi(chisq, npar, n),
        "cn_05": fi.hoelter_cn(chisq, df, n, 0.05), "cn_01": fi.hoelter_cn(chisq, df, n, 0.01),
        "rmr": fi.rmr(s, sigma), "crmr": fi.crmr(s, sigma), "srmr_mplus": fi.srmr_mplus(s, sigma),
        "loglik": loglik, "unrestricted_loglik": unrestricted_loglik,
        **fi.information_criteria(loglik, npar, n),
    }
    if robust is not None:
        indices.update(robust_fit_indices(robust, s, frame[order].to_numpy(float), x_index, chisq,
                                          df, baseline_chisq, baseline_df, n, estimator))
    if robust is not None and estimator == "MLR":
        # Yuan-Bentler's scaling factors of the saturated (h1) and fitted (h0) models
        indices["scaling_factor_h1"] = robust.trace_h1 / count_moments(roles)
        # lavaan divides by the free parameters before equality constraints (label sharing)
        free_rows = int((spec.parameter_table["free"] > 0).sum())
        indices["scaling_factor_h0"] = robust.trace_h0 / free_rows if free_rows else math.nan
    if fiml_fit is not None:
        indices.update(fiml_fit.fit_indices(indices, s, sigma, n))
    indices.update(lavaan_aliases(indices, meanstructure=fiml_fit is not None))
    fit_series = pd.Series(indices, dtype=object)

    # --- admissibility --------------------------------------------------------
    observed_set = set(order)
    residual = pd.DataFrame(0.0, index=order, columns=order)
    for row in table_rows(est_rows):
        if row.op == "~~" and row.lhs in observed_set and row.rhs in observed_set \
                and row.lhs not in roles.ov_x:
            residual.at[row.lhs, row.rhs] = residual.at[row.rhs, row.lhs] = row.est
    residual = residual.loc[[v for v in order if v not in roles.ov_x],
                            [v for v in order if v not in roles.ov_x]]
    problems = check_admissibility(
        est_rows, latent_cov, residual, converged=result.converged,
        optimizer_message=result.message, information_eigenvalues=info_eigen)
    if emit_warnings:
        emit(problems, stacklevel=4)
    messages = tuple(list(survey.notes) + [p.message for p in problems])

    free_names = {}
    for row in table_rows(table):
        if row.free > 0 and row.free not in free_names:
            free_names[row.free] = f"{row.lhs}{row.op}{row.rhs}"
    names = [free_names[k] for k in range(1, npar + 1)]
    estimates = est_rows[list(ESTIMATE_COLUMNS)].copy()
    estimates["label"] = estimates["label"].fillna("")
    return FitResult(
        spec=spec,
        estimates=estimates.reset_index(drop=True),
        fit_indices=fit_series,
        r2=r2,
        implied_cov=pd.DataFrame(sigma, index=order, columns=order),
        sample_cov=pd.DataFrame(s, index=order, columns=order),
        latent_cov=latent_cov,
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        converged=result.converged,
        iterations=result.iterations,
        warnings=messages,
        estimator=estimator,
        se_type=("standard (observed information)" if fiml_fit is not None else
                 {"ML": "standard", "MLR": "sandwich (observed information)",
                  "MLM": "robust.sem (expected information)"}[estimator]),
        missing="ml" if fiml_fit is not None else "listwise",
        data=frame,
        n_dropped=survey.n_dropped,
        theta=theta.copy(),
        problems=tuple(problems),
    )


__all__ = ["fit", "fit_survey", "FitResult"]
