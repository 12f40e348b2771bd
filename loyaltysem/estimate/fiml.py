"""Full-information ML pieces not yet on the core: the saturated (h1) and independence
(baseline) models under missing data, for the Yuan–Bentler traces of MLR, and the
per-resample FIML objective of the bootstrap.

The fits themselves run on the core (:mod:`.ml` over the missing-data patterns of
:mod:`.moments`). Here, for pattern k with n_k cases, observed variables o_k, mean m_k
and covariance S_k (divisor n_k),

    F = (1/N) sum_k n_k [ log|Sigma_k| + tr(Sigma_k^-1 S_k)
                          + (m_k - mu_k)' Sigma_k^-1 (m_k - mu_k) ],

over parameters ``(theta, mu)`` with saturated means.

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of
incomplete data. In Marcoulides & Schumacker (Eds.), Advanced structural
equation modeling (pp. 243-277). Erlbaum.
Dempster, A. P., Laird, N. M., & Rubin, D. B. (1977). Maximum likelihood from
incomplete data via the EM algorithm. JRSS B, 39(1), 1-38.
Enders, C. K. (2010). Applied missing data analysis. Guilford.
lavaan 0.6: ``R/lav_mvnorm_missing.R``, ``R/lav_samplestats.R`` (EM h1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..data.checks import coverage as coverage  # lavInspect(fit, "coverage"), re-exported
from .optimizer import observed_information_from_gradient
from .semopy_engine import SemopyModel


@dataclass(frozen=True)
class Pattern:
    """The cases sharing one missing-data pattern."""

    observed: np.ndarray  # indices of the observed variables
    n: int
    mean: np.ndarray
    cov: np.ndarray  # divisor n
    rows: np.ndarray  # the cases (n x observed)


def missing_patterns(values: np.ndarray) -> list[Pattern]:
    """Group the rows of ``values`` (NaN = missing) by pattern; rows with nothing are skipped."""
    present = ~np.isnan(values)
    keys, inverse = np.unique(present, axis=0, return_inverse=True)
    patterns = []
    for number, key in enumerate(keys):
        if not key.any():
            continue
        rows = values[np.flatnonzero(inverse.ravel() == number)][:, key]
        mean = rows.mean(axis=0)
        centred = rows - mean
        patterns.append(Pattern(np.flatnonzero(key), rows.shape[0], mean,
                                centred.T @ centred / rows.shape[0], rows))
    return patterns


def pattern_loglik(patterns: list[Pattern], mu: np.ndarray, sigma: np.ndarray) -> float:
    """The normal log-likelihood of all cases (2 pi constants included)."""
    total = 0.0
    for pattern in patterns:
        o = pattern.observed
        s_k = sigma[np.ix_(o, o)]
        d = pattern.mean - mu[o]
        sign, logdet = np.linalg.slogdet(s_k)
        if sign <= 0:
            return -math.inf
        inv = np.linalg.inv(s_k)
        total -= 0.5 * pattern.n * (o.size * math.log(2 * math.pi) + logdet
                                    + float(np.sum(inv * pattern.cov)) + float(d @ inv @ d))
    return total


def baseline_estimates(patterns: list[Pattern], p: int) -> tuple[np.ndarray, np.ndarray]:
    """MLE of the independence model under missing data: available-case means and
    variances (divisor: the number of values), ``(mean, variance)``."""
    total = np.zeros(p)
    squares = np.zeros(p)
    counts = np.zeros(p)
    for pattern in patterns:
        o = pattern.observed
        total[o] += pattern.n * pattern.mean
        squares[o] += pattern.n * (np.diag(pattern.cov) + pattern.mean**2)
        counts[o] += pattern.n
    mu = total / counts
    return mu, squares / counts - mu**2


class SaturatedStructure:
    """The unrestricted covariance matrix as a "model": ``theta = vech(Sigma)`` (lower
    triangle, row by row), for the h1 information under missing data."""

    def __init__(self, p: int):
        from .robust import _saturated_jacobian

        self.observed = list(range(p))
        self._jacobian = _saturated_jacobian(p, ())
        self.n_free = self._jacobian.shape[0]
        self._lower = np.tril_indices(p)

    def theta(self, sigma: np.ndarray) -> np.ndarray:
        return sigma[self._lower].copy()

    def implied(self, theta: np.ndarray) -> np.ndarray:
        sigma = np.zeros((len(self.observed), len(self.observed)))
        sigma[self._lower] = theta
        return sigma + np.tril(sigma, -1).T

    def implied_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.implied(theta), self._jacobian


class DiagonalStructure:
    """Uncorrelated variables (the baseline model): ``theta`` = the p variances."""

    def __init__(self, p: int):
        self.observed = list(range(p))
        self.n_free = p
        jacobian = np.zeros((p, p, p))
        jacobian[np.arange(p), np.arange(p), np.arange(p)] = 1.0
        self._jacobian = jacobian

    def implied(self, theta: np.ndarray) -> np.ndarray:
        return np.diag(theta)

    def implied_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.diag(theta), self._jacobian


class FimlObjective:
    """F, gradient and expected information of a model over parameters ``(theta, nu)``.

    Parameters
    ----------
    model : SemopyModel, SaturatedStructure or DiagonalStructure
        The covariance structure (its ``theta``: the first q parameters).
    patterns : list of Pattern
    """

    def __init__(self, model: SemopyModel | SaturatedStructure | DiagonalStructure,
                 patterns: list[Pattern]):
        self.model = model
        self.patterns = patterns
        self.q = model.n_free
        self.p = len(model.observed)
        self.n_obs = sum(pattern.n for pattern in patterns)

    def split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x[:self.q], x[self.q:]

    def discrepancy(self, x: np.ndarray) -> float:
        """``F`` (see the module notes); ``inf`` where a covariance block is not positive definite."""
        theta, nu = self.split(x)
        try:
            sigma = self.model.implied(theta)
        except np.linalg.LinAlgError:
            return math.inf
        constant = sum(pattern.n * pattern.observed.size for pattern in self.patterns) \
            * math.log(2 * math.pi)
        loglik = pattern_loglik(self.patterns, nu, sigma)
        return math.inf if not np.isfinite(loglik) else (-2.0 * loglik - constant) / self.n_obs

    def loglik(self, x: np.ndarray) -> float:
        theta, nu = self.split(x)
        return pattern_loglik(self.patterns, nu, self.model.implied(theta))

    def gradient_and_information(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of F and the expected information per case (expected Hessian = 2 I)."""
        theta, nu = self.split(x)
        sigma, d_sigma = self.model.implied_and_jacobian(theta)
        q, p = self.q, self.p
        gradient = np.zeros(q + p)
        information = np.zeros((q + p, q + p))
        for pattern in self.patterns:
            o = pattern.observed
            w = np.linalg.inv(sigma[np.ix_(o, o)])
            d = pattern.mean - nu[o]
            a = w - w @ (pattern.cov + np.outer(d, d)) @ w
            block = d_sigma[:, o][:, :, o]
            flat = block.reshape(q, -1)
            gradient[:q] += pattern.n * (flat @ a.ravel())
            gradient[q + o] += -2.0 * pattern.n * (w @ d)
            weighted = (w @ block @ w).reshape(q, -1)
            information[:q, :q] += 0.5 * pattern.n * (weighted @ flat.T)
            information[np.ix_(q + o, q + o)] += pattern.n * w
        return gradient / self.n_obs, information / self.n_obs

    def observed_information(self, x: np.ndarray) -> np.ndarray:
        """Hessian of ``F / 2`` by central differences of the analytic gradient."""
        return observed_information_from_gradient(
            lambda y: self.gradient_and_information(y)[0], x)

    def casewise_scores(self, x: np.ndarray) -> np.ndarray:
        """Scores of each case's log-likelihood w.r.t. ``(theta, nu)``, shape (N, q + p)."""
        theta, nu = self.split(x)
        sigma, d_sigma = self.model.implied_and_jacobian(theta)
        q, p = self.q, self.p
        blocks = []
        for pattern in self.patterns:
            o = pattern.observed
            w = np.linalg.inv(sigma[np.ix_(o, o)])
            u = (pattern.rows - nu[o]) @ w
            block = d_sigma[:, o][:, :, o]
            scores = np.zeros((pattern.n, q + p))
            scores[:, :q] = 0.5 * np.einsum("ni,kij,nj->nk", u, block, u) \
                - 0.5 * np.einsum("ij,kji->k", w, block)
            scores[:, q + o] = u
            blocks.append(scores)
        return np.concatenate(blocks)


def saturated_trace_missing(values: np.ndarray, em_mean: np.ndarray,
                            em_cov: np.ndarray) -> float:
    """``tr(B1 A1^-1)`` of the saturated model with missing data: its observed and
    first-order informations at the EM estimates (what lavaan 0.6-14 does)."""
    patterns = missing_patterns(values)
    saturated = SaturatedStructure(values.shape[1])
    h1 = FimlObjective(saturated, patterns)
    x1 = np.concatenate([saturated.theta(em_cov), em_mean])
    scores = h1.casewise_scores(x1)
    b1 = scores.T @ scores / h1.n_obs
    return float(np.sum(b1 * np.linalg.inv(h1.observed_information(x1)).T))


def baseline_trace(patterns: list[Pattern], p: int) -> float:
    """``tr(B0 E^-1)`` of the independence model at its MLE (for its scaling factor)."""
    objective = FimlObjective(DiagonalStructure(p), patterns)
    mean, variance = baseline_estimates(patterns, p)
    x = np.concatenate([variance, mean])
    observed = objective.observed_information(x)
    scores = objective.casewise_scores(x)
    b0 = scores.T @ scores / objective.n_obs
    return float(np.sum(b0 * np.linalg.inv(observed).T))
