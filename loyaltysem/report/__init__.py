"""Reports and APA-style tables (HTML / Markdown / LaTeX).

Nothing in loyaltysem imports this package; it imports everything else.
"""
from __future__ import annotations

from .document import AnalysisReport, build_report, render_report, write_report
from .tables import (
           estimates_table,
           fit_table,
           hypotheses_table,
           measurement_table,
           render,
)

__all__ = ["AnalysisReport", "build_report", "estimates_table", "fit_table", "hypotheses_table",
           "measurement_table", "render", "render_report", "write_report"]
