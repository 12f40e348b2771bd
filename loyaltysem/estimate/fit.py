"""``fit()``: one model, one dataset, lavaan's numbers."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..arguments import check_bool, check_choice, check_start, fail
from ..data.checks import NaValues
from ..data.survey import Survey, prepare_survey
from ..exceptions import ConvergenceError, DataError, SpecificationError
from ..frame_rows import table_rows
from ..spec import ModelSpec, load_spec
from ..spec.partable import count_moments
from . import fit_indices as fi
from .admissibility import check_admissibility, emit
from .defined import DefinedParameters
from .fiml import em_saturated, missing_patterns
from .full_information import check_fiml_supported, fit_fiml
from .optimizer import OptimizationResult, bounded_warmup, fisher_scoring
from .results import ESTIMATE_COLUMNS, FitResult
from .robust import robust_fit_indices, robust_inference, satorra_bentler_inference
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
    na_values: NaValues = None,
    start: np.ndarray | None = None,
    emit_warnings: bool = True,
    allow_codes: bool = False,
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
        (fixed.x covariates handled as lavaan does).
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
    na_values : number, str or list, optional
        Codes that mean missing (e.g. ``[-99]`` or ``-99``).
    start : ndarray, optional
        Start values for the free parameters (e.g. a previous fit's
        ``theta``), tried before semopy's.
    emit_warnings : bool
        Issue admissibility problems as Python warnings (they are always in
        ``result.warnings``).
    allow_codes : bool
        Keep values that look like missing-value codes (-99 in a 1-7 item) as
        answers; by default they are refused unless declared in ``na_values``
        (see :func:`loyaltysem.data.find_missing_codes`).

    Returns
    -------
    FitResult

    Raises
    ------
    ArgumentError
        For an argument of the wrong value or type (``estimator="XYZ"``,
        ``start`` of the wrong length or not finite...), before any work.
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
    check_choice("estimator", estimator, ("ML", "MLR", "MLM"))
    check_choice("missing", missing, ("listwise", "ml"))
    check_bool("emit_warnings", emit_warnings)
    spec = _as_spec(spec)
    start = check_start(start, spec.n_free_parameters)
    if isinstance(data, (str, Path)):
        from ..data.registry import resolve_data

        data = resolve_data(data, na_values=na_values)
    survey = prepare_survey(data, spec.observed_variables, missing=missing, na_values=na_values,
                            roles=_roles_for_messages(spec), allow_codes=allow_codes)
    return fit_survey(spec, survey, estimator=estimator, start=start, emit_warnings=emit_warnings)


def fit_survey(spec: ModelSpec, survey: Survey, *, estimator: Estimator = "ML",
               start: np.ndarray | None = None, emit_warnings: bool = True) -> FitResult:
    """Fit to already validated survey data (see :func:`fit`)."""
    if not isinstance(spec, ModelSpec):
        raise fail("spec", "a ModelSpec (fit() also reads files and lavaan syntax)", spec)
    if not isinstance(survey, Survey):
        raise fail("survey", "a Survey (from loyaltysem.data.survey.prepare_survey)", survey)
    check_choice("estimator", estimator, ("ML", "MLR", "MLM"))
    check_bool("emit_warnings", emit_warnings)
    start = check_start(start, spec.n_free_parameters)
    frame = survey.data[list(spec.observed_variables)]
    fiml = survey.missing == "ml" and bool(frame.isna().to_numpy().any())
    if fiml:
        check_fiml_supported(spec, estimator, frame)
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
        fiml_fit = fit_fiml(model, frame[order].to_numpy(float), result, em_mean, loglik_h1,
                            robust=estimator == "MLR",
                            covariates=[order.index(v) for v in spec.roles.ov_x])
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
        robust = satorra_bentler_inference(model.implied_and_jacobian, theta,
                                           frame[order].to_numpy(float),
                                           count_moments(spec.roles) - model.n_free,
                                           [order.index(v) for v in spec.roles.ov_x])
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
        est_rows = pd.concat([est_rows, fiml_fit.intercept_rows(model, order, latent,
                                                                total_variance)],
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
    indices.update(fi.lavaan_aliases(indices, meanstructure=fiml_fit is not None))
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
