"""From user statements to the full parameter table, with lavaan's defaults.

This mirrors what ``lavaan::sem()`` does to a model (``lavaanify`` with
``auto.fix.first``, ``auto.var``, ``auto.cov.lv.x``, ``auto.cov.y`` and
``fixed.x = TRUE``), so that the same syntax gives the same model here and in
lavaan (checked against lavaan 0.6-14's ``parTable()`` in the tests):

- the first indicator of every latent variable has its loading fixed to 1
  unless the user fixed or explicitly freed (``NA*``) it;
- every observed variable that is not an exogenous covariate, and every latent
  variable, gets a free (residual) variance;
- exogenous latent variables (never on the left of ``~``, not indicators of
  another latent variable) covary freely;
- "pure" dependent variables (latent or observed non-indicators on the left of
  ``~`` that predict nothing) have freely covarying residuals;
- exogenous observed covariates (``ov.x``: on the right of ``~`` only, not an
  indicator, not named in any ``~~``) have their variances and covariances
  fixed at their sample values (``fixed.x``): they are not free parameters and
  their moments do not count as data in the degrees of freedom;
- with a mean structure (``meanstructure = TRUE``, or any ``~ 1`` in the
  syntax): a free intercept for every observed variable that is not a
  covariate (an outcome's is its regression intercept), the covariates' means
  fixed at their sample means (``exo``) and latent means fixed at 0, unless
  written otherwise;
- ``std.lv = TRUE``: the first loadings are free and the (residual) variances
  of the latent variables fixed at 1 (``lav_partable_flat``'s ``std.lv``);
- ``a == b`` between two labels makes them one free parameter (lavaan keeps
  both numbers and adds an equality row, which gives the same estimates, SEs,
  ``npar`` and ``df``); ``a == 0.5`` fixes the labelled parameters.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36. Defaults: ``?lavOptions``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from .statements import CONSTRAINT_OPERATORS, Statement

#: operators whose sides are not variables
_NOT_VARIABLES = (":=", *CONSTRAINT_OPERATORS)


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class VariableRoles:
    """Which variable plays which part, with lavaan's names for each set.

    Attributes
    ----------
    latent : tuple of str
        ``lv``: left-hand sides of ``=~``.
    observed : tuple of str
        ``ov``: every other variable, in order of first appearance.
    indicators : tuple of str
        Observed variables on the right of ``=~``.
    ov_x : tuple of str
        Exogenous observed covariates (fixed.x).
    ov_y, lv_y : tuple of str
        Observed / latent variables on the left of ``~`` that predict nothing
        and are not indicators.
    lv_x : tuple of str
        Latent variables never on the left of ``~`` and not indicators of
        another latent variable (lavaan's ``lv.x``).
    endogenous : tuple of str
        Every variable with an equation: on the left of ``~`` or indicator
        (of first-order factors, observed; of second-order factors, latent).
    """

    latent: tuple[str, ...]
    observed: tuple[str, ...]
    indicators: tuple[str, ...]
    ov_x: tuple[str, ...]
    ov_y: tuple[str, ...]
    lv_x: tuple[str, ...]
    lv_y: tuple[str, ...]
    endogenous: tuple[str, ...]

    @classmethod
    def from_statements(cls, statements: Sequence[Statement]) -> "VariableRoles":
        """Classify the variables of a model."""
        model = [s for s in statements if s.op not in _NOT_VARIABLES]
        latent = _unique(s.lhs for s in model if s.op == "=~")
        order = _unique(name for s in model for name in (s.lhs, s.rhs) if name)
        observed = tuple(name for name in order if name not in latent)
        indicators = _unique(s.rhs for s in model if s.op == "=~" and s.rhs not in latent)
        regressed = set(s.lhs for s in model if s.op == "~")
        predictors = set(s.rhs for s in model if s.op == "~")
        in_covariance = set(name for s in model if s.op == "~~" for name in (s.lhs, s.rhs))
        ov_x = tuple(
            name for name in observed
            if name in predictors and name not in regressed
            and name not in indicators and name not in in_covariance
        )
        ov_y = tuple(
            name for name in observed
            if name in regressed and name not in predictors and name not in indicators
        )
        # latent variables measured by another latent (first-order factors under a
        # second-order factor) have an equation: they are neither lv.x nor pure lv.y
        latent_indicators = set(s.rhs for s in model if s.op == "=~" and s.rhs in latent)
        lv_x = tuple(name for name in latent
                     if name not in regressed and name not in latent_indicators)
        lv_y = tuple(name for name in latent if name in regressed and name not in predictors
                     and name not in latent_indicators)
        endogenous = tuple(name for name in order if name in regressed or name in indicators
                           or name in latent_indicators)
        return cls(latent, observed, indicators, ov_x, ov_y, lv_x, lv_y, endogenous)


#: Columns of a parameter table.
PARTABLE_COLUMNS = ("lhs", "op", "rhs", "free", "label", "ustart", "user", "exo")


def has_mean_structure(statements: Sequence[Statement]) -> bool:
    """Whether the syntax writes an intercept or mean (lavaan: then every variable has one)."""
    return any(s.op == "~1" for s in statements)


def lavaan_vnames(lhs: Sequence[str], op: Sequence[str], rhs: Sequence[str]
                  ) -> tuple[tuple[str, ...], ...]:
    """lavaan's variable sets of parameter rows, in its order (``lav_partable_vnames``,
    0.6-14): ``lv`` (the ``=~`` left-hand sides), the indicators (``=~`` right-hand
    sides), the observed ``~`` outcomes, the observed ``~`` predictors, then the other
    observed names of ``~~`` rows (left-hand sides, then right-hand sides) and of ``~1``
    rows, each at its first occurrence in row order."""
    left, ops, right = (np.array([str(v) for v in a], dtype=object) for a in (lhs, op, rhs))
    lv = _unique(left[ops == "=~"])
    ov_ind = _unique(n for n in right[ops == "=~"] if n not in lv)
    ov_y = _unique(n for n in left[ops == "~"] if n not in lv and n not in ov_ind)
    ov_x = _unique(n for n in right[ops == "~"] if n not in lv and n not in ov_ind
                   and n not in ov_y)
    extra = _unique(n for n in (*left[ops == "~~"], *right[ops == "~~"], *left[ops == "~1"])
                    if n not in lv)
    return lv, ov_ind, ov_y, ov_x, extra


def _covariance_order(statements: Sequence[Statement]) -> dict[str, int]:
    """Each variable's place in ``(*lv, *ov)`` of the written rows: lavaan writes a
    covariance with its names in this order (``lav_partable_covariance_reorder``,
    applied by ``lavParseModelString``), ``x7 ~~ x2`` as ``x2 ~~ x7``."""
    written = [s for s in statements if s.op in ("=~", "~", "~~", "~1")]
    names = lavaan_vnames([s.lhs for s in written], [s.op for s in written],
                          [s.rhs for s in written])
    return {name: k for k, name in enumerate(_unique(n for group in names for n in group))}


def build_parameter_table(statements: Sequence[Statement], *, source: str | None = None,
                          meanstructure: bool = False, std_lv: bool = False,
                          free_latent_means: bool = False) -> pd.DataFrame:
    """Expand user statements into the full parameter table of ``lavaan::sem()``.

    Parameters
    ----------
    statements : sequence of Statement
        The model as the user wrote it (no duplicates; see ModelSpec).
    source : str, optional
        For error messages.
    meanstructure : bool
        lavaan's ``meanstructure = TRUE`` (also on when a ``~1`` is written).
    std_lv : bool
        lavaan's ``std.lv = TRUE``: first loadings free, latent (residual)
        variances fixed at 1.
    free_latent_means : bool
        Latent means not written in the syntax are free instead of 0 (a
        multi-group model's groups 2.. with equal intercepts).

    Returns
    -------
    pandas.DataFrame
        One row per parameter with columns ``lhs, op, rhs, free, label,
        ustart, user, exo, line`` as in ``lavaan::parTable()``: ``free`` numbers the
        free parameters from 1 (0 = fixed; rows that share a label, or whose
        labels are equal by ``==``, share a number), ``ustart`` holds the value
        of fixed parameters, ``user`` is 1 for written statements and 0 for
        defaults, ``exo`` 1 for fixed.x rows. ``:=`` rows come last;
        ``==``/``<``/``>`` rows are not in the table (``ModelSpec.constraints``).
    """
    roles = VariableRoles.from_statements(statements)
    rows: list[dict] = []
    seen: set[tuple[str, str, str]] = set()

    def add(lhs: str, op: str, rhs: str, *, label: str = "", ustart: float = np.nan,
            user: int = 0, exo: int = 0, fixed: bool = False, line: int | None = None) -> None:
        key = (min(lhs, rhs), op, max(lhs, rhs)) if op == "~~" else (lhs, op, rhs)
        if key in seen:
            return
        seen.add(key)
        rows.append(dict(lhs=lhs, op=op, rhs=rhs, label=label, ustart=ustart, user=user,
                         exo=exo, fixed=fixed, line=line))

    _add_user_rows(statements, add, std_lv, _covariance_order(statements))
    _add_default_covariances(roles, add, std_lv)
    if meanstructure or has_mean_structure(statements):
        _add_default_means(roles, add, free_latent_means)
    if not rows:
        raise SpecificationError("the model has no measurement, regression or covariance "
                                 "statements (only definitions or constraints); write the "
                                 "model, e.g. 'f =~ x1 + x2 + x3'", source=source)
    table = _number_free(pd.DataFrame(rows))
    table = _apply_equalities(table, statements, source)
    table = _with_defined_rows(table, statements)
    table = table.astype({"free": int, "user": int, "exo": int, "ustart": float})
    return table[list(PARTABLE_COLUMNS) + ["line"]]


def _add_default_covariances(roles: VariableRoles, add: Callable[..., None],
                             std_lv: bool) -> None:
    """The (co)variances lavaan adds by default, in its order (``add`` skips written ones).

    auto.var: the (residual) variances of every observed variable but the
    covariates and of every latent variable (fixed at 1 with ``std_lv``);
    auto.cov.lv.x: the covariances of exogenous latent variables; auto.cov.y:
    those among the endogenous latent, then observed, variables; fixed.x: the
    covariates' variances and covariances, fixed.
    """
    for name in (*[v for v in roles.observed if v not in roles.ov_x], *roles.latent):
        fixed_lv = std_lv and name in roles.latent
        add(name, "~~", name, fixed=fixed_lv, ustart=1.0 if fixed_lv else np.nan)
    for a, b in combinations(roles.lv_x, 2):
        add(a, "~~", b)
    for a, b in combinations((*roles.lv_y, *roles.ov_y), 2):
        add(a, "~~", b)
    for i, a in enumerate(roles.ov_x):
        for b in roles.ov_x[i:]:
            add(a, "~~", b, exo=1, fixed=True)


def _add_default_means(roles: VariableRoles, add: Callable[..., None],
                       free_latent_means: bool) -> None:
    """The mean structure: observed intercepts (the covariates' means are data, fixed) and
    latent means, fixed at 0 unless ``free_latent_means``."""
    for name in roles.observed:
        add(name, "~1", "", exo=int(name in roles.ov_x), fixed=name in roles.ov_x)
    for name in roles.latent:
        add(name, "~1", "", fixed=not free_latent_means,
            ustart=np.nan if free_latent_means else 0.0)


def _with_defined_rows(table: pd.DataFrame, statements: Sequence[Statement]) -> pd.DataFrame:
    """The table with the ``:=`` definitions appended (not free; labelled by their name)."""
    defined = [s for s in statements if s.op == ":="]
    if not defined:
        return table
    extra = pd.DataFrame(
        [dict(lhs=s.lhs, op=":=", rhs=s.rhs, label=s.lhs, ustart=np.nan, user=1, exo=0,
              fixed=False, line=s.line, free=0) for s in defined]
    )
    return pd.concat([table, extra], ignore_index=True)


def _add_user_rows(statements: Sequence[Statement], add, std_lv: bool,
                   order: dict[str, int]) -> None:
    """The written statements, with lavaan's marker (auto.fix.first) and std.lv rules;
    covariances with their names in ``order`` (:func:`_covariance_order`)."""
    first_loading: dict[str, Statement] = {}
    for statement in statements:
        if statement.op == "=~" and statement.lhs not in first_loading:
            first_loading[statement.lhs] = statement
    latent = set(first_loading)
    for statement in statements:
        if statement.op in _NOT_VARIABLES:
            continue
        fixed = statement.fixed is not None
        value = float(statement.fixed) if statement.fixed is not None else np.nan
        unspecified = not fixed and not statement.free_explicit
        if (not std_lv and statement.op == "=~" and unspecified
                and first_loading.get(statement.lhs) is statement):
            fixed, value = True, 1.0  # auto.fix.first: the marker variable
        if (std_lv and statement.op == "~~" and statement.lhs == statement.rhs
                and statement.lhs in latent and unspecified):
            fixed, value = True, 1.0  # std.lv: the latent (residual) variance is 1
        lhs, rhs = statement.lhs, statement.rhs
        if statement.op == "~~" and order.get(lhs, -1) > order.get(rhs, -1):
            lhs, rhs = rhs, lhs
        add(lhs, statement.op, rhs, label=statement.label or "",
            ustart=value, user=1, fixed=fixed, line=statement.line)


def _number_free(table: pd.DataFrame) -> pd.DataFrame:
    """lavaan's ``free`` numbers: 1, 2, ... in table order; a repeated label reuses its number.

    A loop over plain lists (``iterrows`` and ``.at`` took 3 ms of every fit)."""
    free: list[int] = []
    next_free = 1
    by_label: dict[str, int] = {}
    for fixed, label in zip(table["fixed"].tolist(), table["label"].tolist()):
        if fixed:
            free.append(0)
        elif label and label in by_label:
            free.append(by_label[label])
        else:
            free.append(next_free)
            if label:
                by_label[label] = next_free
            next_free += 1
    table["free"] = np.array(free, dtype=np.int64)
    return table


def simple_equality(statement: Statement) -> tuple[str, str | float] | None:
    """``(label, label_or_value)`` for an ``==`` between a label and a label or a number."""
    if statement.op != "==":
        return None
    from .expressions import parse_expression

    sides: list[str | float] = []
    for text in (statement.lhs, statement.rhs):
        expression = parse_expression(text)
        names = expression.names
        if len(names) == 1 and text.strip() == names[0]:
            sides.append(names[0])
        elif not names:
            sides.append(float(expression.evaluate({})))
        else:
            return None
    first, second = sides
    if isinstance(first, float):
        first, second = second, first
    if isinstance(first, float):
        return None
    return first, second


def _apply_equalities(table: pd.DataFrame, statements: Sequence[Statement],
                      source: str | None) -> pd.DataFrame:
    """Merge the parameters of ``a == b`` into one, fix those of ``a == 0.5``; renumber."""
    free = table["free"].to_numpy().copy()
    labels = table["label"].fillna("").to_numpy()
    for statement in statements:
        pair = simple_equality(statement)
        if pair is None:
            continue
        label, other = pair
        rows = labels == label
        if not rows.any() or not (free[rows] > 0).all():
            continue  # ModelSpec names labels that do not exist or are fixed
        if isinstance(other, str):
            target = free[labels == other]
            if target.size and (target > 0).all() and target[0] != free[rows][0]:
                free[free == free[rows][0]] = target[0]
        else:
            number = free[rows][0]
            table.loc[free == number, "ustart"] = other
            table.loc[free == number, "fixed"] = True
            free[free == number] = 0
    used = sorted(set(int(k) for k in free if k > 0))
    renumber = {old: new for new, old in enumerate(used, start=1)}
    table["free"] = [renumber.get(int(k), 0) for k in free]
    return table


def constraint_statements(statements: Sequence[Statement]) -> tuple[Statement, ...]:
    """The ``==``/``<``/``>`` statements the parameter table does not absorb (nonlinear or
    linear with coefficients, and inequalities)."""
    return tuple(s for s in statements
                 if s.op in CONSTRAINT_OPERATORS and simple_equality(s) is None)


def count_moments(roles: VariableRoles, meanstructure: bool = False) -> int:
    """Number of observed moments that carry information (lavaan's ``ndat``).

    ``p(p+1)/2`` over the observed variables, minus the ``px(px+1)/2``
    moments of fixed.x covariates that the model reproduces by construction;
    with a mean structure also the ``p - px`` means of the others.
    """
    p, px = len(roles.observed), len(roles.ov_x)
    return p * (p + 1) // 2 - px * (px + 1) // 2 + ((p - px) if meanstructure else 0)


def check_identification(table: pd.DataFrame, roles: VariableRoles, *, source: str | None = None,
                         n_constraints: int = 0) -> int:
    """Apply the t-rule; return the degrees of freedom.

    Raises
    ------
    NotIdentifiedError
        If the model has more free parameters than observed moments.
    """
    from ..exceptions import NotIdentifiedError

    n_free = (int(table["free"].max()) if len(table) else 0) - n_constraints
    moments = count_moments(roles, bool((table["op"] == "~1").any()))
    if n_free > moments:
        raise NotIdentifiedError(
            f"the model has {n_free} free parameters but only {moments} observed moments "
            f"({len(roles.observed)} observed variables): it is not identified (t-rule). "
            "Fix parameters, add items, or remove paths/covariances",
            source=source,
        )
    return moments - n_free


__all__ = [
    "VariableRoles",
    "build_parameter_table",
    "count_moments",
    "check_identification",
    "constraint_statements",
    "has_mean_structure",
    "simple_equality",
    "SpecificationError",
]
