"""The checks :func:`~loyaltysem.data.survey.prepare_survey` applies at the edge.

Each check raises :class:`~loyaltysem.exceptions.DataError` with one line that
names the column (or pair of columns, or group value), the count and the fix:

* :func:`normalize_na_values`: ``na_values`` is a code or a list of codes.
* :func:`check_frame_shape`: flat, unique column names.
* :func:`column_as_float`: numeric columns only; complex, date/time,
  boolean and categorical columns are refused as what they are.
* :func:`find_missing_codes`: values typical of missing-value codes (-99 in
  a 1-7 item) left in the data.
* :func:`check_scales`: (nearly) constant items and items whose scales differ
  by orders of magnitude, diagnosed before they surface as a singular
  covariance matrix.
* :func:`coverage` / :func:`check_coverage`: pairs of variables never observed
  together (full-information ML).
* :func:`group_labels`: the values of a group column.
"""
from __future__ import annotations

import math
import re
import shlex
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import DataError, MissingValueWarning
from ..spec.names import describe_bad_name, name_problem
from ..spec.statements import format_number
from .labels import label_message

#: Values that surveys commonly use as missing-value codes.
TYPICAL_CODES: tuple[float, ...] = (-9.0, -99.0, -999.0, -9999.0, 99.0, 999.0, 9999.0)

#: A typical code is suspect when it lies outside the other values' range by more
#: than this fraction of their span (99 beside ages 18-98 is not; -9 beside 1-7 is).
TYPICAL_CODE_GAP = 0.1

#: Any value is suspect when its distance to the other values exceeds their span
#: times this factor (77 beside 1-7).
FAR_GAP = 1.0

#: A far-out tail is suspect only while it holds at most this share of the rows.
FAR_SHARE = 0.25

#: Smallest item standard deviation accepted (the fit's singularity test is absolute).
MIN_SD = 1e-4

#: Largest ratio of item standard deviations accepted (variances: its square).
MAX_SCALE_RATIO = 1e3

#: An item whose standard deviation is at most this fraction of its typical
#: magnitude (``max(|mean|, 1)``) is (nearly) constant.
NEAR_CONSTANT = 1e-6

#: Largest magnitude accepted: squares and cross-products must stay finite.
MAX_MAGNITUDE = 1e100

#: Pairwise coverage below which a MissingValueWarning is issued (lavaan's 10%).
LOW_COVERAGE = 0.1

#: A group value given as text: runs of letters, digits and ``_``, joined by single
#: hyphens or spaces (``Grant-White``, ``United Kingdom``), at most 100 characters.
GROUP_VALUE = re.compile(r"\w+(?:[- ]\w+)*")
MAX_GROUP_VALUE = 100

NaValues = float | int | str | Sequence[float | int | str] | None


def normalize_na_values(na_values: object) -> list[float | str] | None:
    """Turn the ``na_values`` argument into a list of codes (or None).

    Parameters
    ----------
    na_values : number, str, sequence of numbers/str, or None
        One code (``-99`` or ``"-99"``) or several (``[-99, -98, "n/a"]``).
        A text that reads as a number (``"-99"``) is the number (and also the
        text, for CSV cells).

    Returns
    -------
    list or None
        The codes, numbers as float; None when none were given.

    Raises
    ------
    DataError
        For anything else (a dict, a bool, NaN, nested lists).
    """
    if na_values is None:
        return None
    if isinstance(na_values, (str, bytes, int, float, np.integer, np.floating)):
        items: list[object] = [na_values]
    elif isinstance(na_values, (list, tuple, set, frozenset, np.ndarray, pd.Series, pd.Index)):
        items = list(na_values)
    else:
        raise DataError(f"na_values must be a code or a list of codes (e.g. na_values=[-99]); "
                        f"got a {type(na_values).__name__}")
    codes: list[float | str] = []
    for item in items:
        if isinstance(item, (bool, np.bool_)):
            raise DataError(f"na_values holds {item!r}; list the missing-value codes as numbers "
                            "or texts, e.g. na_values=[-99]")
        if isinstance(item, (int, float, np.integer, np.floating)):
            if not math.isfinite(float(item)):
                raise DataError(f"na_values holds {item!r}; NaN and infinity are not codes "
                                "(NaN is missing already); list codes such as -99")
            codes.append(float(item))
        elif isinstance(item, str):
            codes.append(item)
            if _as_number(item) is not None:
                codes.append(_as_number(item))  # type: ignore[arg-type]
        else:
            raise DataError(f"na_values holds a {type(item).__name__} ({item!r:.40}); list the "
                            "missing-value codes as numbers or texts, e.g. na_values=[-99]")
    return list(dict.fromkeys(codes)) or None


def _as_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def check_frame_shape(data: pd.DataFrame, needed: Iterable[str]) -> None:
    """Refuse MultiIndex columns and duplicated names among the columns a model needs.

    Raises
    ------
    DataError
        Naming the duplicated column and how many times it occurs.
    """
    if isinstance(data.columns, pd.MultiIndex):
        raise DataError(f"the data has MultiIndex columns ({data.columns.nlevels} levels, e.g. "
                        f"{data.columns[0]!r:.60}); flatten them to one name per column, e.g. "
                        "df.columns = ['_'.join(map(str, c)) for c in df.columns]")
    if data.columns.is_unique:
        return
    counts = pd.Series(data.columns).value_counts()
    duplicated = [(name, int(counts[name])) for name in dict.fromkeys(needed)
                  if name in counts.index and counts[name] > 1]
    if duplicated:
        detail = ", ".join(f"{name!r} ({n} columns)" for name, n in duplicated)
        raise DataError(f"the data has duplicated column names: {detail}; rename or drop the "
                        "copies so that each name is one column")


def column_as_float(column: pd.Series, name: str) -> pd.Series:
    """The column as float, or a DataError that says what it is and how to convert it.

    Numbers stored as text (``"3"``) are converted; anything else that is not a
    real number is refused: complex (the imaginary part would be lost),
    date/time, boolean, categorical and text columns.
    """
    dtype = column.dtype
    if pd.api.types.is_complex_dtype(dtype):
        raise DataError(f"column {name!r} is complex-valued; its imaginary part would be lost. "
                        f"Pass the real part (df[{name!r}].real) if that is what you mean")
    if (pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)
            or isinstance(dtype, pd.PeriodDtype)):
        raise DataError(f"column {name!r} is a date/time ({dtype}), not an answer; drop it from "
                        "the model, or convert it to a number (e.g. days since a start date)")
    if pd.api.types.is_bool_dtype(dtype):
        raise DataError(f"column {name!r} is boolean (True/False); if it is a 0/1 indicator, "
                        f"convert it: df[{name!r}] = df[{name!r}].astype(float)")
    if isinstance(dtype, pd.CategoricalDtype):
        labelled = label_message(column, name)
        if labelled:
            raise DataError(labelled)
        raise DataError(f"column {name!r} is categorical; recode it to numbers (e.g. "
                        f"df[{name!r}].cat.codes if its categories are ordered answers)")
    if pd.api.types.is_numeric_dtype(dtype):
        return column.astype(float)
    return _object_as_float(column, name)


def _object_as_float(column: pd.Series, name: str) -> pd.Series:
    present = column[column.notna()]
    odd = [v for v in present if isinstance(v, (complex, bool, np.bool_, pd.Timestamp,
                                                pd.Timedelta, np.datetime64, np.timedelta64))
           or (hasattr(v, "year") and hasattr(v, "month"))]
    if odd:
        what = ("a date/time" if hasattr(odd[0], "year") or "time" in type(odd[0]).__name__.lower()
                else f"a {type(odd[0]).__name__}")
        raise DataError(f"column {name!r} holds {what} ({odd[0]!r:.40}) in {len(odd)} rows; "
                        "recode it to numbers, or drop it from the model")
    converted = pd.to_numeric(column, errors="coerce")
    bad = column[converted.isna() & column.notna()]
    if len(bad):
        labelled = label_message(column, name)
        if labelled:
            raise DataError(labelled)
        example = bad.iloc[0]
        hint = (f" (--na-values {shlex.quote(example[:20])} on the command line)"
                if isinstance(example, str) else "")
        raise DataError(
            f"column {name!r} is not numeric (e.g. row {bad.index[0]}: {example!r:.40}; "
            f"{len(bad)} rows); recode it to numbers, or pass its missing-value code with "
            f"na_values{hint}")
    return converted.astype(float)


@dataclass(frozen=True)
class SuspectCode:
    """A value of a column that looks like a missing-value code."""

    column: str
    value: float
    count: int
    low: float  # the range of the column's other values
    high: float
    typical: bool  # one of TYPICAL_CODES (else: far outside the other values)


def _suspects_in(values: np.ndarray, column: str) -> list[SuspectCode]:
    """Typical codes outside the other values' range, then far-out tails at either end."""
    distinct, counts = np.unique(values, return_counts=True)
    typical = np.isin(distinct, TYPICAL_CODES)
    core = distinct[~typical]
    flagged = np.zeros(distinct.size, dtype=bool)
    if core.size >= 2 and core[-1] > core[0]:
        gap = np.maximum(core[0] - distinct, distinct - core[-1])
        flagged = typical & (gap > TYPICAL_CODE_GAP * (core[-1] - core[0]))
    rest = np.flatnonzero(~flagged)
    limit = FAR_SHARE * values.size
    low = _far_tail(distinct[rest], counts[rest], limit)
    high = _far_tail(-distinct[rest][::-1], counts[rest][::-1], limit)
    flagged[rest[:low]] = True
    flagged[rest[rest.size - high:]] = True
    kept = distinct[~flagged]
    if kept.size == 0:
        return []
    return [SuspectCode(column, float(v), int(n), float(kept[0]), float(kept[-1]), bool(t))
            for v, n, t in zip(distinct[flagged], counts[flagged], typical[flagged])]


def _far_tail(distinct: np.ndarray, counts: np.ndarray, limit: float) -> int:
    """How many of the lowest distinct values lie farther from the rest than the rest's span.

    The tail may hold at most ``limit`` rows; the largest such tail is returned (0: none).
    """
    if distinct.size < 3:
        return 0
    k = np.arange(1, distinct.size - 1)
    held = np.cumsum(counts)[k - 1]               # rows in the tail below distinct[k]
    span = distinct[-1] - distinct[k]
    far = (held <= limit) & (span > 0) & (distinct[k] - distinct[k - 1] > FAR_GAP * span)
    return int(k[far].max()) if far.any() else 0


def find_missing_codes(data: pd.DataFrame, columns: Iterable[str] | None = None
                       ) -> pd.DataFrame:
    """Values that look like missing-value codes left in numeric columns.

    A value is suspect when it is one of :data:`TYPICAL_CODES` (-9, -99, -999,
    -9999, 99, 999, 9999) and lies outside the range of the column's other
    values by more than 10% of their span, or when it is in a tail (at most
    25% of the rows) that lies farther from the other values than their whole
    span (77 beside answers 1-7; -99 and -98 together).

    Parameters
    ----------
    data : pandas.DataFrame
    columns : iterable of str, optional
        The columns to check (default: every numeric column).

    Returns
    -------
    pandas.DataFrame
        One row per suspect value: ``column, value, count, low, high, typical``
        (``low``/``high``: the range of the other values).

    Examples
    --------
    >>> frame = pd.DataFrame({"sat_1": [1, 4, 7, 5, -99, 2]})
    >>> find_missing_codes(frame)[["column", "value", "count"]].to_dict("records")
    [{'column': 'sat_1', 'value': -99.0, 'count': 1}]
    """
    names = list(columns) if columns is not None else [
        c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])
        and not pd.api.types.is_bool_dtype(data[c])]
    rows: list[SuspectCode] = []
    for name in names:
        values = pd.to_numeric(data[name], errors="coerce").to_numpy(float)
        rows.extend(_suspects_in(values[np.isfinite(values)], str(name)))
    return _suspect_table(rows)


def _suspect_table(rows: list[SuspectCode]) -> pd.DataFrame:
    return pd.DataFrame([vars(r) for r in rows],
                        columns=["column", "value", "count", "low", "high", "typical"])


def suspect_codes(values: np.ndarray, names: Sequence[str]) -> list[SuspectCode]:
    """:func:`find_missing_codes` of the float columns of ``values`` (N x p; NaN = missing).

    A block of columns at a time (memory for a block, not a copy of the data);
    complete columns that :func:`_may_hold_codes` clears are not searched.
    """
    from .arrays import column_blocks

    rows: list[SuspectCode] = []
    for where, block in column_blocks(values):
        searched = ~np.isfinite(block).all(axis=0)
        if not searched.all():
            searched[~searched] = _may_hold_codes(np.sort(block[:, ~searched], axis=0))
        for k in np.flatnonzero(searched):
            column = block[:, k]
            finite = np.isfinite(column)
            rows.extend(_suspects_in(column if finite.all() else column[finite],
                                     str(names[where.start + k])))
    return rows


def _may_hold_codes(ordered: np.ndarray) -> np.ndarray:
    """Per sorted finite column: could :func:`_suspects_in` flag anything?

    A typical code is flagged only outside the range of the other values, so only
    when the column's smallest or largest value is one. A far-out tail needs a gap
    between neighbouring values, with at most :data:`FAR_SHARE` of the rows beyond it,
    wider than the span above it (low tail) or below it (high tail): the conditions of
    :func:`_far_tail`, in the same arithmetic, on the rows where they can hold.
    """
    n = ordered.shape[0]
    if n < 3:
        return np.ones(ordered.shape[1], dtype=bool)
    typical = np.isin(ordered[0], TYPICAL_CODES) | np.isin(ordered[-1], TYPICAL_CODES)
    limit = FAR_SHARE * n
    # gap g lies between rows g and g + 1: g + 1 rows below it, n - g - 1 above
    last_low = min(n - 1, math.floor(limit))                 # g + 1 <= limit
    first_high = max(0, math.ceil(n - limit) - 1)            # n - g - 1 <= limit
    upper = ordered[1:last_low + 1]
    above = ordered[-1] - upper
    low = ((above > 0) & (upper - ordered[:last_low] > FAR_GAP * above)).any(axis=0)
    lower = ordered[first_high:n - 1]
    below = lower - ordered[0]
    high = ((below > 0) & (ordered[first_high + 1:] - lower > FAR_GAP * below)).any(axis=0)
    return typical | low | high


def check_missing_codes(data: pd.DataFrame, columns: Iterable[str]) -> None:
    """Refuse values that look like missing-value codes (see :func:`find_missing_codes`).

    Raises
    ------
    DataError
        Naming the first column, the code, its count, the range of the other
        values, and the two ways out (declare the code, or keep the values).
    """
    refuse_missing_codes(find_missing_codes(data, columns))


def refuse_missing_codes(table: pd.DataFrame | list[SuspectCode]) -> None:
    """Raise the DataError of :func:`check_missing_codes` for suspect codes, if any.

    Parameters
    ----------
    table : pandas.DataFrame or list of SuspectCode
        As :func:`find_missing_codes` or :func:`suspect_codes` return them.
    """
    if isinstance(table, list):
        if not table:
            return
        table = _suspect_table(table)
    if table.empty:
        return
    first = table.iloc[0]
    code = format_number(first["value"])
    others = ("" if len(table) == 1 else
              f" (and {len(table) - 1} more: " + ", ".join(
                  f"{r.column}={format_number(r.value)}" for r in table.iloc[1:4].itertuples())
              + ("..." if len(table) > 4 else "") + ")")
    codes = ", ".join(dict.fromkeys(format_number(v) for v in table["value"]))
    raise DataError(
        f"column {first['column']!r} holds {code} in {int(first['count'])} rows, outside the "
        f"range of its other values ({format_number(first['low'])} to "
        f"{format_number(first['high'])}): a missing-value code?{others} Declare it with "
        f"--na-values {codes.replace(', ', ',')} (na_values=[{codes}] in Python), or pass "
        "allow_codes=True if these are real answers")


def check_scales(rows: pd.DataFrame | np.ndarray, variables: Sequence[str]) -> None:
    """Refuse (nearly) constant items and items whose scales differ by orders of magnitude.

    Both make the sample covariance matrix numerically singular, and would
    otherwise be reported as "linearly dependent items".

    Parameters
    ----------
    rows : pandas.DataFrame or ndarray
        The rows used (NaN = missing; moments use the available values); an
        array holds the ``variables`` as its columns, in order.
    variables : sequence of str

    Raises
    ------
    DataError
        An item whose standard deviation is at most 1e-6 of its typical
        magnitude ``max(|mean|, 1)`` ("nearly constant"; this covers
        variances below 1e-12), or standard deviations whose largest/smallest
        ratio exceeds :data:`MAX_SCALE_RATIO` (1e3: rescale), or standard
        deviations below :data:`MIN_SD` (1e-4) or values beyond
        :data:`MAX_MAGNITUDE` (1e100: rescale).

    Notes
    -----
    lavaan warns when observed variances differ by a factor above 1000
    (``lav_data.R``: "some observed variances are (at least) a factor 1000
    times larger than others"). Here the fit's information matrix is
    numerically singular from a standard-deviation ratio of about 1e3
    (Holzinger-Swineford with ``x1`` multiplied by 1e3), so that ratio is
    refused.
    """
    names = list(variables)
    values = rows if isinstance(rows, np.ndarray) else rows[names].to_numpy(dtype=float)
    largest, sd, magnitude = _column_scales(values)
    if (largest > MAX_MAGNITUDE).any():
        i = int(np.nanargmax(largest))
        c, big = names[i], largest[i]
        raise DataError(f"column {c!r} holds values as large as {big:.3g}: their squares "
                        f"overflow; rescale it to comparable units (e.g. divide it by "
                        f"{10 ** round(math.log10(big)):.0g})")
    near = [i for i in range(len(names)) if 0 < sd[i] <= NEAR_CONSTANT * magnitude[i]]
    if near:
        i = near[0]
        more = f" (also {', '.join(names[k] for k in near[1:4])})" if len(near) > 1 else ""
        size = (f"variance {sd[i] ** 2:.3g}" if sd[i] ** 2 > 0
                else f"standard deviation {sd[i]:.3g}")
        raise DataError(
            f"item {names[i]!r} has {size}: it is (nearly) constant in the rows "
            f"used{more}; drop it from the model, or rescale it if its unit is tiny")
    tiny = [i for i in range(len(names)) if 0 < sd[i] < MIN_SD]
    if tiny:
        i = tiny[0]
        factor = 10 ** -math.floor(math.log10(sd[i]))
        raise DataError(
            f"item {names[i]!r} has standard deviation {sd[i]:.3g}: its unit is too small for "
            f"the estimator; rescale it (e.g. multiply it by {factor:.0g})")
    spread = np.flatnonzero(sd > 0)
    if spread.size >= 2 and sd[spread].max() > MAX_SCALE_RATIO * sd[spread].min():
        high, low = spread[np.argmax(sd[spread])], spread[np.argmin(sd[spread])]
        big, small, factor = names[high], names[low], float(sd[high] / sd[low])
        raise DataError(
            f"items differ in scale by a factor of {factor:.3g} (standard deviation of {big!r}: "
            f"{sd[high]:.3g}, of {small!r}: {sd[low]:.3g}): rescale them to comparable "
            f"units (e.g. divide {big!r} by {10 ** round(math.log10(factor)):.0g})")


def _column_scales(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column (NaN ignored): the largest |value|, the SD (divisor n) and ``max(|mean|, 1)``.

    Computed a block of columns at a time (memory for a block, not for the data).
    """
    from .arrays import column_blocks

    p = values.shape[1]
    largest, sd, magnitude = np.empty(p), np.empty(p), np.empty(p)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN, as pandas
        for where, block in column_blocks(values):
            complete = not np.isnan(block).any()  # the plain reductions are quicker
            top, std, mean = (np.max, np.std, np.mean) if complete else (
                np.nanmax, np.nanstd, np.nanmean)
            largest[where] = top(np.abs(block), axis=0)
            unit = np.where(largest[where] > 0, largest[where], 1.0)
            sd[where] = std(block / unit, axis=0) * unit  # no underflow
            magnitude[where] = np.maximum(np.abs(mean(block, axis=0)), 1.0)
    return largest, sd, magnitude


def coverage(data: pd.DataFrame, variables: Sequence[str] | None = None) -> pd.DataFrame:
    """The proportion of rows in which each pair of variables is observed together.

    Parameters
    ----------
    data : pandas.DataFrame
        NaN marks a missing value.
    variables : sequence of str, optional
        The columns (default: all). Rows missing on every one of them are left
        out, as full-information ML leaves them out.

    Returns
    -------
    pandas.DataFrame
        Symmetric, variables × variables; the diagonal is the proportion of
        rows in which the variable is observed.

    Notes
    -----
    ``C = R'R / N`` with ``R`` the N × p indicator of observed values, as
    lavaan's ``lavInspect(fit, "coverage")`` (``lav_data.R``, computed on the
    non-empty cases).

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 2, None, 4], "b": [1, None, 3, 4]})
    >>> coverage(frame)
          a     b
    a  0.75  0.50
    b  0.50  0.75
    """
    names = list(variables) if variables is not None else [str(c) for c in data.columns]
    observed = data[names].notna().to_numpy(dtype=float)
    observed = observed[observed.any(axis=1)]
    n = max(observed.shape[0], 1)
    return pd.DataFrame(observed.T @ observed / n, index=names, columns=names)


def check_coverage(data: pd.DataFrame, variables: Sequence[str], *, where: str = ""
                   ) -> list[str]:
    """Refuse pairs never observed together; warn below 10% coverage (as lavaan).

    Returns
    -------
    list of str
        Notes for the survey (the low-coverage warning, if any).

    Raises
    ------
    DataError
        Naming the pairs with zero coverage and the fix.
    """
    table = coverage(data, variables).to_numpy()
    names = list(variables)
    prefix = f"{where}: " if where else ""
    pairs = [(names[i], names[j], table[i, j]) for i in range(len(names))
             for j in range(i + 1, len(names))]
    never = [(a, b) for a, b, c in pairs if c == 0]
    if never:
        shown = ", ".join(f"{a} & {b}" for a, b in never[:5]) + (
            f" and {len(never) - 5} more" if len(never) > 5 else "")
        raise DataError(
            f"{prefix}{len(never)} pair(s) of variables are never observed together (coverage "
            f"0): {shown}; full-information ML cannot estimate their covariance. Collect rows "
            "that answer both, drop one of each pair, or see loyaltysem.data.coverage(df)")
    low = [(a, b, c) for a, b, c in pairs if c < LOW_COVERAGE]
    if not low:
        return []
    a, b, c = min(low, key=lambda item: item[2])
    note = (f"{prefix}{len(low)} pair(s) of variables are observed together in less than 10% "
            f"of the rows (lowest: {a} & {b}, {c:.1%}); their covariances rest on few rows "
            "(see loyaltysem.data.coverage(df))")
    warnings.warn(note, MissingValueWarning, stacklevel=5)
    return [note]


def refuse_absent_group_column(data: pd.DataFrame, group: str) -> None:
    """A DataError naming the group column the data lacks, with the closest column name."""
    if group in data.columns:
        return
    import difflib

    close = difflib.get_close_matches(group, [str(c) for c in data.columns], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise DataError(f"the data has no column {group!r} to define the groups{hint} "
                    "(columns: " + ", ".join(map(str, data.columns[:30])) + ")")


def group_labels(column: pd.Series | pd.DataFrame, name: str) -> pd.Series:
    """The labels of a group column's (non-missing) values, checked.

    Group values may be integers (``1``, ``2``; integral floats such as ``1.0``
    read as ``"1"``) or text of letters, digits and ``_``, with single hyphens
    or spaces between them (``Grant-White``); at most 100 characters.
    Anything else (line breaks, punctuation, fractions, True/False) is refused.

    Parameters
    ----------
    column : pandas.Series
        The group column (missing values already dropped).
    name : str
        Its name, for messages.

    Returns
    -------
    pandas.Series
        The group codes as text, same index (the keys of every multi-group result;
        :func:`group_names` gives their value labels for display).

    Raises
    ------
    DataError
        Naming the column, the offending value, how many rows hold it and the fix.
    """
    problem = name_problem(name)
    if problem is not None:
        raise DataError(describe_bad_name("group column", name))
    if isinstance(column, pd.DataFrame):
        raise DataError(f"the data has {column.shape[1]} columns named {name!r}; rename or drop "
                        "the copies so that the group column is one column")
    if pd.api.types.is_bool_dtype(column.dtype):
        raise DataError(f"group column {name!r} is boolean; recode it to names or integers, "
                        f"e.g. df[{name!r}].map({{True: 'yes', False: 'no'}})")
    labels = column.map(_group_label)
    bad = labels[labels.isna()]
    if len(bad):
        value = column[bad.index[0]]
        value = value.item() if isinstance(value, np.generic) else value
        count = int((column == value).sum()) if not isinstance(value, float) else len(bad)
        raise DataError(
            f"group column {name!r} holds {value!r:.60} ({count} rows); group values must be "
            "integers or names of letters, digits and '_' (single '-' or ' ' between them, at "
            "most 100 characters); recode it, e.g. df[" + repr(name) + "].replace({...})")
    return labels.astype(str)


def group_names(column: pd.Series, name: str) -> dict[str, str]:
    """The groups' names for people: group code → its value label (``"1"`` → ``"prepaid plan"``).

    The codes (:func:`group_labels`) stay the groups' keys (results, JSON); these
    names are what summaries, reports and diagrams show. They come from
    ``column.attrs["value_labels"][name]`` (an SPSS or Stata file's value labels, as
    :func:`~loyaltysem.data.survey.read_table` attaches them, or a shipped codebook's,
    as :func:`~loyaltysem.data.registry.load_dataset` does). They are text, shown as
    they are and escaped by each writer; codes without a label, and all of them
    when two groups would get one name, are left out.

    Examples
    --------
    >>> column = pd.Series([1, 2, 1], name="servicetype")
    >>> column.attrs["value_labels"] = {"servicetype": {1: "prepaid plan", 2: "contract plan"}}
    >>> group_names(column, "servicetype")
    {'1': 'prepaid plan', '2': 'contract plan'}
    """
    value_labels = (column.attrs.get("value_labels") or {}).get(name) or {}
    names: dict[str, str] = {}
    for code, label in value_labels.items():
        key, text = _group_label(code), " ".join(str(label).split())
        if key is not None and text:
            names[key] = text
    present = {str(v) for v in column.dropna().map(_group_label) if v is not None}
    shown = [names[code] for code in present if code in names]
    return {} if len(set(shown)) != len(shown) else names


def group_title(code: str, names: Mapping[str, str] | None) -> str:
    """A group's name for people: its value label, else its code (see :func:`group_names`)."""
    return str((names or {}).get(code, code))


def _group_label(value: object) -> str | None:
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if math.isfinite(value) and float(value).is_integer() else None
    if isinstance(value, str) and len(value) <= MAX_GROUP_VALUE and GROUP_VALUE.fullmatch(value):
        return value
    return None
