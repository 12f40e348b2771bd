"""Estimates that follow from the outer weights: scores' correlations, loadings, paths, R².

Everything here works on a stack (axis 0) of item correlation matrices and
their weights, so the same code serves one fit and every bootstrap resample.

References
----------
Lohmöller, J.-B. (1989). Latent variable path modeling with partial least
squares. Physica (loadings as item–score correlations; paths by OLS on the scores).
Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path
modeling. MIS Quarterly, 39(2), 297-316 (ρA, consistent loadings and correlations).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layout import PLSLayout


@dataclass(frozen=True)
class InnerEstimates:
    """Construct correlations, path coefficients and R² of a stack of fits.

    Attributes
    ----------
    correlations : ndarray (stack, K, K)
        Correlations of the construct scores (PLS) or their consistent
        (disattenuated) version (PLSc).
    paths : ndarray (stack, K, K)
        ``paths[:, i, j]``: the standardized coefficient of i → j.
    r2 : ndarray (stack, K)
        NaN for exogenous constructs.
    """

    correlations: np.ndarray
    paths: np.ndarray
    r2: np.ndarray


def score_correlations(slot_correlations: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Correlations of the construct scores, ``W' S W`` (the weights are standardized)."""
    return np.swapaxes(weights, 1, 2) @ slot_correlations @ weights


def item_score_correlations(slot_correlations: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(stack, slots, K): the correlation of each slot's item with each score, ``S W``.

    Its entries on a construct's own slots are the outer loadings; all of them
    are the cross-loadings.
    """
    return slot_correlations @ weights


def rho_a(slot_correlations: np.ndarray, weights: np.ndarray, layout: PLSLayout) -> np.ndarray:
    """Dijkstra–Henseler's ρA (stack, K); 1 for Mode B and single-item constructs.

    ``ρA = (w'w)^2 · w'(S − diag S)w / w'(ww' − diag ww')w`` with ``w`` the
    standardized weights of the block (Dijkstra & Henseler 2015, eq. 13).
    """
    values = np.ones(weights.shape[::2])
    for k in range(len(layout.constructs)):
        slots = layout.slots_of(k)
        if layout.modes[k] == "B" or slots.size < 2:
            continue
        w = weights[:, slots, k]
        block = slot_correlations[:, slots[:, None], slots[None, :]]
        off_diagonal = np.einsum("bi,bij,bj->b", w, block, w) - np.einsum(
            "bi,bii,bi->b", w, block, w)
        squared = (w * w).sum(axis=1)
        outer = squared ** 2 - (w ** 4).sum(axis=1)   # w'(ww' - diag ww')w
        values[:, k] = squared ** 2 * off_diagonal / outer
    return values


def consistent_correlations(correlations: np.ndarray, reliability: np.ndarray) -> np.ndarray:
    """Construct correlations disattenuated by ρA: ``r_ij / sqrt(ρA_i ρA_j)`` off the diagonal
    (Dijkstra & Henseler 2015, eq. 14)."""
    root = np.sqrt(reliability)
    corrected = correlations / (root[:, :, None] * root[:, None, :])
    diagonal = np.arange(correlations.shape[1])
    corrected[:, diagonal, diagonal] = 1.0
    return corrected


def consistent_loadings(weights: np.ndarray, reliability: np.ndarray, layout: PLSLayout
                        ) -> np.ndarray:
    """PLSc loadings ``λ = sqrt(ρA) w / (w'w)`` of Mode A blocks (Dijkstra & Henseler 2015,
    eq. 12); (stack, slots). Mode B and single-item blocks keep ``None``: NaN."""
    loadings = np.full(weights.shape[:2], np.nan)
    for k in range(len(layout.constructs)):
        slots = layout.slots_of(k)
        if layout.modes[k] == "B" or slots.size < 2:
            continue
        w = weights[:, slots, k]
        loadings[:, slots] = np.sqrt(reliability[:, k])[:, None] * w / (w * w).sum(
            axis=1, keepdims=True)
    return loadings


def inner_estimates(correlations: np.ndarray, layout: PLSLayout) -> InnerEstimates:
    """Path coefficients by OLS of each endogenous construct on its predecessors, and R²."""
    stack, n_constructs = correlations.shape[:2]
    paths = np.zeros((stack, n_constructs, n_constructs))
    r2 = np.full((stack, n_constructs), np.nan)
    for k, preds in layout.predecessors:
        block = correlations[:, preds[:, None], preds[None, :]]
        target = correlations[:, preds, k]
        coefficients = np.linalg.solve(block, target[..., None])[..., 0]
        paths[:, preds, k] = coefficients
        r2[:, k] = (coefficients * target).sum(axis=1)
    return InnerEstimates(correlations, paths, r2)


def total_effects(paths: np.ndarray) -> np.ndarray:
    """Total effects ``(I − B)^-1 − I`` of a recursive inner model (stack, K, K), where
    ``B[i, j]`` is the path i → j (the sum over every chain of the products of its paths)."""
    identity = np.eye(paths.shape[1])
    return np.linalg.inv(identity - paths) - identity
