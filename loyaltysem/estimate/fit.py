"""``fit()``: one model, one dataset, lavaan's numbers."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arguments import ArgumentError, check_bool, check_choice, check_start, fail
from ..data.arrays import column_blocks
from ..data.checks import NaValues
from ..data.summary import SummaryStatistics, restricted, summary_statistics
from ..data.survey import Survey, prepare_survey
from ..exceptions import ConvergenceError, DataError, SpecificationError
from ..spec import ModelSpec, load_spec
from ..spec.partable import count_moments
from . import fit_indices as fi
from .admissibility import check_admissibility, emit
from .assemble import inference_columns
from .defined import DefinedParameters
from .estimation import minimize
from .full_information import check_fiml_supported, fiml_fit_indices, with_mean_structure
from .inference import Covariance, RobustTests, information_vcov, sandwich_vcov
from .layout_cache import cached_layout
from .ml import CoreModel, MLFunctions
from .moments import complete_moments, missing_moments, summary_moments
from .optimizer import OptimizationResult
from .results import ESTIMATE_COLUMNS, FitResult
from .reference_models import reference_trace
from .robust import RobustInference, robust_fit_indices, satorra_bentler_inference
from .solution import implied_variances, parameter_values
from .standardize import standardize_values

Estimator = Literal["ML", "MLR", "MLM"]
ESTIMATORS: tuple[str, ...] = ("ML", "MLR", "MLM")
MISSING_OPTIONS: tuple[str, ...] = ("listwise", "ml", "ml.x")


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


def fit(
    spec: ModelSpec | str | Path,
    data: pd.DataFrame | str | Path | None = None,
    *,
    estimator: Estimator = "ML",
    missing: Literal["listwise", "ml", "ml.x"] = "listwise",
    na_values: NaValues = None,
    start: np.ndarray | None = None,
    emit_warnings: bool = True,
    allow_codes: bool = False,
    sample_cov: pd.DataFrame | str | Path | None = None,
    nobs: int | None = None,
    sample_mean: pd.Series | str | Path | None = None,
    sample_cor: pd.DataFrame | str | Path | None = None,
    sample_sd: pd.Series | str | Path | None = None,
    sample_cov_rescale: bool = True,
    meanstructure: bool | None = None,
    std_lv: bool | None = None,
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
        (fixed.x covariates handled as lavaan does). Both also with a mean
        structure (``meanstructure=True`` or ``~1`` rows): the casewise scores and
        ``Gamma`` then include the means (Satorra & Bentler 1994; Yuan & Bentler
        2000).
    missing : {"listwise", "ml", "ml.x"}
        ``"ml.x"``: as ``"ml"``, keeping the cases with missing covariates
        (lavaan's ``missing = "ml.x"``; their moments are fixed at the EM
        estimates). ``"ml"``: full-information ML (lavaan's ``missing = "ml"``;
        cases with a missing fixed.x covariate are dropped, as lavaan): every
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
    sample_cov, nobs : pandas.DataFrame or path, int, optional
        Fit from summary statistics instead of ``data`` (lavaan's
        ``sample.cov``, ``sample.nobs``): a covariance matrix with the
        variable names as index and columns (or a CSV file with the names in
        its first row and column), divisor N − 1 as R's ``cov()``, rescaled
        to the ML divisor N unless ``sample_cov_rescale=False``; see
        :mod:`loyaltysem.data.summary`. Estimator ML only (robust estimators
        need the cases).
    sample_mean : pandas.Series or path, optional
        Means of the variables: the model gets lavaan's mean structure (free
        intercepts, latent means 0).
    sample_cor, sample_sd : optional
        A correlation matrix and the SDs instead of ``sample_cov``.
    sample_cov_rescale : bool
        lavaan's ``sample.cov.rescale``.

    meanstructure : bool, optional
        lavaan's ``meanstructure = TRUE``: a free intercept for every observed
        variable (the covariates' means fixed at the sample means) and latent
        means 0; with complete data the estimates and chi-square are those of the
        covariance structure, ``npar``/``df`` count the means. Any ``~ 1`` in
        the syntax turns it on (lavaan's convention). None: the spec's setting.
    std_lv : bool, optional
        lavaan's ``std.lv = TRUE``: latent (residual) variances fixed at 1 and
        every loading free. None: the spec's setting.
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
    The model's matrices are laid out by semopy (:mod:`.structure`) and the
    model is estimated by the one core (:mod:`.ml`, :mod:`.estimation`): Fisher
    scoring on the ML discrepancy
    ``F = tr(S Sigma^-1) + log|Sigma| - log|S| - p`` to a gradient below 1e-9;
    ``chisq = N F``. Standard errors are
    ``sqrt(diag((N I)^-1))`` with ``I`` the expected information.

    References
    ----------
    Bollen, K. A. (1989). Structural equations with latent variables. Wiley.
    Satorra, A., & Bentler, P. M. (1994). Corrections to test statistics and standard
    errors in covariance structure analysis. In von Eye & Clogg (Eds.), Latent variables
    analysis (pp. 399-419). Sage.
    Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. Sociological Methodology,
    30, 165-200.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
    Journal of Statistical Software, 48(2), 1-36.

    Examples
    --------
    >>> from loyaltysem import fit, load_dataset
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> result = fit(model, load_dataset("holzinger_swineford"))
    >>> round(float(result.fit_indices["chisq"]), 3)  # lavaan: sem(HS.model, HolzingerSwineford1939)
    85.306

    From summary statistics (a covariance matrix, divisor N - 1, and N):

    >>> data = load_dataset("holzinger_swineford")[[f"x{i}" for i in range(1, 10)]]
    >>> summary = fit(model, sample_cov=data.cov(), nobs=len(data))
    >>> round(float(summary.fit_indices["chisq"]), 3)
    85.306
    """
    spec, start = _checked_fit_arguments(
        spec, estimator=estimator, missing=missing, emit_warnings=emit_warnings,
        sample_cov_rescale=sample_cov_rescale, meanstructure=meanstructure, std_lv=std_lv,
        start=start)
    from_summary = sample_cov is not None or sample_cor is not None
    check_data_or_summary(data, from_summary)
    if from_summary:
        stats = summary_statistics(sample_cov, nobs, mean=sample_mean, cor=sample_cor,
                                   sd=sample_sd, rescale=sample_cov_rescale)
        return fit_summary(spec, stats, estimator=estimator, start=start,
                           emit_warnings=emit_warnings)
    assert data is not None  # check_data_or_summary
    survey = _checked_survey(spec, data, missing=missing, na_values=na_values,
                             allow_codes=allow_codes)
    return fit_survey(spec, survey, estimator=estimator, start=start, emit_warnings=emit_warnings)


def check_estimator_and_missing(estimator: Any, missing: Any,
                                estimators: tuple[str, ...] = ESTIMATORS) -> None:
    """Refuse an unknown estimator or missing-data option (of :func:`fit` and the multi-group
    fits; ``estimators``: those the caller offers)."""
    check_choice("estimator", estimator, estimators)
    check_choice("missing", missing, MISSING_OPTIONS)


def check_data_or_summary(data: Any, from_summary: bool) -> None:
    """Refuse both data and summary statistics, or neither (``from_summary``: whether
    ``sample_cov=`` or ``sample_cor=`` was given)."""
    if from_summary and data is not None:
        raise ArgumentError("give either data or summary statistics (sample_cov=, nobs=), "
                            "not both")
    if not from_summary and data is None:
        raise ArgumentError("data is required: a DataFrame, a CSV path or a dataset name (or "
                            "summary statistics: sample_cov= with nobs=)")


def _checked_fit_arguments(spec: ModelSpec | str | Path, *, estimator: Any, missing: Any,
                           emit_warnings: Any, sample_cov_rescale: Any, meanstructure: Any,
                           std_lv: Any, start: Any) -> tuple[ModelSpec, np.ndarray | None]:
    """Refuse a bad option of :func:`fit` before any work; the spec with its
    ``meanstructure``/``std_lv`` options and the checked start values."""
    check_estimator_and_missing(estimator, missing)
    check_bool("emit_warnings", emit_warnings)
    check_bool("sample_cov_rescale", sample_cov_rescale)
    for option, value in (("meanstructure", meanstructure), ("std_lv", std_lv)):
        if value is not None:
            check_bool(option, value)
    spec = _as_spec(spec).with_options(meanstructure=meanstructure, std_lv=std_lv)
    return spec, check_start(start, spec.n_free_parameters)


def model_frame(spec: ModelSpec, data: pd.DataFrame | str | Path, *, na_values: NaValues,
                allow_codes: bool) -> pd.DataFrame:
    """The data a fit reads, before the edge checks: a CSV path or dataset name read, and
    lavaan's ``x1:x2`` product columns added for the spec's interactions."""
    if isinstance(data, (str, Path)):
        from ..data.registry import resolve_data

        data = resolve_data(data, na_values=na_values)
    if spec.interactions:  # lavaan's x1:x2 product columns, before the edge checks
        from ..spec.interactions import with_product_columns

        data = with_product_columns(data, spec.interactions, na_values=na_values,
                                    allow_codes=allow_codes)
    return data


def _checked_survey(spec: ModelSpec, data: pd.DataFrame | str | Path, *,
                    missing: Literal["listwise", "ml", "ml.x"],
                    na_values: NaValues, allow_codes: bool) -> Survey:
    """The checked survey data of a single-group fit (lavaan's handling of missing
    covariates under ``missing = "ml"`` in its notes)."""
    data = model_frame(spec, data, na_values=na_values, allow_codes=allow_codes)
    notes: tuple[str, ...] = ()
    if missing == "ml" and spec.roles.ov_x:  # lavaan: cases with a missing covariate go
        data, notes = _without_missing_covariates(data, list(spec.roles.ov_x), na_values)
    survey = prepare_survey(data, spec.observed_variables,
                            missing="ml" if missing == "ml.x" else missing, na_values=na_values,
                            roles=_roles_for_messages(spec), allow_codes=allow_codes)
    if notes:
        survey = dataclasses.replace(survey, notes=tuple(notes) + tuple(survey.notes))
    return survey

def _without_missing_covariates(data: pd.DataFrame, covariates: list[str], na_values: NaValues
                                ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """lavaan's ``missing = "ml"`` with fixed.x covariates: the cases that miss a covariate
    are dropped, with a note (``missing = "ml.x"`` keeps them)."""
    from ..data.survey import read_table

    present = [v for v in covariates if v in data.columns]
    if not present:
        return data, ()
    coded = read_table(data[present], na_values=na_values)
    incomplete = coded.isna().any(axis=1).to_numpy()
    if not incomplete.any():
        return data, ()
    note = (f"{int(incomplete.sum())} rows with a missing covariate ("
            + ", ".join(v for v in present if coded[v].isna().any())
            + ") were dropped, as lavaan's missing = 'ml' does; missing = 'ml.x' keeps them")
    return data.loc[~incomplete].reset_index(drop=True), (note,)


def fit_survey(spec: ModelSpec, survey: Survey, *, estimator: Estimator = "ML",
               start: np.ndarray | None = None, emit_warnings: bool = True) -> FitResult:
    """Fit to already validated survey data (see :func:`fit`)."""
    if not isinstance(spec, ModelSpec):
        raise fail("spec", "a ModelSpec (fit() also reads files and lavaan syntax)", spec)
    if not isinstance(survey, Survey):
        raise fail("survey", "a Survey (from loyaltysem.data.survey.prepare_survey)", survey)
    check_choice("estimator", estimator, ESTIMATORS)
    check_bool("emit_warnings", emit_warnings)
    start = check_start(start, spec.n_free_parameters)
    frame = _columns(survey.data, list(spec.observed_variables))
    fiml = survey.missing == "ml" and _has_missing(frame.to_numpy(dtype=float))
    if fiml:
        check_fiml_supported(spec, estimator, frame)
    table = with_mean_structure(spec.parameter_table) if fiml else spec.parameter_table
    layout = cached_layout(table)
    order = list(layout.structure.observed)
    values = _columns(frame, order).to_numpy(dtype=float)  # a view of the survey's block
    moments = missing_moments(values) if fiml else complete_moments(values)
    check_positive_definite(moments.cov[0], order)
    return _fit_moments(spec, MLFunctions(layout, [moments]), estimator=estimator,
                        start=start if not fiml else None, emit_warnings=emit_warnings,
                        frame=frame, notes=survey.notes, n_dropped=survey.n_dropped, fiml=fiml)


def _columns(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame[names]``, or ``frame`` itself when it has exactly these columns (no copy)."""
    return frame if list(frame.columns) == names else frame[names]


def _has_missing(values: np.ndarray) -> bool:
    """Any NaN, a block of columns at a time (no N x p temporary)."""
    return any(bool(np.isnan(block).any()) for _, block in column_blocks(values))


def fit_summary(spec: ModelSpec, stats: SummaryStatistics, *, estimator: Estimator = "ML",
                start: np.ndarray | None = None, emit_warnings: bool = True) -> FitResult:
    """Fit to checked summary statistics (see :func:`fit`, ``sample_cov=``).

    Raises
    ------
    DataError
        For a robust estimator (its standard errors need the cases, as lavaan's:
        "estimator MLR requires full data") or a matrix without the model's
        variables.
    """
    if estimator != "ML":
        raise DataError(f"estimator {estimator!r} needs the cases (casewise scores); with "
                        "summary statistics only 'ML' is available (as in lavaan)")
    table = spec.parameter_table
    if stats.mean is not None:
        table = with_mean_structure(table)
    layout = cached_layout(table)
    order = list(layout.structure.observed)
    stats = restricted(stats, order)
    moments = summary_moments(stats.cov.to_numpy(),
                              None if stats.mean is None else stats.mean.to_numpy(), stats.nobs)
    functions = MLFunctions(layout, [moments])
    frame = pd.DataFrame(columns=list(spec.observed_variables), dtype=float)
    return _fit_moments(spec, functions, estimator="ML", start=start,
                        emit_warnings=emit_warnings, frame=frame,
                        notes=(f"fitted from summary statistics (N = {stats.nobs})",),
                        n_dropped=0, fiml=False)


def _fit_moments(spec: ModelSpec, functions: MLFunctions, *, estimator: Estimator,
                 start: np.ndarray | None, emit_warnings: bool, frame: pd.DataFrame,
                 notes: tuple[str, ...], n_dropped: int, fiml: bool) -> FitResult:
    """Estimates, inference, fit indices and admissibility of one group's moments."""
    from .constraints import active_null_space, check_supported, constrained_minimize

    check_supported(spec, estimator, fiml=fiml)
    layout = functions.layout
    order = list(layout.structure.observed)
    moments = functions.groups[0]
    values = (moments.cases() if moments.patterns[0].rows is not None
              else np.zeros((0, len(order))))
    if start is not None and start.size < layout.n_free:  # means start at the data's
        start = np.concatenate([start, moments.mean[0][:layout.n_free - start.size]])
    result = constrained_minimize(functions, spec, minimize(functions, start))
    if not np.isfinite(result.fun):
        raise ConvergenceError(
            "no start values give a positive-definite implied covariance matrix; check the "
            "model (e.g. fixed values) or provide start values")
    theta = result.x
    null_space = active_null_space(functions, spec, theta)
    covariance, robust = _inference(functions, theta, spec, estimator, values, fiml, null_space)
    n_model = spec.n_free_parameters
    estimates, r2, latent_cov = _estimates(spec, functions, theta, covariance.vcov)
    sigma, mu = functions.implied_moments(theta)[0]
    indices = _fit_indices(spec, functions, result.fun, theta, robust, estimator, fiml,
                           null_space)
    problems = _admissibility(spec, estimates, latent_cov, order, result, covariance)
    if emit_warnings:
        emit(problems, stacklevel=4)
    names = _free_names(spec.parameter_table, n_model)
    return FitResult(
        spec=spec,
        estimates=estimates,
        fit_indices=pd.Series(indices, dtype=object),
        r2=r2,
        implied_cov=pd.DataFrame(sigma, index=order, columns=order),
        sample_cov=pd.DataFrame(moments.cov[0], index=order, columns=order),
        latent_cov=latent_cov,
        vcov=pd.DataFrame(covariance.vcov[:n_model, :n_model], index=names, columns=names),
        converged=result.converged,
        iterations=result.iterations,
        warnings=tuple(list(notes) + [p.message for p in problems]),
        estimator=estimator,
        se_type=("standard (observed information)" if fiml and estimator == "ML" else
                 {"ML": "standard", "MLR": "sandwich (observed information)",
                  "MLM": "robust.sem (expected information)"}[estimator]),
        missing="ml" if fiml else "listwise",
        data=frame,
        n_dropped=n_dropped,
        theta=theta[:n_model].copy(),
        problems=tuple(problems),
        core=CoreModel(layout, tuple(functions.groups), theta.copy()),
    )


def check_positive_definite(sample: np.ndarray, order: list[str]) -> None:
    """Refuse a sample covariance that is not positive definite, naming the items involved."""
    eigenvalues, eigenvectors = np.linalg.eigh(np.atleast_2d(sample))
    if eigenvalues.min() > 1e-10 * max(eigenvalues.max(), 1.0):
        return
    null_direction = np.abs(eigenvectors[:, 0] * np.sqrt(np.diag(sample)))
    involved = [order[i] for i in np.argsort(-null_direction)
                if null_direction[i] > 0.05 * null_direction.max()]
    raise DataError(
        "the sample covariance matrix is not positive definite (smallest eigenvalue "
        f"{eigenvalues.min():.3g}): the items {', '.join(involved)} are linearly dependent "
        "(one is a sum or copy of others); remove duplicated or summed items")


def _inference(functions: MLFunctions, theta: np.ndarray, spec: ModelSpec, estimator: str,
               values: np.ndarray, fiml: bool, null_space: np.ndarray | None
               ) -> tuple[Covariance, RobustTests | None]:
    """The covariance of the estimates and, for MLR/MLM, the scaled-test pieces;
    ``null_space``: ``Z`` of the active constraints (:mod:`.constraints`), or None."""
    from .constraints import n_equality_constraints

    order = list(functions.layout.structure.observed)
    x_index = [order.index(v) for v in spec.roles.ov_x]
    means = functions.layout.meanstructure  # FIML, or ~1 rows on complete data
    df = count_moments(spec.roles, means) - functions.n_free + n_equality_constraints(spec)
    if estimator == "ML":
        return information_vcov(functions, theta, "observed" if fiml else "expected",
                                null_space), None
    moments = functions.groups[0]
    if estimator == "MLR":  # complete or missing data: the sandwich and Yuan-Bentler traces
        covariance = sandwich_vcov(functions, theta, null_space)
        trace_h1 = reference_trace(moments, diagonal=False, meanstructure=means, x_index=x_index)
        c = (trace_h1 - covariance.trace_h0) / df if df > 0 else math.nan
        c = float(c) if c >= 0 else math.nan
        baseline_df = count_moments(spec.roles) - (values.shape[1] - len(x_index))
        c_b = ((trace_h1 - reference_trace(moments, diagonal=True, meanstructure=True,
                                           x_index=x_index)) / baseline_df
               if fiml else math.nan)
        robust = RobustInference(covariance.vcov, c, trace_h1, covariance.trace_h0)
        return covariance, RobustTests(c, trace_h1, covariance.trace_h0, c_b, robust)
    robust = satorra_bentler_inference(functions, theta, df, x_index, null_space)
    covariance = Covariance(robust.vcov, information_vcov(functions, theta,
                                                          null_space=null_space)
                            .information_eigenvalues)
    return covariance, RobustTests(robust.scaling_factor, robust.trace_h1, robust.trace_h0,
                                   math.nan, robust)


def _estimates(spec: ModelSpec, functions: MLFunctions, theta: np.ndarray, vcov: np.ndarray
               ) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """The estimates table (lavaan's ``parameterEstimates``), R² and the latent covariance."""
    layout = functions.layout
    table = layout.table
    moments = functions.groups[0]
    order = list(layout.structure.observed)
    defined = DefinedParameters(table)
    est = parameter_values(table, theta, moments.cov[0], order, defined, moments.mean[0])
    free = table["free"].to_numpy()
    se = np.where(free > 0, np.sqrt(np.clip(np.diag(vcov), 0, None))[np.maximum(free - 1, 0)]
                  if len(theta) else 0.0, 0.0)
    if len(defined):
        se[table["op"].to_numpy() == ":="] = np.sqrt(np.clip(np.diag(
            defined.covariance(theta, vcov)), 0, None))
    lhs, op, rhs, label = (table[c].to_numpy() for c in ("lhs", "op", "rhs", "label"))
    latent = list(spec.roles.latent)
    total_variance, latent_cov = implied_variances(functions, theta, latent)
    std_lv, std_all = standardize_values(lhs, op, rhs, label, est, total_variance, set(latent))
    variance = (op == "~~") & (lhs == rhs)
    residual = dict(zip(lhs[variance].tolist(), est[variance].tolist()))
    r2 = pd.Series({name: 1.0 - residual[name] / total_variance[name]
                    for name in spec.roles.endogenous}, name="r2", dtype=float)
    estimates = pd.DataFrame({"lhs": table["lhs"].array, "op": table["op"].array,
                              "rhs": table["rhs"].array, "label": table["label"].fillna("").array,
                              **inference_columns(est, se), "std_lv": std_lv,
                              "std_all": std_all})  # the order of ESTIMATE_COLUMNS
    if spec.interactions:  # the product columns under lavaan's names (x1:x2)
        from ..spec.interactions import lavaan_names

        estimates = lavaan_names(estimates, spec.interactions)
    return estimates.reset_index(drop=True), r2, latent_cov


def _fit_indices(spec: ModelSpec, functions: MLFunctions, fmin: float, theta: np.ndarray,
                 robust: RobustTests | None, estimator: str, fiml: bool,
                 null_space: np.ndarray | None = None) -> dict[str, float]:
    """lavaan's ``fitMeasures()`` of a single-group fit at the estimates ``theta``
    (``null_space``: of the active constraints, for the FIML-corrected statistic)."""
    roles = spec.roles
    sigma, mu = functions.implied_moments(theta)[0]
    moments = functions.groups[0]
    s = moments.cov[0]
    n = int(moments.n[0])
    order = list(functions.layout.structure.observed)
    x_index = [order.index(v) for v in roles.ov_x]
    from .constraints import n_equality_constraints  # lavaan: npar = free - '==' rows

    n_equalities = n_equality_constraints(spec)
    npar = spec.n_free_parameters - n_equalities
    df = count_moments(roles) - npar
    indices = complete_data_indices(s, sigma, n, fmin, df, npar, x_index,
                                    count_moments(roles) - (len(order) - len(x_index)))
    means = functions.layout.meanstructure
    if fiml:
        indices.update(fiml_fit_indices(indices, functions, theta, x_index, robust,
                                        n_equalities=n_equalities, null_space=null_space))
    elif means:
        indices.update(mean_structure_indices(indices, functions, sigma, mu, x_index,
                                              n_equalities=n_equalities))
    if robust is not None and not fiml:  # on the df of the (mean and) covariance structure
        assert isinstance(robust.inference, RobustInference)
        indices.update(robust_fit_indices(robust.inference, moments, x_index,
                                          float(indices["chisq"]), int(indices["df"]),
                                          float(indices["baseline_chisq"]),
                                          int(indices["baseline_df"]), n, estimator, means))
        if estimator == "MLR":  # Yuan-Bentler's scaling factors of the h1 and h0 models
            indices["scaling_factor_h1"] = robust.trace_h1 / count_moments(roles, means)
            # lavaan divides by the free parameters before equality constraints
            free_rows = int((spec.parameter_table["free"] > 0).sum())
            indices["scaling_factor_h0"] = robust.trace_h0 / free_rows if free_rows else math.nan
    indices.update(fi.lavaan_aliases(indices, meanstructure=functions.layout.meanstructure))
    return indices


def mean_structure_indices(indices: dict, functions: MLFunctions, sigma: np.ndarray,
                           mu: np.ndarray, x_index: list[int], *, n_equalities: int = 0
                           ) -> dict[str, float]:
    """What a mean structure changes in the fit measures of complete data (lavaan's
    ``meanstructure = TRUE``): the intercepts count as parameters and the means as
    moments, the log-likelihood has the mean term, SRMR and RMR include the means;
    ``n_equalities`` constraints (:mod:`.constraints`) are taken from ``npar``."""
    moments = functions.groups[0]
    s, mean, n = moments.cov[0], moments.mean[0], int(moments.n[0])
    npar = functions.n_free - n_equalities
    p = s.shape[0]
    df = int(indices["df"]) + (p - len(x_index)) - (npar - int(indices["npar"]))
    d = mean - mu
    loglik = float(indices["loglik"]) - 0.5 * n * float(d @ np.linalg.solve(sigma, d))
    chisq = float(indices["chisq"])
    out = complete_data_indices(s, sigma, n, 2.0 * float(indices["fmin"]), df, npar, x_index,
                                int(indices["baseline_df"]) + 0)
    gfi = fi.gfi_with_means(s, sigma, mean, mu, x_index)
    out.update({
        "loglik": loglik, **fi.information_criteria(loglik, npar, n),
        "srmr": fi.srmr_with_means(s, sigma, d),
        **fi.residual_summaries_with_means(s, sigma, mean, mu),
        "gfi": gfi, "agfi": fi.agfi(gfi, df, p, meanstructure=True),
        "pgfi": fi.pgfi(gfi, df, p, meanstructure=True),
    })
    out["chisq"] = chisq
    return out


def complete_data_indices(s: np.ndarray, sigma: np.ndarray, n: int, fmin: float, df: int,
                          npar: int, x_index: list[int], baseline_df: int) -> dict[str, float]:
    """The fit measures of a covariance-structure fit to complete data (lavaan's names)."""
    chisq = n * fmin
    p = s.shape[0]
    baseline_chisq = fi.independence_chisq(s, n, x_index)
    loglik = fi.normal_loglik(s, sigma, n)
    unrestricted_loglik = fi.normal_loglik(s, s, n)
    if x_index:  # fixed.x: lavaan reports the likelihood conditional on the covariates
        s_xx = s[np.ix_(x_index, x_index)]
        marginal_x = fi.normal_loglik(s_xx, s_xx, n)
        loglik -= marginal_x
        unrestricted_loglik -= marginal_x
    gfi = fi.gfi(s, sigma, x_index)
    rmsea_lower, rmsea_upper = fi.rmsea_ci(chisq, df, n)
    return {
        "npar": npar, "nobs": n, "fmin": fmin / 2, "chisq": chisq, "df": df,
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


def _admissibility(spec: ModelSpec, estimates: pd.DataFrame, latent_cov: pd.DataFrame,
                   order: list[str], result: OptimizationResult, covariance: Covariance):
    """Convergence, Heywood cases, non-positive-definite matrices, identification."""
    covariates = set(spec.roles.ov_x)
    kept = [v for v in order if v not in covariates]
    position = {name: i for i, name in enumerate(kept)}
    residual = np.zeros((len(kept), len(kept)))
    covariance_rows = estimates["op"].to_numpy() == "~~"
    for lhs, rhs, est in zip(estimates["lhs"].to_numpy()[covariance_rows],
                             estimates["rhs"].to_numpy()[covariance_rows],
                             estimates["est"].to_numpy(dtype=float)[covariance_rows]):
        if lhs in position and rhs in position:
            residual[position[lhs], position[rhs]] = residual[position[rhs], position[lhs]] = est
    return check_admissibility(  # its checks never read the ~1 rows
        estimates, latent_cov, pd.DataFrame(residual, index=kept, columns=kept),
        converged=result.converged, optimizer_message=result.message,
        information_eigenvalues=covariance.information_eigenvalues)


def _free_names(table: pd.DataFrame, n_free: int) -> list[str]:
    names: dict[int, str] = {}
    for lhs, op, rhs, free in zip(*(table[c].tolist() for c in ("lhs", "op", "rhs", "free"))):
        if free > 0 and free not in names:
            names[free] = f"{lhs}{op}{rhs}"
    return [names[k] for k in range(1, n_free + 1)]


__all__ = ["fit", "fit_summary", "fit_survey", "FitResult"]
