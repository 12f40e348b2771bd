"""The PLS path modeling algorithm (Lohmöller 1989; Wold 1982), on correlation matrices.

With standardized items every quantity of the algorithm is a function of the
item correlation matrix ``S``: the construct scores ``Y = X W`` have the
correlations ``W' S W``, the inner proxies ``Z = Y E`` covary with the items as
``S W E``, and a Mode B block's regression of ``Z`` on its items is
``S_kk^-1 (S W E)_k``. The iteration therefore never touches the N rows, and it
runs on a stack of matrices (axis 0) at once: one fit is a stack of one, a
bootstrap a stack of resamples, each stopped when it converges.

References
----------
Lohmöller, J.-B. (1989). Latent variable path modeling with partial least
squares. Physica. Chapter 2 (the algorithm, inner weighting schemes).
Wold, H. (1982). Soft modeling: the basic design and some extensions. In
Jöreskog & Wold (Eds.), Systems under indirect observation, Part II (pp. 1-54).
Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017). A primer on
partial least squares structural equation modeling (2nd ed.), Chapter 3 (the
stop criterion on the change of the outer weights).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..exceptions import DataError
from .estimates import regression_coefficients
from .layout import PLSLayout

Scheme = Literal["path", "centroid", "factorial"]
SCHEMES: tuple[str, ...] = ("path", "centroid", "factorial")


@dataclass(frozen=True)
class OuterWeights:
    """Outer weights of a stack of PLS fits.

    Attributes
    ----------
    weights : ndarray, shape (stack, slots, constructs)
        Standardized outer weights (each construct score has variance 1); zero
        outside a construct's own slots.
    iterations : ndarray of int, shape (stack,)
        Iterations until the stop criterion held (``max_iter`` if it never did).
    converged : ndarray of bool, shape (stack,)
    """

    weights: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def inner_weights(correlations: np.ndarray, layout: PLSLayout, scheme: Scheme) -> np.ndarray:
    """Inner weights ``E`` (stack, K, K): ``E[l, k]`` weighs score ``l`` in the proxy of ``k``.

    Centroid: the sign of the correlation of adjacent constructs; factorial:
    the correlation; path: for the predecessors of ``k`` the coefficients of
    the regression of ``k`` on them, for its successors the correlation
    (Lohmöller 1989, sec. 2.3).
    """
    adjacent = layout.path_matrix + layout.path_matrix.T
    if scheme == "centroid":
        return np.sign(correlations) * adjacent
    if scheme == "factorial":
        return correlations * adjacent
    successors = correlations * layout.path_matrix.T   # successors l of k: path k -> l
    return successors + regression_coefficients(correlations, layout)


def _mode_b_projection(slot_correlations: np.ndarray, layout: PLSLayout) -> np.ndarray:
    """``S`` with each Mode B block's rows replaced by ``S_kk^-1 S_k.`` (its regression)."""
    projected = slot_correlations.copy()
    for k, mode in enumerate(layout.modes):
        slots = layout.slots_of(k)
        if mode != "B" or slots.size < 2:
            continue
        block = slot_correlations[:, slots[:, None], slots[None, :]]
        try:
            projected[:, slots, :] = np.linalg.solve(block, slot_correlations[:, slots, :])
        except np.linalg.LinAlgError:
            raise DataError(
                f"the items of composite {layout.constructs[k]!r} ("
                + ", ".join(layout.item_names(k)) + ") are perfectly collinear, so its Mode B "
                "weights (a regression on them) do not exist; drop an item or use mode A"
            ) from None
    return projected


def _standardized(weights: np.ndarray, slot_correlations: np.ndarray) -> np.ndarray:
    """Weights scaled so that every construct score has variance 1."""
    variances = (weights * (slot_correlations @ weights)).sum(axis=1)
    return weights / np.sqrt(variances)[:, None, :]


def estimate_weights(slot_correlations: np.ndarray, layout: PLSLayout, *, scheme: Scheme,
                     tol: float, max_iter: int) -> OuterWeights:
    """Iterate outer and inner estimation until the weights change by less than ``tol``.

    Parameters
    ----------
    slot_correlations : ndarray, shape (stack, slots, slots)
        Item correlations (divisor irrelevant), expanded to the slots.
    layout : PLSLayout
    scheme : {"path", "centroid", "factorial"}
    tol : float
        Stop criterion: the sum of the absolute changes of the standardized
        outer weights between two iterations (SmartPLS's criterion, 1e-7 there).
    max_iter : int

    Returns
    -------
    OuterWeights
        Starting from unit weights; a stack member stops (is frozen) at the first
        iteration that meets the criterion.
    """
    stack = slot_correlations.shape[0]
    projected = _mode_b_projection(slot_correlations, layout)
    iterations = np.full(stack, max_iter)
    active = np.ones(stack, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):   # a failing member: NaN, reported
        weights = _standardized(np.broadcast_to(layout.mask, (stack, *layout.mask.shape)),
                                slot_correlations)
        positions: np.ndarray | None = None      # None: every member is still iterating
        matrices, projections = slot_correlations, projected
        for iteration in range(1, max_iter + 1):
            current = weights if positions is None else weights[positions]
            correlations = np.swapaxes(current, 1, 2) @ matrices @ current
            proxies = current @ inner_weights(correlations, layout, scheme)
            updated = _standardized((projections @ proxies) * layout.mask, matrices)
            done = np.abs(updated - current).sum(axis=(1, 2)) < tol
            members = np.arange(stack) if positions is None else positions
            if positions is None:
                weights = updated
            else:
                weights[positions] = updated
            iterations[members[done]] = iteration
            active[members[done]] = False
            if done.all():
                break
            if done.any():   # the converged leave the stack: frozen at this iteration
                positions = members[~done]
                matrices, projections = matrices[~done], projections[~done]
    converged = ~active & np.isfinite(weights).all(axis=(1, 2))
    return OuterWeights(weights, iterations, converged)
