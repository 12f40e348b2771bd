"""Likert answers written as labels ("Somewhat agree") turned into their numbers.

Value labels run as SPSS and Stata define them: a code → its label
(``{1: "Strongly disagree", ..., 7: "Strongly agree"}``), per column or one
set for every column. A file read with :func:`~loyaltysem.data.survey.read_table`
carries its own in ``frame.attrs["value_labels"]``; a codebook can give them for a
CSV. Labels match whatever their case and surrounding blanks.

A model column that holds labels and has no mapping is refused when a model
uses it, by :func:`label_message`'s message (which labels, and what to do).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from numbers import Real
from typing import Any, Union

import pandas as pd

from ..arguments import fail
from ..exceptions import DataError

#: code → label for every column, or column → (code → label)
ValueLabels = Union[Mapping[Any, str], Mapping[str, Mapping[Any, str]]]

#: words of answer scales (agreement, satisfaction, frequency, likelihood, quality...)
_SCALE_WORDS = re.compile(
    r"\b(agree|disagree|agreement|satisfied|dissatisfied|satisfaction|likely|unlikely|neutral|"
    r"neither|strongly|somewhat|slightly|moderately|extremely|very|completely|totally|"
    r"never|rarely|sometimes|often|always|poor|fair|good|excellent|important|unimportant|"
    r"not at all|a little|a lot)\b", re.IGNORECASE)
#: the most distinct labels a Likert column is taken to have
MAX_LABELS = 12


def _key(label: Any) -> str:
    return " ".join(str(label).split()).casefold()


def normalize_value_labels(value_labels: Any, columns: list[str]) -> dict[str, dict[str, float]]:
    """Column → (label, normalised → code) for the text columns ``value_labels`` covers.

    A mapping of codes to labels applies to every column; a mapping of column
    names to such mappings to those columns.

    Raises
    ------
    ArgumentError
        If ``value_labels`` is not such a mapping, a code is not a number, a
        label not text, or one label has two codes.
    """
    if not isinstance(value_labels, Mapping) or not value_labels:
        raise fail("value_labels", "a mapping of codes to labels ({1: 'Strongly disagree', "
                   "...}), or of column names to such mappings", value_labels)
    if all(isinstance(v, Mapping) for v in value_labels.values()):
        return {str(c): _inverted(m, str(c)) for c, m in value_labels.items()
                if str(c) in columns}
    inverted = _inverted(value_labels, None)
    return {c: inverted for c in columns}


def _inverted(labels: Mapping[Any, Any], column: str | None) -> dict[str, float]:
    where = f"value_labels[{column!r}]" if column is not None else "value_labels"
    inverted: dict[str, float] = {}
    for code, label in labels.items():
        if isinstance(code, bool) or not isinstance(code, Real) or not isinstance(label, str):
            raise fail(where, "a mapping of numeric codes to text labels", {code: label})
        if _key(label) in inverted and inverted[_key(label)] != float(code):
            raise fail(where, "labels that each have one code", label)
        inverted[_key(label)] = float(code)
    return inverted


def apply_value_labels(frame: pd.DataFrame, value_labels: ValueLabels,
                       ) -> tuple[pd.DataFrame, list[str]]:
    """Replace answer labels by their codes in the text columns ``value_labels`` covers.

    Parameters
    ----------
    frame : pandas.DataFrame
    value_labels : mapping
        Code → label (``{1: "Strongly disagree", 7: "Strongly agree"}``) for every
        column, or column → such a mapping (SPSS's and Stata's value labels, as
        ``frame.attrs["value_labels"]`` holds them).

    Returns
    -------
    frame : pandas.DataFrame
        A copy with the columns recoded (float); numeric columns are left as they are.
    notes : list of str
        One note naming the columns recoded.

    Raises
    ------
    DataError
        If a column recoded by name, or a column with some labels of a set for every
        column, holds labels the mapping lacks (named, with the fix).

    Examples
    --------
    >>> frame = pd.DataFrame({"sat_1": ["Agree", "strongly agree ", None]})
    >>> apply_value_labels(frame, {1: "Disagree", 2: "Agree", 3: "Strongly agree"})[0]["sat_1"].tolist()
    [2.0, 3.0, nan]
    """
    texts = [str(c) for c in frame.columns if _is_text(frame[c])]
    mappings = normalize_value_labels(value_labels, texts)
    by_name = all(isinstance(v, Mapping) for v in value_labels.values())
    frame, recoded = frame.copy(), []
    for column, mapping in mappings.items():
        present = frame[column].dropna()
        keys = present.map(_key)
        known = keys.isin(list(mapping))
        unknown = sorted(set(present[~known].astype(str)))
        if unknown and (by_name or known.any()):
            raise DataError(
                f"column {column!r} holds labels that its value labels lack: "
                f"{_listed(unknown)}; add them to the mapping (code → label), or declare "
                "them missing with na_values")
        if not unknown:
            frame[column] = frame[column].map(
                lambda v, m=mapping: m[_key(v)] if pd.notna(v) else float("nan")).astype(float)
            recoded.append(column)
    notes = [f"answer labels replaced by their codes in {', '.join(recoded)}"] if recoded else []
    return frame, notes


def _is_text(column: pd.Series) -> bool:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return not pd.api.types.is_numeric_dtype(column.cat.categories.dtype)
    return pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)


def _listed(labels: list[str]) -> str:
    shown = ", ".join(repr(label[:40]) for label in labels[:MAX_LABELS])
    return shown + (f" and {len(labels) - MAX_LABELS} more" if len(labels) > MAX_LABELS else "")


def answer_labels(column: pd.Series) -> list[str] | None:
    """The distinct labels of a column that holds Likert answers as text, else None.

    A column is taken to: it has 2 to :data:`MAX_LABELS` distinct non-numeric
    texts, and one of them uses a word of an answer scale ("agree", "satisfied",
    "likely", "never"...).
    """
    present = column.dropna()
    texts = sorted({str(v).strip() for v in present if isinstance(v, str)} - {""})
    numbers = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").notna()
    texts = [text for text, number in zip(texts, numbers) if not number]
    if not 2 <= len(texts) <= MAX_LABELS:
        return None
    return texts if any(_SCALE_WORDS.search(text) for text in texts) else None


def label_message(column: pd.Series, name: str) -> str | None:
    """The message for a model column that holds answer labels without a mapping, else None."""
    labels = answer_labels(column)
    if labels is None:
        return None
    return (f"column {name!r} holds answer labels, not numbers: {_listed(labels)}. Map them "
            "to their codes: read the .sav/.dta file itself (read_table keeps the codes and "
            "its value labels), or give a codebook mapping, e.g. "
            f"read_table(path, value_labels={{{name!r}: {{1: 'Strongly disagree', ..., "
            "7: 'Strongly agree'}})")


def file_codebook(frame: pd.DataFrame) -> pd.DataFrame:
    """The codebook a survey file carries: one row per column with its wording and labels.

    Parameters
    ----------
    frame : pandas.DataFrame
        As :func:`~loyaltysem.data.survey.read_table` returns it: its
        ``attrs["item_wording"]`` (SPSS/Stata variable labels, Qualtrics or
        LimeSurvey question texts) and ``attrs["value_labels"]``.

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``wording`` (as in
        :func:`~loyaltysem.data.registry.load_codebook`) and ``value_labels``
        (``"1 = Strongly disagree; ...; 7 = Strongly agree"``), empty where the file
        says nothing.

    Examples
    --------
    >>> frame = pd.DataFrame({"sat_1": [1, 2]})
    >>> frame.attrs = {"item_wording": {"sat_1": "I am satisfied."},
    ...                "value_labels": {"sat_1": {1: "No", 2: "Yes"}}}
    >>> file_codebook(frame).to_dict("records")
    [{'variable': 'sat_1', 'wording': 'I am satisfied.', 'value_labels': '1 = No; 2 = Yes'}]
    """
    wording = frame.attrs.get("item_wording") or {}
    labels = frame.attrs.get("value_labels") or {}

    def shown(codes: Mapping[Any, str]) -> str:
        return "; ".join(f"{_code_text(code)} = {label}" for code, label in codes.items())

    return pd.DataFrame([{"variable": str(c), "wording": str(wording.get(c, "")),
                          "value_labels": shown(labels.get(c, {}))} for c in frame.columns],
                        columns=["variable", "wording", "value_labels"])


def _code_text(code: Any) -> str:
    return f"{code:g}" if isinstance(code, float) else str(code)


#: one ``code = label`` pair of a codebook's ``value_labels`` cell
_PAIR = re.compile(r"^\s*(-?\d+)\s*=\s*(\S(?:.*\S)?)\s*$")
#: the longest value label a codebook may give
MAX_LABEL = 200


def parse_value_labels(cell: Any, *, source: str, variable: str) -> dict[int, str]:
    """A codebook's ``value_labels`` cell (``"1 = prepaid plan; 2 = contract plan"``)
    → code → label, the format :func:`file_codebook` writes.

    The labels are text, never evaluated; the writers escape them for their format.

    Parameters
    ----------
    cell : str or NaN
        ``code = label`` pairs separated by ``;`` (integer codes, each once;
        a label without ``;``, line breaks or control characters, at most
        :data:`MAX_LABEL` characters). Empty: no labels.
    source, variable : str
        The codebook file and the row's variable, for the message.

    Raises
    ------
    DataError
        Naming the file, the variable, the bad pair and what to write instead.

    Examples
    --------
    >>> parse_value_labels("1 = prepaid plan; 2 = contract plan", source="codebook.csv",
    ...                    variable="servicetype")
    {1: 'prepaid plan', 2: 'contract plan'}
    """
    if cell is None or (isinstance(cell, float) and pd.isna(cell)) or not str(cell).strip():
        return {}
    labels: dict[int, str] = {}
    for pair in str(cell).split(";"):
        match = _PAIR.match(pair) if pair.isprintable() else None
        code = int(match.group(1)) if match else None
        if match is None or code in labels or len(match.group(2)) > MAX_LABEL:
            problem = "repeats a code" if code in labels else "is not 'code = label'"
            raise DataError(
                f"{source}: the value_labels of {variable!r} has {pair.strip()[:60]!r}, which "
                f"{problem}; write integer codes with a label each (printable text of at most "
                f"{MAX_LABEL} characters, no ';'), separated by ';', e.g. "
                "'1 = prepaid plan; 2 = contract plan'")
        labels[int(match.group(1))] = match.group(2)
    return labels
