"""The analysis report: one self-contained HTML file (or Markdown / LaTeX).

Sections: model, data, measurement quality, fit, measurement invariance
(when a grouping is given), structural estimates, effects, hypotheses,
warnings. Every table and figure is numbered and has its title and a note
(N, estimator, missing data, the CI method; :mod:`.blocks`, :mod:`.notes`). In
HTML every figure is embedded as inline SVG and the style sheet is inline: the
file has no external assets; a Markdown or LaTeX report links its figure,
written beside it (:class:`~loyaltysem.report.blocks.FigureFiles`); Word embeds it.
"""
from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd

from .. import escaping
from ..apa import MISSING, apa_number, apa_p
from ..effects import HypothesisTable, effects_table, test_hypotheses
from ..estimate import FitResult
from ..exceptions import LoyaltySemError, OutputError
from ..groups import InvarianceResult, PathComparison
from ..output import check_output_path, write_text_file
from ..validity import ValidityReport, assess_measurement
from ..validity.report import NOT_INTERPRETABLE
from .blocks import (
    Blocks,
    FigureFiles,
    Item,
    ReportFigure,
    ReportTable,
    close_figure,
    figure_placeholder,
    html_table,
    latex_table_block,
    markdown_table_block,
    numbered,
)
from .notes import (
    DELTA,
    STANDARDIZED,
    STARS,
    estimates_note,
    fit_note,
    htmt_note,
    invariance_note,
    ordinal_htmt_note,
    ordinal_reliability_note,
    reliability_note,
    sample_note,
    with_sample,
)
from .tables import (
    arrows,
    checks_table,
    effects_frame,
    estimates_table,
    fit_table,
    htmt_matrix,
    hypotheses_table,
    measurement_table,
    modindices_table,
    r2_table,
    residual_variances_table,
)

if TYPE_CHECKING:
    from .pls_document import PLSReport

ReportFormat = Literal["html", "md", "tex", "docx"]

#: in this order; the warnings come first (admissibility problems before any table)
SECTIONS = ("Warnings", "Model", "Data", "Measurement quality", "Model fit",
            "Largest modification indices", "Structural estimates", "Effects", "Hypotheses")
#: added after "Model fit" when the report is given an invariance ladder
INVARIANCE_SECTION = "Measurement invariance"

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { color: #1f3b73; } h2 { color: #1f3b73; border-bottom: 1px solid #ccd; padding-bottom: .2em; }
table.apa { border-collapse: collapse; margin: .4em 0 1.4em; font-size: 0.92em; }
table.apa th { border-top: 2px solid #222; border-bottom: 1px solid #222; padding: .3em .7em;
               text-align: left; }
table.apa td { padding: .25em .7em; } table.apa tbody tr:last-child td { border-bottom: 2px solid #222; }
pre { background: #f5f6fa; padding: .8em; white-space: pre-wrap; overflow-wrap: anywhere; }
p.table-number { margin: 1.4em 0 0; } p.table-title { margin: .2em 0 0; }
p.note { font-size: .88em; margin: -.8em 0 1.4em; max-width: 60em; }
figcaption { font-size: .88em; }
.warning { color: #8a4b00; }
.alert { border: 2px solid #b00020; background: #fdecee; color: #6b0011; padding: .6em 1em;
         margin: 1em 0; } figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
"""


#: defence in depth: the page may run no script and load nothing (its style and SVG are inline)
CSP = ("<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
       "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">")


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
    data_source: str | None = None
    n_boot: int = 0
    seed: int | None = None

    @property
    def sample_note(self) -> str:
        """The opening of every table note: N, estimator, SEs, missing-data treatment."""
        return sample_note(self.result, self.n_total)


def build_report(result: FitResult, *, n_boot: int = 500, seed: int | None = 1,
                 invariance: InvarianceResult | None = None,
                 paths_across_groups: PathComparison | None = None,
                 data_source: str | None = None) -> AnalysisReport:
    """Compute the measurement-quality report, effects and hypothesis tests of a fit.

    ``invariance`` (from :func:`loyaltysem.groups.invariance_ladder`) adds the
    measurement-invariance section, ``paths_across_groups`` (from
    :func:`loyaltysem.groups.compare_paths`) a table of the paths per group to it.
    ``data_source`` (a dataset name or the CSV's path) is shown in the Data section.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        validity = assess_measurement(result, n_boot=n_boot, seed=seed)
    hypotheses = test_hypotheses(result, seed=seed) if result.spec.hypotheses else None
    return AnalysisReport(result, validity, effects_table(result), hypotheses,
                          result.nobs + result.n_dropped, invariance, paths_across_groups,
                          data_source, n_boot, seed)


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _number(value: float, digits: int = 3, bounded: bool = True) -> str:
    return apa_number(value, digits, bounded)


def _invariance_frame(invariance: InvarianceResult) -> pd.DataFrame:
    table = invariance.table
    return pd.DataFrame({
        "Step": table["step"], "Equal across groups": table["equal"],
        "χ²": (table["chisq_scaled"] if "chisq_scaled" in table else table["chisq"]
               ).map(apa_number), "df": table["df"].astype(str),
        "CFI": table["cfi"].map(_number), "RMSEA": table["rmsea"].map(_number),
        "Δχ² (Δdf)": [MISSING if pd.isna(d) else f"{apa_number(d)} ({int(k)})"
                      for d, k in zip(table["chisq_diff"], table["df_diff"])],
        "p": table["pvalue_diff"].map(apa_p), "ΔCFI": table["delta_cfi"].map(_number),
        "ΔRMSEA": table["delta_rmsea"].map(_number), "Verdict": table["verdict"],
    })


def _paths_frame(comparison: PathComparison) -> pd.DataFrame:
    table = comparison.table
    out = pd.DataFrame({"Path": table["path"].map(arrows)})
    for name in comparison.baseline.groups:
        out[f"B ({comparison.baseline.group_title(name)})"] = [f"{apa_number(b)} ({apa_number(se)})" for b, se in
                              zip(table[f"est_{name}"], table[f"se_{name}"])]
    out["Δχ² (Δdf)"] = [f"{apa_number(d)} ({int(k)})" for d, k in zip(table["chisq_diff"],
                                                                      table["df_diff"])]
    out["p"] = table["pvalue"].map(apa_p)
    out["Differs"] = table["differs"].map({True: "yes", False: "no"})
    return out


def _data_frame(report: AnalysisReport) -> pd.DataFrame:
    result = report.result
    fiml = result.missing == "ml"
    rows = [("Data", report.data_source)] if report.data_source else []
    rows += [("Rows in the data", str(report.n_total)),
            ("Rows analysed" + (" (full-information ML: incomplete rows included)" if fiml
                                else " (complete cases)"), str(result.nobs)),
            ("Rows dropped" + (" (no value at all)" if fiml else " (listwise)"),
             str(result.n_dropped)),
            ("Observed variables", str(len(result.spec.observed_variables))),
            ("Estimator", result.estimator), ("Standard errors", result.se_type)]
    return pd.DataFrame(rows, columns=["", "Value"])


def _warnings_block(result: FitResult) -> list[Item]:
    """The first section: admissibility problems (non-convergence, Heywood, non-PD) on top."""
    problems = [p.message for p in result.problems]
    if not result.converged and not problems:
        problems = ["the optimiser did not converge"]
    others = [w for w in result.warnings if w not in problems]
    items: list[Item] = []
    if problems:
        items.append(("alert", NOT_ADMISSIBLE))
        items.append(("alert-list", problems))
    items.append(("list", others or ([] if problems else ["none"])))
    return items


def _model_block(report: AnalysisReport) -> list[Item]:
    spec = report.result.spec
    hypotheses = [arrows(h) + (f" — {h.description}" if h.description else "")
                  for h in spec.hypotheses]
    items: list[Item] = []
    if spec.description.strip():
        items.append(("text", " ".join(spec.description.split())))
    items.append(("pre", spec.to_lavaan()))
    descriptions = {name: spec.construct_descriptions.get(name, "") for name in spec.constructs}
    if any(descriptions.values()):
        items.append(("table", ReportTable(
            pd.DataFrame({"Construct": list(descriptions),
                          "Description": list(descriptions.values())}),
            "Constructs of the model", "Descriptions from the model specification.")))
    items.append(("list", hypotheses))
    return items


def _checks_items(report: AnalysisReport) -> list[Item]:
    """The measurement checks that did not pass, one table grouped per criterion."""
    validity = report.validity
    failed = checks_table(validity)
    judged = validity.checks[validity.checks["verdict"].isin(("pass", "warn", "fail"))]
    passed = int((judged["verdict"] == "pass").sum())
    unjudged = int((validity.checks["verdict"] == NOT_INTERPRETABLE).sum())
    summary = (f"{passed} of {len(judged)} judged measurement checks pass"
               + (f"; {unjudged} more are not interpretable (computed from an inadmissible "
                  "solution, see Warnings)" if unjudged else "") + ".")
    items: list[Item] = [("text", summary)]
    if not report.result.admissible:
        items.append(("list", [FROM_INADMISSIBLE]))
    if len(failed):
        note = with_sample(report.sample_note, "Values to three decimals; thresholds and "
                                               "their sources as cited",
                           validity.correlation_sources_note)
        items.append(("table", ReportTable(failed, "Measurement checks not passed", note)))
    return items


def _measurement_block(report: AnalysisReport) -> list[Item]:
    sample = report.sample_note
    ordinal = bool(report.validity.ordinal_items)
    return [
        ("table", ReportTable(measurement_table(report.validity),
                              "Reliability and convergent validity"
                              + (" (ordinal items, polychoric correlations)" if ordinal else ""),
                              ordinal_reliability_note(sample) if ordinal
                              else reliability_note(sample))),
        ("table", ReportTable(estimates_table(report.result, "=~"), "Factor loadings",
                              estimates_note(sample, loadings=True))),
        ("table", ReportTable(htmt_matrix(report.validity),
                              "Discriminant validity: HTMT"
                              + (" on polychoric correlations" if ordinal else ""),
                              ordinal_htmt_note(sample, report.n_boot, report.seed) if ordinal
                              else htmt_note(sample, report.n_boot, report.seed))),
        *_checks_items(report),
    ]


def _invariance_block(report: AnalysisReport, invariance: InvarianceResult) -> list[Item]:
    first = next(iter(invariance.fits.values()))
    groups = ", ".join(f"{first.group_title(g)} (N = {n})" for g, n in first.nobs.items())
    items: list[Item] = [
        ("table", ReportTable(_invariance_frame(invariance),
                              f"Measurement invariance across {first.group}: {groups}",
                              invariance_note(report.sample_note, invariance))),
        ("list", [f"invariance retained up to: {invariance.highest_level}"]),
    ]
    if report.paths_across_groups is not None and len(report.paths_across_groups.table):
        items.append(("table", ReportTable(
            _paths_frame(report.paths_across_groups), "Structural paths across groups",
            with_sample(report.sample_note, "B (SE) per group in the metric model; Δχ²: the "
                        "path constrained equal across the groups, one path at a time"))))
    return items


def _modindices_block(report: AnalysisReport) -> list[Item]:
    """The ten largest modification indices (lavaan's ``modindices(fit, sort. = TRUE)``)."""
    from ..estimate.modindices import modification_indices

    try:
        table = modification_indices(report.result)
    except (LoyaltySemError, np.linalg.LinAlgError) as error:
        return [("list", [f"not available: {error}"])]
    if table.empty:
        return [("list", ["none: the model has no parameter left to free"])]
    note = with_sample(report.sample_note, "MI: score test, χ²(1), of freeing one fixed "
                       "parameter (Sörbom, 1989); EPC: expected parameter change; SEPC: "
                       "completely standardized EPC (Chou & Bentler, 1990); a large MI suggests "
                       "a change only where theory supports it")
    return [("table", ReportTable(modindices_table(table), "Largest modification indices "
                                                           "(top 10)", note))]


def _structural_block(report: AnalysisReport) -> list[Item]:
    """The path diagram, the paths, R² and the residual variances."""
    from ..plot import path_diagram

    result, sample = report.result, report.sample_note
    items: list[Item] = [("figure", ReportFigure(
        path_diagram(result, hypotheses=True), "Path diagram with standardized estimates",
        with_sample(sample, "Standardized estimates (std.all); " + STARS,
                    "H1, H2 and so on: the hypotheses of the model")))]
    if len(result.paths):
        items += [("table", ReportTable(estimates_table(result, "~"), "Structural paths",
                                        estimates_note(sample, loadings=False))),
                  ("table", ReportTable(r2_table(result), "Explained variance (R²)",
                                        with_sample(sample, "R²: share of the outcome's "
                                                    "variance explained by its predictors")))]
    else:
        items.append(("list", ["measurement model only: no structural paths"]))
    items.append(("table", ReportTable(
        residual_variances_table(result), "Residual variances",
        with_sample(sample, "B: unstandardized residual variance; std. residual variance: the "
                    "share of the variable's variance its predictors or its construct leave "
                    "unexplained (1 − R²); —: fixed, no SE"))))
    return items


def report_blocks(report: AnalysisReport) -> list[tuple[str, list[Item]]]:
    """The sections of the report, each a list of ``(kind, value)`` items
    (:mod:`loyaltysem.report.blocks`: tables and figures with their titles and notes).

    Every text is escaped by the renderer of each format. The warnings come
    first: an inadmissible solution is flagged before any table.
    """
    result, sample = report.result, report.sample_note
    blocks: list[tuple[str, list[Item]]] = [
        ("Warnings", _warnings_block(result)),
        ("Model", _model_block(report)),
        ("Data", [("table", ReportTable(_data_frame(report), "Data and estimation", sample))]),
        ("Measurement quality", _measurement_block(report)),
        ("Model fit", [("table", ReportTable(fit_table(result), "Fit statistics",
                                             fit_note(sample, result)))]),
        ("Largest modification indices", _modindices_block(report)),
    ]
    if report.invariance is not None:
        blocks.append((INVARIANCE_SECTION, _invariance_block(report, report.invariance)))
    hypotheses: Item = (("table", ReportTable(
        hypotheses_table(report.hypotheses), "Hypothesis tests",
        with_sample(sample, STANDARDIZED, "95% CIs by the delta method; supported when the "
                    "interval excludes 0 on the expected side")))
        if report.hypotheses is not None else ("list", ["no hypotheses"]))
    blocks += [
        ("Structural estimates", _structural_block(report)),
        ("Effects", [("table", ReportTable(effects_frame(report.effects),
                                           "Direct, indirect and total effects",
                                           with_sample(sample, STANDARDIZED, DELTA)))]),
        ("Hypotheses", [hypotheses]),
    ]
    return blocks


def render_report(report: AnalysisReport | PLSReport, fmt: ReportFormat = "html", *,
                  figures: FigureFiles | None = None) -> str:
    """The report as one HTML document, Markdown or LaTeX.

    ``report`` is a CB-SEM report (:func:`build_report`) or a PLS-SEM one
    (:func:`~loyaltysem.report.build_pls_report`, alone or beside CB-SEM).
    Every text from the spec or the data (names, descriptions, hypotheses,
    dataset names, group values, warnings) is escaped for the format: it is
    shown as text, never run as markup, a LaTeX command or a link.
    Admissibility problems open the report, before any table. Tables and
    figures are numbered, each with its title and note.

    ``figures`` (:class:`~loyaltysem.report.blocks.FigureFiles`, as
    :func:`write_report` passes it) writes the figures of a Markdown (PNG) or
    LaTeX (PDF) report as files beside it, linked from the text; without it
    those formats name the figure only. HTML embeds them as SVG.
    """
    renderers = {"html": _html, "md": _markdown, "tex": _latex}
    if fmt not in renderers:
        raise OutputError(f"unknown report format {fmt!r}; use one of html, md, tex "
                          "(write_report writes .docx)")
    title, blocks = _title_and_blocks(report)
    return renderers[fmt](title, numbered(blocks), figures)


def _html(title: str, blocks: Blocks, figures: FigureFiles | None = None) -> str:
    esc = escaping.html_text
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{CSP}"
             f"<title>{esc(title)}</title><style>{_CSS}</style></head>"
             f"<body><h1>{esc(title)}</h1>"]
    for heading, items in blocks:
        slug = heading.lower().replace(" ", "-")
        parts.append(f"<section id='{slug}'><h2>{esc(heading)}</h2>")
        for item in items:
            kind, value = item[0], item[1]
            if kind == "pre":
                parts.append(f"<pre class='model'>{esc(value)}</pre>")
            elif kind == "text":
                parts.append(f"<p>{esc(value)}</p>")
            elif kind == "alert":
                parts.append(f"<div class='alert' role='alert'><strong>{esc(value)}</strong>")
            elif kind == "alert-list":
                parts.append("<ul>" + "".join(f"<li>{esc(v)}</li>" for v in value) + "</ul></div>")
            elif kind == "list":
                css = " class='warning'" if heading == "Warnings" else ""
                parts.append("<ul>" + "".join(f"<li{css}>{esc(v)}</li>" for v in value) + "</ul>")
            elif kind == "figure":
                note = f"<figcaption><em>Note.</em> {esc(value.note)}</figcaption>" if value.note else ""
                parts.append(f"<figure><p class='table-number'><strong>{esc(value.label)}</strong>"
                             f"</p><p class='table-title'><em>{esc(value.title)}</em></p>"
                             f"{_svg(value.figure)}{note}</figure>")
            else:
                parts.append(html_table(value))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _markdown_figure(figure: ReportFigure, figures: FigureFiles | None) -> list[str]:
    esc = escaping.markdown
    if figures is None:
        close_figure(figure)
        return [f"*{esc(figure_placeholder(figure), line_start=False)}*", ""]
    name = figures.write(figure, "png")  # letters, digits, "-" and ".": safe as a link target
    lines = [f"**{esc(figure.label)}**", "", f"*{esc(figure.title)}*", "",
             f"![{esc(figure.label)}]({name})", ""]
    return lines + ([f"*Note.* {esc(figure.note, line_start=False)}", ""] if figure.note else [])


def _markdown(title: str, blocks: Blocks, figures: FigureFiles | None = None) -> str:
    esc = escaping.markdown
    parts = [f"# {esc(title)}", ""]
    for heading, items in blocks:
        parts += [f"## {esc(heading)}", ""]
        for item in items:
            kind, value = item[0], item[1]
            if kind == "pre":
                fence = escaping.markdown_fence(value)
                parts += [fence + "text", escaping.plain(value).rstrip(), fence, ""]
            elif kind == "text":
                parts += [esc(value), ""]
            elif kind == "alert":
                parts += [f"> **⚠ {esc(value)}**", ">"]
            elif kind == "alert-list":
                parts += [f"> - {esc(v)}" for v in value] + [""]
            elif kind == "list":
                parts += [f"- {esc(v)}" for v in value] + ([""] if value else [])
            elif kind == "figure":
                parts += _markdown_figure(value, figures)
            else:
                parts += markdown_table_block(value)
    return "\n".join(parts)


#: a model line longer than this many characters may break inside a token
_LATEX_TOKEN = 24


def _latex_code_line(line: str) -> str:
    """One line of the model, escaped, that wraps at the text width: spaces break, a long
    token breaks after its operators, continuation lines are indented."""
    indent = len(line) - len(line.lstrip(" "))
    tokens = []
    for token in line.strip().split(" "):
        text = escaping.latex(token)
        if len(token) > _LATEX_TOKEN:
            text = re.sub(r"(\\\}|\+|\*|,|=|\\textasciitilde\{\})", r"\1\\allowbreak{}", text)
        tokens.append(text)
    lead = "~" * indent
    return r"\hangindent=2em\hangafter=1\noindent " + lead + " ".join(tokens) + r"\par"


def _latex_lines(text: str) -> list[str]:
    """Free text (the model in lavaan syntax) as escaped typewriter lines that wrap: no
    verbatim, so no text can end an environment; no line runs past the margin."""
    lines = [_latex_code_line(line.expandtabs(4)) if line.strip() else r"\medskip"
             for line in text.rstrip().splitlines()]
    return [r"\begin{flushleft}\ttfamily\small"] + lines + [r"\end{flushleft}"]


def _latex_figure(figure: ReportFigure, figures: FigureFiles | None) -> list[str]:
    esc = escaping.latex
    if figures is None:
        close_figure(figure)
        return [r"\noindent\textit{" + esc(figure_placeholder(figure)) + r"}\par"]
    name = figures.write(figure, "pdf")  # letters, digits, "-" and "."
    lines = [r"\par\medskip\noindent\textbf{" + esc(figure.label) + r"}\par\nopagebreak",
             r"\noindent\textit{" + esc(figure.title) + r"}\par\nopagebreak",
             r"\noindent\includegraphics[width=\linewidth,height=0.8\textheight,"
             r"keepaspectratio]{" + name + r"}\par"]
    if figure.note:
        lines.append(r"{\small\noindent\textit{Note.} " + esc(figure.note) + r"\par}")
    return lines


#: the preamble of a .tex report: booktabs and longtable (tables that break across pages),
#: graphicx (the figures)
LATEX_PREAMBLE = (r"\documentclass{article}", r"\usepackage[margin=2.5cm]{geometry}",
                  r"\usepackage{booktabs}", r"\usepackage{longtable}", r"\usepackage{graphicx}",
                  r"\usepackage[utf8]{inputenc}", r"\usepackage[T1]{fontenc}")


def _latex(title: str, blocks: Blocks, figures: FigureFiles | None = None) -> str:
    esc = escaping.latex
    parts = [*LATEX_PREAMBLE, r"\begin{document}", rf"\section*{{{esc(title)}}}"]
    for heading, items in blocks:
        parts.append(rf"\subsection*{{{esc(heading)}}}")
        for item in items:
            kind, value = item[0], item[1]
            if kind == "pre":
                parts += _latex_lines(value)
            elif kind == "text":
                parts += [esc(value), ""]
            elif kind == "alert":
                parts.append(rf"\noindent\fbox{{\parbox{{\dimexpr\linewidth-2\fboxsep\relax}}"
                             rf"{{\textbf{{{esc(value)}}}")
            elif kind == "alert-list":
                parts += [r"\begin{itemize}"] + [rf"\item{{}} {esc(v)}" for v in value] + [
                    r"\end{itemize}}}"]
            elif kind == "list":
                if value:
                    parts += [r"\begin{itemize}"] + [rf"\item{{}} {esc(v)}" for v in value] + [
                        r"\end{itemize}"]
            elif kind == "figure":
                parts += _latex_figure(value, figures)
            else:
                parts += latex_table_block(value)
    parts.append(r"\end{document}")
    return "\n".join(parts)


#: what the report says first when the solution is not admissible
NOT_ADMISSIBLE = ("The solution is not admissible: do not interpret the estimates, fit or "
                  "validity below before resolving these problems.")
#: said beside verdicts (measurement checks) computed from an inadmissible solution
FROM_INADMISSIBLE = ("these verdicts are computed from an inadmissible solution (see Warnings): "
                     "they are not evidence of reliability or validity")
#: the output file suffixes and the format each one writes
REPORT_SUFFIXES: dict[str, ReportFormat] = {".html": "html", ".htm": "html", ".md": "md",
                                           ".markdown": "md", ".tex": "tex", ".docx": "docx"}


def report_format(path: str | Path, fmt: str | None = None) -> ReportFormat:
    """The format of a report file: ``fmt`` when given, else the one its suffix names.

    Raises
    ------
    OutputError
        The suffix is not one of :data:`REPORT_SUFFIXES`, or ``fmt`` is not
        html, md, tex or docx.
    """
    if fmt is not None:
        if fmt not in ("html", "md", "tex", "docx"):
            raise OutputError(f"unknown report format {fmt!r}; use one of html, md, tex, docx")
        return cast(ReportFormat, fmt)
    suffix = Path(path).suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "no extension"
        raise OutputError(f"cannot write a report as {shown} ({Path(path).name}); name the file "
                          f"with one of {', '.join(REPORT_SUFFIXES)} "
                          "(or give --format html|md|tex|docx)")
    return REPORT_SUFFIXES[suffix]


def write_report(report: AnalysisReport | PLSReport, path: str | Path,
                 fmt: ReportFormat | None = None,
                 inputs: Iterable[tuple[str, str | Path]] = ()) -> Path:
    """Write the report; the format follows the suffix (.html, .md, .tex, .docx) unless given.

    A Markdown report's figures are written beside it as PNG files, a LaTeX
    report's as PDF files (``<stem>-figure1.png``, the stem reduced to letters,
    digits and ``-``), linked from the report; HTML embeds them as SVG, Word as PNG.
    Neither the report nor a figure file may be one of ``inputs`` (``(what, path)``
    pairs, e.g. the spec and the data file).

    Raises
    ------
    OutputError
        Unknown suffix or format, a folder that does not exist, a directory
        in the way, or the file cannot be written (permission, full disk).
    """
    path = Path(path)
    chosen = report_format(path, fmt)
    inputs = list(inputs)
    check_output_path(path, inputs)  # before the figures are drawn
    if chosen == "docx":
        from ..output import write_bytes_file
        from .docx_document import render_docx

        title, blocks = _title_and_blocks(report)
        return write_bytes_file(path, render_docx(title, numbered(blocks)), inputs)
    figures = FigureFiles(path, inputs) if chosen in ("md", "tex") else None
    return write_text_file(path, render_report(report, chosen, figures=figures), inputs)


def _title_and_blocks(report: AnalysisReport | PLSReport) -> tuple[str, list]:
    from .pls_document import PLSReport, pls_report_blocks

    if isinstance(report, PLSReport):
        return report.title, pls_report_blocks(report)
    return f"loyaltysem report: {report.result.spec.name}", report_blocks(report)


__all__ = ["AnalysisReport", "NOT_ADMISSIBLE", "REPORT_SUFFIXES", "SECTIONS", "build_report",
           "render_report", "report_blocks", "report_format", "write_report"]
