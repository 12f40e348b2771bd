"""``fit()``: one model, one dataset, lavaan's numbers."""
from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from ..arguments import ArgumentError, check_bool, check_choice, check_start, fail
from ..data.arrays import column_blocks
from ..data.checks import NaValues
from ..data.summary import SummaryStatistics, restricted, summary_statistics
from ..data.survey import Survey, prepare_survey
from ..exceptions import DataError, MissingValueWarning, SpecificationError
from ..spec import ModelSpec
from ..spec import as_spec as _as_spec
from .admissibility import emit
from .core_fit import fit_core
from .full_information import check_fiml_supported, with_mean_structure
from .layout_cache import cached_layout
from .ml import CoreModel, MLFunctions
from .moments import complete_moments, missing_moments, summary_moments
from .results import ESTIMATE_COLUMNS, FitResult

Estimator = Literal["ML", "MLR", "MLM", "WLSMV", "ULSMV", "DWLS", "ULS", "WLS"]
ESTIMATORS: tuple[str, ...] = ("ML", "MLR", "MLM")
#: The estimators of ordinal data (``ordered=``), WLSMV first (lavaan's default).
ORDINAL_ESTIMATORS: tuple[str, ...] = ("WLSMV", "ULSMV", "DWLS", "ULS", "WLS")
MISSING_OPTIONS: tuple[str, ...] = ("listwise", "ml", "ml.x")


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
    estimator: Estimator | None = None,
    missing: Literal["listwise", "ml", "ml.x"] = "listwise",
    na_values: NaValues = None,
    start: np.ndarray | None = None,
    emit_warnings: bool = True,
    ordered: bool | Sequence[str] | None = None,
    parameterization: Literal["delta", "theta"] = "delta",
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
    estimator : {"ML", "MLR", "MLM", "WLSMV", "ULSMV", "DWLS", "ULS", "WLS"}, optional
        Default ``"ML"``, with ``ordered`` ``"WLSMV"`` (lavaan's defaults). The last
        five are for ordinal items (``ordered=``, see :mod:`.ordinal_fit`): least squares
        on the polychoric correlations and thresholds, with the diagonal (``WLSMV``,
        ``DWLS``), identity (``ULSMV``, ``ULS``) or full (``WLS``) weight, robust SEs,
        and for WLSMV/ULSMV the scaled-shifted chi-square, as lavaan's.
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
    ordered : bool or list of str, optional
        lavaan's ``ordered =``: the observed variables that are ordinal (``True``: all;
        None: those the spec declares, ``ordered:`` in YAML or ``# @ordered``),
        integer-coded categories; thresholds and polychoric correlations by lavaan's
        two-step method (:func:`loyaltysem.ordinal.sample_statistics`); the other
        observed variables are continuous (their means, variances and polyserial or
        Pearson correlations enter the statistics). No observed covariates (lavaan's
        ``conditional.x``) yet; complete cases (listwise).
    parameterization : {"delta", "theta"}
        With ``ordered``: lavaan's ``parameterization``: the latent responses'
        variances 1 and their residual variances derived (``"delta"``, the default),
        or the residual variances parameters fixed at 1 (``"theta"``); see
        :mod:`loyaltysem.estimate.wls`.
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
    if ordered is None and not isinstance(spec, (str, Path)):
        ordered = sorted(spec.ordered) or None  # the spec's declaration
    elif ordered is None:
        declared = _as_spec(spec).ordered
        ordered = sorted(declared) or None
    chosen = cast(Estimator, _resolved_estimator(estimator, ordered, missing))
    check_parameterization(parameterization, ordered)
    spec, start = _checked_fit_arguments(
        spec, estimator=chosen, missing=missing, emit_warnings=emit_warnings,
        sample_cov_rescale=sample_cov_rescale, meanstructure=meanstructure, std_lv=std_lv,
        start=start if ordered in (None, False) else None)
    from_summary = sample_cov is not None or sample_cor is not None
    check_data_or_summary(data, from_summary)
    if ordered not in (None, False):
        if from_summary:
            raise ArgumentError("ordered items need the cases (their thresholds and "
                                "polychoric correlations); give data instead of sample_cov")
        from .ordinal_fit import fit_ordinal

        with warnings.catch_warnings():
            if not emit_warnings:  # the dropped rows are in result.warnings all the same
                warnings.simplefilter("ignore", MissingValueWarning)
            survey = _checked_survey(spec, data, missing="listwise", na_values=na_values,
                                     allow_codes=allow_codes)
        return fit_ordinal(spec, survey, ordered, chosen, parameterization=parameterization,
                           emit_warnings=emit_warnings)
    if from_summary:
        stats = summary_statistics(sample_cov, nobs, mean=sample_mean, cor=sample_cor,
                                   sd=sample_sd, rescale=sample_cov_rescale)
        return fit_summary(spec, stats, estimator=chosen, start=start,
                           emit_warnings=emit_warnings)
    assert data is not None  # check_data_or_summary
    with warnings.catch_warnings():
        if not emit_warnings:   # the dropped rows are in result.warnings all the same
            warnings.simplefilter("ignore", MissingValueWarning)
        survey = _checked_survey(spec, data, missing=missing, na_values=na_values,
                                 allow_codes=allow_codes)
    return fit_survey(spec, survey, estimator=chosen, start=start, emit_warnings=emit_warnings)


def check_parameterization(parameterization: Any, ordered: Any) -> None:
    """Refuse a parameterization other than ``"delta"``/``"theta"``, or ``"theta"``
    without ordinal items."""
    if parameterization not in ("delta", "theta"):
        raise fail("parameterization", "'delta' or 'theta'", parameterization)
    if parameterization == "theta" and ordered in (None, False, [], ()):
        raise ArgumentError("parameterization='theta' is for ordinal items: give "
                            "ordered=True or ordered=[...] (--ordered), or leave it 'delta'")


def _resolved_estimator(estimator: Any, ordered: Any, missing: Any) -> Any:
    """The estimator of a fit: the default by ``ordered``, refused when it does not suit
    the data's kind (ArgumentError)."""
    if ordered is not None and not isinstance(ordered, (bool, np.bool_, list, tuple)):
        raise fail("ordered", "True, False or a list of item names", ordered)
    is_ordinal = ordered not in (None, False) and not (
        isinstance(ordered, (list, tuple)) and not ordered)
    if is_ordinal and missing != "listwise":
        raise ArgumentError(f"missing={missing!r} with ordered items: loyaltysem fits "
                            "ordinal data on the complete cases (missing='listwise')")
    if estimator is None:
        return "WLSMV" if is_ordinal else "ML"
    if is_ordinal:
        check_choice("estimator", estimator, ORDINAL_ESTIMATORS)
    elif estimator in ORDINAL_ESTIMATORS:
        raise ArgumentError(f"estimator {estimator!r} is for ordinal items: say which "
                            "they are with ordered=True or ordered=[...] (loyaltysem fit "
                            "--ordered all or --ordered ITEM,...)")
    return estimator


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
    check_estimator_and_missing(estimator, missing, ESTIMATORS + ORDINAL_ESTIMATORS)
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
                            roles=_roles_for_messages(spec), allow_codes=allow_codes,
                            scales=spec.scales, reverse=spec.reverse)
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
    values = _ordered_values(frame, order)
    moments = missing_moments(values) if fiml else complete_moments(values)
    check_positive_definite(moments.cov[0], order)
    return _fit_moments(spec, MLFunctions(layout, [moments]), estimator=estimator,
                        start=start if not fiml else None, emit_warnings=emit_warnings,
                        frame=frame, notes=survey.notes, n_dropped=survey.n_dropped, fiml=fiml)


def _columns(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``frame[names]``, or ``frame`` itself when it has exactly these columns (no copy)."""
    return frame if list(frame.columns) == names else frame[names]


def _ordered_values(frame: pd.DataFrame, order: list[str]) -> np.ndarray:
    """The float values of ``frame``'s columns in ``order`` (a view of the survey's
    block when its columns are in that order already, else a copy in NumPy)."""
    values = frame.to_numpy(dtype=float)
    columns = list(frame.columns)
    if columns == order:
        return values
    position = {name: j for j, name in enumerate(columns)}
    return values[:, [position[name] for name in order]]


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


def _fit_moments(spec: ModelSpec, functions: MLFunctions, *, estimator: str,
                 start: np.ndarray | None, emit_warnings: bool, frame: pd.DataFrame,
                 notes: tuple[str, ...], n_dropped: int, fiml: bool,
                 table: pd.DataFrame | None = None) -> FitResult:
    """The fit of one group's moments on the core (:func:`.core_fit.fit_core`) as a
    :class:`FitResult`; ``table``: the parameter table of the estimates when it has
    parameters beyond the layout's (the thresholds of an ordinal fit; every free
    parameter is then the model's)."""
    layout = functions.layout
    order = list(layout.structure.observed)
    moments = functions.groups[0]
    if table is None and start is not None and start.size < layout.n_free:
        start = np.concatenate([start, moments.mean[0][:layout.n_free - start.size]])
    fitted = fit_core(spec, functions, layout.table if table is None else table,
                      estimator=estimator, start=start)
    if emit_warnings:
        emit(fitted.problems, stacklevel=4)
    theta = fitted.theta
    n_model = spec.n_free_parameters if table is None else functions.n_free
    names = pd.Index(_free_names(spec.parameter_table if table is None else table, n_model))
    sigma, _ = functions.implied_moments(theta)[0]
    variables = pd.Index(order)
    return FitResult(
        spec=spec,
        estimates=fitted.table.estimates[list(ESTIMATE_COLUMNS)],
        fit_indices=pd.Series(fitted.fit_indices, dtype=object),
        r2=pd.Series(fitted.table.r2[0], name="r2", dtype=float),
        implied_cov=pd.DataFrame(sigma, index=variables, columns=variables),
        sample_cov=pd.DataFrame(moments.cov[0], index=variables, columns=variables),
        latent_cov=fitted.table.latent_cov[0],
        vcov=pd.DataFrame(fitted.covariance.vcov[:n_model, :n_model], index=names,
                          columns=names),
        converged=fitted.result.converged,
        iterations=fitted.result.iterations,
        warnings=tuple(list(notes) + [p.message for p in fitted.problems]),
        estimator=estimator,
        se_type=("standard (observed information)" if fiml and estimator == "ML" else
                 {"ML": "standard", "MLR": "sandwich (observed information)",
                  "MLM": "robust.sem (expected information)",
                  "WLS": "standard (delta parameterization)"}.get(
                      estimator, "robust.sem (delta parameterization)")),
        missing="ml" if fiml else "listwise",
        data=frame,
        n_dropped=n_dropped,
        theta=theta[:n_model].copy(),
        problems=tuple(fitted.problems),
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


def _free_names(table: pd.DataFrame, n_free: int) -> list[str]:
    names: dict[int, str] = {}
    for lhs, op, rhs, free in zip(*(table[c].tolist() for c in ("lhs", "op", "rhs", "free"))):
        if free > 0 and free not in names:
            names[free] = f"{lhs}{op}{rhs}"
    return [names[k] for k in range(1, n_free + 1)]


__all__ = ["fit", "fit_summary", "fit_survey", "FitResult"]
