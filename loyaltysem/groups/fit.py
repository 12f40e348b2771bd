"""Multi-group ML fits, as lavaan's ``sem(model, data, group = ..., group.equal = ...)``."""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from ..arguments import check_bool, check_choice, check_names, fail
from ..data.checks import check_coverage, group_labels
from ..data.survey import prepare_survey
from ..estimate import fit_indices as fi
from ..estimate.admissibility import Problem, check_admissibility, emit
from ..estimate.defined import DefinedParameters
from ..estimate.fiml import (
    baseline_loglik,
    em_saturated,
    missing_patterns,
    pattern_loglik,
)
from ..estimate.fit import _as_spec, _roles_for_messages, fit
from ..estimate.optimizer import fisher_scoring
from ..estimate.semopy_engine import SemopyModel
from ..estimate.standardize import standardize
from ..exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    DataError,
    SpecificationError,
)
from ..spec import ModelSpec
from .engine import MultiGroupEngine
from .layout import EQUALITY_CLASSES, build_layout
from .results import MultiGroupResult
from .robust import baseline_traces, multigroup_robust

_Z975 = stats.norm.ppf(0.975)
_GROUP_CODE = "__loyaltysem_group__"


def check_group_arguments(group: Any, group_equal: Any, group_partial: Any, estimator: Any,
                          missing: Any, *, equal_name: str = "group_equal"
                          ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Refuse a bad argument of a multi-group fit before any work.

    Returns
    -------
    group_equal, group_partial : tuple of str
        As tuples (a single string is one name).
    """
    if not isinstance(group, str) or not group:
        raise fail("group", "the name of the column that defines the groups (a string)", group)
    equal = check_names(equal_name, group_equal, EQUALITY_CLASSES)
    partial = check_names("group_partial", group_partial)
    check_choice("estimator", estimator, ("ML", "MLR"))
    check_choice("missing", missing, ("listwise", "ml"))
    return equal, partial


def fit_groups(
    spec: ModelSpec | str | Path,
    data: pd.DataFrame | str | Path,
    group: str,
    *,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
    estimator: Literal["ML", "MLR"] = "ML",
    missing: Literal["listwise", "ml"] = "listwise",
    na_values: list[float | str] | None = None,
    emit_warnings: bool = True,
    allow_codes: bool = False,
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
    estimator : {"ML", "MLR"}
        ``"MLR"``: the same estimates with sandwich standard errors and the
        Yuan–Bentler (Mplus) scaled chi-square, scaled and robust CFI/TLI/RMSEA,
        as lavaan's multi-group ``estimator = "MLR"`` (see :mod:`.robust`).
    missing : {"listwise", "ml"}
        ``"ml"``: full-information ML in every group with missing values (EM
        moments as the groups' h1, observed-information standard errors), as
        lavaan's ``missing = "ml"``.
    na_values : list, optional
        Codes that mean missing.
    emit_warnings : bool
    allow_codes : bool
        Keep values that look like missing-value codes as answers (see
        :func:`loyaltysem.data.find_missing_codes`).

    Returns
    -------
    MultiGroupResult

    Raises
    ------
    ArgumentError
        For an argument of the wrong value or type (an unknown
        ``group_equal`` class, an estimator other than ML or MLR...), before
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
    must be complete and the estimator ML); observed outcomes in the structural
    model are not supported.

    References
    ----------
    Jöreskog, K. G. (1971). Simultaneous factor analysis in several
    populations. Psychometrika, 36(4), 409-426.
    Rosseel, Y. (2012). lavaan: An R package for structural equation
    modeling. Journal of Statistical Software, 48(2), 1-36.
    """
    group_equal, group_partial = check_group_arguments(group, group_equal, group_partial,
                                                       estimator, missing)
    check_bool("emit_warnings", emit_warnings)
    spec = _as_spec(spec)
    roles = spec.roles
    structural_observed = [v for v in roles.observed
                           if v not in roles.indicators and v not in roles.ov_x]
    if structural_observed:
        raise SpecificationError(
            "multi-group fits need every observed variable to be an item of a construct or an "
            f"exogenous covariate; {', '.join(structural_observed)} "
            f"{'is' if len(structural_observed) == 1 else 'are'} an outcome in the structural "
            "model (model it as a single-item construct: 'X =~ x' with 'x ~~ 0*x')",
            source=spec.source)
    covariates = list(roles.ov_x)
    if covariates and missing != "listwise" and estimator != "ML":
        raise SpecificationError(
            "multi-group fits with exogenous covariates (" + ", ".join(covariates) + ") and "
            "missing='ml' are available with estimator 'ML' only, for now",
            source=spec.source)
    if isinstance(data, (str, Path)):
        from ..data.registry import resolve_data

        data = resolve_data(data, na_values=na_values)
    if covariates and missing != "listwise":
        incomplete = [v for v in covariates if v in data.columns and data[v].isna().any()]
        if incomplete:
            raise SpecificationError(
                "missing='ml' needs the fixed.x covariates to be complete; "
                + ", ".join(incomplete) + " have missing values", source=spec.source)
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
    frame = data.loc[keep, list(spec.observed_variables)].copy()
    frame[_GROUP_CODE] = labels.map({g: i for i, g in enumerate(groups)}).to_numpy(dtype=float)
    survey = prepare_survey(frame, list(spec.observed_variables), carry=[_GROUP_CODE],
                            missing=missing, na_values=na_values, roles=_roles_for_messages(spec),
                            allow_codes=allow_codes)
    complete = survey.data
    table = spec.parameter_table
    models = []
    patterns: list = []
    h1_logliks: list[float | None] = []
    means = []
    arrays = []
    for i, name in enumerate(groups):
        rows = complete[complete[_GROUP_CODE] == i][list(spec.observed_variables)]
        if len(rows) <= len(spec.observed_variables):
            raise DataError(f"group {name!r} of {group!r} has {len(rows)} complete rows for "
                            f"{len(spec.observed_variables)} observed variables; merge it with "
                            "another group or drop it")
        if rows.isna().to_numpy().any():  # missing='ml': pairs never observed together
            check_coverage(rows, list(rows.columns), where=f"group {name!r} of {group!r}")
        model = SemopyModel(table, rows.reset_index(drop=True))
        values = rows[model.observed].to_numpy(dtype=float)
        group_patterns = None
        if np.isnan(values).any():  # missing='ml': this group by full-information ML
            group_patterns = missing_patterns(values)
            em_mean, em_cov, loglik_h1 = em_saturated(group_patterns, values.shape[1])
            model.set_sample_cov(em_cov)
            h1_logliks.append(loglik_h1)
        else:
            h1_logliks.append(None)
        patterns.append(group_patterns)
        eigenvalues = np.linalg.eigvalsh(model.sample_cov)
        if eigenvalues.min() <= 1e-10 * max(eigenvalues.max(), 1.0):
            raise DataError(f"in group {name!r} the sample covariance matrix is not positive "
                            "definite (an item is constant or items are linearly dependent "
                            "within the group)")
        models.append(model)
        arrays.append(values)
        means.append(values.mean(axis=0) if group_patterns is None else em_mean)
    observed = tuple(models[0].observed)
    latent = tuple(v for v in models[0].latent_inner if v in set(roles.latent))
    layout = build_layout(table, observed, latent, groups, group_equal, group_partial,
                          covariates)
    notes = []
    if any(table["label"].fillna("").astype(bool) & (table["op"] != ":=")):
        notes.append("labels written once apply to every group: labelled parameters are "
                     "constrained equal across groups (as in lavaan)")
    engine = MultiGroupEngine(models, means, layout, arrays, patterns, covariates)
    theta0 = _start_values(spec, complete, engine, layout)
    result = fisher_scoring(engine.discrepancy, engine.gradient_and_information, theta0,
                            gtol=1e-9, ftol=1e-14)
    if not np.isfinite(result.fun):
        raise ConvergenceError(f"{spec.name}: no start values give positive-definite implied "
                               "covariance matrices in every group")
    problems = [] if result.converged else [
        f"the optimiser did not converge ({result.message}); estimates and fit statistics are "
        "not trustworthy"]
    theta = result.x
    n_total = float(engine.n_obs.sum())
    _, information = engine.gradient_and_information(theta)
    fiml = any(group is not None for group in patterns)
    if fiml:  # lavaan's default with missing = "ml": the observed information
        information = engine.observed_information(theta)
    try:
        vcov = np.linalg.inv(n_total * information)
    except np.linalg.LinAlgError:
        vcov = np.full_like(information, np.nan)
        problems.append("the information matrix is singular: some parameters are not "
                        "identified; standard errors are not available")
    robust = None
    if estimator == "MLR":
        px = len(covariates)
        df = int(engine.layout.index.shape[0] * (engine.p * (engine.p + 1) // 2 + engine.p
                                                 - px * (px + 1) // 2 - px) - layout.n_free)
        robust = multigroup_robust(engine, theta, df)
        vcov = robust.vcov
    estimates, r2 = _estimates(spec, layout, engine, theta, vcov)
    indices = _fit_indices(engine, theta, layout, n_total, h1_logliks)
    if robust is not None:
        extra = _robust_indices(engine, layout, indices, robust)
        if fiml:  # lavaan's missing-data robust indices (Zhang & Savalei 2020): not computed
            extra = {k: v for k, v in extra.items() if not k.endswith("_robust")}
        indices.update(extra)
    indices.update(fi.lavaan_aliases(indices, meanstructure=True))
    admissibility = _admissibility(engine, layout, theta, estimates, information)
    for message in problems:
        if emit_warnings:
            warnings.warn(message, ConvergenceWarning, stacklevel=2)
    if emit_warnings:
        emit(admissibility, stacklevel=3)
    problems += [problem.message for problem in admissibility]
    return MultiGroupResult(
        spec=spec, group=group, groups=tuple(groups), group_equal=tuple(group_equal),
        group_partial=tuple(group_partial),
        estimates=estimates, fit_indices=pd.Series(indices, dtype=object),
        nobs=pd.Series(engine.n_obs.astype(int), index=list(groups), name="nobs"),
        n_dropped=int(survey.n_dropped), converged=bool(result.converged), estimator=estimator,
        warnings=tuple(problems + notes + list(survey.notes)), theta=theta, vcov=vcov,
        table=layout.table, r2=r2)


def _robust_indices(engine: MultiGroupEngine, layout, indices: dict, robust) -> dict[str, float]:
    """Scaled and robust statistics of a multi-group MLR fit (lavaan's names)."""
    chisq, df = indices["chisq"], indices["df"]
    baseline_chisq, baseline_df = indices["baseline_chisq"], indices["baseline_df"]
    n, n_groups = int(indices["nobs"]), len(layout.groups)
    c = robust.scaling_factor
    c_b = (robust.trace_h1 - float(baseline_traces(engine).sum())) / baseline_df
    chisq_scaled = chisq / c if df > 0 else chisq
    baseline_scaled = baseline_chisq / c_b
    root_g = math.sqrt(n_groups)
    scaled_ci = fi.rmsea_ci(chisq, df * c, n) if df > 0 else (0.0, 0.0)
    robust_ci = fi.rmsea_ci(chisq_scaled, df, n) if df > 0 else (0.0, 0.0)
    px = len(engine.covariates)
    moments = n_groups * (engine.p * (engine.p + 1) // 2 + engine.p - px * (px + 1) // 2 - px)
    free_rows = int((layout.table["free"] > 0).sum())
    out = {
        "chisq_scaled": chisq_scaled, "df_scaled": df,
        "pvalue_scaled": fi.chisq_pvalue(chisq_scaled, df), "scaling_factor": c,
        "baseline_chisq_scaled": baseline_scaled, "baseline_scaling_factor": c_b,
        "baseline_pvalue_scaled": fi.chisq_pvalue(baseline_scaled, baseline_df),
        **{f"{name}_scaled": value for name, value in
           fi.incremental_indices(chisq_scaled, df, baseline_scaled, baseline_df).items()},
        "cfi_robust": fi.cfi_robust(chisq, df, c, baseline_chisq, baseline_df, c_b),
        "tli_robust": fi.tli_robust(chisq, df, c, baseline_chisq, baseline_df, c_b),
        "rni_robust": (fi.rni(chisq - c * df, 0.0, baseline_chisq - c_b * baseline_df, 0.0)
                       if df > 0 else fi.rni(chisq, df, baseline_chisq, baseline_df)),
        "rmsea_scaled": fi.rmsea(chisq_scaled, df, n) * root_g,
        # lavaan: the scaled interval and tests use the unscaled statistic on df * c
        "rmsea_ci_lower_scaled": scaled_ci[0] * root_g,
        "rmsea_ci_upper_scaled": scaled_ci[1] * root_g,
        "rmsea_pvalue_scaled": _rmsea_test(chisq, df * c, n, n_groups, 0.05, close=True),
        "rmsea_notclose_pvalue_scaled": _rmsea_test(chisq, df * c, n, n_groups, 0.08,
                                                    close=False),
        "rmsea_robust": fi.rmsea_robust(chisq, df, c, n) * root_g,
        # the robust interval: the scaled statistic on df, times sqrt(c)
        "rmsea_ci_lower_robust": robust_ci[0] * math.sqrt(c) * root_g,
        "rmsea_ci_upper_robust": robust_ci[1] * math.sqrt(c) * root_g,
        "rmsea_pvalue_robust": _rmsea_test(chisq_scaled, df, n, n_groups * c, 0.05, close=True),
        "rmsea_notclose_pvalue_robust": _rmsea_test(chisq_scaled, df, n, n_groups * c, 0.08,
                                                    close=False),
        # Yuan-Bentler's scaling factors of the saturated (h1) and fitted (h0) models;
        # h0 over the free parameters before equality constraints, as lavaan
        "scaling_factor_h1": robust.trace_h1 / moments,
        "scaling_factor_h0": robust.trace_h0 / free_rows if free_rows else math.nan,
    }
    return out


def _admissibility(engine: MultiGroupEngine, layout, theta, estimates,
                   information) -> list[Problem]:
    """Each group's Heywood cases and non-positive-definite matrices (messages prefixed
    with the group), and the identification check of the whole information matrix."""
    problems: list[Problem] = []
    eigenvalues = np.linalg.eigvalsh(information) if np.all(np.isfinite(information)) \
        else np.zeros(0)
    for g, name in enumerate(layout.groups):
        model = engine.models[g]
        cov_theta = engine.local(theta, g)[:engine.q]
        inner = model.inner_covariance(cov_theta)
        index = [model.latent_inner.index(v) for v in layout.latent]
        latent_cov = pd.DataFrame(inner[np.ix_(index, index)], index=list(layout.latent),
                                  columns=list(layout.latent))
        beta, lam, psi, th = model.matrices(cov_theta)
        residual = pd.DataFrame(th, index=model.observed, columns=model.observed)
        block = estimates[(estimates["group"] == name) & (estimates["op"] != "~1")]
        found = check_admissibility(block, latent_cov, residual, converged=True,
                                    optimizer_message="",
                                    information_eigenvalues=eigenvalues if g == 0 else np.zeros(0))
        problems += [Problem(p.category, p.message if "information matrix" in p.message
                             else f"group {name}: {p.message}") for p in found]
    return problems


def _start_values(spec, complete, engine: MultiGroupEngine, layout) -> np.ndarray:
    """The pooled single-group estimates for the covariance structure, group means for
    intercepts, 0 for latent means; averaged where groups share a parameter."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pooled = fit(spec, complete[list(spec.observed_variables)], emit_warnings=False,
                         allow_codes=True).theta  # the groups' data are checked already
        except Exception:  # noqa: BLE001 - fall back to semopy's start values
            pooled = engine.models[0].start
    total = np.zeros(layout.n_free)
    count = np.zeros(layout.n_free)
    for g in range(len(layout.groups)):
        local = np.concatenate([pooled, engine.means[g], np.zeros(engine.m)])
        index = layout.index[g]
        free = index >= 0
        np.add.at(total, index[free], local[free])
        np.add.at(count, index[free], 1.0)
    return total / np.maximum(count, 1.0)


def _estimates(spec, layout, engine: MultiGroupEngine, theta, vcov) -> pd.DataFrame:
    table = layout.table
    free = table["free"].to_numpy()
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None))
    rows = []
    r2_rows: list[dict[str, float]] = []
    endogenous = list(spec.roles.endogenous)
    latent = set(layout.latent)
    for g, name in enumerate(layout.groups):
        block = table[table["group"] == name].reset_index(drop=True)
        local = engine.local(theta, g)
        model = engine.models[g]
        q = engine.q
        cov_theta = local[:q]
        block_free = block["free"].to_numpy()
        est = np.where(block_free > 0, theta[np.maximum(block_free - 1, 0)],
                       block["ustart"].to_numpy(dtype=float))
        observed = list(model.observed)
        for i in np.flatnonzero(block["exo"].to_numpy() == 1):  # fixed.x: sample moments
            a, b = observed.index(block["lhs"].iat[i]), observed.index(block["rhs"].iat[i])
            est[i] = model.sample_cov[a, b]
        for name_x, mean_x in zip(engine.covariates, engine.means[g][
                [observed.index(v) for v in engine.covariates]]):
            est[((block["op"] == "~1") & (block["lhs"] == name_x)).to_numpy()] = mean_x
        block["est"] = est
        sigma = model.implied(cov_theta)
        inner = model.inner_covariance(cov_theta)
        total = {v: float(sigma[i, i]) for i, v in enumerate(model.observed)}
        total.update({v: float(inner[i, i]) for i, v in enumerate(model.latent_inner)
                      if v in latent})
        structure = block[block["op"] != "~1"]
        _, std_all = standardize(structure[["lhs", "op", "rhs", "label", "est"]], total, latent)
        std = pd.Series(np.nan, index=block.index)
        std[structure.index] = std_all
        means_rows = block[block["op"] == "~1"]
        std[means_rows.index] = means_rows["est"] / np.sqrt(means_rows["lhs"].map(total))
        block["std_all"] = std.to_numpy()
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
        values = defined.values(theta).real
        cov = defined.covariance(theta, vcov)
        extra = pd.DataFrame({"group": "", "lhs": defined.names, "op": ":=",
                              "rhs": defined_rows["rhs"].tolist(), "label": defined.names,
                              "free": 0, "ustart": np.nan, "est": values, "std_all": np.nan})
        out = pd.concat([out, extra], ignore_index=True)
        se = np.concatenate([se, np.sqrt(np.clip(np.diag(cov), 0, None))])
    out["se"] = se
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, out["est"] / se, np.nan)
    out["z"] = z
    out["pvalue"] = 2 * stats.norm.sf(np.abs(z))
    out["ci_lower"] = out["est"] - _Z975 * se
    out["ci_upper"] = out["est"] + _Z975 * se
    r2 = pd.DataFrame(r2_rows, index=list(layout.groups)).T
    return out[["group", "lhs", "op", "rhs", "label", "free", "est", "se", "z", "pvalue",
                "ci_lower", "ci_upper", "std_all"]], r2


def _fit_indices(engine: MultiGroupEngine, theta, layout, n_total: float,
                 h1_logliks: list[float | None]) -> dict[str, float]:
    n_groups, p = len(layout.groups), engine.p
    f_groups = engine.group_discrepancies(theta)
    x_index = [list(layout.observed).index(v) for v in engine.covariates]
    px = len(x_index)
    # fixed.x: the covariates' moments are not data (lavaan's ndat)
    moments = n_groups * (p * (p + 1) // 2 + p - px * (px + 1) // 2 - px)
    npar = layout.n_free
    df = moments - npar
    chisq = baseline_chisq = 0.0
    mus = engine.implied_means(theta)
    for g, model in enumerate(engine.models):
        group_patterns = engine.patterns[g]
        loglik_h1 = h1_logliks[g]
        if group_patterns is not None and loglik_h1 is not None:  # full-information ML
            sigma = model.implied(engine.local(theta, g)[:engine.q])
            chisq += 2.0 * (loglik_h1 - pattern_loglik(group_patterns, mus[g], sigma))
            if x_index:  # the baseline keeps the (complete) covariates' joint moments
                rows = engine.data[g] if engine.data is not None else np.zeros((0, p))
                others = [j for j in range(p) if j not in x_index]
                baseline = baseline_loglik(missing_patterns(rows[:, others]), len(others)) \
                    + _marginal_loglik(rows[:, x_index])
            else:
                baseline = baseline_loglik(group_patterns, p)
            baseline_chisq += 2.0 * (loglik_h1 - baseline)
        else:
            chisq += model.n_obs * float(f_groups[g])
            baseline_chisq += fi.independence_chisq(model.sample_cov, int(model.n_obs), x_index)
    baseline_df = moments - n_groups * 2 * (p - px)  # free means and variances of the rest
    root_g = math.sqrt(n_groups)
    lower, upper = fi.rmsea_ci(chisq, df, int(n_total)) if df > 0 else (0.0, 0.0)
    loglik = unrestricted = 0.0
    srmr_groups = []
    for g, model in enumerate(engine.models):
        cov_theta = engine.local(theta, g)[:engine.q]
        sigma = model.implied(cov_theta)
        s = model.sample_cov  # with missing data: the EM estimate
        d = engine.means[g] - mus[g]
        n_g = model.n_obs
        group_patterns, loglik_h1 = engine.patterns[g], h1_logliks[g]
        if group_patterns is not None and loglik_h1 is not None:
            # with covariates: conditional on them, as lavaan
            marginal = (_marginal_loglik(engine.data[g][:, x_index])
                        if x_index and engine.data is not None else 0.0)
            loglik += pattern_loglik(group_patterns, mus[g], sigma) - marginal
            unrestricted += loglik_h1 - marginal
        else:
            loglik += fi.normal_loglik(s, sigma, n_g) \
                - 0.5 * n_g * float(d @ np.linalg.solve(sigma, d))
            unrestricted += fi.normal_loglik(s, s, n_g)
            if x_index:  # fixed.x: the likelihood conditional on the covariates (lavaan)
                s_xx = s[np.ix_(x_index, x_index)]
                marginal = fi.normal_loglik(s_xx, s_xx, n_g)
                loglik -= marginal
                unrestricted -= marginal
        srmr_groups.append(fi.srmr_with_means(s, sigma, d))
    weights = engine.weights
    indices = {
        "npar": npar, "nobs": int(n_total), "ngroups": n_groups,
        "fmin": chisq / (2.0 * n_total), "chisq": chisq, "df": df,
        "pvalue": fi.chisq_pvalue(chisq, df),
        "baseline_chisq": baseline_chisq, "baseline_df": baseline_df,
        "baseline_pvalue": fi.chisq_pvalue(baseline_chisq, baseline_df),
        **fi.incremental_indices(chisq, df, baseline_chisq, baseline_df),
        "rmsea": fi.rmsea(chisq, df, int(n_total)) * root_g,
        "rmsea_ci_lower": lower * root_g, "rmsea_ci_upper": upper * root_g,
        "rmsea_pvalue": _rmsea_test(chisq, df, n_total, n_groups, 0.05, close=True),
        "rmsea_notclose_pvalue": _rmsea_test(chisq, df, n_total, n_groups, 0.08, close=False),
        "srmr": float(weights @ np.array(srmr_groups)),
        "loglik": loglik, "unrestricted_loglik": unrestricted,
        **fi.information_criteria(loglik, npar, int(n_total)),
        "ecvi": fi.ecvi(chisq, npar, int(n_total)), "mfi": fi.mfi(chisq, df, int(n_total)),
    }
    return indices


def _marginal_loglik(values: np.ndarray) -> float:
    """Normal log-likelihood of complete columns at their sample moments (fixed.x)."""
    centred = values - values.mean(axis=0)
    moments = centred.T @ centred / values.shape[0]
    return fi.normal_loglik(moments, moments, values.shape[0])


def _rmsea_test(chisq: float, df: float, n_obs: float, divisor: float, rmsea0: float, *,
                close: bool) -> float:
    """lavaan's multiple-group RMSEA tests: noncentrality ``N df rmsea0^2 / divisor``
    (divisor G, or G c for the robust version); close fit: upper tail, not-close: lower."""
    if df <= 0:
        return math.nan
    ncp = n_obs * df * rmsea0**2 / divisor
    return float(stats.ncx2.sf(chisq, df, ncp) if close else special.chndtr(chisq, df, ncp))


