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
from .acov import two_step_acov
from .categories import CodedItems, code_items
from .estimates import (Continuous, Polychorics, Univariate, continuous_pairs, correlation_frame,
                        polychorics, refuse_no_ordinal, refuse_perfect_tetrachorics,
                        univariate)
from .scores import bivariate_scores, layout_of, to_covariances, univariate_scores


@dataclass(frozen=True, eq=False)
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
    th_idx : numpy.ndarray of int
        Per element of the first block of ``statistics`` (thresholds and
        -means), the 1-based index of its variable, 0 for a continuous one
        (lavaan's ``th.idx``).
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
    th_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
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


def _check_options(zero_add: Sequence[float] | float) -> tuple[float, float]:
    values = np.atleast_1d(np.asarray(zero_add, dtype=float))
    if values.size == 1:
        values = np.repeat(values, 2)
    if values.size != 2 or np.any(values < 0) or not np.all(np.isfinite(values)):
        raise ArgumentError(f"zero_add must be one or two non-negative numbers; got {zero_add!r}")
    return float(values[0]), float(values[1])


def polychoric_matrix(data: pd.DataFrame, ordered: Sequence[str] | bool = True, *,
                      levels: Mapping[str, Sequence[float]] | None = None,
                      missing: Literal["listwise", "pairwise"] = "listwise",
                      zero_add: Sequence[float] | float = (0.5, 0.0),
                      zero_keep_margins: bool = True) -> pd.DataFrame:
    """Polychoric (and polyserial) correlation matrix, as lavaan's ``lavCor``.

    Parameters
    ----------
    data : pandas.DataFrame
        The variables (all columns, in order).
    ordered : sequence of str or bool
        The ordinal columns (``True``: all; default).
    levels : mapping of str to sequence of numbers, optional
        Declared categories of ordinal items (default: the observed values).
    missing : {"listwise", "pairwise"}
        As :func:`sample_statistics`.
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
    items = code_items(data, ordered, levels, missing)
    uni = univariate(items)
    poly = polychorics(items, uni, options, zero_keep_margins)
    return correlation_frame(items, poly, continuous_pairs(items, uni))


def sample_statistics(data: pd.DataFrame, ordered: Sequence[str] | bool = True, *,
                      levels: Mapping[str, Sequence[float]] | None = None,
                      missing: Literal["listwise", "pairwise"] = "listwise",
                      zero_add: Sequence[float] | float = (0.5, 0.0),
                      zero_keep_margins: bool = True) -> OrdinalStatistics:
    """Thresholds, polychoric/polyserial correlations, NACOV and DWLS weights.

    The two-step estimates of lavaan 0.6-14 (``lavCor``; ``muthen1984`` for
    the asymptotic covariance), without covariates and for one group.

    Parameters
    ----------
    data : pandas.DataFrame
        The variables (all columns, in order).
    ordered : sequence of str or bool
        The ordinal columns (``True``: all; default); the others are
        continuous.
    levels : mapping of str to sequence of numbers, optional
        Declared categories of ordinal items (default: the observed values,
        sorted, as lavaan). Use it for one group's rows, so that every group
        has the categories of the pooled data; an empty declared category is
        an error, as in lavaan.
    missing : {"listwise", "pairwise"}
        lavaan's ``missing``: drop the rows with a missing value (with a
        :class:`~loyaltysem.exceptions.MissingValueWarning`), or use every
        answer: thresholds and moments from each item's answers, each
        correlation from its pair's complete rows, a missing answer scoring 0
        in the asymptotic covariance (lavaan's ``missing = "pairwise"``);
        N counts every row with an answer.
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
        column; no ordered item; a tetrachoric correlation of ±1 (two empty
        cells) or a correlation whose casewise scores vanish at ρ̂ (sparse
        tables, ρ at its bound): no asymptotic covariance.

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
    items = code_items(data, ordered, levels, missing)
    refuse_no_ordinal(items)
    uni = univariate(items)
    poly = polychorics(items, uni, options, zero_keep_margins)
    refuse_perfect_tetrachorics(items, poly)
    cont = continuous_pairs(items, uni)
    layout = layout_of(items)
    uni_scores, blocks = univariate_scores(items, uni, layout)
    first, second = pc.pair_indices(np.arange(len(items.names)))
    cor_scores, a21, rho = bivariate_scores(items, uni, poly, cont, layout, first, second)
    _refuse_flat_scores(items, cor_scores, first, second, rho)
    jac, values = to_covariances(items, uni, layout, first, second, rho)
    nacov = items.nobs * (jac @ two_step_acov(uni_scores, blocks, cor_scores, a21) @ jac.T)
    negate = np.ones(len(values))
    for j in np.flatnonzero(~items.ordinal):
        negate[layout.slots[j][0]] = -1.0
    nacov = nacov * np.outer(negate, negate)
    labels = layout.labels + [f"{items.names[a]}~~{items.names[b]}" for a, b in zip(first, second)]
    return _result(items, uni, poly, cont, options, zero_keep_margins,
                   pd.Series(values, index=labels, name="statistic"),
                   pd.DataFrame(nacov, index=labels, columns=labels))


def _refuse_flat_scores(items: CodedItems, cor_scores: np.ndarray, first: np.ndarray,
                        second: np.ndarray, rho: np.ndarray) -> None:
    """A correlation whose casewise scores are all 0 (or not finite) has no asymptotic
    variance (lavaan falls back on a generalized inverse and a zero row)."""
    information = np.einsum("ij,ij->j", cor_scores, cor_scores)
    flat = ~(np.isfinite(information) & (information > 0))
    if flat.any():
        pairs = [(items.names[a], items.names[b], round(float(r), 4))
                 for a, b, r in zip(first[flat], second[flat], rho[flat])]
        raise DataError(f"the correlations (item, item, rho) {pairs} have no information at "
                        "their estimate (sparse tables, rho at its bound): their asymptotic "
                        "covariance is not defined; merge sparse categories or drop one item "
                        "of each pair")


def _result(items: CodedItems, uni: Univariate, poly: Polychorics,
            cont: Continuous, options: tuple[float, float], keep: bool,
            statistics: pd.Series, nacov: pd.DataFrame) -> OrdinalStatistics:
    names = list(items.names)
    correlation = correlation_frame(items, poly, cont)
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
                             nacov, wls_v, _th_idx(items), empty, options, keep)


def _th_idx(items: CodedItems) -> np.ndarray:
    """lavaan's th.idx: each threshold's 1-based variable, 0 for a continuous variable's slot."""
    return np.concatenate([np.full(int(k) - 1, j + 1) if items.ordinal[j] else np.zeros(1, dtype=int)
                           for j, k in enumerate(items.n_categories)]).astype(int)
