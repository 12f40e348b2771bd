"""Two-step polychoric correlations of all pairs of ordinal items at once.

Step 1 fixes each item's thresholds at Φ⁻¹ of its cumulative proportions
(:mod:`loyaltysem.ordinal.thresholds`); step 2 maximizes, for each pair, the
multinomial log-likelihood of its contingency table n_ab over ρ alone
(Olsson 1979, the "two-step" estimator):

    ℓ(ρ) = Σ_ab n_ab log P_ab(ρ),
    P_ab = Φ₂(τ_(a+1), υ_(b+1)) - Φ₂(τ_a, υ_(b+1)) - Φ₂(τ_(a+1), υ_b) + Φ₂(τ_a, υ_b),

with Φ₂ the bivariate normal CDF of correlation ρ (:mod:`loyaltysem.ordinal.bvn`).
∂P_ab/∂ρ is the same double difference of the density φ₂ (Olsson 1979, eq. 9)
and ∂²P_ab/∂ρ² of ∂φ₂/∂ρ, so Newton's method converges in a few steps; all
pairs are one stacked array (items with fewer categories padded with empty
categories), so the whole matrix costs a handful of vectorized passes.

Empty cells (lavaan 0.6-14's ``zero.add = c(0.5, 0)``, ``zero.keep.margins =
TRUE``, ``lav_bvord_cor_twostep_fit``): only 2 × 2 tables are changed. With one
empty cell, 0.5 is added to it and to its diagonal partner and taken from the
other two cells, so that the margins (and the thresholds) stay; with
``zero_keep_margins=False`` 0.5 is only added to the empty cell. Two empty
cells give ρ = ±1 (sign of the non-empty diagonal), a table with equal cross
products ρ = 0, and two thresholds at exactly 0 the closed form
ρ = -cos(2π n_11 / n). Larger tables get ``zero_add[1]`` (0 by default:
nothing) in their empty cells. The zero-add changes only the table that ρ is
fitted to; the thresholds and the casewise scores use the data.

References
----------
Olsson, U. (1979). Maximum likelihood estimation of the polychoric
correlation coefficient. Psychometrika, 44(4), 443-460.
Rosseel, Y. lavaan 0.6-14: ``lav_bvord.R`` (``lav_bvord_cor_twostep_fit``),
``lav_samplestats_step2``.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ..exceptions import CategoricalDataWarning
from .bvn import bvn_cdf, bvn_pdf, bvn_pdf_drho

#: lavaan's bounds of a polychoric correlation in its optimizer (nlminb)
RHO_BOUND = 0.999


@dataclass(frozen=True)
class PairTables:
    """The contingency tables of item pairs, stacked.

    Attributes
    ----------
    first, second : numpy.ndarray of int
        Column indices of each pair's items (first < second), in lavaan's
        ``vech`` order of the lower triangle (all pairs of item 0, then of 1...).
    counts : numpy.ndarray, shape (pairs, width, width)
        n_ab of each pair (rows: the first item's categories), zero-padded.
    """

    first: np.ndarray
    second: np.ndarray
    counts: np.ndarray


def pair_indices(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (j, i), j < i, of ``columns`` in lavaan's ``vech`` order."""
    first, second = [], []
    for a in range(len(columns)):
        for b in range(a + 1, len(columns)):
            first.append(columns[a])
            second.append(columns[b])
    return np.array(first, dtype=np.intp), np.array(second, dtype=np.intp)


def contingency_tables(codes: np.ndarray, first: np.ndarray, second: np.ndarray,
                       width: int) -> PairTables:
    """All pairs' tables from one product of one-hot codes (n × p·width); a missing
    answer (-1) has no column, so each table counts its pair's complete rows."""
    n, p = codes.shape
    onehot = np.zeros((n, p * width))
    rows, cols = np.nonzero(codes >= 0)
    onehot[rows, cols * width + codes[rows, cols]] = 1.0
    cross = (onehot.T @ onehot).reshape(p, width, p, width)
    counts = cross[first, :, second, :]
    return PairTables(first, second, counts)


def cell_terms(grid1: np.ndarray, grid2: np.ndarray, rho: np.ndarray,
               order: int = 0) -> list[np.ndarray]:
    """Cell probabilities P_ab and, up to ``order``, ∂P_ab/∂ρ and ∂²P_ab/∂ρ².

    ``grid1``, ``grid2``: (pairs, width + 1) padded threshold grids; ``rho``: (pairs,).
    """
    h, k, r = grid1[:, :, None], grid2[:, None, :], rho[:, None, None]
    out = []
    for function in (bvn_cdf, bvn_pdf, bvn_pdf_drho)[:order + 1]:
        corner = function(h, k, r)
        out.append(corner[:, 1:, 1:] - corner[:, :-1, 1:] - corner[:, 1:, :-1] + corner[:, :-1, :-1])
    return out


def zero_add_tables(counts: np.ndarray, binary: np.ndarray, grid1: np.ndarray,
                    grid2: np.ndarray, zero_add: tuple[float, float], keep_margins: bool,
                    names: Sequence[tuple[str, str]] | None = None
                    ) -> tuple[np.ndarray, dict[int, float]]:
    """The tables ρ is fitted to, and the pairs whose ρ is fixed by a special case.

    ``binary`` flags the 2 × 2 pairs. Returns the adjusted counts (float) and
    {pair: ρ} for two empty cells, equal cross products, and both thresholds 0.
    ``names`` (the pairs' item names) go into the warning about two empty cells.
    """
    counts = counts.astype(float).copy()
    fixed: dict[int, float] = {}
    for pair in (int(k) for k in np.flatnonzero(binary)):
        t = counts[pair, :2, :2]
        empty = np.argwhere(t == 0)
        if len(empty) == 2:
            which = f" of {names[pair][0]!r} x {names[pair][1]!r}" if names else ""
            warnings.warn(f"two empty cells in the 2x2 table{which}: the tetrachoric "
                          "correlation is set to +-1", CategoricalDataWarning, stacklevel=4)
            fixed[pair] = 1.0 if t[0, 0] > 0 else -1.0
            continue
        if len(empty) == 1 and zero_add[0] > 0:
            a, b = empty[0]
            if keep_margins:
                sign = 1.0 if a == b else -1.0
                t += sign * zero_add[0] * np.array([[1.0, -1.0], [-1.0, 1.0]])
            else:
                t[a, b] += zero_add[0]
        if t[0, 0] * t[1, 1] == t[0, 1] * t[1, 0]:
            fixed[pair] = 0.0
        elif grid1[pair, 1] == 0.0 and grid2[pair, 1] == 0.0:
            fixed[pair] = -np.cos(2.0 * np.pi * t[0, 0] / t.sum())
    if zero_add[1] > 0:
        for other in np.flatnonzero(~binary):
            zero = real_cells(grid1[other], grid2[other]) & (counts[other] == 0)
            counts[other][zero] = zero_add[1]
    return counts, fixed


def real_cells(grid1: np.ndarray, grid2: np.ndarray) -> np.ndarray:
    """The cells of a padded table that are categories of both items (K = finite τ + 1)."""
    rows = np.arange(len(grid1) - 1) < np.isfinite(grid1).sum() + 1
    cols = np.arange(len(grid2) - 1) < np.isfinite(grid2).sum() + 1
    return rows[:, None] & cols[None, :]


def fit_rho(counts: np.ndarray, grid1: np.ndarray, grid2: np.ndarray, start: np.ndarray,
            *, tol: float = 1e-12, max_iter: int = 100) -> np.ndarray:
    """ρ maximizing Σ n_ab log P_ab(ρ) for every pair (Newton, in [-0.999, 0.999])."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _newton(counts, grid1, grid2, np.clip(start, -0.9, 0.9), tol, max_iter)


def _newton(counts: np.ndarray, grid1: np.ndarray, grid2: np.ndarray, rho: np.ndarray,
            tol: float, max_iter: int) -> np.ndarray:
    """Newton steps (Fisher scoring where ℓ is not concave), halved until ℓ does not fall."""
    observed = counts > 0
    active = np.ones(len(rho), dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        prob, d1, d2 = cell_terms(grid1[idx], grid2[idx], rho[idx], order=2)
        n, seen = counts[idx], observed[idx]
        ratio = np.where(seen, d1 / np.where(seen, prob, 1.0), 0.0)
        grad = (n * ratio).sum(axis=(1, 2))
        hess = (n * np.where(seen, d2 / np.where(seen, prob, 1.0), 0.0) - n * ratio**2).sum(axis=(1, 2))
        fisher = n.sum(axis=(1, 2)) * np.where(prob > 0, d1**2 / np.where(prob > 0, prob, 1.0),
                                               0.0).sum(axis=(1, 2))
        step = np.where(hess < 0, -grad / np.where(hess < 0, hess, 1.0), grad / fisher)
        step = np.where(np.isfinite(step), step, 0.0)
        before = (n * np.log(np.where(seen, np.maximum(prob, 1e-300), 1.0))).sum(axis=(1, 2))
        new = _halve_steps(counts[idx], grid1[idx], grid2[idx], rho[idx], step, before)
        done = np.abs(new - rho[idx]) < tol
        rho[idx] = new
        active[idx[done]] = False
        if not active.any():
            break
    return rho


def _halve_steps(counts: np.ndarray, grid1: np.ndarray, grid2: np.ndarray, rho: np.ndarray,
                 step: np.ndarray, before: np.ndarray) -> np.ndarray:
    """rho + step within the bounds, halved (up to 30 times) until ℓ (``before`` at rho)
    does not decrease."""
    new = np.clip(rho + step, -RHO_BOUND, RHO_BOUND)
    for _ in range(30):
        worse = _loglik(counts, grid1, grid2, new) < before - 1e-12 * np.abs(before)
        if not worse.any():
            break
        new[worse] = (new[worse] + rho[worse]) / 2.0
    return new


def _loglik(counts: np.ndarray, grid1: np.ndarray, grid2: np.ndarray, rho: np.ndarray) -> np.ndarray:
    (prob,) = cell_terms(grid1, grid2, rho)
    seen = counts > 0
    return (counts * np.log(np.where(seen, np.maximum(prob, 1e-300), 1.0))).sum(axis=(1, 2))


def threshold_derivatives(grid1: np.ndarray, grid2: np.ndarray,
                          rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """∂P_ab/∂τ_t pieces: g1[p, t, b] = φ(τ_t)[Φ((υ_(b+1) - ρτ_t)/R) - Φ((υ_b - ρτ_t)/R)].

    ∂P_ab/∂τ_t = g1[t, b] if t is row a's upper bound (a = t), -g1[t, b] if its
    lower bound (a = t + 1); g2 likewise for the second item's thresholds (its
    shape is (pairs, t, a)). t runs over the width - 1 inner grid points.
    """
    return _g(grid1, grid2, rho), _g(grid2, grid1, rho)


def _g(grid_t: np.ndarray, grid_other: np.ndarray, rho: np.ndarray) -> np.ndarray:
    tau = grid_t[:, 1:-1, None]
    finite = np.isfinite(tau)
    tau0 = np.where(finite, tau, 0.0)
    r = rho[:, None, None]
    root = np.sqrt(1.0 - r * r)
    upper = ndtr((grid_other[:, None, 1:] - r * tau0) / root)
    lower = ndtr((grid_other[:, None, :-1] - r * tau0) / root)
    density = np.exp(-0.5 * tau0 * tau0) / np.sqrt(2.0 * np.pi)
    return np.where(finite, density * (upper - lower), 0.0)


def warn_near_one(rho: np.ndarray, names: list[tuple[str, str]]) -> None:
    """lavaan's warning for |ρ| > 0.99."""
    for value, (a, b) in zip(rho, names):
        if abs(value) > 0.99:
            warnings.warn(f"the correlation between {a!r} and {b!r} is (nearly) 1 ({value:.4f})",
                          CategoricalDataWarning, stacklevel=4)
