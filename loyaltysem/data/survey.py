"""Validate survey data once, at the edge.

:func:`prepare_survey` turns whatever the user passed (a DataFrame or a CSV
path) into a checked, numeric, complete-case frame of exactly the columns a
model needs. Everything downstream trusts its output. The checks themselves
(column types, missing-value codes, scales, FIML coverage, group values) are in
:mod:`loyaltysem.data.checks`; they run on the model columns converted once to
one float array (:mod:`loyaltysem.data.arrays`), a block of columns at a time,
so that 10^6 rows cost no further copy of the data.
"""
from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import DataError, MissingValueWarning
from ..spec.statements import format_number
from .arrays import column_blocks, keep_rows, model_values
from .labels import ValueLabels, apply_value_labels
from .readers import read_file
from .scales import check_and_recode
from .checks import (
    NaValues,
    check_coverage,
    check_frame_shape,
    check_scales,
    normalize_na_values,
    refuse_missing_codes,
    suspect_codes,
)

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
    rows : ndarray of int, optional
        The positions, in the data given, of the rows used (in order).
    """

    data: pd.DataFrame
    n_total: int
    n_dropped: int
    missing_by_column: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    missing: str = "listwise"
    rows: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of rows used."""
        return int(self.data.shape[0])


def read_table(source: str | Path | pd.DataFrame, *, na_values: NaValues = None,
               value_labels: ValueLabels | None = None, sheet: str | int = 0) -> pd.DataFrame:
    """Read a survey file (or copy a DataFrame) with the given missing-value codes.

    The format follows the extension (:mod:`loyaltysem.data.readers`): CSV and
    other delimited text (``.csv``, ``.tsv``, ``.txt``, compressed ``.csv.gz``;
    delimiter, decimal comma and encoding sniffed), SPSS ``.sav``/``.zsav``/``.por``
    and Stata ``.dta`` (pyreadstat: the codes, with user-defined missing values as
    NaN), Excel ``.xlsx`` (openpyxl), Parquet (pyarrow). Qualtrics and LimeSurvey
    exports lose their extra header rows.

    Parameters
    ----------
    source : path or pandas.DataFrame
    na_values : number, str or list of them, optional
        Codes that mean missing (``-99``, ``"-99"`` or ``[-99, -98]``); see
        :func:`~loyaltysem.data.checks.normalize_na_values`.
    value_labels : mapping, optional
        Answer labels to turn into numbers: code → label for every text column
        (``{1: "Strongly disagree", ..., 7: "Strongly agree"}``), or column → such
        a mapping (the direction of SPSS's and Stata's value labels); see
        :func:`~loyaltysem.data.labels.apply_value_labels`.
    sheet : str or int
        The sheet of an Excel workbook (name or 0-based position; the first by default).

    Returns
    -------
    pandas.DataFrame
        Its ``attrs`` carry the file's ``value_labels`` and ``item_wording``
        (variable labels, an export's question texts), its ``source_format`` and
        ``read_notes`` (what was done while reading; a fit repeats them in its notes).

    Raises
    ------
    DataError
        If the file does not exist or cannot be read (the message names the format
        and the fix), ``na_values`` is not a code or a list of codes, or a column
        holds labels that ``value_labels`` lacks.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = read_table(pd.DataFrame({"sat_1": ["Agree", "Disagree", "-99"]}),
    ...                    na_values="-99", value_labels={1: "Disagree", 2: "Agree"})
    >>> frame["sat_1"].tolist()
    [2.0, 1.0, nan]
    """
    codes = normalize_na_values(na_values)
    if isinstance(source, pd.DataFrame):
        frame = _masked(source.copy(), codes)
        if value_labels is not None:  # a label's code may be a missing-value code: masked too
            frame = _masked(_labelled(frame, value_labels), codes)
        return frame
    path = Path(source)
    if not path.is_file():
        raise DataError(f"data file {str(path)!r} not found; give a data file (CSV, .sav, "
                        ".dta, .xlsx, .parquet) or the name of a shipped dataset (run "
                        "'loyaltysem datasets' to list them)")
    frame = read_file(path, sheet=sheet, na_text=None if not codes else
                      list(dict.fromkeys(_code_text(c) for c in codes)))
    if codes or value_labels is not None:
        frame = read_table(frame, na_values=codes, value_labels=value_labels)
    return frame


def _masked(frame: pd.DataFrame, codes: list[float | str] | None) -> pd.DataFrame:
    """The frame with its missing-value codes (numbers and texts) as NaN."""
    if not codes:
        return frame
    numeric = [c for c in codes if isinstance(c, float)]
    texts = [c for c in codes if isinstance(c, str)]
    return frame.mask(frame.isin(texts) | frame.isin(numeric))


def _labelled(frame: pd.DataFrame, value_labels: ValueLabels | None) -> pd.DataFrame:
    """The frame with its answer labels replaced by their codes (a note says where)."""
    if value_labels is None:
        return frame
    notes = list(frame.attrs.get("read_notes", ()))
    known = dict(frame.attrs.get("value_labels") or {})
    frame, said = apply_value_labels(frame, value_labels)
    frame.attrs["read_notes"] = notes + said
    if isinstance(value_labels, Mapping) and all(isinstance(v, Mapping)
                                                 for v in value_labels.values()):
        # per-column labels (a codebook's) name the codes of every column, e.g. the groups
        for column, labels in value_labels.items():
            if str(column) in frame.columns and isinstance(labels, Mapping):
                known.setdefault(str(column), dict(labels))
        frame.attrs["value_labels"] = known
    return frame


def _code_text(code: float | str) -> str:
    """A code as CSV text: -99.0 is written -99 (numbers losslessly)."""
    return code if isinstance(code, str) else format_number(code)


def prepare_survey(
    data: pd.DataFrame,
    variables: Iterable[str],
    *,
    missing: MissingPolicy = "listwise",
    na_values: NaValues = None,
    roles: dict[str, str] | None = None,
    allow_codes: bool = False,
    carry: Sequence[str] = (),
    scales: Mapping[str, tuple[float, float]] | None = None,
    reverse: Iterable[str] = (),
) -> Survey:
    """Check survey data against the variables a model needs.

    Parameters
    ----------
    data : pandas.DataFrame
        Raw survey data; extra columns are ignored.
    variables : iterable of str
        The observed variables of the model.
    missing : {"listwise", "ml"}
        Missing-data policy: rows with a missing value in any *model*
        variable are dropped (lavaan's default), with a
        :class:`MissingValueWarning` that says how many; ``"ml"``: every row
        with at least one value is kept for full-information ML, and pairs of
        variables never observed together are refused (see
        :func:`~loyaltysem.data.checks.coverage`).
    na_values : number, str or list of them, optional
        Codes that mean "missing": ``-99``, ``"-99"`` or ``[-99, -98]``.
    roles : dict, optional
        Variable → what it is (e.g. "item of construct SAT"), for messages.
    allow_codes : bool
        Model variables holding values typical of missing-value codes (-99 in
        a 1-7 item, 999, or a value far outside the others' range; see
        :func:`~loyaltysem.data.checks.find_missing_codes`) are refused unless
        the codes are declared in ``na_values``. ``allow_codes=True`` keeps
        such values as real answers.
    carry : sequence of str
        Columns the caller made itself (a group code): kept beside the rows
        selected, never checked or counted as model variables.
    scales, reverse : optional
        The spec's declared item scales and reverse-keyed items
        (:func:`loyaltysem.data.scales.check_and_recode`): values outside a scale
        are refused, reversed items recoded ``min + max - x`` with a note.

    Returns
    -------
    Survey

    Raises
    ------
    DataError
        Missing or duplicated columns (with close matches), MultiIndex
        columns, non-numeric columns (complex, date/time, boolean,
        categorical, text; with an example value), infinite values,
        undeclared missing-value codes, no rows, fewer complete rows than
        variables, (nearly) constant items, items on scales that differ by
        more than a factor of 1000, pairs never observed together (``"ml"``).
    """
    _check_survey_arguments(data, missing, allow_codes)
    variables = list(dict.fromkeys(variables))
    check_frame_shape(data, variables)
    _refuse_absent_columns(data, variables, roles or {})
    # copy-on-write: a view of the caller's columns (the frame itself if it has just them)
    source = data if list(data.columns) == variables else data[variables]
    values = model_values(source, variables, normalize_na_values(na_values))
    missing_counts = _checked_missing_counts(values, variables)
    values, scale_notes = check_and_recode(values, variables, scales or {}, reverse)
    if not allow_codes:
        # a declared scale says which values are answers: its items hold no codes
        refuse_missing_codes([code for code in suspect_codes(values, variables)
                              if code.column not in (scales or {})])
    if missing == "ml":
        survey, kept = _full_information_survey(values, variables, missing_counts, source)
    else:
        survey, kept = _listwise_survey(values, variables, missing_counts, source)
    survey = replace(survey, rows=np.flatnonzero(kept))
    if carry:
        carried = data.iloc[survey.rows][list(carry)].reset_index(drop=True)
        survey = replace(survey, data=pd.concat([survey.data, carried], axis=1))
    if scale_notes:
        survey = replace(survey, notes=scale_notes + survey.notes)
    read_notes = data.attrs.get("read_notes")  # how the file was read (read_table)
    if isinstance(read_notes, (list, tuple)) and read_notes:
        survey = replace(survey, notes=tuple(map(str, read_notes)) + survey.notes)
    return survey


def _check_survey_arguments(data: Any, missing: Any, allow_codes: Any) -> None:
    """Refuse a missing-data policy, data or ``allow_codes`` of the wrong kind (DataError)."""
    if missing not in ("listwise", "ml"):
        raise DataError(f"missing must be 'listwise' or 'ml' (full-information ML); got "
                        f"{missing!r}")
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(allow_codes, (bool, np.bool_)):
        raise DataError(f"allow_codes must be True or False; got {allow_codes!r:.40}")


def _checked_missing_counts(values: np.ndarray, variables: list[str]) -> dict[str, int]:
    """Missing values per model variable that has any, after refusing data without rows,
    infinite values and columns without a single value (DataError)."""
    if values.shape[0] == 0:
        raise DataError("the data has no rows")
    _refuse_infinite_values(values, variables)
    counts = _missing_counts(values)
    all_missing = [c for c, n in zip(variables, counts) if n == values.shape[0]]
    if all_missing:
        raise DataError(f"column(s) {', '.join(all_missing)} have no values at all")
    return {c: int(n) for c, n in zip(variables, counts) if n}


def _missing_counts(values: np.ndarray) -> np.ndarray:
    """NaN per column, a block of columns at a time."""
    counts = np.zeros(values.shape[1], dtype=np.int64)
    for where, block in column_blocks(values):
        counts[where] = np.isnan(block).sum(axis=0)
    return counts


def _rows_with(values: np.ndarray, *, every: bool) -> np.ndarray:
    """Rows with every value present (``every``), or with at least one, as a boolean mask."""
    keep = np.full(values.shape[0], every)
    for j in range(values.shape[1]):
        present = ~np.isnan(values[:, j])
        if every:
            keep &= present
        else:
            keep |= present
    return keep


def _frame(values: np.ndarray, variables: list[str], source: pd.DataFrame) -> pd.DataFrame:
    """The checked rows as a float frame sharing ``values`` (no copy).

    A read-only ``values`` is a view of ``source`` (float columns, all rows): the frame
    is then ``source`` itself, whose copy-on-write keeps the caller's data and the
    survey's apart (a frame built on the view would refuse assignments).
    """
    if not values.flags.writeable and values.shape[0] == source.shape[0]:
        return source.reset_index(drop=True)
    return pd.DataFrame(values, columns=list(variables), copy=False)


def _refuse_absent_columns(data: pd.DataFrame, variables: list[str], roles: dict[str, str]
                           ) -> None:
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


def _refuse_infinite_values(values: np.ndarray, variables: list[str]) -> None:
    counts = np.zeros(values.shape[1], dtype=np.int64)
    for where, block in column_blocks(values):
        counts[where] = np.isinf(block).sum(axis=0)
    infinite = {c: int(n) for c, n in zip(variables, counts) if n}
    if infinite:
        detail = ", ".join(f"{c!r} ({n} rows)" for c, n in infinite.items())
        raise DataError(f"column(s) {detail} hold infinite values; replace them with NaN "
                        "(missing) or a number, e.g. df.replace([np.inf, -np.inf], np.nan)")


def _listwise_survey(values: np.ndarray, variables: list[str], missing_counts: dict[str, int],
                     source: pd.DataFrame) -> tuple[Survey, np.ndarray]:
    """``missing="listwise"``: the complete cases; a warning says how many were dropped.

    Returns the survey and the mask of the rows kept (``values`` may be compacted in place).
    """
    n_total = int(values.shape[0])
    kept = _rows_with(values, every=True) if missing_counts else np.ones(n_total, dtype=bool)
    complete = keep_rows(values, kept)
    dropped = n_total - complete.shape[0]
    notes = []
    if dropped:
        detail = ", ".join(f"{c}: {n}" for c, n in missing_counts.items())
        note = (f"listwise deletion: {dropped} of {n_total} rows dropped for missing "
                f"values ({detail}); {complete.shape[0]} rows used")
        notes.append(note)
        warnings.warn(note, MissingValueWarning, stacklevel=4)
    if complete.shape[0] <= len(variables):
        raise DataError(
            f"only {complete.shape[0]} complete rows for {len(variables)} variables: the "
            "sample covariance matrix cannot be positive definite; collect more data or "
            "use fewer items")
    _refuse_constant_columns(complete, variables)
    check_scales(complete, variables)
    return Survey(data=_frame(complete, variables, source), n_total=n_total,
                  n_dropped=int(dropped), missing_by_column=missing_counts,
                  notes=tuple(notes)), kept


def _refuse_constant_columns(rows: np.ndarray, variables: list[str]) -> None:
    """Columns with at most one distinct value (NaN ignored; -0.0 equals 0.0)."""
    constant: list[str] = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: constant
        for where, block in column_blocks(rows):
            low, high = np.nanmin(block, axis=0), np.nanmax(block, axis=0)
            constant.extend(variables[where][k] for k in np.flatnonzero(~(low < high)))
    if constant:
        raise DataError(f"column(s) {', '.join(constant)} are constant (zero variance) in the "
                        "rows used; drop these items from the model")


def _full_information_survey(values: np.ndarray, variables: list[str],
                             missing_counts: dict[str, int], source: pd.DataFrame
                             ) -> tuple[Survey, np.ndarray]:
    """``missing="ml"``: keep every row with at least one value (lavaan drops empty rows)."""
    n_total = int(values.shape[0])
    kept = _rows_with(values, every=False)
    used = keep_rows(values, kept)
    dropped = n_total - used.shape[0]
    notes = []
    if missing_counts:
        detail = ", ".join(f"{c}: {n}" for c, n in missing_counts.items())
        incomplete = int(used.shape[0] - _rows_with(used, every=True).sum())
        notes.append(f"full-information ML: {incomplete} of "
                     f"{used.shape[0]} rows have missing values ({detail}); all are used")
    if dropped:
        note = f"{dropped} rows with no value on any model variable were dropped"
        notes.append(note)
        warnings.warn(note, MissingValueWarning, stacklevel=4)
    if used.shape[0] <= len(variables):
        raise DataError(f"only {used.shape[0]} rows for {len(variables)} variables; collect "
                        "more data or use fewer items")
    _refuse_constant_columns(used, variables)
    check_scales(used, variables)
    frame = _frame(used, variables, source)
    notes.extend(check_coverage(frame, variables))
    return Survey(data=frame, n_total=n_total, n_dropped=int(dropped),
                  missing_by_column=missing_counts, notes=tuple(notes), missing="ml"), kept
