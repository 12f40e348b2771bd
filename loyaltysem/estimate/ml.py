"""The normal-theory ML family: discrepancy, gradient, informations and casewise scores.

One implementation for every ML fit — one or many groups, complete or
missing data (full-information ML), one sample or a stack of them:

    F(theta) = sum_g (N_g / N) F_g(theta)

with ``F_g`` the discrepancy of :mod:`.moments` (``chisq = N F``; lavaan's
``fmin`` is ``F / 2``).

**Gradient.** ``F_g`` depends on theta only through each group's ``Sigma``
and ``mu``. Per group, ``G = dF/dSigma`` and ``g_mu = dF/dmu`` are sums over
the missing-data patterns of ``W_k - W_k (S_k + d_k d_k') W_k`` and
``-2 W_k d_k`` (``W_k = Sigma_k^-1``, ``d_k = m_k - mu_k``, embedded in the
pattern's rows and columns), and the chain rule through
``Sigma = M Psi M' + Theta``, ``mu = nu + M alpha``, ``M = Lambda C``,
``C = (I - B)^-1`` gives in closed form (Magnus & Neudecker 1999, ch. 8)

    dF/dTheta = G,  dF/dPsi = M' G M,  X = dF/dM = 2 G M Psi + g_mu alpha',
    dF/dLambda = X C',  dF/dB = M' X C',  dF/dnu = g_mu,  dF/dalpha = M' g_mu,

gathered over the entries each parameter fills — no ``dSigma/dtheta``
needed, and every step is one numpy call for the whole stack.

**Information.** The expected (Fisher) information per case,
``sum_g (N_g/N) sum_k (n_k/N_g) [1/2 tr(W_k dSigma_a W_k dSigma_b)
+ dmu_a' W_k dmu_b]`` (the expected Hessian of ``F`` is twice it). Every
entry a parameter fills adds rank-one terms to ``dSigma/dtheta``
(``dSigma/dTheta_ij = e_i e_j'``, ``dSigma/dPsi_ab = M_a M_b'``,
``dSigma/dLambda_ij = e_i D_j' + D_j e_i'`` and ``dSigma/dB_ij = M_i D_j' + D_j M_i'``
with ``D = C Psi M'``), so ``dSigma_k = sum_c a_c b_c'`` over its cells and

    tr(W dSigma_k W dSigma_l) = sum_{c in k, d in l} (b_c' W a_d)(b_d' W a_c),

one (cells x cells) product per pattern instead of ``n`` dense ``p x p`` ones;
the gradient for scoring is ``tr(G dSigma_k) = sum_c a_c' G b_c`` from the
same cells.

**Observed information** (lavaan's ``observed.information = "hessian"``, the
Hessian of ``F / 2``) in closed form: the same cells weighted by each pattern's
residual (``W C_k W`` in place of ``W``, and the mean residual ``W d_k``), plus
the curvature of ``Sigma`` and ``mu`` in the model matrices (products of
``Lambda``, ``B``, ``Psi``, ``alpha`` entries only) contracted with ``dF/dSigma``
and ``dF/dmu`` (:meth:`MLFunctions.observed_informations`; Neudecker & Satorra
1991). It replaced central differences of the gradient (``2n`` gradients:
:func:`differenced_information`, kept as the tests' independent check).

**Casewise scores** (for sandwich estimators): case i of pattern k, with
``u = W_k (x_i - mu_k)``, has ``dl_i/dtheta = 1/2 [u' dSigma u - tr(W_k dSigma)]
+ u' dmu``.

References
----------
Magnus, J. R., & Neudecker, H. (1999). Matrix differential calculus with
applications in statistics and econometrics (rev. ed.). Wiley.
Jöreskog, K. G. (1973). A general method for estimating a linear structural
equation system. In Goldberger & Duncan (Eds.), Structural equation models in
the social sciences (pp. 85-112). Seminar Press.
Lee, S.-Y., & Jennrich, R. I. (1979). A study of algorithms for covariance
structure analysis with specific comparisons using factor analysis.
Psychometrika, 44(1), 99-113.
Neudecker, H., & Satorra, A. (1991). Linear structural relations: Gradient and
Hessian of the fitting function. Statistics & Probability Letters, 11(1), 57-61.
Arbuckle, J. L. (1996). Full information estimation in the presence of
incomplete data. In Marcoulides & Schumacker (Eds.), Advanced structural
equation modeling (pp. 243-277). Erlbaum.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .layout import ALPHA, NU, ParameterLayout
from .moments import GroupMoments
from .structure import BETA, LAMBDA, PSI, THETA


@dataclass(frozen=True, eq=False)
class Implied:
    """A group's model matrices and moments for a stack of parameter vectors."""

    c: np.ndarray | None  # (I - B)^-1, None without regressions among inner variables
    m: np.ndarray  # Lambda C
    psi: np.ndarray
    alpha: np.ndarray
    sigma: np.ndarray
    mu: np.ndarray
    #: per missing-data pattern k: (W_k = Sigma_k^-1, log|Sigma_k|, positive definite),
    #: filled by :meth:`MLFunctions.pattern_inverse` when first asked for
    inverses: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False)


def _cholesky(sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cholesky factors of a stack and a mask of the positive-definite ones (others: I).

    When some members are not positive definite, a vectorized factorization finds
    them (:func:`_positive_pivots`) and LAPACK factors the others in one call (a
    member's factor never depends on the other members of its stack)."""
    try:  # the common case: every member positive definite
        chol = np.linalg.cholesky(sigma)
        # a NaN anywhere in a member reaches the diagonal of its factor
        finite = np.isfinite(np.diagonal(chol, axis1=1, axis2=2)).all(axis=1)
        if finite.all():
            return chol, finite
    except np.linalg.LinAlgError:
        pass
    chol = np.repeat(np.eye(sigma.shape[-1])[None], len(sigma), axis=0)
    ok = np.zeros(len(sigma), dtype=bool)
    todo = [np.arange(len(sigma))]
    screened = False
    while todo:
        members = todo.pop()
        try:
            chol[members] = np.linalg.cholesky(sigma[members])
            ok[members] = True
        except np.linalg.LinAlgError:
            if not screened and members.size > 1:
                screened = True
                todo.append(members[_positive_pivots(sigma[members])])
            elif members.size > 1:  # rounding at the border: isolate by halves
                half = members.size // 2
                todo += [members[half:], members[:half]]
    bad = ~np.isfinite(chol).all(axis=(1, 2))
    if bad.any():
        chol[bad] = np.eye(sigma.shape[-1])
        ok &= ~bad
    return chol, ok


def _gather_matrix(k: np.ndarray, n_free: int) -> np.ndarray:
    """``G[c, k_c] = 1`` (cells, n)."""
    gather = np.zeros((k.size, n_free))
    gather[np.arange(k.size), k] = 1.0
    return gather


@functools.lru_cache(maxsize=32)
def _identity(p: int) -> np.ndarray:
    """A read-only ``p x p`` identity (shared: built once per size)."""
    eye = np.eye(p)
    eye.flags.writeable = False
    return eye


def pattern_inverse(implied: Implied, k: int, observed: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W_k, log|Sigma_k|, positive definite)`` of missing-data pattern ``k`` (its
    ``observed`` variables) for every member of ``implied``, from the Cholesky factors
    (identity where not positive definite: :func:`_cholesky`); kept in ``implied`` so
    that the discrepancy and then the gradient at the same ``theta`` factor once."""
    cached = implied.inverses.get(k)
    if cached is not None:
        return cached
    sigma = implied.sigma
    block = sigma if observed.size == sigma.shape[-1] else \
        sigma[:, observed[:, None], observed[None, :]]
    chol, good = _cholesky(block)
    inv_chol = np.linalg.inv(chol)
    w = np.matmul(inv_chol.transpose(0, 2, 1), inv_chol)
    logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    implied.inverses[k] = (w, logdet, good)
    return implied.inverses[k]


def _positive_pivots(sigma: np.ndarray) -> np.ndarray:
    """Whether every pivot of the Cholesky factorization of each member is positive
    (column by column for the whole stack)."""
    size, p = sigma.shape[0], sigma.shape[-1]
    factor = np.zeros_like(sigma)
    ok = np.ones(size, dtype=bool)
    for j in range(p):
        row = factor[:, j, :j]
        pivot = sigma[:, j, j] - (row * row).sum(axis=1)
        ok &= pivot > 0
        root = np.sqrt(np.where(pivot > 0, pivot, 1.0))
        factor[:, j, j] = root
        below = sigma[:, j + 1:, j] - np.matmul(factor[:, j + 1:, :j], row[:, :, None])[:, :, 0]
        factor[:, j + 1:, j] = below / root[:, None]
    return ok & np.isfinite(factor).all(axis=(1, 2))


def _take(array: np.ndarray, index: np.ndarray | None) -> np.ndarray:
    """Rows ``index`` of a stacked data array (a single sample is shared by all)."""
    if index is None or array.shape[0] == 1:
        return array
    return array[index]


def _sum_by(k: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """``out[j] = sum of values[c] over c with k[c] == j`` (rows of ``out``: ``n``)."""
    out = np.zeros((n,) + values.shape[1:])
    if not k.size:
        return out
    order = np.argsort(k, kind="stable")
    sorted_k = k[order]
    starts = np.flatnonzero(np.r_[True, sorted_k[1:] != sorted_k[:-1]])
    out[sorted_k[starts]] = np.add.reduceat(values[order], starts, axis=0)
    return out


def _unit_cells(vectors: np.ndarray) -> np.ndarray:
    """For cell vectors (S, cells, p): ``i`` where every member's vector is ``e_i``, else -1
    (the cells of Theta, and one side of Lambda's)."""
    if not vectors.shape[1]:
        return np.zeros(0, dtype=int)
    index = np.argmax(vectors[0] != 0, axis=1)
    unit = np.zeros_like(vectors)
    unit[:, np.arange(vectors.shape[1]), index] = 1.0
    return np.where((vectors == unit).all(axis=(0, 2)), index, -1)


def _bilinear(left: np.ndarray, left_unit: np.ndarray, middle: np.ndarray,
              right: np.ndarray, right_unit: np.ndarray, position: np.ndarray) -> np.ndarray:
    """``left_c' middle right_d`` for every pair of cells (S, cells, cells).

    ``left``, ``right`` (S, cells, o) are the cell vectors on a pattern's variables,
    ``middle`` (S, o, o); unit cells (``*_unit`` >= 0, :func:`_unit_cells`) are gathers
    instead of products (``position``: each variable's place in the pattern, -1 if not
    observed, where the cell vanishes)."""
    size = left.shape[0]
    product = np.zeros((size, middle.shape[1], right.shape[1]))  # middle right'
    general = right_unit < 0
    if general.any():
        product[:, :, general] = np.matmul(middle, right[:, general].transpose(0, 2, 1))
    unit = np.flatnonzero(~general)
    at = position[right_unit[unit]]
    product[:, :, unit[at >= 0]] = middle[:, :, at[at >= 0]]
    out = np.zeros((size, left.shape[1], right.shape[1]))
    general = left_unit < 0
    if general.any():
        out[:, general] = np.matmul(left[:, general], product)
    unit = np.flatnonzero(~general)
    at = position[left_unit[unit]]
    out[:, unit[at >= 0]] = product[:, at[at >= 0]]
    return out


@dataclass(frozen=True, eq=False)
class Cells:
    """``dSigma/dtheta_k = sum_{c: k_c = k} a_c b_c'`` (module notes) for a stack of
    parameter vectors: ``a``, ``b`` hold every sample's cells, ``k`` is shared."""

    a: np.ndarray  # (S, cells, p)
    b: np.ndarray  # (S, cells, p)
    k: np.ndarray  # (cells,) the parameter of each cell
    n_free: int
    #: ``G[c, k_c] = 1`` (cells, n): sums over a parameter's cells are products with it
    #: (built from ``k`` unless given: the cells of a layout's group share it)
    _gather: np.ndarray = field(default=None, repr=False)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self._gather is None:
            object.__setattr__(self, "_gather", _gather_matrix(self.k, self.n_free))

    def dense(self) -> np.ndarray:
        """``dSigma/dtheta`` (S, n, p, p)."""
        outer = self.a[:, :, :, None] * self.b[:, :, None, :]
        return _sum_by(self.k, outer.transpose(1, 0, 2, 3), self.n_free).transpose(1, 0, 2, 3)

    def contract(self, d_f: np.ndarray) -> np.ndarray:
        """``tr(D dSigma_k)`` of every parameter (S, n), ``D`` symmetric (S, p, p)."""
        per_cell = (np.matmul(self.a, d_f) * self.b).sum(axis=2)  # (S, cells)
        return per_cell @ self._gather

    def trace_product(self, w: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """``tr(W dSigma_k W dSigma_l)`` (S, n, n) on the rows and columns ``observed``:
        ``sum_{c in k, d in l} P_cd P_dc`` with ``P_cd = b_c' W a_d``, ``W`` (S, o, o)."""
        a, b = self.a[:, :, observed], self.b[:, :, observed]
        product = np.matmul(np.matmul(b, w), a.transpose(0, 2, 1))
        return self.sum_pairs(product * product.transpose(0, 2, 1))

    def quadratic(self, u: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """``u_i' dSigma_k u_i`` on the rows and columns ``observed`` for vectors ``u``
        (S, N, o): ``sum_{c in k} (u_i' a_c)(u_i' b_c)`` (S, N, n)."""
        a, b = self.a[:, :, observed], self.b[:, :, observed]
        per_cell = np.matmul(u, a.transpose(0, 2, 1)) * np.matmul(u, b.transpose(0, 2, 1))
        return self.sum_columns(per_cell)

    def sum_pairs(self, values: np.ndarray) -> np.ndarray:
        """``out[s, k, l] = sum_{c in k, d in l} values[s, c, d]``: ``G' V G``."""
        return np.matmul(np.matmul(self._gather.T, values), self._gather)

    def sum_columns(self, values: np.ndarray) -> np.ndarray:
        """``out[s, i, k] = sum_{c in k} values[s, i, c]`` (S, r, n)."""
        return values @ self._gather

    def without_block(self, index: np.ndarray) -> Cells:
        """The cells with the block ``index`` x ``index`` of every ``dSigma_k`` removed:
        ``a b' - (P a)(P b)'``, ``P`` the projection on ``index``."""
        a_x, b_x = np.zeros_like(self.a), np.zeros_like(self.b)
        a_x[:, :, index], b_x[:, :, index] = self.a[:, :, index], self.b[:, :, index]
        return Cells(np.concatenate([self.a, -a_x], axis=1),
                     np.concatenate([self.b, b_x], axis=1),
                     np.concatenate([self.k, self.k]), self.n_free)


class MLFunctions:
    """``F``, its gradient, the informations and the scores of a layout on data.

    Parameters
    ----------
    layout : ParameterLayout
    groups : sequence of GroupMoments
        One per group of the layout, each a single sample or a stack of the
        same size ``S``.
    """

    def __init__(self, layout: ParameterLayout, groups: Sequence[GroupMoments]):
        if len(groups) != layout.n_groups:
            raise ValueError(f"the layout has {layout.n_groups} groups; got data of {len(groups)}")
        self.layout = layout
        self.groups = list(groups)
        self.n_free = layout.n_free
        counts = np.array([np.broadcast_to(g.n, (max(x.size for x in groups),))
                           for g in groups])  # (G, S)
        self.n_total = counts.sum(axis=0)
        self.weights = counts / self.n_total  # (G, S)
        self._scatter = [self._scatter_matrices(g) for g in range(layout.n_groups)]
        # the last single-row Implied of each group: scoring asks for F and then for the
        # gradient and information at the same theta (one tuple: read atomically)
        self._last_implied: list[tuple[bytes, Implied] | None] = [None] * layout.n_groups
        # the last (theta, gradient, information) of gradient_and_information: the fit's
        # standard errors ask for the information at the optimizer's last point
        self._last_scoring: tuple[bytes, np.ndarray, np.ndarray] | None = None
        self._cells_k: list[tuple[np.ndarray, np.ndarray] | None] = [None] * layout.n_groups

    @property
    def size(self) -> int:
        """Samples in the data stack."""
        return int(self.n_total.shape[0])

    def _scatter_matrices(self, g: int) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        out = []
        for number, (rows, cols, ks) in enumerate(self.layout.group_fill[g]):
            if ks.size:
                weights = np.zeros((ks.size, self.n_free))
                weights[np.arange(ks.size), ks] = 1.0
                out.append((number, rows, cols, weights))
        return out

    # ------------------------------------------------------------ moments
    def implied(self, theta: np.ndarray, g: int, index: np.ndarray | None = None) -> Implied:
        """Group ``g``'s matrices, ``Sigma`` and ``mu`` for every row of ``theta``
        (shared with later calls at the same single-row ``theta``: not to be changed)."""
        group = self.groups[g]
        key = None
        if theta.shape[0] == 1 and (index is None or group.cov.shape[0] == 1):
            key = theta.dtype.str.encode() + theta.tobytes()
            last = self._last_implied[g]
            if last is not None and last[0] == key:
                return last[1]
        implied = self._implied(theta, g, index)
        if key is not None:
            self._last_implied[g] = (key, implied)
        return implied

    def _implied(self, theta: np.ndarray, g: int, index: np.ndarray | None) -> Implied:
        group = self.groups[g]
        beta, lam, psi, th, nu, alpha = self.layout.matrices(
            theta, g, _take(group.cov, index), _take(group.mean, index))
        if self.layout.has_beta(g):
            c = self.layout.inverse_of_i_minus_beta(beta, g)
            m = np.matmul(lam, c)
        else:
            c, m = None, lam
        sigma = np.matmul(np.matmul(m, psi), m.transpose(0, 2, 1)) + th
        mu = nu + np.matmul(m, alpha[:, :, None])[:, :, 0]
        return Implied(c, m, psi, alpha, sigma, mu)

    def implied_moments(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(Sigma_g, mu_g)`` of every group at one parameter vector."""
        out = []
        for g in range(self.layout.n_groups):
            implied = self.implied(np.atleast_2d(theta), g)
            out.append((implied.sigma[0], implied.mu[0]))
        return out

    # ------------------------------------------------- discrepancy, gradient
    def evaluate(self, theta: np.ndarray, gradient: bool = True,
                 index: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``F`` and (optionally) its gradient for every row of ``theta``.

        Parameters
        ----------
        theta : ndarray, shape (S, n) or (n,)
        gradient : bool
        index : ndarray of int, optional
            The samples of the data stack that the rows of ``theta`` belong to
            (default: all, in order, or the one sample for every row).

        Returns
        -------
        f : ndarray, shape (S,)
            ``inf`` where an implied covariance is not positive definite.
        g : ndarray, shape (S, n), or None
            ``nan`` rows where ``f`` is not finite.
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        size = theta.shape[0]
        f = np.zeros(size)
        g = np.zeros((size, self.n_free)) if gradient else None
        ok = np.ones(size, dtype=bool)
        for number, group in enumerate(self.groups):
            implied = self.implied(theta, number, index)
            value, d_sigma, d_mu, good = self._group_terms(implied, group, index, gradient)
            ok &= good
            weight = _take(self.weights[number], index)
            f += weight * (value / _take(group.n, index) - _take(group.h1, index))
            if g is not None:
                g += weight[:, None] * self._chain_rule(number, implied, d_sigma, d_mu)
        f[~ok] = np.inf
        if g is not None:
            g[~ok] = np.nan
        return f, g

    def group_discrepancies(self, theta: np.ndarray) -> np.ndarray:
        """``F_g`` of every group at one ``theta`` (``N_g F_g`` is the group's share of
        the likelihood-ratio statistic)."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))[:1]
        out = np.empty(len(self.groups))
        for number, group in enumerate(self.groups):
            value, _, _, ok = self._group_terms(self.implied(theta, number), group, None, False)
            out[number] = value[0] / group.n[0] - group.h1[0] if ok[0] else np.inf
        return out

    def _group_terms(self, implied: Implied, group: GroupMoments, index, gradient: bool,
                     weights: list[np.ndarray] | None = None):
        """The pattern sums of one group: value, ``dF/dSigma``, ``dF/dmu`` (per case).

        ``weights``, if given, receives every pattern's ``W_k = Sigma_k^-1``."""
        sigma, mu = implied.sigma, implied.mu
        size, p = sigma.shape[0], sigma.shape[-1]
        value = np.zeros(size)
        ok = np.ones(size, dtype=bool)
        d_sigma = np.zeros((size, p, p)) if gradient else None
        d_mu = np.zeros((size, p)) if gradient else None
        means = self.layout.meanstructure
        for k, pattern in enumerate(group.patterns):
            o = pattern.observed
            full = o.size == p
            w, logdet, good = pattern_inverse(implied, k, o)
            ok &= good
            if weights is not None:
                weights.append(w)
            n_k = _take(pattern.n, index)
            cov = _take(pattern.cov, index)
            term = logdet + (w * cov).sum(axis=(1, 2))
            if means:
                d = _take(pattern.mean, index) - (mu if full else mu[:, o])
                wd = np.matmul(w, d[:, :, None])[:, :, 0]
                term = term + (d * wd).sum(axis=1)
                cov = cov + d[:, :, None] * d[:, None, :]
            value += n_k * term
            if d_sigma is not None and d_mu is not None:
                a = n_k[:, None, None] * (w - np.matmul(np.matmul(w, cov), w))
                if full:
                    d_sigma += a
                else:
                    d_sigma[:, o[:, None], o[None, :]] += a
                if means:
                    d_mu[:, o] += -2.0 * n_k[:, None] * wd
        if d_sigma is not None and d_mu is not None:
            n_g = _take(group.n, index)
            d_sigma /= n_g[:, None, None]
            d_mu /= n_g[:, None]
        return value, d_sigma, d_mu, ok

    def _chain_rule(self, g: int, implied: Implied, d_sigma: np.ndarray,
                    d_mu: np.ndarray) -> np.ndarray:
        """``dF_g/dtheta`` from ``dF_g/dSigma`` and ``dF_g/dmu`` (module notes)."""
        m, psi, c = implied.m, implied.psi, implied.c
        mt = m.transpose(0, 2, 1)
        x = 2.0 * np.matmul(np.matmul(d_sigma, m), psi)
        if self.layout.meanstructure:
            x = x + d_mu[:, :, None] * implied.alpha[:, None, :]
        derivative = {THETA: d_sigma, PSI: np.matmul(np.matmul(mt, d_sigma), m), NU: d_mu,
                      ALPHA: np.matmul(mt, d_mu[:, :, None])[:, :, 0]}
        if c is None:
            derivative[LAMBDA] = x
        else:
            ct = c.transpose(0, 2, 1)
            derivative[LAMBDA] = np.matmul(x, ct)
            derivative[BETA] = np.matmul(np.matmul(mt, x), ct)
        total = np.zeros((m.shape[0], self.n_free))
        for number, rows, cols, weights in self._scatter[g]:
            values = derivative[number][:, rows] if number >= NU \
                else derivative[number][:, rows, cols]
            total += values @ weights
        return total

    # ------------------------------------------------------- informations
    def cells(self, theta: np.ndarray, g: int, index: np.ndarray | None = None
              ) -> tuple[Implied, Cells, np.ndarray]:
        """Group ``g`` for every row of ``theta``: its moments, ``dSigma/dtheta`` as
        rank-one cells (module notes) and ``dmu/dtheta`` (S, n, p)."""
        implied = self.implied(np.atleast_2d(theta), g, index)
        m = implied.m  # (S, p, m)
        size, p = m.shape[0], m.shape[1]
        mt = m.transpose(0, 2, 1)
        d = np.matmul(implied.psi, mt) if implied.c is None \
            else np.matmul(np.matmul(implied.c, implied.psi), mt)  # D = C Psi M' (S, m, p)
        c_alpha = implied.alpha if implied.c is None \
            else np.matmul(implied.c, implied.alpha[:, :, None])[:, :, 0]
        eye = _identity(p)[None] if size == 1 else np.broadcast_to(_identity(p), (size, p, p))
        fills = self.layout.group_fill[g]
        rows, cols, ks = fills[THETA]
        parts = [(eye[:, rows], eye[:, cols], ks)]
        rows, cols, ks = fills[PSI]
        parts.append((mt[:, rows], mt[:, cols], ks))
        d_mu = np.zeros((size, self.n_free, p))
        for number in (LAMBDA, BETA):
            rows, cols, ks = fills[number]
            if not ks.size:
                continue
            left = eye[:, rows] if number == LAMBDA else mt[:, rows]
            parts += [(left, d[:, cols], ks), (d[:, cols], left, ks)]
            if self.layout.meanstructure:
                np.add.at(d_mu, (slice(None), ks), left * c_alpha[:, cols][:, :, None])  # type: ignore[arg-type]
        if self.layout.meanstructure:
            rows, _, ks = fills[NU]
            np.add.at(d_mu, (slice(None), ks, rows), 1.0)  # type: ignore[arg-type]
            rows, _, ks = fills[ALPHA]
            np.add.at(d_mu, (slice(None), ks), mt[:, rows])  # type: ignore[arg-type]
        k, gather = self._cell_parameters(g, [k for _, _, k in parts])
        cells = Cells(np.concatenate([a for a, _, _ in parts], axis=1),
                      np.concatenate([b for _, b, _ in parts], axis=1), k, self.n_free, gather)
        return implied, cells, d_mu

    def _cell_parameters(self, g: int, ks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The parameter of every cell of group ``g`` and their gather matrix (the same
        for every ``theta``: kept after the first call)."""
        kept = self._cells_k[g]
        if kept is None:
            k = np.concatenate(ks)
            kept = self._cells_k[g] = (k, _gather_matrix(k, self.n_free))
        return kept

    def jacobian(self, theta: np.ndarray, g: int) -> tuple[Implied, np.ndarray, np.ndarray]:
        """Group ``g`` at one ``theta``: its moments, ``dSigma/dtheta`` (n, p, p) and
        ``dmu/dtheta`` (n, p)."""
        implied, cells, d_mu = self.cells(np.atleast_2d(theta)[:1], g)
        return implied, cells.dense()[0], d_mu[0]

    def information(self, theta: np.ndarray, masked: Sequence[int] | np.ndarray = ()
                    ) -> np.ndarray:
        """Expected information per case (n, n) at one ``theta`` (first sample of the stack).

        ``masked``: observed variables (fixed.x covariates) whose covariances and means
        are not data: their rows of ``dSigma/dtheta`` and ``dmu/dtheta`` are zeroed
        (lavaan's ``lav_mvnorm_information_expected(x.idx =)``)."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))[:1]
        last = self._last_scoring
        if not len(masked) and last is not None and last[0] == theta.tobytes():
            return last[2].copy()
        return self.scoring_terms(theta, np.zeros(1, dtype=int), masked, gradient=False)[1][0]

    def gradient_and_information(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of ``F`` and the expected information at one ``theta`` (for scoring),
        from one pass over the groups' cells.

        Raises
        ------
        numpy.linalg.LinAlgError
            The implied covariance matrix is not positive definite.
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=float))[:1]
        grad, info, ok = self.scoring_terms(theta, np.zeros(1, dtype=int))
        if not ok[0]:
            raise np.linalg.LinAlgError("the implied covariance matrix is not positive definite")
        self._last_scoring = (theta.tobytes(), grad[0].copy(), info[0].copy())
        return grad[0], info[0]

    def scoring_terms(self, theta: np.ndarray, index: np.ndarray | None = None,
                      masked: Sequence[int] | np.ndarray = (), gradient: bool = True
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gradient of ``F`` (S, n), expected information per case (S, n, n) and a mask of
        the rows whose implied covariances are positive definite, for every row of
        ``theta`` (S, n) on the samples ``index`` of the data stack (module notes)."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        size, n = theta.shape[0], self.n_free
        info, grad = np.zeros((size, n, n)), np.zeros((size, n))
        ok = np.ones(size, dtype=bool)
        masked = np.asarray(masked, dtype=int)
        for g, group in enumerate(self.groups):
            implied, cells, d_mu = self.cells(theta, g, index)
            weight = _take(self.weights[g], index)
            pattern_weights: list[np.ndarray] = []
            if gradient:
                _, d_f, d_f_mu, good = self._group_terms(implied, group, index, True,
                                                         pattern_weights)
                ok &= good
                grad += weight[:, None] * (cells.contract(d_f)
                                           + np.matmul(d_mu, d_f_mu[:, :, None])[:, :, 0])
            else:
                for k, pattern in enumerate(group.patterns):
                    w, _, good = pattern_inverse(implied, k, pattern.observed)
                    ok &= good
                    pattern_weights.append(w)
            if masked.size:
                cells = cells.without_block(masked)
                d_mu[:, :, masked] = 0.0
            part = np.zeros((size, n, n))
            for pattern, w in zip(group.patterns, pattern_weights):
                o = pattern.observed
                share = 0.5 * cells.trace_product(w, o)
                if self.layout.meanstructure:
                    d_mu_o = d_mu[:, :, o]
                    share += np.matmul(np.matmul(d_mu_o, w), d_mu_o.transpose(0, 2, 1))
                part += _take(pattern.n, index)[:, None, None] * share
            info += (weight / _take(group.n, index))[:, None, None] * part
        grad[~ok] = np.nan
        return grad, info, ok

    def full_start(self, x: np.ndarray) -> np.ndarray:
        """Start values of the layout's parameters as a full ``theta`` (here the same; a
        family with parameters beyond the layout's completes them)."""
        return np.asarray(x, dtype=float)

    def discrepancy(self, theta: np.ndarray) -> float:
        """``F`` at one ``theta``."""
        return float(self.evaluate(theta, gradient=False)[0][0])

    def observed_information(self, theta: np.ndarray) -> np.ndarray:
        """Observed information per case (n, n) at one ``theta``: the Hessian of ``F / 2``
        (:meth:`observed_informations`, first sample of the stack)."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))[:1]
        return self.observed_informations(theta, np.zeros(1, dtype=int))[0]

    def observed_informations(self, theta: np.ndarray, index: np.ndarray | None = None
                              ) -> np.ndarray:
        """The Hessian of ``F / 2`` in closed form for every row of ``theta`` (S, n, n) on
        the samples ``index`` of the data stack; ``nan`` where an implied covariance
        matrix is not positive definite.

        Notes
        -----
        lavaan's observed information (``information = "observed"``,
        ``observed.information = "hessian"``) is the Hessian of minus the
        log-likelihood divided by ``N``, i.e. of ``F / 2``. With ``W = Sigma_o^-1``,
        ``d = m_k - mu_o``, ``C_k = S_k + d d'`` and ``u = W d`` per pattern, and
        ``Sigma_a = dSigma/dtheta_a`` (module notes), the second differential of
        ``log|Sigma_o| + tr(W C_k)`` gives (Magnus & Neudecker 1999, ch. 9, 10;
        Neudecker & Satorra 1991)

            1/2 H_ab = sum_g (N_g/N) sum_k (n_k/N_g) [tr(W Sigma_a W C_k W Sigma_b)
                       - 1/2 tr(W Sigma_a W Sigma_b) + mu_a' W Sigma_b u
                       + mu_b' W Sigma_a u + mu_a' W mu_b]
                       + sum_g (N_g/N) 1/2 [tr(G d2Sigma_ab) + g_mu' d2mu_ab],

        the first line from the rank-one cells (:meth:`_pattern_hessian`), the
        second from the model matrices (:meth:`_curvature`). Where ``C_k = Sigma_o``
        and ``d = 0`` it is the expected information.

        References
        ----------
        Neudecker, H., & Satorra, A. (1991). Linear structural relations: Gradient
        and Hessian of the fitting function. Statistics & Probability Letters,
        11(1), 57-61.
        """
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        size, n = theta.shape[0], self.n_free
        out = np.zeros((size, n, n))
        ok = np.ones(size, dtype=bool)
        for g, group in enumerate(self.groups):
            implied, cells, d_mu = self.cells(theta, g, index)
            pattern_weights: list[np.ndarray] = []
            _, d_f, d_f_mu, good = self._group_terms(implied, group, index, True,
                                                     pattern_weights)
            ok &= good
            units = (_unit_cells(cells.a), _unit_cells(cells.b))
            sums = [np.zeros((size, cells.k.size, cells.k.size)),
                    np.zeros((size, n, cells.k.size)), np.zeros((size, n, n))]
            for pattern, w in zip(group.patterns, pattern_weights):
                terms = self._pattern_hessian(cells, units, d_mu, w, pattern, implied.mu, index)
                for total, term in zip(sums, terms):
                    total += _take(pattern.n, index)[:, None, None] * term
            cross = cells.sum_columns(sums[1])  # linear: the patterns summed first
            part = (cells.sum_pairs(sums[0]) + cross + cross.transpose(0, 2, 1) + sums[2]) \
                / _take(group.n, index)[:, None, None] \
                + 0.5 * self._curvature(g, implied, d_f, d_f_mu)
            out += _take(self.weights[g], index)[:, None, None] * part
        out = 0.5 * (out + out.transpose(0, 2, 1))
        out[~ok] = np.nan
        return out

    def _pattern_hessian(self, cells: Cells, units: tuple[np.ndarray, np.ndarray],
                         d_mu: np.ndarray, w: np.ndarray, pattern, mu: np.ndarray,
                         index: np.ndarray | None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One pattern's first-derivative part of the Hessian of ``f_k / 2``
        (:meth:`observed_informations`) by cells, before the sums over each parameter's
        cells: with ``P_cd = b_c' W a_d`` and ``Q_cd = b_c' W C_k W a_d``,
        ``tr(W Sigma_a W C_k W Sigma_b) = sum Q_cd P_dc``.

        Returns ``(Q - P/2) * P'`` (S, cells, cells), ``(mu_a' W a_d) (b_d' u)``
        (S, n, cells) and ``mu_a' W mu_b`` (S, n, n) (zeros without a mean structure;
        ``units``: the unit cells of ``a`` and ``b``, :func:`_bilinear`)."""
        o = pattern.observed
        position = np.full(cells.a.shape[2], -1)
        position[o] = np.arange(o.size)
        a, b = cells.a[:, :, o], cells.b[:, :, o]
        a_t = a.transpose(0, 2, 1)
        cov = _take(pattern.cov, index)
        means = self.layout.meanstructure
        if means:
            d = _take(pattern.mean, index) - mu[:, o]
            u = np.matmul(w, d[:, :, None])[:, :, 0]
            cov = cov + d[:, :, None] * d[:, None, :]
        p_cd = _bilinear(b, units[1], w, a, units[0], position)
        r_cd = _bilinear(b, units[1], np.matmul(np.matmul(w, cov), w) - 0.5 * w, a, units[0],
                         position)  # Q - P / 2
        pairs = r_cd * p_cd.transpose(0, 2, 1)
        if not means:
            return pairs, np.zeros(d_mu.shape[:2] + (a.shape[1],)), np.zeros((1, 1, 1))
        d_mu_o = d_mu[:, :, o]
        d_mu_w = np.matmul(d_mu_o, w)
        cross = np.matmul(d_mu_w, a_t) * np.matmul(b, u[:, :, None])[:, None, :, 0]
        return pairs, cross, np.matmul(d_mu_w, d_mu_o.transpose(0, 2, 1))

    def _curvature(self, g: int, implied: Implied, d_sigma: np.ndarray,
                   d_mu: np.ndarray) -> np.ndarray:
        """``tr(G d2Sigma_ab) + g_mu' d2mu_ab`` (S, n, n): the Hessian of
        ``tr(G Sigma(theta)) + g_mu' mu(theta)`` at fixed ``G``, ``g_mu``.

        Notes
        -----
        Parameters are linear in the matrix entries, so only products of model
        matrices are curved: with ``M = Lambda C``, an entry ``Lambda_ij`` moves
        ``M`` by ``e_i c_j'`` and ``B_ij`` by ``M_i c_j'`` (``c_j'`` row ``j`` of ``C``),
        i.e. ``dM = U_u c_j'`` with ``U = [I | M]``. With ``X = 2 G M Psi + g_mu alpha'``
        and ``Y = U' X C'`` (``dF/dLambda`` over ``dF/dB``), the entries' Hessian is

            (Lambda|B)_a, (Lambda|B)_b:  2 (U'GU)_{u_a u_b} (C Psi C')_{j_a j_b}
                                        + [b in B] C_{j_a r_b} Y_{u_a j_b} + (a <-> b)
            (Lambda|B)_a, Psi_kl:       (M'GU)_{l u_a} C_{j_a k} + (M'GU)_{k u_a} C_{j_a l}
            (Lambda|B)_a, alpha_k:      (U'g_mu)_{u_a} C_{j_a k}

        (``r_b`` the row of ``B_b``; Neudecker & Satorra 1991), gathered over the
        entries each parameter fills."""
        fills = self.layout.group_fill[g]
        p, size = implied.m.shape[1], implied.m.shape[0]
        rows_l, cols_l, ks_l = fills[LAMBDA]
        rows_b, cols_b, ks_b = fills[BETA] if implied.c is not None else (np.zeros(0, int),) * 3
        rows_p, cols_p, ks_p = fills[PSI]
        rows_a, _, ks_a = fills[ALPHA] if self.layout.meanstructure else (np.zeros(0, int),) * 3
        u_idx = np.concatenate([rows_l, p + rows_b])  # column of U moved by each entry
        j_idx = np.concatenate([cols_l, cols_b])
        keys = np.concatenate([ks_l, ks_b, ks_p, ks_a])
        out = np.zeros((size, self.n_free, self.n_free))
        if not u_idx.size:
            return out
        m, psi = implied.m, implied.psi
        c = np.broadcast_to(np.eye(psi.shape[-1]), psi.shape) if implied.c is None \
            else implied.c
        u_mat = np.concatenate([np.broadcast_to(np.eye(p), (size, p, p)), m], axis=2)
        u_t = u_mat.transpose(0, 2, 1)
        ugu = np.matmul(np.matmul(u_t, d_sigma), u_mat)  # (S, p + m, p + m)
        cpc = np.matmul(np.matmul(c, psi), c.transpose(0, 2, 1))
        x = 2.0 * np.matmul(np.matmul(d_sigma, m), psi)
        if self.layout.meanstructure:
            x = x + d_mu[:, :, None] * implied.alpha[:, None, :]
        y = np.matmul(np.matmul(u_t, x), c.transpose(0, 2, 1))  # (S, p + m, m)
        n_lb, n_p = u_idx.size, rows_p.size
        h = np.zeros((size, keys.size, keys.size))
        lb = slice(0, n_lb)
        h[:, lb, lb] = 2.0 * ugu[:, u_idx[:, None], u_idx[None, :]] \
            * cpc[:, j_idx[:, None], j_idx[None, :]]
        if rows_b.size:
            b_cols = slice(rows_l.size, n_lb)
            t1 = c[:, j_idx[:, None], rows_b[None, :]] * y[:, u_idx[:, None], cols_b[None, :]]
            h[:, lb, b_cols] += t1
            h[:, b_cols, lb] += t1.transpose(0, 2, 1)
        if n_p:
            ps = slice(n_lb, n_lb + n_p)
            mgu = ugu[:, p:, :]
            t3 = mgu[:, cols_p[None, :], u_idx[:, None]] * c[:, j_idx[:, None], rows_p[None, :]] \
                + mgu[:, rows_p[None, :], u_idx[:, None]] * c[:, j_idx[:, None], cols_p[None, :]]
            h[:, lb, ps] = t3
            h[:, ps, lb] = t3.transpose(0, 2, 1)
        if rows_a.size:
            al = slice(n_lb + n_p, keys.size)
            ug = np.matmul(u_t, d_mu[:, :, None])[:, :, 0]  # (S, p + m)
            t5 = ug[:, u_idx][:, :, None] * c[:, j_idx[:, None], rows_a[None, :]]
            h[:, lb, al] = t5
            h[:, al, lb] = t5.transpose(0, 2, 1)
        gather = np.zeros((keys.size, self.n_free))
        gather[np.arange(keys.size), keys] = 1.0
        return np.matmul(np.matmul(gather.T, h), gather)

    def casewise_scores(self, theta: np.ndarray) -> np.ndarray:
        """Scores of every case's log-likelihood, groups in order (N, n) (module notes).

        Without a mean structure the cases are centred at their sample means."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))[:1]
        blocks = []
        for g, group in enumerate(self.groups):
            implied, cells, d_mu = self.cells(theta, g)
            for pattern in group.patterns:
                if pattern.rows is None:
                    raise ValueError("casewise scores need the cases (not summary data)")
                o = pattern.observed
                centre = implied.mu[0, o] if self.layout.meanstructure else pattern.mean[0]
                scores, u = pattern_scores(cells, pattern.rows[None] - centre,
                                           implied.sigma[:, o[:, None], o[None, :]], o)
                blocks.append(scores[0] + u[0] @ d_mu[0][:, o].T)
        return np.concatenate(blocks)


def pattern_scores(cells: Cells, centred: np.ndarray, sigma: np.ndarray,
                   observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The covariance part of the casewise scores of a stack of samples on the variables
    ``observed``: ``1/2 [u_i' dSigma_k u_i - tr(W dSigma_k)]``, ``W = Sigma^-1``,
    ``u_i = W (x_i - centre)`` (S, N, n), and ``u`` (S, N, o).

    Parameters
    ----------
    cells : Cells
        ``dSigma/dtheta`` of the stack (S samples).
    centred : ndarray, shape (S, N, o)
        The cases less the centre (implied or sample means).
    sigma : ndarray, shape (S, o, o)
        The implied covariance on ``observed``.
    observed : ndarray of int
    """
    w = np.linalg.inv(sigma)
    u = np.matmul(centred, w)
    embedded = np.zeros((w.shape[0], cells.a.shape[2], cells.a.shape[2]))
    embedded[:, observed[:, None], observed[None, :]] = w
    trace = cells.contract(embedded)  # tr(W dSigma_k)
    return 0.5 * (cells.quadratic(u, observed) - trace[:, None, :]), u


def differenced_information(functions: MLFunctions, theta: np.ndarray,
                            index: np.ndarray | None = None,
                            relative_step: float = 1e-5) -> np.ndarray:
    """The Hessian of ``F / 2`` by central differences of the analytic gradient (S, n, n).

    An independent check of :meth:`MLFunctions.observed_informations` (tests,
    benchmarks/bench_observed_information.py), which replaced it on every fit: step
    ``relative_step * max(1, |theta_k|)``, all ``2 n`` shifted vectors of every row as
    one stack, symmetrised.

    Parameters
    ----------
    functions : MLFunctions
    theta : ndarray, shape (S, n) or (n,)
    index : ndarray of int, optional
        The samples of the data stack of the rows of ``theta`` (default: all, in
        order, or the one sample for every row).
    relative_step : float
    """
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    size, q = theta.shape
    if index is None:
        index = np.arange(size) if functions.size > 1 else np.zeros(size, dtype=int)
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


@dataclass(frozen=True, eq=False)
class CoreModel:
    """A fitted model as the core sees it — the documented way in for code that needs
    more than a result's tables (modification indices, score tests, refits).

    Attributes
    ----------
    layout : ParameterLayout
        Its table includes lavaan's mean-structure rows where the fit had them.
    groups : tuple of GroupMoments
        The data of every group (single samples, with their cases unless the fit
        was to summary data).
    theta : ndarray
        All free parameters of the layout (intercepts included).
    """

    layout: ParameterLayout
    groups: tuple[GroupMoments, ...]
    theta: np.ndarray

    def functions(self) -> MLFunctions:
        """The ML functions of this layout on this data (built once)."""
        cached = self.__dict__.get("_functions")
        if cached is None:
            cached = MLFunctions(self.layout, self.groups)
            object.__setattr__(self, "_functions", cached)
        return cached

    @classmethod
    def of(cls, functions: MLFunctions, theta: np.ndarray) -> CoreModel:
        """The fit of ``functions`` (their own kind: ML, or the least squares of ordinal
        data) at ``theta``."""
        core = cls(functions.layout, tuple(functions.groups), np.array(theta, copy=True))
        object.__setattr__(core, "_functions", functions)
        return core


__all__ = ["Cells", "CoreModel", "Implied", "MLFunctions", "differenced_information"]
