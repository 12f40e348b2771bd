"""Reports as Word documents (.docx), written with python-docx.

The same blocks as the HTML, Markdown and LaTeX reports (warnings first),
rendered for a manuscript: APA-style tables numbered in order ("Table 1"
above the table, its caption in italics below the number; American
Psychological Association 2020, *Publication Manual*, 7th ed., ch. 7),
the path diagram as a figure, problems in bold before any table. Every text
from a spec or data file goes into the document as text (python-docx escapes
it for XML); control characters are removed first (:func:`loyaltysem.escaping.plain`).
"""
from __future__ import annotations

import io
from typing import Any

import pandas as pd

from .. import escaping

#: a table's body font size (points) and the figure width (inches) for a 6.5-inch text block
TABLE_POINTS = 9
FIGURE_INCHES = 6.5


def _table(document: Any, frame: pd.DataFrame, number: int, caption: str) -> None:
    from docx.shared import Pt

    label = document.add_paragraph()
    label.add_run(f"Table {number}").bold = True
    if caption:
        document.add_paragraph().add_run(escaping.plain(caption)).italic = True
    table = document.add_table(rows=1, cols=len(frame.columns))
    for cell, name in zip(table.rows[0].cells, frame.columns):
        cell.text = escaping.plain(name)
    for row in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = escaping.plain("" if value is None else value)
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(TABLE_POINTS)
    document.add_paragraph()


def _figure(document: Any, figure: Any, number: int) -> None:
    import matplotlib.pyplot as plt
    from docx.shared import Inches

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=200, bbox_inches="tight")
    plt.close(figure)
    label = document.add_paragraph()
    label.add_run(f"Figure {number}").bold = True
    document.add_picture(io.BytesIO(buffer.getvalue()), width=Inches(FIGURE_INCHES))


def render_docx(title: str, blocks: list[tuple[str, list[tuple[Any, ...]]]]) -> bytes:
    """The report's blocks as a .docx file's bytes (see the module notes)."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.add_heading(escaping.plain(title), level=0)
    tables = figures = 0
    for heading, items in blocks:
        document.add_heading(escaping.plain(heading), level=1)
        for item in items:
            kind, value = item[0], item[1]
            caption = item[2] if len(item) > 2 else ""
            if kind == "pre":
                run = document.add_paragraph().add_run(escaping.plain(value))
                run.font.name, run.font.size = "Courier New", Pt(8)
            elif kind == "text":
                document.add_paragraph(escaping.plain(value))
            elif kind == "alert":
                document.add_paragraph().add_run(f"⚠ {escaping.plain(value)}").bold = True
            elif kind in ("alert-list", "list"):
                for entry in value:
                    document.add_paragraph(escaping.plain(entry), style="List Bullet")
            elif kind == "figure":
                figures += 1
                _figure(document, value, figures)
            else:
                tables += 1
                _table(document, value, tables, caption)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
