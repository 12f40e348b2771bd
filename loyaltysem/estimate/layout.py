"""The parameter layout: where each free parameter goes, in every group.

A model of G groups has, per group, the matrices of :mod:`.structure` and two
mean vectors,

    Sigma_g = Lambda C Psi C' Lambda' + Theta,   mu_g = nu + Lambda C alpha,
    C = (I - Beta)^-1,

``nu`` (p) the intercepts of the observed variables that are not inner
variables and ``alpha`` (m) the means (or intercepts) of the inner ones:
latent means, the intercepts of observed variables of the structural part
and the means of fixed.x covariates. The global parameter vector ``theta``
fills these entries; a parameter shared by several rows (equality labels,
``group.equal``) fills all of them. Entries that are data (the fixed.x
covariances and means) are filled from each sample's moments, as lavaan does
(also for every bootstrap resample).

Everything here works on stacks: ``theta`` of shape ``(S, n)`` gives
matrices of shape ``(S, r, c)``.

References
----------
Jöreskog, K. G. (1973). A general method for estimating a linear structural
equation system. In Goldberger & Duncan (Eds.), Structural equation models in
the social sciences (pp. 85-112). Seminar Press.
Sörbom, D. (1974). A general method for studying differences in factor means
and factor structure between groups. British Journal of Mathematical and
Statistical Psychology, 27(2), 229-239.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from .structure import PSI, ModelStructure, model_structure
from .table_columns import TableColumns

#: Matrix numbers beyond :mod:`.structure`'s four: the mean vectors.
NU, ALPHA = 4, 5
_INDEX = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class ParameterLayout:
    """The parameter layout of a (multi-group) model.

    Attributes
    ----------
    structure : ModelStructure
    n_groups : int
    n_free : int
        Length of ``theta``.
    meanstructure : bool
        Whether the model has means (``~1`` rows).
    base : tuple
        Per group the six arrays ``Beta, Lambda, Psi, Theta, nu, alpha`` with
        fixed values in place and zeros where ``theta`` goes.
    fill : tuple
        Per array ``(group, row, col, k)`` index arrays: ``theta[k]`` goes to
        ``array[group][row, col]`` (both triangles of symmetric matrices;
        ``col`` 0 for the vectors).
    fixed_x_cov : tuple of ndarray
        ``(group, i, j, a, b)``: ``Psi[group][i, j] = S_group[a, b]``.
    fixed_x_mean : tuple of ndarray
        ``(group, i, a)``: ``alpha[group][i] = mean_group[a]``.
    table : pandas.DataFrame
        The table it was built from (``:=`` rows included).
    table_columns : TableColumns
        Its columns as arrays (:mod:`.table_columns`; read from ``table`` when not
        given).
    """

    structure: ModelStructure
    n_groups: int
    n_free: int
    meanstructure: bool
    base: tuple[tuple[np.ndarray, ...], ...]
    fill: tuple[_INDEX, ...]
    fixed_x_cov: tuple[np.ndarray, ...]
    fixed_x_mean: tuple[np.ndarray, ...]
    table: pd.DataFrame
    table_columns: TableColumns = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.table_columns is None:
            object.__setattr__(self, "table_columns", TableColumns.of(self.table))

    @property
    def p(self) -> int:
        return len(self.structure.observed)

    @property
    def m(self) -> int:
        return len(self.structure.inner)

    @cached_property
    def group_fill(self) -> tuple[tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...], ...]:
        """Per group, per array ``(row, col, k)``."""
        return tuple(tuple((rows[groups == g], cols[groups == g], ks[groups == g])
                           for groups, rows, cols, ks in self.fill)
                     for g in range(self.n_groups))

    @cached_property
    def _fixed_x_by_group(self) -> tuple[tuple[tuple[np.ndarray, ...], ...], ...]:
        cov_group, *cov = self.fixed_x_cov
        mean_group, *mean = self.fixed_x_mean
        return tuple((tuple(c[cov_group == g] for c in cov),
                      tuple(c[mean_group == g] for c in mean)) for g in range(self.n_groups))

    def has_beta(self, g: int) -> bool:
        """Whether group ``g`` has any regression among inner variables."""
        return bool(self.group_fill[g][0][2].size or np.any(self.base[g][0]))

    @cached_property
    def beta_nilpotency(self) -> tuple[int | None, ...]:
        """Per group, the smallest ``k`` with ``Beta^k = 0`` for every value of the free
        entries (the longest chain of regressions among inner variables plus one), or
        None when the regressions have a cycle (a nonrecursive model).

        For a recursive model ``(I - Beta)^-1 = I + Beta + ... + Beta^(k-1)`` (``Beta``
        is nilpotent: its graph is acyclic), which :meth:`inverse_of_i_minus_beta`
        evaluates by Horner's rule instead of an inversion.
        """
        out: list[int | None] = []
        for g in range(self.n_groups):
            pattern = self.base[g][0] != 0
            rows, cols, _ = self.group_fill[g][0]
            pattern[rows, cols] = True
            power, k = pattern.copy(), 1
            while power.any() and k <= len(pattern):
                power = (power.astype(int) @ pattern.astype(int)) > 0
                k += 1
            out.append(k if not power.any() else None)
        return tuple(out)

    def inverse_of_i_minus_beta(self, beta: np.ndarray, g: int) -> np.ndarray:
        """``(I - Beta)^-1`` of a stack ``beta`` (S, m, m) of group ``g``: Horner's rule on
        the finite Neumann series of a recursive model (:attr:`beta_nilpotency`), an
        inversion otherwise."""
        eye = np.eye(beta.shape[-1])
        k = self.beta_nilpotency[g]
        if k is None:
            return np.linalg.inv(eye - beta)
        c = eye + beta
        for _ in range(k - 2):
            c = eye + np.matmul(beta, c)
        return np.broadcast_to(c, beta.shape).copy() if c.ndim < beta.ndim else c

    def matrices(self, theta: np.ndarray, g: int, x_cov: np.ndarray | None = None,
                 x_mean: np.ndarray | None = None) -> list[np.ndarray]:
        """``Beta, Lambda, Psi, Theta, nu, alpha`` of group ``g`` for every row of ``theta``.

        Parameters
        ----------
        theta : ndarray, shape (S, n)
        g : int
        x_cov, x_mean : ndarray, shape (S or 1, p, p) and (S or 1, p), optional
            The samples' moments, for the fixed.x entries.

        Returns
        -------
        list of ndarray
            Shapes ``(S, m, m), (S, p, m), (S, m, m), (S, p, p), (S, p), (S, m)``.
        """
        theta = np.atleast_2d(theta)
        size = theta.shape[0]
        out = ([b[None].astype(theta.dtype) for b in self.base[g]] if size == 1 else
               [np.repeat(b[None], size, axis=0).astype(theta.dtype, copy=False)
                for b in self.base[g]])
        for number, (rows, cols, ks) in enumerate(self.group_fill[g]):
            if not ks.size:
                continue
            if number >= NU:
                out[number][:, rows] = theta[:, ks]
            else:
                out[number][:, rows, cols] = theta[:, ks]
        (i, j, a, b), (i_mean, a_mean) = self._fixed_x_by_group[g]
        if x_cov is not None and i.size:
            out[PSI][:, i, j] = x_cov[:, a, b]
        if x_mean is not None and i_mean.size:
            out[ALPHA][:, i_mean] = x_mean[:, a_mean]
        return out


def _mean_location(structure: ModelStructure, name: str) -> tuple[int, int]:
    if name in structure.inner:
        return ALPHA, structure.inner_index(name)
    if name in structure.observed:
        return NU, structure.observed_index(name)
    raise SpecificationError(f"the mean of {name!r} has no place in the model")


def build_parameter_layout(table: pd.DataFrame) -> ParameterLayout:
    """Lay out a parameter table (see the module notes).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows ``lhs, op, rhs, free, ustart, exo`` and optionally ``group``
        (0, 1, ...; absent = one group). ``free`` numbers the global
        parameters from 1 (0 = fixed at ``ustart``; rows sharing a number are
        one parameter); ``exo`` marks fixed.x rows (covariances and ``~1``
        means of covariates, filled from the data); ``:=`` rows are ignored.

    Returns
    -------
    ParameterLayout
    """
    full_table = table.reset_index(drop=True)
    table = table[table["op"] != ":="]
    groups = table["group"].to_numpy(dtype=int) if "group" in table else np.zeros(len(table), int)
    n_groups = int(groups.max()) + 1 if len(table) else 1
    structure = model_structure(table[groups == 0])
    p, m = len(structure.observed), len(structure.inner)
    base = [[c.copy() for c in structure.constants] + [np.zeros(p), np.zeros(m)]
            for _ in range(n_groups)]
    fill: list[list[tuple[int, int, int, int]]] = [[] for _ in range(6)]
    fixed_cov: list[tuple[int, int, int, int, int]] = []
    fixed_mean: list[tuple[int, int, int]] = []
    lhs, op, rhs = (table[c].astype(str).to_numpy() for c in ("lhs", "op", "rhs"))
    free = table["free"].to_numpy(dtype=int)
    ustart = table["ustart"].to_numpy(dtype=float)
    exo = table["exo"].to_numpy(dtype=int) if "exo" in table else np.zeros(len(table), int)
    for r in range(len(table)):
        g = int(groups[r])
        if op[r] == "~1":
            number, i = _mean_location(structure, lhs[r])
            if exo[r]:
                fixed_mean.append((g, i, structure.observed_index(lhs[r])))
            elif free[r] > 0:
                fill[number].append((g, i, 0, free[r] - 1))
            else:
                base[g][number][i] = ustart[r]
            continue
        for loc in structure.locations[(lhs[r], op[r], rhs[r])]:
            cells = [(loc.row, loc.col)]
            if loc.symmetric and loc.row != loc.col:
                cells.append((loc.col, loc.row))
            for i, j in cells:
                if exo[r]:
                    fixed_cov.append((g, i, j, structure.observed_index(lhs[r]),
                                      structure.observed_index(rhs[r])))
                elif free[r] > 0:
                    fill[loc.matrix].append((g, i, j, free[r] - 1))
                else:
                    base[g][loc.matrix][i, j] = ustart[r]
    n_free = int(free.max()) if len(free) else 0

    def index(entries: list, width: int) -> tuple[np.ndarray, ...]:
        array = np.array(entries, dtype=int).reshape(-1, width)
        return tuple(array[:, c].copy() for c in range(width))

    return ParameterLayout(
        structure=structure, n_groups=n_groups, n_free=n_free,
        meanstructure=bool((op == "~1").any()),
        base=tuple(tuple(b) for b in base),
        fill=tuple(index(entries, 4) for entries in fill),  # type: ignore[misc]
        fixed_x_cov=index(fixed_cov, 5), fixed_x_mean=index(fixed_mean, 3),
        table=full_table)


__all__ = ["ALPHA", "NU", "ParameterLayout", "build_parameter_layout"]
