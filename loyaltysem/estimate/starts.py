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

:func:`lavaan_start_values` are lavaan's own default start values (``start =
"default"``, ``lav_start`` of lavaan 0.6, checked against ``lavInspect(fit,
"start")`` by tests/reference/make_start_values_reference.R): per group, the
loadings of a factor measured by observed items from the FABIN 3 estimator
(Hägglund 1982; lavaan's ``lav_cfa_1fac_fabin``, with its closed form for
three or fewer items and its bounds), all latent variances 0.05 (the variance
of a single-item exogenous factor: its item's variance less its residual
variance), residual variances of observed variables half the sample variance,
the variances and covariances of observed exogenous variables their sample
values, in a model without latent variables the regressions by least squares,
intercepts the sample means, everything else 0. Its small latent variances
start the search from a nearly diagonal implied covariance matrix, far from
the ridges that large factor variances and zero paths can lead into; the
estimation tries them when its other runs fail.

References
----------
Hägglund, G. (1982). Factor analysis by instrumental variables methods.
Psychometrika, 47(2), 209-222.
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


def lavaan_start_values(layout: ParameterLayout, groups: Sequence[GroupMoments]
                        ) -> np.ndarray:
    """lavaan's default start values of ``theta`` (module notes): the row values of
    :func:`lavaan_start_rows`, averaged over the rows of a shared parameter (lavaan
    projects its start vector onto the equality constraints, which averages them)."""
    table = layout.table
    free = table["free"].to_numpy()
    keep = (free > 0) & (table["op"] != ":=").to_numpy()
    values = lavaan_start_rows(layout, groups)[keep]
    total = np.zeros(layout.n_free)
    count = np.zeros(layout.n_free)
    np.add.at(total, free[keep] - 1, values)
    np.add.at(count, free[keep] - 1, 1.0)
    return total / np.maximum(count, 1.0)


def lavaan_start_rows(layout: ParameterLayout, groups: Sequence[GroupMoments]
                      ) -> np.ndarray:
    """lavaan's default start value of every row of ``layout.table`` (``lav_start`` of
    lavaan 0.6, ``start = "default"``; its ``lavInspect(fit, "start")``): NaN for the
    ``:=`` rows, the fixed value for a fixed row."""
    table = layout.table
    if "group" not in table:
        table = table.assign(group=0)
    rows = list(table_rows(table))
    observed = list(layout.structure.observed)
    latent = set(layout.structure.latent)
    start = np.zeros(len(rows))
    for g in sorted({int(row.group) for row in rows}):
        here = [k for k, row in enumerate(rows) if int(row.group) == g and row.op != ":="]
        _group_starts(start, [rows[k] for k in here], np.asarray(here), observed, latent,
                      groups[g].cov[0], groups[g].mean[0])
    for k, row in enumerate(rows):
        ustart = float(row.ustart)
        if row.op == ":=":
            start[k] = np.nan
        elif np.isfinite(ustart):  # user-given values, free (start()) or fixed
            start[k] = ustart
    return start


def _group_starts(start: np.ndarray, rows: list, where: np.ndarray, observed: list[str],
                  latent: set[str], cov: np.ndarray, mean: np.ndarray) -> None:
    """One group's part of :func:`lavaan_start_rows`, written into ``start[where]``."""
    def at(name: str) -> int:
        return observed.index(name)

    dependent = {row.lhs for row in rows if row.op == "~"}
    indicators = {row.rhs for row in rows if row.op == "=~"}
    regressors = {row.rhs for row in rows if row.op == "~"}
    exogenous = {v for v in regressors if v in observed and v not in dependent
                 and v not in indicators}
    for k, row in zip(where, rows):
        if row.op == "=~":
            start[k] = 1.0
        elif row.op == "~~" and row.lhs == row.rhs:
            start[k] = 0.05 if row.lhs in latent else 0.5 * cov[at(row.lhs), at(row.lhs)]
        elif row.op == "~1" and row.lhs in observed:
            start[k] = mean[at(row.lhs)]
    for factor in dict.fromkeys(row.lhs for row in rows if row.op == "=~"):
        loadings = [(k, row) for k, row in zip(where, rows)
                    if row.op == "=~" and row.lhs == factor]
        items = [row.rhs for _, row in loadings]
        if any(item not in observed for item in items):
            continue  # a higher-order factor: loadings stay 1
        std_lv = any(row.op == "~~" and row.lhs == row.rhs == factor and row.free == 0
                     and row.ustart == 1 for row in rows)
        index = [at(item) for item in items]
        values = _fabin3(cov[np.ix_(index, index)], std_lv)
        for (k, _), value in zip(loadings, values):
            start[k] = value
        if factor not in dependent and factor not in indicators and len(items) == 1:
            residual = [row for row in rows if row.op == "~~" and row.lhs == row.rhs == items[0]]
            fixed = float(residual[0].ustart) if residual else np.nan
            variance = cov[index[0], index[0]] - (fixed if np.isfinite(fixed) else 1.0)
            for k, row in zip(where, rows):
                if row.op == "~~" and row.lhs == row.rhs == factor:
                    start[k] = max(variance, 0.05) if np.isfinite(variance) else 0.05
    for k, row in zip(where, rows):
        if row.op == "~~" and row.lhs in exogenous and row.rhs in exogenous:
            start[k] = cov[at(row.lhs), at(row.rhs)]
    if not latent:
        _least_squares_starts(start, rows, where, observed, cov)


def _least_squares_starts(start: np.ndarray, rows: list, where: np.ndarray,
                          observed: list[str], cov: np.ndarray) -> None:
    """Regressions of a model without latent variables: least squares on the sample
    moments, and the residual variance with them if it is 1-99 % of the variance."""
    for outcome in dict.fromkeys(row.lhs for row in rows if row.op == "~"):
        paths = [(k, row.rhs) for k, row in zip(where, rows)
                 if row.op == "~" and row.lhs == outcome]
        x = [observed.index(name) for _, name in paths]
        y = observed.index(outcome)
        try:
            beta = np.linalg.solve(cov[np.ix_(x, x)], cov[x, y])
        except np.linalg.LinAlgError:
            beta = np.zeros(len(x))
        for (k, _), value in zip(paths, beta):
            start[k] = value
        residual = cov[y, y] - float(beta @ cov[x, y])
        if 0.01 * cov[y, y] < residual < 0.99 * cov[y, y]:
            for k, row in zip(where, rows):
                if row.op == "~~" and row.lhs == row.rhs == outcome:
                    start[k] = residual


def _fabin3(cov: np.ndarray, std_lv: bool) -> np.ndarray:
    """The loadings of one factor on items with covariance ``cov``: lavaan's
    ``lav_cfa_1fac_fabin(S, method = "fabin3", lambda.only = TRUE, std.lv)`` (the first
    item's loading 1; scaled to a unit factor variance with ``std_lv``), with its
    closed form for up to three items (``lav_cfa_1fac_3ind``: 1 for every item when the
    three covariances have a negative product)."""
    n = cov.shape[0]
    if n < 4:
        return _three_items(cov, std_lv)
    loadings = np.ones(n)
    for i in range(1, n):
        others = [j for j in range(1, n) if j != i]
        s13 = cov[others, 0]
        try:
            weights = np.linalg.solve(cov[np.ix_(others, others)], s13)
            loadings[i] = float(cov[i, others] @ weights) / float(s13 @ weights)
        except np.linalg.LinAlgError:
            loadings[i] = float(cov[i, others] @ s13) / float(s13 @ s13)
    lower = 0.1 * cov[0, 0]
    bound = np.sqrt(np.diag(cov)[1:] / lower)
    loadings[1:] = np.clip(loadings[1:], -bound, bound)
    if std_lv:
        share = np.outer(loadings, loadings) / float(loadings @ loadings)
        theta = np.linalg.solve(np.eye(n) - share * share, np.diag(cov - share @ cov @ share))
        reduced = cov - np.diag(theta)
        psi = float(loadings @ reduced @ loadings) / float(loadings @ loadings) ** 2
        loadings = loadings * np.sign(psi) * np.sqrt(abs(psi))
    loadings[~np.isfinite(loadings)] = 1.0
    return loadings


def _three_items(cov: np.ndarray, std_lv: bool) -> np.ndarray:
    """``lav_cfa_1fac_3ind``'s loadings (bounded) for one to three items."""
    n = cov.shape[0]
    if n == 1:
        cov = np.ones((3, 3))
    elif n == 2:
        extra = [np.mean(np.diag(cov)), cov[1, 0]]
        cov = np.block([[cov, np.array(extra)[:, None]],
                        [np.array([extra + [np.max(np.diag(cov))]])]])
    s21, s31, s32 = cov[1, 0], cov[2, 0], cov[2, 1]
    if s21 * s31 * s32 < 0:
        return np.full(n, 0.7 if std_lv else 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        psi, l2, l3 = s21 * s31 / s32, s32 / s31, s32 / s21
    lower = 0.1 * cov[0, 0]
    psi = min(max(psi, lower), cov[0, 0])
    loadings = np.array([1.0, np.clip(l2, -np.sqrt(cov[1, 1] / lower), np.sqrt(cov[1, 1] / lower)),
                         np.clip(l3, -np.sqrt(cov[2, 2] / lower), np.sqrt(cov[2, 2] / lower))])
    if std_lv:
        loadings = loadings * np.sign(psi) * np.sqrt(abs(psi))
    loadings[~np.isfinite(loadings)] = 1.0
    return loadings[:n]


__all__ = ["lavaan_start_values", "lavaan_start_rows", "start_values"]
