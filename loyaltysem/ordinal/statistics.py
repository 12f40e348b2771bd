"""Ordinal sample statistics as lavaan computes them for WLSMV: the public API.

:func:`sample_statistics` returns what DWLS/WLS estimation needs: the
statistics vector in lavaan's ``WLS.obs`` order, its asymptotic covariance
NACOV (``lavInspect(fit, "gamma")``) and the diagonal DWLS weights
(``diag(lavInspect(fit, "wls.v"))``). :func:`polychoric_matrix` is the
correlation matrix alone (``lavCor(data, ordered = ...)``).

Order of the statistics (lavaan's ``WLS.obs`` without covariates):

1. per variable, in column order, its thresholds ``item|t1``, ``item|t2``, ...
   — a continuous item has one slot instead, labelled ``item~1``, holding
   **minus** its mean (lavaan treats it as a threshold);
2. the variances ``item~~item`` of the continuous items (divisor N);
3. the off-diagonal elements of the covariance matrix in lavaan's ``vech``
   order of the lower triangle, column by column: (2,1), (3,1), ..., (p,1),
   (3,2), ..., labelled ``first~~second``. Between ordinal items they are
   polychoric correlations; with a continuous item the polyserial
   correlation times its standard deviation (divisor N); between two
   continuous items their covariance (divisor N).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..exceptions import ArgumentError, DataError
from . import polychoric as pc
from . import polyserial as ps
from .pearson import pearson, pearson_scores
from .acov import covariance_jacobian, two_step_acov
from .categories import CodedItems, code_items
from .thresholds import grid_of, threshold_scores, thresholds_of


@dataclass(frozen=True)
class OrdinalStatistics:
    """Two-step ordinal sample statistics and their asymptotic covariance.

    Attributes
    ----------
    variables : tuple of str
        All variables, in column order; ``ordered`` the ordinal ones.
    nobs : int
        Complete cases used (listwise).
    thresholds : pandas.Series
        Thresholds of the ordinal items, indexed ``item|t1`` ... (lavaan's
        ``lavInspect(fit, "sampstat")$th``).
    correlation : pandas.DataFrame
        Polychoric (ordinal pairs), polyserial (an ordinal and a continuous
        item) and Pearson (two continuous items) correlations (``lavCor``).
    covariance : pandas.DataFrame
        As ``lavInspect(fit, "sampstat")$cov``: the correlations, rescaled by
        the continuous items' standard deviations (divisor N).
    means : pandas.Series
        The continuous items' means (0 for ordinal items, as lavaan).
    statistics : pandas.Series
        The statistics vector in lavaan's ``WLS.obs`` order (module docstring).
    nacov : pandas.DataFrame
        N times the asymptotic covariance of ``statistics`` (lavaan's NACOV).
    wls_v : pandas.Series
        The DWLS weights 1 / diag(NACOV) (``diag(lavInspect(fit, "wls.v"))``).
    empty_cell_pairs : tuple of (str, str)
        Ordinal pairs whose contingency table has an empty cell.
    zero_add, zero_keep_margins
        The empty-cell options used.
    """

    variables: tuple[str, ...]
    ordered: tuple[str, ...]
    nobs: int
    thresholds: pd.Series
    correlation: pd.DataFrame
    covariance: pd.DataFrame
    means: pd.Series
    statistics: pd.Series
    nacov: pd.DataFrame
    wls_v: pd.Series
    empty_cell_pairs: tuple[tuple[str, str], ...] = field(default=())
    zero_add: tuple[float, float] = (0.5, 0.0)
    zero_keep_margins: bool = True

    @property
    def acov(self) -> pd.DataFrame:
        """The asymptotic covariance matrix of ``statistics``: NACOV / N."""
        return self.nacov / self.nobs

    def weight_matrix(self, estimator: Literal["DWLS", "WLS", "ULS"] = "DWLS") -> np.ndarray:
        """lavaan's ``WLS.V``: diag(1/diag(NACOV)) (DWLS), NACOV⁻¹ (WLS) or I (ULS)."""
        if estimator == "DWLS":
            return np.diag(self.wls_v.to_numpy())
        if estimator == "WLS":
            return np.linalg.inv(self.nacov.to_numpy())
        if estimator == "ULS":
            return np.eye(len(self.statistics))
        raise ArgumentError(f"estimator must be 'DWLS', 'WLS' or 'ULS'; got {estimator!r}")

    def summary(self) -> str:
        """A short text account: sizes, thresholds, the correlation matrix."""
        continuous = [v for v in self.variables if v not in self.ordered]
        lines = [f"Ordinal sample statistics (two-step, as lavaan): N = {self.nobs}, "
                 f"{len(self.ordered)} ordinal and {len(continuous)} continuous variables, "
                 f"{len(self.statistics)} statistics",
                 f"empty cells: zero_add = {self.zero_add}, keep margins = {self.zero_keep_margins}; "
                 f"{len(self.empty_cell_pairs)} tables with empty cells",
                 "", "Thresholds:", self.thresholds.round(3).to_string(), "",
                 "Correlations (polychoric / polyserial):", self.correlation.round(3).to_string()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class _Layout:
    """Where each variable's univariate statistics sit in the statistics vector."""

    slots: list[np.ndarray]   # per variable: its threshold (or -mean) columns
    var_column: dict[int, int]  # continuous variable -> its variance column
    n_uni: int
    labels: list[str]


def _layout(items: CodedItems) -> _Layout:
    slots, labels, start = [], [], 0
    for j, name in enumerate(items.names):
        width = int(items.n_categories[j]) - 1 if items.ordinal[j] else 1
        slots.append(np.arange(start, start + width))
        labels += [f"{name}|t{t + 1}" for t in range(width)] if items.ordinal[j] else [f"{name}~1"]
        start += width
    var_column = {}
    for c in np.flatnonzero(~items.ordinal):
        var_column[int(c)] = start
        labels.append(f"{items.names[c]}~~{items.names[c]}")
        start += 1
    return _Layout(slots, var_column, start, labels)


def _check_options(zero_add: Sequence[float] | float) -> tuple[float, float]:
    values = np.atleast_1d(np.asarray(zero_add, dtype=float))
    if values.size == 1:
        values = np.repeat(values, 2)
    if values.size != 2 or np.any(values < 0) or not np.all(np.isfinite(values)):
        raise ArgumentError(f"zero_add must be one or two non-negative numbers; got {zero_add!r}")
    return float(values[0]), float(values[1])


@dataclass
class _Univariate:
    thresholds: list[np.ndarray]
    moments: dict[int, tuple[float, float]]


def _univariate(items: CodedItems) -> _Univariate:
    thresholds, moments = [], {}
    for j in range(len(items.names)):
        if items.ordinal[j]:
            thresholds.append(thresholds_of(items.codes[:, j], items.n_categories[j]))
        else:
            thresholds.append(np.empty(0))
            moments[j] = ps.moments(items.values[:, j])
    return _Univariate(thresholds, moments)


@dataclass
class _Polychorics:
    first: np.ndarray
    second: np.ndarray
    rho: np.ndarray
    grid1: np.ndarray
    grid2: np.ndarray
    counts: np.ndarray


def _polychorics(items: CodedItems, uni: _Univariate, zero_add: tuple[float, float],
                 keep_margins: bool) -> _Polychorics:
    columns = np.flatnonzero(items.ordinal)
    first, second = pc.pair_indices(columns)
    width = int(max(items.n_categories.max(), 2))
    grids = np.array([grid_of(t, width) for t in uni.thresholds])
    if len(first) == 0:
        empty = np.zeros((0, width + 1))
        return _Polychorics(first, second, np.zeros(0), empty, empty, np.zeros((0, width, width)))
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
    return _Polychorics(first, second, rho, grids[first], grids[second], tables.counts)


def _refuse_perfect_tetrachorics(items: CodedItems, poly: _Polychorics) -> None:
    perfect = [(items.names[a], items.names[b])
               for a, b, rho in zip(poly.first, poly.second, poly.rho) if abs(rho) >= 1.0]
    if perfect:
        raise DataError(f"the tetrachoric correlations of {perfect} are +-1 (two empty cells "
                        "in their 2x2 tables): their asymptotic variance is not defined; "
                        "drop or combine one item of each pair")


def _pearson(codes: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Pearson correlations of the codes: start values (0 where undefined)."""
    centred = codes - codes.mean(axis=0)
    cross = centred.T @ centred
    sd = np.sqrt(np.diag(cross))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cross[first, second] / (sd[first] * sd[second])
    return np.nan_to_num(r)


@dataclass
class _Continuous:
    """Correlations with continuous items: polyserial {(continuous, ordinal): ρ} and
    Pearson {(a, b): r}, a < b."""

    serial: dict[tuple[int, int], float]
    pearson: dict[tuple[int, int], float]


def _continuous_pairs(items: CodedItems, uni: _Univariate) -> _Continuous:
    serial, product = {}, {}
    continuous = [int(j) for j in np.flatnonzero(~items.ordinal)]
    for j in continuous:
        mean, var = uni.moments[j]
        for i in np.flatnonzero(items.ordinal):
            serial[(j, int(i))] = ps.fit_polyserial(items.values[:, j], mean, var,
                                                    items.codes[:, i], uni.thresholds[i])
    for a_pos, a in enumerate(continuous):
        for b in continuous[a_pos + 1:]:
            product[(a, b)] = pearson(items.values[:, a], items.values[:, b], uni.moments[a],
                                      uni.moments[b])
    return _Continuous(serial, product)


def _correlation_frame(items: CodedItems, poly: _Polychorics, cont: _Continuous) -> pd.DataFrame:
    p = len(items.names)
    cor = np.eye(p)
    cor[poly.first, poly.second] = poly.rho
    cor[poly.second, poly.first] = poly.rho
    for (j, i), rho in (cont.serial | cont.pearson).items():
        cor[j, i] = cor[i, j] = rho
    return pd.DataFrame(cor, index=list(items.names), columns=list(items.names))


def polychoric_matrix(data: pd.DataFrame, ordered: Sequence[str] | bool = True, *,
                      levels: Mapping[str, Sequence[float]] | None = None,
                      zero_add: Sequence[float] | float = (0.5, 0.0),
                      zero_keep_margins: bool = True) -> pd.DataFrame:
    """Polychoric (and polyserial) correlation matrix, as lavaan's ``lavCor``.

    Parameters
    ----------
    data : pandas.DataFrame
        The variables (all columns, in order); rows with a missing value are
        dropped with a :class:`~loyaltysem.exceptions.MissingValueWarning`.
    ordered : sequence of str or bool
        The ordinal columns (``True``: all; default).
    levels : mapping of str to sequence of numbers, optional
        Declared categories of ordinal items (default: the observed values).
    zero_add, zero_keep_margins
        lavaan's empty-cell handling (see :mod:`loyaltysem.ordinal.polychoric`).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> from loyaltysem.data import load_dataset
    >>> from loyaltysem.ordinal import polychoric_matrix
    >>> items = load_dataset("corp_rep")[["comp_1", "comp_2", "comp_3"]]
    >>> round(float(polychoric_matrix(items).loc["comp_1", "comp_2"]), 3)
    0.489

    R: ``lavaan::lavCor(items, ordered = names(items))`` (0.489).
    """
    options = _check_options(zero_add)
    items = code_items(data, ordered, levels)
    uni = _univariate(items)
    poly = _polychorics(items, uni, options, zero_keep_margins)
    return _correlation_frame(items, poly, _continuous_pairs(items, uni))


def sample_statistics(data: pd.DataFrame, ordered: Sequence[str] | bool = True, *,
                      levels: Mapping[str, Sequence[float]] | None = None,
                      zero_add: Sequence[float] | float = (0.5, 0.0),
                      zero_keep_margins: bool = True) -> OrdinalStatistics:
    """Thresholds, polychoric/polyserial correlations, NACOV and DWLS weights.

    The two-step estimates of lavaan 0.6-14 (``lavCor``; ``muthen1984`` for
    the asymptotic covariance), without covariates and for one group.

    Parameters
    ----------
    data : pandas.DataFrame
        The variables (all columns, in order); rows with a missing value are
        dropped (listwise) with a :class:`~loyaltysem.exceptions.MissingValueWarning`.
    ordered : sequence of str or bool
        The ordinal columns (``True``: all; default); the others are
        continuous.
    levels : mapping of str to sequence of numbers, optional
        Declared categories of ordinal items (default: the observed values,
        sorted, as lavaan). Use it for one group's rows, so that every group
        has the categories of the pooled data; an empty declared category is
        an error, as in lavaan.
    zero_add : float or (float, float)
        Added to empty cells of 2 × 2 tables and of larger tables (lavaan's
        ``zero.add``, default ``c(0.5, 0)``).
    zero_keep_margins : bool
        lavaan's ``zero.keep.margins``: in a 2 × 2 table keep the margins by
        also adding to the diagonal partner and subtracting from the others.

    Returns
    -------
    OrdinalStatistics

    Raises
    ------
    DataError
        An ordinal item with fewer than two observed categories, with
        non-integer values or with an empty declared category; a non-numeric
        column; a tetrachoric correlation of ±1 (two empty cells), whose
        asymptotic variance is not defined.

    Notes
    -----
    The element order (lavaan's ``WLS.obs``) is described in
    :mod:`loyaltysem.ordinal.statistics`; the formulas in
    :mod:`~loyaltysem.ordinal.thresholds`, :mod:`~loyaltysem.ordinal.polychoric`,
    :mod:`~loyaltysem.ordinal.polyserial` and :mod:`~loyaltysem.ordinal.acov`.

    Examples
    --------
    >>> from loyaltysem.data import load_dataset
    >>> from loyaltysem.ordinal import sample_statistics
    >>> items = load_dataset("corp_rep")[["comp_1", "comp_2", "comp_3", "like_1"]]
    >>> stats = sample_statistics(items)
    >>> stats.wls_v.head(3).round(2).tolist()
    [0.13, 0.27, 0.5]

    R: ``fit <- cfa("f =~ comp_1 + comp_2 + comp_3 + like_1", items, ordered = TRUE,
    estimator = "WLSMV"); lavInspect(fit, "gamma"); diag(lavInspect(fit, "wls.v"))``
    (0.13, 0.27, 0.50 for ``comp_1|t1`` ... ``comp_1|t3``).
    """
    options = _check_options(zero_add)
    items = code_items(data, ordered, levels)
    uni = _univariate(items)
    poly = _polychorics(items, uni, options, zero_keep_margins)
    _refuse_perfect_tetrachorics(items, poly)
    cont = _continuous_pairs(items, uni)
    layout = _layout(items)
    uni_scores, blocks = _univariate_scores(items, uni, layout)
    first, second = pc.pair_indices(np.arange(len(items.names)))
    cor_scores, a21, rho = _bivariate_scores(items, uni, poly, cont, layout, first, second)
    jac, values = _to_covariances(items, uni, layout, first, second, rho)
    nacov = items.nobs * (jac @ two_step_acov(uni_scores, blocks, cor_scores, a21) @ jac.T)
    negate = np.ones(len(values))
    for j in np.flatnonzero(~items.ordinal):
        negate[layout.slots[j][0]] = -1.0
    nacov = nacov * np.outer(negate, negate)
    labels = layout.labels + [f"{items.names[a]}~~{items.names[b]}" for a, b in zip(first, second)]
    return _result(items, uni, poly, cont, options, zero_keep_margins,
                   pd.Series(values, index=labels, name="statistic"),
                   pd.DataFrame(nacov, index=labels, columns=labels))


def _univariate_scores(items: CodedItems, uni: _Univariate,
                       layout: _Layout) -> tuple[np.ndarray, list[np.ndarray]]:
    scores = np.zeros((items.nobs, layout.n_uni))
    blocks = []
    for j in range(len(items.names)):
        slots = layout.slots[j]
        if items.ordinal[j]:
            scores[:, slots] = threshold_scores(items.codes[:, j], uni.thresholds[j])
            blocks.append(slots)
        else:
            mean, var = uni.moments[j]
            d_mean, d_var = ps.univariate_scores(items.values[:, j], mean, var)
            scores[:, slots[0]] = d_mean
            scores[:, layout.var_column[j]] = d_var
            blocks.append(np.array([slots[0], layout.var_column[j]]))
    return scores, blocks


def _bivariate_scores(items: CodedItems, uni: _Univariate, poly: _Polychorics,
                      cont: _Continuous, layout: _Layout,
                      first: np.ndarray, second: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Casewise ρ scores (n × pairs), A₂₁ (pairs × univariate) and ρ, in vech order."""
    position = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(first, second))}
    cor_scores = np.zeros((items.nobs, len(first)))
    a21 = np.zeros((len(first), layout.n_uni))
    rho = np.zeros(len(first))
    if len(poly.first):
        where = np.array([position[(int(a), int(b))] for a, b in zip(poly.first, poly.second)])
        cor_scores[:, where], a1, a2 = _polychoric_scores(items, poly)
        rho[where] = poly.rho
        for row, k in enumerate(where):
            a, b = poly.first[row], poly.second[row]
            a21[k, layout.slots[a]] = a1[row, :len(layout.slots[a])]
            a21[k, layout.slots[b]] = a2[row, :len(layout.slots[b])]
    for (j, i), value in cont.serial.items():
        k = position[(min(j, i), max(j, i))]
        mean, var = uni.moments[j]
        sc = ps.mixed_scores(items.values[:, j], mean, var, items.codes[:, i], uni.thresholds[i], value)
        cor_scores[:, k], rho[k] = sc.rho, value
        a21[k, layout.slots[j][0]] = sc.rho @ sc.mean
        a21[k, layout.var_column[j]] = sc.rho @ sc.var
        a21[k, layout.slots[i]] = sc.rho @ sc.thresholds
    for (a, b), value in cont.pearson.items():
        k = position[(a, b)]
        pe = pearson_scores(items.values[:, a], items.values[:, b], uni.moments[a],
                            uni.moments[b], value)
        cor_scores[:, k], rho[k] = pe.rho, value
        for v, d_mean, d_var in ((a, pe.mean1, pe.var1), (b, pe.mean2, pe.var2)):
            a21[k, layout.slots[v][0]] = pe.rho @ d_mean
            a21[k, layout.var_column[v]] = pe.rho @ d_var
    return cor_scores, a21, rho


def _polychoric_scores(items: CodedItems, poly: _Polychorics
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Casewise ρ scores of the ordinal pairs and Σ_i s_ρᵢ ∂ℓᵢ/∂τ of both items."""
    prob, d1 = pc.cell_terms(poly.grid1, poly.grid2, poly.rho, order=1)
    positive = prob > 0
    cell_score = np.where(positive, d1 / np.where(positive, prob, 1.0), 0.0)
    pairs = np.arange(len(poly.first))
    casewise = cell_score[pairs[None, :], items.codes[:, poly.first], items.codes[:, poly.second]]
    weight = np.where(poly.counts > 0, poly.counts * cell_score / np.where(positive, prob, 1.0), 0.0)
    g1, g2 = pc.threshold_derivatives(poly.grid1, poly.grid2, poly.rho)
    a1 = (g1 * (weight[:, :-1, :] - weight[:, 1:, :])).sum(axis=-1)
    a2 = (g2 * (weight[:, :, :-1] - weight[:, :, 1:]).transpose(0, 2, 1)).sum(axis=-1)
    return casewise, a1, a2


def _to_covariances(items: CodedItems, uni: _Univariate, layout: _Layout, first: np.ndarray,
                    second: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Jacobian H and the statistics vector (thresholds, -means, variances, covariances)."""
    sd = np.ones(len(items.names))
    values = np.zeros(layout.n_uni + len(first))
    for j in range(len(items.names)):
        if items.ordinal[j]:
            values[layout.slots[j]] = uni.thresholds[j]
        else:
            mean, var = uni.moments[j]
            sd[j] = np.sqrt(var)
            values[layout.slots[j][0]] = -mean
            values[layout.var_column[j]] = var
    pair_sd = sd[first] * sd[second]
    values[layout.n_uni:] = rho * pair_sd
    var_columns = [[(layout.var_column[v], sd[other]) for v, other in ((a, b), (b, a))
                    if v in layout.var_column] for a, b in zip(first, second)]
    return covariance_jacobian(layout.n_uni, pair_sd, rho, var_columns), values


def _result(items: CodedItems, uni: _Univariate, poly: _Polychorics,
            cont: _Continuous, options: tuple[float, float], keep: bool,
            statistics: pd.Series, nacov: pd.DataFrame) -> OrdinalStatistics:
    names = list(items.names)
    correlation = _correlation_frame(items, poly, cont)
    sd = np.array([1.0 if items.ordinal[j] else np.sqrt(uni.moments[j][1]) for j in range(len(names))])
    covariance = correlation * np.outer(sd, sd)
    means = pd.Series([0.0 if items.ordinal[j] else uni.moments[j][0] for j in range(len(names))],
                      index=names, name="mean")
    th_labels = [f"{names[j]}|t{t + 1}" for j in np.flatnonzero(items.ordinal)
                 for t in range(len(uni.thresholds[j]))]
    thresholds = pd.Series(np.concatenate([uni.thresholds[j] for j in np.flatnonzero(items.ordinal)]
                                          or [np.empty(0)]), index=th_labels, name="threshold")
    empty = tuple((names[a], names[b]) for k, (a, b) in enumerate(zip(poly.first, poly.second))
                  if (pc.real_cells(poly.grid1[k], poly.grid2[k]) & (poly.counts[k] == 0)).any())
    wls_v = pd.Series(1.0 / np.diag(nacov.to_numpy()), index=nacov.index, name="wls_v")
    return OrdinalStatistics(tuple(names), tuple(n for j, n in enumerate(names) if items.ordinal[j]),
                             items.nobs, thresholds, correlation, covariance, means, statistics,
                             nacov, wls_v, empty, options, keep)
