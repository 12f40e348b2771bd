"""The multi-group ML discrepancy with a mean structure, its gradient and information.

For groups g = 1..G with N_g cases, sample means m_g and covariances S_g
(divisor N_g), and model moments ``mu_g = nu_g + Lambda C alpha_g``,
``Sigma_g = Lambda C Psi C' Lambda' + Theta`` (``C = (I - B)^-1``),

    F = sum_g (N_g / N) [ F_ML(S_g, Sigma_g) + (m_g - mu_g)' Sigma_g^-1 (m_g - mu_g) ],

with ``chisq = N F`` (lavaan: ``2 N fmin``). The covariance part and its
derivatives come from each group's :class:`SemopyModel`; the gradient of
the mean part with respect to the covariance parameters at fixed ``mu`` is
the covariance gradient evaluated at ``S_g + d d'`` (``d = m_g - mu_g``),
and through ``mu`` it is ``-2 (dmu/dtheta)' Sigma^-1 d`` with
``dmu/dnu = I``, ``dmu/dalpha = Lambda C``, ``dmu/dLambda_ij = e_i (C alpha)_j``
and ``dmu/dB_ij = (Lambda C)_{.i} (C alpha)_j``. The expected information
per case is ``sum_g (N_g/N) [I_cov,g + Delta_mu' Sigma^-1 Delta_mu]``
(the expected Hessian of F is twice that).

References
----------
Sörbom, D. (1974). A general method for studying differences in factor means
and factor structure between groups. British Journal of Mathematical and
Statistical Psychology, 27(2), 229-239.
Bollen, K. A. (1989). Structural equations with latent variables, ch. 8.
Wiley.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..estimate.fiml import Pattern
from ..estimate.optimizer import observed_information_from_gradient
from ..estimate.semopy_engine import SemopyModel
from .layout import GroupLayout


class MultiGroupEngine:
    """F, gradient and expected information over the global parameter vector.

    Parameters
    ----------
    models : sequence of SemopyModel
        One per group, same structure (built from the same parameter table).
    means : sequence of ndarray
        Sample means of each group, in the models' observed order.
    layout : GroupLayout
    """

    def __init__(self, models: Sequence[SemopyModel], means: Sequence[np.ndarray],
                 layout: GroupLayout, data: Sequence[np.ndarray] | None = None,
                 patterns: Sequence[list[Pattern] | None] | None = None,
                 covariates: Sequence[str] = ()):
        self.models = list(models)
        self.data = None if data is None else [np.asarray(d, dtype=float) for d in data]
        # missing data (full-information ML): each group's cases by missing-data pattern;
        # None for a group without missing values
        self.patterns = list(patterns) if patterns is not None else [None] * len(self.models)
        self.means = [np.asarray(m, dtype=float) for m in means]
        self.layout = layout
        self.n_obs = np.array([m.n_obs for m in self.models], dtype=float)
        self.weights = self.n_obs / self.n_obs.sum()
        self.q = self.models[0].n_free
        self.p = len(layout.observed)
        self.m = len(layout.latent)
        base, fill = self.models[0].layout
        self._lambda_fill = fill[1]
        self._beta_fill = fill[0]
        self._has_beta = bool(fill[0][2].size or np.any(base[0]))
        inner = self.models[0].latent_inner
        self._latent_in_inner = np.array([inner.index(v) for v in layout.latent], dtype=int)
        # fixed.x covariates are inner variables of semopy's layout: their means enter
        # mu = nu + Lambda C alpha as fixed alphas (each group's sample means)
        self.covariates = list(covariates)
        self._covariates_in_inner = np.array([inner.index(v) for v in self.covariates], dtype=int)
        observed = list(layout.observed)
        self._covariate_means = [m[[observed.index(v) for v in self.covariates]]
                                 for m in self.means]
        self._n_inner = len(inner)

    # -------------------------------------------------------------- local
    def local(self, theta: np.ndarray, g: int) -> np.ndarray:
        """Group g's parameters (covariance structure, intercepts, latent means)."""
        index = self.layout.index[g]
        return np.where(index >= 0, theta[np.maximum(index, 0)], self.layout.fixed_value[g])

    def _parts(self, local: np.ndarray, g: int):
        model = self.models[g]
        cov_theta = local[:self.q]
        nu = local[self.q:self.q + self.p]
        alpha = np.zeros(self._n_inner)
        alpha[self._latent_in_inner] = local[self.q + self.p:]
        if self.covariates:
            alpha[self._covariates_in_inner] = self._covariate_means[g]
        beta, lam, _, _ = model.matrices(cov_theta)
        c = np.linalg.inv(np.eye(beta.shape[0]) - beta)
        m_mat = lam @ c
        c_alpha = c @ alpha
        mu = nu + lam @ c_alpha
        return cov_theta, mu, m_mat, c_alpha

    def implied_means(self, theta: np.ndarray) -> list[np.ndarray]:
        """Model-implied means of every group."""
        return [self._parts(self.local(theta, g), g)[1] for g in range(len(self.models))]

    # ---------------------------------------------------------- objective
    def group_discrepancies(self, theta: np.ndarray) -> np.ndarray:
        """``F_g`` (covariance and mean parts) of every group; inf if not positive definite.

        For a group with missing data: ``(1/N_g) sum_k n_k [log|Sigma_k| +
        tr(Sigma_k^-1 S_k) + d_k' Sigma_k^-1 d_k]`` over its missing-data patterns
        (full-information ML; it differs from -2 logL / N_g by a constant)."""
        out = np.empty(len(self.models))
        for g, model in enumerate(self.models):
            cov_theta, mu, _, _ = self._parts(self.local(theta, g), g)
            if self.patterns[g] is not None:
                out[g] = self._fiml_discrepancy(g, cov_theta, mu)
                continue
            f_cov = model.discrepancy(cov_theta)
            if not np.isfinite(f_cov):
                out[g] = np.inf
                continue
            d = self.means[g] - mu
            out[g] = f_cov + float(d @ np.linalg.solve(model.implied(cov_theta), d))
        return out

    def _fiml_discrepancy(self, g: int, cov_theta: np.ndarray, mu: np.ndarray) -> float:
        try:
            sigma = self.models[g].implied(cov_theta)
        except np.linalg.LinAlgError:
            return np.inf
        total = 0.0
        for pattern in self.patterns[g] or ():
            o = pattern.observed
            sign, logdet = np.linalg.slogdet(sigma[np.ix_(o, o)])
            if sign <= 0:
                return np.inf
            w = np.linalg.inv(sigma[np.ix_(o, o)])
            d = pattern.mean - mu[o]
            total += pattern.n * (logdet + float(np.sum(w * pattern.cov)) + float(d @ w @ d))
        return total / self.n_obs[g]

    def _fiml_terms(self, g: int, cov_theta: np.ndarray, mu: np.ndarray):
        """Covariance gradient and information, ``sum P' W d`` and ``sum P' W P`` (per case)."""
        sigma, d_sigma = self.models[g].implied_and_jacobian(cov_theta)
        q, p = self.q, self.p
        g_cov = np.zeros(q)
        i_cov = np.zeros((q, q))
        u_full = np.zeros(p)
        w_full = np.zeros((p, p))
        for pattern in self.patterns[g] or ():
            o = pattern.observed
            w = np.linalg.inv(sigma[np.ix_(o, o)])
            d = pattern.mean - mu[o]
            a = w - w @ (pattern.cov + np.outer(d, d)) @ w
            block = d_sigma[:, o][:, :, o]
            flat = block.reshape(q, -1)
            g_cov += pattern.n * (flat @ a.ravel())
            i_cov += 0.5 * pattern.n * ((w @ block @ w).reshape(q, -1) @ flat.T)
            u_full[o] += pattern.n * (w @ d)
            w_full[np.ix_(o, o)] += pattern.n * w
        n_g = self.n_obs[g]
        return g_cov / n_g, i_cov / n_g, u_full / n_g, w_full / n_g

    def discrepancy(self, theta: np.ndarray) -> float:
        """``F = sum_g (N_g/N) F_g``."""
        return float(self.weights @ self.group_discrepancies(theta))

    def _mean_jacobian(self, local: np.ndarray, g: int, m_mat, c_alpha) -> np.ndarray:
        """``d mu / d local`` (p x (q + p + m))."""
        q, p = self.q, self.p
        jac = np.zeros((p, q + p + self.m))
        rows, cols, ks = self._lambda_fill
        for i, j, k in zip(rows, cols, ks):
            jac[i, k] += c_alpha[j]
        if self._has_beta:
            rows, cols, ks = self._beta_fill
            for i, j, k in zip(rows, cols, ks):
                jac[:, k] += m_mat[:, i] * c_alpha[j]
        jac[:, q:q + p] = np.eye(p)
        jac[:, q + p:] = m_mat[:, self._latent_in_inner]
        return jac

    def gradient_and_information(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of F and the expected information per case (expected Hessian = 2 I)."""
        n = self.layout.n_free
        gradient = np.zeros(n)
        information = np.zeros((n, n))
        for g, model in enumerate(self.models):
            local = self.local(theta, g)
            cov_theta, mu, m_mat, c_alpha = self._parts(local, g)
            jac = self._mean_jacobian(local, g, m_mat, c_alpha)
            if self.patterns[g] is not None:
                g_cov, i_cov, u, w_full = self._fiml_terms(g, cov_theta, mu)
                g_local = -2.0 * jac.T @ u
                i_local = jac.T @ w_full @ jac
            else:
                d = self.means[g] - mu
                sigma = model.implied(cov_theta)
                u = np.linalg.solve(sigma, d)
                g_cov, i_cov = model.gradient_and_information(cov_theta,
                                                              model.sample_cov + np.outer(d, d))
                g_local = -2.0 * jac.T @ u
                i_local = jac.T @ np.linalg.solve(sigma, jac)
            g_local[:self.q] += g_cov
            i_local[:self.q, :self.q] += i_cov
            index = self.layout.index[g]
            free = index >= 0
            target = index[free]
            np.add.at(gradient, target, self.weights[g] * g_local[free])
            np.add.at(information, (target[:, None], target[None, :]),
                      self.weights[g] * i_local[np.ix_(free, free)])
        return gradient, information

    # ------------------------------------------------------ robust (MLR)
    def casewise_scores(self, theta: np.ndarray) -> np.ndarray:
        """Scores of every case's normal log-likelihood w.r.t. the global parameters, (N, n).

        For case i of group g with ``d = x_i - mu_g`` and ``u = Sigma_g^-1 d``:
        ``dl/dtheta_local = dmu' u + 1/2 (u' dSigma_k u - tr(Sigma^-1 dSigma_k))``.
        """
        if self.data is None:
            raise ValueError("the engine was built without the data (casewise scores need it)")
        n_free = self.layout.n_free
        blocks = []
        for g, model in enumerate(self.models):
            local = self.local(theta, g)
            cov_theta, mu, m_mat, c_alpha = self._parts(local, g)
            sigma, d_sigma = model.implied_and_jacobian(cov_theta)
            jac = self._mean_jacobian(local, g, m_mat, c_alpha)
            group_patterns = self.patterns[g]
            cases = ([(np.arange(self.p), self.data[g])] if group_patterns is None
                     else [(pattern.observed, pattern.rows) for pattern in group_patterns])
            parts = []
            for o, rows in cases:  # full-information: each pattern on its own variables
                w = np.linalg.inv(sigma[np.ix_(o, o)])
                u = (rows - mu[o]) @ w
                block = d_sigma[:, o][:, :, o]
                part = np.zeros((u.shape[0], local.size))
                part[:, :self.q] = 0.5 * np.einsum("ni,kij,nj->nk", u, block, u) \
                    - 0.5 * np.einsum("ij,kji->k", w, block)
                part += u @ jac[o]
                parts.append(part)
            scores = np.concatenate(parts)
            index = self.layout.index[g]
            free = index >= 0
            block = np.zeros((scores.shape[0], n_free))
            np.add.at(block.T, index[free], scores[:, free].T)
            blocks.append(block)
        return np.concatenate(blocks)

    def observed_information(self, theta: np.ndarray) -> np.ndarray:
        """Observed unit information: the Hessian of ``F / 2`` by central differences of
        the analytic gradient (lavaan's ``observed.information = "hessian"``)."""
        return observed_information_from_gradient(
            lambda x: self.gradient_and_information(x)[0], theta)
