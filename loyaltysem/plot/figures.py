"""Coefficient forest plots, residual-correlation heatmaps and loading plots.

Each function takes ``ax=None`` and returns the matplotlib Figure.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..estimate import FitResult


def literal(text: object) -> str:
    """A label matplotlib draws as it is: ``$`` escaped, so no mathtext starts from a name."""
    return str(text).replace("$", r"\$")


def _axes(ax, size):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        return fig, ax
    return ax.figure, ax


def forest_plot(table: pd.DataFrame, *, label: str = "effect", estimate: str = "est",
                lower: str = "ci_lower", upper: str = "ci_upper", ax=None, title: str | None = None):
    """Estimates with their intervals, one row each (bootstrap, robustness, effects tables).

    Parameters
    ----------
    table : pandas.DataFrame
        Needs the label, estimate and interval columns.
    """
    fig, ax = _axes(ax, (7, 0.4 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    est = table[estimate].to_numpy(float)
    lo, hi = table[lower].to_numpy(float), table[upper].to_numpy(float)
    excludes_zero = (lo > 0) | (hi < 0)
    ax.hlines(y, lo, hi, color=np.where(excludes_zero, "#1f3b73", "#999999"), linewidth=2)
    ax.plot(est, y, "o", color="#1f3b73")
    ax.axvline(0, color="#aa3333", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, [literal(v) for v in table[label]])
    ax.set_xlabel("estimate (95% interval)")
    if title:
        ax.set_title(literal(title))
    fig.tight_layout()
    return fig


def residual_heatmap(result: FitResult, *, ax=None):
    """Correlation residuals (observed minus implied correlations), lavaan ``resid(type = "cor")``."""
    fig, ax = _axes(ax, (0.35 * len(result.residual_cor) + 2.5, 0.35 * len(result.residual_cor) + 2))
    values = result.residual_cor.to_numpy()
    limit = max(0.1, float(np.nanmax(np.abs(values))))
    image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
    names = [literal(n) for n in result.residual_cor.columns]
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    fig.colorbar(image, ax=ax, label="correlation residual")
    ax.set_title("Residual correlations")
    fig.tight_layout()
    return fig


def loadings_plot(result: FitResult, *, threshold: float = 0.708, ax=None):
    """Standardized loadings per construct, with the .708 guideline (Hair et al. 2019)."""
    loadings = result.loadings
    fig, ax = _axes(ax, (7, 0.3 * len(loadings) + 1.2))
    y = np.arange(len(loadings))[::-1]
    colors = np.where(loadings["std_all"].abs() >= threshold, "#1f3b73", "#cc7722")
    ax.barh(y, loadings["std_all"], color=colors)
    ax.axvline(threshold, color="#aa3333", linestyle="--", linewidth=0.8)
    ax.set_yticks(y, [literal(f"{c} =~ {i}") for c, i in zip(loadings["lhs"], loadings["rhs"])],
                  fontsize=8)
    ax.set_xlabel("standardized loading")
    ax.set_title("Standardized loadings")
    fig.tight_layout()
    return fig


def power_curve(table: pd.DataFrame, *, statistics=None, target: float = 0.80, ax=None):
    """Power against sample size, one line per statistic, with Monte Carlo SE bands.

    ``table`` is :func:`loyaltysem.robustness.power.power_table` output.
    """
    fig, ax = _axes(ax, (7, 4.5))
    names = statistics if statistics is not None else sorted(table["statistic"].unique())
    for name in names:
        rows = table[table["statistic"] == name].sort_values("n")
        ax.plot(rows["n"], rows["power"], marker="o", label=literal(name))
        ax.fill_between(rows["n"], rows["power"] - 1.96 * rows["mc_se"],
                        rows["power"] + 1.96 * rows["mc_se"], alpha=0.15)
    ax.axhline(target, color="#aa3333", linestyle="--", linewidth=0.8)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("sample size N")
    ax.set_ylabel("power")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Monte Carlo power")
    fig.tight_layout()
    return fig
