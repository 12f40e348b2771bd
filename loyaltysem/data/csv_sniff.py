"""Delimited text as spreadsheets and survey tools write it: the encoding, the delimiter
and the decimal mark are found from the file, not assumed.

* **Encoding**: UTF-16 after its byte-order mark (Excel's "Unicode Text"), UTF-8
  (with or without a byte-order mark), else Windows-1252
  (cp1252, a superset of latin-1's printable characters: what Excel writes on a
  Western-European Windows); a note says so when it is not UTF-8.
* **Delimiter**: ``,``, ``;`` or tab, the one that splits the first lines into the
  same number (> 1) of fields; ``,`` when none does.
* **Decimal comma**: with ``;`` or tab as delimiter, numbers written ``3,5`` (and
  none written ``3.5``) are read as 3.5.
* **Binary files** (NUL bytes) are refused with what they look like (an SPSS,
  Excel, Stata or Parquet file under a wrong name) and the fix.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import DataError

#: the bytes read to find the dialect (and the start of a survey export)
SAMPLE_BYTES = 1 << 16
#: the candidate delimiters, the first preferred on a tie
DELIMITERS = (",", ";", "\t")
#: the encodings tried, in order (utf-8-sig reads a file with or without a BOM)
ENCODINGS = ("utf-8-sig", "cp1252")
_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252 (cp1252)",
                   "utf-16": "UTF-16 (Excel's Unicode Text)"}

_COMMA_NUMBER = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_POINT_NUMBER = re.compile(r"^\s*[-+]?\d*\.\d+\s*$")

#: the first bytes of binary formats, and what to say about a file that has them
SIGNATURES = (
    (b"$FL2", "an SPSS data file: give it the extension .sav"),
    (b"$FL3", "a compressed SPSS data file: give it the extension .zsav"),
    (b"<stata_dta>", "a Stata data file: give it the extension .dta"),
    (b"PK\x03\x04", "a ZIP archive, as an Excel workbook is: if it is one, give it the "
                    "extension .xlsx"),
    (b"\xd0\xcf\x11\xe0", "an old-format Excel (.xls) or other Office file: open it in "
                          "Excel or LibreOffice and save it as .xlsx or CSV"),
    (b"PAR1", "a Parquet file: give it the extension .parquet"),
    (b"\x1f\x8b", "a gzip-compressed file: name it .csv.gz if it holds a CSV"),
)


@dataclass(frozen=True)
class Dialect:
    """How a delimited text file is written.

    Attributes
    ----------
    encoding : str
        Python's name of the encoding (``"utf-8-sig"``, ``"cp1252"`` or ``"utf-16"``).
    delimiter : str
        ``","``, ``";"`` or ``"\\t"``.
    decimal : str
        ``"."`` or ``","``.
    sample : str
        The start of the file, decoded (for the detection of survey exports).
    """

    encoding: str
    delimiter: str
    decimal: str
    sample: str

    def notes(self, name: str) -> list[str]:
        """What a reader should be told: an encoding other than UTF-8, a decimal comma."""
        said = []
        if self.encoding != "utf-8-sig":
            said.append(f"{name} is not UTF-8: read as {_ENCODING_NAMES[self.encoding]} text")
        if self.decimal == ",":
            shown = "tab" if self.delimiter == "\t" else repr(self.delimiter)
            said.append(f"{name}: {shown}-delimited with decimal commas (3,5 read as 3.5)")
        return said


def describe_binary(head: bytes) -> str | None:
    """What a file that starts with ``head`` is, if it is a known binary format."""
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            return what
    return None


def refuse_binary(path: Path, head: bytes) -> None:
    """A DataError for a file that is not text (NUL bytes), saying what it looks like."""
    if b"\x00" not in head and describe_binary(head) is None:
        return
    what = describe_binary(head)
    hint = (f"it looks like {what}" if what else
            "export it from its program as CSV, .xlsx, .sav or .dta")
    raise DataError(f"cannot read {str(path)!r} as CSV: it is a binary file, not text; {hint}")


def sniff_dialect(path: Path, raw: bytes) -> Dialect:
    """The encoding, delimiter and decimal mark of a delimited text file.

    Parameters
    ----------
    path : pathlib.Path
        The file, named in messages.
    raw : bytes
        Its first :data:`SAMPLE_BYTES` bytes (or all of it).

    Returns
    -------
    Dialect

    Raises
    ------
    DataError
        If the start of the file is binary, or neither UTF-8 nor cp1252 text.

    Examples
    --------
    >>> from pathlib import Path
    >>> dialect = sniff_dialect(Path("s.csv"), "a;b\\n3,5;2\\n4,0;1\\n".encode("cp1252"))
    >>> dialect.delimiter, dialect.decimal, dialect.encoding
    (';', ',', 'utf-8-sig')
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text": UTF-16
        encoding = "utf-16"
        text = raw[:len(raw) - len(raw) % 2].decode("utf-16", errors="ignore")
    else:
        refuse_binary(path, raw)
        text = _decoded(path, raw)
        encoding = "utf-8-sig" if _is_utf8(raw) else "cp1252"
    lines = _complete_lines(text, whole=len(raw) < SAMPLE_BYTES)
    delimiter = _delimiter(lines)
    decimal = _decimal(lines, delimiter) if delimiter != "," else "."
    return Dialect(encoding=encoding, delimiter=delimiter, decimal=decimal, sample=text)


def _is_utf8(raw: bytes) -> bool:
    """UTF-8, allowing a multi-byte character cut at the end of the sample."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(raw) - 3 and error.reason == "unexpected end of data"
    return True


def _decoded(path: Path, raw: bytes) -> str:
    if _is_utf8(raw):
        return raw.decode("utf-8-sig", errors="ignore")  # only a cut last character ignored
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as error:
        raise DataError(
            f"cannot read {str(path)!r} as CSV: it is neither UTF-8 nor Windows-1252 text "
            f"(byte {raw[error.start]:#04x} at position {error.start}); save it again as "
            "'CSV UTF-8' (Excel: File > Save As)") from error


def _complete_lines(text: str, *, whole: bool) -> list[str]:
    """The sample's lines, without a last line cut by the sample's end, at most 50."""
    lines = text.splitlines()
    if not whole and len(lines) > 1:
        lines = lines[:-1]
    return [line for line in lines[:50] if line.strip()]


def _delimiter(lines: list[str]) -> str:
    """The candidate splitting every line into one number (> 1) of fields, most fields first."""
    best, best_fields = ",", 1
    for candidate in DELIMITERS:
        counts = {len(row) for row in csv.reader(io.StringIO("\n".join(lines)),
                                                 delimiter=candidate)}
        if len(counts) == 1 and (fields := counts.pop()) > best_fields:
            best, best_fields = candidate, fields
    return best


def _decimal(lines: list[str], delimiter: str) -> str:
    """``","`` if the data cells hold numbers like ``3,5`` and none like ``3.5``."""
    cells = [cell for row in csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=delimiter)
             for cell in row]
    comma = any(_COMMA_NUMBER.match(cell) for cell in cells)
    point = any(_POINT_NUMBER.match(cell) for cell in cells)
    return "," if comma and not point else "."
