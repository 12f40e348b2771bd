"""lavaan's parameter table for ordinal items, one group or several.

With ordinal items lavaan's table (``lavaanify(..., ordered =)``, ``lav_partable_flat``)
differs from the continuous one in four ways, which :func:`latent_response_rows` and
:func:`threshold_rows` apply:

- one free threshold ``item | t<k>`` per category boundary of every ordinal item and
  group, one parameter across groups under ``group_equal=["thresholds"]`` (except the
  thresholds named in ``group_partial``, ``"item|t2"``);
- the intercepts of ordinal items are fixed at 0 (and the mean structure is that of
  the continuous items and of the latent means);
- in the delta parameterization the residual variances of ordinal items are not
  parameters (fixed rows, their values ``1 / delta^2 - diag(Lambda C Psi C'
  Lambda')`` set after the fit) and every group has a scaling factor ``item ~*~ item``
  per ordinal item: 1 in the first group, free in the others when the thresholds are
  equal; in the theta parameterization the residual variances are fixed at 1 in the
  first group and free in the others when the thresholds are equal (and the residuals
  are not), and ``~*~`` rows report ``Sigma_jj^(-1/2)``;
- with equal thresholds the latent means are free in groups 2.. (unless equal means).

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1-36; lavaan 0.6-14 ``lav_partable_flat`` (observed on
tests/reference/make_ordinal_groups_reference.R).
Muthén, B., & Asparouhov, T. (2002). Latent variable analysis with categorical
outcomes: multiple-group and growth modeling in Mplus. Mplus Web Note 4.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from ..ordinal import OrdinalStatistics
from ..spec.statements import Statement


def latent_response_rows(table: pd.DataFrame, ordinal: Sequence[str], parameterization: str,
                         *, first_group: bool = True, free_residuals: bool = False,
                         free_intercepts: bool = False) -> pd.DataFrame:
    """One group's table (lavaan's free numbers, before the groups are laid out) with the
    ordinal items' residual variances and intercepts as lavaan has them (module notes):
    ``free_residuals`` keeps the theta parameterization's residual variances free (a
    group after the first with equal thresholds), ``free_intercepts`` the intercepts
    (Wu & Estabrook's identification, :mod:`loyaltysem.groups.ordinal`)."""
    table = table.copy()
    items = table["lhs"].isin(list(ordinal)).to_numpy()
    residual = ((table["op"] == "~~") & (table["lhs"] == table["rhs"])).to_numpy() & items
    if parameterization == "delta":
        table.loc[residual, ["free", "ustart"]] = [0, 0.0]
    elif first_group or not free_residuals:
        table.loc[residual, ["free", "ustart"]] = [0, 1.0]
    intercept = (table["op"] == "~1").to_numpy() & items
    if not free_intercepts:
        table.loc[intercept, ["free", "ustart"]] = [0, 0.0]
    free = table["free"].to_numpy(dtype=int)
    numbers = {old: new for new, old in enumerate(sorted(set(free[free > 0])), start=1)}
    table["free"] = [numbers.get(int(v), 0) for v in free]
    return table


def threshold_rows(table: pd.DataFrame, statistics: Sequence[OrdinalStatistics],
                   groups: Sequence, parameterization: str, *, equal: bool = False,
                   partial: Sequence[str] = (), free_scales: bool | None = None,
                   written: Sequence[Statement] = ()) -> pd.DataFrame:
    """The laid-out table (``free`` global; a ``group`` column with several groups) with
    every group's threshold and scaling-factor rows after its structural rows (module
    notes); their parameters are numbered after the table's. ``free_scales``: whether
    the delta parameterization's scaling factors are free in groups 2.. (default:
    with ``equal`` thresholds, lavaan's rule). ``written``: the thresholds the model
    writes (``item | a*t1 + 0*t2``; per group with ``c(...)``): a fixed one is fixed, a
    labelled one is one parameter with every threshold of that label.

    Raises
    ------
    SpecificationError
        A written threshold of an item that is not ordinal in the fit or beyond its
        categories, a ``c(...)`` of the wrong length, a label shared with a parameter that
        is not a threshold.
    """
    free_scales = equal if free_scales is None else free_scales
    chosen = _written_thresholds(written, statistics, len(groups), table)
    exempt = {"".join(p.split()) for p in partial}
    known = {str(label) for stats in statistics for label in stats.thresholds.index}
    unknown = sorted(exempt - known)
    if unknown:
        raise SpecificationError(f"group_partial names thresholds the data do not have: "
                                 f"{', '.join(unknown)} (the thresholds are item|t1 .. "
                                 "item|t<categories - 1>)")
    # an equal threshold fixed in one group is fixed at that value in every group
    shared_fixed = {(item, t): fixed for (g, item, t), (label, fixed) in chosen.items()
                    if equal and fixed is not None and not label
                    and f"{item}|{t}" not in exempt}
    multi = "group" in table
    q = int(table["free"].max()) if len(table) else 0
    numbers: dict[tuple, int] = {}
    blocks = []
    for g, (name, stats) in enumerate(zip(groups, statistics)):
        block = table[table["group"] == name] if multi else table
        labels = [str(label).split("|") for label in stats.thresholds.index]
        free, ustart, names = [], [], []
        for item, t in labels:
            label, fixed = chosen.get((g, item, t), (None, None))
            if fixed is None and not label:
                fixed = shared_fixed.get((item, t))
            names.append(label or "")
            ustart.append(np.nan if fixed is None else float(fixed))
            if fixed is not None:
                free.append(0)
                continue
            key = (("label", label) if label else (item, t) if equal and f"{item}|{t}"
                   not in exempt else (g, item, t))
            free.append(numbers.setdefault(key, q + len(numbers) + 1))
        rows = {"lhs": [item for item, _ in labels], "op": "|",
                "rhs": [t for _, t in labels], "free": free, "ustart": ustart, "label": names}
        scale_free = []
        for item in stats.ordered:
            if parameterization == "delta" and g > 0 and free_scales:
                scale_free.append(numbers.setdefault((g, item, "~*~"),
                                                     q + len(numbers) + 1))
            else:
                scale_free.append(0)
        scales = {"lhs": list(stats.ordered), "op": "~*~", "rhs": list(stats.ordered),
                  "free": scale_free, "ustart": 1.0}
        scales["label"] = ""
        extra = pd.concat([pd.DataFrame(rows), pd.DataFrame(scales)], ignore_index=True)
        if multi:
            extra["group"] = name
        for column in block.columns:
            if column not in extra:
                extra[column] = 0 if block[column].dtype.kind in "iuf" else ""
        extra = extra[list(block.columns)].astype(block.dtypes.to_dict())
        structural = np.flatnonzero(block["op"].isin(["=~", "~"]).to_numpy())
        at = int(structural.max()) + 1 if structural.size else 0
        blocks += [block.iloc[:at], extra.iloc[:len(labels)], block.iloc[at:],
                   extra.iloc[len(labels):]]
    return pd.concat(blocks, ignore_index=True)


def _written_thresholds(written: Sequence[Statement],
                        statistics: Sequence[OrdinalStatistics], n_groups: int,
                        table: pd.DataFrame) -> dict[tuple[int, str, str], tuple]:
    """``(group, item, t) -> (label, fixed)`` of the written thresholds, checked."""
    other_labels = set(table["label"].fillna("").astype(str)) - {""}
    out: dict[tuple[int, str, str], tuple] = {}
    for statement in written:
        where = f"{statement.lhs} | {statement.rhs}"
        if statement.groups and len(statement.groups) != n_groups:
            raise SpecificationError(f"{where}: c(...) lists {len(statement.groups)} values but "
                                     f"the data has {n_groups} groups; give one per group",
                                     line=statement.line)
        for g, stats in enumerate(statistics):
            if statement.lhs not in stats.ordered:
                raise SpecificationError(
                    f"{where}: {statement.lhs!r} is not an ordinal item of this fit; its "
                    "thresholds need it among the ordered items", line=statement.line)
            known = [str(label).split("|")[1] for label in stats.thresholds.index
                     if str(label).split("|")[0] == statement.lhs]
            if statement.rhs not in known:
                raise SpecificationError(
                    f"{where}: {statement.lhs!r} has {len(known) + 1} categories in the data, "
                    f"so its thresholds are {', '.join(known)}; lavaan could not identify "
                    f"{statement.rhs}", line=statement.line)
            modifier = statement.groups[g] if statement.groups else statement
            if modifier.label and modifier.label in other_labels:
                raise SpecificationError(
                    f"{where}: the label {modifier.label!r} also names a parameter that is not "
                    "a threshold; give thresholds their own labels", line=statement.line)
            out[(g, statement.lhs, statement.rhs)] = (modifier.label, modifier.fixed)
    return out


def layout_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows the layout of the latent responses reads (no thresholds, no scales)."""
    return table[~table["op"].isin(["|", "~*~"])].reset_index(drop=True)


__all__ = ["latent_response_rows", "layout_rows", "threshold_rows"]
