"""What a report holds, before any format: numbered APA tables and figures with their notes.

A report is a list of sections ``(heading, items)``; an item is ``(kind,
value)``. The kinds are ``alert``, ``alert-list``, ``list``, ``text``, ``pre``
(free text), ``table`` (a :class:`ReportTable`: a DataFrame of strings, its
title and its note) and ``figure`` (a :class:`ReportFigure`).
:func:`numbered` numbers the tables and figures in order, once, for every
format: the HTML, Markdown, LaTeX and Word renderers only draw what it gives.

References
----------
American Psychological Association (2020). Publication manual (7th ed.),
section 7.8-7.14 (table number in bold, title in italics, "Note." under the
table) and 7.26-7.28 (figures).
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .. import escaping

#: one item of a report section: ``(kind, value)`` (legacy: ``("frame", frame, caption)``)
Item = tuple[Any, ...]
Blocks = list[tuple[str, list[Item]]]


@dataclass(frozen=True, eq=False)
class ReportTable:
    """One APA table: its cells (strings), title and note; ``number`` set by :func:`numbered`."""

    frame: pd.DataFrame
    title: str
    note: str = ""
    number: int = 0

    @property
    def label(self) -> str:
        """``"Table 3"``."""
        return f"Table {self.number}"


@dataclass(frozen=True, eq=False)
class ReportFigure:
    """One figure (matplotlib): its title and note; ``number`` set by :func:`numbered`."""

    figure: Any
    title: str
    note: str = ""
    number: int = 0

    @property
    def label(self) -> str:
        """``"Figure 1"``."""
        return f"Figure {self.number}"


def numbered(blocks: Blocks) -> Blocks:
    """The sections with every table and figure numbered in order of appearance.

    A legacy ``("frame", frame[, caption])`` item becomes a :class:`ReportTable`
    titled by its caption (or, without one, by its section's heading); a
    ``("figure", matplotlib_figure)`` item a :class:`ReportFigure`.
    """
    tables = figures = 0
    out: Blocks = []
    for heading, items in blocks:
        converted: list[Item] = []
        for item in items:
            kind, value = item[0], item[1]
            if kind in ("frame", "table"):
                table = value if isinstance(value, ReportTable) else ReportTable(
                    value, (item[2] if len(item) > 2 and item[2] else heading))
                tables += 1
                converted.append(("table", replace(table, number=tables)))
            elif kind == "figure":
                figure = value if isinstance(value, ReportFigure) else ReportFigure(
                    value, item[2] if len(item) > 2 and item[2] else heading)
                figures += 1
                converted.append(("figure", replace(figure, number=figures)))
            else:
                converted.append(item)
        out.append((heading, converted))
    return out


def _safe_stem(stem: str) -> str:
    """A file-name stem of letters, digits and ``-`` only (safe in a Markdown link and in
    LaTeX's ``\\includegraphics``)."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-")[:60] or "report"


class FigureFiles:
    """Writes a report's figures as files beside it and names them for the report's links.

    Parameters
    ----------
    report_path : path
        The report file; a figure is written as ``<stem>-figure<N>.<suffix>`` in
        its folder (the stem reduced to letters, digits and ``-``), through
        :func:`loyaltysem.output.write_bytes_file` (checked, never over the report).
    inputs : iterable of (what, path)
        Files a figure may not overwrite either (the spec, the data).
    """

    def __init__(self, report_path: str | Path,
                 inputs: Iterable[tuple[str, str | Path]] = ()) -> None:
        self.report_path = Path(report_path)
        self.inputs = [("the report", self.report_path), *inputs]
        self.written: list[Path] = []

    def write(self, figure: ReportFigure, suffix: str) -> str:
        """Save ``figure`` as ``suffix`` (``png``, ``pdf``, ``svg``); its file name."""
        from ..output import write_bytes_file

        name = f"{_safe_stem(self.report_path.stem)}-figure{figure.number}.{suffix}"
        path = self.report_path.parent / name
        self.written.append(write_bytes_file(path, figure_bytes(figure, suffix), self.inputs))
        return name


def figure_bytes(figure: ReportFigure, suffix: str) -> bytes:
    """The figure as a ``suffix`` file's bytes (PNG at 200 dpi); the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.figure.savefig(buffer, format=suffix, dpi=200, bbox_inches="tight")
    plt.close(figure.figure)
    return buffer.getvalue()


def close_figure(figure: ReportFigure) -> None:
    """Close a figure that a format does not draw."""
    import matplotlib.pyplot as plt

    plt.close(figure.figure)


def figure_placeholder(figure: ReportFigure) -> str:
    """What a Markdown or LaTeX report rendered without a file to write figures beside says."""
    return (f"{figure.label}. {figure.title}: written as a file beside the report by "
            "write_report (loyaltysem report --out).")


# --- the tables, per format ----------------------------------------------------------------

def html_table(table: ReportTable) -> str:
    """An APA table in HTML: number (bold) and title (italics) above, the note below."""
    from .tables import render

    esc = escaping.html_text
    note = (f"<p class='note'><em>Note.</em> {esc(table.note)}</p>" if table.note else "")
    return (f"<div class='apa-table'><p class='table-number'><strong>{esc(table.label)}</strong>"
            f"</p><p class='table-title'><em>{esc(table.title)}</em></p>"
            f"{render(table.frame, 'html')}{note}</div>")


def markdown_table_block(table: ReportTable) -> list[str]:
    """An APA table in Markdown: ``**Table 1**``, the title in italics, the table, the note."""
    from ..summary import markdown_table

    esc = escaping.markdown
    lines = [f"**{esc(table.label)}**", "", f"*{esc(table.title)}*", "",
             markdown_table(table.frame), ""]
    if table.note:
        lines += [f"*Note.* {esc(table.note, line_start=False)}", ""]
    return lines


def _latex_columns(frame: pd.DataFrame) -> str:
    """Column types: ``l``, and wrapping ``p{...}`` columns for long text (no overflow)."""
    lengths = [max([len(str(c))] + [len(str(v)) for v in frame[c]]) for c in frame.columns]
    long = [n > 28 for n in lengths]
    if not any(long):
        return "l" * max(len(lengths), 1)
    short = sum(min(n, 28) for n, is_long in zip(lengths, long) if not is_long)
    room = max(0.9 - short * 0.012, 0.25)
    total = sum(n for n, is_long in zip(lengths, long) if is_long)
    return "".join(rf"p{{{room * n / total:.2f}\linewidth}}" if is_long else "l"
                   for n, is_long in zip(lengths, long))


def latex_table_block(table: ReportTable) -> list[str]:
    """An APA table in LaTeX: number and title above a booktabs ``longtable`` (it breaks
    across pages), the note below; every cell escaped (:func:`loyaltysem.escaping.latex`)."""
    esc = escaping.latex
    frame = table.frame
    header = " & ".join(esc(c) for c in frame.columns) + r" \\"
    rows = [" & ".join(esc(v) for v in row) + r" \\" for row in frame.itertuples(index=False)]
    lines = [r"\par\medskip\noindent\textbf{" + esc(table.label) + r"}\par\nopagebreak",
             r"\noindent\textit{" + esc(table.title) + r"}\par\nopagebreak",
             r"{\small\begin{longtable}{@{}" + _latex_columns(frame) + r"@{}}", r"\toprule",
             header, r"\midrule", r"\endhead", *rows, r"\bottomrule", r"\end{longtable}}"]
    if table.note:
        lines.append(r"{\small\noindent\textit{Note.} " + esc(table.note) + r"\par}")
    return lines


__all__ = ["Blocks", "FigureFiles", "Item", "ReportFigure", "ReportTable", "close_figure",
           "figure_bytes", "figure_placeholder", "html_table", "latex_table_block",
           "markdown_table_block", "numbered"]
