"""Robustness studies: plan and seeds, worker invariance, resume after kill -9, digests."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import loyaltysem as ls
from loyaltysem.cli import main
from loyaltysem.robustness import (PlanChangedError, describe_plan, load_results, load_study,
                                   run_study, summarize)
from loyaltysem.robustness.plan import task_seed

from lavaan_reference import ROOT

STUDY = textwrap.dedent(f"""
    name: small
    seed: 7
    model: {ROOT / 'models/corp_rep.yaml'}
    data: corp_rep
    na_values: [-99]
    variants: [baseline, drop_each_item]
    estimators: [ML]
    samples:
      - full
      - {{bootstrap: 3}}
      - {{subsample: [150], replications: 2}}
    groups: servicetype
""")


@pytest.fixture()
def study(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(STUDY)
    return path


def test_plan_size_and_seeds(study):
    plan = describe_plan(study)
    # 10 variants (baseline + 9 dropped items) x 3 groups (all, 1, 2) x (1 + 3 + 2) samples
    assert plan["tasks"].sum() == 10 * 3 * 6
    assert task_seed(7, "a") == task_seed(7, "a") != task_seed(7, "b") != task_seed(8, "a")


def test_identical_results_with_one_and_two_workers(study, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_study(study, tmp_path / "one", n_jobs=1, progress=False)
        run_study(study, tmp_path / "two", n_jobs=2, progress=False)
    one, two = load_results(tmp_path / "one"), load_results(tmp_path / "two")
    assert len(one) > 0
    pd.testing.assert_frame_equal(one, two)
    table = summarize(one)
    assert {"statistic", "variant", "sample", "share_significant", "sign_stability"} <= set(table)


def test_kill_9_then_resume_loses_nothing_and_recomputes_nothing(study, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_study(study, tmp_path / "reference", progress=False)
    crashed = tmp_path / "crashed"
    process = subprocess.Popen(
        [sys.executable, "-m", "loyaltysem.cli", "robust", "run", str(study), "--out",
         str(crashed), "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = crashed / "results.sqlite"
    deadline = time.time() + 120
    stored = 0
    while time.time() < deadline:
        time.sleep(0.2)
        if database.exists():
            try:
                stored = sqlite3.connect(database).execute("SELECT COUNT(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if stored >= 40:
                break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 40 <= stored < 180, "the run must be killed in the middle"
    survived = sqlite3.connect(database).execute("SELECT COUNT(*) FROM results").fetchone()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = run_study(study, crashed, progress=False)
    assert summary.already_done == survived
    assert summary.executed == summary.planned - survived     # no finished task recomputed
    pd.testing.assert_frame_equal(load_results(crashed), load_results(tmp_path / "reference"))


def test_changed_config_is_refused_unless_forced(study, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_study(study, tmp_path / "dir", progress=False, limit=5)
        study.write_text(STUDY.replace("seed: 7", "seed: 8"))
        with pytest.raises(PlanChangedError, match="config changed"):
            run_study(study, tmp_path / "dir", progress=False, limit=5)
        summary = run_study(study, tmp_path / "dir", progress=False, limit=5, force=True)
    assert summary.already_done == 0


def test_cli_dry_run_and_summarize(study, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["robust", "run", str(study), "--dry-run"])
    assert result.exit_code == 0 and "180 tasks" in result.output
    result = runner.invoke(main, ["robust", "run", str(study), "--out", str(tmp_path / "d"),
                                  "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["robust", "summarize", str(tmp_path / "d"), "--format", "markdown"])
    assert result.exit_code == 0 and "| statistic |" in result.output
    html = tmp_path / "summary.html"
    result = runner.invoke(main, ["robust", "summarize", str(tmp_path / "d"), "--format", "html",
                                  "--out", str(html)])
    assert result.exit_code == 0 and "<svg" in html.read_text()   # forest plot inline
    result = runner.invoke(main, ["robust", "summarize", str(tmp_path / "none")])
    assert result.exit_code == 2 and "run the study first" in result.stderr


def test_bad_study_files(tmp_path):
    from loyaltysem.exceptions import SpecificationError

    path = tmp_path / "bad.yaml"
    path.write_text(STUDY.replace("estimators: [ML]", "estimators: [GLS]"))
    with pytest.raises(SpecificationError, match="unknown estimator"):
        load_study(path)
    path.write_text(STUDY + "\nrepetitions: 3\n")
    with pytest.raises(SpecificationError, match="unknown key"):
        load_study(path)


def test_shipped_study_plan():
    plan = describe_plan(ROOT / "models/studies/corp_rep_robustness.yaml")
    # 10 variants x 2 estimators x 5 groups (all + 4 providers) x (1 + 200) samples
    assert plan["tasks"].sum() == 10 * 2 * 5 * 201


@pytest.fixture(scope="module")
def dask_cluster():
    """A real dask scheduler and two dask workers on 127.0.0.1."""
    import socket
    import shutil

    distributed = pytest.importorskip("distributed")
    executable = shutil.which("dask")
    assert executable, "the dask command is needed (pip install 'dask[distributed]')"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [subprocess.Popen([executable, "scheduler", "--host", "127.0.0.1", "--port",
                                   str(port), "--no-dashboard"], **quiet)]
    time.sleep(2)
    for _ in range(2):
        processes.append(subprocess.Popen([executable, "worker", address, "--nthreads", "1",
                                           "--no-dashboard", "--host", "127.0.0.1"], **quiet))
    try:
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in processes[::-1]:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_same_results_on_a_two_worker_dask_cluster(study, tmp_path, dask_cluster):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_study(study, tmp_path / "local", n_jobs=1, progress=False)
        summary = run_study(study, tmp_path / "dask", scheduler=dask_cluster, progress=False)
    assert summary.executed == summary.planned
    pd.testing.assert_frame_equal(load_results(tmp_path / "dask"), load_results(tmp_path / "local"))


def _satorra_saris_reference():
    """make_power_reference.R: lavaan fits of the loyalty chain population (no loyaltysem)."""
    import json

    return json.loads((ROOT / "tests/reference/robustness/satorra_saris.json").read_text())


def test_satorra_saris_power_matches_lavaan():
    """satorra_saris_power against make_power_reference.R: the model without LOY ~ TRU
    fitted by lavaan to the population covariance, ncp = 2 N fmin (observed 2.5e-12 in
    power; 1e-9 since it rests on two iterative fits, although the minimum discrepancy is
    second-order in their errors). The population covariance itself is rebuilt in R
    from the documented standardized loadings and paths (1e-12)."""
    from loyaltysem.data.synthetic import loyalty_chain_population
    from loyaltysem.robustness.power import satorra_saris_power

    reference = _satorra_saris_reference()
    population = loyalty_chain_population().item_covariance()
    names = reference["population_cov"]["names"]
    np.testing.assert_allclose(population.loc[names, names].to_numpy(),
                               np.array(reference["population_cov"]["values"]), rtol=0,
                               atol=1e-12)
    sizes = [row["n"] for row in reference["lr"]]
    ours = satorra_saris_power(ls.load_spec(ROOT / "models/loyalty_chain.yaml"), population,
                               ("TRU", "LOY"), sizes)
    for row in reference["lr"]:
        assert ours[row["n"]] == pytest.approx(row["power"], abs=1e-9), row["n"]


def test_monte_carlo_power_agrees_with_satorra_saris(tmp_path):
    """Power of the Wald test of LOY ~ TRU (population beta .15) at N = 300.

    Satorra & Saris (1985), computed by lavaan in make_power_reference.R: 0.4675
    (likelihood-ratio ncp; the Wald ncp gives 0.4707). 300 replications have a
    Monte Carlo SE of about sqrt(.47 * .53 / 300) = 0.029; we accept 3 SE (0.087)."""
    from loyaltysem.robustness.power import power_table

    path = tmp_path / "power.yaml"
    path.write_text(textwrap.dedent(f"""
        name: power
        seed: 3
        model: {ROOT / 'models/loyalty_chain.yaml'}
        simulation:
          population: loyalty_chain
          sample_sizes: [300]
          replications: 300
    """))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_study(path, tmp_path / "power", n_jobs=2, progress=False)
    table = power_table(load_results(tmp_path / "power")).set_index("statistic")
    expected = {row["n"]: row["power"] for row in _satorra_saris_reference()["lr"]}[300]
    row = table.loc["LOY ~ TRU"]
    assert row["replications"] == 300
    assert abs(row["power"] - expected) < 3 * np.sqrt(expected * (1 - expected) / 300)
    assert table.loc["hypothesis H1", "power"] == pytest.approx(1.0)   # SAT -> TRU, beta .60


def test_store_can_retry_tasks_that_ended_in_an_error(tmp_path):
    from loyaltysem.robustness import ResultStore

    store = ResultStore(tmp_path, "digest")
    store.write([{"task": "a", "status": "ok", "payload": []},
                 {"task": "b", "status": "error", "message": "boom", "payload": []}])
    assert store.done() == {"a", "b"}
    assert store.done(include_errors=False) == {"a"}
    store.close()


def test_a_study_can_fit_by_full_information_ml(tmp_path):
    """missing: ml — every fit of the study uses the rows with missing values too
    (corp_rep: 344 rows instead of 336 complete ones), and the digest changes."""
    path = tmp_path / "fiml.yaml"
    path.write_text(STUDY.replace("variants: [baseline, drop_each_item]", "variants: [baseline]")
                    .replace("groups: servicetype\n", "missing: ml\n"))
    config = load_study(path)
    assert config.missing == "ml"
    assert config.digest != load_study_text(tmp_path, STUDY.replace(
        "variants: [baseline, drop_each_item]", "variants: [baseline]").replace(
        "groups: servicetype\n", "")).digest
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_study(path, tmp_path / "out", progress=False)
    results = load_results(tmp_path / "out")
    assert set(results["status"]) == {"ok"}
    fit_rows = results[(results["statistic"] == "fit") & (results["sample"] == "full")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        listwise = ls.fit(ROOT / "models/corp_rep.yaml", "corp_rep", na_values=[-99],
                          emit_warnings=False)
        fiml = ls.fit(ROOT / "models/corp_rep.yaml", "corp_rep", na_values=[-99], missing="ml",
                      emit_warnings=False)
    assert float(fit_rows["chisq"].iloc[0]) == pytest.approx(float(fiml.fit_indices["chisq"]))
    assert float(fiml.fit_indices["chisq"]) != pytest.approx(
        float(listwise.fit_indices["chisq"]))
    bad = tmp_path / "bad.yaml"
    bad.write_text(STUDY + "missing: pairwise\n")
    with pytest.raises(ls.exceptions.SpecificationError, match="missing must be"):
        load_study(bad)


def load_study_text(tmp_path, text):
    path = tmp_path / "other.yaml"
    path.write_text(text)
    return load_study(path)
