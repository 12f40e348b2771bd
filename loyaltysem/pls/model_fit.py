"""Model fit of a PLS-SEM (or PLSc) fit: SRMR, d_ULS and d_G of the saturated and the
estimated model.

Each distance compares the item correlation matrix ``S`` with the correlation matrix
the fitted model implies, ``Sigma``:

- **SRMR** (Henseler et al. 2014): the root mean square of ``S - Sigma`` over the
  ``p(p + 1)/2`` elements on and below the diagonal;
- **d_ULS** (Dijkstra & Henseler 2015): ``1/2 sum_ij (s_ij - sigma_ij)^2``, the
  squared Euclidean distance;
- **d_G** (Dijkstra & Henseler 2015): ``1/2 sum_k (log phi_k)^2``, the geodesic
  distance, with ``phi_k`` the eigenvalues of ``S^-1 Sigma``.

The implied matrix (Bollen 1989 for the structural part; Dijkstra & Henseler 2015,
Schuberth, Henseler & Dijkstra 2018 for the composites): ``Sigma = Lambda' P Lambda +
Theta`` with ``Lambda`` the outer loadings (PLSc: the consistent loadings),
``Theta = diag(1 - lambda^2)`` and ``P`` the construct correlations; within a composite's
block (Mode B, ``<~``) the item correlations are not restricted, so ``Sigma`` equals
``S`` there, while a Mode A block (``=~``) is a common factor, ``lambda_i lambda_j``.

- In the **saturated** model ``P`` is the constructs' correlation matrix (PLSc:
  disattenuated), the structural model left free.
- In the **estimated** model ``P`` is what the path coefficients imply (the reduced
  form ``(I - B)^-1 Psi (I - B)^-T``): the exogenous constructs keep their
  correlations, each endogenous construct's disturbance is uncorrelated with the
  others and has variance ``1 - sum_i beta_ij r_ij`` (one minus its R²), and the
  endogenous constructs' variances are set to one.

These are cSEM's conventions (``fit()``, ``calculateSRMR()``, ``calculateDL()``,
``calculateDG()``; Rademaker & Schuberth 2020); the tests hold the values cSEM 0.6.1
gives on its ``satisfaction`` data. Nonlinear models (interaction terms) and
higher-order constructs have no implied matrix of their items here, as in cSEM's
``fit()`` for nonlinear models.

References
----------
Bollen, K. A. (1989). Structural equations with latent variables. Wiley, ch. 8.
Dijkstra, T. K., & Henseler, J. (2015). Consistent and asymptotically normal PLS
estimators for linear structural equations. Computational Statistics & Data
Analysis, 81, 10-23 (d_ULS, d_G and their bootstrap test).
Henseler, J., Dijkstra, T. K., Sarstedt, M., Ringle, C. M., Diamantopoulos, A.,
Straub, D. W., Ketchen, D. J., Hair, J. F., Hult, G. T. M., & Calantone, R. J. (2014).
Common beliefs and reality about PLS. Organizational Research Methods, 17(2), 182-209
(SRMR for PLS path models).
Schuberth, F., Henseler, J., & Dijkstra, T. K. (2018). Confirmatory composite analysis.
Frontiers in Psychology, 9, 2541.
Rademaker, M. E., & Schuberth, F. (2020). cSEM: Composite-based structural equation
modeling. R package, https://m-e-rademaker.github.io/cSEM/.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .layout import PLSLayout

#: the distances, in the order of every table
MEASURES: tuple[str, ...] = ("srmr", "d_uls", "d_g")
#: the two models whose fit is measured
MODELS: tuple[str, ...] = ("saturated", "estimated")


def fit_unavailable(spec_interactions: bool, higher_order: bool, layout: PLSLayout
                    ) -> str | None:
    """Why the model implies no correlation matrix of its items (None: it does)."""
    if spec_interactions:
        return ("model fit (SRMR, d_ULS, d_G) is defined for linear models; a model with "
                "interaction terms implies no correlation matrix of its items")
    if higher_order:
        return ("model fit (SRMR, d_ULS, d_G) is not computed for higher-order constructs; "
                "fit the first-order model for it")
    if len(set(layout.slot_item.tolist())) < layout.n_slots:
        counts = np.bincount(layout.slot_item, minlength=len(layout.items))
        if any((counts[layout.slot_item[layout.slots_of(k)]] > 1).all()
               for k in range(len(layout.constructs))):  # a block of repeated indicators
            return ("model fit (SRMR, d_ULS, d_G) is not computed for higher-order "
                    "constructs; fit the first-order model for it")
        shared = [layout.items[i] for i in np.flatnonzero(counts > 1)]
        return ("model fit (SRMR, d_ULS, d_G) needs each item in one block; "
                f"{', '.join(shared)} measure(s) two constructs")
    return None


def implied_construct_correlations(correlations: np.ndarray, paths: np.ndarray,
                                   layout: PLSLayout, saturated: bool) -> np.ndarray:
    """(stack, K, K) construct correlations the model implies.

    Parameters
    ----------
    correlations : (stack, K, K)
        The constructs' correlations (PLSc: disattenuated).
    paths : (stack, K, K)
        ``paths[:, i, j]``: the coefficient of i → j.
    layout : PLSLayout
    saturated : bool
        True: the correlations themselves (the structural model saturated).
    """
    if saturated:
        return correlations.copy()
    n_constructs = correlations.shape[-1]
    beta = np.swapaxes(paths, 1, 2)  # beta[:, j, i]: i -> j, rows the dependent constructs
    endogenous = np.asarray(layout.path_matrix.any(axis=0), dtype=bool)
    exogenous = ~endogenous
    disturbance = np.zeros_like(correlations)
    block = exogenous[:, None] & exogenous[None, :]
    disturbance[:, block] = correlations[:, block]
    residual = 1 - np.einsum("bji,bji->bj", beta, correlations)
    index = np.flatnonzero(endogenous)
    disturbance[:, index, index] = residual[:, index]
    inverse = np.linalg.inv(np.eye(n_constructs) - beta)
    implied = inverse @ disturbance @ np.swapaxes(inverse, 1, 2)
    implied[:, index, index] = 1.0
    return implied


def implied_item_correlations(item_correlations: np.ndarray, loadings: np.ndarray,
                              construct_correlations: np.ndarray, layout: PLSLayout
                              ) -> np.ndarray:
    """(stack, p, p) item correlations implied by ``Lambda' P Lambda + Theta``, with each
    composite's (Mode B) block the items' own correlations.

    Parameters
    ----------
    item_correlations : (stack, p, p)
    loadings : (stack, slots)
        One slot per item (:func:`fit_unavailable` refuses repeated items).
    construct_correlations : (stack, K, K)
        From :func:`implied_construct_correlations`.
    layout : PLSLayout
    """
    slot_of_item = np.argsort(layout.slot_item)
    construct = layout.slot_construct[slot_of_item]
    lam = loadings[:, slot_of_item]
    implied = (lam[:, :, None] * lam[:, None, :]
               * construct_correlations[:, construct[:, None], construct[None, :]])
    diagonal = np.arange(lam.shape[1])
    implied[:, diagonal, diagonal] = 1.0
    composite = np.array([mode == "B" for mode in layout.modes])[construct]
    within = (construct[:, None] == construct[None, :]) & composite[:, None]
    implied[:, within] = item_correlations[:, within]
    return implied


def distances(item_correlations: np.ndarray, implied: np.ndarray) -> np.ndarray:
    """(stack, 3): SRMR, d_ULS and d_G of each pair of correlation matrices.

    A pair with a value that is not finite (e.g. PLSc loadings of a block whose ρA is
    negative) gets NaN; d_G is NaN also where ``S`` is not positive definite or
    ``S^-1 Sigma`` has an eigenvalue that is not positive (an implied matrix that is
    not positive definite).
    """
    out = np.full((implied.shape[0], len(MEASURES)), np.nan)
    finite = np.isfinite(implied).all(axis=(1, 2)) & np.isfinite(item_correlations).all(
        axis=(1, 2))
    residual = item_correlations[finite] - implied[finite]
    lower = np.tril_indices(residual.shape[-1])
    out[finite, 0] = np.sqrt(np.mean(residual[:, lower[0], lower[1]] ** 2, axis=1))
    out[finite, 1] = 0.5 * np.sum(residual ** 2, axis=(1, 2))
    index = np.flatnonzero(finite)
    sample = item_correlations[index]
    if index.size:
        definite = np.linalg.eigvalsh(sample)[:, 0] > 1e-12
        index, sample = index[definite], sample[definite]
    if index.size:
        inverse = np.linalg.inv(np.linalg.cholesky(sample))
        eigenvalues = np.linalg.eigvalsh(inverse @ implied[index] @ np.swapaxes(inverse, 1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            logs = np.where(eigenvalues > 0, np.log(np.abs(eigenvalues)), np.nan)
        out[index, 2] = 0.5 * np.sum(logs ** 2, axis=1)
    return out


def implied_correlations(item_correlations: np.ndarray, loadings: np.ndarray,
                         correlations: np.ndarray, paths: np.ndarray, layout: PLSLayout
                         ) -> np.ndarray:
    """(stack, 2, p, p): the item correlations the saturated (``[:, 0]``) and the
    estimated (``[:, 1]``) model imply, for each fit of a stack (arrays as
    :class:`~loyaltysem.pls.stack.StackFit`'s)."""
    return np.stack([implied_item_correlations(
        item_correlations, loadings,
        implied_construct_correlations(correlations, paths, layout, saturated), layout)
        for saturated in (True, False)], axis=1)


def solution_implied(solution: Any) -> np.ndarray:
    """(2, p, p): the saturated and the estimated model's implied item correlations of one
    fit (a :class:`~loyaltysem.pls.result.PLSSolution`)."""
    return implied_correlations(solution.item_correlations[None], solution.loadings[None],
                                solution.correlations[None], solution.paths[None],
                                solution.layout)[0]


def distance_table(item_correlations: np.ndarray, implied: np.ndarray) -> pd.DataFrame:
    """``measure, saturated, estimated``: the distances of one fit's ``S`` (p, p) from its
    two implied matrices (2, p, p)."""
    values = distances(np.broadcast_to(item_correlations, implied.shape), implied)
    return pd.DataFrame({"measure": list(MEASURES), "saturated": values[0],
                         "estimated": values[1]})


def admissible(fitted: Any, implied: np.ndarray, values: np.ndarray, consistent: bool
               ) -> np.ndarray:
    """(stack,) bool: a refit that converged, with finite distances, loadings within
    ±1, (PLSc) ρA at most 1, positive semi-definite construct correlations and an implied
    matrix that is positive definite (cSEM's ``verify()``, which ``testOMF`` applies to
    drop inadmissible resamples).

    Parameters
    ----------
    fitted : StackFit
    implied : (stack, p, p)
    values : (stack, 3)
        Its distances.
    consistent : bool
        PLSc (whose corrections need ρA ≤ 1).
    """
    tolerance = 1e-10
    with np.errstate(invalid="ignore"):
        ok = fitted.converged & np.isfinite(values).all(axis=1)
        ok &= np.nan_to_num(np.abs(fitted.loadings), nan=np.inf).max(axis=1) <= 1 + tolerance
        if consistent:
            ok &= np.nan_to_num(fitted.rho_a, nan=0.0).max(axis=1) <= 1 + tolerance
    for matrices, bound in ((fitted.correlations, -tolerance), (implied, tolerance)):
        good = np.flatnonzero(ok)
        if good.size:
            ok[good] = np.linalg.eigvalsh(matrices[good])[:, 0] > bound
    return ok
