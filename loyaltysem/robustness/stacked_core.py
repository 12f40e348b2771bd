"""Stacked versions of the core's single-sample inference pieces (robustness refits).

The core (:mod:`loyaltysem.estimate.ml`) evaluates ``F``, its gradient, the
rank-one cells of ``dSigma/dtheta`` and the expected information for a stack
of samples in one numpy call per operation (:meth:`MLFunctions.scoring_terms`,
:meth:`MLFunctions.cells`), but its observed information and casewise scores
take one parameter vector at a time. A robustness study needs standard errors
for every refit, so this module gives those for a whole stack:

- :func:`observed_information`: central differences of the analytic gradient
  with the steps of :meth:`MLFunctions.observed_information`, all ``2 q``
  shifted vectors of every sample as one stack;
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


def observed_information(functions: MLFunctions, theta: np.ndarray, index: np.ndarray,
                         relative_step: float = 1e-5) -> np.ndarray:
    """Hessian of ``F / 2`` by central differences of the gradient, for a stack (S, q, q).

    The steps and the symmetrisation of :meth:`MLFunctions.observed_information`.
    """
    size, q = theta.shape
    steps = relative_step * np.maximum(1.0, np.abs(theta))  # (S, q)
    shifted = np.repeat(theta[:, None], 2 * q, axis=1)  # (S, 2q, q)
    diagonal = np.arange(q)
    shifted[:, diagonal, diagonal] += steps
    shifted[:, q + diagonal, diagonal] -= steps
    _, gradient = functions.evaluate(shifted.reshape(size * 2 * q, q), True,
                                     np.repeat(index, 2 * q))
    assert gradient is not None
    gradient = gradient.reshape(size, 2 * q, q)
    hessian = (gradient[:, :q] - gradient[:, q:]).transpose(0, 2, 1) / (2 * steps)[:, None, :]
    return 0.25 * (hessian + hessian.transpose(0, 2, 1))


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


__all__ = ["defined_jacobian", "observed_information", "score_crossproduct"]
