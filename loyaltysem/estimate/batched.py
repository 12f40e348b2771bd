"""The ML discrepancy of one model for many samples at once, and BFGS on all of them.

A bootstrap refits the same model to a thousand sample covariance matrices.
Done one at a time, each optimiser iteration is a dozen numpy calls on 10 × 10
matrices, and their call overhead (not arithmetic) sets the time. Here the
matrices of all resamples are stacked — ``(B, p, p)`` — so one numpy call
serves every resample, and the optimiser (:func:`batched_bfgs`) advances all of
them together, each with its own step length, BFGS metric and stopping rule.

The gradient uses closed-form matrix derivatives of
``F = tr(S Sigma^-1) + log|Sigma| - log|S| - p`` for
``Sigma = M Psi M' + Theta`` with ``M = Lambda C``, ``C = (I - B)^-1`` and
``A = Sigma^-1 - Sigma^-1 S Sigma^-1`` (Magnus & Neudecker 1999, ch. 8;
Jöreskog 1973): ``dF/dTheta = A``, ``dF/dPsi = M' A M``,
``dF/dLambda = 2 A M Psi C'`` and ``dF/dB = 2 M' A M Psi C'``, summed over the
matrix entries each free parameter occupies — the same gradient as
:meth:`SemopyModel.gradient` (a test checks it), without forming dSigma.

Each resample's trajectory depends only on its own sample: the stacked linear
algebra is done matrix by matrix (LAPACK/BLAS per stack element) and a
resample leaves the stack when it converges.

References
----------
Magnus, J. R., & Neudecker, H. (1999). Matrix differential calculus with
applications in statistics and econometrics (rev. ed.). Wiley.
Jöreskog, K. G. (1973). A general method for estimating a linear structural
equation system. In A. S. Goldberger & O. D. Duncan (Eds.), Structural
equation models in the social sciences (pp. 85-112). Seminar Press.
Nocedal, J., & Wright, S. J. (2006). Numerical optimization (2nd ed.),
eq. 6.17. Springer.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .semopy_engine import SemopyModel

_BETA, _LAMBDA, _PSI, _THETA = range(4)


def sample_covariances(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Covariance matrices (divisor N, lavaan's ML convention) of row subsets.

    Parameters
    ----------
    values : ndarray, shape (n, p)
        The data.
    rows : ndarray of int, shape (B, m)
        Row numbers of each of B samples of size m (repeats allowed).

    Returns
    -------
    ndarray, shape (B, p, p)
    """
    sample = values[rows]
    centred = sample - sample.mean(axis=1, keepdims=True)
    return np.matmul(centred.transpose(0, 2, 1), centred) / rows.shape[1]


def _cholesky(sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cholesky factors of a stack and a mask of the positive-definite ones."""
    try:
        chol = np.linalg.cholesky(sigma)
        ok = np.ones(len(sigma), dtype=bool)
    except np.linalg.LinAlgError:  # some are not positive definite: find which
        chol = np.full_like(sigma, np.nan)
        ok = np.zeros(len(sigma), dtype=bool)
        for b, matrix in enumerate(sigma):
            try:
                chol[b] = np.linalg.cholesky(matrix)
                ok[b] = True
            except np.linalg.LinAlgError:
                pass
    ok &= np.isfinite(chol).all(axis=(1, 2))
    return chol, ok


class BatchedML:
    """Implied covariances, ML discrepancy and gradient for stacks of parameter vectors.

    Parameters
    ----------
    model : SemopyModel
        The model whose layout is used; it is not modified.

    Notes
    -----
    Every method takes ``theta`` of shape ``(B, q)`` and, where the sample
    matters, ``sample_cov`` of shape ``(B, p, p)`` (row ``b`` belongs to
    sample ``b``): fixed.x covariate blocks are fixed at each sample's values,
    as lavaan does when it refits a resample.
    """

    def __init__(self, model: SemopyModel):
        base, fill = model.layout
        self.n_free = model.n_free
        self._base = base
        self._fill = fill
        self._fixed_x = model.fixed_x_index
        self._has_beta = bool(fill[_BETA][2].size or np.any(base[_BETA]))
        self._gather = []  # (matrix, rows, cols, P) with g = G[:, rows, cols] @ P
        for number, (rows, cols, k) in enumerate(fill):
            if k.size:
                weights = np.zeros((k.size, self.n_free))
                weights[np.arange(k.size), k] = 1.0
                self._gather.append((number, rows, cols, weights))

    def matrices(self, theta: np.ndarray, sample_cov: np.ndarray | None = None) -> list[np.ndarray]:
        """Beta, Lambda, Psi, Theta of every row of ``theta``, each ``(B, r, c)``."""
        n = theta.shape[0]
        mats = [np.repeat(m[None], n, axis=0) for m in self._base]
        for number, (rows, cols, k) in enumerate(self._fill):
            if k.size:
                mats[number][:, rows, cols] = theta[:, k]
        i, j, a, b = self._fixed_x
        if sample_cov is not None and i.size:
            mats[_PSI][:, i, j] = sample_cov[:, a, b]
            mats[_PSI][:, j, i] = sample_cov[:, a, b]
        return mats

    def _structure(self, theta, sample_cov):
        beta, lam, psi, th = self.matrices(theta, sample_cov)
        if self._has_beta:
            identity = np.eye(beta.shape[1])
            c = np.linalg.inv(identity - beta)
            m = np.matmul(lam, c)
        else:
            c, m = None, lam
        sigma = np.matmul(np.matmul(m, psi), m.transpose(0, 2, 1)) + th
        return c, m, psi, sigma

    def implied(self, theta: np.ndarray, sample_cov: np.ndarray | None = None) -> np.ndarray:
        """Model-implied covariance matrices, ``(B, p, p)``."""
        return self._structure(theta, sample_cov)[3]

    def inner_covariance(self, theta: np.ndarray,
                         sample_cov: np.ndarray | None = None) -> np.ndarray:
        """Implied covariances of semopy's inner variables (latent first), ``(B, m, m)``."""
        beta, _, psi, _ = self.matrices(theta, sample_cov)
        if not self._has_beta:
            return psi
        c = np.linalg.inv(np.eye(beta.shape[1]) - beta)
        return np.matmul(np.matmul(c, psi), c.transpose(0, 2, 1))

    def evaluate(self, theta: np.ndarray, sample_cov: np.ndarray, logdet_s: np.ndarray,
                 gradient: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """ML discrepancy and (optionally) its gradient for every row.

        Parameters
        ----------
        theta : ndarray, shape (B, q)
        sample_cov : ndarray, shape (B, p, p)
        logdet_s : ndarray, shape (B,)
            ``log|S|`` of each sample.
        gradient : bool

        Returns
        -------
        f : ndarray, shape (B,)
            ``inf`` where the implied covariance is not positive definite.
        g : ndarray, shape (B, q), or None
            ``nan`` rows where ``f`` is not finite.
        """
        c, m, psi, sigma = self._structure(theta, sample_cov)
        chol, ok = _cholesky(sigma)
        n, p = sigma.shape[0], sigma.shape[1]
        f = np.full(n, np.inf)
        g = np.full((n, self.n_free), np.nan)
        if not ok.any():
            return f, (g if gradient else None)
        if not ok.all():
            c = None if c is None else c[ok]
            m, psi, chol = m[ok], psi[ok], chol[ok]
            sample_cov, logdet_s = sample_cov[ok], logdet_s[ok]
        inv_chol = np.linalg.inv(chol)
        sigma_inv = np.matmul(inv_chol.transpose(0, 2, 1), inv_chol)
        logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        f[ok] = (sample_cov * sigma_inv).sum(axis=(1, 2)) + logdet - logdet_s - p
        if gradient:
            a = sigma_inv - np.matmul(np.matmul(sigma_inv, sample_cov), sigma_inv)
            am = np.matmul(a, m)
            k = psi if c is None else np.matmul(psi, c.transpose(0, 2, 1))
            amk = np.matmul(am, k)
            mt = m.transpose(0, 2, 1)
            derivative = {_THETA: a, _PSI: np.matmul(mt, am), _LAMBDA: 2.0 * amk}
            if self._has_beta:
                derivative[_BETA] = 2.0 * np.matmul(mt, amk)
            total = np.zeros((int(ok.sum()), self.n_free))
            for number, rows, cols, weights in self._gather:
                total += derivative[number][:, rows, cols] @ weights
            g[ok] = total
        return f, (g if gradient else None)


@dataclass(frozen=True)
class BatchOptimizationResult:
    """Outcome of :func:`batched_bfgs`, one entry per sample."""

    x: np.ndarray
    fun: np.ndarray
    gradient: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray


def batched_bfgs(
    evaluate: Callable[[np.ndarray, np.ndarray, bool], tuple[np.ndarray, Any]],
    x0: np.ndarray,
    inverse_hessian: np.ndarray,
    *,
    ftol: float = 1e-10,
    dx_tol: float = 2e-3,
    max_iter: int = 60,
) -> BatchOptimizationResult:
    """BFGS from a common metric on many problems at once.

    The batched counterpart of :func:`loyaltysem.estimate.optimizer.scoring_bfgs`:
    problem ``b`` starts at ``x0[b]`` with inverse Hessian ``inverse_hessian``
    (the inverse expected Hessian at the warm start: the first step is a
    Fisher-scoring step), takes Armijo-backtracked steps and BFGS updates of
    its own, and stops on lavaan's rule (relative change of ``F`` below
    ``ftol`` and ``max |grad| < dx_tol``). A problem whose direction is not a
    descent direction, whose line search fails or that reaches ``max_iter`` is
    returned as not converged (for a fallback optimiser).

    Parameters
    ----------
    evaluate : callable
        ``(index, x, gradient) -> (f, g)`` for the problems ``index`` at the
        points ``x`` (rows); ``g`` is None when ``gradient`` is False.
    x0 : ndarray, shape (B, q)
    inverse_hessian : ndarray, shape (q, q)
    ftol, dx_tol : float
    max_iter : int

    Returns
    -------
    BatchOptimizationResult
    """
    x = np.array(x0, dtype=float)
    n, q = x.shape
    everyone = np.arange(n)
    f, g = evaluate(everyone, x, True)
    h = np.repeat(np.asarray(inverse_hessian, dtype=float)[None], n, axis=0)
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n, dtype=int)
    active = everyone[np.isfinite(f) & np.isfinite(g).all(axis=1)]
    for iteration in range(1, max_iter + 1):
        if not active.size:
            break
        iterations[active] = iteration
        xa, fa, ga, ha = x[active], f[active], g[active], h[active]
        step = -np.matmul(ha, ga[:, :, None])[:, :, 0]
        slope = (ga * step).sum(axis=1)
        failed = ~(slope < 0)
        alpha = np.ones(active.size)
        candidate = xa + step
        f_new, g_new = evaluate(active, candidate, True)
        accepted = np.isfinite(f_new) & (f_new <= fa + 1e-4 * slope)
        pending = np.flatnonzero(~accepted & ~failed)
        while pending.size:
            alpha[pending] *= 0.5
            small = alpha[pending] < 1e-6
            failed[pending[small]] = True
            pending = pending[~small]
            if not pending.size:
                break
            candidate[pending] = xa[pending] + alpha[pending, None] * step[pending]
            f_new[pending] = evaluate(active[pending], candidate[pending], False)[0]
            fp = f_new[pending]
            good = np.isfinite(fp) & (fp <= fa[pending] + 1e-4 * alpha[pending] * slope[pending])
            pending = pending[~good]
        backtracked = np.flatnonzero((alpha < 1.0) & ~failed)
        if backtracked.size:
            g_new[backtracked] = evaluate(active[backtracked], candidate[backtracked], True)[1]
        moved = ~failed
        s = candidate - xa
        y = g_new - ga
        sy = (s * y).sum(axis=1)
        update = moved & (sy > 1e-16)
        if update.any():
            su, yu, hu, syu = s[update], y[update], ha[update], sy[update]
            hy = np.matmul(hu, yu[:, :, None])[:, :, 0]
            yhy = (yu * hy).sum(axis=1)
            ss = su[:, :, None] * su[:, None, :]
            cross = hy[:, :, None] * su[:, None, :]
            ha[update] = (hu + ((syu + yhy) / syu**2)[:, None, None] * ss
                          - (cross + cross.transpose(0, 2, 1)) / syu[:, None, None])
        index = active[moved]
        x[index], f[index], g[index], h[index] = candidate[moved], f_new[moved], g_new[moved], \
            ha[moved]
        change = fa - f_new
        done = moved & (change < ftol * (1.0 + f_new)) & (np.abs(g_new).max(axis=1) < dx_tol)
        converged[active[done]] = True
        active = active[moved & ~done]
    return BatchOptimizationResult(x, f, g, converged, iterations)
