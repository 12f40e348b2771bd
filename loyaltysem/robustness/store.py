"""The result store: one SQLite file in the study directory, written as tasks finish.

Every finished task is committed at once (WAL journal), so a crash — even
``kill -9`` — loses no finished task; a rerun reads the finished keys and
skips them. The plan's digest is stored; resuming a study whose config
changed is refused unless forced.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd


class PlanChangedError(RuntimeError):
    """The study directory holds results of a different plan."""


class ResultStore:
    """SQLite-backed store of task results.

    Parameters
    ----------
    directory : path
        The study directory (created if needed); the file is ``results.sqlite``.
    digest : str
        The plan digest of the config being run.
    force : bool
        Discard results of a different plan instead of refusing.
    """

    def __init__(self, directory: str | Path, digest: str, *, force: bool = False):
        self.path = Path(directory) / "results.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._db.execute("CREATE TABLE IF NOT EXISTS results (task TEXT PRIMARY KEY, status TEXT,"
                         " message TEXT, payload TEXT)")
        stored = self._db.execute("SELECT value FROM meta WHERE key = 'digest'").fetchone()
        if stored and stored[0] != digest:
            if not force:
                raise PlanChangedError(
                    f"{self.path} holds results of another plan (digest {stored[0]}, now "
                    f"{digest}): the study config changed; rerun with --force to start over "
                    "or use another directory")
            self._db.execute("DELETE FROM results")
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('digest', ?)", (digest,))
        self._db.commit()

    def done(self, *, include_errors: bool = True) -> set[str]:
        """Keys of the tasks already stored (optionally not those that ended in an error)."""
        query = "SELECT task FROM results" + ("" if include_errors else " WHERE status != 'error'")
        return {row[0] for row in self._db.execute(query)}

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        """Store finished tasks (each ``{task, status, message, payload}``) and commit."""
        self._db.executemany(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
            [(r["task"], r["status"], r.get("message", ""), json.dumps(r.get("payload")))
             for r in records])
        self._db.commit()

    def frame(self) -> pd.DataFrame:
        """All stored rows: one per (task, statistic) plus the task's status columns."""
        rows = []
        for task, status, message, payload in self._db.execute(
                "SELECT task, status, message, payload FROM results ORDER BY task"):
            parts = dict(part.split("=", 1) for part in task.split("|"))
            base = {"task": task, "status": status, "message": message, **parts}
            for statistic in json.loads(payload) or [{}]:
                rows.append({**base, **statistic})
        return pd.DataFrame(rows)

    def close(self) -> None:
        """Close the database."""
        self._db.close()
