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


def _reflective_blocks(layout: PLSLayout) -> np.ndarray:
    """(K,) bool: multi-item Mode A constructs (ρA and the PLSc corrections apply)."""
    sizes = np.bincount(layout.slot_construct, minlength=len(layout.constructs))
    return (np.array(layout.modes) == "A") & (sizes > 1)


def rho_a(slot_correlations: np.ndarray, weights: np.ndarray, layout: PLSLayout) -> np.ndarray:
    """Dijkstra–Henseler's ρA (stack, K); 1 for Mode B and single-item constructs.

    ``ρA = (w'w)^2 · w'(S − diag S)w / w'(ww' − diag ww')w`` with ``w`` the
    standardized weights of the block (Dijkstra & Henseler 2015, eq. 13). With
    ``w'Sw = 1`` and a unit diagonal, ``w'(S − diag S)w = 1 − w'w`` and
    ``w'(ww' − diag ww')w = (w'w)^2 − Σw⁴``, for all blocks at once.
    """
    squared = (weights ** 2).sum(axis=1)
    fourth = (weights ** 4).sum(axis=1)
    variance = np.einsum("bsk,bsk->bk", weights, slot_correlations @ weights)
    diagonal = np.einsum("bss->bs", slot_correlations)[:, :, None] * weights ** 2
    off_diagonal = variance - diagonal.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = squared ** 2 * off_diagonal / (squared ** 2 - fourth)
    return np.where(_reflective_blocks(layout), values, 1.0)


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
    """PLSc loadings ``λ = sqrt(ρA) w / (w'w)`` of multi-item Mode A blocks (Dijkstra &
    Henseler 2015, eq. 12); (stack, slots), NaN for the other blocks' slots."""
    factor = np.sqrt(reliability) / (weights ** 2).sum(axis=1)
    loadings = (weights * factor[:, None, :]).sum(axis=2)
    return np.where(_reflective_blocks(layout)[layout.slot_construct], loadings, np.nan)


def regression_coefficients(correlations: np.ndarray, layout: PLSLayout) -> np.ndarray:
    """(stack, K, K): ``[:, i, j]`` the OLS coefficient of i in the regression of each
    endogenous j on its predecessors, from the construct correlations; one batched solve
    for every equation (padded with unit rows)."""
    targets, predictors, valid = layout.regression_index
    coefficients = np.zeros(correlations.shape)
    if targets.size == 0:
        return coefficients
    pair, padding, rows, columns = layout.regression_padding
    block = correlations[:, predictors[:, :, None], predictors[:, None, :]] * pair + padding
    rhs = correlations[:, predictors, targets[:, None]] * valid
    solved = np.linalg.solve(block, rhs[..., None])[..., 0]
    coefficients[:, predictors[rows, columns], targets[rows]] = solved[:, rows, columns]
    return coefficients


def inner_estimates(correlations: np.ndarray, layout: PLSLayout) -> InnerEstimates:
    """Path coefficients by OLS of each endogenous construct on its predecessors, and R²."""
    paths = regression_coefficients(correlations, layout)
    r2 = np.full(correlations.shape[:2], np.nan)
    targets, _, _ = layout.regression_index
    r2[:, targets] = (paths * correlations).sum(axis=1)[:, targets]
    return InnerEstimates(correlations, paths, r2)


def total_effects(paths: np.ndarray) -> np.ndarray:
    """Total effects ``(I − B)^-1 − I`` of a recursive inner model (stack, K, K), where
    ``B[i, j]`` is the path i → j (the sum over every chain of the products of its paths)."""
    identity = np.eye(paths.shape[1])
    return np.linalg.inv(identity - paths) - identity


def unstandardized_paths(paths: np.ndarray, layout: PLSLayout,
                         unstandardized: tuple[tuple[int, tuple[float, ...]], ...],
                         loadings: np.ndarray, item_sd: np.ndarray | None = None) -> np.ndarray:
    """Paths from the interaction constructs of ``unstandardized`` in the metric of their
    items: divided by ``sum(l_i s_i) / sum(l_i)``, the loading-weighted mean SD of the
    construct's items (products of standardized scores or items, which are not
    standardized again: Henseler & Chin 2010's variance adjustment, as SmartPLS and
    seminr). ``unstandardized`` holds each construct with its items' SDs in the data;
    ``loadings`` (stack, slots); ``item_sd`` the SDs of the standardized items in each
    resample (stack, items), 1 by default."""
    if not unstandardized:
        return paths
    scaled = paths.copy()
    for k, sds in unstandardized:
        slots = layout.slots_of(k)
        spread = np.asarray(sds, dtype=float)[None, :]
        if item_sd is not None:
            spread = spread * item_sd[:, layout.slot_item[slots]]
        weights = loadings[:, slots]
        factor = (weights * spread).sum(axis=1) / weights.sum(axis=1)
        scaled[:, k, :] /= factor[:, None]
    return scaled
