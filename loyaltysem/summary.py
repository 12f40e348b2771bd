"""A small summary object shared by every result class.

``result.summary()`` returns a :class:`Summary`: printed it is text; in a
notebook it renders as HTML; ``as_latex()`` and ``as_markdown()`` give the
same tables for papers and READMEs.
"""
from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

Block: TypeAlias = "pd.DataFrame | Mapping[str, object] | Sequence[str]"


def json_value(value: Any) -> Any:
    """A value ready for ``json.dumps(allow_nan=False)``: numpy scalars unwrapped, NaN/inf → None."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    return value


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


@dataclass(frozen=True)
class Summary:
    """Titled sections of tables, key–value lists or notes.

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

    def _frame(self, block: Block) -> pd.DataFrame | None:
        if isinstance(block, pd.DataFrame):
            return _formatted(block, self.digits)
        if isinstance(block, Mapping):
            return pd.DataFrame({"": [_format_value(v, self.digits) for v in block.values()]},
                                index=list(block.keys()))
        return None

    def as_text(self) -> str:
        """Plain text, for the terminal."""
        lines = [self.title, "=" * len(self.title)]
        for heading, block in self.sections:
            lines += ["", heading, "-" * len(heading)]
            frame = self._frame(block)
            if frame is None:
                lines += [f"* {note}" for note in block] or ["(none)"]
            elif isinstance(block, Mapping):
                width = max((len(str(k)) for k in frame.index), default=0)
                lines += [f"{str(k):<{width}}  {v}" for k, v in zip(frame.index, frame.iloc[:, 0])]
            else:
                lines.append(frame.to_string(index=False))
        return "\n".join(lines)

    def as_markdown(self) -> str:
        """GitHub-flavoured Markdown."""
        out = [f"## {self.title}"]
        for heading, block in self.sections:
            out += ["", f"### {heading}", ""]
            frame = self._frame(block)
            if frame is None:
                out += [f"- {note}" for note in block] or ["(none)"]
                continue
            if isinstance(block, Mapping):
                frame = frame.reset_index()
                frame.columns = ["statistic", "value"]
            header = "| " + " | ".join(map(str, frame.columns)) + " |"
            rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
            rows = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
            out += [header, rule, *rows]
        return "\n".join(out) + "\n"

    def as_html(self) -> str:
        """HTML tables (what notebooks show)."""
        out = [f"<h3>{html.escape(self.title)}</h3>"]
        for heading, block in self.sections:
            out.append(f"<h4>{html.escape(heading)}</h4>")
            frame = self._frame(block)
            if frame is None:
                out.append("<ul>" + "".join(f"<li>{html.escape(str(n))}</li>" for n in block) + "</ul>")
            else:
                out.append(frame.to_html(index=isinstance(block, Mapping), escape=True, border=0))
        return "\n".join(out)

    def as_latex(self) -> str:
        """LaTeX (booktabs) tables."""
        out = [f"% {self.title}"]
        for heading, block in self.sections:
            frame = self._frame(block)
            if frame is None:
                out.append("\\begin{itemize}\n" + "\n".join(f"\\item {n}" for n in block)
                           + "\n\\end{itemize}")
                continue
            columns = "l" * (frame.shape[1] + (1 if isinstance(block, Mapping) else 0))
            body = frame.to_latex(index=isinstance(block, Mapping), escape=True,
                                  column_format=columns)
            out.append(f"% {heading}\n{body}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()
