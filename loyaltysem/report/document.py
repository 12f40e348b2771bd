"""The analysis report: one self-contained HTML file (or Markdown / LaTeX).

Sections: model, data, measurement quality, fit, measurement invariance
(when a grouping is given), structural estimates, effects, hypotheses,
warnings. In HTML every figure is embedded as inline
SVG and the style sheet is inline: the file has no external assets.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd

from .. import escaping
from ..effects import HypothesisTable, effects_table, test_hypotheses
from ..estimate import FitResult
from ..exceptions import LoyaltySemError, OutputError
from ..output import check_output_path, write_text_file
from ..groups import InvarianceResult, PathComparison
from ..validity import ValidityReport, assess_measurement
from .tables import (
    Format,
    estimates_table,
    fit_table,
    hypotheses_table,
    measurement_table,
    modindices_table,
    render,
)

if TYPE_CHECKING:
    from .pls_document import PLSReport

ReportFormat = Literal["html", "md", "tex", "docx"]
#: one item of a report section: ``(kind, value)`` or ``(kind, value, caption)``
Item = tuple[Any, ...]

#: in this order; the warnings come first (admissibility problems before any table)
SECTIONS = ("Warnings", "Model", "Data", "Measurement quality", "Model fit",
            "Largest modification indices", "Structural estimates", "Effects", "Hypotheses")
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
                          data_source)


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


def _model_block(result: FitResult) -> list[Item]:
    spec = result.spec
    hypotheses = [str(h) + (f" — {h.description}" if h.description else "")
                  for h in spec.hypotheses]
    items: list[Item] = []
    if spec.description.strip():
        items.append(("text", " ".join(spec.description.split())))
    items.append(("pre", spec.to_lavaan()))
    descriptions = {name: spec.construct_descriptions.get(name, "") for name in spec.constructs}
    if any(descriptions.values()):
        items.append(("frame", pd.DataFrame({"Construct": list(descriptions),
                                             "Description": list(descriptions.values())})))
    items.append(("list", hypotheses))
    return items


def _measurement_block(report: AnalysisReport) -> list[Item]:
    htmt = report.validity.htmt
    return [
        ("frame", measurement_table(report.validity), "Reliability and convergent validity"),
        ("frame", estimates_table(report.result, "=~"), "Standardized loadings"),
        ("frame", htmt.round(3).astype(object).where(htmt.notna(), "—")
         .reset_index(names="HTMT").astype(str), "HTMT (Henseler et al. 2015)"),
        ("list", ([] if report.result.admissible else [FROM_INADMISSIBLE])
         + ([f"{r.check} {r.target}: {r.value:.3f} ({r.verdict})"
             for r in report.validity.checks.itertuples() if r.verdict == "fail"]
            or ["every measurement check passed"])),
    ]


def _invariance_block(report: AnalysisReport, invariance: InvarianceResult) -> list[Item]:
    first = next(iter(invariance.fits.values()))
    groups = ", ".join(f"{g} (N = {n})" for g, n in first.nobs.items())
    items: list[Item] = [
        ("frame", _invariance_frame(invariance), f"Invariance across {first.group}: {groups}"),
        ("list", [f"invariance retained up to: {invariance.highest_level}",
                  "a step is retained when CFI drops by at most .010 (Cheung & Rensvold "
                  "2002) and RMSEA rises by at most .015 (Chen 2007)"]),
    ]
    if report.paths_across_groups is not None and len(report.paths_across_groups.table):
        items.append(("frame", _paths_frame(report.paths_across_groups),
                      "Structural paths across groups (metric model; each path constrained "
                      "equal in turn)"))
    return items


def _modindices_block(result: FitResult) -> list[Item]:
    """The ten largest modification indices (lavaan's ``modindices(fit, sort. = TRUE)``)."""
    from ..estimate.modindices import modification_indices

    try:
        table = modification_indices(result)
    except (LoyaltySemError, np.linalg.LinAlgError) as error:
        return [("list", [f"not available: {error}"])]
    if table.empty:
        return [("list", ["none: the model has no parameter left to free"])]
    return [("text", "Score tests of freeing one fixed parameter at a time (Sörbom 1989); "
                     "a large MI suggests a change only where theory supports it."),
            ("frame", modindices_table(table), "Largest modification indices (top 10)")]


def report_blocks(report: AnalysisReport) -> list[tuple[str, list[Item]]]:
    """The sections of the report, each a list of ``(kind, value[, caption])`` items.

    Kinds: ``alert`` (a sentence of ours), ``alert-list``, ``list``, ``text``
    and ``pre`` (free text), ``frame`` (a DataFrame of strings), ``figure``.
    Every text is escaped by the renderer of each format. The warnings come
    first: an inadmissible solution is flagged before any table.
    """
    from ..plot import path_diagram

    result = report.result
    structural = (estimates_table(result, "~") if len(result.paths) else
                  pd.DataFrame({"Path": ["(measurement model only: no structural paths)"]}))
    blocks: list[tuple[str, list[Item]]] = [
        ("Warnings", _warnings_block(result)),
        ("Model", _model_block(result)),
        ("Data", [("frame", _data_frame(report))]),
        ("Measurement quality", _measurement_block(report)),
        ("Model fit", [("frame", fit_table(result), "Fit statistics")]),
    ]
    blocks.append(("Largest modification indices", _modindices_block(result)))
    if report.invariance is not None:
        blocks.append((INVARIANCE_SECTION, _invariance_block(report, report.invariance)))
    blocks += [
        ("Structural estimates", [("figure", path_diagram(result, hypotheses=True)),
                                  ("frame", structural, "Structural paths")]),
        ("Effects", [("frame", _effects_frame(report.effects),
                      "Direct, indirect and total effects")]),
        ("Hypotheses", [("frame", hypotheses_table(report.hypotheses))
                        if report.hypotheses is not None else ("list", ["no hypotheses"])]),
    ]
    return blocks


def render_report(report: AnalysisReport | PLSReport, fmt: ReportFormat = "html") -> str:
    """The report as one HTML document, Markdown or LaTeX.

    ``report`` is a CB-SEM report (:func:`build_report`) or a PLS-SEM one
    (:func:`~loyaltysem.report.build_pls_report`, alone or beside CB-SEM).
    Every text from the spec or the data (names, descriptions, hypotheses,
    dataset names, group values, warnings) is escaped for the format: it is
    shown as text, never run as markup, a LaTeX command or a link.
    Admissibility problems open the report, before any table.
    """
    from .pls_document import PLSReport, pls_report_blocks

    renderers = {"html": _html, "md": _markdown, "tex": _latex}
    if fmt not in renderers:
        raise OutputError(f"unknown report format {fmt!r}; use one of html, md, tex "
                          "(write_report writes .docx)")
    return renderers[fmt](*_title_and_blocks(report))


def _caption(item: tuple) -> str:
    return item[2] if len(item) > 2 else ""


def _html(title: str, blocks) -> str:
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
                parts.append(f"<pre>{esc(value)}</pre>")
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
                parts.append(f"<figure>{_svg(value)}</figure>")
            else:
                parts.append(render(value, "html", _caption(item)))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _markdown(title: str, blocks) -> str:
    import matplotlib.pyplot as plt

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
                plt.close(value)
            else:
                parts += [render(value, "markdown", _caption(item)), ""]
    return "\n".join(parts)


def _latex_lines(text: str) -> list[str]:
    """Free text (the model in lavaan syntax) as escaped typewriter lines: no verbatim."""
    lines = [escaping.latex(line.expandtabs(4)) for line in text.rstrip().splitlines()]
    lines = [re.sub(r"^ +", lambda m: "~" * len(m.group()), line) or "~" for line in lines]
    return [r"\begin{flushleft}\ttfamily\small"] + [line + r"\\" for line in lines] + [
        r"\end{flushleft}"]


def _latex(title: str, blocks) -> str:
    import matplotlib.pyplot as plt

    esc = escaping.latex
    parts = [r"\documentclass{article}", r"\usepackage{booktabs}", r"\usepackage[utf8]{inputenc}",
             r"\usepackage[T1]{fontenc}", r"\begin{document}", rf"\section*{{{esc(title)}}}"]
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
                plt.close(value)
            else:
                parts.append(render(value, "latex", _caption(item)))
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
                 fmt: ReportFormat | None = None) -> Path:
    """Write the report; the format follows the suffix (.html, .md, .tex) unless given.

    Raises
    ------
    OutputError
        Unknown suffix or format, a folder that does not exist, a directory
        in the way, or the file cannot be written (permission, full disk).
    """
    path = Path(path)
    chosen = report_format(path, fmt)
    check_output_path(path)  # before the figures are drawn
    if chosen == "docx":
        from ..output import write_bytes_file
        from .docx_document import render_docx

        return write_bytes_file(path, render_docx(*_title_and_blocks(report)))
    return write_text_file(path, render_report(report, chosen))


def _title_and_blocks(report: AnalysisReport | PLSReport) -> tuple[str, list]:
    from .pls_document import PLSReport, pls_report_blocks

    if isinstance(report, PLSReport):
        return report.title, pls_report_blocks(report)
    return f"loyaltysem report: {report.result.spec.name}", report_blocks(report)


__all__ = ["AnalysisReport", "NOT_ADMISSIBLE", "REPORT_SUFFIXES", "SECTIONS", "build_report",
           "render_report", "report_blocks", "report_format", "write_report"]
