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

from .. import escaping
from .blocks import Blocks, ReportFigure, ReportTable, figure_bytes

#: a table's body font size (points) and the figure width (inches) for a 6.5-inch text block
TABLE_POINTS = 9
FIGURE_INCHES = 6.5


def _label_and_title(document: Any, label: str, title: str) -> None:
    document.add_paragraph().add_run(label).bold = True
    document.add_paragraph().add_run(escaping.plain(title)).italic = True


def _note(document: Any, note: str) -> None:
    from docx.shared import Pt

    if not note:
        return
    paragraph = document.add_paragraph()
    lead = paragraph.add_run("Note. ")
    lead.italic = True
    body = paragraph.add_run(escaping.plain(note))
    lead.font.size = body.font.size = Pt(TABLE_POINTS)


#: the elements that follow the borders in a table's and a cell's properties (ECMA-376
#: §17.4.60, §17.4.70): the borders go before the first of them, as Word expects
_AFTER_BORDERS = {"w:tblBorders": ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                   "w:tblCaption", "w:tblDescription"),
                  "w:tcBorders": ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection",
                                  "w:tcFitText", "w:vAlign", "w:hideMark")}


def _border(parent: Any, edges: dict[str, str], tag: str) -> None:
    """Set the borders ``edges`` (edge → ``single``/``nil``) of a table or cell property."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement(tag)
    for edge, value in edges.items():
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), value)
        element.set(qn("w:sz"), "8" if value == "single" else "0")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    following = [child for child in parent if child.tag in {qn(t) for t in _AFTER_BORDERS[tag]}]
    if following:
        following[0].addprevious(borders)
    else:
        parent.append(borders)


def _apa_rules(grid: Any) -> None:
    """APA rules: a line above and below the table and under the header, no vertical lines."""
    _border(grid._tbl.tblPr, {"top": "single", "left": "nil", "bottom": "single",
                              "right": "nil", "insideH": "nil", "insideV": "nil"},
            "w:tblBorders")
    for cell in grid.rows[0].cells:
        _border(cell._tc.get_or_add_tcPr(), {"bottom": "single"}, "w:tcBorders")


def _table(document: Any, table: ReportTable) -> None:
    from docx.shared import Pt

    _label_and_title(document, table.label, table.title)
    frame = table.frame
    grid = document.add_table(rows=1, cols=len(frame.columns))
    for cell, name in zip(grid.rows[0].cells, frame.columns):
        cell.text = escaping.plain(name)
    for row in frame.itertuples(index=False):
        cells = grid.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = escaping.plain("" if value is None else value)
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(TABLE_POINTS)
    _apa_rules(grid)
    _note(document, table.note)


def _figure(document: Any, figure: ReportFigure) -> None:
    from docx.shared import Inches

    _label_and_title(document, figure.label, figure.title)
    document.add_picture(io.BytesIO(figure_bytes(figure, "png")), width=Inches(FIGURE_INCHES))
    _note(document, figure.note)


def render_docx(title: str, blocks: Blocks) -> bytes:
    """The report's numbered blocks (:func:`~loyaltysem.report.blocks.numbered`) as a .docx
    file's bytes (see the module notes)."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.add_heading(escaping.plain(title), level=0)
    for heading, items in blocks:
        document.add_heading(escaping.plain(heading), level=1)
        for item in items:
            kind, value = item[0], item[1]
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
                _figure(document, value)
            else:
                _table(document, value)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
