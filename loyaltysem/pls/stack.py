"""One PLS-SEM fit of each matrix of a stack of item correlation matrices.

:func:`fit_stack` is the one place where the algorithm and the estimates that
follow from it are put together: :func:`~loyaltysem.pls.fit_pls` calls it with
a stack of one matrix, the bootstrap with a stack of resamples.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import estimates as est
from .algorithm import Scheme, estimate_weights
from .layout import PLSLayout


@dataclass(frozen=True)
class StackFit:
    """Estimates of a stack of fits (axis 0).

    Attributes
    ----------
    weights : (stack, slots, K)
    cross_loadings : (stack, slots, K)
        Item–score correlations.
    loadings : (stack, slots)
        Outer loadings (PLSc: consistent loadings of multi-item Mode A blocks).
    rho_a : (stack, K)
    correlations : (stack, K, K)
        Construct correlations (PLSc: disattenuated).
    paths : (stack, K, K)
    r2 : (stack, K)
    iterations : (stack,) int
    converged : (stack,) bool
    """

    weights: np.ndarray
    cross_loadings: np.ndarray
    loadings: np.ndarray
    rho_a: np.ndarray
    correlations: np.ndarray
    paths: np.ndarray
    r2: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def slot_stack(item_correlations: np.ndarray, layout: PLSLayout) -> np.ndarray:
    """Item correlation matrices (stack, items, items) expanded to the slots."""
    return item_correlations[:, layout.slot_item[:, None], layout.slot_item[None, :]]


def fit_stack(slot_correlations: np.ndarray, layout: PLSLayout, *, scheme: Scheme,
              consistent: bool, tol: float, max_iter: int) -> StackFit:
    """PLS (or PLSc) of every matrix of the stack (see :mod:`.algorithm`, :mod:`.estimates`)."""
    outer = estimate_weights(slot_correlations, layout, scheme=scheme, tol=tol,
                             max_iter=max_iter)
    weights = outer.weights
    correlations = est.score_correlations(slot_correlations, weights)
    cross = est.item_score_correlations(slot_correlations, weights)
    loadings = (cross * layout.mask).sum(axis=2)
    reliability = est.rho_a(slot_correlations, weights, layout)
    if consistent:
        correlations = est.consistent_correlations(correlations, reliability)
        corrected = est.consistent_loadings(weights, reliability, layout)
        loadings = np.where(np.isnan(corrected), loadings, corrected)
    with np.errstate(invalid="ignore"):
        inner = est.inner_estimates(correlations, layout)
    return StackFit(weights, cross, loadings, reliability, correlations, inner.paths,
                    inner.r2, outer.iterations, outer.converged)
