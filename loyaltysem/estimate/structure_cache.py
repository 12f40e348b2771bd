"""A disk cache of :class:`.structure.ModelStructure`, so a repeated fit skips semopy.

Importing semopy (with sympy and scikit-learn under it) takes about 0.6 s,
longer than the rest of a small fit. The structure semopy builds depends only
on the rows handed to it, so it is stored once per model as JSON and read back
by later processes.

The file is treated as hostile input. Nothing is evaluated or unpickled: it
is plain JSON, read without following symbolic links, only if it is a
regular file of the current user below a size limit, and every field is
checked before use (:func:`structure_from_record`): the format number, the
key, the versions and the model rows must match the request; names must pass
the naming rule; every location must lie inside its matrix, in a matrix that
fits the operator, at the entry named by the row's own two variables. A file
that fails any check is ignored and rebuilt; any OS error (unwritable or
missing directory, full disk) means no cache, never an error. The
structural constants (unit loadings of inner observed variables) are not
stored but derived, and a structure is only written if it reads back
identical.

Location: ``$LOYALTYSEM_CACHE_DIR``, else ``$XDG_CACHE_HOME/loyaltysem``, else
``~/.cache/loyaltysem``; ``LOYALTYSEM_NO_CACHE=1`` disables the cache. File
name: ``structure-<sha256>.json``, the hash of the rows and fixed.x pairs
handed to semopy (which fix semopy's variable order), semopy's and
loyaltysem's versions and :data:`FORMAT`. Files are written atomically
(temporary file in the same directory, then :func:`os.replace`).
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..spec.names import is_valid_name
from .structure import BETA, LAMBDA, PSI, THETA, Location, ModelStructure

#: Version of the file layout; a change makes every older file a miss.
FORMAT = 1
_MAX_BYTES = 8 * 2**20
_KEYS = frozenset({"format", "key", "loyaltysem", "semopy", "rows", "exo", "observed", "inner",
                   "latent", "locations"})

Rows = tuple[tuple[str, str, str], ...]
Exo = tuple[tuple[str, str], ...]


class CacheRecordError(ValueError):
    """A cache file that fails a check (internal: the file is then rebuilt)."""


def cache_directory() -> Path | None:
    """The cache folder from the environment (module notes), or None when disabled."""
    if os.environ.get("LOYALTYSEM_NO_CACHE", "").strip() not in ("", "0"):
        return None
    chosen = os.environ.get("LOYALTYSEM_CACHE_DIR", "").strip()
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and os.path.isabs(xdg):  # the XDG spec: relative paths are ignored
        return Path(xdg) / "loyaltysem"
    try:
        return Path.home() / ".cache" / "loyaltysem"
    except (RuntimeError, KeyError):  # no home directory
        return None


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[str, str] | None:
    """loyaltysem's and semopy's versions (None without semopy), once per process."""
    from .. import __version__

    semopy = _installed_version("semopy")
    return None if semopy is None else (__version__, semopy)


def _installed_version(name: str) -> str | None:
    """``importlib.metadata.version(name)``, read from the one ``<name>-*.dist-info``
    folder beside the package when there is one: importing importlib.metadata and
    its scan of ``sys.path`` cost a fit 10-25 ms of its start-up, the folder a
    fraction of a millisecond. Anything else (no such folder, several, an egg or
    a zip) asks importlib.metadata."""
    from importlib import util

    try:
        spec = util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin and spec.submodule_search_locations:
        site = Path(spec.origin).parent.parent
        try:
            found = [entry for entry in os.listdir(site)
                     if entry.startswith(f"{name}-") and entry.endswith(".dist-info")]
        except OSError:
            found = []
        if len(found) == 1:
            try:
                with open(site / found[0] / "METADATA", encoding="utf-8") as handle:
                    for line in handle:
                        if line.startswith("Version:"):
                            return line.split(":", 1)[1].strip()
                        if not line.strip():
                            break  # the end of the headers
            except OSError:
                pass
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def cache_key(rows: Rows, exo: Exo) -> str | None:
    """sha256 of :data:`FORMAT`, the versions, the rows and the fixed.x pairs."""
    versions = _versions()
    if versions is None:
        return None
    payload = {"format": FORMAT, "loyaltysem": versions[0], "semopy": versions[1],
               "rows": [list(r) for r in rows], "exo": [list(e) for e in exo]}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def cache_file(rows: Rows, exo: Exo) -> Path | None:
    """Where the structure of these rows is cached, or None (cache disabled)."""
    directory, key = cache_directory(), cache_key(rows, exo)
    if directory is None or key is None:
        return None
    return directory / f"structure-{key}.json"


def _read_regular_file(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of this user (no symlink, FIFO or
    device) below the size limit; None otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
            return None
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return None
        data = handle.read(_MAX_BYTES + 1)
    return data if len(data) <= _MAX_BYTES else None


def load_structure(rows: Rows, exo: Exo) -> ModelStructure | None:
    """The cached structure of these rows, or None if there is none or it fails a check."""
    path = cache_file(rows, exo)
    if path is None or os.path.islink(path):
        return None
    try:
        data = _read_regular_file(path)
        if data is None:
            return None
        record = json.loads(data.decode("utf-8"))
        return structure_from_record(record, rows, exo, path.stem.removeprefix("structure-"))
    except (OSError, UnicodeDecodeError, RecursionError, ValueError):
        return None  # CacheRecordError and JSONDecodeError are ValueErrors


def save_structure(structure: ModelStructure, rows: Rows, exo: Exo) -> None:
    """Write the structure atomically; silently nothing if it cannot be (module notes)."""
    path = cache_file(rows, exo)
    if path is None:
        return
    key = path.stem.removeprefix("structure-")
    record = structure_record(structure, rows, exo, key)
    try:
        if not same_structure(structure_from_record(record, rows, exo, key), structure):
            return
    except CacheRecordError:  # semopy laid it out in a way the checks do not know: no cache
        return
    text = json.dumps(record, separators=(",", ":"), ensure_ascii=True)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".structure-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def structure_record(structure: ModelStructure, rows: Rows, exo: Exo, key: str) -> dict[str, Any]:
    """The JSON record of a structure (constants and fixed.x locations are derived)."""
    versions = _versions() or ("", "")
    return {"format": FORMAT, "key": key, "loyaltysem": versions[0], "semopy": versions[1],
            "rows": [list(r) for r in rows], "exo": [list(e) for e in exo],
            "observed": list(structure.observed), "inner": list(structure.inner),
            "latent": list(structure.latent),
            "locations": [[[loc.matrix, loc.row, loc.col, loc.symmetric]
                           for loc in structure.locations[row]] for row in rows]}


def same_structure(a: ModelStructure, b: ModelStructure) -> bool:
    """Whether two structures are identical (names, locations, constants)."""
    return (a.observed == b.observed and a.inner == b.inner and a.latent == b.latent
            and dict(a.locations) == dict(b.locations)
            and len(a.constants) == len(b.constants)
            and all(x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y)
                    for x, y in zip(a.constants, b.constants)))


def _fail(message: str) -> CacheRecordError:
    return CacheRecordError(f"structure cache: {message}")


def _names(record: dict[str, Any], field: str) -> tuple[str, ...]:
    value = record[field]
    if not isinstance(value, list) or not all(isinstance(v, str) and is_valid_name(v)
                                              for v in value):
        raise _fail(f"{field} must be a list of valid names")
    if len(set(value)) != len(value):
        raise _fail(f"{field} repeats a name")
    return tuple(value)


def _check_header(record: object, rows: Rows, exo: Exo, key: str) -> dict[str, Any]:
    if not isinstance(record, dict) or set(record) != _KEYS:
        raise _fail("not a structure record")
    versions = _versions()
    if versions is None:
        raise _fail("semopy is not installed")
    expected = {"format": FORMAT, "key": key, "loyaltysem": versions[0],
                "semopy": versions[1], "rows": [list(r) for r in rows],
                "exo": [list(e) for e in exo]}
    for field, value in expected.items():
        if type(record[field]) is not type(value) or record[field] != value:
            raise _fail(f"{field} does not match the request")
    return record


def structure_from_record(record: object, rows: Rows, exo: Exo, key: str) -> ModelStructure:
    """Check a record field by field against the request and build the structure.

    Raises
    ------
    CacheRecordError
        If any check of the module notes fails.
    """
    checked = _check_header(record, rows, exo, key)
    observed, inner, latent = (_names(checked, f) for f in ("observed", "inner", "latent"))
    _check_variables(rows, exo, observed, inner, latent)
    lists = checked["locations"]
    if not isinstance(lists, list) or len(lists) != len(rows):
        raise _fail("locations must hold one list per row")
    locations = {row: _row_locations(row, found, observed, inner)
                 for row, found in zip(rows, lists)}
    for a, b in exo:  # fixed.x: Psi among the covariates, as structure.py lays them out
        locations[(a, "~~", b)] = (Location(PSI, inner.index(a), inner.index(b), True),)
    return ModelStructure(observed, inner, latent, _constants(observed, inner), locations)


def _check_variables(rows: Rows, exo: Exo, observed: tuple[str, ...], inner: tuple[str, ...],
                     latent: tuple[str, ...]) -> None:
    """semopy's classification: latent = the left sides of ``=~`` (in inner order), observed
    = every other variable, inner = the latent variables and some observed ones."""
    defined = {lhs for lhs, op, _ in rows if op == "=~"}
    named = {name for lhs, _, rhs in rows for name in (lhs, rhs)}
    if set(latent) != defined or latent != tuple(v for v in inner if v in defined):
        raise _fail("latent variables do not match the rows")
    if set(observed) != named - defined:
        raise _fail("observed variables do not match the rows")
    if not set(inner) - defined <= set(observed):
        raise _fail("inner variables must be latent or observed")
    if any(name not in inner for pair in exo for name in pair):
        raise _fail("fixed.x covariates must be inner variables")


def _row_locations(row: tuple[str, str, str], found: object, observed: tuple[str, ...],
                   inner: tuple[str, ...]) -> tuple[Location, ...]:
    """The checked locations of one row: in range, in a matrix of the row's operator, at the
    entry named by the row's two variables."""
    lhs, op, rhs = row
    if not isinstance(found, list) or not 1 <= len(found) <= 4:
        raise _fail(f"{lhs} {op} {rhs}: one to four locations expected")
    out = []
    for item in found:
        if (not isinstance(item, list) or len(item) != 4
                or not all(type(v) is int for v in item[:3]) or type(item[3]) is not bool):
            raise _fail(f"{lhs} {op} {rhs}: a location is [matrix, row, col, symmetric]")
        matrix, i, j, symmetric = item
        names = _entry_names(matrix, i, j, observed, inner)
        if op == "~~":
            ok = matrix in (PSI, THETA) and sorted(names) == sorted((lhs, rhs))
        else:
            ok = (not symmetric and matrix in (BETA, LAMBDA)
                  and names == ((rhs, lhs) if op == "=~" else (lhs, rhs)))
        if not ok:
            raise _fail(f"{lhs} {op} {rhs}: location {item} does not fit the row")
        out.append(Location(matrix, i, j, symmetric))
    return tuple(out)


def _entry_names(matrix: int, i: int, j: int, observed: Sequence[str],
                 inner: Sequence[str]) -> tuple[str, str]:
    """The (row, column) variables of entry ``(i, j)`` of a matrix; out of range fails."""
    if matrix not in (BETA, LAMBDA, PSI, THETA):
        raise _fail(f"matrix number {matrix} out of range")
    row_names = observed if matrix in (LAMBDA, THETA) else inner
    col_names = observed if matrix == THETA else inner
    if not (0 <= i < len(row_names) and 0 <= j < len(col_names)):
        raise _fail(f"entry ({i}, {j}) outside matrix {matrix}")
    return row_names[i], col_names[j]


def _constants(observed: tuple[str, ...], inner: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """semopy's structural constants: ``Lambda[x, x] = 1`` for every observed variable that
    is also inner (it carries itself into the structural part); zeros elsewhere."""
    n, m = len(inner), len(observed)
    matrices = [np.zeros((n, n)), np.zeros((m, n)), np.zeros((n, n)), np.zeros((m, m))]
    for i, name in enumerate(observed):
        if name in inner:
            matrices[LAMBDA][i, inner.index(name)] = 1.0
    for matrix in matrices:
        matrix.setflags(write=False)
    return tuple(matrices)


__all__ = ["FORMAT", "CacheRecordError", "cache_directory", "cache_file", "cache_key",
           "load_structure", "same_structure", "save_structure", "structure_from_record",
           "structure_record"]
