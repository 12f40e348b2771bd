"""Reports and APA-style tables (HTML / Markdown / LaTeX / Word).

:func:`make_report` fits a spec by CB-SEM (``method="cb"``), PLS-SEM
(``"pls"``) or both side by side (``"both"``) and builds its report;
:func:`build_report` (a CB-SEM fit) and :func:`build_pls_report` (a PLS-SEM
fit, optionally beside the CB-SEM one) build it from fits made already.

The tables and figures are numbered, titled and given their notes once
(:mod:`.blocks`, :mod:`.notes`); each format only renders them.

Nothing in loyaltysem imports this package; it imports everything else.
"""
from __future__ import annotations

from .document import AnalysisReport, build_report, render_report, write_report
from .make import make_report
from .pls_document import PLSReport, build_pls_report
from .tables import (
           estimates_table,
           fit_table,
           hypotheses_table,
           measurement_table,
           render,
)

__all__ = ["AnalysisReport", "PLSReport", "build_pls_report", "build_report", "estimates_table",
           "fit_table", "hypotheses_table", "make_report", "measurement_table", "render",
           "render_report", "write_report"]
