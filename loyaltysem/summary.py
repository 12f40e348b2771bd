"""A small summary object shared by every result class.

``result.summary()`` returns a :class:`Summary`: printed it is text; in a
notebook it renders as HTML; ``as_latex()`` and ``as_markdown()`` give the
same tables for papers and READMEs.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from . import escaping

Block: TypeAlias = "pd.DataFrame | Mapping[str, object] | Sequence[str]"


def json_value(value: Any) -> Any:
    """A value ready for ``json.dumps(allow_nan=False)``: numpy scalars unwrapped, NaN/inf → None."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    return value


def json_records(frame: "pd.DataFrame") -> list[dict[str, Any]]:
    """A table as JSON rows: one mapping per row, its values by :func:`json_value`."""
    return [{str(key): json_value(value) for key, value in row.items()}
            for row in frame.to_dict(orient="records")]


def _format_value(value: object, digits: int) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.{digits}f}"
    return str(value)


def _formatted(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    return frame.apply(lambda column: column.map(lambda v: _format_value(v, digits)))


#: sections shown first, right under the title, when they hold anything but "none":
#: non-convergence, Heywood cases and non-positive-definite matrices come before any table
LEADING_SECTIONS = ("Warnings", "Admissibility", "Admissibility problems")


def _is_placeholder(block: Block) -> bool:
    if isinstance(block, (pd.DataFrame, Mapping)):
        return len(block) == 0
    notes = list(block)
    return not notes or notes == ["none"]


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table, every header and cell escaped (no trailing newline)."""
    header = ("| " + " | ".join(escaping.markdown(c, line_start=False) for c in frame.columns)
              + " |")
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(escaping.markdown(v, line_start=False) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def latex_table(table: pd.DataFrame, caption: str = "", *, index: bool = False) -> str:
    """A booktabs ``tabular`` (in a ``table`` float when captioned), every cell escaped.

    Parameters
    ----------
    table : pandas.DataFrame
    caption : str
    index : bool
        Show the index as the first column.

    Returns
    -------
    str
        LaTeX needing only ``\\usepackage{booktabs}``; no text of the table
        can start a command (:func:`loyaltysem.escaping.latex`).
    """
    frame = table
    if index:
        frame = table.reset_index(names="index")
        frame.columns = ["", *map(str, table.columns)]
    rows = [" & ".join(escaping.latex(c) for c in frame.columns) + r" \\", r"\midrule"]
    rows += [" & ".join(escaping.latex(v) for v in row) + r" \\"
             for row in frame.itertuples(index=False)]
    body = "\n".join([rf"\begin{{tabular}}{{{'l' * max(frame.shape[1], 1)}}}", r"\toprule",
                      *rows, r"\bottomrule", r"\end{tabular}"])
    if not caption:
        return body + "\n"
    return "\n".join([r"\begin{table}[ht]", r"\centering",
                      rf"\caption{{{escaping.latex(caption)}}}", body, r"\end{table}"]) + "\n"


@dataclass(frozen=True)
class Summary:
    """Titled sections of tables, key–value lists or notes.

    Every format escapes the text it shows (:mod:`loyaltysem.escaping`), and
    a section named in :data:`LEADING_SECTIONS` (the warnings: non-convergence,
    Heywood cases, non-positive-definite matrices) is shown first, before any
    table, unless it only says "none".

    Parameters
    ----------
    title : str
    sections : tuple of (heading, block)
        A block is a DataFrame, a mapping (shown as two columns) or a list of
        notes (shown as bullet points).
    digits : int
        Decimals for floats.
    """

    title: str
    sections: tuple[tuple[str, Block], ...] = field(default_factory=tuple)
    digits: int = 3

    def ordered_sections(self) -> tuple[tuple[str, Block], ...]:
        """The sections in display order: warnings that say something first."""
        first = [i for i, (heading, block) in enumerate(self.sections)
                 if heading in LEADING_SECTIONS and not _is_placeholder(block)]
        rest = [i for i in range(len(self.sections)) if i not in first]
        return tuple(self.sections[i] for i in first + rest)

    def _frame(self, block: Block) -> pd.DataFrame | None:
        if isinstance(block, pd.DataFrame):
            return _formatted(block, self.digits)
        if isinstance(block, Mapping):
            return pd.DataFrame({"": [_format_value(v, self.digits) for v in block.values()]},
                                index=list(block.keys()))
        return None

    def as_text(self) -> str:
        """Plain text, for the terminal (control characters removed)."""
        lines = [self.title, "=" * len(self.title)]
        for heading, block in self.ordered_sections():
            lines += ["", heading, "-" * len(heading)]
            frame = self._frame(block)
            if frame is None:
                lines += [f"* {note}" for note in block] or ["(none)"]
            elif isinstance(block, Mapping):
                width = max((len(str(k)) for k in frame.index), default=0)
                lines += [f"{str(k):<{width}}  {v}" for k, v in zip(frame.index, frame.iloc[:, 0])]
            else:
                lines.append(frame.to_string(index=False))
        return escaping.plain("\n".join(lines))

    def as_markdown(self) -> str:
        """GitHub-flavoured Markdown; every text escaped (no HTML, link or table break passes)."""
        out = [f"## {escaping.markdown(self.title)}"]
        for heading, block in self.ordered_sections():
            out += ["", f"### {escaping.markdown(heading)}", ""]
            frame = self._frame(block)
            if frame is None:
                out += [f"- {escaping.markdown(note)}" for note in block] or ["(none)"]
                continue
            if isinstance(block, Mapping):
                frame = frame.reset_index()
                frame.columns = ["statistic", "value"]
            out.append(markdown_table(frame))
        return "\n".join(out) + "\n"

    def as_html(self) -> str:
        """HTML tables (what notebooks show); every text escaped."""
        out = [f"<h3>{escaping.html_text(self.title)}</h3>"]
        for heading, block in self.ordered_sections():
            out.append(f"<h4>{escaping.html_text(heading)}</h4>")
            frame = self._frame(block)
            if frame is None:
                out.append("<ul>" + "".join(f"<li>{escaping.html_text(n)}</li>" for n in block)
                           + "</ul>")
            else:
                out.append(frame.to_html(index=isinstance(block, Mapping), escape=True, border=0))
        return "\n".join(out)

    def as_latex(self) -> str:
        """LaTeX (booktabs) tables; every text escaped (no command can start from a name)."""
        out = [f"% {escaping.latex(self.title)}"]
        for heading, block in self.ordered_sections():
            out.append(f"% {escaping.latex(heading)}")
            frame = self._frame(block)
            if frame is None:
                out.append("\\begin{itemize}\n"
                           + "\n".join(f"\\item{{}} {escaping.latex(n)}" for n in block)
                           + "\n\\end{itemize}")
                continue
            out.append(latex_table(frame, index=isinstance(block, Mapping)))
        return "\n".join(out)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()
