"""Casewise scores and A₂₁ of all statistics, in lavaan's ``WLS.obs`` order.

The pieces :func:`~loyaltysem.ordinal.acov.two_step_acov` needs: the
univariate scores (thresholds; a continuous item's mean and variance), each
correlation's casewise score, and Σ_i s_ρᵢ ∂ℓᵢ/∂θ₁ of its bivariate
likelihood (ordinal pairs from their contingency tables, pairs with a
continuous item casewise); then the Jacobian from correlations to
covariances. The order is described in :mod:`loyaltysem.ordinal.statistics`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import polychoric as pc
from . import polyserial as ps
from .acov import covariance_jacobian
from .categories import CodedItems
from .estimates import Continuous, Polychorics, Univariate
from .pearson import pearson_scores
from .thresholds import threshold_scores


@dataclass(frozen=True)
class Layout:
    """Where each variable's univariate statistics sit in the statistics vector."""

    slots: list[np.ndarray]   # per variable: its threshold (or -mean) columns
    var_column: dict[int, int]  # continuous variable -> its variance column
    n_uni: int
    labels: list[str]


def layout_of(items: CodedItems) -> Layout:
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
    return Layout(slots, var_column, start, labels)


def univariate_scores(items: CodedItems, uni: Univariate,
                       layout: Layout) -> tuple[np.ndarray, list[np.ndarray]]:
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
            scores[:, slots[0]] = np.nan_to_num(d_mean)  # a missing value scores 0
            scores[:, layout.var_column[j]] = np.nan_to_num(d_var)
            blocks.append(np.array([slots[0], layout.var_column[j]]))
    return scores, blocks


def bivariate_scores(items: CodedItems, uni: Univariate, poly: Polychorics,
                      cont: Continuous, layout: Layout,
                      first: np.ndarray, second: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Casewise ρ scores (n × pairs; 0 where a row misses either item), A₂₁ (pairs ×
    univariate) and ρ, in vech order."""
    observed = items.observed
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
        rows = observed[:, j] & observed[:, i]
        sc = ps.mixed_scores(items.values[rows, j], mean, var, items.codes[rows, i],
                             uni.thresholds[i], value)
        cor_scores[rows, k], rho[k] = sc.rho, value
        a21[k, layout.slots[j][0]] = sc.rho @ sc.mean
        a21[k, layout.var_column[j]] = sc.rho @ sc.var
        a21[k, layout.slots[i]] = sc.rho @ sc.thresholds
    for (a, b), value in cont.pearson.items():
        k = position[(a, b)]
        rows = observed[:, a] & observed[:, b]
        pe = pearson_scores(items.values[rows, a], items.values[rows, b], uni.moments[a],
                            uni.moments[b], value)
        cor_scores[rows, k], rho[k] = pe.rho, value
        for v, d_mean, d_var in ((a, pe.mean1, pe.var1), (b, pe.mean2, pe.var2)):
            a21[k, layout.slots[v][0]] = pe.rho @ d_mean
            a21[k, layout.var_column[v]] = pe.rho @ d_var
    return cor_scores, a21, rho


def _polychoric_scores(items: CodedItems, poly: Polychorics
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Casewise ρ scores of the ordinal pairs and Σ_i s_ρᵢ ∂ℓᵢ/∂τ of both items."""
    prob, d1 = pc.cell_terms(poly.grid1, poly.grid2, poly.rho, order=1)
    positive = prob > 0
    cell_score = np.where(positive, d1 / np.where(positive, prob, 1.0), 0.0)
    pairs = np.arange(len(poly.first))
    code1, code2 = items.codes[:, poly.first], items.codes[:, poly.second]
    casewise = cell_score[pairs[None, :], np.maximum(code1, 0), np.maximum(code2, 0)]
    casewise[(code1 < 0) | (code2 < 0)] = 0.0  # a row missing either item
    weight = np.where(poly.counts > 0, poly.counts * cell_score / np.where(positive, prob, 1.0), 0.0)
    g1, g2 = pc.threshold_derivatives(poly.grid1, poly.grid2, poly.rho)
    a1 = (g1 * (weight[:, :-1, :] - weight[:, 1:, :])).sum(axis=-1)
    a2 = (g2 * (weight[:, :, :-1] - weight[:, :, 1:]).transpose(0, 2, 1)).sum(axis=-1)
    return casewise, a1, a2


def to_covariances(items: CodedItems, uni: Univariate, layout: Layout, first: np.ndarray,
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
