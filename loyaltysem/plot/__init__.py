"""Figures (matplotlib only): path diagrams, forest plots, residual heatmaps, loadings.

:func:`path_diagram` draws a CB-SEM fit (``loyaltysem.fit``) or a PLS-SEM fit
(``loyaltysem.pls.fit_pls``: path coefficients, outer loadings or weights, R²;
Mode B composites with arrows from their items).

Functions take ``ax=None`` and return the matplotlib Figure, which the user
can restyle and save as PNG, SVG or PDF.
"""
from __future__ import annotations

from .figures import forest_plot, loadings_plot, power_curve, residual_heatmap
from .path_diagram import path_diagram

__all__ = ["forest_plot", "loadings_plot", "path_diagram", "power_curve", "residual_heatmap"]
