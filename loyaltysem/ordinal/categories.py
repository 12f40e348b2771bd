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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..exceptions import ArgumentError, CategoricalDataWarning, DataError, MissingValueWarning

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
        Category codes of the ordinal variables, -1 where missing (0 in
        continuous columns).
    values : numpy.ndarray of float, shape (n, p)
        The raw values (the continuous variables' data), NaN where missing.
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
        """Number of rows used (complete ones, or with an answer when pairwise)."""
        return int(self.codes.shape[0])

    @property
    def observed(self) -> np.ndarray:
        """Where an answer is present, shape (n, p)."""
        return ~np.isnan(self.values)

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


def code_items(data: pd.DataFrame, ordered: Sequence[str] | bool,
               levels: Mapping[str, Sequence[float]] | None = None,
               missing: Literal["listwise", "pairwise"] = "listwise") -> CodedItems:
    """Check and code the variables of ``data``.

    With ``missing="listwise"`` rows with a missing value are dropped; with
    ``"pairwise"`` only rows missing everything, and a missing ordinal answer
    is coded -1.

    Parameters
    ----------
    data : pandas.DataFrame
        One column per variable (all of them are used, in column order).
    ordered : sequence of str or bool
        The ordinal columns (``True``: all); the others are continuous.
    levels : mapping of str to sequence of numbers, optional
        Declared categories of some ordinal items (e.g. a 1-7 scale, or the
        categories of the pooled data when the rows are one group's). Every
        declared category must be observed, as lavaan requires; without a
        declaration the observed values are the categories. An ordered
        pandas categorical column declares its own categories (as an R
        ordered factor in lavaan).
    missing : {"listwise", "pairwise"}
        lavaan's ``missing`` for categorical data.

    Returns
    -------
    CodedItems

    Raises
    ------
    DataError
        No columns, a non-numeric column, an ordinal item with non-integer
        values, fewer than two observed categories, a value outside or an
        empty category of its declared levels, fewer than two usable rows.
    """
    if not isinstance(data, pd.DataFrame) or data.shape[1] == 0:
        raise DataError("data must be a DataFrame with at least one column")
    ordinal_names = set(resolve_ordered(data, ordered))
    declared = dict(levels or {})
    stray = sorted(set(declared) - ordinal_names)
    if stray:
        raise DataError(f"levels are declared for {stray}, which are not ordered items")
    data, from_dtype, shown = _ordered_categoricals(data, ordinal_names)
    both = sorted(set(from_dtype) & set(declared))
    if both:
        raise DataError(f"levels are declared for {both}, which are ordered categoricals: their "
                        "categories are the dtype's; drop the declaration")
    declared.update(from_dtype)
    if missing not in ("listwise", "pairwise"):
        raise ArgumentError(f"missing must be 'listwise' or 'pairwise'; got {missing!r}")
    names, values = _numeric_rows(data, missing)
    codes = np.zeros(values.shape, dtype=np.intp)
    categories: list[np.ndarray] = []
    for j, name in enumerate(names):
        if name not in ordinal_names:
            categories.append(np.empty(0))
            continue
        seen = ~np.isnan(values[:, j])
        codes[~seen, j] = -1
        codes[seen, j], level = _code_one(values[seen, j], name)
        if name in declared:
            codes[seen, j], level = _code_declared(values[seen, j], name, declared[name],
                                                   shown.get(name))
        categories.append(level)
    is_ordinal = np.array([name in ordinal_names for name in names], dtype=bool)
    return CodedItems(names, is_ordinal, codes, values, tuple(categories))


def _ordered_categoricals(data: pd.DataFrame, ordinal_names: set[str]
                          ) -> tuple[pd.DataFrame, dict[str, list[float]], dict[str, list[str]]]:
    """Ordered categorical columns as codes 0..K-1, all K categories declared (and their
    labels, for the messages).

    As an R ordered factor in lavaan: the categories are the dtype's, in its
    order, and an unused category is an empty one (an error).
    """
    replaced: dict[object, np.ndarray] = {}
    declared: dict[str, list[float]] = {}
    shown: dict[str, list[str]] = {}
    for column in data.columns:
        dtype = data[column].dtype
        if not isinstance(dtype, pd.CategoricalDtype):
            continue
        name = str(column)
        if not dtype.ordered:
            raise DataError(f"column {name!r} is an unordered categorical: make it ordered "
                            "(pandas.Categorical(..., ordered=True)) so that its categories "
                            "have an order, or code its answers as numbers")
        if name not in ordinal_names:
            raise DataError(f"column {name!r} is an ordered categorical but not an ordered "
                            "item: add it to `ordered`, or code it as numbers")
        codes = data[column].cat.codes.to_numpy(dtype=float)
        codes[codes < 0] = np.nan
        replaced[column] = codes
        declared[name] = [float(k) for k in range(len(dtype.categories))]
        shown[name] = [str(c) for c in dtype.categories]
    if not replaced:
        return data, declared, shown
    out = data.copy()
    for column, codes in replaced.items():
        out[column] = codes
    return out, declared, shown


def _numeric_rows(data: pd.DataFrame, missing: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The column names and the rows kept as floats (a warning when rows are dropped):
    the complete ones (listwise) or those with an answer (pairwise)."""
    names = tuple(str(c) for c in data.columns)
    for name, column in zip(names, data.columns):
        series = data[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            raise DataError(f"column {name!r} is not numeric (dtype {series.dtype}); "
                            "code the answers as numbers")
    values = data.to_numpy(dtype=float)
    absent = np.isnan(values)
    keep = ~absent.any(axis=1) if missing == "listwise" else ~absent.all(axis=1)
    if not keep.all():
        what = ("have a missing value and were dropped (listwise, as lavaan's missing = "
                "\"listwise\")" if missing == "listwise" else "have no answer and were dropped")
        warnings.warn(f"{int((~keep).sum())} of {len(values)} rows {what}",
                      MissingValueWarning, stacklevel=4)
        values = values[keep]
    if len(values) < 2:
        raise DataError(f"fewer than two usable cases ({len(values)}); ordinal sample "
                        "statistics need data")
    return names, values


def _code_declared(column: np.ndarray, name: str, declared: Sequence[float],
                   shown: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Codes of one item on its declared categories; none may be empty (lavaan's rule).

    ``shown`` names the categories in messages (an ordered categorical's labels).
    """
    level = np.unique(np.asarray(declared, dtype=float))
    names = list(shown) if shown is not None else [f"{v:g}" for v in level]
    outside = np.setdiff1d(np.unique(column), level)
    if outside.size:
        raise DataError(f"ordinal item {name!r} has values {[f'{v:g}' for v in outside[:5]]} "
                        f"outside its declared categories {names}")
    codes = np.searchsorted(level, column)
    counts = np.bincount(codes, minlength=len(level))
    if (counts == 0).any():
        empty = [label for label, count in zip(names, counts) if count == 0]
        raise DataError(f"ordinal item {name!r} has empty categories {empty} (frequencies "
                        f"{counts.tolist()} of {names}): a threshold "
                        "next to an empty category cannot be estimated; merge it with a "
                        "neighbouring category, or do not declare it")
    return codes.astype(np.intp), level


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
