"""Stacked versions of the core's single-sample inference pieces (robustness refits).

The core (:mod:`loyaltysem.estimate.ml`) evaluates ``F``, its gradient, the
rank-one cells of ``dSigma/dtheta``, the expected and the observed information
for a stack of samples in one numpy call per operation
(:meth:`MLFunctions.scoring_terms`, :meth:`MLFunctions.observed_informations`,
:meth:`MLFunctions.cells`), but its casewise scores take one parameter vector
at a time. A robustness study needs standard errors for every refit, so this
module gives those for a whole stack:

- :func:`score_crossproduct`: ``B0 = S' S / N`` of the casewise scores
  ``1/2 [u' dSigma u - tr(W dSigma)]``, ``u = W (x_i - xbar)``
  (:func:`~loyaltysem.estimate.ml.pattern_scores`, which
  :meth:`MLFunctions.casewise_scores` uses too);
- :func:`defined_jacobian`: the complex-step Jacobian of ``:=`` rows for a stack
  (:meth:`DefinedParameters.jacobian`).

Every sample's arithmetic is independent of the other members of the stack,
so a refit's numbers do not depend on the size or composition of its chunk.
"""
from __future__ import annotations

import numpy as np

from ..estimate.defined import DefinedParameters
from ..estimate.ml import Cells, pattern_scores

#: The complex step of :class:`~loyaltysem.estimate.defined.DefinedParameters`.
_STEP = 1e-20


def score_crossproduct(cases: np.ndarray, sigma: np.ndarray, cells: Cells) -> np.ndarray:
    """``B0 = scores' scores / N`` of samples of equal size.

    Parameters
    ----------
    cases : ndarray, shape (S, N, p)
        Each sample's cases (centred here at the sample's means).
    sigma : ndarray, shape (S, p, p)
        The implied covariance matrices.
    cells : Cells
        ``dSigma/dtheta`` of the S samples (:meth:`MLFunctions.cells`).

    Returns
    -------
    ndarray, shape (S, q, q)
    """
    n = cases.shape[1]
    observed = np.arange(cases.shape[2])
    scores, _ = pattern_scores(cells, cases - cases.mean(axis=1, keepdims=True), sigma,
                               observed)
    return np.matmul(scores.transpose(0, 2, 1), scores) / n


def defined_jacobian(defined: DefinedParameters, theta: np.ndarray) -> np.ndarray:
    """``d defined / d theta`` by the complex step for every row, (S, k, q)."""
    size, q = theta.shape
    out = np.zeros((size, len(defined), q))
    if not len(defined):
        return out
    for k in range(q):
        shifted = theta.astype(complex)
        shifted[:, k] += 1j * _STEP
        values = [np.broadcast_to(v, (size,)) for v in defined.values(shifted.T)]
        out[:, :, k] = np.imag(np.array(values)).T / _STEP
    return out


__all__ = ["defined_jacobian", "score_crossproduct"]
