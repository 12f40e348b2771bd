"""The analysis report: one self-contained HTML file (or Markdown / LaTeX).

Sections: model, data, measurement quality, fit, measurement invariance
(when a grouping is given), structural estimates, effects, hypotheses,
warnings. In HTML every figure is embedded as inline
SVG and the style sheet is inline: the file has no external assets.
"""
from __future__ import annotations

import html
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..effects import HypothesisTable, effects_table, test_hypotheses
from ..estimate import FitResult
from ..groups import InvarianceResult, PathComparison
from ..validity import ValidityReport, assess_measurement
from .tables import (
    Format,
    estimates_table,
    fit_table,
    hypotheses_table,
    measurement_table,
    render,
)

ReportFormat = Literal["html", "md", "tex"]

SECTIONS = ("Model", "Data", "Measurement quality", "Model fit", "Structural estimates",
            "Effects", "Hypotheses", "Warnings")
#: added after "Model fit" when the report is given an invariance ladder
INVARIANCE_SECTION = "Measurement invariance"

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { color: #1f3b73; } h2 { color: #1f3b73; border-bottom: 1px solid #ccd; padding-bottom: .2em; }
table.apa { border-collapse: collapse; margin: .8em 0 1.4em; font-size: 0.92em; }
table.apa caption { text-align: left; font-style: italic; padding-bottom: .3em; }
table.apa th { border-top: 2px solid #222; border-bottom: 1px solid #222; padding: .3em .7em;
               text-align: left; }
table.apa td { padding: .25em .7em; } table.apa tbody tr:last-child td { border-bottom: 2px solid #222; }
pre { background: #f5f6fa; padding: .8em; overflow-x: auto; }
.warning { color: #8a4b00; } figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
"""


@dataclass(frozen=True, eq=False)
class AnalysisReport:
    """Everything the report shows, computed once."""

    result: FitResult
    validity: ValidityReport
    effects: pd.DataFrame
    hypotheses: HypothesisTable | None
    n_total: int
    invariance: InvarianceResult | None = None
    paths_across_groups: PathComparison | None = None


def build_report(result: FitResult, *, n_boot: int = 500, seed: int | None = 1,
                 invariance: InvarianceResult | None = None,
                 paths_across_groups: PathComparison | None = None) -> AnalysisReport:
    """Compute the measurement-quality report, effects and hypothesis tests of a fit.

    ``invariance`` (from :func:`loyaltysem.groups.invariance_ladder`) adds the
    measurement-invariance section, ``paths_across_groups`` (from
    :func:`loyaltysem.groups.compare_paths`) a table of the paths per group to it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        validity = assess_measurement(result, n_boot=n_boot, seed=seed)
    hypotheses = test_hypotheses(result, seed=seed) if result.spec.hypotheses else None
    return AnalysisReport(result, validity, effects_table(result), hypotheses,
                          result.nobs + result.n_dropped, invariance, paths_across_groups)


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _effects_frame(effects: pd.DataFrame) -> pd.DataFrame:
    if effects.empty:
        return pd.DataFrame({"Effect": ["(the model has no structural paths)"]})
    return pd.DataFrame({
        "Effect": effects["effect"], "Kind": effects["kind"].str.replace("_", " "),
        "B": effects["est"].map(lambda v: f"{v:.3f}"), "SE": effects["se"].map(lambda v: f"{v:.3f}"),
        "β": effects["std_all"].map(lambda v: f"{v:.3f}"),
        "95% CI": [f"[{lo:.3f}, {hi:.3f}]" for lo, hi in zip(effects["ci_lower"], effects["ci_upper"])],
    })


def _invariance_frame(invariance: InvarianceResult) -> pd.DataFrame:
    table = invariance.table

    def number(value: float, digits: int = 3) -> str:
        return "—" if pd.isna(value) else f"{value:.{digits}f}"

    return pd.DataFrame({
        "Step": table["step"], "Equal across groups": table["equal"],
        "χ²": table["chisq"].map(lambda v: number(v, 2)), "df": table["df"].astype(str),
        "CFI": table["cfi"].map(number), "RMSEA": table["rmsea"].map(number),
        "Δχ² (Δdf)": ["—" if pd.isna(d) else f"{d:.2f} ({int(k)})"
                      for d, k in zip(table["chisq_diff"], table["df_diff"])],
        "p": table["pvalue_diff"].map(number), "ΔCFI": table["delta_cfi"].map(number),
        "ΔRMSEA": table["delta_rmsea"].map(number), "Verdict": table["verdict"],
    })


def _paths_frame(comparison: PathComparison) -> pd.DataFrame:
    table = comparison.table
    out = pd.DataFrame({"Path": table["path"]})
    for name in comparison.baseline.groups:
        out[f"B ({name})"] = [f"{b:.3f} ({se:.3f})" for b, se in
                              zip(table[f"est_{name}"], table[f"se_{name}"])]
    out["Δχ² (Δdf)"] = [f"{d:.2f} ({int(k)})" for d, k in zip(table["chisq_diff"],
                                                             table["df_diff"])]
    out["p"] = table["pvalue"].map(lambda v: f"{v:.3f}")
    out["Differs"] = table["differs"].map({True: "yes", False: "no"})
    return out


def _data_frame(report: AnalysisReport) -> pd.DataFrame:
    result = report.result
    fiml = result.missing == "ml"
    rows = [("Rows in the data", str(report.n_total)),
            ("Rows analysed" + (" (full-information ML: incomplete rows included)" if fiml
                                else " (complete cases)"), str(result.nobs)),
            ("Rows dropped" + (" (no value at all)" if fiml else " (listwise)"),
             str(result.n_dropped)),
            ("Observed variables", str(len(result.spec.observed_variables))),
            ("Estimator", result.estimator), ("Standard errors", result.se_type)]
    return pd.DataFrame(rows, columns=["", "Value"])


def render_report(report: AnalysisReport, fmt: ReportFormat = "html") -> str:
    """The report as one HTML document, Markdown or LaTeX."""
    from ..plot import path_diagram

    result = report.result
    formats: dict[str, Format] = {"html": "html", "md": "markdown", "tex": "latex"}
    table_format = formats[fmt]
    blocks: list[tuple[str, list[tuple[str, Any]]]] = []
    spec_text = result.spec.to_lavaan()
    hypotheses = [str(h) + (f" — {h.description}" if h.description else "") for h in result.spec.hypotheses]
    blocks.append(("Model", [("pre", spec_text), ("list", hypotheses)]))
    blocks.append(("Data", [("table", render(_data_frame(report), table_format))]))
    blocks.append(("Measurement quality", [
        ("table", render(measurement_table(report.validity), table_format,
                         "Reliability and convergent validity")),
        ("table", render(estimates_table(result, "=~"), table_format, "Standardized loadings")),
        ("table", render(report.validity.htmt.round(3).astype(object)
                         .where(report.validity.htmt.notna(), "—").reset_index(names="HTMT")
                         .astype(str), table_format, "HTMT (Henseler et al. 2015)")),
        ("list", [f"{r.check} {r.target}: {r.value:.3f} ({r.verdict})"
                  for r in report.validity.checks.itertuples() if r.verdict == "fail"]
         or ["every measurement check passed"]),
    ]))
    blocks.append(("Model fit", [("table", render(fit_table(result), table_format, "Fit statistics"))]))
    if report.invariance is not None:
        first = next(iter(report.invariance.fits.values()))
        groups = ", ".join(f"{g} (N = {n})" for g, n in first.nobs.items())
        blocks.append((INVARIANCE_SECTION, [
            ("table", render(_invariance_frame(report.invariance), table_format,
                             f"Invariance across {first.group}: {groups}")),
            ("list", [f"invariance retained up to: {report.invariance.highest_level}",
                      "a step is retained when CFI drops by at most .010 (Cheung & Rensvold "
                      "2002) and RMSEA rises by at most .015 (Chen 2007)"]),
        ]))
    if report.paths_across_groups is not None and len(report.paths_across_groups.table):
        blocks[-1][1].append(("table", render(_paths_frame(report.paths_across_groups),
                                              table_format,
                                              "Structural paths across groups (metric model; "
                                              "each path constrained equal in turn)")))
    figure = path_diagram(result, hypotheses=True)
    blocks.append(("Structural estimates", [
        ("figure", figure),
        ("table", render(estimates_table(result, "~"), table_format, "Structural paths")
                  if len(result.paths) else render(pd.DataFrame(
                      {"Path": ["(measurement model only: no structural paths)"]}), table_format)),
    ]))
    blocks.append(("Effects", [("table", render(_effects_frame(report.effects), table_format,
                                                "Direct, indirect and total effects"))]))
    blocks.append(("Hypotheses", [("table", render(hypotheses_table(report.hypotheses), table_format))
                                  if report.hypotheses is not None else ("list", ["no hypotheses"])]))
    blocks.append(("Warnings", [("list", list(result.warnings) or ["none"])]))
    title = f"loyaltysem report: {result.spec.name}"
    if fmt == "html":
        return _html(title, blocks)
    if fmt == "md":
        return _markdown(title, blocks)
    return _latex(title, blocks)


def _html(title: str, blocks) -> str:
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"]
    for heading, items in blocks:
        slug = heading.lower().replace(" ", "-")
        parts.append(f"<section id='{slug}'><h2>{html.escape(heading)}</h2>")
        for kind, value in items:
            if kind == "pre":
                parts.append(f"<pre>{html.escape(value)}</pre>")
            elif kind == "list":
                css = " class='warning'" if heading == "Warnings" else ""
                parts.append("<ul>" + "".join(f"<li{css}>{html.escape(v)}</li>" for v in value) + "</ul>")
            elif kind == "figure":
                parts.append(f"<figure>{_svg(value)}</figure>")
            else:
                parts.append(value)
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _markdown(title: str, blocks) -> str:
    import matplotlib.pyplot as plt

    parts = [f"# {title}", ""]
    for heading, items in blocks:
        parts += [f"## {heading}", ""]
        for kind, value in items:
            if kind == "pre":
                parts += ["```", value.rstrip(), "```", ""]
            elif kind == "list":
                parts += [f"- {v}" for v in value] + [""]
            elif kind == "figure":
                plt.close(value)
            else:
                parts += [value, ""]
    return "\n".join(parts)


def _latex(title: str, blocks) -> str:
    import matplotlib.pyplot as plt

    def escape(text: str) -> str:
        for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"),
                     ("#", r"\#"), ("~", r"\textasciitilde{}"), ("{", r"\{"), ("}", r"\}")):
            text = text.replace(a, b)
        return text

    parts = [r"\documentclass{article}", r"\usepackage{booktabs}", r"\usepackage[utf8]{inputenc}",
             r"\begin{document}", rf"\section*{{{escape(title)}}}"]
    for heading, items in blocks:
        parts.append(rf"\subsection*{{{escape(heading)}}}")
        for kind, value in items:
            if kind == "pre":
                parts += [r"\begin{verbatim}", value.rstrip(), r"\end{verbatim}"]
            elif kind == "list":
                parts += [r"\begin{itemize}"] + [rf"\item {escape(v)}" for v in value] + [r"\end{itemize}"]
            elif kind == "figure":
                plt.close(value)
            else:
                parts.append(value)
    parts.append(r"\end{document}")
    return "\n".join(parts)


def write_report(report: AnalysisReport, path: str | Path, fmt: ReportFormat | None = None) -> Path:
    """Write the report; the format follows the suffix (.html, .md, .tex) unless given."""
    path = Path(path)
    suffixes: dict[str, ReportFormat] = {".md": "md", ".tex": "tex"}
    chosen: ReportFormat = fmt or suffixes.get(path.suffix.lower(), "html")
    path.write_text(render_report(report, chosen), encoding="utf-8")
    return path


__all__ = ["AnalysisReport", "SECTIONS", "build_report", "render_report", "write_report"]
