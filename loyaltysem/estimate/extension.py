"""A fitted model extended by parameters it does not have — for Lagrange-multiplier tests.

Modification indices and score tests ask how the ML discrepancy would change
if parameters that the model fixes (or lacks) were freed. Both need the
gradient and the expected information of the *extended* model at the fitted
values, with the new parameters at zero (or at the value the model fixes them
at). On the core that is one more parameter table: the fitted table with the
new rows appended (or fixed rows given their own ``free`` numbers), laid out
by :func:`.layout.build_parameter_layout` and evaluated by
:class:`.ml.MLFunctions` on the fit's own moments.

Scales follow lavaan 0.6 (``lav_model_gradient.R``, ``lav_model_information.R``):
``gradient`` is ``dF/dtheta`` of lavaan's ``fmin = F / 2`` (half of the core's),
``information`` the unit expected information ``Delta' W Delta`` (the core's),
with the rows and columns of the fixed.x moments (covariances and means among
exogenous covariates) set to zero, as ``lav_mvnorm_information_expected(x.idx =)``
does: a parameter that only moves those moments carries no information.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36 (source files
``lav_object_methods.R``, ``lav_mvnorm.R``, lavaan 0.6-14).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .layout import ParameterLayout, build_parameter_layout
from .ml import CoreModel, MLFunctions
from .moments import GroupMoments, PatternMoments

#: Operators of parameter rows (``:=``, ``==`` ... are not parameters).
PARAMETER_OPS = ("=~", "~", "~~", "~1")


def parameter_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a core table that are parameters, with a ``group`` column (0-based)."""
    rows = table[table["op"].isin(PARAMETER_OPS)].copy()
    if "group" not in rows:
        rows["group"] = 0
    rows["group"] = rows["group"].astype(int)
    if "exo" not in rows:
        rows["exo"] = 0
    return rows


def row_key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    """``(lhs, op, rhs)`` with covariances in a canonical order."""
    if op == "~~" and rhs < lhs:
        return (rhs, op, lhs)
    return (lhs, op, rhs)


def row_values(core: CoreModel) -> np.ndarray:
    """The value of every row of ``core.layout.table`` at the fit (NaN for ``:=`` rows).

    Free rows take ``theta``, fixed rows ``ustart``, fixed.x rows the group's
    sample moments (how the layout fills them)."""
    table = core.layout.table
    structure = core.layout.structure
    groups = table["group"].to_numpy(dtype=int) if "group" in table else np.zeros(len(table), int)
    exo = table["exo"].to_numpy(dtype=int) if "exo" in table else np.zeros(len(table), int)
    out = np.full(len(table), np.nan)
    for r, (lhs, op, rhs, free) in enumerate(zip(table["lhs"], table["op"], table["rhs"],
                                                 table["free"].astype(int))):
        if op not in PARAMETER_OPS:
            continue
        if free > 0:
            out[r] = core.theta[free - 1]
        elif exo[r]:
            moments = core.groups[groups[r]]
            a = structure.observed_index(str(lhs))
            out[r] = (moments.mean[0][a] if op == "~1"
                      else moments.cov[0][a, structure.observed_index(str(rhs))])
        else:
            out[r] = float(table["ustart"].iloc[r])
    return out


def _permuted(groups: tuple[GroupMoments, ...], old: tuple[str, ...], new: tuple[str, ...]
              ) -> tuple[GroupMoments, ...]:
    """The moments re-ordered from variable order ``old`` to ``new``."""
    if old == new:
        return groups
    perm = np.array([old.index(name) for name in new])
    position = {old_index: k for k, old_index in enumerate(perm)}
    out = []
    for moments in groups:
        patterns = []
        for pattern in moments.patterns:
            observed = np.array([position[int(i)] for i in pattern.observed])
            order = np.argsort(observed)
            rows = None if pattern.rows is None else pattern.rows[:, order]
            patterns.append(PatternMoments(observed[order], pattern.n, pattern.mean[:, order],
                                           pattern.cov[:, order][:, :, order], rows))
        out.append(GroupMoments(tuple(patterns), moments.n, moments.cov[:, perm][:, :, perm],
                                moments.mean[:, perm], moments.h1, moments.complete))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class ExtendedModel:
    """A fit with extra free parameters (see the module notes).

    Attributes
    ----------
    layout : ParameterLayout
    functions : MLFunctions
    theta : ndarray
        The fitted parameters, then the extra ones at their starting values.
    n_model : int
        The first ``n_model`` entries of ``theta`` are the model's parameters.
    gradient : ndarray
        lavaan's ``dfmin/dtheta`` (half the core's ``dF/dtheta``).
    information : ndarray
        Unit expected information, fixed.x moments removed.
    n_total : float
        Total sample size N.
    """

    layout: ParameterLayout
    functions: MLFunctions
    theta: np.ndarray
    n_model: int
    gradient: np.ndarray
    information: np.ndarray
    n_total: float


def extend(core: CoreModel, table: pd.DataFrame, theta: np.ndarray, n_model: int,
           covariates: tuple[str, ...]) -> ExtendedModel:
    """Evaluate an extended table on the fit's data.

    Parameters
    ----------
    core : CoreModel
        The fit.
    table : pandas.DataFrame
        A core table whose ``free`` numbers ``1..n_model`` are the model's own
        parameters (in the order of ``theta``) and ``n_model+1...`` the extra ones.
    theta : ndarray
        Every parameter of the table: the model's (as fitted), then the extra ones
        at their starting values.
    n_model : int
    covariates : tuple of str
        The fixed.x covariates (their moments carry no information).
    """
    layout = build_parameter_layout(table)
    groups = _permuted(tuple(core.groups), core.layout.structure.observed,
                       layout.structure.observed)
    functions = MLFunctions(layout, groups)
    theta = np.asarray(theta, dtype=float)
    _, gradient = functions.evaluate(theta)
    assert gradient is not None
    x_index = np.array([layout.structure.observed_index(name) for name in covariates], dtype=int)
    information = functions.information(theta, masked=x_index)
    return ExtendedModel(layout, functions, theta, n_model, 0.5 * gradient[0], information,
                         float(functions.n_total[0]))


def model_rows(core: CoreModel) -> pd.DataFrame:
    """The parameter rows of a fit's layout (no ``:=``), with ``group`` and ``exo`` columns:
    ``lhs, op, rhs, group, free, ustart, exo``."""
    table = core.layout.table
    table = table[table["op"].isin(PARAMETER_OPS)].copy()
    if "group" not in table:
        table["group"] = 0
    if "exo" not in table:
        table["exo"] = 0
    return table[["lhs", "op", "rhs", "group", "free", "ustart", "exo"]]


def covariates_of(table: pd.DataFrame) -> tuple[str, ...]:
    """The fixed.x covariates of a core table (names in its ``exo`` rows)."""
    rows = parameter_rows(table)
    rows = rows[(rows["exo"].astype(int) == 1) & (rows["op"] == "~~")]
    return tuple(dict.fromkeys(str(name) for name in (*rows["lhs"], *rows["rhs"])))


__all__ = ["ExtendedModel", "PARAMETER_OPS", "covariates_of", "extend", "model_rows",
           "parameter_rows", "row_key", "row_values"]
