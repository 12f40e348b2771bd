"""Stacked versions of the core's single-sample inference pieces (robustness refits).

The core (:mod:`loyaltysem.estimate.ml`) evaluates ``F`` and its gradient for a
stack of samples in one numpy call per operation, but its Jacobian
``dSigma/dtheta``, expected information and casewise scores take one
parameter vector at a time. A robustness study needs standard errors for every
refit, so this module gives the same quantities for a whole stack:

- :func:`stacked_jacobian`: ``dSigma/dtheta`` for every row of ``theta``, entry
  for entry the computation of :meth:`MLFunctions.jacobian` (no mean structure);
- :func:`expected_information`: ``1/2 tr(W dSigma_a W dSigma_b)`` per sample
  (complete data, one group: :meth:`MLFunctions.information`);
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
from ..estimate.structure import BETA, LAMBDA, PSI, THETA

#: The complex step of :class:`~loyaltysem.estimate.defined.DefinedParameters`.
_STEP = 1e-20


def stacked_jacobian(functions: MLFunctions, theta: np.ndarray,
                     index: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``Sigma`` (S, p, p) and ``dSigma/dtheta`` (S, q, p, p) of group 0 for every row.

    Parameters
    ----------
    functions : MLFunctions
        A single-group layout without a mean structure.
    theta : ndarray, shape (S, q)
    index : ndarray of int, optional
        The samples of ``functions``' data stack the rows belong to.

    Returns
    -------
    sigma, d_sigma : ndarray
    """
    implied = functions.implied(theta, 0, index)
    m = implied.m
    size, p = m.shape[0], m.shape[1]
    c = implied.c if implied.c is not None else np.broadcast_to(
        np.eye(m.shape[2]), (size, m.shape[2], m.shape[2]))
    d = np.matmul(np.matmul(c, implied.psi), m.transpose(0, 2, 1))  # (S, m, p)
    q = functions.n_free
    d_sigma = np.zeros((q, size, p, p))  # parameter axis first for np.add.at
    fills = functions.layout.group_fill[0]
    rows, cols, ks = fills[THETA]
    np.add.at(d_sigma.transpose(0, 2, 3, 1), (ks, rows, cols), 1.0)  # a view
    rows, cols, ks = fills[PSI]
    if ks.size:
        left, right = m[:, :, rows].transpose(2, 0, 1), m[:, :, cols].transpose(2, 0, 1)
        np.add.at(d_sigma, ks, left[:, :, :, None] * right[:, :, None, :])
    for number in (LAMBDA, BETA):
        rows, cols, ks = fills[number]
        if not ks.size:
            continue
        if number == LAMBDA:
            left = np.zeros((ks.size, size, p))
            left[np.arange(ks.size), :, rows] = 1.0
        else:
            left = m[:, :, rows].transpose(2, 0, 1)
        t = left[:, :, :, None] * d[:, cols].transpose(1, 0, 2)[:, :, None, :]
        np.add.at(d_sigma, ks, t + t.transpose(0, 1, 3, 2))
    return implied.sigma, d_sigma.transpose(1, 0, 2, 3)


def expected_information(sigma_inv: np.ndarray, d_sigma: np.ndarray) -> np.ndarray:
    """Expected information per case ``1/2 tr(W dSigma_a W dSigma_b)``, (S, q, q)."""
    size, q, p, _ = d_sigma.shape
    weighted = np.matmul(np.matmul(sigma_inv[:, None], d_sigma), sigma_inv[:, None])
    return 0.5 * np.matmul(weighted.reshape(size, q, p * p),
                           d_sigma.reshape(size, q, p * p).transpose(0, 2, 1))


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


__all__ = ["defined_jacobian", "expected_information", "observed_information",
           "score_crossproduct", "stacked_jacobian"]
