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
  (:meth:`MLFunctions.casewise_scores` without a mean structure);
- :func:`defined_jacobian`: the complex-step Jacobian of ``:=`` rows for a stack
  (:meth:`DefinedParameters.jacobian`).

Every sample's arithmetic is independent of the other members of the stack,
so a refit's numbers do not depend on the size or composition of its chunk.
"""
from __future__ import annotations

import numpy as np

from ..estimate.defined import DefinedParameters
from ..estimate.ml import MLFunctions

#: The complex step of :class:`~loyaltysem.estimate.defined.DefinedParameters`.
_STEP = 1e-20


def score_crossproduct(cases: np.ndarray, sigma_inv: np.ndarray,
                       d_sigma: np.ndarray) -> np.ndarray:
    """``B0 = scores' scores / N`` of samples of equal size.

    Parameters
    ----------
    cases : ndarray, shape (S, N, p)
        Each sample's cases (centred here at the sample's means).
    sigma_inv : ndarray, shape (S, p, p)
    d_sigma : ndarray, shape (S, q, p, p)

    Returns
    -------
    ndarray, shape (S, q, q)
    """
    size, n, p = cases.shape
    q = d_sigma.shape[1]
    u = np.matmul(cases - cases.mean(axis=1, keepdims=True), sigma_inv)
    outer = (u[:, :, :, None] * u[:, :, None, :]).reshape(size, n, p * p)
    quadratic = np.matmul(outer, d_sigma.reshape(size, q, p * p).transpose(0, 2, 1))
    trace = (sigma_inv.transpose(0, 2, 1)[:, None] * d_sigma).sum(axis=(2, 3))  # (S, q)
    scores = 0.5 * quadratic - 0.5 * trace[:, None, :]
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
