"""APA-style tables (estimates, fit with thresholds, measurement, hypotheses).

Each function returns a DataFrame of formatted strings; :func:`render`
turns one into Markdown, HTML or LaTeX (booktabs).

References
----------
American Psychological Association (2020). Publication manual (7th ed.):
no leading zero for statistics bounded by 1 (p, β, α), exact p to three
decimals, "< .001" below.
Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in
covariance structure analysis. Structural Equation Modeling, 6(1), 1-55.
Kline, R. B. (2016). Principles and practice of structural equation modeling
(4th ed.). Guilford (chi-square / df).
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from .. import escaping
from ..apa import MISSING, apa_interval, apa_number, apa_p
from ..effects import HypothesisTable
from ..estimate import FitResult
from ..summary import latex_table, markdown_table
from ..validity import ValidityReport

Format = Literal["markdown", "html", "latex"]

#: Fit statistics beside their conventional thresholds.
FIT_THRESHOLDS = (
    ("chisq_df", "χ²/df", "≤ 3", lambda v: v <= 3, "Kline (2016)"),
    ("cfi", "CFI", "≥ .95", lambda v: v >= 0.95, "Hu & Bentler (1999)"),
    ("tli", "TLI", "≥ .95", lambda v: v >= 0.95, "Hu & Bentler (1999)"),
    ("rmsea", "RMSEA", "≤ .06", lambda v: v <= 0.06, "Hu & Bentler (1999)"),
    ("srmr", "SRMR", "≤ .08", lambda v: v <= 0.08, "Hu & Bentler (1999)"),
)


def arrows(text: object) -> str:
    """A path written with ``->`` as the tables write it: ``A → B`` (one arrow symbol)."""
    return str(text).replace(" -> ", " → ").replace("->", "→")


def estimates_table(result: FitResult, op: str = "~") -> pd.DataFrame:
    """Structural paths (``op="~"``) or loadings (``"=~"``): B, SE, β, z, p, 95% CI.

    A fixed parameter (a marker loading) has no SE, z, p or interval: ``—``.
    """
    rows = result.estimates[result.estimates["op"] == op]
    free = [bool(np.isfinite(se) and se > 0) for se in rows["se"]]
    return pd.DataFrame({
        "Path": [f"{r.rhs} → {r.lhs}" if op == "~" else f"{r.lhs} → {r.rhs}"
                 for r in rows.itertuples()],
        "B": [apa_number(v) for v in rows["est"]],
        "SE": [apa_number(v) if f else MISSING for v, f in zip(rows["se"], free)],
        "β": [apa_number(v, bounded=True) for v in rows["std_all"]],
        "z": [apa_number(v) if f else MISSING for v, f in zip(rows["z"], free)],
        "p": [apa_p(v) if f else MISSING for v, f in zip(rows["pvalue"], free)],
        "95% CI": [apa_interval(lo, hi) if f else MISSING
                   for lo, hi, f in zip(rows["ci_lower"], rows["ci_upper"], free)],
    })


def _p_phrase(p: float) -> str:
    text = apa_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def reported_fit(result: FitResult) -> tuple[dict[str, float], str, str]:
    """The fit statistics a report shows: ML's own; with a robust or least-squares
    estimator the scaled χ² (Satorra–Bentler, Yuan–Bentler, or the scaled-shifted one of
    WLSMV/ULSMV) and the robust CFI, TLI and RMSEA where lavaan has them (Brosseau-Liard
    & Savalei 2014; Savalei 2021), else the scaled ones. Returns the values, what the χ²
    is and what the indices are."""
    fit = result.fit_indices
    names = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
             "rmsea_ci_upper", "srmr")
    values = {k: float(fit[k]) for k in names}
    if result.estimator == "ML" or "chisq_scaled" not in fit.index:
        return values, "", ""
    values.update(chisq=float(fit["chisq_scaled"]), pvalue=float(fit["pvalue_scaled"]))
    robust = all(f"{k}_robust" in fit.index and np.isfinite(float(fit[f"{k}_robust"]))
                 for k in ("cfi", "tli", "rmsea"))
    suffix = "_robust" if robust else "_scaled"
    for key in ("cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper"):
        if f"{key}{suffix}" in fit.index:
            values[key] = float(fit[f"{key}{suffix}"])
    kind = ("the scaled-shifted statistic (Asparouhov & Muthén, 2010)"
            if "shift_parameter" in fit.index else "the scaled statistic")
    indices = ("robust CFI, TLI and RMSEA (Savalei, 2021)" if robust and "shift_parameter"
               in fit.index else "robust CFI, TLI and RMSEA (Brosseau-Liard & Savalei, 2014)"
               if robust else "CFI, TLI and RMSEA from the scaled statistic")
    return values, f"χ²: {kind} of {result.estimator}", indices


def fit_table(result: FitResult) -> pd.DataFrame:
    """χ² test and fit indices beside their thresholds (:func:`reported_fit`)."""
    fit, _, _ = reported_fit(result)
    values = {"chisq_df": fit["chisq"] / fit["df"] if fit["df"] else math.nan,
              **{k: fit[k] for k in ("cfi", "tli", "rmsea", "srmr")}}
    rows = [{"Statistic": "χ²", "Value": f"{apa_number(fit['chisq'])} (df = {int(fit['df'])}, "
             f"{_p_phrase(fit['pvalue'])})",
             "Threshold": "p > .05", "Verdict": "met" if fit["pvalue"] > 0.05 else "not met",
             "Source": MISSING}]
    for key, name, threshold, test, source in FIT_THRESHOLDS:
        value = float(values[key])
        text = apa_number(value, 2 if key == "chisq_df" else 3, bounded=key != "chisq_df")
        if key == "rmsea":
            text += " " + apa_interval(fit["rmsea_ci_lower"], fit["rmsea_ci_upper"], 3, True)
        rows.append({"Statistic": name, "Value": text, "Threshold": threshold,
                     "Verdict": "met" if (not math.isnan(value) and test(value)) else "not met",
                     "Source": source})
    return pd.DataFrame(rows)


def modindices_table(modindices: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` largest modification indices (Sörbom 1989): parameter, MI, EPC and the
    completely standardized EPC (Chou & Bentler 1990), from
    :func:`loyaltysem.estimate.modindices.modification_indices` (largest first)."""
    rows = modindices.head(top)
    ops = {"=~": "measured by", "~": "regressed on", "~~": "with", "~1": "intercept"}
    return pd.DataFrame({
        "Parameter": [f"{r.lhs} {r.op} {r.rhs}".strip() for r in rows.itertuples()],
        "Meaning": [ops.get(str(op), str(op)) for op in rows["op"]],
        "MI": [apa_number(v) for v in rows["mi"]],
        "EPC": [apa_number(v) for v in rows["epc"]],
        "SEPC (std.all)": [apa_number(v, bounded=True) for v in rows["sepc_all"]],
    })


def measurement_table(report: ValidityReport) -> pd.DataFrame:
    """α, ρc, ω and AVE per construct (— for single-item constructs); for ordinal items
    ordinal α, categorical α, ρc, categorical ω, ω of the latent responses and AVE."""
    table = report.constructs
    if report.ordinal_items:
        mixed = bool((table["scale"] != "ordinal").any())
        columns = ((("α", "alpha"),) if mixed else (("Ordinal α", "alpha_ordinal"),)) + (
            ("Categorical α", "alpha_categorical"), ("ρc", "cr"),
            ("ω", "omega") if mixed else ("Categorical ω", "omega_categorical"),
            ("ω latent", "omega_latent"), ("AVE", "ave"))
        return pd.DataFrame({
            "Construct": table["construct"], "Items": table["n_items"].astype(str),
            **({"Scale": table["scale"]} if mixed else {}),
            **{header: [apa_number(v, bounded=True) for v in table[column]]
               for header, column in columns}})
    return pd.DataFrame({
        "Construct": table["construct"], "Items": table["n_items"].astype(str),
        "α": [apa_number(v, bounded=True) for v in table["alpha"]],
        "ρc": [apa_number(v, bounded=True) for v in table["cr"]],
        "ω": [apa_number(v, bounded=True) for v in table["omega"]],
        "AVE": [apa_number(v, bounded=True) for v in table["ave"]],
    })


def hypotheses_table(hypotheses: HypothesisTable) -> pd.DataFrame:
    """Hypothesis, expected sign, B, β, interval, p, verdict."""
    table = hypotheses.table
    return pd.DataFrame({
        "": table["id"], "Hypothesis": table["hypothesis"].map(arrows),
        "Sign": table["expected_sign"],
        "B": [apa_number(v) for v in table["est"]],
        "β": [apa_number(v, bounded=True) for v in table["std_est"]],
        "95% CI": [apa_interval(lo, hi) for lo, hi in zip(table["ci_lower"], table["ci_upper"])],
        "p": [apa_p(v) for v in table["pvalue"]], "Verdict": table["verdict"],
    })


def r2_table(result: FitResult) -> pd.DataFrame:
    """R² of every variable with a structural equation (its predictors named)."""
    paths = result.paths
    outcomes = list(dict.fromkeys(paths["lhs"]))
    return pd.DataFrame({
        "Outcome": outcomes,
        "Predictors": [", ".join(paths.loc[paths["lhs"] == o, "rhs"]) for o in outcomes],
        "R²": [apa_number(result.r2.get(o, math.nan), bounded=True) for o in outcomes],
    })


def residual_variances_table(result: FitResult) -> pd.DataFrame:
    """Residual variances of the endogenous constructs and of the items: B, SE and the
    standardized residual variance (std_all, the share left unexplained: 1 − R²)."""
    roles = result.spec.roles
    estimates = result.estimates
    rows = estimates[(estimates["op"] == "~~") & (estimates["lhs"] == estimates["rhs"])]
    endogenous_latent = [v for v in roles.latent if v in set(result.paths["lhs"])]
    order = endogenous_latent + [v for v in roles.observed if v in set(rows["lhs"])]
    rows = rows.set_index("lhs")
    kind = {**{v: "construct (disturbance)" for v in endogenous_latent},
            **{v: "item (error)" for v in roles.indicators}}
    out = []
    for name in order:
        if name not in rows.index:
            continue
        row = rows.loc[name]
        free = bool(np.isfinite(row["se"]) and row["se"] > 0)
        out.append({"Variable": name, "Kind": kind.get(name, "observed (disturbance)"),
                    "B": apa_number(row["est"]), "SE": apa_number(row["se"]) if free else MISSING,
                    "Std. residual variance": apa_number(row["std_all"], bounded=True)})
    return pd.DataFrame(out, columns=["Variable", "Kind", "B", "SE", "Std. residual variance"])


def htmt_matrix(report: ValidityReport) -> pd.DataFrame:
    """HTMT below the diagonal, with the bootstrap interval in each cell when there is one
    (``.85 [.80, .90]``); ``—`` where undefined (single-item constructs)."""
    htmt = report.htmt
    names = list(htmt.index)
    rows = []
    for i, a in enumerate(names):
        row = {"Construct": f"{i + 1}. {a}"}
        for j, b in enumerate(names):
            if j >= i:
                row[str(j + 1)] = MISSING if j == i else ""
                continue
            value = htmt.at[a, b]
            cell = apa_number(value, bounded=True)
            lower, upper = report.htmt_ci_lower.at[a, b], report.htmt_ci_upper.at[a, b]
            if np.isfinite(value) and np.isfinite(lower) and np.isfinite(upper):
                cell += " " + apa_interval(lower, upper, bounded=True)
            row[str(j + 1)] = cell
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.drop(columns=[str(len(names))]) if len(names) > 1 else frame


def effects_frame(effects: pd.DataFrame) -> pd.DataFrame:
    """Direct, specific indirect, total indirect and total effects: B, SE, β, 95% CI."""
    if effects.empty:
        return pd.DataFrame({"Effect": ["(the model has no structural paths)"]})
    return pd.DataFrame({
        "Effect": effects["effect"].map(arrows), "Kind": effects["kind"].str.replace("_", " "),
        "B": effects["est"].map(apa_number), "SE": effects["se"].map(apa_number),
        "β": effects["std_all"].map(lambda v: apa_number(v, bounded=True)),
        "95% CI": [apa_interval(lo, hi) for lo, hi in zip(effects["ci_lower"],
                                                          effects["ci_upper"])],
    })


def checks_table(report: ValidityReport) -> pd.DataFrame:
    """The measurement checks that did not pass (fail or warn), per criterion, readable
    (:func:`loyaltysem.validity.thresholds.readable_checks`)."""
    from ..validity.thresholds import readable_checks

    return readable_checks(report.checks, ("fail", "warn"))


def render(table: pd.DataFrame, fmt: Format, caption: str = "") -> str:
    """A formatted table as Markdown, HTML or LaTeX (booktabs).

    Every header, cell and the caption is escaped for the format
    (:mod:`loyaltysem.escaping`): names, descriptions and group values from a
    spec or a data file are shown as text, never as markup or commands.
    """
    if fmt == "markdown":
        return _markdown_table(table, caption)
    if fmt == "html":
        head = "".join(f"<th>{escaping.html_text(c)}</th>" for c in table.columns)
        cells = "".join("<tr>" + "".join(f"<td>{escaping.html_text(v)}</td>" for v in row)
                        + "</tr>" for row in table.itertuples(index=False))
        cap = f"<caption>{escaping.html_text(caption)}</caption>" if caption else ""
        return f'<table class="apa">{cap}<thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>'
    if fmt == "latex":
        return latex_table(table, caption)
    raise ValueError(f"format must be markdown, html or latex; got {fmt!r}")


def _markdown_table(table: pd.DataFrame, caption: str) -> str:
    lines = ([f"*{escaping.markdown(caption)}*", ""] if caption else []) + [markdown_table(table)]
    return "\n".join(lines) + "\n"
