"""Least-squares discrepancies on ordinal sample statistics (WLS, DWLS, ULS) on the core.

With ordinal items the data enter as lavaan's two-step sample statistics
(:mod:`loyaltysem.ordinal`): the thresholds of every item and the polychoric
correlations of every pair, ``s`` in lavaan's order (``WLS.obs``), with their
asymptotic covariance ``Gamma`` (NACOV). The model gives the same statistics
``sigma(theta)``: its thresholds (free parameters, one per threshold) and the
off-diagonal elements of the implied covariance of the latent responses,

    Sigma* = Lambda C Psi C' Lambda' + Theta,   diag(Sigma*) = 1,

in the delta parameterization (Muthén 1984; lavaan's default): the residual
variance of an ordinal item is not a parameter but ``1 - diag(Lambda C Psi C'
Lambda')_ii``, so that every latent response has variance 1. The discrepancy is

    F(theta) = (s - sigma(theta))' W (s - sigma(theta)),

``W`` the inverse of ``Gamma`` (WLS), of its diagonal (DWLS) or the identity (ULS),
its gradient ``-2 Delta' W (s - sigma)`` and the scoring "information"
``Delta' W Delta`` (``2 Delta' W Delta`` is the Gauss–Newton Hessian), with
``Delta = d sigma / d theta`` from the core's rank-one cells of ``dSigma/dtheta``.
The model's matrices are those of the one layout (:mod:`.layout`), so the start
values, the optimizer (:func:`.estimation.minimize`), the estimates table and the
standardized solution are the ML fit's; only the discrepancy, the inference
(:mod:`.wls_inference`) and the fit measures (:mod:`.wls_measures`) are this
family's own.

References
----------
Muthén, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. Psychometrika, 49(1), 115-132.
Muthén, B., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using weighted
least squares and quadratic estimating equations in latent variable modeling with
categorical and continuous outcomes. Unpublished technical report.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1-36 (``lav_model_wls_est``, ``lav_objective_wls``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .estimates_table import EstimatesTable
from .layout import ParameterLayout
from .ml import Implied, MLFunctions
from .moments import GroupMoments


@dataclass(frozen=True)
class OrdinalMoments:
    """The sample statistics of a least-squares fit, in lavaan's ``WLS.obs`` order.

    Attributes
    ----------
    statistics : ndarray (k,)
        The thresholds (``n_thresholds`` first, item by item) and the correlations of
        the pairs ``pairs``.
    weight : ndarray (k, k)
        ``W`` of the discrepancy (lavaan's ``WLS.V``).
    gamma : ndarray (k, k)
        The asymptotic covariance of ``sqrt(N) s`` (lavaan's NACOV).
    nobs : int
    n_thresholds : int
    pairs : ndarray (k - n_thresholds, 2)
        The positions (in the layout's observed order) of each correlation's items.
    ordinal : ndarray of int
        The positions of the ordinal items (their latent responses have variance 1).
    """

    statistics: np.ndarray
    weight: np.ndarray
    gamma: np.ndarray
    nobs: int
    n_thresholds: int
    pairs: np.ndarray
    ordinal: np.ndarray


class WLSFunctions(MLFunctions):
    """``F``, its gradient and the scoring information of a least-squares fit (module
    notes) on one group.

    Parameters
    ----------
    layout : ParameterLayout
        The layout of the covariance part (the threshold parameters come after its
        ``n_free`` parameters, in the order of the statistics).
    correlations : GroupMoments
        The polychoric correlation matrix as the group's moments (for the start values
        and the standardized solution).
    moments : OrdinalMoments
    """

    def __init__(self, layout: ParameterLayout, correlations: GroupMoments,
                 moments: OrdinalMoments):
        super().__init__(layout, [correlations])
        self.moments = moments
        self.n_covariance = layout.n_free
        self.n_free = layout.n_free + moments.n_thresholds

    # ------------------------------------------------------------ moments
    def _implied(self, theta: np.ndarray, g: int, index: np.ndarray | None) -> Implied:
        """The implied moments with ``diag(Sigma*) = 1`` for the ordinal items (delta)."""
        implied = super()._implied(theta[:, :self.n_covariance], g, index)
        sigma = implied.sigma.copy()
        at = self.moments.ordinal
        sigma[:, at, at] = 1.0
        return Implied(implied.c, implied.m, implied.psi, implied.alpha, sigma, implied.mu)

    def residual_variances(self, theta: np.ndarray) -> np.ndarray:
        """``1 - diag(Lambda C Psi C' Lambda')`` of the ordinal items at one ``theta``
        (their residual variances in the delta parameterization)."""
        implied = super()._implied(np.atleast_2d(theta)[:, :self.n_covariance], 0, None)
        at = self.moments.ordinal
        return 1.0 - implied.sigma[0, at, at]

    def statistics(self, theta: np.ndarray) -> np.ndarray:
        """``sigma(theta)`` (S, k) for every row of ``theta``."""
        theta = np.atleast_2d(theta)
        sigma = self.implied(theta, 0).sigma
        rows, cols = self.moments.pairs.T
        return np.concatenate([theta[:, self.n_covariance:], sigma[:, rows, cols]], axis=1)

    def delta(self, theta: np.ndarray) -> np.ndarray:
        """``Delta = d sigma / d theta`` (S, k, n) for every row of ``theta``."""
        theta = np.atleast_2d(theta)
        _, cells, _ = self.cells(theta, 0)
        dense = cells.dense()  # (S, n, p, p)
        rows, cols = self.moments.pairs.T
        t = self.moments.n_thresholds
        out = np.zeros((theta.shape[0], t + rows.size, self.n_free))
        out[:, np.arange(t), self.n_covariance + np.arange(t)] = 1.0
        out[:, t:, :] = dense[:, :, rows, cols].transpose(0, 2, 1)
        return out

    # ------------------------------------------------- discrepancy, gradient
    def evaluate(self, theta: np.ndarray, gradient: bool = True,
                 index: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``F`` (S,) and (optionally) its gradient (S, n) for every row of ``theta``."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        residual = self.moments.statistics - self.statistics(theta)
        weighted = residual @ self.moments.weight
        f = np.einsum("sk,sk->s", weighted, residual)
        if not gradient:
            return f, None
        return f, -2.0 * np.einsum("sk,skn->sn", weighted, self.delta(theta))

    def scoring_terms(self, theta: np.ndarray, index: np.ndarray | None = None,
                      masked: Sequence[int] | np.ndarray = (), gradient: bool = True
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gradient (S, n), ``Delta' W Delta`` (S, n, n) and a mask of finite rows."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        delta = self.delta(theta)
        weighted_delta = np.matmul(self.moments.weight, delta)
        information = np.matmul(delta.transpose(0, 2, 1), weighted_delta)
        residual = self.moments.statistics - self.statistics(theta)
        grad = -2.0 * np.einsum("sk,skn->sn", residual, weighted_delta)
        ok = np.isfinite(grad).all(axis=1)
        return grad, information, ok

    def gradient_and_information(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of ``F`` and ``Delta' W Delta`` at one ``theta`` (for scoring)."""
        grad, info, _ = self.scoring_terms(np.atleast_2d(theta)[:1])
        return grad[0], info[0]

    def information(self, theta: np.ndarray, masked: Sequence[int] | np.ndarray = ()
                    ) -> np.ndarray:
        """``Delta' W Delta`` at one ``theta``."""
        return self.scoring_terms(np.atleast_2d(theta)[:1], gradient=False)[1][0]

    def full_start(self, x: np.ndarray) -> np.ndarray:
        """Start values of the covariance part completed with the sample thresholds."""
        x = np.asarray(x, dtype=float)
        if x.shape[-1] == self.n_free:
            return x
        return np.concatenate([x, self.moments.statistics[:self.moments.n_thresholds]])


def delta_residual_variances(table: EstimatesTable, functions: WLSFunctions,
                             theta: np.ndarray) -> EstimatesTable:
    """The estimates table with the delta parameterization's values of the ordinal
    items' rows: residual variances ``1 - diag(Lambda C Psi C' Lambda')`` (no SE, as
    lavaan), thresholds standardized as themselves (the latent responses have variance
    1), and the items' R² ``1 - theta_ii``."""
    estimates = table.estimates.copy()
    order = list(functions.layout.structure.observed)
    ordinal = [order[k] for k in functions.moments.ordinal]
    residual = dict(zip(ordinal, functions.residual_variances(theta).tolist()))
    lhs, op, rhs = (estimates[c].to_numpy() for c in ("lhs", "op", "rhs"))
    rows = np.flatnonzero((op == "~~") & (lhs == rhs) & np.isin(lhs, ordinal))
    values = [residual[v] for v in lhs[rows]]
    for column in ("est", "ci_lower", "ci_upper", "std_lv", "std_all"):
        estimates.iloc[rows, estimates.columns.get_loc(column)] = values
    thresholds = op == "|"
    for column in ("std_lv", "std_all"):
        estimates.loc[thresholds, column] = estimates.loc[thresholds, "est"]
    r2 = [{**table.r2[0], **{v: 1.0 - value for v, value in residual.items()}}]
    return EstimatesTable(estimates, r2, table.latent_cov)


__all__ = ["OrdinalMoments", "WLSFunctions", "delta_residual_variances"]
