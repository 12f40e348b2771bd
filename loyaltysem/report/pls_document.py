"""The PLS-SEM report, alone (``method="pls"``) or beside CB-SEM (``method="both"``).

Sections: warnings (first), model, data, outer model, structural model (the
path diagram, paths with bootstrap intervals, R²), reliability and validity
(α, ρA, ρc, AVE and the checks against the project's cited thresholds),
discriminant validity (HTMT, Fornell–Larcker), effect sizes (f²), effects;
with ``both``, CB-SEM beside PLS-SEM: the paths, loadings and R² of the same
spec by both methods in one table each, with a note on why they differ. The
renderers of :mod:`.document` write it as HTML, Markdown or LaTeX, escaping
every text from the spec or the data.

References
----------
Rigdon, E. E. (2012). Rethinking partial least squares path modeling: In
praise of simple methods. Long Range Planning, 45(5-6), 341-358.
Sarstedt, M., Hair, J. F., Ringle, C. M., Thiele, K. O., & Gudergan, S. P.
(2016). Estimation issues with PLS and CBSEM: Where the bias lies! Journal of
Business Research, 69(10), 3998-4010.
Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path
modeling. MIS Quarterly, 39(2), 297-316.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .tables import apa_number
from .pls_tables import (
    comparison_loadings,
    comparison_paths,
    comparison_r2,
    effects_frame,
    f2_table,
    hypotheses_table,
    matrix_table,
    model_fit_table,
    outer_table,
    paths_table,
    quality_checks,
    quality_table,
    r2_table,
)

if TYPE_CHECKING:
    from ..estimate import FitResult
    from ..pls import PLSResult

Item = tuple[Any, ...]

#: the sections of a PLS-SEM report, in this order (the warnings first; "Hypotheses"
#: only when the spec has some)
PLS_SECTIONS = ("Warnings", "Model", "Data", "Outer model", "Structural model", "Hypotheses",
                "Reliability and validity", "Discriminant validity", "Effect sizes", "Effects")
#: added after "Structural model" by ``method="both"``
COMPARISON_SECTION = "CB-SEM beside PLS-SEM"
#: what the report says first when the PLS algorithm did not converge
NOT_CONVERGED = ("The PLS algorithm did not converge: do not interpret the estimates below "
                 "before resolving this (more iterations, or check the model and data).")


@dataclass(frozen=True, eq=False)
class PLSReport:
    """Everything a PLS-SEM report shows.

    Attributes
    ----------
    result : PLSResult
        The PLS-SEM fit (with its bootstrap, if any).
    n_total : int or None
        Rows in the data before missing values were handled.
    data_source : str, optional
        A dataset name or a CSV's path, shown in the Data section.
    cb : FitResult, optional
        The CB-SEM fit of the same spec (``method="both"``).
    cb_refused : str, optional
        Why CB-SEM did not estimate the spec (``method="both"``; e.g. composites).
    """

    result: PLSResult
    n_total: int | None = None
    data_source: str | None = None
    cb: FitResult | None = None
    cb_refused: str | None = None

    @property
    def method(self) -> str:
        """``"both"`` when the report puts CB-SEM beside PLS-SEM, else ``"pls"``."""
        return "both" if self.cb is not None or self.cb_refused is not None else "pls"

    @property
    def title(self) -> str:
        suffix = "CB-SEM and PLS-SEM" if self.method == "both" else f"{self.result.method}-SEM"
        return f"loyaltysem report ({suffix}): {self.result.spec.name}"


def build_pls_report(result: PLSResult, *, cb: FitResult | None = None,
                     cb_refused: str | None = None, n_total: int | None = None,
                     data_source: str | None = None) -> PLSReport:
    """The report of a PLS-SEM fit, alone or beside the CB-SEM fit of the same spec.

    Parameters
    ----------
    result : PLSResult
        From :func:`loyaltysem.pls.fit_pls` (bootstrap intervals appear when it
        was given one with ``result.with_bootstrap(bootstrap_pls(result, n))``).
    cb : FitResult, optional
        The CB-SEM fit of the same spec: the report gains the section
        :data:`COMPARISON_SECTION`.
    cb_refused : str, optional
        Why CB-SEM could not estimate the spec: the comparison section says so
        and the report shows PLS-SEM only.
    n_total : int, optional
        Rows in the data (before listwise deletion).
    data_source : str, optional

    Returns
    -------
    PLSReport
        For :func:`~loyaltysem.report.render_report` and
        :func:`~loyaltysem.report.write_report`.
    """
    if cb is not None and cb.spec.name != result.spec.name:
        from ..exceptions import ArgumentError

        raise ArgumentError("cb must be the CB-SEM fit of the same spec as the PLS-SEM fit; got "
                            f"{cb.spec.name!r} and {result.spec.name!r}")
    return PLSReport(result, n_total, data_source, cb, cb_refused)


def _warnings_block(report: PLSReport) -> list[Item]:
    result = report.result
    items: list[Item] = []
    if not result.converged:
        items += [("alert", NOT_CONVERGED), ("alert-list", list(result.warnings)
                                             or ["the PLS algorithm did not converge"])]
        others: list[str] = []
    else:
        others = list(result.warnings)
    if report.cb is not None:
        others += [f"CB-SEM: {p.message}" for p in report.cb.problems]
        others += [f"CB-SEM: {w}" for w in report.cb.warnings
                   if w not in {p.message for p in report.cb.problems}]
    if report.cb_refused is not None:
        others.append(f"CB-SEM did not estimate this model: {report.cb_refused}")
    items.append(("list", others or ([] if not result.converged else ["none"])))
    return items


def _model_block(result: PLSResult) -> list[Item]:
    spec = result.spec
    items: list[Item] = []
    if spec.description.strip():
        items.append(("text", " ".join(spec.description.split())))
    items.append(("pre", spec.to_lavaan()))
    modes = result.outer.drop_duplicates("construct").set_index("construct")["mode"]
    items.append(("frame", pd.DataFrame({
        "Construct": list(spec.constructs),
        "Mode": [("B (composite)" if modes.get(n) == "B" else "A (reflective)")
                 for n in spec.constructs],
        "Description": [spec.construct_descriptions.get(n, "") for n in spec.constructs]})))
    return items


def _data_block(report: PLSReport) -> list[Item]:
    result = report.result
    rows = [("Data", report.data_source)] if report.data_source else []
    if report.n_total is not None:
        rows.append(("Rows in the data", str(report.n_total)))
    rows += [("Rows analysed (PLS-SEM)", str(result.n)),
             ("Missing values (PLS-SEM)", result.missing_text),
             ("Method", result.method + (" (consistent PLS, Dijkstra & Henseler 2015)"
                                         if result.method == "PLSc" else "")),
             ("Inner weighting", result.scheme),
             ("Iterations", f"{result.iterations} ({'converged' if result.converged else 'not converged'})")]
    boot = result.bootstrap
    if boot is not None:
        rows.append(("Bootstrap", f"{boot.n_boot} resamples ({boot.n_failed} failed), seed "
                                  f"{boot.seed}, {boot.ci} {boot.level:.0%} intervals, "
                                  f"sign changes: {boot.sign_change}"))
    else:
        rows.append(("Bootstrap", "none: no standard errors, p values or intervals"))
    if report.cb is not None:
        cb = report.cb
        rows += [("Rows analysed (CB-SEM)", f"{cb.nobs} ("
                  + ("full-information ML" if cb.missing == "ml" else "listwise") + ")"),
                 ("CB-SEM estimator", cb.estimator)]
    return [("frame", pd.DataFrame(rows, columns=["", "Value"])),
            ("list", list(result.notes))]


def _structural_block(report: PLSReport) -> list[Item]:
    from ..plot import path_diagram
    from ..plot.diagram_values import diagram_values, outer_caption

    result = report.result
    caption = ("Path coefficients" + (" (* p < .05, ** p < .01, *** p < .001; dashed: p ≥ .05, "
                                       "bootstrap)" if result.bootstrap is not None else
                                       " (no bootstrap: no significance shown)")
               + "; R² in the endogenous constructs; " + outer_caption(diagram_values(result)))
    paths: Item = (("frame", paths_table(result), "Structural paths (standardized)")
                   if len(result.paths) else
                   ("list", ["measurement model only: no structural paths"]))
    return [("figure", path_diagram(result, hypotheses=True)), ("text", caption), paths,
            ("frame", r2_table(result), "Explained variance"), *_fit_items(result)]


def _fit_items(result: PLSResult) -> list[Item]:
    """The model-fit table (or why the model has none) and how to read it."""
    if result.fit_unavailable is not None:
        return [("list", [result.fit_unavailable])]
    caption = ("Model fit: distances between the item correlations and those the saturated "
               "and the estimated model imply")
    note = ("SRMR below .08 is commonly read as good fit (Henseler et al. 2014); with the "
            "bootstrap test, a distance above HI95 rejects exact fit at the 5% level "
            "(Dijkstra & Henseler 2015)" if result.exact_fit is not None else
            "SRMR below .08 is commonly read as good fit (Henseler et al. 2014); "
            "the pls command's --exact-fit option adds the bootstrap test of exact fit "
            "(Dijkstra & Henseler 2015)")
    notes = [note]
    if result.model_fit["estimated"].isna().any() or result.model_fit["saturated"].isna().any():
        notes.append("— : not defined (d_G needs an implied correlation matrix that is positive "
                     "definite)")
    return [("frame", model_fit_table(result), caption), ("list", notes)]


def _quality_block(result: PLSResult) -> list[Item]:
    checks = quality_checks(result)
    flagged = checks[checks["Verdict"].isin(["fail", "warn"])]
    notes = [f"{len(checks) - len(flagged)} of {len(checks)} measurement checks pass"
             + (" (the others below)" if len(flagged) else "")]
    if (result.outer["mode"] == "B").any():
        notes.append("Mode B composites: reliability and AVE do not apply; see the outer "
                     "weights and VIF (Hair et al. 2017, ch. 5)")
    items: list[Item] = [
        ("frame", quality_table(result), "Internal consistency reliability and convergent "
                                         "validity (Mode A constructs)"),
        ("list", notes),
    ]
    if len(flagged):
        items.append(("frame", _readable(flagged.reset_index(drop=True)), "Checks not passed"))
    return items


def _readable(flagged: pd.DataFrame) -> pd.DataFrame:
    """The checks with their readable names and verdicts
    (:data:`loyaltysem.validity.thresholds.CHECK_LABELS`, as in the CB-SEM report)."""
    from ..validity.thresholds import check_label, readable_verdict

    return flagged.assign(
        Check=[check_label(c).criterion for c in flagged["Check"]],
        Threshold=[str(t).replace(">=", "≥").replace("<=", "≤") for t in flagged["Threshold"]],
        Verdict=[readable_verdict(c, v) for c, v in zip(flagged["Check"], flagged["Verdict"])])


def _discriminant_block(result: PLSResult) -> list[Item]:
    return [("frame", matrix_table(result.htmt.where(
                np.tril(np.ones(result.htmt.shape, dtype=bool), -1)), "HTMT"),
             "HTMT (Henseler et al. 2015; mean |r|): below .85 (strict) or .90 (liberal) "
             "between reflective constructs"),
            ("frame", matrix_table(result.fornell_larcker, "Fornell–Larcker"),
             "Fornell–Larcker: √AVE on the diagonal, construct correlations below")]


def pls_note(report: PLSReport) -> str:
    """The note under every table of a PLS-SEM report: N, missing data, method, bootstrap."""
    result = report.result
    rows = f"N = {result.n}" + (f" of {report.n_total} rows" if report.n_total else "")
    boot = result.bootstrap
    inference = (f"{boot.level:.0%} {boot.ci} bootstrap CIs (B = {boot.n_boot} resamples, "
                 f"seed = {boot.seed})" if boot is not None else
                 "no bootstrap: no SEs, p values or CIs")
    cb = (f" CB-SEM: {report.cb.estimator}, N = {report.cb.nobs}."
          if report.cb is not None else "")
    return (f"{rows}; missing data: {result.missing_text}. Method: {result.method}, "
            f"{result.scheme} weighting scheme; {inference}.{cb}")


def _with_notes(blocks: list[tuple[str, list[Item]]], note: str) -> list[tuple[str, list[Item]]]:
    """Every table of the sections as a :class:`~loyaltysem.report.blocks.ReportTable` with
    ``note`` under it (titled by its caption, or by its section)."""
    from .blocks import ReportTable

    return [(heading, [("table", ReportTable(item[1], item[2] if len(item) > 2 and item[2]
                                             else heading, note))
                       if item[0] == "frame" else item for item in items])
            for heading, items in blocks]


def pls_report_blocks(report: PLSReport) -> list[tuple[str, list[Item]]]:
    """The sections of a PLS-SEM report, each a list of ``(kind, value)`` items.

    The kinds are those of :func:`loyaltysem.report.document.report_blocks`;
    every table carries :func:`pls_note`; every text is escaped by the
    renderer of each format.
    """
    return _with_notes(_pls_blocks(report), pls_note(report))


def _pls_blocks(report: PLSReport) -> list[tuple[str, list[Item]]]:
    """The sections, their tables as ``("frame", frame, caption)`` items."""
    result = report.result
    blocks: list[tuple[str, list[Item]]] = [
        ("Warnings", _warnings_block(report)),
        ("Model", _model_block(result)),
        ("Data", _data_block(report)),
        ("Outer model", [("frame", outer_table(result),
                          "Outer weights and loadings (standardized); VIF of Mode B items")]),
        ("Structural model", _structural_block(report)),
    ]
    if result.spec.hypotheses:
        blocks.append(("Hypotheses", [("frame", hypotheses_table(result),
                                       "Hypotheses: supported when the bootstrap interval "
                                       "excludes zero on the expected side")]))
    if report.method == "both":
        blocks.append((COMPARISON_SECTION, comparison_block(report)))
    blocks += [
        ("Reliability and validity", _quality_block(result)),
        ("Discriminant validity", _discriminant_block(result)),
        ("Effect sizes", [("frame", f2_table(result), "Cohen's f² (.02 small, .15 medium, "
                                                      ".35 large; Cohen 1988)")]),
        ("Effects", [("frame", effects_frame(result), "Direct, total indirect and total "
                                                      "effects")]),
    ]
    return blocks


def comparison_block(report: PLSReport) -> list[Item]:
    """CB-SEM and PLS-SEM estimates side by side, or why CB-SEM could not estimate the spec."""
    result, cb = report.result, report.cb
    if cb is None:
        return [("text", "CB-SEM does not estimate this model, so only the PLS-SEM estimates "
                         f"are shown. {report.cb_refused or ''}".strip())]
    return [("frame", comparison_paths(cb, result),
             "Structural paths: CB-SEM standardized estimates (std_all) beside PLS-SEM"),
            ("text", comparison_note(cb, result)),
            ("frame", comparison_loadings(cb, result),
             "Loadings: CB-SEM standardized loadings beside PLS-SEM outer loadings"),
            ("frame", comparison_r2(cb, result), "R² by both methods")]


def _path_pairs(cb: FitResult, pls: PLSResult) -> list[tuple[str, float, float]]:
    """``(path, CB-SEM std_all, PLS estimate)`` of every path both fits estimate."""
    cb_paths = cb.paths.set_index(["rhs", "lhs"])["std_all"]
    return [(f"{a} → {b}", float(cb_paths[a, b]), float(est))
            for a, b, est in zip(pls.paths["from"], pls.paths["to"], pls.paths["est"])
            if (a, b) in cb_paths.index]


def _strongest_predictor_pair(cb: FitResult, pls: PLSResult) -> tuple[str, str, float, float] | None:
    """The two predictors of one construct most correlated in the CB-SEM model, with their
    factor correlation (CB-SEM) and score correlation (PLS-SEM)."""
    best = None
    for target in pls.paths["to"].unique():
        predictors = list(pls.paths.loc[pls.paths["to"] == target, "from"])
        for a, b in itertools.combinations(predictors, 2):
            if a in cb.latent_cor.index and b in cb.latent_cor.index:
                r = float(cb.latent_cor.at[a, b])
                if best is None or abs(r) > abs(best[2]):
                    best = (a, b, r, float(pls.construct_correlations.at[a, b]))
    return best


def comparison_note(cb: FitResult, pls: PLSResult) -> str:
    """Why CB-SEM and PLS-SEM estimates of the same spec differ, with this model's numbers."""
    def fmt(value: float) -> str:
        return apa_number(value, 3, bounded=True)

    parts = ["Why the estimates differ: CB-SEM models each construct as a common factor, the "
             "variance its items share, so its standardized paths relate error-free factors; "
             "PLS-SEM models each construct as a composite, a weighted sum of its items that "
             "keeps their measurement error, so its construct correlations are attenuated and "
             "its paths are regressions among the construct scores (Rigdon 2012; Sarstedt et "
             "al. 2016)."]
    pair = _strongest_predictor_pair(cb, pls)
    if pair is not None:
        a, b, r_cb, r_pls = pair
        parts.append(f"Disattenuation also raises the correlation of predictors ({a} and {b}: "
                     f"{fmt(r_cb)} as factors, {fmt(r_pls)} as PLS scores), and between "
                     "strongly correlated predictors the weaker one's path shrinks or changes "
                     "sign in CB-SEM.")
    pairs = _path_pairs(cb, pls)
    flipped = [f"{path} {fmt(v_cb)} vs {fmt(v_pls)}" for path, v_cb, v_pls in pairs
               if np.sign(v_cb) != np.sign(v_pls)]
    if flipped:
        parts.append("The sign differs for " + "; ".join(flipped) + f" (CB-SEM vs {pls.method}).")
    if pairs:
        path, v_cb, v_pls = max(pairs, key=lambda p: abs(p[2] - p[1]))
        parts.append(f"The largest difference: {path} {fmt(v_cb)} (CB-SEM) vs {fmt(v_pls)} "
                     f"({pls.method}).")
    if pls.method != "PLSc":
        parts.append("Consistent PLS (PLSc: consistent=True, --consistent) corrects the "
                     "attenuation of reflective constructs and comes closer to CB-SEM "
                     "(Dijkstra & Henseler 2015).")
    data = (f"CB-SEM used {cb.nobs} rows ("
            + ("full-information ML" if cb.missing == "ml" else "listwise deletion")
            + f"), PLS-SEM {pls.n} ({pls.missing_text}).")
    parts.append(("The data differ too: " + data) if cb.nobs != pls.n else
                 f"Both used the same rows: {data}")
    return " ".join(parts)


__all__ = ["COMPARISON_SECTION", "NOT_CONVERGED", "PLSReport", "PLS_SECTIONS",
           "build_pls_report", "comparison_block", "comparison_note", "pls_report_blocks"]
