"""The model columns of survey data as one float array, checked block by block.

:func:`model_values` turns the columns a model needs into one ``N x p`` float
array (column-major, as pandas stores columns) with at most one copy of the
data: plain numeric columns are converted together, any other column one by
one through :func:`~loyaltysem.data.checks.column_as_float` (which refuses
text, dates, booleans... with the column's name). :func:`column_blocks`
yields views of a few columns at a time, so that a check over 10^6 rows
needs memory for a block, not for another copy of the data.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from .checks import column_as_float

#: Most elements a temporary of one column block may hold (8 MiB of float).
BLOCK_ELEMENTS = 1 << 20


def column_blocks(values: np.ndarray, budget: int = BLOCK_ELEMENTS
                  ) -> Iterator[tuple[slice, np.ndarray]]:
    """Consecutive column slices of ``values`` (N x p) of at most ``budget`` elements.

    Yields
    ------
    (slice, ndarray)
        The columns' positions and the view ``values[:, slice]``; a table of
        fewer than ``budget`` elements is one block.
    """
    n, p = values.shape
    width = max(1, min(p, budget // max(n, 1)))
    for start in range(0, p, width):
        where = slice(start, min(p, start + width))
        yield where, values[:, where]


def is_plain_numeric(dtype: object) -> bool:
    """A numpy integer or float dtype (no booleans, complex, extension types)."""
    return isinstance(dtype, np.dtype) and dtype.kind in "iuf"


def model_values(data: pd.DataFrame, variables: list[str],
                 codes: list[float | str] | None) -> np.ndarray:
    """The model columns as float, with the missing-value ``codes`` replaced by NaN.

    Parameters
    ----------
    data : pandas.DataFrame
        The model columns, ``variables`` in order (flat, unique names).
    variables : list of str
    codes : list of float and str, or None
        Normalized missing-value codes (see
        :func:`~loyaltysem.data.checks.normalize_na_values`).

    Returns
    -------
    ndarray, shape (N, p)
        A read-only view of ``data`` when its columns are float already and
        no code occurs (the caller's frame is never changed); otherwise a
        new, writeable, column-major array.

    Raises
    ------
    DataError
        The first non-numeric column in ``variables`` order, as
        :func:`~loyaltysem.data.checks.column_as_float` words it.
    """
    frame = data
    plain = [is_plain_numeric(dtype) for dtype in frame.dtypes]
    numbers = [c for c in codes or () if isinstance(c, float)]
    if all(plain):
        values = _read_only_if_shared(frame.to_numpy(dtype=float), frame)
        if numbers:
            values = _masked(values, numbers)
        return values
    from .survey import read_table  # the exact per-column path of odd columns

    values = np.empty((frame.shape[0], len(variables)), dtype=float, order="F")
    for j, name in enumerate(variables):
        if plain[j]:
            values[:, j] = frame[name].to_numpy(dtype=float)
        else:
            column = read_table(frame[[name]], na_values=codes)[name]
            values[:, j] = column_as_float(column, name).to_numpy(dtype=float)
    if numbers:
        values = _masked(values, numbers)
    return values


def _read_only_if_shared(values: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    """``values`` read-only when it is a view of ``frame`` (pandas < 3 may hand out writeable
    views): the checks never write into the caller's data."""
    if values.flags.writeable and values.size and np.may_share_memory(
            values, frame.iloc[:, 0].to_numpy()):
        values = values.view()
        values.flags.writeable = False
    return values


def _masked(values: np.ndarray, numbers: list[float]) -> np.ndarray:
    """``values`` with the numeric codes set to NaN, block by block (one copy at most)."""
    out = values if values.flags.writeable else np.array(values, order="F")
    for _, block in column_blocks(out):
        block[np.isin(block, numbers)] = np.nan
    return out


def keep_rows(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``values[keep]``, compacted in place when ``values`` is a writeable column-major array.

    The result then shares ``values``' buffer (no second copy of the data).
    """
    if keep.all():
        return values
    if not (values.flags.writeable and values.flags.f_contiguous):
        return values[keep]
    n = int(keep.sum())
    for j in range(values.shape[1]):
        values[:n, j] = values[keep, j]
    return values[:n]


__all__ = ["BLOCK_ELEMENTS", "column_blocks", "is_plain_numeric", "keep_rows", "model_values"]
