"""Interactions of observed variables (lavaan's ``y ~ x1 + x2 + x1:x2``).

lavaan adds a data column named ``x1:x2`` holding the product of the raw
(uncentred) columns, missing where either factor is missing, and treats it as
any other exogenous covariate (fixed.x). loyaltysem does the same with the
column named by :func:`~loyaltysem.spec.statements.product_name`
(``x1_x_x2``: ``x1:x2`` is not a loyaltysem name), shown as ``x1:x2`` in
outputs. Nothing is evaluated: the two factors are names that passed the
naming rule and must be columns of the data.

References
----------
lavaan 0.6: ``R/lav_data.R`` (``lav_data_full``: interaction terms of
observed variables), ``R/lav_partable_vnames.R`` (``ov.interaction``).
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from ..exceptions import DataError

if TYPE_CHECKING:
    from ..data.checks import NaValues


def with_product_columns(data: pd.DataFrame, interactions: Mapping[str, tuple[str, str]],
                         *, na_values: NaValues = None, allow_codes: bool = False
                         ) -> pd.DataFrame:
    """The data with one product column per interaction (a new frame; ``data`` unchanged).

    Parameters
    ----------
    data : pandas.DataFrame
        Raw survey data.
    interactions : mapping
        Product column name → the two factor columns (``ModelSpec.interactions``).
    na_values : optional
        Missing-value codes, applied to the factors before multiplying (a code
        times a value would otherwise look like an answer).
    allow_codes : bool
        As :func:`loyaltysem.data.survey.prepare_survey`: factors holding values
        that look like missing-value codes are refused unless True.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        A factor is not a column (with a close match), is not numeric, or the
        data already has a column with the product's name.
    """
    if not interactions:
        return data
    from ..data.checks import check_missing_codes, column_as_float
    from ..data.survey import read_table

    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    out = data.copy()
    columns = [str(c) for c in data.columns]
    for name, (first, second) in interactions.items():
        shown = f"{first}:{second}"
        for factor in (first, second):
            if factor not in data.columns:
                close = difflib.get_close_matches(factor, columns, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise DataError(f"the interaction {shown} needs the column {factor!r}, which "
                                f"the data does not have{hint}")
        if name in data.columns:
            raise DataError(f"the data already has a column {name!r}, the name loyaltysem "
                            f"gives the product {shown}; rename that column")
        factors = read_table(data[[first, second]], na_values=na_values)
        values = pd.DataFrame({f: column_as_float(factors[f], f) for f in (first, second)})
        if not allow_codes:
            check_missing_codes(values, [first, second])
        out[name] = values[first] * values[second]  # NaN when either is missing
    return out


def lavaan_names(frame: pd.DataFrame, interactions: Mapping[str, tuple[str, str]],
                 columns: tuple[str, ...] = ("lhs", "rhs")) -> pd.DataFrame:
    """Rows with the product columns under lavaan's names (``x1:x2``), for output."""
    if not interactions:
        return frame
    names = {name: f"{a}:{b}" for name, (a, b) in interactions.items()}
    frame = frame.copy()
    for column in columns:
        if column in frame:
            frame[column] = frame[column].map(lambda v: names.get(v, v))
    return frame


__all__ = ["lavaan_names", "with_product_columns"]
