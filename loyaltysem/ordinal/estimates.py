"""Two-step point estimates of all ordinal sample statistics.

Step 1 per variable (:mod:`~loyaltysem.ordinal.thresholds`; a continuous
item's mean and ML variance), step 2 per pair: polychoric
(:mod:`~loyaltysem.ordinal.polychoric`, all ordinal pairs at once),
polyserial (:mod:`~loyaltysem.ordinal.polyserial`) and Pearson
(:mod:`~loyaltysem.ordinal.pearson`) correlations.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataError
from . import polychoric as pc
from . import polyserial as ps
from .categories import CodedItems
from .pearson import pearson
from .thresholds import grid_of, thresholds_of


@dataclass
class Univariate:
    thresholds: list[np.ndarray]
    moments: dict[int, tuple[float, float]]


def univariate(items: CodedItems) -> Univariate:
    thresholds, moments = [], {}
    for j in range(len(items.names)):
        if items.ordinal[j]:
            thresholds.append(thresholds_of(items.codes[:, j], items.n_categories[j]))
        else:
            thresholds.append(np.empty(0))
            column = items.values[:, j]
            moments[j] = ps.moments(column[~np.isnan(column)])
    return Univariate(thresholds, moments)


@dataclass
class Polychorics:
    first: np.ndarray
    second: np.ndarray
    rho: np.ndarray
    grid1: np.ndarray
    grid2: np.ndarray
    counts: np.ndarray


def polychorics(items: CodedItems, uni: Univariate, zero_add: tuple[float, float],
                 keep_margins: bool) -> Polychorics:
    columns = np.flatnonzero(items.ordinal)
    first, second = pc.pair_indices(columns)
    width = int(max(items.n_categories.max(), 2))
    grids = np.array([grid_of(t, width) for t in uni.thresholds])
    if len(first) == 0:
        empty = np.zeros((0, width + 1))
        return Polychorics(first, second, np.zeros(0), empty, empty, np.zeros((0, width, width)))
    tables = pc.contingency_tables(items.codes, first, second, width)
    binary = (items.n_categories[first] == 2) & (items.n_categories[second] == 2)
    pair_names = [(items.names[a], items.names[b]) for a, b in zip(first, second)]
    counts, fixed = pc.zero_add_tables(tables.counts, binary, grids[first], grids[second],
                                       zero_add, keep_margins, pair_names)
    start = _pearson(items.codes, first, second)
    free = np.array([k not in fixed for k in range(len(first))], dtype=bool)
    rho = np.zeros(len(first))
    if free.any():
        rho[free] = pc.fit_rho(counts[free], grids[first][free], grids[second][free], start[free])
    for k, value in fixed.items():
        rho[k] = value
    pc.warn_near_one(rho, pair_names)
    return Polychorics(first, second, rho, grids[first], grids[second], tables.counts)


def refuse_perfect_tetrachorics(items: CodedItems, poly: Polychorics) -> None:
    """No asymptotic covariance for ρ = ±1 (two empty cells of a 2 × 2 table)."""
    perfect = [(items.names[a], items.names[b])
               for a, b, rho in zip(poly.first, poly.second, poly.rho) if abs(rho) >= 1.0]
    if perfect:
        raise DataError(f"the tetrachoric correlations of {perfect} are +-1 (two empty cells "
                        "in their 2x2 tables): their asymptotic variance is not defined; "
                        "drop or combine one item of each pair")


def refuse_no_ordinal(items: CodedItems) -> None:
    """Ordinal sample statistics need an ordinal item (lavaan's muthen1984 does too)."""
    if not items.ordinal.any():
        raise DataError("no ordered items: ordinal sample statistics need at least one; for "
                        "continuous data use the covariance matrix (estimators ML, MLR, ...)")


def _pearson(codes: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Pearson correlations of the codes: start values (0 where undefined; a missing
    answer counts as the item's mean)."""
    seen = codes >= 0
    means = np.where(seen, codes, 0).sum(axis=0) / np.maximum(seen.sum(axis=0), 1)
    centred = np.where(seen, codes - means, 0.0)
    cross = centred.T @ centred
    sd = np.sqrt(np.diag(cross))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cross[first, second] / (sd[first] * sd[second])
    return np.nan_to_num(r)


@dataclass
class Continuous:
    """Correlations with continuous items: polyserial {(continuous, ordinal): ρ} and
    Pearson {(a, b): r}, a < b."""

    serial: dict[tuple[int, int], float]
    pearson: dict[tuple[int, int], float]


def continuous_pairs(items: CodedItems, uni: Univariate) -> Continuous:
    """Each pair with a continuous item, on its complete rows (all rows when listwise)."""
    serial, product = {}, {}
    continuous = [int(j) for j in np.flatnonzero(~items.ordinal)]
    observed = items.observed
    for j in continuous:
        mean, var = uni.moments[j]
        for i in (int(i) for i in np.flatnonzero(items.ordinal)):
            rows = observed[:, j] & observed[:, i]
            serial[(j, i)] = ps.fit_polyserial(items.values[rows, j], mean, var,
                                               items.codes[rows, i], uni.thresholds[i])
    for a_pos, a in enumerate(continuous):
        for b in continuous[a_pos + 1:]:
            rows = observed[:, a] & observed[:, b]
            whole = bool(observed[:, a].all() and observed[:, b].all())
            product[(a, b)] = pearson(items.values[rows, a], items.values[rows, b],
                                      uni.moments[a], uni.moments[b], all_rows=whole)
    pairs = serial | product
    pc.warn_near_one(np.array(list(pairs.values())),
                     [(items.names[a], items.names[b]) for a, b in pairs])
    return Continuous(serial, product)


def correlation_frame(items: CodedItems, poly: Polychorics, cont: Continuous) -> pd.DataFrame:
    p = len(items.names)
    cor = np.eye(p)
    cor[poly.first, poly.second] = poly.rho
    cor[poly.second, poly.first] = poly.rho
    for (j, i), rho in (cont.serial | cont.pearson).items():
        cor[j, i] = cor[i, j] = rho
    return pd.DataFrame(cor, index=list(items.names), columns=list(items.names))
