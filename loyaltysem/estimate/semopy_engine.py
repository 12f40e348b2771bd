"""The one place that talks to semopy.

semopy builds the model: it reads the (fully explicit) model description,
classifies the variables, lays the parameters out in its LISREL-type matrices
``Beta, Lambda, Psi, Theta`` with

    Sigma(theta) = Lambda (I - Beta)^-1 Psi (I - Beta)^-T Lambda' + Theta,

and supplies start values. Everything lavaan-exact is done on top of that
structure here: the implied covariance, its derivatives with respect to the
free parameters (vectorised, one outer product per parameter location), the
normal-theory ML discrepancy and its gradient. The optimiser that drives it is
in :mod:`.optimizer`.

Every free parameter is written into the semopy description with an explicit
name (``_lsp<k>``, k = the ``free`` number of the parameter table) and every
fixed one with its value, so semopy adds nothing of its own
(``cov_diag=True``) and the mapping between the parameter table and semopy's
parameter vector is exact. Equality constraints are shared names.
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..frame_rows import table_rows
from ..exceptions import SpecificationError
from ..spec.names import describe_bad_name, is_valid_name
from ..spec.statements import format_number

_PREFIX = "_lsp"


def semopy_description(table: pd.DataFrame) -> str:
    """Render a parameter table as an explicit semopy model description.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`loyaltysem.spec.partable.build_parameter_table`.

    Raises
    ------
    SpecificationError
        If a name breaks the naming rule of :mod:`loyaltysem.spec.names`
        (specs are checked when built; this guards every other way in).

    Returns
    -------
    str
        One line per parameter; fixed.x rows are left to semopy, which fixes
        exogenous observed (co)variances at their sample values as lavaan does.
    """
    lines = []
    for row in table_rows(table):
        if row.op == ":=" or row.exo:
            continue
        for name in (row.lhs, row.rhs):  # defence in depth: semopy evaluates some lines
            if not is_valid_name(name):
                raise SpecificationError(describe_bad_name("variable", name))
        if row.op not in ("=~", "~", "~~"):
            raise SpecificationError(f"operator {row.op!r} cannot be handed to semopy")
        multiplier = f"{_PREFIX}{row.free}" if row.free > 0 else format_number(row.ustart)
        lines.append(f"{row.lhs} {row.op} {multiplier}*{row.rhs}")
    return "\n".join(lines)


@dataclass(frozen=True)
class _Location:
    matrix: int  # 0 beta, 1 lambda, 2 psi, 3 theta
    row: int
    col: int
    symmetric: bool


class SemopyModel:
    """A semopy model with lavaan-exact ML computations on its matrices.

    Parameters
    ----------
    table : pandas.DataFrame
        Full parameter table (lavaan defaults applied).
    data : pandas.DataFrame
        Complete cases of the observed variables.

    Attributes
    ----------
    observed : list of str
        Observed variable order of every matrix this class returns.
    n_free : int
        Number of free parameters.
    sample_cov : ndarray
        Sample covariance with divisor N (lavaan's ML convention).
    start : ndarray
        semopy's start values, ordered by the ``free`` column of the table.
    """

    def __init__(self, table: pd.DataFrame, data: pd.DataFrame):
        import semopy  # only here: the rest of loyaltysem never imports semopy

        description = semopy_description(table)
        logger = logging.getLogger()
        level = logger.level
        logger.setLevel(logging.ERROR)  # semopy reports through logging
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = semopy.Model(description, cov_diag=True)
                _start_markerless_loadings(model, table, data)
                model.load(data)
        finally:
            logger.setLevel(level)
        self._model = model
        self.observed: list[str] = list(model.vars["observed"])
        self.latent_inner: list[str] = list(model.vars["inner"])
        self.n_free = int(table["free"].max()) if len(table) else 0
        self.n_obs = int(model.mx_data.shape[0])
        self.sample_cov = np.asarray(model.mx_cov, dtype=float)
        matrices = model.matrices[:4]
        names = [f"{_PREFIX}{k}" for k in range(1, self.n_free + 1)]
        self._locations: list[list[_Location]] = []
        start = np.empty(self.n_free)
        for k, name in enumerate(names):
            parameter = model.parameters[name]
            start[k] = parameter.start
            locations = []
            for location in parameter.locations:
                index = next(i for i, m in enumerate(matrices) if m is location.matrix)
                locations.append(_Location(index, int(location.indices[0]),
                                           int(location.indices[1]), bool(location.symmetric)))
            self._locations.append(locations)
        self.start = start
        self._jacobian_index = self._build_jacobian_index()
        fill: list[tuple[list[int], list[int], list[int]]] = [([], [], []) for _ in range(4)]
        for k, locations in enumerate(self._locations):
            for loc in locations:
                rows, cols, ks = fill[loc.matrix]
                rows.append(loc.row)
                cols.append(loc.col)
                ks.append(k)
                if loc.symmetric and loc.row != loc.col:
                    rows.append(loc.col)
                    cols.append(loc.row)
                    ks.append(k)
        self._fill_index: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [
            (np.array(r, dtype=int), np.array(c, dtype=int), np.array(k_, dtype=int))
            for r, c, k_ in fill]
        self.variance_index = [
            int(row.free) - 1 for row in table_rows(table)
            if row.op == "~~" and row.lhs == row.rhs and row.free > 0
        ]
        self._base = [m.copy() for m in matrices]
        for locations in self._locations:
            for loc in locations:  # free entries are filled from theta each time
                self._base[loc.matrix][loc.row, loc.col] = 0.0
                if loc.symmetric:
                    self._base[loc.matrix][loc.col, loc.row] = 0.0
        self.matrix_names = {
            "beta": model.names_beta, "lambda": model.names_lambda,
            "psi": model.names_psi, "theta": model.names_theta,
        }
        self._logdet_s = float(np.linalg.slogdet(self.sample_cov)[1])
        # fixed.x: semopy fixes the covariate block of Psi at the sample values of the data
        # it was built on; a refit on another sample (bootstrap) must fix it at that
        # sample's values, as lavaan does
        psi_names = model.names_psi[0]
        exo = [(psi_names.index(r.lhs), psi_names.index(r.rhs), self.observed.index(r.lhs),
                self.observed.index(r.rhs)) for r in table_rows(table)
               if r.exo and r.lhs in psi_names and r.rhs in psi_names]
        self.fixed_x_index = tuple(np.array(column, dtype=int) for column in zip(*exo)) \
            if exo else tuple(np.zeros(0, dtype=int) for _ in range(4))

    @property
    def layout(self) -> tuple[list[np.ndarray], list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
        """``(base, fill)``: the four matrices with free entries zeroed, and per matrix
        the ``(rows, cols, k)`` index arrays that place ``theta[k]`` (both triangles of
        symmetric matrices)."""
        return [m.copy() for m in self._base], list(self._fill_index)

    def set_sample_cov(self, sample_cov: np.ndarray) -> None:
        """Use ``sample_cov`` (observed order) as the sample covariance (e.g. the EM
        estimate of the unrestricted model under missing data)."""
        self.sample_cov = np.asarray(sample_cov, dtype=float)
        self._logdet_s = float(np.linalg.slogdet(self.sample_cov)[1])
        self.set_fixed_x(self.sample_cov)

    def set_fixed_x(self, sample_cov: np.ndarray) -> None:
        """Fix the covariate (fixed.x) block of Psi at ``sample_cov`` (observed order)."""
        i, j, a, b = self.fixed_x_index
        if i.size:
            self._base[2][i, j] = sample_cov[a, b]
            self._base[2][j, i] = sample_cov[a, b]

    def _build_jacobian_index(self) -> dict[str, tuple[np.ndarray, ...]]:
        """Index arrays of the parameter locations, per matrix, for the vectorised Jacobian."""
        groups: dict[int, list[tuple[int, int, int, bool]]] = {0: [], 1: [], 2: [], 3: []}
        for k, locations in enumerate(self._locations):
            for loc in locations:
                both = loc.symmetric and loc.row != loc.col
                groups[loc.matrix].append((k, loc.row, loc.col, both))
        out: dict[str, tuple[np.ndarray, ...]] = {}
        for number, name in enumerate(("beta", "lambda", "psi", "theta")):
            entries = groups[number]
            k_index = np.array([r[0] for r in entries], dtype=int)
            i_index = np.array([r[1] for r in entries], dtype=int)
            j_index = np.array([r[2] for r in entries], dtype=int)
            both_index = np.array([r[3] for r in entries], dtype=bool)
            out[name] = ((k_index, i_index, j_index) if name in ("beta", "lambda")
                         else (k_index, i_index, j_index, both_index))
        return out

    # ----------------------------------------------------------- matrices
    def matrices(self, theta: np.ndarray) -> list[np.ndarray]:
        """Beta, Lambda, Psi, Theta at parameter vector ``theta``."""
        theta = np.asarray(theta)
        mats = [m.astype(theta.dtype) if theta.dtype != m.dtype else m.copy() for m in self._base]
        for number, (rows, cols, k) in enumerate(self._fill_index):
            if k.size:
                mats[number][rows, cols] = theta[k]
        return mats

    def implied(self, theta: np.ndarray) -> np.ndarray:
        """Model-implied covariance matrix of the observed variables."""
        beta, lam, psi, th = self.matrices(theta)
        c = np.linalg.inv(np.eye(beta.shape[0]) - beta)
        m = lam @ c
        return m @ psi @ m.T + th

    def inner_covariance(self, theta: np.ndarray) -> np.ndarray:
        """Implied covariance of semopy's inner variables (latent first)."""
        beta, _, psi, _ = self.matrices(theta)
        c = np.linalg.inv(np.eye(beta.shape[0]) - beta)
        return c @ psi @ c.T

    def implied_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Implied covariance and its derivatives.

        Returns
        -------
        sigma : ndarray, shape (p, p)
        d_sigma : ndarray, shape (q, p, p)
            ``d_sigma[k] = dSigma / dtheta_k``.
        """
        beta, lam, psi, th = self.matrices(theta)
        c = np.linalg.inv(np.eye(beta.shape[0]) - beta)
        m = lam @ c
        sigma = m @ psi @ m.T + th
        d = c @ psi @ m.T  # (inner, p)
        p = sigma.shape[0]
        d_sigma = np.zeros((self.n_free, p, p))
        idx = self._jacobian_index
        if idx["beta"][0].size:  # dSigma = M E_ij (C Psi M') + transpose
            k, i, j = idx["beta"]
            t = m[:, i].T[:, :, None] * d[j][:, None, :]
            np.add.at(d_sigma, k, t + t.transpose(0, 2, 1))
        if idx["lambda"][0].size:  # dSigma = E_ij (C Psi M') + transpose
            k, i, j = idx["lambda"]
            t = np.zeros((k.size, p, p))
            t[np.arange(k.size), i, :] = d[j]
            np.add.at(d_sigma, k, t + t.transpose(0, 2, 1))
        if idx["psi"][0].size:  # dSigma = M (E_ij [+ E_ji]) M'
            k, i, j, both = idx["psi"]
            t = m[:, i].T[:, :, None] * m[:, j].T[:, None, :]
            t = t + both[:, None, None] * t.transpose(0, 2, 1)
            np.add.at(d_sigma, k, t)
        if idx["theta"][0].size:  # dSigma = E_ij [+ E_ji]
            k, i, j, both = idx["theta"]
            np.add.at(d_sigma, (k, i, j), 1.0)
            np.add.at(d_sigma, (k[both], j[both], i[both]), 1.0)
        return sigma, d_sigma

    # ----------------------------------------------------- ML discrepancy
    def discrepancy(self, theta: np.ndarray, sample_cov: np.ndarray | None = None,
                    logdet_s: float | None = None) -> float:
        """Normal-theory ML discrepancy ``F = tr(S Sigma^-1) + log|Sigma| - log|S| - p``.

        Returns ``inf`` where Sigma is not positive definite. ``chisq = N * F``
        (lavaan: ``2 * N * fmin`` with ``fmin = F / 2``).
        """
        s = self.sample_cov if sample_cov is None else sample_cov
        if logdet_s is None:
            logdet_s = self._logdet_s if sample_cov is None else float(np.linalg.slogdet(s)[1])
        try:
            sigma = self.implied(theta)
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return np.inf
        if not np.all(np.isfinite(chol)):
            return np.inf
        inv_chol = np.linalg.inv(chol)
        sigma_inv = inv_chol.T @ inv_chol
        logdet = 2.0 * np.sum(np.log(np.diag(chol)))
        return float(np.sum(s * sigma_inv) + logdet - logdet_s - s.shape[0])

    def gradient(self, theta: np.ndarray, sample_cov: np.ndarray | None = None) -> np.ndarray:
        """Gradient of the ML discrepancy (see :meth:`gradient_and_information`)."""
        s = self.sample_cov if sample_cov is None else sample_cov
        sigma, d_sigma = self.implied_and_jacobian(theta)
        sigma_inv = np.linalg.inv(sigma)
        a = sigma_inv - sigma_inv @ s @ sigma_inv
        return d_sigma.reshape(d_sigma.shape[0], -1) @ a.ravel()

    def gradient_and_information(
        self, theta: np.ndarray, sample_cov: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of F and the expected information per observation.

        Returns
        -------
        gradient : ndarray, shape (q,)
            ``dF/dtheta_k = tr[(Sigma^-1 - Sigma^-1 S Sigma^-1) dSigma_k]``.
        information : ndarray, shape (q, q)
            ``I_kl = 1/2 tr(Sigma^-1 dSigma_k Sigma^-1 dSigma_l)``, the
            expected (Fisher) information of one observation; the expected
            Hessian of F is ``2 I``.
        """
        s = self.sample_cov if sample_cov is None else sample_cov
        sigma, d_sigma = self.implied_and_jacobian(theta)
        sigma_inv = np.linalg.inv(sigma)
        a = sigma_inv - sigma_inv @ s @ sigma_inv
        q = d_sigma.shape[0]
        flat = d_sigma.reshape(q, -1)
        gradient = flat @ a.ravel()
        weighted = (sigma_inv @ d_sigma @ sigma_inv).reshape(q, -1)
        information = 0.5 * (weighted @ flat.T)
        return gradient, information


def _start_markerless_loadings(model, table: pd.DataFrame, data: pd.DataFrame) -> None:
    """Give start values to loadings of factors that have no fixed loading.

    semopy derives loading start values by following each factor's marker
    indicator and loops forever when a factor has none (e.g. a method factor
    with all loadings free and its variance fixed to 1). Such loadings start
    at half the item's standard deviation, so semopy never looks for a marker.
    """
    loadings = [row for row in table_rows(table) if row.op == "=~"]
    with_marker = {row.lhs for row in loadings if row.free == 0}
    for row in loadings:
        if row.lhs in with_marker:
            continue
        name = f"{_PREFIX}{row.free}"
        if name in model.parameters and row.rhs in data.columns:
            model.parameters[name].start = 0.5 * float(data[row.rhs].std())
