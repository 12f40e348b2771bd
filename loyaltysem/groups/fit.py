"""Multi-group ML fits, as lavaan's ``sem(model, data, group = ..., group.equal = ...)``."""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arguments import ArgumentError, check_bool, check_names, fail
from ..data.checks import check_coverage, group_labels
from ..data.summary import restricted, summary_statistics
from ..data.survey import prepare_survey
from ..distributions import ncx2_cdf, ncx2_sf
from ..estimate import fit_indices as fi
from ..estimate.admissibility import Problem, check_admissibility, emit
from ..estimate.assemble import with_inference_columns
from ..estimate.defined import DefinedParameters
from ..estimate.estimation import minimize
from ..estimate.fiml_corrected import fiml_corrected
from ..estimate.fit import (
    ESTIMATORS,
    _as_spec,
    _roles_for_messages,
    check_data_or_summary,
    check_estimator_and_missing,
    model_frame,
)
from ..estimate.full_information import (
    CovariateLogliks,
    baseline_moments,
    covariate_logliks,
    sample_gfi,
)
from ..estimate.inference import information_vcov
from ..estimate.layout import build_parameter_layout
from ..estimate.ml import CoreModel, MLFunctions
from ..estimate.moments import (
    GroupMoments,
    complete_moments,
    summary_moments,
    independence_loglik,
    loglik_constant,
    missing_moments,
    pattern_sum,
)
from ..estimate.reference_models import reference_layout
from ..estimate.robust import satorra_bentler_inference
from ..estimate.solution import implied_variances, parameter_values
from ..estimate.standardize import standardize
from ..estimate.structure import model_structure
from ..exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    DataError,
    MissingValueWarning,
    SpecificationError,
)
from ..spec import ModelSpec
from ..spec.interactions import lavaan_names
from .layout import EQUALITY_CLASSES, build_layout, group_tables
from .results import MultiGroupResult
from .robust import baseline_traces, multigroup_robust

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
    estimator: Literal["ML", "MLR", "MLM"] = "ML",
    missing: Literal["listwise", "ml", "ml.x"] = "listwise",
    na_values: list[float | str] | None = None,
    emit_warnings: bool = True,
    allow_codes: bool = False,
    sample_cov: Mapping[str, Any] | None = None,
    nobs: Mapping[str, int] | None = None,
    sample_mean: Mapping[str, Any] | None = None,
    sample_cov_rescale: bool = True,
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
    estimator : {"ML", "MLR", "MLM"}
        ``"MLR"``: the same estimates with sandwich standard errors and the
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
    group_equal, group_partial = check_group_arguments(group, group_equal, group_partial,
                                                       estimator, missing,
                                                       estimators=ESTIMATORS)
    check_bool("emit_warnings", emit_warnings)
    spec = _as_spec(spec)
    order = list(model_structure(spec.parameter_table).observed)
    check_data_or_summary(data, sample_cov is not None)
    if sample_cov is not None:
        groups, moments = _summary_group_moments(sample_cov, nobs, sample_mean, order,
                                                 sample_cov_rescale, estimator)
        n_dropped, survey_notes = 0, ("fitted from summary statistics",)
    else:
        assert data is not None and group is not None  # checked above
        groups, moments, n_dropped, survey_notes = _data_group_moments(
            spec, data, group, order, estimator, missing, na_values, allow_codes)
    return _fit_group_moments(spec, group or "group", groups, moments, group_equal,
                              group_partial, estimator, emit_warnings, n_dropped, survey_notes)


def _data_group_moments(spec: ModelSpec, data, group: str, order: list[str], estimator: str,
                        missing: Literal["listwise", "ml", "ml.x"], na_values,
                        allow_codes: bool):
    """The groups of a data frame and their moments, after the edge checks."""
    covariates = list(spec.roles.ov_x)
    data = model_frame(spec, data, na_values=na_values, allow_codes=allow_codes)
    if covariates and missing == "ml":
        incomplete = [v for v in covariates if v in data.columns and data[v].isna().any()]
        if incomplete:
            raise SpecificationError(
                "missing='ml' needs the fixed.x covariates to be complete; "
                + ", ".join(incomplete) + " have missing values: use missing='ml.x' to keep "
                "those cases (lavaan's missing = \"ml.x\"), or drop them", source=spec.source)
    if group not in data.columns:
        import difflib

        close = difflib.get_close_matches(group, [str(c) for c in data.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DataError(f"the data has no column {group!r} to define the groups{hint} "
                        "(columns: " + ", ".join(map(str, data.columns[:30])) + ")")
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
                            allow_codes=allow_codes)
    return groups, _group_moments(survey.data, groups, group, order), \
        no_group + survey.n_dropped, notes + tuple(survey.notes)


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
                       group_equal, group_partial, estimator: str, emit_warnings: bool,
                       n_dropped: int, survey_notes: tuple[str, ...]) -> MultiGroupResult:
    """Estimation, inference, fit indices and admissibility of a multi-group model."""
    from ..estimate.constraints import (
        active_null_space,
        check_supported,
        constrained_minimize,
        n_equality_constraints,
    )

    check_supported(spec, estimator, n_groups=len(groups))
    covariates = list(spec.roles.ov_x)
    structure = model_structure(spec.parameter_table)
    order = list(structure.observed)
    layout = build_layout(group_tables(spec, len(groups), group_equal), tuple(order),
                          structure.latent, groups, group_equal, group_partial)
    functions = MLFunctions(build_parameter_layout(_core_table(layout, covariates)), moments)
    result = constrained_minimize(functions, spec, minimize(functions))
    if not np.isfinite(result.fun):
        raise ConvergenceError(f"{spec.name}: no start values give positive-definite implied "
                               "covariance matrices in every group")
    problems = [] if result.converged else [
        f"the optimiser did not converge ({result.message}); estimates and fit statistics are "
        "not trustworthy"]
    theta = result.x
    x_index = [order.index(v) for v in covariates]
    fiml = not all(m.complete for m in moments)
    null_space = active_null_space(functions, spec, theta)  # of the active constraints
    # lavaan's default with missing = "ml": the observed information
    covariance = information_vcov(functions, theta, "observed" if fiml else "expected",
                                  null_space)
    vcov = covariance.vcov
    if not np.all(np.isfinite(vcov)):
        problems.append("the information matrix is singular: some parameters are not "
                        "identified; standard errors are not available")
    indices = _fit_indices(functions, theta, x_index, n_equality_constraints(spec))
    robust = None
    if estimator in ("MLR", "MLM"):
        robust = (multigroup_robust(functions, theta, int(indices["df"]), x_index, null_space)
                  if estimator == "MLR" else
                  satorra_bentler_inference(functions, theta, int(indices["df"]), x_index,
                                            null_space))
        vcov = robust.vcov
        indices.update(_robust_indices(functions, indices, robust, x_index, estimator))
    if fiml:  # lavaan's missing-data robust indices replace the complete-data ones
        indices.update(_fiml_robust_indices(functions, theta, x_index, indices,
                                            scaled_test=robust is not None,
                                            null_space=null_space))
    indices.update(fi.lavaan_aliases(indices, meanstructure=True))
    estimates, r2 = _estimates(spec, layout, functions, theta, vcov)
    admissibility = _admissibility(functions, layout, theta, estimates,
                                   covariance.information_eigenvalues)
    for message in problems:
        if emit_warnings:
            warnings.warn(message, ConvergenceWarning, stacklevel=2)
    if emit_warnings:
        emit(admissibility, stacklevel=3)
    problems += [problem.message for problem in admissibility]
    notes = []
    if any(spec.parameter_table["label"].fillna("").astype(bool)
           & (spec.parameter_table["op"] != ":=")):
        notes.append("labels written once apply to every group: labelled parameters are "
                     "constrained equal across groups (as in lavaan)")
    return MultiGroupResult(
        spec=spec, group=group, groups=tuple(groups), group_equal=tuple(group_equal),
        group_partial=tuple(group_partial),
        estimates=lavaan_names(estimates, spec.interactions),
        fit_indices=pd.Series(indices, dtype=object),
        nobs=pd.Series([int(m.n[0]) for m in moments], index=list(groups), name="nobs"),
        n_dropped=int(n_dropped), converged=bool(result.converged), estimator=estimator,
        warnings=tuple(problems + notes + list(survey_notes)), theta=theta, vcov=vcov,
        table=layout.table, r2=r2, core=CoreModel(functions.layout, tuple(moments), theta.copy()))


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


def _core_table(layout, covariates: list[str]) -> pd.DataFrame:
    """The multi-group table as the core reads it: groups numbered, covariates' means
    marked as data (fixed.x)."""
    table = layout.table.copy()
    table["group"] = table["group"].map({g: i for i, g in enumerate(layout.groups)})
    table.loc[(table["op"] == "~1") & table["lhs"].isin(covariates), "exo"] = 1
    return table


def _robust_indices(functions: MLFunctions, indices: dict, robust, x_index: list[int],
                    estimator: str = "MLR") -> dict[str, float]:
    """Scaled and robust statistics of a multi-group MLR or MLM fit (lavaan's names): the
    Yuan–Bentler or Satorra–Bentler scaled statistics, and the scaled and robust RMSEA and
    CFI/TLI/RNI of :func:`.estimate.fit_indices.scaled_rmsea_indices` and
    :func:`.estimate.fit_indices.robust_indices` with the multiple-group RMSEA."""
    chisq, df = indices["chisq"], indices["df"]
    baseline_chisq, baseline_df = indices["baseline_chisq"], indices["baseline_df"]
    n, n_groups = int(indices["nobs"]), len(functions.groups)
    c = robust.scaling_factor
    c_b = (baseline_sb_trace(functions, x_index) if estimator == "MLM" else
           robust.trace_h1 - float(baseline_traces(functions, x_index).sum())) / baseline_df
    chisq_scaled = chisq / c if df > 0 else chisq
    baseline_scaled = baseline_chisq / c_b
    p, px = functions.layout.p, len(x_index)
    moments = n_groups * (p * (p + 1) // 2 + p - px * (px + 1) // 2 - px)
    free_rows = int((functions.layout.table["free"] > 0).sum())
    out = {
        "chisq_scaled": chisq_scaled, "df_scaled": df,
        "pvalue_scaled": fi.chisq_pvalue(chisq_scaled, df), "scaling_factor": c,
        "baseline_chisq_scaled": baseline_scaled, "baseline_scaling_factor": c_b,
        "baseline_pvalue_scaled": fi.chisq_pvalue(baseline_scaled, baseline_df),
        **{f"{name}_scaled": value for name, value in
           fi.incremental_indices(chisq_scaled, df, baseline_scaled, baseline_df).items()},
        # lavaan: the scaled interval and tests use the unscaled statistic on df * c
        **fi.scaled_rmsea_indices(chisq, df, c, n, n_groups=n_groups),
        **fi.robust_indices(chisq, df, c, baseline_chisq, baseline_df, c_b, n,
                            n_groups=n_groups),
        # Yuan-Bentler's scaling factors of the saturated (h1) and fitted (h0) models;
        # h0 over the free parameters before equality constraints, as lavaan
        "scaling_factor_h1": robust.trace_h1 / moments,
        "scaling_factor_h0": robust.trace_h0 / free_rows if free_rows else math.nan,
    }
    if estimator == "MLM":  # lavaan reports these for Yuan-Bentler only
        del out["scaling_factor_h1"], out["scaling_factor_h0"]
    return out


def baseline_sb_trace(functions: MLFunctions, x_index: list[int]) -> float:
    """``sum_g tr(U_g Gamma_g)`` of the independence model (free means and variances in
    every group, each group's own parameters: the traces add up over the groups)."""
    total = 0.0
    for group in functions.groups:
        layout, theta = reference_layout(group, diagonal=True, meanstructure=True,
                                         x_index=x_index)
        sb = satorra_bentler_inference(MLFunctions(layout, [group]), theta, 1, x_index)
        total += sb.trace_h1 - sb.trace_h0
    return total


def _admissibility(functions: MLFunctions, layout, theta, estimates,
                   eigenvalues: np.ndarray) -> list[Problem]:
    """Each group's Heywood cases and non-positive-definite matrices (messages prefixed
    with the group), and the identification check of the whole information matrix."""
    problems: list[Problem] = []
    observed = list(functions.layout.structure.observed)
    for g, name in enumerate(layout.groups):
        _, latent_cov = implied_variances(functions, theta, layout.latent, g)
        th = functions.layout.matrices(np.atleast_2d(theta), g)[3][0]
        residual = pd.DataFrame(th, index=observed, columns=observed)
        block = estimates[(estimates["group"] == name) & (estimates["op"] != "~1")]
        found = check_admissibility(block, latent_cov, residual, converged=True,
                                    optimizer_message="",
                                    information_eigenvalues=eigenvalues if g == 0 else np.zeros(0))
        problems += [Problem(p.category, p.message if "information matrix" in p.message
                             else f"group {name}: {p.message}") for p in found]
    return problems


def _estimates(spec, layout, functions: MLFunctions, theta, vcov
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Estimates of every group (and the ``:=`` rows), R² per group."""
    table = layout.table
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None))
    rows = []
    r2_rows: list[dict[str, float]] = []
    endogenous = list(spec.roles.endogenous)
    latent = set(layout.latent)
    observed = list(functions.layout.structure.observed)
    for g, name in enumerate(layout.groups):
        block = table[table["group"] == name].reset_index(drop=True)
        moments = functions.groups[g]
        exo = block["exo"].to_numpy().copy()
        exo[(block["op"] == "~1").to_numpy() & block["lhs"].isin(spec.roles.ov_x).to_numpy()] = 1
        block["est"] = parameter_values(block.assign(exo=exo), theta, moments.cov[0], observed,
                                        None, moments.mean[0])
        total, _ = implied_variances(functions, theta, layout.latent, g)
        _, std_all = standardize(block[["lhs", "op", "rhs", "label", "est"]], total, latent)
        block["std_all"] = std_all
        residual = {r.lhs: r.est for r in block.itertuples(index=False)
                    if r.op == "~~" and r.lhs == r.rhs}
        r2_rows.append({v: 1.0 - residual[v] / total[v] for v in endogenous
                        if v in residual and v in total})
        rows.append(block)
    out = pd.concat(rows, ignore_index=True)
    free = out["free"].to_numpy()
    se = np.where(free > 0, se_all[np.maximum(free - 1, 0)], 0.0)
    defined_rows = spec.parameter_table[spec.parameter_table["op"] == ":="]
    if len(defined_rows):
        labelled = table[(table["label"] != "") & (table["free"] > 0)]
        defined_table = pd.concat([
            labelled[["lhs", "op", "rhs", "label", "free", "ustart"]],
            defined_rows[["lhs", "op", "rhs", "label", "free", "ustart"]]], ignore_index=True)
        defined = DefinedParameters(defined_table)
        extra = pd.DataFrame({"group": "", "lhs": defined.names, "op": ":=",
                              "rhs": defined_rows["rhs"].tolist(), "label": defined.names,
                              "free": 0, "ustart": np.nan, "est": defined.values(theta).real,
                              "std_all": np.nan})
        out = pd.concat([out, extra], ignore_index=True)
        cov = defined.covariance(theta, vcov)
        se = np.concatenate([se, np.sqrt(np.clip(np.diag(cov), 0, None))])
    out = with_inference_columns(out, out["est"].to_numpy(dtype=float), se)
    r2 = pd.DataFrame(r2_rows, index=list(layout.groups)).T
    return out[["group", "lhs", "op", "rhs", "label", "free", "est", "se", "z", "pvalue",
                "ci_lower", "ci_upper", "std_all"]], r2


def _fit_indices(functions: MLFunctions, theta, x_index: list[int],
                 n_equalities: int = 0) -> dict[str, float]:
    """lavaan's multi-group ``fitMeasures()``: chi-square ``sum_g N_g F_g``, the baseline
    with free means and variances in every group, RMSEA times sqrt(G), SRMR weighted by
    ``N_g / N``; log-likelihoods conditional on fixed.x covariates; ``npar`` the free
    parameters less the ``n_equalities`` constraints of :mod:`..estimate.constraints`."""
    n_groups, p = len(functions.groups), functions.layout.p
    px = len(x_index)
    # fixed.x: the covariates' moments are not data (lavaan's ndat)
    moments_count = n_groups * (p * (p + 1) // 2 + p - px * (px + 1) // 2 - px)
    npar = functions.n_free - n_equalities
    df = moments_count - npar
    n_total = float(functions.n_total[0])
    f_groups = functions.group_discrepancies(theta)
    others = [j for j in range(p) if j not in x_index]
    chisq = baseline_chisq = loglik = unrestricted = 0.0
    srmr_groups = []
    residuals: list[dict[str, float]] = []
    for g, (moments, (sigma, mu)) in enumerate(zip(functions.groups,
                                                    functions.implied_moments(theta))):
        n_g = float(moments.n[0])
        baseline, covariates = _baseline_loglik(moments, x_index, others)
        constant = loglik_constant(moments.patterns)
        loglik_h1 = -0.5 * (n_g * float(moments.h1[0]) + constant)
        chisq += n_g * float(f_groups[g])
        baseline_chisq += 2.0 * (loglik_h1 - baseline)
        # conditional on the covariates: at their EM moments for the model, their pairwise
        # ones for h1 (the same unless missing = "ml.x" leaves them incomplete)
        loglik += -0.5 * (pattern_sum(moments.patterns, mu, sigma) + constant) \
            - covariates.model
        unrestricted += loglik_h1 - covariates.h1
        srmr_groups.append(fi.srmr_with_means(moments.cov[0], sigma, moments.mean[0] - mu))
        residuals.append({**fi.residual_summaries_with_means(moments.cov[0], sigma,
                                                             moments.mean[0], mu),
                          "gfi": sample_gfi(moments, sigma, mu, x_index)})
    baseline_df = moments_count - n_groups * 2 * (p - px)  # free means and variances
    root_g = math.sqrt(n_groups)
    n = int(n_total)
    lower, upper = fi.rmsea_ci(chisq, df, n) if df > 0 else (0.0, 0.0)
    return {
        "npar": npar, "nobs": n, "ngroups": n_groups,
        "fmin": chisq / (2.0 * n_total), "chisq": chisq, "df": df,
        "pvalue": fi.chisq_pvalue(chisq, df),
        "baseline_chisq": baseline_chisq, "baseline_df": baseline_df,
        "baseline_pvalue": fi.chisq_pvalue(baseline_chisq, baseline_df),
        **fi.incremental_indices(chisq, df, baseline_chisq, baseline_df),
        "rmsea": fi.rmsea(chisq, df, n) * root_g,
        "rmsea_ci_lower": lower * root_g, "rmsea_ci_upper": upper * root_g,
        "rmsea_pvalue": _rmsea_test(chisq, df, n_total, n_groups, 0.05, close=True),
        "rmsea_notclose_pvalue": _rmsea_test(chisq, df, n_total, n_groups, 0.08, close=False),
        "srmr": float(functions.weights[:, 0] @ np.array(srmr_groups)),
        "loglik": loglik, "unrestricted_loglik": unrestricted,
        **fi.information_criteria(loglik, npar, n),
        "ecvi": fi.ecvi(chisq, npar, n), "mfi": fi.mfi(chisq, df, n),
        "cn_05": fi.hoelter_cn(chisq, df, n, 0.05), "cn_01": fi.hoelter_cn(chisq, df, n, 0.01),
        **_weighted_summaries(residuals, functions.weights[:, 0], df, n_groups, p),
    }


def _weighted_summaries(residuals: list[dict[str, float]], weights: np.ndarray, df: int,
                        n_groups: int, p: int) -> dict[str, float]:
    """RMR, CRMR, Mplus SRMR (and ``_nomean``), GFI of every group weighted by ``N_g / N``
    (lavaan 0.6-14 ``lav_fit_srmr``, ``lav_fit_gfi``; with missing data each group's GFI
    is on its pairwise statistics and missing-data patterns, :func:`sample_gfi`); AGFI and
    PGFI on the sample statistics of all groups, ``G (p(p+1)/2 + p)`` (``lav_fit_agfi``,
    ``lav_fit_pgfi``: AGFI 1 at df = 0)."""
    out = {key: float(weights @ np.array([r[key] for r in residuals])) for key in residuals[0]}
    out["agfi"] = fi.agfi(out["gfi"], df, p, meanstructure=True, n_groups=n_groups)
    out["pgfi"] = fi.pgfi(out["gfi"], df, p, meanstructure=True, n_groups=n_groups)
    return out


def _fiml_robust_indices(functions: MLFunctions, theta: np.ndarray, x_index: list[int],
                         indices: dict, *, scaled_test: bool,
                         null_space: np.ndarray | None = None) -> dict[str, float]:
    """lavaan 0.6-14's robust CFI/TLI/RNI/RMSEA of a multi-group FIML fit, ML and MLR.

    Those of the FIML-corrected statistic of all groups (Zhang & Savalei 2023;
    :func:`.estimate.fiml_corrected.fiml_corrected`: the groups' statistics summed, their
    informations block-diagonal with weights ``N_g / N``; version "V3" with a scaled test,
    "V6" without), with the multiple-group RMSEA (``sqrt(G)``; lavaan
    ``lav_fit_cfi_lavobject``, ``lav_fit_rmsea_lavobject``).
    """
    df, baseline_df = int(indices["df"]), int(indices["baseline_df"])
    baselines = [baseline_moments(moments, x_index) for moments in functions.groups]
    corrected = fiml_corrected(functions, theta, x_index, baselines, df, baseline_df,
                               scaled_test=scaled_test, null_space=null_space)
    return fi.robust_indices(corrected.chisq, df, corrected.scaling_factor,
                             corrected.baseline_chisq, baseline_df,
                             corrected.baseline_scaling_factor, int(indices["nobs"]),
                             n_groups=len(functions.groups))


def _baseline_loglik(moments: GroupMoments, x_index: list[int], others: list[int]
                     ) -> tuple[float, CovariateLogliks]:
    """The log-likelihood of the group's baseline (independent non-covariates, the
    covariates' joint distribution kept) and the covariates' parts (fixed.x)."""
    covariates = covariate_logliks(moments, x_index)
    if not moments.complete:
        return (independence_loglik(moments.cases()[:, others]) + covariates.baseline,
                covariates)
    n, variances = float(moments.n[0]), np.diag(moments.cov[0])[others]
    independence = -0.5 * n * float(np.sum(np.log(2 * np.pi * variances) + 1.0))
    return independence + covariates.baseline, covariates


def _rmsea_test(chisq: float, df: float, n_obs: float, divisor: float, rmsea0: float, *,
                close: bool) -> float:
    """lavaan's multiple-group RMSEA tests: noncentrality ``N df rmsea0^2 / divisor``
    (divisor G, or G c for the robust version); close fit: upper tail, not-close: lower."""
    if df <= 0:
        return math.nan
    ncp = n_obs * df * rmsea0**2 / divisor
    return float(ncx2_sf(chisq, df, ncp) if close else ncx2_cdf(chisq, df, ncp))


