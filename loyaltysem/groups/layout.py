"""The parameters of a multi-group model: which are shared between groups.

lavaan's conventions for ``sem(model, data, group = "g", group.equal = ...)``:

- every group has the model's parameters (same fixed values, same markers);
- a mean structure is added: a free intercept for every observed variable in
  every group and latent means fixed at 0, except that when intercepts are
  equal across groups the latent means are free in every group but the
  first (which sets their origin);
- ``group_equal`` classes make the parameters of that class one parameter
  across groups: ``loadings`` (``=~``), ``intercepts`` (observed ``~1``),
  ``means`` (latent ``~1``), ``residuals`` (observed variances),
  ``residual.covariances``, ``lv.variances``, ``lv.covariances``,
  ``regressions`` (``~``);
- a label written once applies to every group, so labelled parameters are
  equal across groups (lavaan warns; so does loyaltysem).

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36 (section on multiple groups).
Meredith, W. (1993). Measurement invariance, factor analysis and factorial
invariance. Psychometrika, 58(4), 525-543.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError

#: lavaan's group.equal classes
EQUALITY_CLASSES = ("loadings", "intercepts", "means", "residuals", "residual.covariances",
                    "lv.variances", "lv.covariances", "regressions")


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
    index : ndarray, shape (G, q + p + m)
        For group g, the global index of each local parameter — the q free
        covariance-structure parameters (the single-group ``free`` order),
        then the p intercepts, then the m latent means; -1 where fixed.
    fixed_value : ndarray, shape (G, q + p + m)
        The value of fixed local parameters (0 for fixed latent means).
    n_free : int
        Length of the global parameter vector.
    table : pandas.DataFrame
        The multi-group parameter table: ``group, lhs, op, rhs, label, free,
        ustart`` (``free`` numbers the global parameters from 1; 0 = fixed),
        one block per group, intercept and mean rows (op ``~1``) included.
    """

    groups: tuple[str, ...]
    observed: tuple[str, ...]
    latent: tuple[str, ...]
    index: np.ndarray
    fixed_value: np.ndarray
    n_free: int
    table: pd.DataFrame


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


def build_layout(base_table: pd.DataFrame, observed: Sequence[str], latent: Sequence[str],
                 groups: Sequence[str], group_equal: Sequence[str] = (),
                 group_partial: Sequence[str] = (), covariates: Sequence[str] = ()
                 ) -> GroupLayout:
    """Lay out the parameters of a multi-group model (see the module notes).

    Parameters
    ----------
    base_table : pandas.DataFrame
        The single-group parameter table (lavaan defaults applied).
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
    covariates : sequence of str
        Exogenous observed covariates (fixed.x): their means are not
        parameters (fixed at each group's sample means by the engine), so
        their intercept entries are fixed.

    Returns
    -------
    GroupLayout
    """
    unknown = [c for c in group_equal if c not in EQUALITY_CLASSES]
    if unknown:
        raise SpecificationError(
            f"unknown group_equal class(es) {', '.join(map(repr, unknown))}; use any of "
            + ", ".join(EQUALITY_CLASSES))
    equal = set(group_equal)
    partial = {_normalise_partial(entry) for entry in group_partial}
    latent_set = set(latent)
    model_rows = base_table[base_table["op"] != ":="]
    q = int(model_rows["free"].max()) if len(model_rows) else 0
    p, m = len(observed), len(latent)
    # the class and label of each local free parameter (rows sharing a label share it)
    local_class: dict[int, str] = {}
    labelled: set[int] = set()
    exempt: set[int] = set()
    known = {parameter_key(v, "~1", "") for v in observed} | {
        parameter_key(v, "~1", "") for v in latent}
    for row in model_rows.itertuples(index=False):
        key = parameter_key(row.lhs, row.op, row.rhs)
        known.add(key)
        if row.free > 0:
            local_class.setdefault(int(row.free), parameter_class(row.op, row.lhs, row.rhs,
                                                                  latent_set))
            if row.label:
                labelled.add(int(row.free))
            if key in partial:
                exempt.add(int(row.free))
    unknown_partial = sorted(partial - known)
    if unknown_partial:
        raise SpecificationError(
            f"group_partial names parameter(s) the model does not have: "
            f"{', '.join(unknown_partial)}")
    n_groups = len(groups)
    index = np.full((n_groups, q + p + m), -1, dtype=int)
    fixed_value = np.zeros((n_groups, q + p + m))
    shared: dict[tuple, int] = {}
    counter = 0

    def assign(key: tuple) -> int:
        nonlocal counter
        if key not in shared:
            shared[key] = counter
            counter += 1
        return shared[key]

    means_free = "intercepts" in equal and "means" not in equal
    for g in range(n_groups):
        for k in range(1, q + 1):
            common = (local_class[k] in equal and k not in exempt) or k in labelled
            index[g, k - 1] = assign(("theta", k) if common else ("theta", k, g))
        for i in range(p):
            if observed[i] in covariates:
                continue  # fixed.x: the mean is the group's sample mean, not a parameter
            common = "intercepts" in equal and parameter_key(observed[i], "~1", "") not in partial
            index[g, q + i] = assign(("nu", i) if common else ("nu", i, g))
        for j in range(m):
            if "means" in equal and parameter_key(latent[j], "~1", "") not in partial:
                continue  # equal latent means: fixed at 0 in every group
            if means_free and g > 0:
                index[g, q + p + j] = assign(("alpha", j, g))
    table = _multigroup_table(model_rows, observed, latent, groups, index, fixed_value, q)
    return GroupLayout(tuple(groups), tuple(observed), tuple(latent), index, fixed_value,
                       counter, table)


def _multigroup_table(model_rows: pd.DataFrame, observed, latent, groups, index, fixed_value,
                      q: int) -> pd.DataFrame:
    blocks = []
    p = len(observed)
    for g, group in enumerate(groups):
        block = model_rows[["lhs", "op", "rhs", "label", "ustart", "exo"]].copy()
        local = model_rows["free"].to_numpy()
        block["free"] = np.where(local > 0, index[g, np.maximum(local - 1, 0)] + 1, 0)
        means = pd.DataFrame({
            "lhs": list(observed) + list(latent), "op": "~1", "rhs": "", "label": "",
            "ustart": np.concatenate([np.full(p, np.nan), fixed_value[g, q + p:]]), "exo": 0,
        })
        means["free"] = index[g, q:] + 1
        means.loc[means["free"] == 0, "ustart"] = fixed_value[g, q:][means["free"] == 0]
        block = pd.concat([block, means], ignore_index=True)
        block.insert(0, "group", group)
        blocks.append(block)
    table = pd.concat(blocks, ignore_index=True)
    table["label"] = table["label"].fillna("")
    table["exo"] = table["exo"].fillna(0).astype(int)
    return table[["group", "lhs", "op", "rhs", "label", "free", "ustart", "exo"]]
