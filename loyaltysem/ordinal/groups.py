"""Ordinal sample statistics per group, as lavaan's multi-group ``ordered =`` fits.

lavaan takes the categories of an ordinal item from the whole data (the
levels of the ordered factor) and computes the two-step statistics in each
group separately; a category that is empty in one group stops it ("some
categories of variable `x' are empty in group g"), since that group's
threshold next to it cannot be estimated. Groups come in the order of their
first appearance in the data (lavaan's ``group.label``).
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..exceptions import DataError, MissingValueWarning
from .categories import resolve_ordered
from .statistics import OrdinalStatistics, sample_statistics


def group_statistics(data: pd.DataFrame, group: str, ordered: Sequence[str] | bool = True, *,
                     levels: Mapping[str, Sequence[float]] | None = None,
                     missing: Literal["listwise", "pairwise"] = "listwise",
                     zero_add: Sequence[float] | float = (0.5, 0.0),
                     zero_keep_margins: bool = True) -> dict[str, OrdinalStatistics]:
    """:func:`~loyaltysem.ordinal.sample_statistics` of each group, on the pooled categories.

    Parameters
    ----------
    data : pandas.DataFrame
        The variables and the group column.
    group : str
        The column naming each row's group (rows without one are dropped with
        a :class:`~loyaltysem.exceptions.MissingValueWarning`).
    ordered : sequence of str or bool
        The ordinal columns among the others (``True``: all of them).
    levels : mapping, optional
        Declared categories; by default each ordinal item's values in the
        whole data.
    missing, zero_add, zero_keep_margins
        As :func:`~loyaltysem.ordinal.sample_statistics`.

    Returns
    -------
    dict of str to OrdinalStatistics
        Keyed by group label, in lavaan's order (first appearance).

    Raises
    ------
    DataError
        ``group`` is not a column; a category empty in a group (the message
        names the group, the item, the empty categories and the frequencies).

    Examples
    --------
    >>> from loyaltysem.data import load_dataset
    >>> from loyaltysem.ordinal import group_statistics
    >>> data = load_dataset("corp_rep")[["servicetype", "comp_1", "comp_3", "like_1"]]
    >>> list(group_statistics(data, "servicetype"))
    ['2', '1']

    R: ``cfa(model, data, ordered = TRUE, group = "servicetype", estimator = "WLSMV")``,
    ``lavInspect(fit, "gamma")`` (one matrix per group).
    """
    if group not in data.columns:
        raise DataError(f"group column {group!r} is not in the data; the columns are "
                        f"{[str(c) for c in data.columns]}")
    known = data[group].notna()
    if not known.all():
        warnings.warn(f"{int((~known).sum())} rows without a {group!r} value were dropped",
                      MissingValueWarning, stacklevel=2)
    data = data[known]
    variables = data.drop(columns=[group])
    ordinal = resolve_ordered(variables, ordered)
    pooled: dict[str, Sequence[float]] = {  # an ordered categorical carries its own categories
        item: np.unique(variables[item].dropna().to_numpy(dtype=float)).tolist()
        for item in ordinal if not isinstance(variables[item].dtype, pd.CategoricalDtype)}
    pooled.update({item: list(values) for item, values in (levels or {}).items()})
    out = {}
    for value in pd.unique(data[group]):
        label = _label(value)
        try:
            out[label] = sample_statistics(variables[(data[group] == value).to_numpy()], ordinal,
                                           levels=pooled, missing=missing, zero_add=zero_add,
                                           zero_keep_margins=zero_keep_margins)
        except DataError as error:
            raise DataError(f"in group {label!r} of {group!r}: {error}") from error
    return out


def _label(value: object) -> str:
    """A group label as lavaan writes it (R's ``as.character``: 2, not 2.0)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
