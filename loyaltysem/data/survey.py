"""Validate survey data once, at the edge.

:func:`prepare_survey` turns whatever the user passed (a DataFrame or a CSV
path) into a checked, numeric, complete-case frame of exactly the columns a
model needs. Everything downstream trusts its output.
"""
from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..exceptions import DataError, MissingValueWarning

MissingPolicy = Literal["listwise", "ml"]


@dataclass(frozen=True)
class Survey:
    """Survey data checked against a model.

    Attributes
    ----------
    data : pandas.DataFrame
        The rows used, as float: complete cases (listwise), or every row with
        at least one value (``missing="ml"``; NaN marks what is missing).
    n_total : int
        Rows before listwise deletion.
    n_dropped : int
        Rows removed because a model variable was missing.
    missing_by_column : dict
        Number of missing values per model variable before deletion.
    notes : tuple of str
        Human-readable notes (what was dropped and why).
    """

    data: pd.DataFrame
    n_total: int
    n_dropped: int
    missing_by_column: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    missing: str = "listwise"

    @property
    def n(self) -> int:
        """Number of rows used."""
        return int(self.data.shape[0])


def read_table(source: str | Path | pd.DataFrame, *, na_values: Sequence[float | str] | None = None
               ) -> pd.DataFrame:
    """Read a CSV file (or copy a DataFrame) with the given missing-value codes.

    Raises
    ------
    DataError
        If the file does not exist or cannot be read as CSV.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        if na_values:
            codes = list(na_values)
            numeric_codes = [float(c) for c in codes if _is_number(c)]
            frame = frame.mask(frame.isin(codes) | frame.isin(numeric_codes))
        return frame
    path = Path(source)
    if not path.is_file():
        raise DataError(f"data file {str(path)!r} not found; give a CSV path or the name of a "
                        "shipped dataset (run 'loyaltysem datasets' to list them)")
    try:
        frame = pd.read_csv(path, na_values=None if not na_values else [str(v) for v in na_values])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise DataError(f"cannot read {str(path)!r} as CSV: {error}") from error
    if na_values:
        frame = read_table(frame, na_values=na_values)
    return frame


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def prepare_survey(
    data: pd.DataFrame,
    variables: Iterable[str],
    *,
    missing: MissingPolicy = "listwise",
    na_values: Sequence[float | str] | None = None,
    roles: dict[str, str] | None = None,
) -> Survey:
    """Check survey data against the variables a model needs.

    Parameters
    ----------
    data : pandas.DataFrame
        Raw survey data; extra columns are ignored.
    variables : iterable of str
        The observed variables of the model.
    missing : {"listwise"}
        Missing-data policy: rows with a missing value in any *model*
        variable are dropped (lavaan's default), with a
        :class:`MissingValueWarning` that says how many.
    na_values : sequence, optional
        Extra codes that mean "missing" (e.g. ``[-99]``).
    roles : dict, optional
        Variable → what it is (e.g. "item of construct SAT"), for messages.

    Returns
    -------
    Survey

    Raises
    ------
    DataError
        Missing columns (with close matches), non-numeric columns (with an
        example value), no rows, fewer complete rows than variables, constant
        columns.
    """
    if missing not in ("listwise", "ml"):
        raise DataError(f"missing must be 'listwise' or 'ml' (full-information ML); got "
                        f"{missing!r}")
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    variables = list(dict.fromkeys(variables))
    roles = roles or {}
    absent = [v for v in variables if v not in data.columns]
    if absent:
        parts = []
        for name in absent:
            hint = difflib.get_close_matches(name, [str(c) for c in data.columns], n=1)
            role = f" ({roles[name]})" if name in roles else ""
            parts.append(f"{name!r}{role}" + (f" — did you mean {hint[0]!r}?" if hint else ""))
        raise DataError(
            f"the data has no column {', '.join(parts)}. The model needs "
            f"{', '.join(variables)}; rename the columns or fix the spec")
    frame = data[variables].copy()
    if na_values:
        frame = read_table(frame, na_values=na_values)
    for name in variables:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            converted = pd.to_numeric(column, errors="coerce")
            bad = column[converted.isna() & column.notna()]
            if len(bad):
                raise DataError(
                    f"column {name!r} is not numeric (e.g. row {bad.index[0]}: {bad.iloc[0]!r}); "
                    "recode it to numbers, or pass its missing-value code with na_values")
            frame[name] = converted
    frame = frame.astype(float)
    if frame.shape[0] == 0:
        raise DataError("the data has no rows")
    infinite = [c for c in variables if np.isinf(frame[c]).any()]
    if infinite:
        raise DataError(f"column(s) {', '.join(infinite)} contain infinite values")
    missing_counts = {c: int(n) for c, n in frame.isna().sum().items() if n}
    all_missing = [c for c in variables if frame[c].isna().all()]
    if all_missing:
        raise DataError(f"column(s) {', '.join(all_missing)} have no values at all")
    if missing == "ml":
        return _full_information_survey(frame, variables, missing_counts)
    complete = frame.dropna()
    dropped = frame.shape[0] - complete.shape[0]
    notes = []
    if dropped:
        detail = ", ".join(f"{c}: {n}" for c, n in missing_counts.items())
        note = (f"listwise deletion: {dropped} of {frame.shape[0]} rows dropped for missing "
                f"values ({detail}); {complete.shape[0]} rows used")
        notes.append(note)
        warnings.warn(note, MissingValueWarning, stacklevel=3)
    if complete.shape[0] <= len(variables):
        raise DataError(
            f"only {complete.shape[0]} complete rows for {len(variables)} variables: the "
            "sample covariance matrix cannot be positive definite; collect more data or "
            "use fewer items")
    _refuse_constant_columns(complete, variables)
    return Survey(data=complete.reset_index(drop=True), n_total=int(frame.shape[0]),
                  n_dropped=int(dropped), missing_by_column=missing_counts, notes=tuple(notes))


def _refuse_constant_columns(rows: pd.DataFrame, variables: list[str]) -> None:
    constant = [c for c in variables if rows[c].nunique() <= 1]
    if constant:
        raise DataError(f"column(s) {', '.join(constant)} are constant (zero variance) in the "
                        "rows used; drop these items from the model")


def _full_information_survey(frame: pd.DataFrame, variables: list[str],
                             missing_counts: dict[str, int]) -> Survey:
    """``missing="ml"``: keep every row with at least one value (lavaan drops empty rows)."""
    used = frame[frame.notna().any(axis=1)]
    dropped = frame.shape[0] - used.shape[0]
    notes = []
    if missing_counts:
        detail = ", ".join(f"{c}: {n}" for c, n in missing_counts.items())
        notes.append(f"full-information ML: {int(used.isna().any(axis=1).sum())} of "
                     f"{used.shape[0]} rows have missing values ({detail}); all are used")
    if dropped:
        note = f"{dropped} rows with no value on any model variable were dropped"
        notes.append(note)
        warnings.warn(note, MissingValueWarning, stacklevel=3)
    if used.shape[0] <= len(variables):
        raise DataError(f"only {used.shape[0]} rows for {len(variables)} variables; collect "
                        "more data or use fewer items")
    _refuse_constant_columns(used, variables)
    return Survey(data=used.reset_index(drop=True), n_total=int(frame.shape[0]),
                  n_dropped=int(dropped), missing_by_column=missing_counts, notes=tuple(notes),
                  missing="ml")
