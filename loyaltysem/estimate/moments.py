"""The data a covariance-structure fit sees: per group, per missing-data pattern, per sample.

Every fit is over groups × missing-data patterns × a stack of samples:

- complete data are one pattern (every variable observed);
- missing data (full-information ML) are one pattern per combination of
  observed variables, with the EM estimates of the unrestricted model as the
  group's saturated (h1) moments;
- summary data (a covariance matrix, optional means, N) are one pattern
  without cases;
- a bootstrap is a stack: every array has a leading sample axis ``S``.

For pattern k of a group with N cases, n_k cases, observed variables o_k,
mean m_k and covariance S_k (divisor n_k), the group's ML discrepancy is

    F_g = (1/N) sum_k n_k [log|Sigma_k| + tr(Sigma_k^-1 S_k)
                           + (m_k - mu_k)' Sigma_k^-1 (m_k - mu_k)] - h1,

with ``h1`` the same sum at the saturated moments, so that ``N F_g`` is the
likelihood-ratio statistic against the unrestricted model; for complete data
``h1 = log|S| + p`` and ``F_g`` is the familiar ML discrepancy (Jöreskog 1967;
with means, Sörbom 1974); with missing data it is ``2 (logL_h1 - logL) / N``
(Arbuckle 1996).

References
----------
Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor
analysis. Psychometrika, 32(4), 443-482.
Arbuckle, J. L. (1996). Full information estimation in the presence of
incomplete data. In Marcoulides & Schumacker (Eds.), Advanced structural
equation modeling (pp. 243-277). Erlbaum.
Dempster, A. P., Laird, N. M., & Rubin, D. B. (1977). Maximum likelihood from
incomplete data via the EM algorithm. JRSS B, 39(1), 1-38.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


#: Rows per block of the cross products of large complete data.
CHUNK_ROWS = 1 << 16


@dataclass(frozen=True, eq=False)
class PatternMoments:
    """The cases of one missing-data pattern, for every sample of a stack.

    Attributes
    ----------
    observed : ndarray of int
        Positions of the observed variables (in the structure's order).
    n : ndarray, shape (S,)
        Number of cases (may be 0 in a resample).
    mean : ndarray, shape (S, p_k)
    cov : ndarray, shape (S, p_k, p_k)
        Divisor ``n``.
    rows : ndarray, shape (n, p_k), or None
        The cases themselves (single samples only; needed for casewise scores).
    """

    observed: np.ndarray
    n: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    rows: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class GroupMoments:
    """One group's data: its patterns and saturated moments, for a stack of samples.

    Attributes
    ----------
    patterns : tuple of PatternMoments
    n : ndarray, shape (S,)
        Cases of the group.
    cov, mean : ndarray, shapes (S, p, p), (S, p)
        The saturated (h1) moments: the sample moments (divisor N), or the EM
        estimates with missing data. fixed.x entries are filled from them.
    h1 : ndarray, shape (S,)
        The discrepancy sum of the module notes at the saturated moments.
    complete : bool
        One pattern with every variable.
    """

    patterns: tuple[PatternMoments, ...]
    n: np.ndarray
    cov: np.ndarray
    mean: np.ndarray
    h1: np.ndarray
    complete: bool

    @property
    def size(self) -> int:
        """Number of samples in the stack."""
        return int(self.n.shape[0])

    @property
    def p(self) -> int:
        return int(self.cov.shape[-1])

    def cases(self) -> np.ndarray:
        """The cases of a single sample (N x p, NaN where missing), pattern by pattern."""
        if self.complete and self.patterns[0].rows is not None:
            return self.patterns[0].rows  # complete data: the cases as given, no copy
        blocks = []
        for pattern in self.patterns:
            if pattern.rows is None:
                raise ValueError("summary data have no cases")
            block = np.full((pattern.rows.shape[0], self.p), np.nan)
            block[:, pattern.observed] = pattern.rows
            blocks.append(block)
        return np.concatenate(blocks)


def _logdet(cov: np.ndarray) -> np.ndarray:
    sign, value = np.linalg.slogdet(cov)
    return np.where(sign > 0, value, np.nan)


def summary_moments(cov: np.ndarray, mean: np.ndarray | None, n: float | np.ndarray
                    ) -> GroupMoments:
    """Complete-data moments from summary statistics (one or a stack of samples).

    Parameters
    ----------
    cov : ndarray, shape (p, p) or (S, p, p)
        Covariance with divisor N.
    mean : ndarray, shape (p,) or (S, p), optional
        Means (zeros if not given: a model without a mean structure ignores them).
    n : float or ndarray of shape (S,)
    """
    cov = np.asarray(cov, dtype=float)
    if cov.ndim == 2:
        cov = cov[None]
    size, p = cov.shape[0], cov.shape[-1]
    mean = np.zeros((size, p)) if mean is None else np.asarray(mean, dtype=float).reshape(size, p)
    counts = np.broadcast_to(np.asarray(n, dtype=float), (size,)).copy()
    pattern = PatternMoments(np.arange(p), counts, mean, cov)
    return GroupMoments((pattern,), counts, cov, mean, _logdet(cov) + p, True)


def complete_moments(values: np.ndarray) -> GroupMoments:
    """The moments of complete cases (N x p), keeping the cases for casewise scores."""
    values = np.asarray(values, dtype=float)
    mean = values.mean(axis=0)
    cov = _centred_cross_products(values, mean) / values.shape[0]
    moments = summary_moments(cov, mean, values.shape[0])
    pattern = PatternMoments(np.arange(values.shape[1]), moments.n, moments.mean, moments.cov,
                             values)
    return GroupMoments((pattern,), moments.n, moments.cov, moments.mean, moments.h1, True)


def _centred_cross_products(values: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``(X - m)' (X - m)``, over blocks of :data:`CHUNK_ROWS` rows beyond that many
    (memory for a block, not for a centred copy of 10^6 rows)."""
    if values.shape[0] <= CHUNK_ROWS:
        centred = values - mean
        return centred.T @ centred
    total = np.zeros((values.shape[1], values.shape[1]))
    for start in range(0, values.shape[0], CHUNK_ROWS):
        centred = values[start:start + CHUNK_ROWS] - mean
        total += centred.T @ centred
    return total


def stacked_moments(values: np.ndarray, rows: np.ndarray) -> GroupMoments:
    """Complete-data moments of a stack of row subsets (bootstrap resamples).

    Parameters
    ----------
    values : ndarray, shape (N, p)
    rows : ndarray of int, shape (S, n)
        Row numbers of each sample (repeats allowed).
    """
    sample = values[rows]
    mean = sample.mean(axis=1)
    centred = sample - mean[:, None, :]
    cov = np.matmul(centred.transpose(0, 2, 1), centred) / rows.shape[1]
    return summary_moments(cov, mean, np.full(rows.shape[0], float(rows.shape[1])))


def _patterns(values: np.ndarray) -> list[PatternMoments]:
    present = ~np.isnan(values)
    keys, inverse = np.unique(present, axis=0, return_inverse=True)
    patterns = []
    for number, key in enumerate(keys):
        if not key.any():
            continue
        rows = values[np.flatnonzero(inverse.ravel() == number)][:, key]
        mean = rows.mean(axis=0)
        centred = rows - mean
        patterns.append(PatternMoments(np.flatnonzero(key), np.array([float(rows.shape[0])]),
                                       mean[None], (centred.T @ centred / rows.shape[0])[None],
                                       rows))
    return patterns


def pattern_sum(patterns: tuple[PatternMoments, ...] | list[PatternMoments], mu: np.ndarray,
                sigma: np.ndarray) -> float:
    """``sum_k n_k [log|Sigma_k| + tr(Sigma_k^-1 S_k) + d_k' Sigma_k^-1 d_k]`` of one sample
    (``inf`` if a block is not positive definite)."""
    total = 0.0
    for pattern in patterns:
        o = pattern.observed
        block = sigma[np.ix_(o, o)]
        sign, logdet = np.linalg.slogdet(block)
        if sign <= 0:
            return math.inf
        inverse = np.linalg.inv(block)
        d = pattern.mean[0] - mu[o]
        total += float(pattern.n[0]) * (logdet + float(np.sum(inverse * pattern.cov[0]))
                                        + float(d @ inverse @ d))
    return total


def loglik_constant(patterns: tuple[PatternMoments, ...] | list[PatternMoments]) -> float:
    """``sum_k n_k p_k log(2 pi)``: ``-2 logL = pattern_sum + constant``."""
    return sum(float(p.n[0]) * p.observed.size for p in patterns) * math.log(2 * math.pi)


def missing_moments(values: np.ndarray, *, saturated: bool = True, tol: float = 1e-5,
                    max_iter: int = 500) -> GroupMoments:
    """Moments of incomplete cases (NaN = missing): patterns and the EM h1 (one sample).

    Rows without any value are skipped. The saturated moments are the EM
    estimates of the unrestricted mean and covariance (Dempster, Laird &
    Rubin 1977), from the available-case means and variances, iterated as
    lavaan 0.6-14 does (``lav_mvnorm_missing_h1_estimate_moments``, options
    ``em.h1.tol``, ``em.h1.iter.max``): until no mean or covariance changes by
    ``tol`` or more, at most ``max_iter`` steps, with ``max(diag) * 1e-8``
    added to the diagonal of a step whose smallest eigenvalue is below 1e-6.
    Stopping where lavaan stops gives lavaan's h1 to ~1e-13, not only to the
    EM's tolerance: statistics that are linear (not quadratic) in its error,
    such as lavaan's missing-data robust fit indices, need that.
    ``saturated=False`` skips EM (for refits, where only the estimates matter):
    the moments are then the pairwise ones (divisor N) and ``h1`` is 0 — exact
    for complete columns such as fixed.x covariates, which is all a refit uses.
    """
    values = np.asarray(values, dtype=float)
    patterns = _patterns(values)
    p = values.shape[1]
    if saturated:
        mean, cov = _em(patterns, p, tol, max_iter)
    else:
        mean = np.nanmean(values, axis=0)
        frame = values - mean
        present = ~np.isnan(values)
        counts = present.T.astype(float) @ present.astype(float)
        filled = np.where(present, frame, 0.0)
        cov = filled.T @ filled / np.maximum(counts, 1.0)
    n = sum(float(pattern.n[0]) for pattern in patterns)
    h1 = pattern_sum(patterns, mean, cov) / n if saturated else 0.0
    complete = len(patterns) == 1 and patterns[0].observed.size == p
    return GroupMoments(tuple(patterns), np.array([n]), cov[None], mean[None], np.array([h1]),
                        complete)


def independence_loglik(values: np.ndarray) -> float:
    """Log-likelihood of the independence model (free means and variances) at its MLE,
    the available-case means and variances (divisor: the number of values), with
    missing values (NaN) — the baseline model of lavaan's fit measures."""
    patterns = _patterns(np.asarray(values, dtype=float))
    mean = np.nanmean(values, axis=0)
    variance = np.nanmean((values - mean) ** 2, axis=0)
    return -0.5 * (pattern_sum(patterns, mean, np.diag(variance)) + loglik_constant(patterns))


def pairwise_moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sample statistics lavaan keeps beside the EM h1 with missing data: each
    variable's available-case mean and the pairwise covariances rescaled to divisor N.

    Parameters
    ----------
    values : ndarray, shape (N, p)
        The cases (NaN = missing); rows without any value are not among them.

    Returns
    -------
    cov : ndarray, shape (p, p)
        ``s_ij = (N - 1) / N * sum_r (x_ri - m_i^(ij)) (x_rj - m_j^(ij)) / (n_ij - 1)`` over
        the ``n_ij`` rows observing both, ``m^(ij)`` their means (R's
        ``cov(X, use = "pairwise")``, then lavaan's ``sample.cov.rescale``).
    mean : ndarray, shape (p,)
        ``colMeans(X, na.rm = TRUE)``.

    Notes
    -----
    lavaan 0.6-14 ``lav_samplestats_from_data``: with ``missing = "ml"`` these are
    ``SampleStats@cov``, ``@mean`` (the GFI's ``WLS.obs``, the start values of the
    baseline model) and, for the fixed.x covariates, ``@cov.x`` (the covariates' part of
    the h1 log-likelihood and of the baseline model).
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[0]
    mean = np.nanmean(values, axis=0)
    present = ~np.isnan(values)
    mask = present.astype(float)
    filled = np.where(present, values - mean, 0.0)  # centred: exact for large means
    pairs = mask.T @ mask
    sums = filled.T @ mask  # (i, j): the sum of x_i over the rows observing x_j too
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = (filled.T @ filled - sums * sums.T / pairs) / (pairs - 1.0)
    return cov * (n - 1) / n, mean


def _em(patterns: list[PatternMoments], p: int, tol: float, max_iter: int
        ) -> tuple[np.ndarray, np.ndarray]:
    counts = np.zeros(p)
    mu = np.zeros(p)
    for pattern in patterns:  # start: available-case means and variances
        mu[pattern.observed] += pattern.n[0] * pattern.mean[0]
        counts[pattern.observed] += pattern.n[0]
    mu /= counts
    second = np.zeros(p)
    for pattern in patterns:
        o = pattern.observed
        second[o] += pattern.n[0] * (np.diag(pattern.cov[0]) + (pattern.mean[0] - mu[o]) ** 2)
    sigma = np.diag(second / counts)
    n_total = sum(float(q.n[0]) for q in patterns)
    for _ in range(max_iter):
        expected_sum = np.zeros(p)
        expected_cross = np.zeros((p, p))
        for pattern in patterns:
            o = pattern.observed
            n_k, mean_k = float(pattern.n[0]), pattern.mean[0]
            raw = pattern.cov[0] + np.outer(mean_k, mean_k)  # mean of x_o x_o'
            m = np.setdiff1d(np.arange(p), o)
            vector = np.zeros(p)
            block = np.zeros((p, p))
            vector[o] = mean_k
            block[np.ix_(o, o)] = raw
            if m.size:  # E[x_m | x_o] = mu_m + B (x_o - mu_o), B = Sigma_mo Sigma_oo^-1
                b = np.linalg.solve(sigma[np.ix_(o, o)], sigma[np.ix_(o, m)]).T
                shift = mu[m] - b @ mu[o]
                vector[m] = shift + b @ mean_k
                cross = raw @ b.T + np.outer(mean_k, shift)
                block[np.ix_(o, m)] = cross
                block[np.ix_(m, o)] = cross.T
                residual = sigma[np.ix_(m, m)] - b @ sigma[np.ix_(o, m)]
                block[np.ix_(m, m)] = (residual + b @ raw @ b.T + np.outer(b @ mean_k, shift)
                                       + np.outer(shift, b @ mean_k) + np.outer(shift, shift))
            expected_sum += n_k * vector
            expected_cross += n_k * block
        previous_mu, previous_sigma = mu, sigma
        mu = expected_sum / n_total
        sigma = expected_cross / n_total - np.outer(mu, mu)
        sigma = (sigma + sigma.T) / 2
        if np.linalg.eigvalsh(sigma)[0] < 1e-6:  # lavaan's ridge of a near-singular step
            sigma = sigma + np.eye(p) * (np.diag(sigma).max() * 1e-8)
        change = max(float(np.abs(mu - previous_mu).max()),
                     float(np.abs(sigma - previous_sigma).max()))
        if change < tol:
            break
    return mu, sigma


__all__ = ["GroupMoments", "PatternMoments", "complete_moments", "independence_loglik",
           "loglik_constant", "missing_moments", "pairwise_moments", "pattern_sum",
           "stacked_moments", "summary_moments"]
