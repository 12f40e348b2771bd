"""ValidityReport: the whole measurement-quality assessment in one call."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..arguments import MAX_BOOTSTRAP, check_bool, check_int, check_seed, fail
from ..estimate import FitResult, fit
from ..estimate.admissibility import Problem
from ..exceptions import ArgumentError, ConvergenceWarning, NotIdentifiedError
from ..frame_rows import table_rows
from ..spec import ModelSpec
from ..spec.statements import Statement
from ..summary import Summary, json_value
from .collinearity import (
    composite_scores,
    composite_vif,
    full_collinearity_vif,
    latent_vif,
)
from .convergent import (
    ave_fornell_larcker,
    ave_ratio_of_sums,
    composite_reliability,
    omega,
)
from .discriminant import (
    cross_loadings,
    fornell_larcker,
    htmt,
    htmt_bootstrap_intervals,
    ronkko_cho_class,
)
from .method_bias import (
    MethodFactorResult,
    compare_method_factor,
    first_component_share,
    harman_single_factor,
    method_factor_statements,
)
from .ordinal_report import (
    NO_ORDINAL_METHOD_FACTOR,
    ORDINAL_SUMMARY_COLUMNS,
    ORDINAL_CHECK_THRESHOLDS,
    ORDINAL_HTMT_CI,
    POLYCHORIC,
    fit_correlations,
    ordinal_construct_tables,
    ordinal_items,
    ordinal_notes,
    polychoric_htmt,
    polychoric_htmt_intervals,
)
from .reliability import cronbach_alpha, item_statistics
from .thresholds import readable_checks, resolve_thresholds, verdict

SINGLE_ITEM_REASON = "single-item construct: reliability and AVE are not defined"
#: The verdict of a check computed from an inadmissible solution (non-convergence, a
#: Heywood case, a non-positive-definite matrix...): its value is shown, not judged.
NOT_INTERPRETABLE = "not interpretable (inadmissible solution)"
#: The note of a construct whose CR, omega and AVE come from an inadmissible solution.
INADMISSIBLE_NOTE = "CR, omega and AVE from an inadmissible solution: not interpretable"
#: The checks computed from each fitted model of the report.
STRUCTURAL_CHECKS = ("loading", "cr", "omega", "ave", "fornell_larcker", "vif")
CFA_CHECKS = ("latent_correlation_ci",)
HARMAN_CHECKS = ("harman",)
METHOD_CHECKS = ("method_variance",)
#: How the report names each fitted model.
STRUCTURAL_MODEL = "structural model"
CFA_MODEL = "CFA (all constructs correlated)"
HARMAN_MODEL = "Harman one-factor model"
METHOD_MODEL = "method-factor model"


def _matrix_json(frame: pd.DataFrame | None) -> dict[str, Any] | None:
    if frame is None:
        return None
    values = [[None if not np.isfinite(v) else float(v) for v in row] for row in frame.to_numpy(float)]
    return {"rows": list(map(str, frame.index)), "cols": list(map(str, frame.columns)),
            "values": values}


@dataclass(frozen=True, eq=False)
class ValidityReport:
    """Measurement quality of a fitted model, with verdicts against cited thresholds.

    Attributes
    ----------
    constructs : pandas.DataFrame
        Per construct: ``construct, n_items, alpha, alpha_std, alpha_ci_lower,
        alpha_ci_upper, cr, omega, ave, ave_ratio, note``.
    items : pandas.DataFrame
        Per item: ``construct, item, std_loading, se, z, pvalue,
        alpha_if_dropped, r_drop``.
    htmt, htmt2 : pandas.DataFrame
        HTMT (Henseler et al., 2015) and HTMT2 (Roemer et al., 2021); NaN
        where undefined (single-item constructs).
    htmt_ci_lower, htmt_ci_upper, htmt2_ci_lower, htmt2_ci_upper : pandas.DataFrame
        Percentile bootstrap intervals.
    fornell_larcker : pandas.DataFrame
        sqrt(AVE) on the diagonal, latent correlations below.
    latent_correlations : pandas.DataFrame
        Model-implied latent correlations of the fitted model.
    latent_correlation_cis : pandas.DataFrame
        From the CFA of all constructs: ``lhs, rhs, r, ci_lower, ci_upper,
        severity`` (Rönkkö & Cho, 2022).
    cross_loadings : pandas.DataFrame
    vif, vif_composite : pandas.DataFrame
        VIF of the predictors of each structural equation, from latent
        correlations (verdicts) and from composite scores (statsmodels).
    full_collinearity_vif : pandas.Series
        Kock (2015).
    harman_component_share, harman_factor_share : float
        First unrotated principal component / ML factor share of item variance.
    method_factor : MethodFactorResult or None
    checks : pandas.DataFrame
        ``check, target, value, threshold, verdict, source``.
        A check computed from an inadmissible solution has the verdict
        :data:`NOT_INTERPRETABLE` (its value is shown, not judged).
    thresholds : pandas.DataFrame
    notes : tuple of str
    ordinal_items : tuple of str
        The ordinal items of the fit (empty for continuous items). With ordinal
        items ``constructs`` has the columns ``alpha_ordinal`` (= ``alpha``),
        ``alpha_categorical``, ``omega_categorical`` (= ``omega``),
        ``omega_latent`` (see :mod:`.ordinal_reliability`) and ``scale``
        (``ordinal``, ``continuous`` or ``mixed``), and HTMT, HTMT2 and the item
        statistics are on the polychoric correlations.
    admissibility : pandas.DataFrame
        The admissibility problems of every model the report fitted:
        ``model, kind, message, affects`` (the checks computed from that
        model, comma-separated); empty when every solution is admissible.
    """

    fit: FitResult = field(repr=False)
    constructs: pd.DataFrame
    items: pd.DataFrame
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    htmt_ci_lower: pd.DataFrame
    htmt_ci_upper: pd.DataFrame
    htmt2_ci_lower: pd.DataFrame
    htmt2_ci_upper: pd.DataFrame
    fornell_larcker: pd.DataFrame
    latent_correlations: pd.DataFrame
    latent_correlation_cis: pd.DataFrame
    cross_loadings: pd.DataFrame
    vif: pd.DataFrame
    vif_composite: pd.DataFrame
    full_collinearity_vif: pd.Series
    harman_component_share: float
    harman_factor_share: float
    method_factor: MethodFactorResult | None
    checks: pd.DataFrame
    thresholds: pd.DataFrame
    notes: tuple[str, ...] = ()
    admissibility: pd.DataFrame = field(default_factory=lambda: _admissibility_table([]))
    ordinal_items: tuple[str, ...] = ()

    @property
    def correlations(self) -> str:
        """The item correlations behind alpha, HTMT and the item statistics: ``"pearson"``,
        or ``"polychoric"`` for a fit of ordinal items."""
        return POLYCHORIC if self.ordinal_items else "pearson"

    @property
    def admissible(self) -> bool:
        """Whether every model the report fitted converged to an admissible solution."""
        return self.fit.admissible and self.admissibility.empty

    @property
    def admissibility_lines(self) -> list[str]:
        """The admissibility problems as lines: model, problem, the checks it affects."""
        return [f"{row.model}: {row.message} (not interpretable: {row.affects})"
                for row in self.admissibility.itertuples(index=False)]

    @property
    def not_interpretable(self) -> pd.DataFrame:
        """Checks computed from an inadmissible solution (verdict :data:`NOT_INTERPRETABLE`)."""
        return self.checks[self.checks["verdict"] == NOT_INTERPRETABLE].reset_index(drop=True)

    @property
    def failed(self) -> pd.DataFrame:
        """Checks whose verdict is ``fail``."""
        return self.checks[self.checks["verdict"] == "fail"].reset_index(drop=True)

    @property
    def correlation_sources_note(self) -> str:
        """Why Fornell–Larcker and the Rönkkö–Cho intervals can show two correlations of one
        pair, with the pair that differs most."""
        return correlation_sources_note(self.latent_correlations, self.latent_correlation_cis)

    def summary(self, digits: int = 3) -> Summary:
        """Tables of reliability, validity and the verdicts."""
        on = (f" (ordinal items: on polychoric correlations, estimator {self.fit.estimator})"
              if self.ordinal_items else "")
        sections: list[tuple[str, Any]] = [
            ("Admissibility", self.admissibility_lines or ["none"]),
            ("Warnings", [w for w in self.fit.warnings
                          if w not in {p.message for p in self.fit.problems}] or ["none"]),
            ("Reliability and convergent validity" + on,
             self.constructs[list(ORDINAL_SUMMARY_COLUMNS)] if self.ordinal_items
             else self.constructs),
            ("Items" + on, self.items),
            ("HTMT" + on, self.htmt.reset_index(names="construct")),
            ("Fornell-Larcker (sqrt AVE on the diagonal; latent correlations of the "
             "structural model)",
             self.fornell_larcker.reset_index(names="construct")),
            ("Latent correlations (CFA, Ronkko & Cho 2022)", self.latent_correlation_cis),
            ("Why two correlations of one pair differ", [self.correlation_sources_note]),
            ("Structural VIF", self.vif),
            ("Common-method bias", {
                f"Harman: first unrotated factor ({self.fit.estimator if self.ordinal_items else 'ML'}"
                ") share": self.harman_factor_share,
                "Harman: first principal component share"
                + (" (polychoric)" if self.ordinal_items else ""): self.harman_component_share,
                "method factor: mean squared loading": (self.method_factor.method_variance_share
                                                        if self.method_factor else float("nan")),
                "method factor: chi-square difference": (self.method_factor.chisq_difference
                                                         if self.method_factor else float("nan")),
            }),
            ("Checks", readable_checks(self.checks)),
            ("Notes", list(self.notes) or ["none"]),
        ]
        return Summary(f"Measurement quality: {self.fit.spec.name}", tuple(sections), digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``loyaltysem validate --format json``."""
        keys: tuple[str, ...] = ("construct", "n_items", "alpha", "alpha_ci_lower",
                                 "alpha_ci_upper", "cr", "omega", "ave")
        if self.ordinal_items:
            keys += ("scale", "alpha_ordinal", "alpha_categorical", "omega_categorical",
                     "omega_latent")
        constructs = [{k: json_value(row[k]) for k in keys}
                      for _, row in self.constructs.iterrows()]
        sqrt_ave = {name: json_value(self.fornell_larcker.at[name, name])
                    for name in self.fornell_larcker.index}
        return {
            "model": self.fit.spec.name,
            "converged": bool(self.fit.converged),
            "admissible": bool(self.admissible),
            "warnings": self.admissibility_lines + [
                w for w in self.fit.warnings if w not in {p.message for p in self.fit.problems}],
            "admissibility": [{k: json_value(v) for k, v in row.items()}
                              for row in self.admissibility.to_dict(orient="records")],
            "correlations": self.correlations,
            "ordinal": ({"items": list(self.ordinal_items), "estimator": self.fit.estimator,
                         "alpha": "ordinal alpha (Zumbo et al. 2007): standardized alpha of "
                                  "the polychoric correlations",
                         "omega": "categorical omega (Green & Yang 2009), semTools "
                                  "compRelSEM() default",
                         "htmt": "on the polychoric correlations",
                         "htmt_ci": (ORDINAL_HTMT_CI if np.isfinite(
                             self.htmt_ci_upper.to_numpy(dtype=float)).any() else None)}
                        if self.ordinal_items else None),
            "constructs": constructs,
            "htmt": _matrix_json(self.htmt),
            "htmt2": _matrix_json(self.htmt2),
            "fornell_larcker": {"sqrt_ave": sqrt_ave,
                                "latent_correlations": _matrix_json(self.latent_correlations),
                                "source": STRUCTURAL_MODEL},
            "latent_correlation_cis": {
                "source": CFA_MODEL,
                "rows": [{k: json_value(v) for k, v in row.items()} for row in
                         self.latent_correlation_cis.to_dict(orient="records")]},
            "checks": [{k: json_value(v) for k, v in row.items()}
                       for row in self.checks.to_dict(orient="records")],
            "notes": list(self.notes),
        }


def correlation_sources_note(structural: pd.DataFrame, cfa: pd.DataFrame) -> str:
    """Why a pair's latent correlation differs between Fornell–Larcker and Rönkkö–Cho.

    Parameters
    ----------
    structural : pandas.DataFrame
        The structural model's latent correlations (Fornell–Larcker uses them).
    cfa : pandas.DataFrame
        Rows ``lhs, rhs, r, ...`` of the CFA with all constructs correlated
        (the Rönkkö–Cho intervals).

    Returns
    -------
    str
        The reason, and the pair that differs most when any differs by .01 or more.
    """
    from ..apa import apa_number

    text = ("Fornell–Larcker compares √AVE with the latent correlations of the structural "
            "model, which its paths constrain (a correlation there is implied by the paths); "
            "the Rönkkö–Cho intervals come from the CFA in which every pair of constructs "
            "correlates freely. The two can differ for the same pair; the CFA's is the "
            "unconstrained estimate of the constructs' correlation.")
    largest: tuple[float, str, str, float, float] | None = None
    for row in cfa.itertuples(index=False):
        if row.lhs in structural.index and row.rhs in structural.columns:
            implied = float(structural.at[row.lhs, row.rhs])
            gap = abs(implied - float(row.r))
            if np.isfinite(gap) and (largest is None or gap > largest[0]):
                largest = (gap, str(row.lhs), str(row.rhs), implied, float(row.r))
    if largest is not None and largest[0] >= 0.01:
        _, a, b, implied, free = largest
        text += (f" Here they differ most for {a}–{b}: {apa_number(implied, 3, True)} in the "
                 f"structural model, {apa_number(free, 3, True)} in the CFA.")
    return text


def measurement_model(spec: ModelSpec) -> ModelSpec:
    """The CFA of a spec: its first-order constructs, item covariances and fixings, all
    constructs correlated (second-order factors are left out: their indicators are constructs)."""
    latent = set(spec.roles.latent)
    statements = [s for s in spec.statements if (s.op == "=~" and s.rhs not in latent)
                  or (s.op == "~~" and s.lhs not in latent and s.rhs not in latent)]
    return ModelSpec(statements=tuple(statements), name=f"{spec.name}_cfa", source=spec.source)


def _quiet_fit(spec: ModelSpec | str | Path, data: pd.DataFrame | str | None, *,
               allow_codes: bool = True, **options: Any) -> FitResult:
    """A fit whose warnings stay on the result instead of being emitted.

    By default a side model on data that the main fit has checked already
    (codes included); ``allow_codes=False`` for the main fit of the user's data;
    ``options`` go to :func:`~loyaltysem.estimate.fit` (``ordered``, ``estimator``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(spec, data, emit_warnings=False, allow_codes=allow_codes, **options)


def _side_options(result: FitResult, items: Sequence[str]) -> dict[str, Any]:
    """The options of a side model of ``items`` fitted like ``result``: the same ordinal
    items and estimator for a fit of ordinal items, none otherwise."""
    ordinal = set(ordinal_items(result))
    ordered = [item for item in items if item in ordinal]
    return {"ordered": ordered, "estimator": result.estimator} if ordered else {}


def assess_measurement(
    model: FitResult | ModelSpec | str | Path,
    data: pd.DataFrame | str | None = None,
    *,
    thresholds: dict[str, float] | pd.DataFrame | None = None,
    n_boot: int = 1000,
    seed: int | None = 1,
    method_factor: bool = True,
    progress: bool = False,
) -> ValidityReport:
    """Assess reliability, convergent and discriminant validity, collinearity and method bias.

    Parameters
    ----------
    model : FitResult, ModelSpec or path
        A fitted model, or a spec to fit to ``data``.
    data : DataFrame, path or dataset name, optional
        Needed when ``model`` is not a FitResult.
    thresholds : mapping or DataFrame, optional
        Overrides of :data:`~loyaltysem.validity.thresholds.DEFAULT_THRESHOLDS`.
    n_boot : int
        Bootstrap resamples for the HTMT intervals, 0 (to skip) to
        :data:`~loyaltysem.arguments.MAX_BOOTSTRAP`.
    seed : int
        Seed of the HTMT bootstrap (0 to 2**32 - 1).
    method_factor : bool
        Fit the unmeasured latent method factor model (one more fit).
    progress : bool
        A progress bar with the time left for the HTMT bootstrap.

    Returns
    -------
    ValidityReport

    Raises
    ------
    ArgumentError
        For an argument of the wrong value or type, before any fit.

    Notes
    -----
    Everything is computed on the complete cases the model was fitted to.
    The admissibility of every fitted model (the structural model, the CFA
    behind the latent-correlation intervals, Harman's one-factor model, the
    method-factor model) is checked: each problem is reported in
    ``admissibility`` with the checks computed from that model, and those
    checks get the verdict :data:`NOT_INTERPRETABLE` instead of pass, warn or
    fail (a Heywood loading of 1.2 gives a "CR" that is not a reliability).
    Fornell–Larcker uses the latent correlations of the structural model;
    the Rönkkö–Cho intervals those of the CFA; the two may differ when the
    structural model constrains the latent covariances.
    Single-item constructs are skipped with a stated reason, never failed.
    Negatively keyed items (negative loadings) are reported in ``notes``;
    HTMT uses absolute correlations (semTools), alpha does not reverse
    them — recode such items before computing alpha.

    For a fit of ordinal items (``fit(..., ordered=...)``) every item statistic is
    on the polychoric correlations the model was fitted to: ``alpha`` is the
    ordinal alpha (Zumbo et al., 2007), ``omega`` the categorical omega (Green &
    Yang, 2009; semTools' ``compRelSEM()`` default), HTMT and HTMT2 those of the
    polychorics (semTools' ``htmt(ordered =)``; the bootstrap recomputes them in
    every resample), the CFA and Harman's one-factor model are fitted with the
    same ordinal items and estimator, and the method-factor check is skipped
    with a note (see ``docs/ordinal.md`` and :mod:`.ordinal_report`).

    Examples
    --------
    >>> from loyaltysem import ModelSpec
    >>> spec = ModelSpec.from_lavaan("COMP =~ comp_1 + comp_2 + comp_3\\n"
    ...                              "LIKE =~ like_1 + like_2 + like_3")
    >>> report = assess_measurement(spec, "corp_rep", n_boot=0, method_factor=False)
    >>> report.constructs[["construct", "alpha"]].round(3)   # psych::alpha(items)$total
      construct  alpha
    0      COMP  0.776
    1      LIKE  0.827
    """
    table = _check_arguments(model, data, thresholds, n_boot, seed, method_factor)
    result = (model if isinstance(model, FitResult)
              else _quiet_fit(model, data, allow_codes=False))
    from ..arguments import check_bool

    return _assess(result, table, n_boot=n_boot, seed=seed, method_factor=method_factor,
                   progress=check_bool("progress", progress))


def _assess(result: FitResult, table: pd.DataFrame, *, n_boot: int, seed: int | None,
            method_factor: bool, progress: bool = False) -> ValidityReport:
    """:func:`assess_measurement` of a fitted model, its arguments checked; ``table`` holds
    the thresholds."""
    spec = result.spec
    data_used, constructs, notes = _measured_constructs(result)
    ordinal = ordinal_items(result)
    if ordinal:
        notes[:0] = ordinal_notes(result)
        construct_table, item_table = ordinal_construct_tables(result, constructs, data_used,
                                                               notes)
    else:
        construct_table, item_table = _construct_tables(result, constructs, data_used, notes)

    blocks = {name: c.items for name, c in constructs.items()}
    if ordinal:
        htmt_table, htmt2_table = polychoric_htmt(result, blocks)
        lower = upper = lower2 = upper2 = htmt_table * np.nan
        if n_boot > 0:
            (lower, upper, lower2, upper2), failed = polychoric_htmt_intervals(
                result, data_used, blocks, n_boot=n_boot, seed=seed, progress=progress)
            notes.append(f"{ORDINAL_HTMT_CI}; {n_boot} resamples"
                         + (f", {failed} left out (an item with a single category)"
                            if failed else ""))
    else:
        htmt_table, htmt2_table, lower, upper, lower2, upper2 = _htmt_tables(
            data_used, blocks, n_boot, seed, progress)
    ave = construct_table.set_index("construct")["ave"]
    latent_cor = result.latent_cor.loc[list(constructs), list(constructs)]
    fl_table = fornell_larcker(ave, latent_cor)

    cfa_spec = measurement_model(spec)
    cfa = _quiet_fit(cfa_spec, data_used, **_side_options(result, cfa_spec.roles.observed))
    latent = set(spec.roles.latent)
    correlation_table = _latent_correlation_table(cfa, latent)
    vif_table, vif_composite_table, full_vif = _collinearity_tables(spec, latent_cor, data_used,
                                                                    blocks)
    component_share, factor_share, one_factor = _harman(data_used, constructs, result)
    structural_checks = (tuple(c for c in STRUCTURAL_CHECKS if c != "omega")
                         + ("omega_categorical",) if ordinal else STRUCTURAL_CHECKS)
    fitted = [(STRUCTURAL_MODEL, result, structural_checks), (CFA_MODEL, cfa, CFA_CHECKS),
              (HARMAN_MODEL, one_factor, HARMAN_CHECKS)]
    if method_factor and ordinal:
        notes.append(NO_ORDINAL_METHOD_FACTOR)
    method_result = (_method_factor_assessment(spec, blocks, data_used, cfa, notes, fitted)
                     if method_factor and not ordinal else None)

    checks = _checks(table, construct_table, item_table, htmt_table, upper, fl_table,
                     correlation_table, vif_table, full_vif, factor_share, method_result,
                     ordinal=bool(ordinal))
    admissibility = _admissibility_table(fitted)
    checks = _mark_not_interpretable(checks, admissibility)
    if any("cr" in text.split(", ") for text in admissibility["affects"]):
        computed = construct_table["note"] == ""
        construct_table.loc[computed, "note"] = INADMISSIBLE_NOTE
    return ValidityReport(
        fit=result, constructs=construct_table, items=item_table, htmt=htmt_table,
        htmt2=htmt2_table, htmt_ci_lower=lower, htmt_ci_upper=upper, htmt2_ci_lower=lower2,
        htmt2_ci_upper=upper2, fornell_larcker=fl_table, latent_correlations=latent_cor,
        latent_correlation_cis=correlation_table, cross_loadings=cross_loadings(data_used, blocks),
        vif=vif_table, vif_composite=vif_composite_table, full_collinearity_vif=full_vif,
        harman_component_share=component_share, harman_factor_share=factor_share,
        method_factor=method_result, checks=checks, thresholds=table, notes=tuple(notes),
        admissibility=admissibility, ordinal_items=ordinal)


def _htmt_tables(data: pd.DataFrame, blocks: dict[str, tuple[str, ...]], n_boot: int,
                 seed: int | None, progress: bool = False) -> tuple[pd.DataFrame, ...]:
    """HTMT (Henseler et al., 2015) and HTMT2 (Roemer et al., 2021) of the item blocks and
    their percentile bootstrap intervals from ``n_boot`` resamples (0: NaN intervals):
    ``(htmt, htmt2, htmt_ci_lower, htmt_ci_upper, htmt2_ci_lower, htmt2_ci_upper)``."""
    htmt_table = htmt(data, blocks)
    htmt2_table = htmt(data, blocks, geometric=True)
    if n_boot > 0:
        lower, upper, lower2, upper2 = htmt_bootstrap_intervals(data, blocks, n_boot=n_boot,
                                                                seed=seed, progress=progress)
    else:
        lower = upper = lower2 = upper2 = htmt_table * np.nan
    return htmt_table, htmt2_table, lower, upper, lower2, upper2


def _collinearity_tables(spec: ModelSpec, latent_cor: pd.DataFrame, data: pd.DataFrame,
                         blocks: dict[str, tuple[str, ...]]
                         ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """VIF of the predictors of each structural equation between constructs, from the latent
    correlations and from composite scores, and the full collinearity VIF (Kock, 2015)."""
    latent = set(spec.roles.latent)
    equations: dict[str, list[str]] = {}
    for source_, target in spec.structural_paths:
        if source_ in latent and target in latent:
            equations.setdefault(target, []).append(source_)
    scores = composite_scores(data, blocks)
    return (latent_vif(latent_cor, equations), composite_vif(scores, equations),
            full_collinearity_vif(scores))


def _method_factor_assessment(spec: ModelSpec, blocks: dict[str, tuple[str, ...]],
                              data: pd.DataFrame, cfa: FitResult, notes: list[str],
                              fitted: list[tuple[str, FitResult, tuple[str, ...]]]
                              ) -> MethodFactorResult | None:
    """The CFA against the CFA with a method factor; the method-factor fit is added to
    ``fitted`` and what went wrong to ``notes`` (None when it is not identified)."""
    method_fit = _method_factor_fit(spec, blocks, data, notes)
    if method_fit is None:
        return None
    fitted.append((METHOD_MODEL, method_fit, METHOD_CHECKS))
    method_result = compare_method_factor(cfa, method_fit)
    if not method_result.admissible:
        notes.append("the method-factor model is not admissible or did not converge: "
                     + "; ".join(method_result.warnings[:3]))
    return method_result


def _measured_constructs(result: FitResult) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    """The complete rows, the first-order constructs and the notes on what is left out."""
    spec = result.spec
    data_used = result.data
    notes: list[str] = []
    if result.missing == "ml":  # the item statistics need complete rows
        data_used = data_used.dropna().reset_index(drop=True)
        notes.append(f"the model was fitted by full-information ML; alpha, HTMT and the "
                     f"other item statistics use the {len(data_used)} complete rows")
    latent_names = set(spec.roles.latent)
    constructs = {name: c for name, c in spec.constructs.items()
                  if not any(item in latent_names for item in c.items)}
    for name, construct in spec.constructs.items():
        if name not in constructs:
            notes.append(f"{name}: second-order construct (measured by "
                         f"{', '.join(construct.items)}); the item-based checks apply to its "
                         "first-order constructs")
    for name in [name for name, c in constructs.items() if len(c.items) < 2]:
        notes.append(f"{name}: {SINGLE_ITEM_REASON}; HTMT is undefined for it")
    return data_used, constructs, notes


def _harman(data: pd.DataFrame, constructs: dict[str, Any], result: FitResult
            ) -> tuple[float, float, FitResult]:
    """Harman's test: first principal component share, one-factor model share and fit (for
    ordinal items on the polychoric correlations, the one-factor model fitted as ``result``)."""
    all_items = list(dict.fromkeys(i for c in constructs.values() for i in c.items))
    options = _side_options(result, all_items)
    component_share = (first_component_share(fit_correlations(result).loc[all_items, all_items]
                                             .to_numpy()) if options
                       else harman_single_factor(data[all_items]))
    one_factor_spec = ModelSpec(statements=tuple(Statement("HARMAN", "=~", i) for i in all_items),
                                name="harman")
    one_factor = _quiet_fit(one_factor_spec, data, **options)
    factor_share = float(np.mean(one_factor.loadings["std_all"].to_numpy() ** 2))
    return component_share, factor_share, one_factor


def _construct_tables(result: FitResult, constructs: dict[str, Any], data_used: pd.DataFrame,
                      notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per construct (alpha, CR, omega, AVE) and per item (loading, item statistics)."""
    std = result.standardized_solution()
    loadings = std[std["op"] == "=~"].rename(columns={"lhs": "construct", "rhs": "item",
                                                     "est_std": "std_loading"})
    unstd = result.loadings.set_index(["lhs", "rhs"])["est"]
    sample_cov = result.sample_cov
    item_rows = []
    construct_rows = []
    for name, construct in constructs.items():
        block = loadings[loadings["construct"] == name].set_index("item")
        row: dict[str, Any] = {"construct": name, "n_items": len(construct.items)}
        if len(construct.items) >= 2:
            items_frame = data_used[list(construct.items)]
            alpha = cronbach_alpha(items_frame)
            stats = item_statistics(items_frame)
            lam = block.loc[list(construct.items), "std_loading"].to_numpy()
            raw = np.array([unstd[(name, item)] for item in construct.items])
            psi = float(result.latent_cov.at[name, name])
            cov_items = sample_cov.loc[list(construct.items), list(construct.items)].to_numpy()
            row.update(alpha=alpha.alpha, alpha_std=alpha.std_alpha, alpha_ci_lower=alpha.ci_lower,
                       alpha_ci_upper=alpha.ci_upper, cr=composite_reliability(lam),
                       omega=omega(raw, psi, cov_items), ave=ave_fornell_larcker(lam),
                       ave_ratio=ave_ratio_of_sums(raw, psi, np.diag(cov_items)), note="")
            negative = [item for item, value in zip(construct.items, lam) if value < 0]
            if negative:
                notes.append(f"{name}: negative loading(s) of {', '.join(negative)} — negatively "
                             "keyed items? Recode them (reverse the scale) before interpreting "
                             "alpha, CR and AVE")
        else:
            stats = pd.DataFrame(index=list(construct.items),
                                 data={"alpha_if_dropped": np.nan, "r_drop": np.nan})
            row.update(alpha=np.nan, alpha_std=np.nan, alpha_ci_lower=np.nan, alpha_ci_upper=np.nan,
                       cr=np.nan, omega=np.nan, ave=np.nan, ave_ratio=np.nan, note=SINGLE_ITEM_REASON)
        construct_rows.append(row)
        for item in construct.items:
            item_rows.append({"construct": name, "item": item,
                              "std_loading": block.at[item, "std_loading"],
                              "se": block.at[item, "se"], "z": block.at[item, "z"],
                              "pvalue": block.at[item, "pvalue"],
                              "alpha_if_dropped": stats.at[item, "alpha_if_dropped"],
                              "r_drop": stats.at[item, "r_drop"]})
    return pd.DataFrame(construct_rows), pd.DataFrame(item_rows)


def _latent_correlation_table(cfa: FitResult, latent: set[str]) -> pd.DataFrame:
    """Latent correlations of the CFA with their intervals and Ronkko-Cho severity."""
    cfa_std = cfa.standardized_solution()
    pairs = cfa_std[(cfa_std["op"] == "~~") & (cfa_std["lhs"] != cfa_std["rhs"])
                    & cfa_std["lhs"].isin(latent) & cfa_std["rhs"].isin(latent)]
    correlation_rows = []
    for pair in table_rows(pairs):
        limit = max(abs(pair.ci_lower), abs(pair.ci_upper))
        correlation_rows.append({"lhs": pair.lhs, "rhs": pair.rhs, "r": pair.est_std,
                                 "ci_lower": pair.ci_lower, "ci_upper": pair.ci_upper,
                                 "severity": ronkko_cho_class(limit)})
    return pd.DataFrame(correlation_rows,
                        columns=["lhs", "rhs", "r", "ci_lower", "ci_upper", "severity"])


def _method_factor_fit(spec: ModelSpec, blocks: dict[str, tuple[str, ...]],
                       data: pd.DataFrame, notes: list[str]) -> FitResult | None:
    """The CFA with an unmeasured latent method factor; None (and a note) if not identified."""
    from ..spec.lavaan_syntax import parse_lavaan

    base_spec = measurement_model(spec)
    try:
        extended = ModelSpec(statements=base_spec.statements
                             + parse_lavaan(method_factor_statements(dict(blocks))),
                             name=f"{spec.name}_method")
    except NotIdentifiedError as error:
        notes.append(f"the method-factor model is not identified ({error}): the method-factor "
                     "check is skipped")
        return None
    return _quiet_fit(extended, data)


def _check_arguments(model: Any, data: Any, thresholds: Any, n_boot: Any, seed: Any,
                     method_factor: Any) -> pd.DataFrame:
    """Refuse a bad argument of :func:`assess_measurement` before any fit; the thresholds."""
    if not isinstance(model, (FitResult, ModelSpec, str, Path)):
        raise fail("model", "a FitResult, a ModelSpec, a spec file path or lavaan syntax", model)
    if not isinstance(model, FitResult) and data is None:
        raise ArgumentError("data must be given when model is not a FitResult (the data to fit "
                            "the model to); got None")
    check_int("n_boot", n_boot, low=0, high=MAX_BOOTSTRAP)
    check_seed("seed", seed)
    check_bool("method_factor", method_factor)
    return resolve_thresholds(thresholds)


def _admissibility_table(fitted: Sequence[tuple[str, FitResult, Sequence[str]]]) -> pd.DataFrame:
    """One row per admissibility problem of the fitted models: ``model, kind, message, affects``.

    A problem shared by several models (a CFA spec is its own measurement
    model) is one row naming them all.
    """
    rows: dict[str, dict[str, Any]] = {}
    for name, fitted_result, checks in fitted:
        problems = list(fitted_result.problems)
        if not fitted_result.converged and not any(p.kind == "ConvergenceWarning"
                                                   for p in problems):
            problems.insert(0, Problem(ConvergenceWarning, "the optimiser did not converge"))
        for problem in problems:
            row = rows.setdefault(problem.message, {"model": [], "kind": problem.kind,
                                                    "message": problem.message, "affects": []})
            row["model"].append(name)
            row["affects"] += [c for c in checks if c not in row["affects"]]
    return pd.DataFrame([{**row, "model": " and ".join(row["model"]),
                          "affects": ", ".join(row["affects"])} for row in rows.values()],
                        columns=["model", "kind", "message", "affects"])


def _mark_not_interpretable(checks: pd.DataFrame, admissibility: pd.DataFrame) -> pd.DataFrame:
    """Checks computed from an inadmissible solution get the verdict :data:`NOT_INTERPRETABLE`."""
    affected = {c.strip() for text in admissibility["affects"] for c in text.split(",")}
    checks = checks.copy()
    mask = checks["check"].isin(affected) & (checks["verdict"] != "skipped")
    checks.loc[mask, "verdict"] = NOT_INTERPRETABLE
    return checks


def _checks(table, constructs, items, htmt_table, htmt_upper, fl_table, correlations, vif,
            full_vif, harman, method, ordinal: bool = False) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []

    def add(check: str, target: str, value: float, reason: str = "") -> None:
        threshold = table.loc[ORDINAL_CHECK_THRESHOLDS.get(check, check)]
        result = verdict(value, threshold) if not reason else "skipped"
        rows.append({"check": check, "target": target, "value": value,
                     "threshold": f"{threshold['direction']} {threshold['pass']:g}",
                     "verdict": result, "source": reason or threshold["source"]})

    for row in constructs.itertuples(index=False):
        on_polychorics = ordinal and getattr(row, "scale", "") != "continuous"
        for check, column in ((("alpha_ordinal", "alpha"), ("cr", "cr"),
                               ("omega_categorical", "omega"), ("ave", "ave")) if on_polychorics
                              else (("alpha", "alpha"), ("cr", "cr"), ("omega", "omega"),
                                    ("ave", "ave"))):
            value = getattr(row, column)
            add(check, row.construct, value, "" if np.isfinite(value) else row.note)
    for row in items.itertuples(index=False):
        single = constructs.set_index("construct").at[row.construct, "n_items"] < 2
        add("loading", f"{row.construct} =~ {row.item}", row.std_loading,
            SINGLE_ITEM_REASON if single else "")
        if not single:
            add("item_total", row.item, row.r_drop)
    names = list(htmt_table.index)
    for i, a in enumerate(names):
        for b in names[:i]:
            value = htmt_table.at[a, b]
            reason = "" if np.isfinite(value) else "HTMT undefined: single-item construct"
            add("htmt_polychoric" if ordinal else "htmt", f"{b} - {a}", value, reason)
            upper = htmt_upper.at[a, b]
            add("htmt_ci_upper", f"{b} - {a}", upper,
                "" if np.isfinite(upper) else reason or "no bootstrap")
    for name in fl_table.index:
        sqrt_ave = fl_table.at[name, name]
        others = [abs(v) for other, v in pd.concat([fl_table.loc[name], fl_table[name]]).items()
                  if other != name and np.isfinite(v)]
        value = sqrt_ave - max(others) if others and np.isfinite(sqrt_ave) else np.nan
        add("fornell_larcker", name, value, "" if np.isfinite(sqrt_ave) else SINGLE_ITEM_REASON)
    for row in correlations.itertuples(index=False):
        add("latent_correlation_ci", f"{row.lhs} - {row.rhs}",
            max(abs(row.ci_lower), abs(row.ci_upper)))
    for row in vif.itertuples(index=False):
        add("vif", f"{row.predictor} -> {row.equation}", row.vif)
    for name, value in full_vif.items():
        add("full_collinearity_vif", name, value)
    add("harman", "all items", harman)
    if method is not None:
        add("method_variance", "all items", method.method_variance_share)
    return pd.DataFrame(rows, columns=["check", "target", "value", "threshold", "verdict", "source"])
