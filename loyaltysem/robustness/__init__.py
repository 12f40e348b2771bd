"""Scripted robustness studies: one YAML, reproducible, resumable.

- :mod:`.config`: the study file
- :mod:`.plan`: tasks with seeds derived from the study seed and the task key
- :mod:`.runner`: local worker processes; results written as tasks finish
- :mod:`.store`: the SQLite result store (resume, plan digest)
- :mod:`.summarize`: summaries across conditions
"""
from __future__ import annotations

from .config import StudyConfig, load_study
from .runner import describe_plan, run_study
from .store import PlanChangedError, ResultStore, StoreLockedError
from .summarize import load_results, status_counts, summarize

__all__ = ["PlanChangedError", "ResultStore", "StoreLockedError", "StudyConfig", "describe_plan", "load_results",
           "load_study", "run_study", "status_counts", "summarize"]
