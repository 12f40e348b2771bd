"""Test-session set-up: a fresh, private structure cache (loyaltysem.estimate.structure_cache).

Set at import, before any test builds a model, so that the tests (and the
``loyaltysem`` subprocesses they start, which inherit the environment) never
read or write the user's ~/.cache and never depend on an earlier run.
"""
from __future__ import annotations

import os
import shutil
import tempfile

_CACHE = tempfile.mkdtemp(prefix="loyaltysem-test-cache-")
os.environ["LOYALTYSEM_CACHE_DIR"] = _CACHE
os.environ.pop("LOYALTYSEM_NO_CACHE", None)


def pytest_sessionfinish(session, exitstatus) -> None:  # noqa: ARG001 (pytest's signature)
    shutil.rmtree(_CACHE, ignore_errors=True)
