"""Writing output files: never over an input, every failure one clear message.

Used by the command line's ``--out`` (fit, validate, report, ...) and by
:func:`loyaltysem.report.write_report`.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .exceptions import OutputError

__all__ = ["check_output_path", "same_file", "write_text_file"]


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True if ``a`` and ``b`` name one file: same resolved path, or same inode (a hard link)."""
    first, second = Path(a), Path(b)
    try:
        if first.resolve() == second.resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop
        return False
    try:
        return first.exists() and second.exists() and os.path.samefile(first, second)
    except OSError:
        return False


def check_output_path(path: str | os.PathLike[str],
                      inputs: Iterable[tuple[str, str | os.PathLike[str]]] = ()) -> Path:
    """Check that ``path`` can be written as a new or replaced file, before any work is done.

    Parameters
    ----------
    path : str or path-like
        The output file.
    inputs : iterable of (what, path)
        The files the command reads, e.g. ``[("the spec file", "model.yaml")]``;
        the output may not be any of them.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputError
        ``path`` is an input, a directory, or in a folder that does not exist.
    """
    out = Path(path)
    for what, source in inputs:
        if same_file(out, source):
            raise OutputError(f"--out {str(out)!r} is {what} ({str(source)!r}); writing would "
                              "overwrite it: choose another --out")
    if out.is_dir():
        raise OutputError(f"cannot write {str(out)!r}: it is a directory; give a file name "
                          "in it as --out")
    parent = out.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise OutputError(f"cannot write {str(out)!r}: the folder {str(parent)!r} {what}; "
                          "create it first or choose another --out")
    return out


def write_text_file(path: str | os.PathLike[str], text: str,
                    inputs: Iterable[tuple[str, str | os.PathLike[str]]] = ()) -> Path:
    """Write ``text`` as UTF-8 to ``path`` after :func:`check_output_path`.

    Raises
    ------
    OutputError
        The checks fail, or the write does (permission denied, disk full):
        one line naming the file and the reason.
    """
    out = check_output_path(path, inputs)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise OutputError(f"cannot write {str(out)!r}: {reason}; choose another --out or "
                          "free the space / fix the permission") from error
    return out
