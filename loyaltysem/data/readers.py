"""Survey files read by their extension: CSV and other delimited text, SPSS, Stata, Excel,
Parquet.

:func:`read_file` returns a DataFrame whose ``attrs`` say what the file held
besides the answers:

* ``attrs["source_format"]``: the format read (``"SPSS (.sav)"``, ``"CSV"``...);
* ``attrs["value_labels"]``: column → (code → label), SPSS's and Stata's value
  labels (the columns hold the codes: ``apply_value_formats=False``);
* ``attrs["item_wording"]``: column → question text (SPSS/Stata variable labels,
  Qualtrics/LimeSurvey question texts);
* ``attrs["read_notes"]``: what was done while reading (an encoding other than
  UTF-8, a decimal comma, an export's header rows dropped, user-defined missing
  values turned into NaN), which a fit repeats among its notes.

Every failure is a :class:`~loyaltysem.exceptions.DataError` that names the
format and the fix.
"""
from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, MissingValueWarning
from .csv_sniff import SAMPLE_BYTES, Dialect, describe_binary, refuse_binary, sniff_dialect
from .exports import Export, detect_export

#: extension → format, for the files read as delimited text
TEXT_FORMATS = {".csv": "CSV", ".tsv": "tab-separated text", ".tab": "tab-separated text",
                ".txt": "delimited text", ".dat": "delimited text"}
#: compressed text: extension → opener of its first bytes
_COMPRESSED: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open,
                                              ".xz": lzma.open}
#: extension → format, for the binary formats read here
BINARY_FORMATS = {".sav": "SPSS (.sav)", ".zsav": "SPSS (.zsav)",
                  ".por": "SPSS portable (.por)", ".dta": "Stata (.dta)",
                  ".xlsx": "Excel (.xlsx)", ".xlsm": "Excel (.xlsm)",
                  ".parquet": "Parquet", ".pq": "Parquet"}
#: extensions refused with the fix
REFUSED = {
    ".xls": "the old Excel format (.xls) is not read: open it in Excel or LibreOffice and save "
            "it as .xlsx (or CSV)",
    ".ods": "OpenDocument spreadsheets are not read: save it as .xlsx or CSV",
    ".numbers": "Apple Numbers files are not read: export it as .xlsx or CSV",
    ".rds": "R data files are not read: write it as CSV from R (write.csv(df, 'data.csv', "
            "row.names = FALSE)) or as .sav (haven::write_sav)",
    ".rdata": "R data files are not read: write the data frame as CSV from R "
              "(write.csv) or as .sav (haven::write_sav)",
    ".json": "JSON is not a survey format read here: convert it to CSV "
             "(pandas.read_json(path).to_csv('data.csv', index=False))",
    ".sas7bdat": "SAS data sets are not read: export it as CSV or .sav",
}


def supported_extensions() -> list[str]:
    """The extensions :func:`read_file` reads (compressed CSV: ``.csv.gz``, ``.csv.bz2``...)."""
    return sorted(TEXT_FORMATS) + sorted(BINARY_FORMATS)


def read_file(path: Path, *, na_text: list[str] | None = None, sheet: str | int = 0
              ) -> pd.DataFrame:
    """Read a survey file by its extension.

    Parameters
    ----------
    path : pathlib.Path
        An existing file (checked by the caller).
    na_text : list of str, optional
        Missing-value codes as text, for delimited text (the caller masks them in
        every format afterwards).
    sheet : str or int
        The Excel sheet: its name or 0-based position (the first by default).

    Returns
    -------
    pandas.DataFrame
        With ``attrs`` as the module describes.

    Raises
    ------
    DataError
        An extension of a format not read (with the fix: ``.xls`` → save it as
        ``.xlsx``), a damaged file, a binary file named as text, a reader that
        is not installed (named with its ``pip install``).
    """
    suffix = path.suffix.lower()
    if suffix in REFUSED:
        raise DataError(f"cannot read {str(path)!r}: {REFUSED[suffix]}")
    if suffix in BINARY_FORMATS:
        frame = _read_binary(path, suffix, sheet)
        frame.attrs.setdefault("source_format", BINARY_FORMATS[suffix])
        return frame
    if suffix in _COMPRESSED:
        return read_delimited(path, na_text, compression=suffix)
    if suffix not in TEXT_FORMATS:
        _refuse_unknown_binary(path, suffix)
    return read_delimited(path, na_text, compression=None)


def _refuse_unknown_binary(path: Path, suffix: str) -> None:
    """A file of an unknown extension is read as delimited text; a binary one is refused."""
    head = _head(path, None)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text: NUL bytes, yet text
        return
    if b"\x00" not in head and describe_binary(head) is None:
        return
    what = describe_binary(head)
    known = ", ".join(supported_extensions())
    named = f"its extension {suffix!r}" if suffix else "a file without an extension"
    raise DataError(f"cannot read {str(path)!r}: {named} is not a format loyaltysem reads "
                    f"({known})"
                    + (f"; it looks like {what}" if what else
                       "; export the data from its program as CSV, .xlsx, .sav or .dta"))


def _read_binary(path: Path, suffix: str, sheet: str | int) -> pd.DataFrame:
    if suffix in (".sav", ".zsav", ".por", ".dta"):
        return read_readstat(path, suffix)
    if suffix in (".xlsx", ".xlsm"):
        return read_excel(path, sheet)
    return read_parquet(path)


def read_delimited(path: Path, na_text: list[str] | None, *, compression: str | None
                   ) -> pd.DataFrame:
    """Read CSV (or other delimited text) with its sniffed dialect (:mod:`.csv_sniff`).

    A Qualtrics or LimeSurvey export (:mod:`.exports`) loses its extra header rows;
    their question texts go to ``attrs["item_wording"]``.
    """
    dialect = sniff_dialect(path, _head(path, compression))
    export = _export_in(dialect)
    frame, encoding = _parsed(path, dialect, na_text, export)
    notes = Dialect(encoding, dialect.delimiter, dialect.decimal, "").notes(repr(path.name))
    if export is not None:
        if len(export.columns) == frame.shape[1]:
            frame.columns = list(export.columns)
        frame.attrs["item_wording"] = dict(export.wording)
        notes.append(export.note(repr(path.name)))
    frame.attrs["source_format"] = TEXT_FORMATS.get(path.suffix.lower(), "CSV")
    frame.attrs["read_notes"] = notes
    return frame


def _head(path: Path, compression: str | None) -> bytes:
    """The first :data:`SAMPLE_BYTES` bytes of the file (uncompressed)."""
    opener = _COMPRESSED[compression] if compression else open
    try:
        with opener(path, "rb") as handle:
            return bytes(handle.read(SAMPLE_BYTES))
    except (OSError, EOFError, lzma.LZMAError) as error:
        if compression is None:
            raise DataError(f"cannot read {str(path)!r}: {error}") from error
        raise DataError(f"cannot read {str(path)!r} as compressed CSV ({error}): the file is "
                        "damaged or not compressed as its extension says") from error


def _export_in(dialect: Dialect) -> Export | None:
    rows = list(csv.reader(io.StringIO(dialect.sample), delimiter=dialect.delimiter))[:4]
    return detect_export(rows[0], rows[1:]) if rows else None


def _parsed(path: Path, dialect: Dialect, na_text: list[str] | None, export: Export | None
            ) -> tuple[pd.DataFrame, str]:
    """The file parsed; a UTF-8 start with cp1252 further on is read again as cp1252."""
    skip = list(range(1, 1 + export.extra_rows)) if export and export.extra_rows else None
    encodings = [dialect.encoding] + (["cp1252"] if dialect.encoding == "utf-8-sig" else [])
    failure: Exception | None = None
    for encoding in encodings:
        try:
            return pd.read_csv(path, sep=dialect.delimiter, decimal=dialect.decimal,
                               encoding=encoding, skiprows=skip, na_values=na_text or None,
                               compression="infer"), encoding
        except UnicodeDecodeError as error:
            failure = error
        except (pd.errors.ParserError, pd.errors.EmptyDataError, EOFError, OSError) as error:
            raise DataError(f"cannot read {str(path)!r} as CSV: {error}") from error
    raise DataError(f"cannot read {str(path)!r} as CSV: it is not {dialect.encoding} text "
                    f"throughout ({failure}); save it again as 'CSV UTF-8'") from failure


def read_readstat(path: Path, suffix: str) -> pd.DataFrame:
    """Read SPSS (.sav, .zsav, .por) or Stata (.dta) with pyreadstat: the codes, their
    value labels, the variable labels as wording, user-defined missing values as NaN."""
    what = BINARY_FORMATS[suffix]
    program = "Stata" if suffix == ".dta" else "SPSS"
    try:
        import pyreadstat
    except ImportError as error:
        raise DataError(f"reading {what} files needs pyreadstat: pip install pyreadstat "
                        "(or export the data as CSV)") from error
    readers: dict[str, Any] = {".dta": pyreadstat.read_dta, ".por": pyreadstat.read_por}
    reader = readers.get(suffix, pyreadstat.read_sav)
    options = {} if suffix == ".por" else {"user_missing": True}
    try:
        frame, meta = reader(str(path), apply_value_formats=False, **options)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError,
            UnicodeDecodeError) as error:
        raise DataError(f"cannot read {str(path)!r} as a {what} file ({error}): it is damaged "
                        f"or not a {program} file; save it again from {program}, or export "
                        "the data as CSV") from error
    frame, counts = _user_missing_as_nan(frame, meta)
    notes = []
    lower = suffix == ".por" and all(str(c) == str(c).upper() for c in frame.columns)
    if lower:
        frame.columns = [str(c).lower() for c in frame.columns]  # SPSS names: any case
        notes.append(f"{path.name!r}: the portable file's upper-case variable names "
                     "lower-cased (SPSS names are case-insensitive)")

    def meta_rename(name: Any) -> str:
        return str(name).lower() if lower else str(name)

    if counts:
        detail = ", ".join(f"{c}: {n}" for c, n in counts.items())
        note = (f"{path.name!r}: {sum(counts.values())} {program} user-defined missing values "
                f"read as missing ({detail})")
        notes.append(note)
        warnings.warn(note, MissingValueWarning, stacklevel=5)
    frame.attrs.update({
        "value_labels": {meta_rename(c): dict(m) for c, m in
                         (meta.variable_value_labels or {}).items()},
        "item_wording": {meta_rename(c): str(t) for c, t in
                         (meta.column_names_to_labels or {}).items() if t},
        "read_notes": notes})
    return frame


def _user_missing_as_nan(frame: pd.DataFrame, meta: Any) -> tuple[pd.DataFrame, dict[str, int]]:
    """SPSS's missing values and ranges, Stata's ``.a``-``.z``: NaN, counted per column."""
    counts: dict[str, int] = {}
    ranges = getattr(meta, "missing_ranges", None) or {}
    letters = getattr(meta, "missing_user_values", None) or {}
    for column in frame.columns:
        values = frame[column]
        missing = np.zeros(len(values), dtype=bool)
        if column in ranges and pd.api.types.is_numeric_dtype(values.dtype):
            for span in ranges[column]:
                missing |= ((values >= span["lo"]) & (values <= span["hi"])).to_numpy()
        elif column in ranges:  # a string variable's missing values
            missing |= values.isin([span["lo"] for span in ranges[column]]).to_numpy()
        if column in letters:
            missing |= values.isin(list(letters[column])).to_numpy()
        if missing.any():
            counts[str(column)] = int(missing.sum())
            masked = values.mask(missing)
            if column in letters:  # the rest are numbers once the letters are gone
                masked = _numeric(masked)
            frame[column] = masked
    return frame, counts


def _numeric(values: pd.Series) -> pd.Series:
    converted = pd.to_numeric(values, errors="coerce")
    return converted if converted.notna().sum() == values.notna().sum() else values


def read_excel(path: Path, sheet: str | int) -> pd.DataFrame:
    """Read one sheet of an Excel workbook with openpyxl (the first by default); a Qualtrics
    export's extra header rows are dropped as in CSV."""
    try:
        import openpyxl  # noqa: F401
    except ImportError as error:
        raise DataError("reading Excel files needs openpyxl: pip install openpyxl (or save "
                        "the sheet as CSV)") from error
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = [str(n) for n in book.sheet_names]
            if (sheet not in book.sheet_names and not
                    (isinstance(sheet, int) and 0 <= sheet < len(names))):
                raise DataError(f"{str(path)!r} has no sheet {sheet!r}; its sheets: "
                                f"{', '.join(map(repr, names))} (give sheet= a name or a "
                                "0-based position)")
            frame = pd.read_excel(book, sheet_name=sheet)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError,
            EOFError) as error:
        raise DataError(f"cannot read {str(path)!r} as an Excel workbook ({error}): it is "
                        "damaged or not an .xlsx file; open it in Excel and save it again as "
                        ".xlsx, or save the sheet as CSV") from error
    chosen = sheet if isinstance(sheet, str) else names[sheet]
    notes = ([f"{path.name!r}: read sheet {chosen!r}, one of {len(names)} "
              f"({', '.join(map(repr, names))}); sheet= reads another"] if len(names) > 1 else [])
    frame, export_notes = _without_export_rows(frame, path)
    frame.attrs["read_notes"] = notes + export_notes
    return frame


def _without_export_rows(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """A spreadsheet's survey-export header rows dropped; the columns' numbers re-read."""
    rows = [["" if pd.isna(v) else str(v) for v in row]
            for row in frame.head(3).itertuples(index=False)]
    export = detect_export([str(c) for c in frame.columns], rows)
    if export is None:
        return frame, []
    kept = frame.iloc[export.extra_rows:].reset_index(drop=True)
    kept.columns = list(export.columns)
    kept = kept.apply(_numeric)
    kept.attrs["item_wording"] = dict(export.wording)
    return kept, [export.note(repr(path.name))]


def read_parquet(path: Path) -> pd.DataFrame:
    """Read a Parquet file (pyarrow, if installed)."""
    try:
        return pd.read_parquet(path)
    except ImportError as error:
        raise DataError(f"reading Parquet files such as {path.name!r} needs pyarrow: pip "
                        "install pyarrow (or save the data as CSV)") from error
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(f"cannot read {str(path)!r} as Parquet ({error}): it is damaged or "
                        "not a Parquet file; write it again (DataFrame.to_parquet) or as "
                        "CSV") from error
