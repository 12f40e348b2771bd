"""Damage a real result store at random: opening it repairs it or is one StoreError.

After a successful open every remaining row is readable (``frame`` works,
``done`` lists only those rows), and a second open finds nothing to repair.
"""
from __future__ import annotations

import random
import shutil
import warnings

import pytest

from loyaltysem.exceptions import StoreError
from loyaltysem.robustness import ResultStore, run_study
from loyaltysem.robustness.store import read_store

from test_store_integrity import STUDY


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    base = tmp_path_factory.mktemp("pristine")
    (base / "tiny.yaml").write_text(STUDY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_study(base / "tiny.yaml", base / "store", progress=False)
    digest = read_store(base / "store")[1]["digest"]
    return base / "store", digest


@pytest.mark.parametrize("seed", range(60))
def test_random_damage_is_repaired_or_refused_in_one_line(pristine, tmp_path, seed):
    source, digest = pristine
    store = tmp_path / "store"
    shutil.copytree(source, store)
    path = store / "results.sqlite"
    raw = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["garbage", "zeros", "truncate", "flip"])
        start = rng.randrange(len(raw))
        length = rng.choice([1, 16, 512, 4096])
        if kind == "garbage":
            raw[start:start + length] = rng.randbytes(length)
        elif kind == "zeros":
            raw[start:start + length] = bytes(length)
        elif kind == "flip":
            raw[start] ^= 0xFF
        else:
            del raw[start:]
            if not raw:
                break
    path.write_bytes(bytes(raw))
    try:
        opened = ResultStore(store, digest)
    except StoreError as error:
        assert "\n" not in str(error)
        return
    try:
        frame = opened.frame()
        assert set(frame["task"]) == opened.done() if len(frame) else not opened.done()
    finally:
        opened.close()
    again = ResultStore(store, digest)
    try:
        assert again.repaired == 0
    finally:
        again.close()
