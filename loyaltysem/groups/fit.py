"""Multi-group ML fits, as lavaan's ``sem(model, data, group = ..., group.equal = ...)``."""
from __future__ import annotations

import warnings
from dataclasses import replace
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from ..arguments import ArgumentError, check_bool, check_names, fail
from ..data.checks import check_coverage, group_labels, group_names, refuse_absent_group_column
from ..data.summary import restricted, summary_statistics
from ..data.survey import prepare_survey
from ..estimate.admissibility import emit
from ..estimate.core_fit import fit_core
from ..estimate.fit import (
    ESTIMATORS,
    ORDINAL_ESTIMATORS,
    _as_spec,
    _resolved_estimator,
    check_parameterization,
    _roles_for_messages,
    check_data_or_summary,
    check_estimator_and_missing,
    model_frame,
)
from ..estimate.layout import build_parameter_layout
from ..estimate.ml import MLFunctions
from ..estimate.moments import (
    GroupMoments,
    complete_moments,
    missing_moments,
    summary_moments,
)
from ..estimate.structure import model_structure
from ..exceptions import DataError, MissingValueWarning, SpecificationError
from ..spec import ModelSpec
from .layout import EQUALITY_CLASSES, build_layout, core_table, group_tables
from .results import MultiGroupResult, multigroup_result

_GROUP_CODE = "__loyaltysem_group__"


def check_group_arguments(group: Any, group_equal: Any, group_partial: Any, estimator: Any,
                          missing: Any, *, equal_name: str = "group_equal",
                          estimators: tuple[str, ...] = ("ML", "MLR")
                          ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Refuse a bad argument of a multi-group fit before any work (``estimators``: those
    the caller offers).

    Returns
    -------
    group_equal, group_partial : tuple of str
        As tuples (a single string is one name).
    """
    if not isinstance(group, str) or not group:
        raise fail("group", "the name of the column that defines the groups (a string)", group)
    equal = check_names(equal_name, group_equal, EQUALITY_CLASSES)
    partial = check_names("group_partial", group_partial)
    check_estimator_and_missing(estimator, missing, estimators)
    if estimator == "MLM" and missing != "listwise":
        raise ArgumentError(f"estimator 'MLM' with missing={missing!r} is not available (lavaan "
                            "does not offer it either: Gamma needs complete data); use "
                            "estimator 'MLR'")
    return equal, partial


def fit_groups(
    spec: ModelSpec | str | Path,
    data: pd.DataFrame | str | Path | None = None,
    group: str | None = None,
    *,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
    estimator: str | None = None,
    missing: Literal["listwise", "ml", "ml.x"] = "listwise",
    na_values: list[float | str] | None = None,
    emit_warnings: bool = True,
    allow_codes: bool = False,
    sample_cov: Mapping[str, Any] | None = None,
    nobs: Mapping[str, int] | None = None,
    sample_mean: Mapping[str, Any] | None = None,
    sample_cov_rescale: bool = True,
    ordered: bool | Sequence[str] | None = None,
    parameterization: Literal["delta", "theta"] = "delta",
    identification: Literal["lavaan", "wu.estabrook"] = "lavaan",
) -> MultiGroupResult:
    """Fit one model to several groups at once (multi-group ML with a mean structure).

    Parameters
    ----------
    spec : ModelSpec, path or str
    data : pandas.DataFrame, path or dataset name
    group : str
        The column whose values define the groups (in order of first appearance).
    group_equal : sequence of str
        Parameter classes constrained equal across groups (a single string is
        one class), lavaan's
        ``group.equal``: ``"loadings"`` (metric invariance), ``"intercepts"``
        (scalar), ``"residuals"`` (strict), ``"residual.covariances"``,
        ``"lv.variances"``, ``"lv.covariances"``, ``"regressions"``, ``"means"``.
    group_partial : sequence of str
        Parameters left free across groups despite ``group_equal`` (partial
        invariance), lavaan's ``group.partial``: ``["x3~1", "visual=~x2"]``.
    estimator : {"ML", "MLR", "MLM", "WLSMV", "ULSMV", "DWLS", "ULS", "WLS"}, optional
        Default ``"ML"``, with ``ordered`` ``"WLSMV"`` (lavaan's defaults); the last five
        are for ordinal items (see ``ordered``). ``"MLR"``: the same estimates with sandwich standard errors and the
        Yuan–Bentler (Mplus) scaled chi-square, scaled and robust CFI/TLI/RMSEA,
        as lavaan's multi-group ``estimator = "MLR"`` (see :mod:`.robust`).
        ``"MLM"`` (complete data): robust standard errors from the expected
        information and the Satorra–Bentler scaled chi-square with each group's
        Gamma of the means and covariances, as lavaan's multi-group
        ``estimator = "MLM"`` (Satorra & Bentler 1994; Satorra 2000).
    missing : {"listwise", "ml", "ml.x"}
        ``"ml"``: full-information ML in every group with missing values (EM
        moments as the groups' h1, observed-information standard errors), as
        lavaan's ``missing = "ml"`` (the fixed.x covariates must be complete).
        ``"ml.x"``: the same keeping the cases with missing covariates, whose
        moments are fixed at each group's EM estimates (lavaan's
        ``missing = "ml.x"``, as :func:`loyaltysem.fit`).
    na_values : list, optional
        Codes that mean missing.
    emit_warnings : bool
    allow_codes : bool
        Keep values that look like missing-value codes as answers (see
        :func:`loyaltysem.data.find_missing_codes`).
    sample_cov, nobs, sample_mean : mappings group -> matrix, int, means, optional
        Fit from each group's summary statistics instead of ``data`` (lavaan's
        ``sample.cov``, ``sample.nobs``, ``sample.mean`` lists), checked and
        rescaled as :func:`loyaltysem.fit` does; the groups are the keys in
        order. Estimator ML only.
    sample_cov_rescale : bool
        lavaan's ``sample.cov.rescale``.
    ordered : bool or list of str, optional
        lavaan's ``ordered =`` (as :func:`loyaltysem.fit`; None: those the spec
        declares): thresholds and polychoric correlations per group on the pooled
        categories, estimated by WLSMV (or ``estimator``) as lavaan's categorical
        multi-group fits (:mod:`.ordinal`); ``group_equal`` takes ``"thresholds"`` too,
        and ``group_partial`` threshold names such as ``"comp_1|t2"``.
    parameterization : {"delta", "theta"}
        With ``ordered``: lavaan's ``parameterization``.
    identification : {"lavaan", "wu.estabrook"}
        With ``ordered``: how ``group_equal`` identifies the model: lavaan's
        conventions (markers; with equal thresholds free latent means and scales), or
        Wu & Estabrook's (2016), as semTools' ``measEq.syntax(ID.fac = "std.lv",
        ID.cat = "Wu.Estabrook.2016")`` (see :func:`.ordinal.ordinal_group_tables`).

    Returns
    -------
    MultiGroupResult

    Raises
    ------
    ArgumentError
        For an argument of the wrong value or type (an unknown
        ``group_equal`` class, an estimator other than ML, MLR or MLM, MLM with
        ``missing="ml"``...), before
        any work.
    DataError
        When ``group`` is not a column of the data or holds fewer than two groups.

    Notes
    -----
    As lavaan: ML with divisor N_g, expected-information standard errors,
    listwise deletion; intercepts free in every group, latent means 0 unless
    intercepts are equal (then free in groups 2..G); labels written once are
    one parameter in every group. ``chisq = sum_g N_g F_g``; RMSEA multiplies
    by sqrt(G) (lavaan's multiple-group RMSEA); the baseline model has free
    means and variances in every group. Observed variables must be items of
    constructs or exogenous covariates (fixed.x: their variances, covariances
    and means are fixed at each group's sample values; with ``missing="ml"`` they
    must be complete and the estimator ML). Observed variables of the structural
    model (outcomes, mediators) have their intercepts as parameters, shared under
    ``group_equal=["intercepts"]`` as lavaan's.

    References
    ----------
    Jöreskog, K. G. (1971). Simultaneous factor analysis in several
    populations. Psychometrika, 36(4), 409-426.
    Rosseel, Y. (2012). lavaan: An R package for structural equation
    modeling. Journal of Statistical Software, 48(2), 1-36.
    """
    if sample_cov is not None:
        group = group or "group"
    spec = _as_spec(spec)
    if ordered is None:
        ordered = sorted(spec.ordered) or None  # the spec's declaration
    estimator = _resolved_estimator(estimator, ordered, missing)
    check_parameterization(parameterization, ordered)
    ordinal = ordered not in (None, False, [], ())
    group_equal, group_partial = check_group_arguments(
        group, group_equal, group_partial, estimator, missing,
        estimators=ORDINAL_ESTIMATORS if ordinal else ESTIMATORS)
    if identification != "lavaan" and not ordinal:
        raise ArgumentError(f"identification={identification!r} is for ordinal items: give "
                            "ordered=True or ordered=[...]")
    if "thresholds" in group_equal and not ordinal:
        raise ArgumentError("group_equal 'thresholds' is for ordinal items: give ordered=True "
                            "or ordered=[...] (thresholds are what ordinal items have instead "
                            "of intercepts), or use 'intercepts'")
    check_bool("emit_warnings", emit_warnings)
    check_bool("sample_cov_rescale", sample_cov_rescale)
    if ordinal:
        if sample_cov is not None:
            raise ArgumentError("ordered items need the cases (their thresholds and "
                                "polychoric correlations); give data instead of sample_cov")
        check_data_or_summary(data, False)
        assert data is not None and group is not None  # checked above
        from .ordinal import fit_ordinal_groups

        groups, frame, n_dropped, survey_notes, names = _group_survey(
            spec, data, group, "listwise", na_values, allow_codes)
        return replace(fit_ordinal_groups(spec, frame, _GROUP_CODE, group, groups,
                                          cast(Any, ordered), group_equal, group_partial,
                                          estimator, parameterization, emit_warnings, n_dropped,
                                          survey_notes, identification), group_names=names)
    order = list(model_structure(spec.parameter_table).observed)
    check_data_or_summary(data, sample_cov is not None)
    if sample_cov is not None:
        groups, moments = _summary_group_moments(sample_cov, nobs, sample_mean, order,
                                                 sample_cov_rescale, estimator)
        n_dropped, survey_notes, names = 0, ("fitted from summary statistics",), {}
    else:
        assert data is not None and group is not None  # checked above
        groups, moments, n_dropped, survey_notes, names = _data_group_moments(
            spec, data, group, order, estimator, missing, na_values, allow_codes)
    return replace(_fit_group_moments(spec, group or "group", groups, moments, group_equal,
                                      group_partial, estimator, emit_warnings, n_dropped,
                                      survey_notes), group_names=names)


def _data_group_moments(spec: ModelSpec, data, group: str, order: list[str], estimator: str,
                        missing: Literal["listwise", "ml", "ml.x"], na_values,
                        allow_codes: bool):
    """The groups of a data frame and their moments, after the edge checks (and the
    groups' names, :func:`~loyaltysem.data.checks.group_names`)."""
    groups, frame, n_dropped, notes, names = _group_survey(spec, data, group, missing, na_values,
                                                    allow_codes)
    return groups, _group_moments(frame, groups, group, order), n_dropped, notes, names


def _group_survey(spec: ModelSpec, data, group: str, missing: Literal["listwise", "ml", "ml.x"],
                  na_values, allow_codes: bool):
    """The groups of a data frame (codes in order of first appearance), its checked
    rows with the groups' numbers in column ``_GROUP_CODE``, the notes, and the groups'
    names (:func:`~loyaltysem.data.checks.group_names`)."""
    covariates = list(spec.roles.ov_x)
    data = model_frame(spec, data, na_values=na_values, allow_codes=allow_codes)
    if covariates and missing == "ml":
        incomplete = [v for v in covariates if v in data.columns and data[v].isna().any()]
        if incomplete:
            raise SpecificationError(
                "missing='ml' needs the fixed.x covariates to be complete; "
                + ", ".join(incomplete) + " have missing values: use missing='ml.x' to keep "
                "those cases (lavaan's missing = \"ml.x\"), or drop them", source=spec.source)
    refuse_absent_group_column(data, group)
    labels_column = data[group]
    keep = labels_column.notna()
    labels = group_labels(labels_column[keep], group)
    groups = list(pd.unique(labels))
    if len(groups) < 2:
        only = f" (every row is {groups[0]!r})" if groups else " (every value is missing)"
        raise DataError(f"group must be a column with at least two groups; column {group!r} "
                        f"has {len(groups)}{only}: choose another grouping column, or fit one "
                        "model with fit()")
    no_group = int((~keep).sum())
    notes: tuple[str, ...] = ()
    if no_group:  # as listwise deletion: said, counted among the dropped rows
        notes = (f"{no_group} of {len(data)} rows have no value of the grouping column "
                 f"{group!r} and are left out",)
        warnings.warn(notes[0], MissingValueWarning, stacklevel=3)
    frame = data.loc[keep, list(spec.observed_variables)].copy()
    frame[_GROUP_CODE] = labels.map({g: i for i, g in enumerate(groups)}).to_numpy(dtype=float)
    survey = prepare_survey(frame, list(spec.observed_variables), carry=[_GROUP_CODE],
                            missing="ml" if missing == "ml.x" else missing,
                            na_values=na_values, roles=_roles_for_messages(spec),
                            allow_codes=allow_codes, scales=spec.scales, reverse=spec.reverse)
    return (groups, survey.data, no_group + survey.n_dropped, notes + tuple(survey.notes),
            group_names(labels_column[keep], group))


def _summary_group_moments(sample_cov: Mapping[str, Any], nobs: Mapping[str, int] | None,
                           sample_mean: Mapping[str, Any] | None, order: list[str],
                           rescale: bool, estimator: str
                           ) -> tuple[list[str], list[GroupMoments]]:
    """Each group's checked summary statistics as moments (groups: the keys, in order);
    estimator ML only."""
    if estimator != "ML":
        raise DataError(f"estimator {estimator!r} needs the cases; with summary statistics "
                        "only 'ML' is available (as in lavaan)")
    if not isinstance(sample_cov, Mapping) or len(sample_cov) < 2:
        raise DataError("multi-group summary statistics: sample_cov must map at least two "
                        "group labels to covariance matrices")
    groups = [str(g) for g in sample_cov]
    if not isinstance(nobs, Mapping) or sorted(map(str, nobs)) != sorted(groups):
        raise DataError("nobs must give the number of observations of every group of "
                        "sample_cov: " + ", ".join(groups))
    if not isinstance(sample_mean, Mapping) or sorted(map(str, sample_mean)) != sorted(groups):
        raise DataError("multi-group fits from summary statistics need every group's means "
                        "(sample_mean) for the mean structure")
    moments = []
    for key in sample_cov:
        stats = restricted(summary_statistics(
            sample_cov[key], {str(k): v for k, v in nobs.items()}[str(key)],
            mean={str(k): v for k, v in sample_mean.items()}[str(key)], rescale=rescale,
            where=f"group {str(key)!r}"), order)
        assert stats.mean is not None
        moments.append(summary_moments(stats.cov.to_numpy(), stats.mean.to_numpy(), stats.nobs))
    return groups, moments


def _fit_group_moments(spec: ModelSpec, group: str, groups: list, moments: list[GroupMoments],
                       group_equal: tuple[str, ...], group_partial: tuple[str, ...],
                       estimator: str, emit_warnings: bool, n_dropped: int,
                       survey_notes: tuple[str, ...]) -> MultiGroupResult:
    """The multi-group layout of the model on the groups' moments, fitted on the core
    (:func:`..estimate.core_fit.fit_core`), as a :class:`MultiGroupResult`."""
    structure = model_structure(spec.parameter_table)
    layout = build_layout(group_tables(spec, len(groups), group_equal),
                          tuple(structure.observed), structure.latent, groups, group_equal,
                          group_partial)
    table = core_table(layout.table, layout.groups, spec)
    functions = MLFunctions(build_parameter_layout(table), moments)
    fitted = fit_core(spec, functions, table, estimator=estimator,
                      groups=list(layout.groups))
    if emit_warnings:
        emit(fitted.problems, stacklevel=3)
    notes = []
    if any(spec.parameter_table["label"].fillna("").astype(bool)
           & (spec.parameter_table["op"] != ":=")):
        notes.append("labels written once apply to every group: labelled parameters are "
                     "constrained equal across groups (as in lavaan)")
    return multigroup_result(
        spec, fitted, functions, group=group, groups=groups, group_equal=group_equal,
        group_partial=group_partial, nobs=[int(m.n[0]) for m in moments],
        n_dropped=n_dropped, estimator=estimator, table=layout.table,
        notes=notes + list(survey_notes))


def _group_moments(complete: pd.DataFrame, groups: list, group: str,
                   order: list[str]) -> list[GroupMoments]:
    """Each group's moments (EM h1 where values are missing), with its data checks."""
    out = []
    for i, name in enumerate(groups):
        rows = complete[complete[_GROUP_CODE] == i][order]
        if len(rows) <= len(order):
            raise DataError(f"group {name!r} of {group!r} has {len(rows)} complete rows for "
                            f"{len(order)} observed variables; merge it with another group or "
                            "drop it")
        values = rows.to_numpy(dtype=float)
        if np.isnan(values).any():  # missing='ml': pairs never observed together
            check_coverage(rows, list(rows.columns), where=f"group {name!r} of {group!r}")
            moments = missing_moments(values)
        else:
            moments = complete_moments(values)
        eigenvalues = np.linalg.eigvalsh(moments.cov[0])
        if eigenvalues.min() <= 1e-10 * max(eigenvalues.max(), 1.0):
            raise DataError(f"in group {name!r} the sample covariance matrix is not positive "
                            "definite (an item is constant or items are linearly dependent "
                            "within the group)")
        out.append(moments)
    return out

