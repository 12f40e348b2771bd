"""Parameter layouts cached by the content of the parameter table they come from.

Laying out a table (:func:`.layout.build_parameter_layout`: the model's
structure, the fill indices of every matrix) takes about as long as the rest
of a small fit outside the optimizer, and a table is fitted again and again
(the same spec on new data, resamples, studies). The cache key is the
table's content, every column with its dtype and values (not the table
object, which may be changed in place), so an equal table always gets an
equal layout; each caller gets the layout with its own copy-on-write copy of
the table.
"""
from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np
import pandas as pd

from .layout import ParameterLayout, build_parameter_layout

#: Layouts kept (least recently used dropped first).
MAX_LAYOUTS = 128

_LAYOUTS: OrderedDict[Hashable, ParameterLayout] = OrderedDict()
_LOCK = threading.Lock()


def table_key(table: pd.DataFrame) -> tuple:
    """A hashable digest of the table's content: each column's name, dtype and values.

    Numeric columns enter as their bytes (NaN included, bit for bit), other
    columns as tuples of their values with missing values as None.
    """
    parts: list[tuple] = []
    for name in table.columns:
        column = table[name]
        values = column.to_numpy()
        if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
            parts.append((str(name), str(values.dtype), values.shape, values.tobytes()))
        else:
            parts.append((str(name), str(column.dtype),
                          tuple(None if pd.isna(v) else v for v in column.tolist())))
    return tuple(parts)


def cached_layout(table: pd.DataFrame) -> ParameterLayout:
    """:func:`~.layout.build_parameter_layout` of ``table``, built once per table content."""
    key = table_key(table)
    with _LOCK:
        layout = _LAYOUTS.get(key)
        if layout is not None:
            _LAYOUTS.move_to_end(key)
    if layout is None:
        layout = build_parameter_layout(table)
        with _LOCK:
            _LAYOUTS[key] = layout
            while len(_LAYOUTS) > MAX_LAYOUTS:
                _LAYOUTS.popitem(last=False)
    return dataclasses.replace(layout, table=table.reset_index(drop=True))


def clear_layouts() -> None:
    """Forget every cached layout (the next fit of any table lays it out anew)."""
    with _LOCK:
        _LAYOUTS.clear()


__all__ = ["MAX_LAYOUTS", "cached_layout", "clear_layouts", "table_key"]
