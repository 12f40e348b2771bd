"""ValidityReport: the whole measurement-quality assessment in one call."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..estimate import FitResult, fit
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
    htmt_bootstrap,
    ronkko_cho_class,
)
from .method_bias import (
    MethodFactorResult,
    compare_method_factor,
    harman_single_factor,
    method_factor_statements,
)
from .reliability import cronbach_alpha, item_statistics
from .thresholds import resolve_thresholds, verdict

SINGLE_ITEM_REASON = "single-item construct: reliability and AVE are not defined"


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
    thresholds : pandas.DataFrame
    notes : tuple of str
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

    @property
    def failed(self) -> pd.DataFrame:
        """Checks whose verdict is ``fail``."""
        return self.checks[self.checks["verdict"] == "fail"].reset_index(drop=True)

    def summary(self, digits: int = 3) -> Summary:
        """Tables of reliability, validity and the verdicts."""
        sections: list[tuple[str, Any]] = [
            ("Reliability and convergent validity", self.constructs),
            ("Items", self.items),
            ("HTMT", self.htmt.reset_index(names="construct")),
            ("Fornell-Larcker (sqrt AVE on the diagonal)",
             self.fornell_larcker.reset_index(names="construct")),
            ("Latent correlations (CFA, Ronkko & Cho 2022)", self.latent_correlation_cis),
            ("Structural VIF", self.vif),
            ("Common-method bias", {
                "Harman: first unrotated factor (ML) share": self.harman_factor_share,
                "Harman: first principal component share": self.harman_component_share,
                "method factor: mean squared loading": (self.method_factor.method_variance_share
                                                        if self.method_factor else float("nan")),
                "method factor: chi-square difference": (self.method_factor.chisq_difference
                                                         if self.method_factor else float("nan")),
            }),
            ("Checks", self.checks),
            ("Notes", list(self.notes) or ["none"]),
        ]
        return Summary(f"Measurement quality: {self.fit.spec.name}", tuple(sections), digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``loyaltysem validate --format json``."""
        constructs = [
            {k: json_value(row[k]) for k in ("construct", "n_items", "alpha", "alpha_ci_lower",
                                          "alpha_ci_upper", "cr", "omega", "ave")}
            for _, row in self.constructs.iterrows()]
        sqrt_ave = {name: json_value(self.fornell_larcker.at[name, name])
                    for name in self.fornell_larcker.index}
        return {
            "model": self.fit.spec.name,
            "constructs": constructs,
            "htmt": _matrix_json(self.htmt),
            "htmt2": _matrix_json(self.htmt2),
            "fornell_larcker": {"sqrt_ave": sqrt_ave,
                                "latent_correlations": _matrix_json(self.latent_correlations)},
            "checks": [{k: json_value(v) for k, v in row.items()}
                       for row in self.checks.to_dict(orient="records")],
            "notes": list(self.notes),
        }


def measurement_model(spec: ModelSpec) -> ModelSpec:
    """The CFA of a spec: its first-order constructs, item covariances and fixings, all
    constructs correlated (second-order factors are left out: their indicators are constructs)."""
    latent = set(spec.roles.latent)
    statements = [s for s in spec.statements if (s.op == "=~" and s.rhs not in latent)
                  or (s.op == "~~" and s.lhs not in latent and s.rhs not in latent)]
    return ModelSpec(statements=tuple(statements), name=f"{spec.name}_cfa", source=spec.source)


def _quiet_fit(spec: ModelSpec, data: pd.DataFrame) -> FitResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(spec, data, emit_warnings=False)


def assess_measurement(
    model: FitResult | ModelSpec | str | Path,
    data: pd.DataFrame | str | None = None,
    *,
    thresholds: dict[str, float] | pd.DataFrame | None = None,
    n_boot: int = 1000,
    seed: int | None = 1,
    method_factor: bool = True,
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
        Bootstrap resamples for the HTMT intervals (0 to skip).
    seed : int
        Seed of the HTMT bootstrap.
    method_factor : bool
        Fit the unmeasured latent method factor model (one more fit).

    Returns
    -------
    ValidityReport

    Notes
    -----
    Everything is computed on the complete cases the model was fitted to.
    Single-item constructs are skipped with a stated reason, never failed.
    Negatively keyed items (negative loadings) are reported in ``notes``;
    HTMT uses absolute correlations (semTools), alpha does not reverse
    them — recode such items before computing alpha.

    Examples
    --------
    >>> report = assess_measurement("models/ecsi.yaml", "mobi")   # doctest: +SKIP
    >>> report.failed[["check", "target"]]                          # doctest: +SKIP
    """
    result = model if isinstance(model, FitResult) else None
    if result is None:
        if data is None:
            raise ValueError("give the data to fit the model to (data=...)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fit(cast("ModelSpec | str | Path", model), data, emit_warnings=False)
    spec = result.spec
    data_used = result.data
    early_notes: list[str] = []
    if result.missing == "ml":  # the item statistics need complete rows
        data_used = data_used.dropna().reset_index(drop=True)
        early_notes.append(f"the model was fitted by full-information ML; alpha, HTMT and the "
                           f"other item statistics use the {len(data_used)} complete rows")
    table = resolve_thresholds(thresholds)
    notes: list[str] = list(early_notes)
    latent_names = set(spec.roles.latent)
    constructs = {name: c for name, c in spec.constructs.items()
                  if not any(item in latent_names for item in c.items)}
    for name, construct in spec.constructs.items():
        if name not in constructs:
            notes.append(f"{name}: second-order construct (measured by "
                         f"{', '.join(construct.items)}); the item-based checks apply to its "
                         "first-order constructs")
    multi = {name: c.items for name, c in constructs.items() if len(c.items) >= 2}
    singles = [name for name, c in constructs.items() if len(c.items) < 2]
    for name in singles:
        notes.append(f"{name}: {SINGLE_ITEM_REASON}; HTMT is undefined for it")

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
        if name in multi:
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
    construct_table = pd.DataFrame(construct_rows)
    item_table = pd.DataFrame(item_rows)

    blocks = {name: c.items for name, c in constructs.items()}
    htmt_table = htmt(data_used, blocks)
    htmt2_table = htmt(data_used, blocks, geometric=True)
    if n_boot > 0:
        lower, upper = htmt_bootstrap(data_used, blocks, n_boot=n_boot, seed=seed)
        lower2, upper2 = htmt_bootstrap(data_used, blocks, n_boot=n_boot, seed=seed, geometric=True)
    else:
        lower = upper = lower2 = upper2 = htmt_table * np.nan
    ave = construct_table.set_index("construct")["ave"]
    latent_cor = result.latent_cor.loc[list(constructs), list(constructs)]
    fl_table = fornell_larcker(ave, latent_cor)

    cfa = _quiet_fit(measurement_model(spec), data_used)
    cfa_std = cfa.standardized_solution()
    latent = set(spec.roles.latent)
    pairs = cfa_std[(cfa_std["op"] == "~~") & (cfa_std["lhs"] != cfa_std["rhs"])
                    & cfa_std["lhs"].isin(latent) & cfa_std["rhs"].isin(latent)]
    correlation_rows = []
    for pair in table_rows(pairs):
        limit = max(abs(pair.ci_lower), abs(pair.ci_upper))
        correlation_rows.append({"lhs": pair.lhs, "rhs": pair.rhs, "r": pair.est_std,
                                 "ci_lower": pair.ci_lower, "ci_upper": pair.ci_upper,
                                 "severity": ronkko_cho_class(limit)})
    correlation_table = pd.DataFrame(correlation_rows,
                                     columns=["lhs", "rhs", "r", "ci_lower", "ci_upper", "severity"])

    equations: dict[str, list[str]] = {}
    for source_, target in spec.structural_paths:
        if source_ in latent and target in latent:
            equations.setdefault(target, []).append(source_)
    scores = composite_scores(data_used, blocks)
    vif_table = latent_vif(latent_cor, equations)
    vif_composite_table = composite_vif(scores, equations)
    full_vif = full_collinearity_vif(scores)

    all_items = list(dict.fromkeys(i for c in constructs.values() for i in c.items))
    component_share = harman_single_factor(data_used[all_items])
    one_factor_spec = ModelSpec(statements=tuple(Statement("HARMAN", "=~", i) for i in all_items),
                                name="harman")
    one_factor = _quiet_fit(one_factor_spec, data_used)
    factor_share = float(np.mean(one_factor.loadings["std_all"].to_numpy() ** 2))

    method_result = None
    if method_factor:
        from ..spec.lavaan_syntax import parse_lavaan

        base_spec = measurement_model(spec)
        extended = ModelSpec(statements=base_spec.statements
                             + parse_lavaan(method_factor_statements(dict(blocks))),
                             name=f"{spec.name}_method")
        method_result = compare_method_factor(cfa, _quiet_fit(extended, data_used))
        if not method_result.admissible:
            notes.append("the method-factor model is not admissible or did not converge: "
                         + "; ".join(method_result.warnings[:3]))

    checks = _checks(table, construct_table, item_table, htmt_table, upper, fl_table,
                     correlation_table, vif_table, full_vif, factor_share, method_result)
    return ValidityReport(
        fit=result, constructs=construct_table, items=item_table, htmt=htmt_table,
        htmt2=htmt2_table, htmt_ci_lower=lower, htmt_ci_upper=upper, htmt2_ci_lower=lower2,
        htmt2_ci_upper=upper2, fornell_larcker=fl_table, latent_correlations=latent_cor,
        latent_correlation_cis=correlation_table, cross_loadings=cross_loadings(data_used, blocks),
        vif=vif_table, vif_composite=vif_composite_table, full_collinearity_vif=full_vif,
        harman_component_share=component_share, harman_factor_share=factor_share,
        method_factor=method_result, checks=checks, thresholds=table, notes=tuple(notes))


def _checks(table, constructs, items, htmt_table, htmt_upper, fl_table, correlations, vif,
            full_vif, harman, method) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []

    def add(check: str, target: str, value: float, reason: str = "") -> None:
        threshold = table.loc[check]
        result = verdict(value, threshold) if not reason else "skipped"
        rows.append({"check": check, "target": target, "value": value,
                     "threshold": f"{threshold['direction']} {threshold['pass']:g}",
                     "verdict": result, "source": reason or threshold["source"]})

    for row in constructs.itertuples(index=False):
        for check, column in (("alpha", "alpha"), ("cr", "cr"), ("omega", "omega"), ("ave", "ave")):
            add(check, row.construct, getattr(row, column), row.note)
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
            add("htmt", f"{b} - {a}", value, reason)
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
