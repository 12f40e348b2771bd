"""What a path diagram writes on its shapes, from a CB-SEM or a PLS-SEM fit.

:func:`diagram_values` reads a :class:`~loyaltysem.estimate.FitResult` (the
standardized solution, ``std_all``) or a :class:`~loyaltysem.pls.PLSResult`
(standardized path coefficients; Mode A loadings or Mode B weights) into one
:class:`DiagramValues`, so that :func:`~loyaltysem.plot.path_diagram` draws
both with the same layout code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..arguments import check_choice
from ..exceptions import ArgumentError

if TYPE_CHECKING:
    from ..estimate import FitResult
    from ..pls import PLSResult

#: which outer value an item box shows: ``"auto"`` loadings for Mode A, weights for Mode B
OuterValues = Literal["auto", "weights", "loadings"]
OUTER_CHOICES = ("auto", "weights", "loadings")
_STD_COLUMNS = ["std_all", "se", "pvalue"]


@dataclass(frozen=True)
class DiagramValues:
    """The numbers of a path diagram.

    Attributes
    ----------
    paths : pandas.DataFrame
        Indexed by ``(lhs, op, rhs)`` as lavaan's parameter table (``CUSA ~
        COMP``, and second-order ``g =~ visual``), with ``std_all`` (the
        standardized estimate), ``se`` (0 for a parameter without a test) and
        ``pvalue`` (NaN without a test).
    items : dict of (str, str) to float
        ``(construct, item)`` → the number in the item's box.
    composites : frozenset of str
        Constructs estimated as composites (PLS Mode B): drawn with arrows
        from their items to the construct.
    r2 : pandas.Series
        R² of the endogenous constructs.
    covariances : pandas.DataFrame
        Rows of the parameter table (``op == "~~"``) drawn as double-headed arcs;
        empty for PLS-SEM.
    method : str
        ``"CB-SEM"``, ``"PLS"`` or ``"PLSc"``.
    """

    paths: pd.DataFrame
    items: dict[tuple[str, str], float]
    composites: frozenset[str]
    r2: pd.Series
    covariances: pd.DataFrame
    method: str


def diagram_values(result: FitResult | PLSResult, outer: OuterValues = "auto") -> DiagramValues:
    """The numbers a diagram of ``result`` shows.

    Parameters
    ----------
    result : FitResult, PLSResult or a multi-group fit's ``group_view(g)``
        Anything else with the ``spec``, ``estimates`` (lavaan's parameter
        table with ``std_all``) and ``r2`` of a CB-SEM fit is read as one.
    outer : {"auto", "weights", "loadings"}
        PLS-SEM: the outer weights or loadings in the item boxes; ``"auto"``
        shows loadings for Mode A constructs and weights for Mode B composites
        (Hair et al. 2017, ch. 4-5). A CB-SEM fit has loadings only.

    Raises
    ------
    ArgumentError
        ``outer`` is not one of the choices, ``"weights"`` for a CB-SEM fit, or
        ``result`` is not a fit.
    """
    from ..pls import PLSResult

    outer = check_choice("outer", outer, OUTER_CHOICES)  # type: ignore[assignment]
    if isinstance(result, PLSResult):
        return _pls_values(result, outer)
    if not all(hasattr(result, name) for name in ("spec", "estimates", "r2")):
        raise ArgumentError("result must be a FitResult (loyaltysem.fit), a PLSResult "
                            "(loyaltysem.pls.fit_pls) or a group's view of a multi-group fit "
                            f"(MultiGroupResult.group_view); got {type(result).__name__}")
    if outer == "weights":
        raise ArgumentError("outer='weights' needs a PLS-SEM fit (loyaltysem.pls.fit_pls); "
                            "a CB-SEM fit has loadings only: use outer='auto' or 'loadings'")
    return _cb_values(result)


def _cb_values(result: FitResult) -> DiagramValues:
    """The standardized solution of a CB-SEM fit."""
    estimates = result.estimates
    std = estimates.set_index(["lhs", "op", "rhs"])
    loadings = estimates[estimates["op"] == "=~"]
    items = {(str(r.lhs), str(r.rhs)): float(r.std_all) for r in loadings.itertuples()}
    return DiagramValues(std, items, frozenset(), result.r2, estimates, "CB-SEM")


def _pls_values(result: PLSResult, outer: OuterValues) -> DiagramValues:
    """Path coefficients (with bootstrap p values when bootstrapped) and outer values."""
    paths = result.paths
    bootstrapped = "pvalue" in paths.columns
    index = pd.MultiIndex.from_arrays([paths["to"], ["~"] * len(paths), paths["from"]],
                                      names=["lhs", "op", "rhs"])
    # without a bootstrap a path has no test: se = 0 draws it solid, without stars
    table = pd.DataFrame({
        "std_all": paths["est"].to_numpy(float),
        "se": paths["se"].to_numpy(float) if bootstrapped else np.zeros(len(paths)),
        "pvalue": paths["pvalue"].to_numpy(float) if bootstrapped else np.full(len(paths),
                                                                                 np.nan),
    }, index=index, columns=_STD_COLUMNS)
    frame = result.outer
    composites = frozenset(frame.loc[frame["mode"] == "B", "construct"].astype(str))
    items: dict[tuple[str, str], float] = {}
    for row in frame.itertuples():
        column = _outer_column(str(row.mode), outer)
        items[(str(row.construct), str(row.item))] = float(getattr(row, column))
    covariances = pd.DataFrame(columns=["lhs", "op", "rhs", "std_all", "se", "pvalue"])
    return DiagramValues(table, items, composites, result.r2, covariances, result.method)


def _outer_column(mode: str, outer: OuterValues) -> str:
    if outer == "auto":
        return "weight" if mode == "B" else "loading"
    return "weight" if outer == "weights" else "loading"


def outer_caption(values: DiagramValues, outer: OuterValues = "auto") -> str:
    """In words, what the item boxes of a diagram show (for a figure caption)."""
    if values.method == "CB-SEM":
        return "standardized loadings in the item boxes"
    if outer == "auto":
        if not values.composites:
            return "outer loadings in the item boxes"
        return ("outer loadings in the boxes of Mode A items, outer weights in those of Mode B "
                "items (arrows from the items to the composite)")
    return f"outer {outer} in the item boxes"


__all__ = ["DiagramValues", "OUTER_CHOICES", "OuterValues", "diagram_values", "outer_caption"]
