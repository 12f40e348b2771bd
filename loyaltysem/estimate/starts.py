"""Start values for the free parameters, from the data's moments.

In the spirit of lavaan's ``start = "simple"`` with its data-based
variances (Rosseel 2012; lavaan ``R/lav_start.R``): residual variances of
observed variables start at half their sample variance; the variance of a
factor with a fixed (marker) loading at half its marker's variance divided by
the squared loading, and free loadings at the marker's loading times the
ratio of the two items' standard deviations, with the sign of their
covariance; loadings of a factor without a marker at half the item's
standard deviation; latent variances without an observed marker 0.05;
regressions and covariances 0; intercepts at the sample means and latent
means 0. A parameter shared by several rows (or groups) starts at the mean
of their values. The estimation (:mod:`.estimation`) begins with a bounded
warm-up, so these need only be in the right region.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..frame_rows import table_rows
from .layout import ParameterLayout
from .moments import GroupMoments


def _markers(rows) -> dict[tuple[int, str], tuple[str, float]]:
    """Per (group, factor) its first fixed non-zero loading: ``(indicator, value)``."""
    out: dict[tuple[int, str], tuple[str, float]] = {}
    for row in rows:
        if row.op == "=~" and row.free == 0 and np.isfinite(row.ustart) and row.ustart != 0:
            out.setdefault((row.group, row.lhs), (row.rhs, float(row.ustart)))
    return out


def start_values(layout: ParameterLayout, groups: Sequence[GroupMoments]) -> np.ndarray:
    """Start values of ``theta`` (see the module notes)."""
    table = layout.table
    if "group" not in table:
        table = table.assign(group=0)
    rows = list(table_rows(table))
    observed = layout.structure.observed
    latent = set(layout.structure.latent)
    markers = _markers(rows)
    total = np.zeros(layout.n_free)
    count = np.zeros(layout.n_free)
    for row in rows:
        if row.free <= 0 or row.op == ":=":
            continue
        moments = groups[int(row.group)]
        variance = np.diag(moments.cov[0])
        mean = moments.mean[0]

        def var(name: str) -> float:
            return float(variance[observed.index(name)]) if name in observed else 1.0

        value = 0.0
        if row.op == "=~":
            marker = markers.get((row.group, row.lhs))
            if row.rhs in latent or (marker is not None and marker[0] in latent):
                value = 1.0
            elif marker is None:
                value = 0.5 * np.sqrt(var(row.rhs))
            else:
                i, j = observed.index(row.rhs), observed.index(marker[0])
                sign = 1.0 if moments.cov[0][i, j] >= 0 else -1.0
                value = marker[1] * sign * np.sqrt(var(row.rhs) / var(marker[0]))
        elif row.op == "~~" and row.lhs == row.rhs:
            if row.lhs in latent:
                marker = markers.get((row.group, row.lhs))
                value = (0.5 * var(marker[0]) / marker[1] ** 2
                         if marker is not None and marker[0] in observed else 0.05)
            else:
                value = 0.5 * var(row.lhs)
        elif row.op == "~1" and row.lhs in observed:
            value = float(mean[observed.index(row.lhs)])
        total[row.free - 1] += value
        count[row.free - 1] += 1.0
    return total / np.maximum(count, 1.0)


__all__ = ["start_values"]
