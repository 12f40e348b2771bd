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
  their moments do not count as data in the degrees of freedom.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36. Defaults: ``?lavOptions``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from .statements import Statement


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
        model = [s for s in statements if s.op != ":="]
        latent = _unique(s.lhs for s in model if s.op == "=~")
        order = _unique(name for s in model for name in (s.lhs, s.rhs))
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


def build_parameter_table(statements: Sequence[Statement], *, source: str | None = None) -> pd.DataFrame:
    """Expand user statements into the full parameter table of ``lavaan::sem()``.

    Parameters
    ----------
    statements : sequence of Statement
        The model as the user wrote it (no duplicates; see ModelSpec).
    source : str, optional
        For error messages.

    Returns
    -------
    pandas.DataFrame
        One row per parameter with columns ``lhs, op, rhs, free, label,
        ustart, user, exo`` as in ``lavaan::parTable()``: ``free`` numbers the
        free parameters from 1 (0 = fixed; rows that share a label share a
        number), ``ustart`` holds the value of fixed parameters, ``user`` is
        1 for written statements and 0 for defaults, ``exo`` 1 for fixed.x
        rows. ``:=`` rows come last.
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

    first_loading: dict[str, Statement] = {}
    for statement in statements:
        if statement.op == "=~" and statement.lhs not in first_loading:
            first_loading[statement.lhs] = statement

    for statement in statements:
        if statement.op == ":=":
            continue
        fixed = statement.fixed is not None
        value = float(statement.fixed) if statement.fixed is not None else np.nan
        if (statement.op == "=~" and first_loading.get(statement.lhs) is statement
                and not fixed and not statement.free_explicit):
            fixed, value = True, 1.0  # auto.fix.first: the marker variable
        add(statement.lhs, statement.op, statement.rhs, label=statement.label or "",
            ustart=value, user=1, fixed=fixed, line=statement.line)

    # auto.var: (residual) variances of all ov except ov.x, and of all lv
    for name in (*[v for v in roles.observed if v not in roles.ov_x], *roles.latent):
        add(name, "~~", name)
    # auto.cov.lv.x
    for a, b in combinations(roles.lv_x, 2):
        add(a, "~~", b)
    # auto.cov.y: among lv.y and ov.y (lavaan orders lv.y first)
    for a, b in combinations((*roles.lv_y, *roles.ov_y), 2):
        add(a, "~~", b)
    # fixed.x: variances and covariances of exogenous covariates, fixed
    for i, a in enumerate(roles.ov_x):
        for b in roles.ov_x[i:]:
            add(a, "~~", b, exo=1, fixed=True)

    table = pd.DataFrame(rows)
    table["free"] = 0
    next_free = 1
    by_label: dict[str, int] = {}
    for index, row in table.iterrows():
        if row["fixed"]:
            continue
        if row["label"] and row["label"] in by_label:
            table.at[index, "free"] = by_label[row["label"]]
            continue
        table.at[index, "free"] = next_free
        if row["label"]:
            by_label[row["label"]] = next_free
        next_free += 1

    defined = [s for s in statements if s.op == ":="]
    if defined:
        extra = pd.DataFrame(
            [dict(lhs=s.lhs, op=":=", rhs=s.rhs, label=s.lhs, ustart=np.nan, user=1, exo=0,
                  fixed=False, line=s.line, free=0) for s in defined]
        )
        table = pd.concat([table, extra], ignore_index=True)
    table = table.astype({"free": int, "user": int, "exo": int, "ustart": float})
    return table[list(PARTABLE_COLUMNS) + ["line"]]


def count_moments(roles: VariableRoles) -> int:
    """Number of observed moments that carry information (lavaan's ``ndat``).

    ``p(p+1)/2`` over the observed variables, minus the ``px(px+1)/2``
    moments of fixed.x covariates that the model reproduces by construction.
    """
    p, px = len(roles.observed), len(roles.ov_x)
    return p * (p + 1) // 2 - px * (px + 1) // 2


def check_identification(table: pd.DataFrame, roles: VariableRoles, *, source: str | None = None) -> int:
    """Apply the t-rule; return the degrees of freedom.

    Raises
    ------
    NotIdentifiedError
        If the model has more free parameters than observed moments.
    """
    from ..exceptions import NotIdentifiedError

    n_free = int(table["free"].max()) if len(table) else 0
    moments = count_moments(roles)
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
    "SpecificationError",
]
