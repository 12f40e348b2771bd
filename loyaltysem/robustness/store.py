"""The result store: one SQLite file in the study directory, written as tasks finish.

Every finished task is committed at once, so a crash — even ``kill -9`` —
loses no finished task; a rerun reads the finished keys and skips them.

The store is honest:

- **one run at a time**: a run holds an exclusive ``flock`` on
  ``results.lock`` (released by the OS when the process dies, so a killed
  run leaves no stale lock); a second run — forced or not — is refused and
  told who holds it (pid, host, start time). The plan digest is checked and
  written under that lock, so results of two plans can never mix.
- **checked on open**: ``PRAGMA quick_check`` and every row (its key, status,
  payload JSON against the payload's schema, and its checksum, so damage
  that still parses is caught too). Unreadable rows are
  removed (a damaged file is rebuilt from the rows that can still be read)
  and their tasks rerun; never counted as done. :attr:`ResultStore.repaired`
  tells how many.
- **rollback journal, no memory map** (``journal_mode=DELETE``,
  ``mmap_size=0``): WAL maps its ``-shm`` file into memory, and a write
  to a mapped page that can no longer be backed (folder turned read-only,
  disk full) kills the process with SIGBUS. A rollback journal turns the
  same faults into errors. Commits are per chunk of tasks, so the extra
  fsync of a rollback journal costs little next to the fits.
- **every fault is a** :class:`~loyaltysem.exceptions.StoreError`: one line
  naming the file, what happened and what to do.
"""
from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import math
import os
import socket
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import StoreError

STORE_FILE = "results.sqlite"
LOCK_FILE = "results.lock"
_STATUSES = ("ok", "not converged", "error")
_KEY_PARTS = ("variant", "estimator", "group", "sample", "index")
_SCHEMA = ("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
           "CREATE TABLE IF NOT EXISTS results (task TEXT PRIMARY KEY, status TEXT,"
           " message TEXT, payload TEXT, checksum TEXT)")
_COLUMNS = "task, status, message, payload, checksum"


def checksum(task: str, status: str, message: str, payload: str) -> str:
    """A row's checksum: a flipped digit in a payload is valid JSON, but not this hash."""
    text = json.dumps([task, status, message, payload])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


class PlanChangedError(StoreError):
    """The study directory holds results of a different plan."""


class StoreLockedError(StoreError):
    """Another run holds the store."""


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _fix(reason: str) -> str:
    """What to do about a store fault, from SQLite's or the OS's reason."""
    text = reason.lower()
    if "full" in text or "no space" in text or "too large" in text:
        return "free disk space, then rerun the study to resume"
    if any(word in text for word in ("readonly", "read-only", "permission", "unable to open")):
        return "make the study folder writable (or choose another --out), then rerun to resume"
    if "not a database" in text or "malformed" in text or "disk image" in text:
        return ("the file is damaged: rerun 'loyaltysem robust run' to repair it, or move it "
                "away / rerun with --force to start over")
    if "locked" in text:
        return "another program holds the database; close it and rerun"
    return "check the study folder and disk, then rerun the study to resume"


@contextlib.contextmanager
def store_errors(path: Path, doing: str) -> Iterator[None]:
    """Turn SQLite and OS errors met while ``doing`` into one-line :class:`StoreError`."""
    try:
        yield
    except StoreError:
        raise
    except (sqlite3.Error, OSError, MemoryError) as error:
        reason = _reason(error)
        raise StoreError(f"cannot {doing} {str(path)!r}: {reason}; {_fix(reason)}") from None


def _number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def parse_row(task: Any, status: Any, message: Any, payload: Any,
              stored_checksum: Any = None) -> list[dict] | None:
    """A stored row's payload (a list of statistic records), or None if the row is unusable.

    The key must be ``variant=...|estimator=...|group=...|sample=...|index=...``,
    the status one of ``ok``, ``not converged``, ``error``, the payload a
    JSON list of records, each with a text ``statistic`` and numbers, and the
    checksum (when stored: stores written before it had none) must match.
    """
    if not isinstance(task, str) or status not in _STATUSES:
        return None
    if message is not None and not isinstance(message, str):
        return None
    if stored_checksum is not None and (
            not isinstance(payload, str)
            or stored_checksum != checksum(task, status, message or "", payload)):
        return None
    parts = [part.split("=", 1) for part in task.split("|")]
    if any(len(part) != 2 for part in parts) or tuple(p[0] for p in parts) != _KEY_PARTS:
        return None
    try:
        records = json.loads(payload) if isinstance(payload, (str, bytes)) else None
    except (ValueError, RecursionError):
        return None
    if records is None and status == "error":
        return []
    if not isinstance(records, list):
        return None
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("statistic"), str):
            return None
        if not all(_number(v) for k, v in record.items() if k != "statistic"):
            return None
    return records


def _text(raw: bytes) -> str | bytes:
    """A TEXT value as str; damaged (not UTF-8) bytes stay bytes, which no check accepts."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=10)
    db.text_factory = _text
    db.execute("PRAGMA mmap_size=0")
    return db


_HELD: set[int] = set()   # descriptors of the lock files this process holds


def forget_inherited_locks() -> None:
    """In a forked worker: close the copies of the parent's lock descriptors.

    The lock stays with the parent; a worker that outlives a killed parent
    for a moment then cannot keep the store locked.
    """
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


class _Lock:
    """An exclusive ``flock`` on the study's lock file, with the holder written into it."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def acquire(self, store: Path, force: bool) -> None:
        with store_errors(self.path, "create the lock file"):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
                         0o644)   # never truncate a file a planted symlink points at
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder(fd)
            os.close(fd)
            also = " (--force cannot take over a running study)" if force else ""
            raise StoreLockedError(
                f"{str(store)!r} is in use by another run ({holder}){also}; wait for it to "
                "finish or stop it, then rerun") from None
        except OSError as error:   # e.g. a network file system without locks
            os.close(fd)
            raise StoreError(f"cannot lock {str(self.path)!r}: {_reason(error)}; put the study "
                             "folder on a local disk (--out)") from None
        self.fd = fd
        _HELD.add(fd)
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": datetime.datetime.now(datetime.timezone.utc).isoformat(
                    timespec="seconds")}
        with contextlib.suppress(OSError):   # a full disk: the lock holds, the note is lost
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
            return f"pid {int(info['pid'])} on {str(info['host'])[:100]}, started " \
                   f"{str(info['started'])[:40]}"
        except (OSError, ValueError, KeyError, TypeError):
            return "holder unknown"

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
        with contextlib.suppress(OSError):
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        _HELD.discard(self.fd)
        self.fd = None


def _remove_store_files(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()


def _indexed_keys(db: sqlite3.Connection) -> set[str] | None:
    """The task keys of the primary-key index (often intact when table pages are not)."""
    try:
        return {str(row[0]) for row in db.execute(
            "SELECT task FROM results INDEXED BY sqlite_autoindex_results_1")}
    except sqlite3.DatabaseError:
        return None


def _salvage(path: Path) -> tuple[dict[str, str], list[tuple], int]:
    """The meta entries and the rows that can still be read from a damaged file; rows lost.

    Rows are read one rowid at a time, so one bad page costs only its rows.
    The loss is counted from the key index when it can be read, otherwise
    from the lookups that failed below the last readable row.
    """
    db = _connect(path)
    meta: dict[str, str] = {}
    with contextlib.suppress(sqlite3.DatabaseError):
        meta = {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta")}
    try:
        top = int(db.execute("SELECT max(rowid) FROM results").fetchone()[0] or 0)
    except sqlite3.DatabaseError:   # at most a few rows per page of the file
        top = (path.stat().st_size // 512 + 1) * 8
    columns = _COLUMNS if _has_checksum(db) else "task, status, message, payload, NULL"
    rows, failed, last = [], [], 0
    for rowid in range(1, top + 1):
        try:
            row = db.execute(f"SELECT {columns} FROM results WHERE rowid = ?",
                             (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            failed.append(rowid)
            continue
        if row is not None:
            rows.append(row)
            last = rowid
    indexed = _indexed_keys(db)
    db.close()
    if indexed is not None:
        lost = len(indexed - {str(row[0]) for row in rows})
    else:
        lost = sum(rowid < last for rowid in failed) + bool(failed and failed[-1] > last)
    return meta, rows, lost


def _rebuild(path: Path) -> int:
    """Rebuild a damaged store from its readable rows (atomically); the number lost."""
    meta, rows, lost = _salvage(path)
    fresh = path.with_name(path.name + ".repair")
    _remove_store_files(fresh)
    db = _connect(fresh)
    for statement in _SCHEMA:
        db.execute(statement)
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
    db.executemany(f"INSERT OR REPLACE INTO results ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    os.replace(fresh, path)
    for suffix in ("-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()
    return lost


def _healthy(db: sqlite3.Connection) -> bool:
    """``PRAGMA quick_check`` passes; damage is False, other faults (locked, I/O) raise."""
    try:
        return [row[0] for row in db.execute("PRAGMA quick_check")] == ["ok"]
    except sqlite3.DatabaseError as error:
        if _damaged(error):
            return False
        raise


def _damaged(error: BaseException) -> bool:
    return any(word in str(error) for word in ("malformed", "disk image", "corrupt"))


def _prepare(db: sqlite3.Connection) -> int:
    """Rollback journal, the tables, bad rows removed; how many were removed."""
    db.execute("PRAGMA journal_mode=DELETE")
    for statement in _SCHEMA:
        db.execute(statement)
    if not _has_checksum(db):   # a store written before rows had checksums
        db.execute("ALTER TABLE results ADD COLUMN checksum TEXT")
        db.commit()
    return _drop_bad_rows(db)


def _has_checksum(db: sqlite3.Connection) -> bool:
    try:
        return "checksum" in {row[1] for row in db.execute("PRAGMA table_info(results)")}
    except sqlite3.DatabaseError:
        return False


def _drop_bad_rows(db: sqlite3.Connection) -> int:
    """Delete the rows whose key, status or payload cannot be used; how many."""
    bad = [rowid for rowid, *row in db.execute(
        f"SELECT rowid, {_COLUMNS} FROM results") if parse_row(*row) is None]
    db.executemany("DELETE FROM results WHERE rowid = ?", [(rowid,) for rowid in bad])
    db.commit()
    return len(bad)


class ResultStore:
    """SQLite-backed store of task results, held exclusively while open.

    Parameters
    ----------
    directory : path
        The study directory (created if needed); the file is ``results.sqlite``.
    digest : str
        The plan digest of the config being run.
    force : bool
        Discard results of a different plan (or a store that cannot be read
        at all) instead of refusing. Never takes over a store another run holds.
    study : path, optional
        The study file, recorded so that ``summarize --out`` never overwrites it.

    Attributes
    ----------
    repaired : int
        Unreadable rows found on open and removed (their tasks run again).

    Raises
    ------
    StoreLockedError, PlanChangedError, StoreError
    """

    def __init__(self, directory: str | Path, digest: str, *, force: bool = False,
                 study: str | Path | None = None):
        self.directory = Path(directory)
        self.path = self.directory / STORE_FILE
        with store_errors(self.directory, "create the study folder"):
            self.directory.mkdir(parents=True, exist_ok=True)
        for name in (STORE_FILE, LOCK_FILE, STORE_FILE + "-journal"):
            if (self.directory / name).is_symlink():
                raise StoreError(f"{str(self.directory / name)!r} is a symbolic link; a study's "
                                 "store files must be regular files: remove the link")
        self._lock = _Lock(self.directory / LOCK_FILE)
        self._lock.acquire(self.path, force)
        try:
            self.repaired = self._open(force)
            with store_errors(self.path, "open the result store"):
                self._claim(digest, force, study)
        except BaseException:
            self._lock.release()
            raise

    def _open(self, force: bool) -> int:
        """Connect, check integrity (rebuild or start over if damaged); rows repaired."""
        with store_errors(self.path, "open the result store"):
            db = _connect(self.path)
            try:
                healthy = _healthy(db)
            except sqlite3.DatabaseError as error:
                if not force or "not a database" not in str(error):
                    raise
                db.close()
                _remove_store_files(self.path)   # --force: start over
                db, healthy = _connect(self.path), True
            repaired = 0
            if healthy:
                try:
                    repaired = _prepare(db)
                except sqlite3.DatabaseError as error:
                    if not _damaged(error):
                        raise
                    healthy = False   # quick_check passed, but a row or index is damaged
            if not healthy:
                db.close()
                lost = _rebuild(self.path)
                db = _connect(self.path)
                try:
                    repaired = lost + _prepare(db)
                except sqlite3.DatabaseError as error:
                    if _damaged(error):
                        raise StoreError(f"{str(self.path)!r} is damaged beyond repair; move "
                                         "it away or rerun with --force to start over") from None
                    raise
            self._db = db
            return repaired

    def _claim(self, digest: str, force: bool, study: str | Path | None) -> None:
        """Check the plan digest (under the lock) and record this plan's."""
        stored = self._db.execute("SELECT value FROM meta WHERE key = 'digest'").fetchone()
        if stored and stored[0] != digest:
            if not force:
                self._db.close()
                raise PlanChangedError(
                    f"{self.path} holds results of another plan (digest {stored[0]}, now "
                    f"{digest}): the study config changed; rerun with --force to start over "
                    "or use another directory")
            self._db.execute("DELETE FROM results")
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('digest', ?)", (digest,))
        if study is not None:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('study', ?)",
                             (str(Path(study).resolve()),))
        self._db.commit()

    def done(self, *, include_errors: bool = True) -> set[str]:
        """Keys of the tasks already stored (optionally not those that ended in an error)."""
        query = "SELECT task FROM results" + ("" if include_errors else " WHERE status != 'error'")
        with store_errors(self.path, "read"):
            return {row[0] for row in self._db.execute(query)}

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        """Store finished tasks (each ``{task, status, message, payload}``) and commit."""
        rows = []
        for record in records:
            fields = (record["task"], record["status"], record.get("message") or "",
                      json.dumps(record.get("payload")))
            rows.append((*fields, checksum(*fields)))
        with store_errors(self.path, "write results to"):
            try:
                self._db.executemany(f"INSERT OR REPLACE INTO results ({_COLUMNS}) "
                                     "VALUES (?, ?, ?, ?, ?)", rows)
                self._db.commit()
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.rollback()
                raise

    def frame(self) -> pd.DataFrame:
        """All stored rows: one per (task, statistic) plus the task's status columns."""
        with store_errors(self.path, "read"):
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM results "
                                    "ORDER BY task").fetchall()
        return rows_frame(rows)

    def close(self) -> None:
        """Close the database and release the lock."""
        try:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        finally:
            self._lock.release()


def rows_frame(rows: Iterable[tuple]) -> pd.DataFrame:
    """Stored rows → one row per (task, statistic); an unusable row is a :class:`StoreError`."""
    out = []
    for task, status, message, payload, *stored in rows:
        records = parse_row(task, status, message, payload, *stored)
        if records is None:
            raise StoreError(f"a stored result ({str(task)[:80]!r}) cannot be read; rerun "
                             "'loyaltysem robust run' on the study to repair the store")
        parts = dict(part.split("=", 1) for part in task.split("|"))
        base = {"task": task, "status": status, "message": message or "", **parts}
        for statistic in records or [{}]:
            out.append({**base, **statistic})
    return pd.DataFrame(out)


def read_store(directory: str | Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every stored row of a study directory and its meta entries (read-only, no lock).

    Raises
    ------
    StoreError
        No store, or one that is damaged (with the fix: rerun the study to repair it).
    """
    path = Path(directory) / STORE_FILE
    if not path.is_file():
        raise StoreError(f"no {STORE_FILE} in {str(directory)!r}: run the study first "
                         "(loyaltysem robust run STUDY --out DIR)")
    with store_errors(path, "read the result store"):
        db = _connect(path)
        try:
            if not _healthy(db):
                raise StoreError(f"{str(path)!r} is damaged (integrity check failed); rerun "
                                 "'loyaltysem robust run' on the study to repair it")
            meta = {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta")}
            columns = _COLUMNS if _has_checksum(db) else "task, status, message, payload"
            rows = db.execute(f"SELECT {columns} FROM results "
                              "ORDER BY task").fetchall()   # no statement left open
            frame = rows_frame(rows)
        finally:
            db.close()
    return frame, meta
