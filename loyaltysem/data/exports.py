"""Survey-platform exports: their extra header rows recognised and their question texts kept.

* **Qualtrics** (CSV or Excel "Download data table"): below the header of
  column names come two more rows, the question texts and a row of
  ``{"ImportId":"QID1_1"}`` objects. Both are dropped; the texts become the
  items' wording.
* **LimeSurvey** (its response export, recognised by the columns ``id``,
  ``submitdate``, ``lastpage``, ``startlanguage``...): a header written as
  "question code and question text" (``sat1. How satisfied...``) is split into
  the column name ``sat1`` and its wording; a second header row of question
  texts below the codes, if present, is dropped and kept as wording.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

#: LimeSurvey's own columns in a response export
LIMESURVEY_COLUMNS = frozenset({"submitdate", "lastpage", "startlanguage", "startdate",
                                "datestamp", "seed", "ipaddr", "refurl"})
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:')
_CODE_AND_TEXT = re.compile(r"^(?P<code>[A-Za-z_][\w\[\]]*)\.\s+(?P<text>\S.*)$", re.DOTALL)
_NUMBER = re.compile(r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*$")


@dataclass(frozen=True)
class Export:
    """What was recognised in a survey export.

    Attributes
    ----------
    platform : str
        ``"Qualtrics"`` or ``"LimeSurvey"``.
    extra_rows : int
        Header rows below the column names, to drop.
    columns : tuple of str
        The column names to use (LimeSurvey's "code. text" headers become codes).
    wording : dict
        Column → question text.
    """

    platform: str
    extra_rows: int
    columns: tuple[str, ...]
    wording: dict[str, str] = field(default_factory=dict)

    def note(self, name: str) -> str:
        """The sentence that says what was done."""
        rows = (f"its {self.extra_rows} extra header rows dropped" if self.extra_rows
                else "its headers split into codes")
        return (f"{name} is a {self.platform} export: {rows}, the question texts of "
                f"{len(self.wording)} columns kept as item wording (frame.attrs['item_wording'])")


def detect_export(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Export | None:
    """Recognise a Qualtrics or LimeSurvey export from its header and first rows.

    Parameters
    ----------
    header : sequence of str
        The column names (the file's first row).
    rows : sequence of sequences of str
        The next rows as text (two are enough; empty cells as ``""``).

    Returns
    -------
    Export or None
        None when the file is not an export these rules know.

    Examples
    --------
    >>> found = detect_export(["ResponseId", "sat_1"],
    ...                       [["Response ID", "How satisfied are you?"],
    ...                        ['{"ImportId":"_recordId"}', '{"ImportId":"QID1"}'], ["R_1", "5"]])
    >>> found.platform, found.extra_rows, found.wording["sat_1"]
    ('Qualtrics', 2, 'How satisfied are you?')
    """
    header = [str(name) for name in header]
    if len(rows) >= 2 and _is_import_id_row(rows[1]):
        return Export("Qualtrics", 2, tuple(header), _wording(header, rows[0]))
    codes = [_split_heading(name)[0] for name in header]
    if "id" in codes and len(LIMESURVEY_COLUMNS.intersection(codes)) >= 2:
        return _limesurvey(header, rows)
    return None


def _split_heading(name: str) -> tuple[str, str | None]:
    """LimeSurvey's "code. text" heading → (code, text); any other → (name, None)."""
    match = _CODE_AND_TEXT.match(name)
    return (match["code"], match["text"].strip()) if match else (name, None)


def _is_import_id_row(row: Sequence[str]) -> bool:
    filled = [str(cell) for cell in row if str(cell).strip()]
    return bool(filled) and sum(bool(_IMPORT_ID.match(cell)) for cell in filled) * 2 > len(filled)


def _wording(header: Sequence[str], texts: Sequence[str]) -> dict[str, str]:
    return {name: str(text).strip() for name, text in zip(header, texts)
            if str(text).strip() and str(text).strip() != name}


def _limesurvey(header: list[str], rows: Sequence[Sequence[str]]) -> Export | None:
    """LimeSurvey: "code. text" headers split; a row of texts under the codes dropped."""
    columns, wording = [], {}
    for name in header:
        code, text = _split_heading(name)
        columns.append(code)
        if text:
            wording[code] = text
    extra, where = 0, columns.index("id")
    if rows and len(rows[0]) > where:
        first_id = str(rows[0][where]).strip()
        if first_id and not _NUMBER.match(first_id):  # the ids are numbers: a row of texts
            extra = 1
            wording.update(_wording(columns, rows[0]))
    if not extra and not wording:  # LimeSurvey's columns, but nothing to undo
        return None
    return Export("LimeSurvey", extra, tuple(columns), wording)
