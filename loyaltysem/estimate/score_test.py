"""Score (Lagrange-multiplier) tests of equality constraints and Wald tests, as lavaan.

**Equality constraints on the core.** Rows of a parameter table that share a
``free`` number are one parameter: a label used twice, ``group.equal``,
``c(a, a)*`` across groups. lavaan 0.6 writes the same model with one free
parameter per row plus ``==`` rows; here the rows of a shared number
r1 < r2 < ... give the constraints ``r1 == r2``, ``r1 == r3``, ... (lavaan's
order: by the first row of each shared parameter), named by lavaan's plabels
``.p<row>.``. Releasing a constraint gives one row its own number.

General constraints count as lavaan counts them: lavaan 0.6-14 (``ceq.simple =
FALSE``) keeps one parameter per row and one ``==`` row per equality — first the
user's ``==`` statements in the order written (``a1 == a2``, ``b == 0.6``,
``p1 == a*b``, ``a + b == 1``, named by their text without spaces; rows the table
fixes by ``label == value`` are free in the unconstrained model), then the plabel
rows above. A written constraint's Jacobian row is ``d(lhs - rhs)/dtheta`` at the
estimates (complex step), each label standing for the first row with it. Models
with ``<`` / ``>`` are refused, as ``lavTestScore`` refuses them; with MLR lavaan
0.6-14 warns and gives the ordinary test, and so does this module (no robust
score test in that version).

**Score test** (Rao 1948; Satorra 1989; Bentler 1990; ``lavTestScore``): with ``g`` and ``I``
the gradient of lavaan's ``fmin`` and the unit expected information over the
unconstrained parameters (one per row) at the constrained estimates, R the
Jacobian rows of the constraints kept, and J the top-left block of
``pinv([[I, R'], [R, 0]])`` (MASS::ginv: singular values below
``sqrt(eps)`` times the largest are dropped),

    X2 = N g' J g,   df = number of constraints released.

Parameters added by ``add`` are named as lavaan names them (``lav_partable_labels``
of ``lavaanify(add)``): a covariance with its names in the order of the variables of
the added syntax alone, so ``add = c("x7 ~~ x9", "visual =~ x9")`` tests ``x9~~x7``.

**Wald test** (Wald 1943; ``lavTestWald``): for constraints ``h(theta) = 0``
(each ``lhs == rhs`` gives ``h = lhs - rhs``) over the model's labels,
``W = h' (H V H')^-1 h`` with ``H = dh/dtheta`` (complex step: exact for the
arithmetic of :mod:`loyaltysem.spec.expressions`) and V the fit's covariance
matrix of the estimates (the sandwich for MLR).

References
----------
Rao, C. R. (1948). Large sample tests of statistical hypotheses concerning
several parameters with applications to problems of estimation. Mathematical
Proceedings of the Cambridge Philosophical Society, 44(1), 50-57.
Satorra, A. (1989). Alternative test criteria in covariance structure
analysis: A unified approach. Psychometrika, 54(1), 131-151.
Bentler, P. M. (1990). Fit indexes, Lagrange multipliers, constraint changes and
incomplete data in structural models. Multivariate Behavioral Research, 25(2),
163-172.
Wald, A. (1943). Tests of statistical hypotheses concerning several parameters
when the number of observations is large. Transactions of the American
Mathematical Society, 54(3), 426-482.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36 (source files
``lav_test_score.R``, ``lav_test_Wald.R``, lavaan 0.6-14).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..arguments import ArgumentError, check_bool, fail
from ..distributions import chi2_sf
from ..exceptions import SpecificationError
from ..spec import ModelSpec
from ..spec.expressions import ExpressionError, parse_expression
from ..spec.statements import Statement
from ..summary import Summary
from .constraints import Constraints
from .extension import (covariates_of, extend, model_rows, parameter_rows, row_key,
                        row_values)
from .ml import CoreModel
from .modindices import (VariableNames, _group_labels, _result_core, _result_spec,
                         constrained_labels, standardized_change, written_equalities)

_EPS = float(np.finfo(float).eps)
#: Most constraints accepted by :func:`wald_test` / parameters by ``add``.
MAX_CONSTRAINTS = 200


def _pinv(matrix: np.ndarray) -> np.ndarray:
    """MASS::ginv: the pseudo-inverse, singular values below sqrt(eps)·max dropped."""
    return np.linalg.pinv(matrix, rcond=float(np.sqrt(_EPS)))


def _bordered_inverse(information: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Top-left block of ``ginv([[I, R'], [R, 0]])`` (``ginv(I)`` without constraints)."""
    if not len(kept):
        return _pinv(information)
    n, k = information.shape[0], kept.shape[0]
    z = np.zeros((n + k, n + k))
    z[:n, :n] = information
    z[n:, :n] = kept
    z[:n, n:] = kept.T
    return _pinv(z)[:n, :n]


# ------------------------------------------------------------- constraints
def _label(row: pd.Series) -> str:
    lhs, op, rhs = str(row["lhs"]), str(row["op"]), str(row["rhs"])
    return f"{lhs}{op}" if op == "~1" else f"{lhs}{op}{rhs}"


def equality_constraints(result: Any) -> pd.DataFrame:
    """The equality constraints of a fit, numbered as lavaan numbers its ``==`` rows.

    Parameters
    ----------
    result : FitResult or MultiGroupResult

    Returns
    -------
    pandas.DataFrame
        ``number`` (1-based, what ``score_test(release=)`` takes), ``lhs, op, rhs``
        (as lavaan names them: the written ``==`` statements without spaces, then the
        plabels ``.p<row>.`` of rows that share a label or a ``group_equal`` class),
        ``label``, ``lhs_parameter``, ``rhs_parameter`` (``lhs op rhs`` of each row;
        empty for a written constraint), ``lhs_group``, ``rhs_group`` (0-based; -1 for
        a written constraint), and the private ``_lhs_row``, ``_rhs_row`` (row
        positions, -1 for a written constraint) and ``_statement`` (its position among
        the spec's written ``==`` statements, -1 for plabel rows).

    Notes
    -----
    lavaan 0.6-14 (``ceq.simple = FALSE``) keeps one free parameter per row and writes
    every equality as an ``==`` row: first the user's statements in the order written
    (``a == b``, ``b == 0.6``, ``p1 == a*b``, ``a + b == 1``), then, for every label
    used by several rows (and every ``group.equal`` parameter), ``.p<first>. ==
    .p<other>.``.
    """
    return _constraints_of(_result_core(result), _result_spec(result))


def _constraints_of(core: CoreModel, spec: ModelSpec | None = None) -> pd.DataFrame:
    table = core.layout.table
    rows = parameter_rows(table)
    named = constrained_labels(spec)
    rows = rows[(rows["free"].astype(int) > 0) |
                (rows["label"].isin(named) if "label" in rows else False)]
    labels = (rows["label"].fillna("").astype(str) if "label" in rows
              else pd.Series("", index=rows.index))
    out = [{"lhs": "".join(s.lhs.split()), "op": "==", "rhs": "".join(s.rhs.split()),
            "label": "", "lhs_parameter": "", "rhs_parameter": "", "lhs_group": -1,
            "rhs_group": -1, "_lhs_row": -1, "_rhs_row": -1, "_statement": k}
           for k, s in enumerate(written_equalities(spec))]
    # rows alike: one label, or (unlabelled) one free number (group_equal)
    keys = [("label", label) if label else ("free", int(free))
            for label, free in zip(labels, rows["free"].astype(int))]
    for _, shared in rows.groupby(pd.Series(keys, index=rows.index).astype(str), sort=False):
        if len(shared) < 2:
            continue
        first = shared.index[0]
        for other in shared.index[1:]:
            out.append({"lhs": f".p{first + 1}.", "op": "==", "rhs": f".p{other + 1}.",
                        "label": str(table.at[first, "label"]) if "label" in table else "",
                        "lhs_parameter": _label(table.loc[first]),
                        "rhs_parameter": _label(table.loc[other]),
                        "lhs_group": int(rows.at[first, "group"]),
                        "rhs_group": int(rows.at[other, "group"]),
                        "_lhs_row": int(first), "_rhs_row": int(other), "_statement": -1})
    columns = ["lhs", "op", "rhs", "label", "lhs_parameter", "rhs_parameter", "lhs_group",
               "rhs_group", "_lhs_row", "_rhs_row", "_statement"]
    frame = pd.DataFrame(out, columns=columns)
    frame.insert(0, "number", np.arange(1, len(frame) + 1))
    return frame


def _unconstrained(core: CoreModel, spec: ModelSpec | None = None
                   ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The core table with one free number per free row (row order) — rows the table
    fixes by a written ``label == value`` included, as lavaan — its theta and the map
    row position -> new number (0 = fixed)."""
    table = model_rows(core)
    values = row_values(core)[table.index.to_numpy()]
    free = table["free"].to_numpy(dtype=int)
    full = core.layout.table
    labels = (full["label"].fillna("").astype(str).to_numpy()[table.index.to_numpy()]
              if "label" in full else np.full(len(table), ""))
    named = constrained_labels(spec)
    released = np.array([free[k] > 0 or (labels[k] in named and labels[k] != "")
                         for k in range(len(table))], dtype=bool)
    numbers = np.zeros(len(core.layout.table), dtype=int)
    positions = table.index.to_numpy()[released]
    numbers[positions] = np.arange(1, positions.size + 1)
    theta = values[released]
    table.loc[positions, "free"] = numbers[positions]
    return table, theta, numbers


def _constraint_matrix(core: CoreModel, spec: ModelSpec | None, constraints: pd.DataFrame,
                       numbers: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """The Jacobian of the constraints (lavaan's ``con.jac``) over ``theta.size``
    parameters: ``e_lhs - e_rhs`` for plabel rows, ``d(lhs - rhs)/dtheta`` of a written
    constraint by the complex step (exact for + - * / ^), each label standing for the
    first row that has it."""
    table = core.layout.table
    written = written_equalities(spec)
    sources: dict[str, tuple[str, float]] = {}
    if "label" in table:
        for r, (label, op) in enumerate(zip(table["label"], table["op"])):
            if isinstance(label, str) and label and op != ":=" and label not in sources:
                sources[label] = (("free", float(numbers[r] - 1)) if numbers[r] > 0
                                  else ("fixed", float(table["ustart"].iloc[r])))
    out = np.zeros((len(constraints), theta.size))
    for k, (a, b, statement) in enumerate(zip(constraints["_lhs_row"], constraints["_rhs_row"],
                                              constraints["_statement"])):
        if statement < 0:
            out[k, numbers[a] - 1] += 1.0
            out[k, numbers[b] - 1] -= 1.0
            continue
        s = written[int(statement)]
        expression = (parse_expression(s.lhs), parse_expression(s.rhs))
        one = Constraints(equalities=(expression,), inequalities=(), sources=sources)
        out[k] = one.jacobians(theta)[0][0]
    return out


def _added_rows(core: CoreModel, add: Any) -> list[tuple[str, str, str, int]]:
    """``(lhs, op, rhs, group)`` of the parameters named by ``add`` (lavaan syntax)."""
    from ..spec.lavaan_syntax import parse_lavaan

    texts = [add] if isinstance(add, str) else add
    if (not isinstance(texts, Sequence) or not texts or len(texts) > MAX_CONSTRAINTS
            or not all(isinstance(t, str) and t.strip() for t in texts)):
        raise fail("add", f"lavaan syntax text or a list of 1 to {MAX_CONSTRAINTS} such texts",
                   add)
    try:
        statements = [s for text in texts for s in parse_lavaan(text)]
    except SpecificationError as error:
        raise ArgumentError(f"add must be lavaan syntax of parameters to add; {error}") from error
    structure = core.layout.structure
    known = set(structure.observed) | set(structure.latent)
    rows = parameter_rows(core.layout.table)
    out: list[tuple[str, str, str, int]] = []
    for statement in statements:
        if statement.op == ":=" or not {statement.lhs, statement.rhs} <= known:
            raise fail("add", "parameters (=~, ~, ~~) among the model's variables",
                       f"{statement.lhs} {statement.op} {statement.rhs}")
    # lavaanify(add) spells each covariance in the order of the variables of the added
    # syntax alone (lav_partable_covariance_reorder): add = c("x7 ~~ x9", "visual =~ x9")
    # is tested as "x9~~x7"
    names = VariableNames.of(pd.DataFrame({"lhs": [s.lhs for s in statements],
                                           "op": [s.op for s in statements],
                                           "rhs": [s.rhs for s in statements]}), ())
    for g in range(core.layout.n_groups):  # group by group, as lavaanify(add, ngroups)
        for statement in statements:
            mine = rows[rows["group"] == g]
            present = {row_key(str(a), str(o), str(b)) for a, o, b in
                       zip(mine["lhs"], mine["op"], mine["rhs"])}
            key = row_key(statement.lhs, statement.op, statement.rhs)
            if key in present or key in {row_key(*r[:3]) for r in out if r[3] == g}:
                raise fail("add", "parameters the model does not have",
                           f"{statement.lhs} {statement.op} {statement.rhs}")
            out.append((*names.oriented(statement.lhs, statement.op, statement.rhs), g))
    return out


@dataclass(frozen=True)
class _ScoreSetup:
    """Gradient, information and constraint rows of one score test."""

    gradient: np.ndarray
    information: np.ndarray
    n_total: float
    constraints: np.ndarray  # every constraint row (model's, then added parameters')
    tested: np.ndarray  # indices into constraints
    names: pd.DataFrame  # lhs, op, rhs (+ parameters) of the tested constraints
    rows: pd.DataFrame  # lhs, op, rhs, group, exo, est, free, label of every parameter


def _setup(core: CoreModel, spec: ModelSpec | None, release: Any, add: Any) -> _ScoreSetup:
    if spec is not None and any(s.op in ("<", ">") for s in spec.statements):
        statement = next(s for s in spec.statements if s.op in ("<", ">"))
        raise SpecificationError(
            f"{statement.to_lavaan()}: score tests do not handle inequality constraints "
            "(as lavaan's lavTestScore); use modification_indices(), which does, or refit "
            "without the inequality", source=spec.source, line=statement.line)
    table, theta, numbers = _unconstrained(core, spec)
    values = row_values(core)[table.index.to_numpy()]
    constraints = _constraints_of(core, spec)
    n = theta.size
    added = _added_rows(core, add) if add is not None else []
    if added:
        extra = pd.DataFrame({"lhs": [r[0] for r in added], "op": [r[1] for r in added],
                              "rhs": [r[2] for r in added], "group": [r[3] for r in added],
                              "free": n + 1 + np.arange(len(added)), "ustart": np.nan,
                              "exo": 0})
        table = pd.concat([table, extra], ignore_index=True)
        theta = np.concatenate([theta, np.zeros(len(added))])
        values = np.concatenate([values, np.zeros(len(added))])
    extended = extend(core, table, theta, n, covariates_of(core.layout.table))
    matrix = _constraint_matrix(core, spec, constraints, numbers, theta)
    if added:
        matrix = np.vstack([matrix, np.eye(theta.size)[n:]])
        tested = len(constraints) + np.arange(len(added))
        names = pd.DataFrame({"lhs": [f"{a}{o}{b}" + (f".g{g + 1}" if g else "")
                                      for a, o, b, g in added],
                              "op": "==", "rhs": "0"})
    else:
        if not len(constraints):
            raise SpecificationError("the model has no equality constraints (shared labels "
                                     "or group_equal) to release; to test parameters the "
                                     "model does not have, pass add=")
        tested = _released(release, len(constraints))
        names = constraints.iloc[tested][["lhs", "op", "rhs", "lhs_parameter",
                                          "rhs_parameter"]].reset_index(drop=True)
    rows = table.assign(est=values, added=np.arange(len(table)) >= len(table) - len(added))
    return _ScoreSetup(extended.gradient, extended.information, extended.n_total, matrix,
                       tested, names, rows)


def _released(release: Any, n_constraints: int) -> np.ndarray:
    """0-based indices of the constraints to release (``release`` is 1-based, as lavaan)."""
    if release is None:
        return np.arange(n_constraints)
    values = [release] if isinstance(release, (int, np.integer)) else release
    if (isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       and 1 <= v <= n_constraints for v in values)
            or len(set(values)) != len(values)):
        raise fail("release", f"constraint numbers in 1..{n_constraints} (see "
                   "equality_constraints()), each once", release)
    return np.array(sorted(int(v) - 1 for v in values))


def _pvalue(x2: float, df: int) -> float:
    return float(chi2_sf(x2, df)) if df > 0 else float("nan")


def _statistic(setup: _ScoreSetup, released: np.ndarray) -> tuple[float, np.ndarray]:
    """``N g' J g`` and ``J`` with the constraints ``released`` (indices) dropped."""
    kept = np.setdiff1d(np.arange(setup.constraints.shape[0]), released)
    j = _bordered_inverse(setup.information, setup.constraints[kept])
    g = setup.gradient
    return float(setup.n_total * g @ j @ g), j


@dataclass(frozen=True, eq=False)
class ScoreTestResult:
    """The result of :func:`score_test` (lavaan's ``lavTestScore`` list).

    Attributes
    ----------
    statistic, df, pvalue : float, int, float
        The total test: every tested constraint released at once.
    constraints : pandas.DataFrame
        The tested constraints (``lhs, op, rhs`` as lavaan names them).
    univariate : pandas.DataFrame or None
        ``lhs, op, rhs, x2, df, pvalue`` (and ``epc`` with ``add``): one constraint
        released, the others kept.
    cumulative : pandas.DataFrame or None
        The constraints by univariate X², the first k released (df k).
    epc : pandas.DataFrame or None
        Every parameter: ``est, epc, epv, sepc_lv, sepc_all, sepc_nox`` for
        releasing all tested constraints.
    """

    statistic: float
    df: int
    pvalue: float
    constraints: pd.DataFrame
    univariate: pd.DataFrame | None = None
    cumulative: pd.DataFrame | None = None
    epc: pd.DataFrame | None = None
    name: str = "score test"

    @property
    def test(self) -> pd.DataFrame:
        """The total test as lavaan's ``$test`` row: ``test, x2, df, pvalue``."""
        return pd.DataFrame([{"test": "score", "x2": self.statistic, "df": self.df,
                              "pvalue": self.pvalue}])

    def __str__(self) -> str:
        return (f"{self.name}: X2 = {self.statistic:.4f}, df = {self.df}, "
                f"p = {self.pvalue:.4g}")

    def summary(self, digits: int = 3) -> Summary:
        """The total test, then the univariate, cumulative and EPC tables present."""
        sections: list[tuple[str, Any]] = [("Total score test", self.test)]
        for heading, table in (("Univariate score tests", self.univariate),
                               ("Cumulative score tests", self.cumulative),
                               ("Expected parameter changes", self.epc)):
            if table is not None:
                sections.append((heading, table))
        return Summary("loyaltysem score test (lavTestScore)", tuple(sections), digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def score_test(result: Any, *, release: Sequence[int] | int | None = None,
               add: str | Sequence[str] | None = None, univariate: bool = True,
               cumulative: bool = False, epc: bool = False) -> ScoreTestResult:
    """Score (Lagrange-multiplier) tests of releasing equality constraints or adding
    parameters, as lavaan 0.6-14's ``lavTestScore`` (``lav_test_score.R``).

    Parameters
    ----------
    result : FitResult or MultiGroupResult
    release : int or sequence of int, optional
        Constraint numbers (1-based, :func:`equality_constraints`) to test jointly;
        the others stay. Default: all.
    add : str or sequence of str, optional
        Parameters to add, in lavaan syntax (``"x1 ~~ x9"``), each tested as
        ``parameter == 0`` with the model's constraints kept (not with ``release``).
    univariate, cumulative, epc : bool
        Also the one-at-a-time tests, the cumulative tests (by univariate X²) and
        the expected parameter changes of releasing every tested constraint.

    Returns
    -------
    ScoreTestResult

    Notes
    -----
    ``X2 = N g' J g`` with J the top-left block of the pseudo-inverse of the
    information bordered by the constraints kept (module notes; Rao 1948;
    Satorra 1989). ``epc = -g' J`` (lavaan: ``gradient.logl %*% J``),
    ``epv = est + epc``; standardized as modification indices' SEPCs. As lavaan
    0.6-14, robust fits (MLR) get the ordinary, expected-information test.

    References
    ----------
    Rao, C. R. (1948). Proc. Cambridge Philosophical Society, 44(1), 50-57.
    Satorra, A. (1989). Psychometrika, 54(1), 131-151.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> result = ls.fit("models/hs_cfa.lav", "holzinger_swineford")
    >>> test = ls.score_test(result, add="x1 ~~ x9")  # lavTestScore(fit, add = "x1 ~~ x9")
    >>> round(test.statistic, 2), test.df
    (7.33, 1)
    """
    core = _result_core(result)
    univariate = check_bool("univariate", univariate) or check_bool("cumulative", cumulative)
    epc = check_bool("epc", epc)
    if add is not None and release is not None:
        raise ArgumentError("add and release cannot be used together (as in lavTestScore)")
    setup = _setup(core, _result_spec(result), release, add)
    tested = setup.tested
    statistic, j_all = _statistic(setup, tested)
    uni = cum = epc_table = None
    names = setup.names[["lhs", "op", "rhs"]]
    if univariate:
        x2 = np.zeros(setup.constraints.shape[0])
        own = np.full(setup.constraints.shape[0], np.nan)
        for r in tested:
            x2[r], j = _statistic(setup, np.array([r]))
            own[r] = -(setup.gradient @ j)[np.flatnonzero(setup.constraints[r])[0]]
        uni = names.assign(x2=x2[tested], df=1, pvalue=[_pvalue(v, 1) for v in x2[tested]])
        if add is not None and epc:
            uni["epc"] = own[tested]
        if cumulative:
            order = np.argsort(-x2, kind="stable")
            values = [_statistic(setup, order[: k + 1])[0] for k in range(len(tested))]
            rows = np.argsort(-x2[tested], kind="stable")
            cum = names.iloc[rows].reset_index(drop=True).assign(
                x2=values, df=np.arange(1, len(tested) + 1),
                pvalue=[_pvalue(v, k + 1) for k, v in enumerate(values)])
    if epc:
        epc_table = _epc_table(core, setup, -(setup.gradient @ j_all), result)
    return ScoreTestResult(statistic, int(len(tested)), _pvalue(statistic, len(tested)),
                           setup.names, uni, cum, epc_table)


def _epc_table(core: CoreModel, setup: _ScoreSetup, change: np.ndarray, result: Any
               ) -> pd.DataFrame:
    """lavTestScore's ``$epc``: every parameter row with est, epc, epv and SEPCs."""
    rows = setup.rows.reset_index(drop=True)
    free = rows["free"].to_numpy(dtype=int)
    epc = np.where(free > 0, change[np.maximum(free, 1) - 1], np.nan)
    frame = pd.DataFrame({"lhs": rows["lhs"].astype(str), "op": rows["op"],
                          "rhs": rows["rhs"].astype(str).where(rows["op"] != "~1", ""),
                          "group": rows["group"].astype(int),
                          "free": np.where(rows["added"], 0, free),
                          "exo": rows["exo"].astype(int), "est": rows["est"], "epc": epc})
    empty = frame.iloc[:0][["lhs", "op", "rhs", "group", "exo", "est"]]
    sepc = standardized_change(core, frame, empty)
    frame = frame.assign(epv=frame["est"] + frame["epc"],
                         **{c: sepc[c].to_numpy() for c in sepc.columns}).drop(columns=["exo"])
    labels = _group_labels(result, core)
    if labels is None:
        return frame.drop(columns=["group"])
    return frame.assign(group=[labels[g] for g in frame["group"]])


# ------------------------------------------------------------------- Wald
@dataclass(frozen=True, eq=False)
class WaldTestResult:
    """The result of :func:`wald_test` (lavaan's ``lavTestWald`` list).

    Attributes
    ----------
    statistic, df, pvalue : float, int, float
    constraints : pandas.DataFrame
        ``constraint, h`` — each ``lhs == rhs`` and ``h = lhs - rhs`` at the estimates.
    jacobian : ndarray
        ``dh/dtheta`` over the free parameters.
    se : str
        The covariance matrix used (the fit's: ``standard``, ``robust`` ...).
    """

    statistic: float
    df: int
    pvalue: float
    constraints: pd.DataFrame
    jacobian: np.ndarray
    se: str
    name: str = "Wald test"

    @property
    def test(self) -> pd.DataFrame:
        """``test, stat, df, pvalue, se`` in one row."""
        return pd.DataFrame([{"test": "Wald", "stat": self.statistic, "df": self.df,
                              "pvalue": self.pvalue, "se": self.se}])

    def __str__(self) -> str:
        return (f"{self.name}: W = {self.statistic:.4f}, df = {self.df}, "
                f"p = {self.pvalue:.4g}")

    def summary(self, digits: int = 3) -> Summary:
        """The test and the constraints with their values."""
        return Summary("loyaltysem Wald test (lavTestWald)",
                       (("Wald test", self.test), ("Constraints", self.constraints)),
                       digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def _parse_constraints(constraints: Any) -> list[tuple[str, Any, Any]]:
    """``(text, lhs expression, rhs expression)`` of ``a == b; c*d == 0`` lines."""
    if not isinstance(constraints, str) or not constraints.strip():
        raise fail("constraints", "text such as 'a == b; c == 0'", constraints)
    parts = [p.strip() for p in re.split(r"[;\n]", constraints) if p.strip()]
    if len(parts) > MAX_CONSTRAINTS:
        raise fail("constraints", f"at most {MAX_CONSTRAINTS} constraints", f"{len(parts)}")
    out = []
    for part in parts:
        sides = part.split("==")
        if len(sides) != 2 or not sides[0].strip() or not sides[1].strip():
            raise fail("constraints", "equality constraints 'lhs == rhs' (one == each)", part)
        try:
            out.append((part, parse_expression(sides[0].strip()),
                        parse_expression(sides[1].strip())))
        except ExpressionError as error:
            raise ArgumentError(f"constraints: {part!r}: {error}") from error
    return out


def _label_values(core: CoreModel) -> tuple[dict[str, int], list[tuple[str, Any]]]:
    """Label -> free number (0-based) and the ``:=`` definitions, in order."""
    table = core.layout.table
    labels: dict[str, int] = {}
    defined = []
    if "label" in table:
        for label, op, rhs, free in zip(table["label"], table["op"], table["rhs"],
                                        table["free"].astype(int)):
            if op == ":=":
                defined.append((str(label), parse_expression(str(rhs))))
            elif isinstance(label, str) and label and free > 0:
                labels.setdefault(label, free - 1)
    return labels, defined


def wald_test(result: Any, constraints: str) -> WaldTestResult:
    """Wald test of constraints on the model's labelled parameters (``lavTestWald``).

    Parameters
    ----------
    result : FitResult or MultiGroupResult
    constraints : str
        ``lhs == rhs`` constraints separated by ``;`` or new lines, over the
        model's labels (and its ``:=`` names), e.g. ``"a == b; c1*s == 0"``;
        read by :mod:`loyaltysem.spec.expressions`' bounded parser, never ``eval``.

    Returns
    -------
    WaldTestResult

    Notes
    -----
    ``W = h' (H V H')^-1 h`` (Wald 1943), ``h = lhs - rhs`` at the estimates,
    ``H = dh/dtheta`` by the complex step (exact for + - * / ^), V the fit's
    ``vcov`` (sandwich for MLR: a robust Wald test), df = number of constraints
    (lavaan 0.6-14, ``lav_test_Wald.R``).

    References
    ----------
    Wald, A. (1943). Transactions of the American Mathematical Society, 54(3), 426-482.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> result = ls.fit("models/corp_rep.lav", "corp_rep", na_values=[-99])
    >>> test = ls.wald_test(result, "c1 == l1")  # lavTestWald(fit, "c1 == l1")
    >>> round(test.statistic, 2), test.df
    (7.63, 1)
    """
    core = _result_core(result)
    parsed = _parse_constraints(constraints)
    labels, defined = _label_values(core)
    known = set(labels) | {name for name, _ in defined}
    for text, lhs, rhs in parsed:
        unknown = [n for n in (*lhs.names, *rhs.names) if n not in known]
        if unknown:
            raise fail("constraints", "expressions over the model's labels "
                       f"({', '.join(sorted(known)) or 'the model has none'})", unknown[0])
    vcov = np.asarray(getattr(result, "vcov"), dtype=float)
    theta = np.asarray(core.theta, dtype=float)
    if vcov.shape != (theta.size, theta.size):
        raise ArgumentError(f"result: its vcov is {vcov.shape[0]} x {vcov.shape[1]} but the "
                            f"model has {theta.size} free parameters")

    def h(x: np.ndarray) -> np.ndarray:
        values: dict[str, Any] = {label: x[k] for label, k in labels.items()}
        for name, expression in defined:
            values[name] = expression.evaluate(values)
        return np.array([lhs.evaluate(values) - rhs.evaluate(values)
                         for _, lhs, rhs in parsed])

    step = 1e-30
    jac = np.empty((len(parsed), theta.size))
    for k in range(theta.size):
        shifted = theta.astype(complex)
        shifted[k] += 1j * step
        jac[:, k] = np.imag(h(shifted)) / step
    value = np.real(h(theta.astype(complex))).astype(float)
    middle = jac @ vcov @ jac.T
    try:
        statistic = float(value @ np.linalg.solve(middle, value))
    except np.linalg.LinAlgError as error:
        raise ArgumentError("constraints: the constraints are linearly dependent (their "
                            "Jacobian times vcov is singular); drop the redundant ones"
                            ) from error
    table = pd.DataFrame({"constraint": [text for text, _, _ in parsed], "h": value})
    se = str(getattr(result, "se_type", "robust" if getattr(result, "estimator", "") == "MLR"
                     else "standard"))
    return WaldTestResult(statistic, len(parsed), _pvalue(statistic, len(parsed)), table, jac, se)


__all__ = ["MAX_CONSTRAINTS", "ScoreTestResult", "WaldTestResult", "equality_constraints",
           "score_test", "wald_test"]
