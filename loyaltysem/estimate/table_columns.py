"""The columns of a parameter table as NumPy arrays, read once per table content.

The assembly of a fit (:mod:`.estimates_table`, :mod:`.solution`) reads the same
columns of the core's parameter table in every fit; taken from pandas each time they
cost about as much as the rest of the assembly of a small model. A
:class:`~.layout.ParameterLayout` carries the columns of the table it was built from,
and :mod:`.layout_cache` hands them on with the cached layout (the cache key is the
table's content, so the arrays are those of every equal table).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .defined import DefinedParameters

if TYPE_CHECKING:
    from .layout import ParameterLayout


#: a table without rows: the ``defined`` of a table without ``:=`` rows
_NO_ROWS = pd.DataFrame({name: [] for name in ("lhs", "op", "rhs", "label", "free", "ustart")})

_ARRAYS = ("lhs", "op", "rhs", "label", "free", "ustart", "exo", "group")


@dataclass(frozen=True, eq=False)
class TableColumns:
    """A parameter table's columns (one entry per row, ``:=`` rows included).

    Attributes
    ----------
    lhs, op, rhs : ndarray of str
    label : ndarray of str
        ``""`` where the row has no label.
    free : ndarray of int
        The parameter number from 1 (0: fixed).
    ustart : ndarray of float
    exo : ndarray of int
        1 for fixed.x rows (their values come from the data).
    group : ndarray of int
        The group from 0 (``:=`` rows of several groups: -1); zeros without a
        ``group`` column.
    defined : DefinedParameters
        The ``:=`` rows as functions of the free parameters.
    """

    lhs: np.ndarray
    op: np.ndarray
    rhs: np.ndarray
    label: np.ndarray
    free: np.ndarray
    ustart: np.ndarray
    exo: np.ndarray
    group: np.ndarray
    defined: DefinedParameters

    @classmethod
    def of(cls, table: pd.DataFrame) -> TableColumns:
        """The columns of ``table``."""
        n = len(table)

        def column(name: str, dtype: type, default: object) -> np.ndarray:
            if name not in table:
                return np.full(n, default, dtype=dtype)
            values = table[name]
            if dtype is object:
                return values.fillna(default).astype(str).to_numpy(dtype=object)
            return values.fillna(default).to_numpy(dtype=dtype)

        op = column("op", object, "")
        defined = DefinedParameters(table if (op == ":=").any() else _NO_ROWS)
        return cls(lhs=column("lhs", object, ""), op=op,
                   rhs=column("rhs", object, ""), label=column("label", object, ""),
                   free=column("free", int, 0), ustart=column("ustart", float, np.nan),
                   exo=column("exo", int, 0), group=column("group", int, 0),
                   defined=defined)

    def __len__(self) -> int:
        return len(self.op)

    def subset(self, rows: np.ndarray) -> TableColumns:
        """The columns of the rows ``rows`` (a boolean mask); ``defined`` stays the
        whole table's."""
        arrays = {name: getattr(self, name)[rows] for name in _ARRAYS}
        return TableColumns(**arrays, defined=self.defined)

    @cached_property
    def is_variance(self) -> np.ndarray:
        """``~~`` rows of a variable with itself."""
        return (self.op == "~~") & (self.lhs == self.rhs)


def columns_of(table: pd.DataFrame, layout: ParameterLayout) -> TableColumns:
    """The columns of ``table``: the layout's own when ``table`` is the layout's table."""
    return layout.table_columns if table is layout.table else TableColumns.of(table)


__all__ = ["TableColumns", "columns_of"]
