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

import pandas as pd

from .. import escaping
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


def apa_number(value: float, digits: int = 2, bounded: bool = False) -> str:
    """APA style: fixed digits, no leading zero when the statistic cannot exceed 1."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.{digits}f}"
    if bounded:
        text = text.replace("0.", ".", 1) if abs(value) < 1 else text
    return text


def apa_p(p: float) -> str:
    """``< .001`` or the exact p to three decimals without the leading zero."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "—"
    return "< .001" if p < 0.001 else apa_number(p, 3, bounded=True)


def estimates_table(result: FitResult, op: str = "~") -> pd.DataFrame:
    """Structural paths (``op="~"``) or loadings (``"=~"``): B, SE, β, z, p, 95% CI."""
    rows = result.estimates[result.estimates["op"] == op]
    arrow = "→" if op == "~" else "→"
    return pd.DataFrame({
        "Path": [f"{r.rhs} {arrow} {r.lhs}" if op == "~" else f"{r.lhs} {arrow} {r.rhs}"
                 for r in rows.itertuples()],
        "B": [apa_number(v) for v in rows["est"]],
        "SE": [apa_number(v) if s > 0 else "—" for v, s in zip(rows["se"], rows["se"])],
        "β": [apa_number(v, bounded=True) for v in rows["std_all"]],
        "z": [apa_number(v) for v in rows["z"]],
        "p": [apa_p(v) for v in rows["pvalue"]],
        "95% CI": [f"[{apa_number(lo)}, {apa_number(hi)}]" if s > 0 else "—"
                   for lo, hi, s in zip(rows["ci_lower"], rows["ci_upper"], rows["se"])],
    })


def fit_table(result: FitResult) -> pd.DataFrame:
    """χ² test and fit indices beside their thresholds."""
    fit = result.fit_indices
    values = {"chisq_df": fit["chisq"] / fit["df"] if fit["df"] else math.nan,
              **{k: fit[k] for k in ("cfi", "tli", "rmsea", "srmr")}}
    rows = [{"Statistic": "χ²", "Value": f"{fit['chisq']:.2f} (df = {int(fit['df'])}, "
             f"p {apa_p(fit['pvalue']) if apa_p(fit['pvalue']).startswith('<') else '= ' + apa_p(fit['pvalue'])})",
             "Threshold": "p > .05", "Verdict": "met" if fit["pvalue"] > 0.05 else "not met",
             "Source": "—"}]
    for key, name, threshold, test, source in FIT_THRESHOLDS:
        value = float(values[key])
        text = apa_number(value, 3, bounded=key != "chisq_df")
        if key == "rmsea":
            text += f" [{apa_number(fit['rmsea_ci_lower'], 3, True)}, {apa_number(fit['rmsea_ci_upper'], 3, True)}]"
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
        "EPC": [apa_number(v, 3) for v in rows["epc"]],
        "SEPC (std.all)": [apa_number(v, 3) for v in rows["sepc_all"]],
    })


def measurement_table(report: ValidityReport) -> pd.DataFrame:
    """α, ρc, ω and AVE per construct (— for single-item constructs)."""
    table = report.constructs
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
        "": table["id"], "Hypothesis": table["hypothesis"], "Sign": table["expected_sign"],
        "B": [apa_number(v, 3) for v in table["est"]],
        "β": [apa_number(v, 3, bounded=True) for v in table["std_est"]],
        "95% CI": [f"[{apa_number(lo, 3)}, {apa_number(hi, 3)}]"
                   for lo, hi in zip(table["ci_lower"], table["ci_upper"])],
        "p": [apa_p(v) for v in table["pvalue"]], "Verdict": table["verdict"],
    })


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
