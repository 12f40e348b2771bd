"""Declared answer scales at the edge: out-of-scale values refused, reverse-keyed items recoded.

A spec may declare each item's scale (``scale: [1, 7]``) and its reverse-keyed
items (``reverse: [loy_4]``; :mod:`loyaltysem.spec.scales`). Before any fit,
the values of a scaled item must lie within its scale (missing values aside),
and a reverse-keyed item is recoded ``min + max - x`` — the usual recoding of
a reversed Likert item (e.g. DeVellis 2017, *Scale development*, ch. 5) — with
a note that every output shows.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from ..exceptions import DataError
from ..spec.statements import format_number


def check_and_recode(values: np.ndarray, variables: list[str],
                     scales: Mapping[str, tuple[float, float]], reverse: Iterable[str]
                     ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Refuse out-of-scale values; return the values with reversed items recoded, and notes.

    Parameters
    ----------
    values : ndarray (rows, variables)
        The model's columns as float, missing values NaN (codes already removed).
    variables : list of str
    scales, reverse
        The spec's declarations (items the model does not use are ignored).

    Raises
    ------
    DataError
        Naming the column, its scale, the values outside it, their count and the fix.
    """
    index = {name: j for j, name in enumerate(variables)}
    for item, (low, high) in scales.items():
        if item not in index:
            continue
        column = values[:, index[item]]
        outside = np.isfinite(column) & ((column < low) | (column > high))
        if outside.any():
            found = ", ".join(format_number(v) for v in np.unique(column[outside])[:5])
            raise DataError(
                f"column {item!r} has {int(outside.sum())} values outside its declared scale "
                f"{format_number(low)}-{format_number(high)} ({found}): correct the data, "
                "declare such codes missing (--na-values / na_values=), or correct the "
                "spec's scale")
    reversed_items = [item for item in sorted(set(reverse)) if item in index]
    if not reversed_items:
        return values, ()
    values = values.copy()
    notes = []
    for item in reversed_items:
        low, high = scales[item]
        values[:, index[item]] = low + high - values[:, index[item]]
        notes.append(f"{item} is reverse-keyed: recoded as {format_number(low + high)} - x "
                     f"(scale {format_number(low)}-{format_number(high)})")
    return values, tuple(notes)
