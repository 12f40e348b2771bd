"""Robustness studies with method: pls: every task a PLS-SEM (or PLSc) fit."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loyaltysem import load_dataset
from loyaltysem.exceptions import SpecificationError
from loyaltysem.pls import fit_pls
from loyaltysem.robustness.config import load_study
from loyaltysem.robustness.plan import load_model_file, make_plan, model_variants
from loyaltysem.robustness.runner import run_study
from loyaltysem.robustness.summarize import load_results, summarize

MODELS = Path(__file__).resolve().parents[1] / "models"


def _study(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(f"name: pls_test\nseed: 5\nmodel: {MODELS / 'corp_rep_extended.yaml'}\n"
                    f"data: corp_rep\n{body}")
    return path


def test_a_pls_study_stores_what_fit_pls_gives(tmp_path):
    path = _study(tmp_path, "method: pls\nmissing: mean\nestimators: [PLS, PLSc]\n"
                            "samples: [full, {bootstrap: 3}]\n")
    run_study(path, tmp_path / "out", progress=False)
    results = load_results(tmp_path / "out")
    assert set(results["status"]) == {"ok"}
    data = load_dataset("corp_rep")
    for estimator in ("PLS", "PLSc"):
        alone = fit_pls("corp_rep_extended", data, missing="mean",
                        consistent=estimator == "PLSc")
        rows = results[(results["estimator"] == estimator) & (results["sample"] == "full")]
        stored = rows.set_index("statistic")["est"]
        for row in alone.paths.itertuples(index=False):
            assert abs(stored[f"{row[1]} ~ {row[0]}"] - row.est) < 1e-12
        fit_row = rows[rows["statistic"] == "fit"].iloc[0]
        model_fit = alone.model_fit.set_index("measure")
        for measure in ("srmr", "d_uls", "d_g"):
            assert abs(fit_row[measure] - model_fit.loc[measure, "estimated"]) < 1e-12
        assert abs(fit_row["srmr_saturated"] - model_fit.loc["srmr", "saturated"]) < 1e-12
    # a bootstrap task: the resample of the imputed items drawn from the task's seed
    config = load_study(path)
    task = next(t for t in _plan(config, data) if t.estimator == "PLS"
                and t.sample == "bootstrap")
    full = fit_pls("corp_rep_extended", data, missing="mean")
    items = full.solution.values
    rows_drawn = np.random.default_rng(task.seed).integers(0, len(items), len(items))
    import pandas as pd

    frame = pd.DataFrame(items[rows_drawn], columns=list(full.solution.layout.items))
    resampled = fit_pls("corp_rep_extended", frame)
    stored = results[results["task"] == task.key].set_index("statistic")["est"]
    assert abs(stored["CUSL ~ CUSA"] - resampled.paths["est"].iloc[-1]) < 1e-12
    table = summarize(results)
    assert {"PLS", "PLSc"} <= set(table["estimator"])
    assert table["share_significant"].isna().all()     # PLS tasks carry no p values


def _plan(config, data):
    spec = load_model_file(config.model, "model")
    return make_plan(config, data, model_variants(spec, config.variants))


@pytest.mark.parametrize("body, fragment", [
    ("method: pls\nestimators: [ML]\n", "unknown estimator"),
    ("method: pls\nmissing: ml\n", "missing must be 'listwise' or 'mean'"),
    ("method: partial\n", "method must be 'cb'"),
    ("estimators: [PLS]\n", "unknown estimator"),
])
def test_bad_pls_study_settings_are_refused(tmp_path, body, fragment):
    with pytest.raises(SpecificationError, match=fragment):
        load_study(_study(tmp_path, body))


def test_the_shipped_pls_study_plans():
    config = load_study(MODELS / "studies" / "corp_rep_pls_robustness.yaml")
    assert config.method == "pls" and config.estimators == ("PLS", "PLSc")
    variants = {t.variant for t in _plan(config, load_dataset("corp_rep"))}
    assert "drop comp_1" in variants
