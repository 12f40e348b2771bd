"""Writing output files: never over an input, every failure one clear message.

Used by the command line's ``--out`` (fit, validate, report, ...) and by
:func:`loyaltysem.report.write_report`.
"""
from __future__ import annotations

import errno
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
    try:
        return _checked(out, inputs)
    except OSError as error:  # a name too long, a symlink loop...
        raise OutputError(f"cannot write {_shown(out)}: {error.strerror or error}; "
                          "choose another --out") from error


def _shown(path: Path) -> str:
    text = str(path)
    return repr(text if len(text) <= 120 else text[:60] + "..." + text[-40:])


def _checked(out: Path, inputs: Iterable[tuple[str, str | os.PathLike[str]]]) -> Path:
    for what, source in inputs:
        if same_file(out, source):
            raise OutputError(f"--out {_shown(out)} is {what} ({_shown(Path(source))}); writing "
                          "would overwrite it: choose another --out")
    if out.is_dir():
        raise OutputError(f"cannot write {_shown(out)}: it is a directory; give a file name "
                          "in it as --out")
    parent = out.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"cannot write {_shown(out)}: {_shown(parent)} is a file, not a "
                          "folder; choose another --out")
    if not parent.is_dir():
        raise OutputError(f"cannot write {_shown(out)}: the folder {_shown(parent)} does not "
                          "exist; create it first or choose another --out")
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
    return write_bytes_file(path, text.encode("utf-8"), inputs)


def write_bytes_file(path: str | os.PathLike[str], content: bytes,
                     inputs: Iterable[tuple[str, str | os.PathLike[str]]] = ()) -> Path:
    """Write ``content`` to ``path`` after :func:`check_output_path` (errors as
    :func:`write_text_file`)."""
    out = check_output_path(path, inputs)
    try:
        out.write_bytes(content)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise OutputError(f"cannot write {_shown(out)}: {reason}; "
                          f"{_FIXES.get(error.errno or 0, 'choose another --out')}") from error
    return out


#: what to do, by errno, when writing fails
_FIXES = {errno.ENOSPC: "free some space or choose another --out",
          errno.EDQUOT: "free some space or choose another --out",
          errno.EACCES: "choose a folder you can write to as --out",
          errno.EPERM: "choose a folder you can write to as --out",
          errno.EROFS: "the file system is read-only: choose another --out"}
