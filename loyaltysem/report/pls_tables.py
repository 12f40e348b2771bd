"""APA-style tables of a PLS-SEM fit, and of CB-SEM beside PLS-SEM.

Each function returns a DataFrame of formatted strings, which
:func:`loyaltysem.report.render` turns into Markdown, HTML or LaTeX (every
cell escaped there).

References
----------
Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017). A primer on
partial least squares structural equation modeling (PLS-SEM) (2nd ed.). Sage.
Hair, J. F., Risher, J. J., Sarstedt, M., & Ringle, C. M. (2019). When to use
and how to report the results of PLS-SEM. European Business Review, 31(1), 2-24.
Cohen, J. (1988). Statistical power analysis for the behavioral sciences
(2nd ed.). Erlbaum (f² of .02, .15 and .35: small, medium, large).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..validity.thresholds import DEFAULT_THRESHOLDS, verdict
from .tables import apa_number, apa_p

if TYPE_CHECKING:
    from ..estimate import FitResult
    from ..pls import PLSResult

#: Cohen (1988): f² of at least .02, .15 and .35 is a small, medium and large effect
F2_SIZES = ((0.35, "large"), (0.15, "medium"), (0.02, "small"))
#: shown for a value that does not apply (Mode B reliability, single-item HTMT, no bootstrap)
NOT_APPLICABLE = "—"


def _number(value: float, digits: int = 3, bounded: bool = True) -> str:
    return NOT_APPLICABLE if value is None or not np.isfinite(value) else \
        apa_number(float(value), digits, bounded=bounded)


def _interval(lower: float, upper: float) -> str:
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return NOT_APPLICABLE
    return f"[{apa_number(lower, 3, bounded=True)}, {apa_number(upper, 3, bounded=True)}]"


def outer_table(result: PLSResult) -> pd.DataFrame:
    """Construct, item, mode, outer weight and loading, and the outer VIF of Mode B items."""
    outer = result.outer
    vif = result.vif_outer.set_index(["construct", "item"])["vif"]
    return pd.DataFrame({
        "Construct": outer["construct"], "Item": outer["item"], "Mode": outer["mode"],
        "Weight": [_number(v) for v in outer["weight"]],
        "Loading": [_number(v) for v in outer["loading"]],
        "VIF": [_number(vif.get((c, i), math.nan), 2, bounded=False) if m == "B"
                else NOT_APPLICABLE
                for c, i, m in zip(outer["construct"], outer["item"], outer["mode"])],
    })


def paths_table(result: PLSResult) -> pd.DataFrame:
    """Path, β, and with a bootstrap its SE, t, p and interval; the inner VIF of the predictor."""
    paths = result.paths
    vif = result.vif_inner.set_index(["from", "to"])["vif"]
    table = pd.DataFrame({"Path": [f"{a} → {b}" for a, b in zip(paths["from"], paths["to"])],
                          "β": [_number(v) for v in paths["est"]]})
    if "pvalue" in paths.columns:
        level = f"{result.bootstrap.level:.0%}" if result.bootstrap is not None else "95%"
        table["SE"] = [_number(v) for v in paths["se"]]
        table["t"] = [_number(v, 2, bounded=False) for v in paths["t"]]
        table["p"] = [apa_p(v) for v in paths["pvalue"]]
        table[f"{level} CI"] = [_interval(lo, hi) for lo, hi in
                                zip(paths["ci_lower"], paths["ci_upper"])]
    table["VIF"] = [_number(vif.get((a, b), math.nan), 2, bounded=False)
                    for a, b in zip(paths["from"], paths["to"])]
    return table


def r2_table(result: PLSResult) -> pd.DataFrame:
    """R² and adjusted R² of each endogenous construct."""
    return pd.DataFrame({"Construct": list(result.r2.index),
                         "R²": [_number(v) for v in result.r2],
                         "Adjusted R²": [_number(v) for v in result.r2_adj[result.r2.index]]})


#: the model-fit rows' names in a report
FIT_MEASURES = {"srmr": "SRMR", "d_uls": "d_ULS", "d_g": "d_G"}


def model_fit_table(result: PLSResult) -> pd.DataFrame:
    """SRMR, d_ULS and d_G of the saturated and the estimated model (Henseler et al. 2014;
    Dijkstra & Henseler 2015), with the bootstrap test's HI95 and HI99 when it was run."""
    fit = result.model_fit.set_index("measure")
    columns: dict[str, list[str]] = {"Measure": list(FIT_MEASURES.values())}
    test = None if result.exact_fit is None else result.exact_fit.table.set_index(
        ["model", "measure"])
    for model in ("saturated", "estimated"):
        label = model.capitalize()
        columns[label] = [_number(fit.loc[m, model], bounded=m == "srmr") for m in FIT_MEASURES]
        if test is not None:
            for quantile in ("hi95", "hi99"):
                columns[f"{label} {quantile.upper()}"] = [
                    _number(test.loc[(model, m), quantile], bounded=m == "srmr")
                    for m in FIT_MEASURES]
    return pd.DataFrame(columns)


def quality_table(result: PLSResult) -> pd.DataFrame:
    """α (standardized), ρA, ρc and AVE per construct (— for Mode B and single items)."""
    table = result.constructs
    modes = result.outer.drop_duplicates("construct").set_index("construct")["mode"]
    n_items = result.outer.groupby("construct", sort=False)["item"].size()
    return pd.DataFrame({
        "Construct": table["construct"],
        "Mode": [modes[c] for c in table["construct"]],
        "Items": [str(n_items[c]) for c in table["construct"]],
        "α": [_number(v) for v in table["alpha"]],
        "ρA": [_number(v) for v in table["rho_a"]],
        "ρc": [_number(v) for v in table["cr"]],
        "AVE": [_number(v) for v in table["ave"]],
    })


def matrix_table(matrix: pd.DataFrame, corner: str) -> pd.DataFrame:
    """A construct × construct matrix as strings, ``—`` where undefined (the upper triangle)."""
    cells = matrix.astype(float).apply(lambda column: column.map(_number))
    return cells.reset_index(names=corner).astype(str)


def f2_table(result: PLSResult) -> pd.DataFrame:
    """Cohen's f² of each path and its size (Cohen 1988)."""
    f2 = result.f2

    def size(value: float) -> str:
        if not np.isfinite(value):
            return NOT_APPLICABLE
        return next((name for bound, name in F2_SIZES if value >= bound), "none")

    return pd.DataFrame({"Path": [f"{a} → {b}" for a, b in zip(f2["from"], f2["to"])],
                         "f²": [_number(v, 3, bounded=False) for v in f2["value"]],
                         "Size": [size(v) for v in f2["value"]]})


def effects_frame(result: PLSResult) -> pd.DataFrame:
    """Direct, total indirect and total effects, with bootstrap intervals when there are."""
    effects = result.effects
    table = pd.DataFrame({"Effect": [f"{a} → {b}" for a, b in zip(effects["from"],
                                                                  effects["to"])],
                          "Kind": effects["kind"], "Estimate": [_number(v) for v in
                                                                effects["est"]]})
    if "pvalue" in effects.columns:
        table["p"] = [apa_p(v) for v in effects["pvalue"]]
        table["95% CI"] = [_interval(lo, hi) for lo, hi in zip(effects["ci_lower"],
                                                               effects["ci_upper"])]
    return table


#: how the report names each check and its target
_CHECK_NAMES = {"loading": "loading", "alpha": "alpha", "cr": "cr", "rho_a": "rho_a",
                "ave": "ave", "htmt": "htmt", "fornell_larcker": "fornell_larcker",
                "vif": "vif"}


def hypotheses_table(result: PLSResult) -> pd.DataFrame:
    """The spec's hypotheses: expected sign, estimate, bootstrap interval, p and verdict
    (``not tested`` without a bootstrap; :attr:`PLSResult.hypotheses`)."""
    table = result.hypotheses
    return pd.DataFrame({
        "Hypothesis": [f"{i}: {h.replace(' -> ', ' → ')}" for i, h in
                       zip(table["id"], table["hypothesis"])],
        "Expected": table["expected_sign"].tolist(),
        "Estimate": [_number(v, bounded=False) for v in table["est"]],
        "95% CI": [_interval(lo, hi) if np.isfinite(lo) else "" for lo, hi in
                   zip(table["ci_lower"], table["ci_upper"])],
        "p": [apa_p(v) if np.isfinite(v) else "" for v in table["pvalue"]],
        "Verdict": table["verdict"].tolist()})


def _report_target(check: str, target: str) -> str:
    """``COMP: comp_1`` → ``COMP → comp_1`` (a loading), ``QUAL ← qual_1 (outer)`` (an
    outer VIF), ``A → B (inner)``, ``A – B`` (HTMT)."""
    if check == "vif" and ": " in target:
        return target.replace(": ", " ← ") + " (outer)"
    if check == "vif":
        return target.replace(" -> ", " → ") + " (inner)"
    return target.replace(": ", " → ").replace(" - ", " – ")


def quality_checks(result: PLSResult) -> pd.DataFrame:
    """:meth:`PLSResult.checks` as the report shows them: APA numbers, the threshold with
    its direction, arrows in the targets (the checks themselves are computed there)."""
    checks = result.checks()
    thresholds = DEFAULT_THRESHOLDS
    rows = []
    for r in checks.itertuples(index=False):
        target = _report_target(r.check, str(r.target))
        bound = apa_number(r.threshold, 3, bounded=True)
        shown = _number(r.value, 2, bounded=False) if r.check in ("vif", "fornell_larcker") \
            else _number(r.value)
        rows.append({"Check": _CHECK_NAMES.get(r.check, r.check), "Target": target,
                     "Value": shown,
                     "Threshold": f"{thresholds.at[r.check, 'direction']} {bound}",
                     "Verdict": r.verdict, "Source": r.source})
    columns = ["Check", "Target", "Value", "Threshold", "Verdict", "Source"]
    return pd.DataFrame(rows, columns=columns)


def comparison_paths(cb: FitResult, pls: PLSResult) -> pd.DataFrame:
    """Each structural path: the CB-SEM standardized estimate (std_all) and p beside the
    PLS-SEM coefficient (and its bootstrap p), and their difference (PLS − CB-SEM)."""
    cb_paths = cb.paths.set_index(["rhs", "lhs"])
    paths = pls.paths
    rows = []
    for r in paths.to_dict(orient="records"):
        key = (r["from"], r["to"])
        cb_est = float(cb_paths.at[key, "std_all"]) if key in cb_paths.index else math.nan
        cb_p = float(cb_paths.at[key, "pvalue"]) if key in cb_paths.index else math.nan
        rows.append({"Path": f"{r['from']} → {r['to']}", "CB-SEM β": _number(cb_est),
                     "CB-SEM p": apa_p(cb_p),
                     f"{pls.method} β": _number(r["est"]),
                     f"{pls.method} p": apa_p(r["pvalue"]) if "pvalue" in r else NOT_APPLICABLE,
                     f"{pls.method} − CB-SEM": _number(r["est"] - cb_est)})
    return pd.DataFrame(rows)


def comparison_loadings(cb: FitResult, pls: PLSResult) -> pd.DataFrame:
    """Each item: the CB-SEM standardized loading beside the PLS-SEM outer loading."""
    cb_loadings = cb.loadings.set_index(["lhs", "rhs"])["std_all"]
    outer = pls.outer
    return pd.DataFrame({
        "Construct": outer["construct"], "Item": outer["item"],
        "CB-SEM λ": [_number(cb_loadings.get((c, i), math.nan))
                     for c, i in zip(outer["construct"], outer["item"])],
        f"{pls.method} loading": [_number(v) for v in outer["loading"]],
    })


def comparison_r2(cb: FitResult, pls: PLSResult) -> pd.DataFrame:
    """R² of each endogenous construct by both methods."""
    return pd.DataFrame({"Construct": list(pls.r2.index),
                         "CB-SEM R²": [_number(cb.r2.get(c, math.nan)) for c in pls.r2.index],
                         f"{pls.method} R²": [_number(v) for v in pls.r2]})


__all__ = ["comparison_loadings", "comparison_paths", "comparison_r2", "effects_frame",
           "f2_table", "hypotheses_table", "matrix_table", "outer_table", "paths_table", "quality_checks",
           "quality_table", "r2_table"]
