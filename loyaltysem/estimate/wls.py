"""Least-squares discrepancies on ordinal sample statistics (WLS, DWLS, ULS) on the core.

With ordinal items the data enter as lavaan's two-step sample statistics
(:mod:`loyaltysem.ordinal`), group by group: per variable its thresholds (an ordinal
item) or minus its mean (a continuous one), the variances of the continuous items and
the correlations of every pair (covariances with continuous items), ``s_g`` in
lavaan's ``WLS.obs`` order, with their asymptotic covariance ``Gamma_g`` (NACOV). The
model gives the same statistics ``sigma_g(theta)`` from the layout's implied moments of
the latent responses, ``Sigma = Lambda C Psi C' Lambda' + Theta`` and ``mu = nu +
Lambda C alpha``, and a scale ``s_j`` per ordinal item (1 for a continuous one):

    threshold k of item j:   s_j (tau_jk - mu_j)      continuous item j:  -mu_j
    variance of item j:      Sigma_jj                 pair (i, j):        s_i s_j Sigma_ij

In the delta parameterization (Muthén 1984; lavaan's default) ``s_j`` is the scaling
factor ``delta_j`` (lavaan's ``~*~``, 1 unless freed in groups 2.. by equal
thresholds) and the residual variance of an ordinal item is not a parameter but
``1 / delta_j^2 - diag(Lambda C Psi C' Lambda')_jj``, so that ``Sigma_jj = 1 /
delta_j^2``; in the theta parameterization the residual variances are parameters and
``s_j = Sigma_jj^(-1/2)``. Either way ``s_j = Sigma_jj^(-1/2)``: the statistics are
those of the standardized latent responses.

The discrepancy sums the groups' weighted squares,

    chisq = sum_g (N_g - 1) (s_g - sigma_g)' W_g (s_g - sigma_g),   F = chisq / sum_g (N_g - 1),

``W_g`` the inverse of ``Gamma_g`` (WLS), of its diagonal (DWLS) or the identity (ULS)
(lavaan 0.6-14's ``N - 1`` of categorical data, :mod:`.wls_inference`), with gradient
``-2 sum_g c_g Delta_g' W_g (s_g - sigma_g)`` and the scoring "information" ``sum_g
c_g Delta_g' W_g Delta_g`` (``c_g = (N_g - 1) / sum_h (N_h - 1)``; twice it is the
Gauss–Newton Hessian), ``Delta_g = d sigma_g / d theta`` from the core's rank-one cells of
``dSigma/dtheta`` and ``dmu/dtheta``. The model's matrices are those of the one layout
(:mod:`.layout`), so the start values, the optimizer (:func:`.estimation.minimize`),
the estimates table and the standardized solution are the ML fit's; only the
discrepancy, the inference (:mod:`.wls_inference`) and the fit measures
(:mod:`.wls_measures`) are this family's own. The thresholds and scaling factors are
parameters after the layout's ``n_free``.

References
----------
Muthén, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. Psychometrika, 49(1), 115-132.
Muthén, B., & Asparouhov, T. (2002). Latent variable analysis with categorical outcomes:
multiple-group and growth modeling in Mplus. Mplus Web Note 4 (delta and theta).
Muthén, B., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using weighted
least squares and quadratic estimating equations in latent variable modeling with
categorical and continuous outcomes. Unpublished technical report.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1-36 (``lav_model_wls_est``, ``lav_objective_wls``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

from .blocks import block_diagonal
from .layout import ParameterLayout
from .ml import Implied, MLFunctions
from .moments import GroupMoments

Parameterization = Literal["delta", "theta"]


@dataclass(frozen=True)
class GroupStatistics:
    """One group's sample statistics in lavaan's ``WLS.obs`` order and where the model's
    parameters enter them (positions are the layout's observed order).

    Attributes
    ----------
    statistics : ndarray (k,)
    weight : ndarray (k, k)
        ``W_g`` (lavaan's ``WLS.V`` of the group).
    gamma : ndarray (k, k)
        The asymptotic covariance of ``sqrt(N_g) s_g`` (lavaan's NACOV).
    nobs : int
    slot_item : ndarray of int (t,)
        The variable of each element of the first block (thresholds and -means).
    slot_threshold : ndarray of int (t,)
        The parameter (column of ``theta``) of each threshold; -1 for a continuous
        item's -mean and for a fixed threshold.
    variances : ndarray of int
        The continuous items (their variances follow the first block).
    pairs : ndarray of int (c, 2)
        The items of each correlation (covariance).
    ordinal : ndarray of int
        The ordinal items.
    slot_fixed : ndarray (t,)
        The value of each fixed threshold (written ``item | 0*t1``), NaN elsewhere.
    scale : ndarray of int
        Per ordinal item, the parameter of its scaling factor (delta) or -1 (fixed 1,
        or the theta parameterization).
    """

    statistics: np.ndarray
    weight: np.ndarray
    gamma: np.ndarray
    nobs: int
    slot_item: np.ndarray
    slot_threshold: np.ndarray
    variances: np.ndarray
    pairs: np.ndarray
    ordinal: np.ndarray
    scale: np.ndarray
    slot_fixed: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def slot_ordinal(self) -> np.ndarray:
        """Which elements of the first block are thresholds (free or fixed)."""
        fixed = self.slot_fixed if self.slot_fixed.size else np.full(self.n_first, np.nan)
        return (self.slot_threshold >= 0) | ~np.isnan(fixed)

    def tau(self, theta: np.ndarray) -> np.ndarray:
        """The thresholds (S, thresholds) at every row of ``theta``, fixed ones included."""
        which = self.slot_threshold[self.slot_ordinal]
        fixed = (self.slot_fixed if self.slot_fixed.size
                 else np.full(self.n_first, np.nan))[self.slot_ordinal]
        return np.where(which >= 0, theta[:, np.maximum(which, 0)], fixed)

    @property
    def n_first(self) -> int:
        """Elements of the first block (thresholds and -means)."""
        return int(self.slot_item.size)

    @property
    def n_thresholds(self) -> int:
        return int(np.count_nonzero(self.slot_ordinal))


class WLSFunctions(MLFunctions):
    """``F``, its gradient and the scoring information of a least-squares fit (module
    notes) on any number of groups.

    Parameters
    ----------
    layout : ParameterLayout
        The layout of the moments of the latent responses (the thresholds and scaling
        factors are parameters ``layout.n_free .. n_free - 1`` after it).
    moments : sequence of GroupMoments
        Each group's correlations (covariances with continuous items) and means as
        moments (for the start values and the standardized solution).
    statistics : sequence of GroupStatistics
    n_free : int
        All free parameters.
    parameterization : {"delta", "theta"}
    start : ndarray
        Start values of the parameters after the layout's (thresholds, scales).
    """

    def __init__(self, layout: ParameterLayout, moments: Sequence[GroupMoments],
                 statistics: Sequence[GroupStatistics], n_free: int,
                 parameterization: Parameterization, start: np.ndarray):
        super().__init__(layout, moments)
        self.statistics_of = list(statistics)
        self.parameterization = parameterization
        self.n_covariance = layout.n_free
        self.n_free = n_free
        self._extra_start = np.asarray(start, dtype=float)
        counts = np.array([s.nobs - 1.0 for s in self.statistics_of])
        self.n_test = float(counts.sum())
        self.group_weights = counts / self.n_test

    # ------------------------------------------------------------ stacked
    @cached_property
    def sample(self) -> np.ndarray:
        """All groups' statistics, stacked."""
        return np.concatenate([s.statistics for s in self.statistics_of])

    @cached_property
    def test_weight(self) -> np.ndarray:
        """``blockdiag((N_g - 1) W_g)``: ``chisq = e' W_T e``."""
        return block_diagonal([(s.nobs - 1.0) * s.weight for s in self.statistics_of])

    @cached_property
    def acov(self) -> np.ndarray:
        """``blockdiag(Gamma_g / (N_g - 1))``: the covariance of the stacked statistics."""
        return block_diagonal([s.gamma / (s.nobs - 1.0) for s in self.statistics_of])

    @property
    def unweighted(self) -> bool:
        """Whether ``W`` is the identity in every group (ULS, ULSMV)."""
        return all(np.array_equal(s.weight, np.eye(s.weight.shape[0]))
                   for s in self.statistics_of)

    @property
    def n_statistics(self) -> int:
        return int(self.sample.size)

    # ------------------------------------------------------------ moments
    def _implied(self, theta: np.ndarray, g: int, index: np.ndarray | None) -> Implied:
        """The implied moments with ``Sigma_jj = 1 / s_j^2`` for the ordinal items in the
        delta parameterization (module notes)."""
        implied = super()._implied(theta[:, :self.n_covariance], g, index)
        if self.parameterization == "theta":
            return implied
        at = self.statistics_of[g].ordinal
        sigma = implied.sigma.copy()
        sigma[:, at, at] = 1.0 / self._delta_scales(theta, g) ** 2
        return Implied(implied.c, implied.m, implied.psi, implied.alpha, sigma, implied.mu)

    def _delta_scales(self, theta: np.ndarray, g: int) -> np.ndarray:
        """The delta parameterization's scaling factors (S, ordinal) of group ``g``."""
        scale = self.statistics_of[g].scale
        values = np.ones((theta.shape[0], scale.size))
        free = scale >= 0
        values[:, free] = theta[:, scale[free]]
        return values

    def scales(self, theta: np.ndarray, g: int) -> np.ndarray:
        """``s_j`` (S, p) of every item of group ``g``: 1 for continuous items."""
        theta = np.atleast_2d(theta)
        sigma = self.implied(theta, g).sigma
        out = np.ones(sigma.shape[:2])
        at = self.statistics_of[g].ordinal
        with np.errstate(invalid="ignore", divide="ignore"):  # Sigma_jj <= 0: F is inf
            out[:, at] = 1.0 / np.sqrt(sigma[:, at, at])
        return out

    def residual_variances(self, theta: np.ndarray, g: int = 0) -> np.ndarray:
        """The ordinal items' residual variances at one ``theta``: ``1 / delta^2 -
        diag(Lambda C Psi C' Lambda')`` (delta) or their parameters (theta)."""
        theta = np.atleast_2d(theta)[:1]
        at = self.statistics_of[g].ordinal
        if self.parameterization == "theta":
            residual = self.layout.matrices(theta[:, :self.n_covariance], g)[3]
            return residual[0, at, at].copy()
        implied = super()._implied(theta[:, :self.n_covariance], g, None)
        return 1.0 / self._delta_scales(theta, g)[0] ** 2 - implied.sigma[0, at, at]

    def group_statistics(self, theta: np.ndarray, g: int) -> np.ndarray:
        """``sigma_g(theta)`` (S, k_g) for every row of ``theta``."""
        theta = np.atleast_2d(theta)
        spec = self.statistics_of[g]
        implied = self.implied(theta, g)
        s = self.scales(theta, g)
        items = spec.slot_item
        first = -implied.mu[:, items]
        ordinal = spec.slot_ordinal
        first[:, ordinal] = s[:, items[ordinal]] * (spec.tau(theta) + first[:, ordinal])
        v = spec.variances
        rows, cols = spec.pairs.T
        pairs = s[:, rows] * s[:, cols] * implied.sigma[:, rows, cols]
        return np.concatenate([first, implied.sigma[:, v, v], pairs], axis=1)

    def statistics(self, theta: np.ndarray) -> np.ndarray:
        """``sigma(theta)`` (S, K): every group's, stacked."""
        return np.concatenate([self.group_statistics(theta, g)
                               for g in range(len(self.statistics_of))], axis=1)

    def group_delta(self, theta: np.ndarray, g: int) -> np.ndarray:
        """``Delta_g = d sigma_g / d theta`` (S, k_g, n) (module notes)."""
        theta = np.atleast_2d(theta)
        spec = self.statistics_of[g]
        implied, cells, d_mu = self.cells(theta, g)  # over all n_free parameters
        d_sigma = cells.dense()
        size, n, p = d_mu.shape
        s = self.scales(theta, g)
        d_s = np.zeros((size, n, p))
        at = spec.ordinal
        if self.parameterization == "theta":
            variances = implied.sigma[:, at, at]
            d_s[:, :, at] = -0.5 * variances[:, None, :] ** -1.5 * d_sigma[:, :, at, at]
        else:
            free = spec.scale >= 0
            d_s[:, spec.scale[free], at[free]] = 1.0
        items = spec.slot_item
        first = -d_mu[:, :, items]  # (S, n, t)
        ordinal = np.flatnonzero(spec.slot_ordinal)
        j = items[ordinal]
        tau_minus_mu = spec.tau(theta) - implied.mu[:, j]
        first[:, :, ordinal] = (s[:, None, j] * first[:, :, ordinal]
                                + tau_minus_mu[:, None, :] * d_s[:, :, j])
        which = spec.slot_threshold[ordinal]
        free = which >= 0
        first[:, which[free], ordinal[free]] += s[:, j[free]]
        v = spec.variances
        rows, cols = spec.pairs.T
        pairs = (s[:, None, rows] * s[:, None, cols] * d_sigma[:, :, rows, cols]
                 + implied.sigma[:, None, rows, cols]
                 * (s[:, None, cols] * d_s[:, :, rows] + s[:, None, rows] * d_s[:, :, cols]))
        out = np.concatenate([first, d_sigma[:, :, v, v], pairs], axis=2)
        return out.transpose(0, 2, 1)

    def delta(self, theta: np.ndarray) -> np.ndarray:
        """``Delta`` (S, K, n): every group's, stacked."""
        return np.concatenate([self.group_delta(theta, g)
                               for g in range(len(self.statistics_of))], axis=1)

    # ------------------------------------------------- discrepancy, gradient
    def evaluate(self, theta: np.ndarray, gradient: bool = True,
                 index: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``F`` (S,) and (optionally) its gradient (S, n) for every row of ``theta``."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        residual = self.sample - self.statistics(theta)
        weighted = residual @ self.test_weight / self.n_test
        f = np.einsum("sk,sk->s", weighted, residual)
        bad = ~np.isfinite(f)  # a latent response without variance (theta): outside
        f[bad] = np.inf
        if not gradient:
            return f, None
        with np.errstate(invalid="ignore"):
            g = -2.0 * np.einsum("sk,skn->sn", weighted, self.delta(theta))
        g[bad] = np.nan
        return f, g

    def scoring_terms(self, theta: np.ndarray, index: np.ndarray | None = None,
                      masked: Sequence[int] | np.ndarray = (), gradient: bool = True
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gradient (S, n), ``Delta' W Delta`` (S, n, n) and a mask of finite rows."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        delta = self.delta(theta)
        weighted_delta = np.matmul(self.test_weight / self.n_test, delta)
        information = np.matmul(delta.transpose(0, 2, 1), weighted_delta)
        residual = self.sample - self.statistics(theta)
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
        """Start values of the layout's parameters completed with the sample thresholds
        and unit scaling factors."""
        x = np.asarray(x, dtype=float)
        if x.shape[-1] == self.n_free:
            return x
        return np.concatenate([x, self._extra_start])


__all__ = ["GroupStatistics", "Parameterization", "WLSFunctions"]
