"""The parameters of a multi-group model: which are shared between groups.

lavaan's conventions for ``sem(model, data, group = "g", group.equal = ...)``:

- every group has the model's parameters (same fixed values, same markers),
  except where a ``c(...)*`` modifier gives each group its own label or value
  (``c(a, b)*x``, ``c(1, NA)*x``, ``c(0.5, 0.5)*x``);
- a mean structure is added: a free intercept for every observed variable in
  every group and latent means fixed at 0, except that when intercepts are
  equal across groups the latent means are free in every group but the
  first (which sets their origin); intercepts and means written in the
  syntax (``x1 ~ c(i1, i1)*1``, ``visual ~ c(0, NA)*1``) take precedence;
- ``group_equal`` classes make the parameters of that class one parameter
  across groups: ``loadings`` (``=~``), ``intercepts`` (observed ``~1``),
  ``means`` (latent ``~1``), ``residuals`` (observed variances),
  ``residual.covariances``, ``lv.variances``, ``lv.covariances``,
  ``regressions`` (``~``);
- a label written once applies to every group, so labelled parameters are
  equal across groups (lavaan warns; so does loyaltysem); the same label in
  two groups of ``c(...)`` makes those two equal, different labels keep them
  apart; labels take precedence over ``group_equal``.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36 (section on multiple groups).
Meredith, W. (1993). Measurement invariance, factor analysis and factorial
invariance. Psychometrika, 58(4), 525-543.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError

#: lavaan's group.equal classes
EQUALITY_CLASSES = ("loadings", "intercepts", "means", "residuals", "residual.covariances",
                    "lv.variances", "lv.covariances", "regressions", "thresholds")


def parameter_class(op: str, lhs: str, rhs: str, latent: set[str]) -> str:
    """The group.equal class of a parameter-table row (``~1`` for intercepts and means)."""
    if op == "=~":
        return "loadings"
    if op == "~":
        return "regressions"
    if op == "~1":
        return "means" if lhs in latent else "intercepts"
    if op == "~~":
        both_latent = lhs in latent and rhs in latent
        if lhs == rhs:
            return "lv.variances" if both_latent else "residuals"
        return "lv.covariances" if both_latent else "residual.covariances"
    return ""


@dataclass(frozen=True)
class GroupLayout:
    """Where each group's parameters live in the global parameter vector.

    Attributes
    ----------
    groups : tuple of str
        Group labels, in order of first appearance in the data (lavaan).
    observed, latent : tuple of str
        Observed variables (the order of every per-group matrix) and latent
        variables (the order of the latent means).
    n_free : int
        Length of the global parameter vector.
    table : pandas.DataFrame
        The multi-group parameter table: ``group, lhs, op, rhs, label, free,
        ustart, exo`` (``free`` numbers the global parameters from 1; 0 = fixed),
        one block per group with the same rows, intercept and mean rows (op
        ``~1``) included.
    """

    groups: tuple[str, ...]
    observed: tuple[str, ...]
    latent: tuple[str, ...]
    n_free: int
    table: pd.DataFrame


def group_tables(spec, n_groups: int, group_equal: Sequence[str] = ()) -> list[pd.DataFrame]:
    """Each group's parameter table (``ModelSpec.group_table``): its ``c(...)`` modifiers
    and, with equal intercepts but not equal means, free latent means in groups 2.."""
    means_free = "intercepts" in group_equal and "means" not in group_equal
    tables = [spec.group_table(g, n_groups, free_latent_means=means_free and g > 0)
              for g in range(n_groups)]
    if spec.std_lv:
        latent = set(spec.roles.latent)
        tables = [free_latent_variances(t, latent, group_equal) if g else t
                  for g, t in enumerate(tables)]
    canonical = label_classes(spec.statements)
    for table in tables:
        labels = table["label"].fillna("").astype(str)
        table["share"] = [canonical.get(label, label) for label in labels]
    return tables


def free_latent_variances(table: pd.DataFrame, latent: set[str], equal: Collection[str]
                          ) -> pd.DataFrame:
    """A later group's table of a ``std.lv`` model with its latent variances freed when
    the loadings are equal across groups (and the latent variances are not): the first
    group's variances of 1 set the scale (lavaan's ``std.lv = TRUE`` with
    ``group.equal = "loadings"``; Wu & Estabrook 2016)."""
    if "loadings" not in equal or "lv.variances" in equal:
        return table
    table = table.copy()
    rows = ((table["op"] == "~~") & (table["lhs"] == table["rhs"])
            & table["lhs"].isin(list(latent)) & (table["free"] == 0)).to_numpy()
    start = int(table["free"].max()) + 1
    table.loc[rows, "free"] = np.arange(start, start + int(rows.sum()))
    table.loc[rows, "ustart"] = np.nan
    return table


def label_classes(statements: Sequence) -> dict[str, str]:
    """Each label joined to others by ``a == b`` statements -> the first label of its class.

    A group's table merges ``a == b`` when it has both labels; with ``c(a1, a2)*``
    modifiers ``a1 == a2`` joins labels of different groups, which only the multi-group
    layout sees (lavaan: one ``==`` row either way)."""
    from ..spec.partable import simple_equality

    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.get(label, label) != label:
            label = parent[label]
        return label

    order: list[str] = []
    for statement in statements:
        pair = simple_equality(statement)
        if pair is None or not isinstance(pair[1], str):
            continue
        names = (str(pair[0]), pair[1])
        for label in names:
            if label not in parent:
                parent[label] = label
                order.append(label)
        a, b = root(names[0]), root(names[1])
        if a != b:
            first, second = sorted((a, b), key=order.index)
            parent[second] = first
    return {label: root(label) for label in order}


def parameter_key(lhs: str, op: str, rhs: str) -> str:
    """``"lhs<op>rhs"`` without spaces, covariances in sorted order (lavaan's
    ``group.partial`` notation: ``"visual=~x2"``, ``"x3~1"``)."""
    if op == "~~":
        lhs, rhs = sorted((lhs, rhs))
    return f"{lhs}{op}{rhs}"


def _normalise_partial(entry: str) -> str:
    text = "".join(entry.split())
    for op in ("=~", "~~", "~1", "~"):
        if op in text:
            lhs, _, rhs = text.partition(op)
            if op == "~1":
                return parameter_key(lhs, "~1", "")
            return parameter_key(lhs, op, rhs)
    raise SpecificationError(f"cannot read the group_partial entry {entry!r}: write it as "
                             "lavaan does, e.g. 'visual=~x2' or 'x3~1'")


def build_layout(tables: Sequence[pd.DataFrame], observed: Sequence[str],
                 latent: Sequence[str], groups: Sequence[str], group_equal: Sequence[str] = (),
                 group_partial: Sequence[str] = ()) -> GroupLayout:
    """Lay out the parameters of a multi-group model (see the module notes).

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        One parameter table per group (:func:`group_tables`: lavaan's defaults
        and the mean structure applied, each group's ``c(...)`` modifiers);
        every table has the same rows in the same order.
    observed : sequence of str
        Observed variables in the engine's order.
    latent : sequence of str
        Latent variables in the engine's order.
    groups : sequence of str
    group_equal : sequence of str
        Classes of :data:`EQUALITY_CLASSES` constrained equal across groups.
    group_partial : sequence of str
        Parameters exempt from ``group_equal`` (partial invariance), in
        lavaan's notation (``"visual=~x2"``, ``"x3~1"``).

    Returns
    -------
    GroupLayout

    Notes
    -----
    A free row's global parameter is its label's when it has one (shared by
    every row and group with that label), else the same row's in every group
    when its class is in ``group_equal`` and it is not in ``group_partial``,
    else its own; rows a group's table numbers alike (``a == b``) stay one, and so do
    labels of different groups joined by ``a1 == a2`` (the tables' ``share`` column of
    :func:`group_tables`: the first label of each class of :func:`label_classes`).
    Fixed.x rows (covariates' variances, covariances and means) are data.
    """
    unknown = [c for c in group_equal if c not in EQUALITY_CLASSES]
    if unknown:
        raise SpecificationError(
            f"unknown group_equal class(es) {', '.join(map(repr, unknown))}; use any of "
            + ", ".join(EQUALITY_CLASSES))
    equal = set(group_equal)
    partial = {_normalise_partial(entry) for entry in group_partial}
    latent_set = set(latent)
    model_tables = [t[t["op"] != ":="].reset_index(drop=True) for t in tables]
    first = model_tables[0]
    keys = [parameter_key(r.lhs, r.op, r.rhs) for r in first.itertuples(index=False)]
    unknown_partial = sorted(partial - set(keys))
    if unknown_partial:
        raise SpecificationError(
            f"group_partial names parameter(s) the model does not have: "
            f"{', '.join(unknown_partial)}")
    common = [parameter_class(r.op, r.lhs, r.rhs, latent_set) in equal and key not in partial
              for r, key in zip(first.itertuples(index=False), keys)]
    shared: dict[tuple, int] = {}
    blocks = []
    for g, table in enumerate(model_tables):
        local_key: dict[int, tuple] = {}
        free = table["free"].to_numpy(dtype=int)
        labels = (table["share"] if "share" in table else table["label"]).fillna("").to_numpy()
        numbers = np.zeros(len(table), dtype=int)
        for r in np.flatnonzero(free > 0):
            key = local_key.setdefault(int(free[r]), ("label", labels[r]) if labels[r]
                                       else ("row", int(r)) if common[r] else ("row", int(r), g))
            numbers[r] = shared.setdefault(key, len(shared)) + 1
        block = table[["lhs", "op", "rhs", "label", "ustart", "exo"]].copy()
        block["free"] = numbers
        block.insert(0, "group", groups[g])
        blocks.append(block)
    table = pd.concat(blocks, ignore_index=True)
    table["label"] = table["label"].fillna("")
    table["exo"] = table["exo"].fillna(0).astype(int)
    return GroupLayout(tuple(groups), tuple(observed), tuple(latent), len(shared),
                       table[["group", "lhs", "op", "rhs", "label", "free", "ustart", "exo"]])

def core_table(table: pd.DataFrame, groups: Sequence[str], spec) -> pd.DataFrame:
    """The multi-group table as the core reads it: groups numbered from 0, the
    covariates' means marked as data (fixed.x), the spec's ``:=`` rows last with group -1
    (the layout ignores them; the estimates and the standardized solution read them)."""
    out = table.copy()
    out["group"] = out["group"].map({g: i for i, g in enumerate(groups)})
    out.loc[(out["op"] == "~1") & out["lhs"].isin(spec.roles.ov_x), "exo"] = 1
    defined = spec.parameter_table[spec.parameter_table["op"] == ":="]
    return pd.concat([out, defined[list(out.columns.drop("group"))].assign(group=-1)],
                     ignore_index=True)
