"""Ordinal items as integer category codes: the checks at the edge.

An ordinal item's categories are its observed distinct values, sorted (as
lavaan does when it turns an ``ordered`` column into a factor): a 7-point item
whose answers are 2..7 has six categories and five thresholds. Codes are
0, 1, ..., K - 1 in that order.

Bad input raises :class:`~loyaltysem.exceptions.DataError` naming the item:
fewer than two observed categories (no threshold can be estimated), values
that are not whole numbers. More than :data:`MAX_CATEGORIES` categories warns
(:class:`~loyaltysem.exceptions.CategoricalDataWarning`): such an item is
usually better treated as continuous.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import CategoricalDataWarning, DataError, MissingValueWarning

#: more categories than this warns: treat the item as continuous
MAX_CATEGORIES = 10


@dataclass(frozen=True)
class CodedItems:
    """Complete cases of the variables, ordinal ones coded 0..K-1.

    Attributes
    ----------
    names : tuple of str
        All variables, in the data's column order (lavaan's ``lavCor`` order).
    ordinal : numpy.ndarray of bool
        Per variable: ordinal (True) or continuous.
    codes : numpy.ndarray of int, shape (n, p)
        Category codes of the ordinal variables (0 in continuous columns).
    values : numpy.ndarray of float, shape (n, p)
        The raw values (the continuous variables' data).
    levels : tuple of numpy.ndarray
        Per variable its sorted categories (empty for continuous ones).
    """

    names: tuple[str, ...]
    ordinal: np.ndarray
    codes: np.ndarray
    values: np.ndarray
    levels: tuple[np.ndarray, ...]

    @property
    def nobs(self) -> int:
        """Number of complete cases."""
        return int(self.codes.shape[0])

    @property
    def n_categories(self) -> np.ndarray:
        """Categories per variable (0 for continuous ones)."""
        return np.array([len(level) for level in self.levels], dtype=int)


def resolve_ordered(data: pd.DataFrame, ordered: Sequence[str] | bool) -> list[str]:
    """The ordinal columns: all of them (``True``), none (``False``) or those named."""
    if ordered is True:
        return [str(c) for c in data.columns]
    if ordered is False:
        return []
    if isinstance(ordered, str):
        ordered = [ordered]
    names = [str(c) for c in data.columns]
    absent = [item for item in ordered if item not in names]
    if absent:
        raise DataError(f"ordered items {absent} are not columns of the data; "
                        f"the columns are {names}")
    return list(ordered)


def code_items(data: pd.DataFrame, ordered: Sequence[str] | bool) -> CodedItems:
    """Check and code the variables of ``data``; rows with a missing value are dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        One column per variable (all of them are used, in column order).
    ordered : sequence of str or bool
        The ordinal columns (``True``: all); the others are continuous.

    Returns
    -------
    CodedItems

    Raises
    ------
    DataError
        No columns, a non-numeric column, an ordinal item with non-integer
        values or fewer than two observed categories, fewer than two
        complete cases.
    """
    if not isinstance(data, pd.DataFrame) or data.shape[1] == 0:
        raise DataError("data must be a DataFrame with at least one column")
    ordinal_names = set(resolve_ordered(data, ordered))
    names = tuple(str(c) for c in data.columns)
    frame = data.copy()
    frame.columns = list(names)
    for name in names:
        if not (pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_bool_dtype(frame[name])):
            raise DataError(f"column {name!r} is not numeric (dtype {frame[name].dtype}); "
                            "code the answers as numbers")
    values = frame.to_numpy(dtype=float)
    complete = ~np.isnan(values).any(axis=1)
    if not complete.all():
        warnings.warn(f"{int((~complete).sum())} of {len(values)} rows have a missing value and "
                      "were dropped (listwise, as lavaan's missing = \"listwise\")",
                      MissingValueWarning, stacklevel=3)
        values = values[complete]
    if len(values) < 2:
        raise DataError(f"fewer than two complete cases ({len(values)}); ordinal sample "
                        "statistics need data")
    codes = np.zeros(values.shape, dtype=np.intp)
    levels: list[np.ndarray] = []
    for j, name in enumerate(names):
        if name not in ordinal_names:
            levels.append(np.empty(0))
            continue
        codes[:, j], level = _code_one(values[:, j], name)
        levels.append(level)
    is_ordinal = np.array([name in ordinal_names for name in names], dtype=bool)
    return CodedItems(names, is_ordinal, codes, values, tuple(levels))


def _code_one(column: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..K-1 of one ordinal item and its sorted categories."""
    if not np.all(np.isfinite(column)):
        raise DataError(f"ordinal item {name!r} has infinite values")
    fractional = column != np.round(column)
    if fractional.any():
        bad = np.unique(column[fractional])[:5]
        raise DataError(f"ordinal item {name!r} has non-integer values ({', '.join(f'{v:g}' for v in bad)}); "
                        "ordinal categories must be whole numbers: recode the item, or "
                        "leave it out of `ordered` to treat it as continuous")
    level, codes = np.unique(column, return_inverse=True)
    if len(level) < 2:
        shown = f"{level[0]:g}" if len(level) else "none"
        raise DataError(f"ordinal item {name!r} has fewer than two observed categories "
                        f"(only {shown}): it has no threshold; drop it from the model")
    if len(level) > MAX_CATEGORIES:
        warnings.warn(f"ordinal item {name!r} has {len(level)} categories (more than "
                      f"{MAX_CATEGORIES}): consider treating it as continuous",
                      CategoricalDataWarning, stacklevel=4)
    return codes.astype(np.intp), level
