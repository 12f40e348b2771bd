"""The disk cache of semopy's model structures (loyaltysem.estimate.structure_cache).

A fit from a cached structure must equal lavaan as the uncached fit does (the committed
references of tests/reference/core/, core_reference tolerances); every damaged,
tampered or foreign cache file is ignored and rebuilt; an unusable cache folder means no
cache, never an error; a second ``loyaltysem fit`` process does not import semopy.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import loyaltysem as ls
from loyaltysem.estimate import structure, structure_cache
from loyaltysem.estimate.layout_cache import clear_layouts
from loyaltysem.estimate.structure import _checked, model_structure

from core_reference import ROOT, check_fit_measures, data_of, estimate_errors, load

CASES = ["ms_hs_cfa", "ms_pd_path", "ms_hs_obs_outcomes"]  # latent, fixed.x, inner observed


def _forget_in_memory() -> None:
    """Drop the in-process caches (structures, and layouts, which would never ask for
    the structure again), so the next fit goes to the disk cache."""
    structure._cached_structure.cache_clear()
    clear_layouts()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("LOYALTYSEM_CACHE_DIR", str(folder))
    monkeypatch.delenv("LOYALTYSEM_NO_CACHE", raising=False)
    _forget_in_memory()
    yield folder
    _forget_in_memory()


def _request(table) -> tuple[tuple, tuple]:
    rows = tuple(_checked(table))
    exo = tuple(sorted({(str(r.lhs), str(r.rhs)) for r in table.itertuples()
                        if r.exo and r.op == "~~"}))
    return rows, exo


def _fit(case: dict):
    meanstructure = bool(case["options"] and case["options"].get("meanstructure")) or None
    return ls.fit(case["syntax"], data_of(case), emit_warnings=False, meanstructure=meanstructure)


def _no_semopy(monkeypatch):
    def refuse(*args):
        raise AssertionError("semopy was asked although the structure is cached")
    monkeypatch.setattr(structure, "_semopy_structure", refuse)


@pytest.mark.parametrize("name", CASES)
def test_cached_and_uncached_structures_both_fit_as_lavaan(name, cache_dir, monkeypatch):
    case = load(name)
    built = _fit(case)  # semopy builds the structure and it is written
    assert len(list(cache_dir.glob("structure-*.json"))) == 1
    _forget_in_memory()
    _no_semopy(monkeypatch)
    cached = _fit(case)  # read back from disk
    for result in (built, cached):
        estimate_errors(result.estimates, case)
        assert check_fit_measures(result.fit_indices, case) > 10
    assert cached.estimates["est"].tolist() == built.estimates["est"].tolist()
    assert cached.fit_indices.equals(built.fit_indices)


def _cached_file(table) -> Path:
    model_structure(table)
    _forget_in_memory()
    path = structure_cache.cache_file(*_request(table))
    assert path is not None and path.is_file()
    return path


def _edit(path: Path, change) -> None:
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))


def _swap_first_location(record):  # x1 =~ visual placed at x2's entry
    record["locations"][0][0][1] = 1


TAMPERING = {
    "truncated": lambda p: p.write_text(p.read_text()[: len(p.read_text()) // 2]),
    "empty": lambda p: p.write_text(""),
    "not json": lambda p: p.write_bytes(b"\xff\xfe pickle?"),
    "a list": lambda p: p.write_text("[1, 2, 3]"),
    "deeply nested": lambda p: p.write_text("[" * 100000 + "]" * 100000),
    "wrong format": lambda p: _edit(p, lambda r: r.update(format=r["format"] + 1)),
    "other semopy": lambda p: _edit(p, lambda r: r.update(semopy="0.0.1")),
    "other key": lambda p: _edit(p, lambda r: r.update(key="0" * 64)),
    "extra field": lambda p: _edit(p, lambda r: r.update(code="__import__('os')")),
    "missing field": lambda p: _edit(p, lambda r: r.pop("latent")),
    "other rows": lambda p: _edit(p, lambda r: r["rows"].reverse()),
    "short observed": lambda p: _edit(p, lambda r: r["observed"].pop()),
    "renamed observed": lambda p: _edit(p, lambda r: r["observed"].__setitem__(0, "zz")),
    "bad name": lambda p: _edit(p, lambda r: r["observed"].__setitem__(0, "x1; rm")),
    "latent order": lambda p: _edit(p, lambda r: r["latent"].reverse()),
    "missing locations": lambda p: _edit(p, lambda r: r["locations"].pop()),
    "no location": lambda p: _edit(p, lambda r: r["locations"].__setitem__(0, [])),
    "row out of range": lambda p: _edit(p, lambda r: r["locations"][0][0].__setitem__(1, 99)),
    "negative index": lambda p: _edit(p, lambda r: r["locations"][0][0].__setitem__(2, -1)),
    "matrix out of range": lambda p: _edit(p, lambda r: r["locations"][0][0].__setitem__(0, 7)),
    "wrong matrix": lambda p: _edit(p, lambda r: r["locations"][0][0].__setitem__(0, 3)),
    "float index": lambda p: _edit(p, lambda r: r["locations"][0][0].__setitem__(1, 0.0)),
    "bool index": lambda p: _edit(p, lambda r: r["locations"][0][0].__setitem__(1, False)),
    "swapped entry": lambda p: _edit(p, _swap_first_location),
    "symmetric loading": lambda p: _edit(p, lambda r: r["locations"][0][0].__setitem__(3, True)),
}


@pytest.mark.parametrize("damage", sorted(TAMPERING))
def test_a_damaged_cache_file_is_ignored_and_rebuilt(damage, cache_dir):
    table = ls.load_spec(ROOT / "models" / "hs_cfa.lav").parameter_table
    path = _cached_file(table)
    fresh = structure._semopy_structure(*_request(table))
    TAMPERING[damage](path)
    assert structure_cache.load_structure(*_request(table)) is None
    rebuilt = model_structure(table)
    assert structure_cache.same_structure(rebuilt, fresh)
    _forget_in_memory()
    reread = structure_cache.load_structure(*_request(table))  # rewritten, valid again
    assert reread is not None and structure_cache.same_structure(reread, fresh)


def test_a_record_of_another_model_is_refused(cache_dir):
    hs = ls.load_spec(ROOT / "models" / "hs_cfa.lav").parameter_table
    poldem = ls.load_spec(ROOT / "models" / "poldem.lav").parameter_table
    foreign = _cached_file(poldem)
    target = structure_cache.cache_file(*_request(hs))
    target.write_bytes(foreign.read_bytes())
    assert structure_cache.load_structure(*_request(hs)) is None
    assert structure_cache.same_structure(model_structure(hs),
                                          structure._semopy_structure(*_request(hs)))


def test_a_symlink_is_not_followed_and_is_replaced(cache_dir, tmp_path):
    table = ls.load_spec(ROOT / "models" / "hs_cfa.lav").parameter_table
    path = _cached_file(table)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(path.read_bytes())  # a valid record, but reached through a link
    path.unlink()
    path.symlink_to(elsewhere)
    assert structure_cache.load_structure(*_request(table)) is None
    model_structure(table)
    assert not path.is_symlink() and path.is_file()
    assert elsewhere.read_bytes() == path.read_bytes()  # the link's target was not written


def test_a_fifo_or_a_folder_at_the_cache_path_is_ignored(cache_dir):
    table = ls.load_spec(ROOT / "models" / "hs_cfa.lav").parameter_table
    path = _cached_file(table)
    path.unlink()
    os.mkfifo(path)  # opening it must not block
    assert structure_cache.load_structure(*_request(table)) is None
    path.unlink()
    path.mkdir()  # os.replace onto a folder fails: no cache, no error
    assert model_structure(table).observed[0] == "x1"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="only root can give a file to another user")
def test_a_file_of_another_user_is_ignored(cache_dir):
    table = ls.load_spec(ROOT / "models" / "hs_cfa.lav").parameter_table
    path = _cached_file(table)
    os.chown(path, 54321, 54321)
    assert structure_cache.load_structure(*_request(table)) is None


def test_an_unwritable_cache_folder_means_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LOYALTYSEM_CACHE_DIR", str(blocker / "cache"))
    _forget_in_memory()
    try:
        table = ls.load_spec(ROOT / "models" / "hs_cfa.lav").parameter_table
        assert set(model_structure(table).latent) == {"visual", "textual", "speed"}
    finally:
        _forget_in_memory()


def test_a_failing_write_means_no_cache(cache_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "read-only file system")
    monkeypatch.setattr(structure_cache.tempfile, "mkstemp", refuse)
    table = ls.load_spec(ROOT / "models" / "hs_cfa.lav").parameter_table
    assert set(model_structure(table).latent) == {"visual", "textual", "speed"}
    assert not list(cache_dir.glob("structure-*"))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_a_read_only_cache_folder_means_no_cache(cache_dir):
    cache_dir.mkdir()
    cache_dir.chmod(0o500)
    try:
        table = ls.load_spec(ROOT / "models" / "hs_cfa.lav").parameter_table
        assert set(model_structure(table).latent) == {"visual", "textual", "speed"}
    finally:
        cache_dir.chmod(0o700)


def test_loyaltysem_no_cache_disables_it(cache_dir, monkeypatch):
    monkeypatch.setenv("LOYALTYSEM_NO_CACHE", "1")
    table = ls.load_spec(ROOT / "models" / "hs_cfa.lav").parameter_table
    model_structure(table)
    assert structure_cache.cache_file(*_request(table)) is None
    assert not cache_dir.exists()


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LOYALTYSEM_NO_CACHE", raising=False)
    monkeypatch.delenv("LOYALTYSEM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert structure_cache.cache_directory() == tmp_path / "loyaltysem"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path))
    assert structure_cache.cache_directory() == tmp_path / ".cache" / "loyaltysem"


def test_a_second_fit_process_imports_neither_semopy_nor_other_heavy_modules(tmp_path):
    env = dict(os.environ, LOYALTYSEM_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-X", "importtime", "-m", "loyaltysem.cli", "fit",
               str(ROOT / "models" / "hs_cfa.lav"), "--data", "holzinger_swineford"]
    runs = [subprocess.run(command, capture_output=True, text=True, env=env, check=True)
            for _ in range(2)]
    imported = [{line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()
                 if line.startswith("import time:")} for run in runs]
    assert "semopy" in imported[0]
    assert not any(name.split(".")[0] in ("semopy", "sympy", "sklearn") for name in imported[1])
    # nor any other heavy module a fit printed as text does not need (scipy at all:
    # loyaltysem.distributions has the normal and chi-square functions), nor the
    # parts of loyaltysem a fit without a bootstrap or tests does not use
    heavy = {"scipy", "matplotlib", "statsmodels", "pingouin", "threadpoolctl", "tqdm",
             "joblib", "importlib.metadata", "loyaltysem.groups", "loyaltysem.effects.bootstrap",
             "loyaltysem.effects.hypotheses", "loyaltysem.estimate.compare",
             "loyaltysem.estimate.score_test", "loyaltysem.estimate.bollen_stine",
             "loyaltysem.estimate.modindices"}
    assert not {name for name in imported[1] if name in heavy or name.split(".")[0] in heavy
                or any(name.startswith(f"{module}.") for module in heavy)}
    assert runs[0].stdout == runs[1].stdout


def test_the_semopy_version_of_the_key_is_importlib_metadatas():
    """Read from semopy's dist-info folder (importlib.metadata costs a fit 10-25 ms of
    start-up): the same as ``importlib.metadata.version``; None for no package."""
    from importlib import metadata

    for name in ("semopy", "numpy", "pandas", "click"):
        assert structure_cache._installed_version(name) == metadata.version(name)
    assert structure_cache._installed_version("no_such_package_loyaltysem") is None
    assert structure_cache._versions()[1] == metadata.version("semopy")
