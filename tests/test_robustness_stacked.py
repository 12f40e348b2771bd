"""Robustness tasks on the stacked core: the per-task path's numbers, resume, invariance."""
from __future__ import annotations

import json
import sqlite3
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest

from loyaltysem.robustness import run_study
from loyaltysem.robustness.runner import make_chunks, prepare
from loyaltysem.robustness.config import load_study

from lavaan_reference import ROOT

STUDY = textwrap.dedent(f"""
    name: stacked
    seed: 5
    model: {ROOT / 'models/corp_rep.yaml'}
    data: corp_rep
    na_values: [-99]
    variants: [baseline, {{remove_path: 'LIKE -> CUSL'}}]
    estimators: [ML, MLR]
    samples:
      - full
      - {{bootstrap: 12}}
      - {{subsample: [120], replications: 2}}
    groups: servicetype
""")
#: Stacked refits stop at max |dF/dtheta| < 1e-9 as the per-task fits do; in a
#: flat direction (large SEs in a small group) that leaves ~1e-6 between the two
#: optima, so agreement is asserted to 2e-5 relative (measured: 6e-6 at worst).
RTOL = 2e-5


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    path = tmp_path_factory.mktemp("stacked") / "stacked.yaml"
    path.write_text(STUDY)
    return path


def _run(study, directory, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(study, directory, progress=False, **options)


def _rows(directory) -> dict[str, tuple[str, str, list]]:
    db = sqlite3.connect(directory / "results.sqlite")
    try:
        return {task: (status, message, json.loads(payload)) for task, status, message, payload
                in db.execute("SELECT task, status, message, payload FROM results")}
    finally:
        db.close()


def _assert_same(left: dict, right: dict, rtol: float) -> None:
    assert left.keys() == right.keys()
    for task, (status, message, payload) in left.items():
        other = right[task]
        assert (status, message) == other[:2], task
        assert len(payload) == len(other[2])
        for a, b in zip(payload, other[2]):
            assert a.keys() == b.keys() and a["statistic"] == b["statistic"]
            for key in a:
                if key != "statistic":
                    np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=rtol,
                                               err_msg=f"{task} {a['statistic']} {key}")


@pytest.fixture(scope="module")
def stacked_run(study, tmp_path_factory):
    directory = tmp_path_factory.mktemp("stacked_run")
    _run(study, directory)
    return _rows(directory)


def test_stacked_path_gives_the_per_task_numbers(study, stacked_run, tmp_path):
    _run(study, tmp_path, stacked=False)
    per_task = _rows(tmp_path)
    _assert_same(stacked_run, per_task, RTOL)
    messages = {m for _, m, _ in per_task.values() if m}
    assert messages, "the small groups give admissibility messages: they must be compared"


def test_results_do_not_depend_on_workers_or_chunk_size(study, stacked_run, tmp_path):
    _run(study, tmp_path / "two", n_jobs=2, chunk_size=3)
    _run(study, tmp_path / "seven", chunk_size=7)
    for other in ("two", "seven"):  # a refit's arithmetic is independent of its stack
        _assert_same(_rows(tmp_path / other), stacked_run, 1e-12)


def test_resume_after_an_interrupted_chunk(study, stacked_run, tmp_path):
    summary = _run(study, tmp_path, limit=25, chunk_size=10)   # 2 chunks and a part
    assert summary.executed == 25
    db = sqlite3.connect(tmp_path / "results.sqlite")   # a chunk lost in a crash: its
    lost = [row[0] for row in db.execute("SELECT task FROM results ORDER BY task LIMIT 4")]
    db.executemany("DELETE FROM results WHERE task = ?", [(t,) for t in lost])
    db.commit()
    db.close()
    summary = _run(study, tmp_path, chunk_size=10)
    assert summary.already_done == 21 and summary.executed == summary.planned - 21
    _assert_same(_rows(tmp_path), stacked_run, 1e-12)


def test_chunks_hold_one_condition():
    _, tasks = prepare(load_study(_write_small()))
    tasks.sort(key=lambda t: (t.condition, t.key))
    chunks = make_chunks(tasks, 4)
    assert sum(len(c) for c in chunks) == len(tasks)
    assert all(len(c) <= 4 and len({t.condition for t in c}) == 1 for c in chunks)


def _write_small():
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "small.yaml"
    path.write_text(STUDY.replace("estimators: [ML, MLR]", "estimators: [ML]"))
    return path


def test_a_failing_resample_goes_to_the_per_task_path():
    from loyaltysem.robustness.stacked import _screen

    values = np.tile(np.arange(5.0)[:, None], (4, 3))
    values[:, 2] = 1.0  # a constant item: the per-task fit refuses it with its message
    cov = np.cov(values.T, bias=True)
    assert not _screen(values, cov)
    frame = pd.DataFrame(np.random.default_rng(1).normal(size=(50, 3)))
    data = frame.to_numpy()
    assert _screen(data, np.cov(data.T, bias=True))


#: The service providers 3 and 4 have 43 and 57 cases for 21 items: many of their
#: resamples drift towards improper solutions (BFGS does not converge), so their refits
#: go through the per-task fit's runs (warm start, start values, bounded warm-up) as
#: stacks; some converge, some are given up.
IMPROPER = textwrap.dedent(f"""
    name: improper
    seed: 11
    model: {ROOT / 'models/corp_rep.yaml'}
    data: corp_rep
    na_values: [-99]
    variants: [baseline]
    estimators: [ML, MLR]
    samples:
      - {{bootstrap: 12}}
    groups: serviceprovider
""")


def _stacked_and_per_task(path, tmp_path) -> tuple[dict, dict, list[str]]:
    """The study's rows on the stacked and on the per-task path, and the tasks the
    stacked run left to the per-task path (one ``_Worker.run`` each)."""
    from loyaltysem.robustness import runner

    calls: list[str] = []
    per_task_run = runner._Worker.run

    def counted(self, task):
        calls.append(task.key)
        return per_task_run(self, task)

    runner._Worker.run = counted
    try:
        _run(path, tmp_path / "stacked")
    finally:
        runner._Worker.run = per_task_run
    _run(path, tmp_path / "per_task", stacked=False)
    return _rows(tmp_path / "stacked"), _rows(tmp_path / "per_task"), calls


def test_improper_resamples_get_the_per_task_outcome_from_the_stack(tmp_path):
    """Stacked and per-task runs agree on every task's status and message, and on
    the numbers of the converged ones; the tasks that do not converge carry the
    optimizer's reason and no statistics on both paths."""
    path = tmp_path / "improper.yaml"
    path.write_text(IMPROPER)
    stacked, per_task, calls = _stacked_and_per_task(path, tmp_path)
    stacked_calls = len(calls)
    _assert_same(stacked, per_task, RTOL)
    statuses = [status for status, _, _ in per_task.values()]
    assert statuses.count("not converged") >= 2 and statuses.count("ok") > 100
    for status, message, payload in per_task.values():
        if status == "not converged":
            assert message.startswith("the optimiser did not converge (") and payload == []
    assert stacked_calls <= 3, "improper resamples must be refitted in the stack"


def test_resamples_of_a_full_fit_that_did_not_converge_are_stacked_too(tmp_path):
    """Without comp_3, provider 3's full-sample fit (43 cases) does not converge; its
    resamples start from those estimates, as the per-task fit's warm start, and the
    stack gives every task the per-task path's status, message and numbers."""
    model = (ROOT / "models/corp_rep.yaml").read_text()
    assert "items: [comp_1, comp_2, comp_3]" in model
    (tmp_path / "no_comp_3.yaml").write_text(
        model.replace("items: [comp_1, comp_2, comp_3]", "items: [comp_1, comp_2]"))
    path = tmp_path / "unconverged.yaml"
    path.write_text(IMPROPER.replace("variants: [baseline]", "variants: [{spec: no_comp_3.yaml}]")
                    .replace("estimators: [ML, MLR]", "estimators: [ML]")
                    .replace("samples:", "samples:\n  - full"))
    stacked, per_task, calls = _stacked_and_per_task(path, tmp_path)
    stacked_calls = [key for key in calls if "sample=full" not in key]
    full_3 = next(status for task, (status, _, _) in per_task.items()
                  if "group=3" in task and "sample=full" in task)
    assert full_3 == "not converged"
    _assert_same(stacked, per_task, RTOL)
    assert len(stacked_calls) <= 3, "resamples of an unconverged condition must be stacked"
