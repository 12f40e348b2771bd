"""Robustness studies with ordinal estimators (``estimators: [WLSMV]``;
:mod:`loyaltysem.robustness.ordinal`).

Every ordinal task is its own ordinal fit, so a task's numbers are those of
``loyaltysem.fit(spec, rows, ordered=..., estimator="WLSMV")`` on its rows: compared at
1e-10 (the same computation; observed 0), also with continuous items beside the ordinal
ones (``ordered: [items]``) in every variant of the model. Resumed and repeated runs give identical
stores (the same seeds, the same arithmetic).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.exceptions import SpecificationError
from loyaltysem.robustness import run_study
from loyaltysem.robustness.config import load_study
from loyaltysem.robustness.plan import make_plan, model_variants
from loyaltysem.robustness.stacked import resample_rows
from loyaltysem.robustness.store import read_store

REFERENCE = Path(__file__).parent / "reference"
MODELS = Path(__file__).parent.parent / "models"
STUDY = """name: ordinal_study
seed: 5
model: chain.lav
data: data.csv
estimators: [ML, WLSMV]
ordered: true
samples: [full, {bootstrap: 4}, {subsample: [150], replications: 2}]
"""


@pytest.fixture
def study(tmp_path):
    """A small study of the chain on corp_rep's items, categories 1-3 merged (no rare
    category: no resample loses one)."""
    ref = json.loads((REFERENCE / "ordinal_fit" / "chain_wlsmv.json").read_text())
    (tmp_path / "chain.lav").write_text(ref["model"])
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"]).clip(lower=3)
    data.to_csv(tmp_path / "data.csv", index=False)
    path = tmp_path / "study.yaml"
    path.write_text(STUDY)
    return path


def _results(directory: Path) -> pd.DataFrame:
    rows, _ = read_store(directory)
    return rows.sort_values(["task", "statistic"]).reset_index(drop=True)


def test_a_wlsmv_study_runs_and_its_numbers_are_direct_fits(study, tmp_path):
    summary = run_study(study, tmp_path / "out", progress=False)
    assert summary.executed == summary.planned == 14
    rows = _results(tmp_path / "out")
    assert (rows["status"] == "ok").all(), rows.loc[rows["status"] != "ok", "message"].tolist()
    config = load_study(study)
    spec = ls.load_spec(tmp_path / "chain.lav")
    data = pd.read_csv(tmp_path / "data.csv").dropna().reset_index(drop=True)
    tasks = {t.key: t for t in make_plan(config, data, model_variants(spec, config.variants))}
    for key in ("variant=baseline|estimator=WLSMV|group=all|sample=full|index=0",
                "variant=baseline|estimator=WLSMV|group=all|sample=bootstrap|index=2",
                "variant=baseline|estimator=WLSMV|group=all|sample=subsample 150|index=1"):
        task = tasks[key]
        sample = data if task.sample == "full" else data.iloc[
            resample_rows(task, len(data))].reset_index(drop=True)
        direct = ls.fit(spec, sample, ordered=True, estimator="WLSMV", emit_warnings=False)
        stored = rows[rows["task"] == key].set_index("statistic")
        assert "ordinal items (9): estimator WLSMV" in stored["message"].iat[0]
        for r in direct.estimates[direct.estimates["op"].isin(["~", ":="])].itertuples():
            name = f"{r.lhs} :=" if r.op == ":=" else f"{r.lhs} ~ {r.rhs}"
            assert stored.loc[name, "est"] == pytest.approx(r.est, abs=1e-10)
            assert stored.loc[name, "se"] == pytest.approx(r.se, abs=1e-10)
        for measure in ("chisq", "chisq_scaled", "cfi_scaled", "rmsea_scaled"):
            assert stored.loc["fit", measure] == pytest.approx(direct.fit_indices[measure],
                                                               abs=1e-8)
    # the ML tasks of the same study treat the items as continuous
    ml = rows[rows["task"] == "variant=baseline|estimator=ML|group=all|sample=full|index=0"]
    continuous = ls.fit(spec, data, estimator="ML", emit_warnings=False)
    path = continuous.estimates.query("op == '~'").iloc[0]
    assert ml.set_index("statistic").loc[f"{path.lhs} ~ {path.rhs}", "est"] == \
        pytest.approx(path.est, abs=1e-6)


def test_an_interrupted_study_resumes_and_the_seed_gives_the_same_numbers(study, tmp_path):
    first = run_study(study, tmp_path / "a", progress=False, limit=5)
    assert first.executed == 5
    again = run_study(study, tmp_path / "a", progress=False)
    assert again.already_done == 5 and again.executed == again.planned - 5
    whole = run_study(study, tmp_path / "b", progress=False, n_jobs=2)
    assert whole.executed == whole.planned
    pd.testing.assert_frame_equal(_results(tmp_path / "a"), _results(tmp_path / "b"))


def test_a_resample_that_loses_a_category_fails_with_the_item(study, tmp_path):
    ref = json.loads((REFERENCE / "ordinal_fit" / "chain_wlsmv.json").read_text())
    # the original items: comp_2 has a single answer 1 (lost by ~37% of the resamples)
    pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"]).to_csv(tmp_path / "data.csv",
                                                                      index=False)
    study.write_text(STUDY.replace("[ML, WLSMV]", "[WLSMV]").replace(
        "{bootstrap: 4}, {subsample: [150], replications: 2}", "{bootstrap: 12}"))
    run_study(study, tmp_path / "out", progress=False)
    rows = _results(tmp_path / "out").drop_duplicates("task")
    failed = rows[rows["status"] == "error"]
    assert len(failed) > 0 and (rows["status"] == "ok").sum() > 0
    assert failed["message"].str.contains("no answer .* of the ordinal item").all()


def test_a_simulation_study_discretizes_the_responses(tmp_path):
    (tmp_path / "power.yaml").write_text(f"""name: ordinal_power
seed: 3
model: {MODELS / 'loyalty_chain.yaml'}
estimators: [WLSMV]
ordered: true
simulation:
  population: loyalty_chain
  sample_sizes: [300]
  replications: 2
  likert_points: 5
""")
    run_study(tmp_path / "power.yaml", tmp_path / "out", progress=False)
    rows = _results(tmp_path / "out")
    assert (rows["status"] == "ok").all()
    assert rows["statistic"].str.startswith("hypothesis").any()
    indirect = rows[rows["statistic"] == "serial_indirect :="]
    assert len(indirect) == 2 and np.isfinite(indirect["se"]).all()


@pytest.mark.parametrize("change, message", [
    ({"missing": "ml"}, "missing: ml is full-information ML"),
    ({"ordered": None}, "neither the study nor the model declares"),
    ({"ordered": ["comp_1", "nope"]}, "not observed variables of the model"),
    ({"method": "pls", "estimators": ["PLS"]}, "ordered: is for the ordinal estimators"),
])
def test_unsupported_ordinal_studies_are_refused_by_the_cli_with_exit_2(study, change,
                                                                          message):
    import yaml
    from click.testing import CliRunner

    from loyaltysem.cli import main

    config = yaml.safe_load(STUDY)
    config.update(change)
    config = {k: v for k, v in config.items() if v is not None}
    study.write_text(yaml.safe_dump(config))
    run = CliRunner().invoke(main, ["robust", "run", str(study), "--no-progress"])
    assert run.exit_code == 2, run.output
    assert message in run.output and "Traceback" not in run.output


def test_a_simulation_with_an_ordinal_estimator_needs_likert_points(tmp_path):
    (tmp_path / "power.yaml").write_text(f"""name: p
model: {MODELS / 'loyalty_chain.yaml'}
estimators: [WLSMV]
ordered: true
simulation: {{population: loyalty_chain, sample_sizes: [100], replications: 2}}
""")
    with pytest.raises(SpecificationError, match="set simulation: likert_points"):
        load_study(tmp_path / "power.yaml")


MIXED = ["comp_1", "comp_2", "comp_3", "like_1", "like_2", "like_3"]


def _mixed_data(tmp_path: Path) -> pd.DataFrame:
    """The chain's data with COMP and LIKE ordinal (categories 1-3 merged) and the CUSL
    items continuous (their answers plus fixed normal noise)."""
    ref = json.loads((REFERENCE / "ordinal_fit" / "chain_wlsmv.json").read_text())
    (tmp_path / "chain.lav").write_text(ref["model"])
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"]).clip(lower=3)
    noise = np.random.default_rng(14).normal(0.0, 0.3, size=(len(data), 3))
    data[["cusl_1", "cusl_2", "cusl_3"]] = data[["cusl_1", "cusl_2", "cusl_3"]] + noise
    data.to_csv(tmp_path / "data.csv", index=False)
    return data


def test_continuous_items_beside_ordinal_ones_give_direct_mixed_fits_in_every_variant(
        tmp_path):
    data = _mixed_data(tmp_path)
    study = tmp_path / "study.yaml"
    study.write_text(STUDY.replace("ordered: true", f"ordered: [{', '.join(MIXED)}]").replace(
        "{bootstrap: 4}, {subsample: [150], replications: 2}", "{bootstrap: 2}")
        + "variants: [baseline, drop_each_item]\n")
    summary = run_study(study, tmp_path / "out", progress=False)
    assert summary.executed == summary.planned == 10 * 2 * 3
    rows = _results(tmp_path / "out")
    assert (rows["status"] == "ok").all(), rows.loc[rows["status"] != "ok", "message"].tolist()
    config = load_study(study)
    variants = model_variants(ls.load_spec(tmp_path / "chain.lav"), config.variants)
    for task in make_plan(config, data, variants):
        if task.estimator != "WLSMV":
            continue
        spec = variants[task.variant]
        sample = data if task.sample == "full" else data.iloc[
            resample_rows(task, len(data))].reset_index(drop=True)
        items = [v for v in spec.observed_variables if v in MIXED]
        direct = ls.fit(spec, sample, ordered=items, estimator="WLSMV", emit_warnings=False)
        stored = rows[rows["task"] == task.key].set_index("statistic")
        continuous = len(spec.observed_variables) - len(items)
        assert f"ordinal items ({len(items)}) and {continuous} continuous: estimator WLSMV" \
            in stored["message"].iat[0]
        for r in direct.estimates[direct.estimates["op"].isin(["~", ":="])].itertuples():
            name = f"{r.lhs} :=" if r.op == ":=" else f"{r.lhs} ~ {r.rhs}"
            assert stored.loc[name, "est"] == pytest.approx(r.est, abs=1e-10)
            assert stored.loc[name, "se"] == pytest.approx(r.se, abs=1e-10)
        for measure in ("chisq", "chisq_scaled", "cfi_scaled", "rmsea_scaled"):
            assert stored.loc["fit", measure] == pytest.approx(direct.fit_indices[measure],
                                                               abs=1e-8)


def test_a_variant_without_ordinal_items_fails_and_a_variant_file_declares_its_own(
        tmp_path):
    _mixed_data(tmp_path)
    model = (tmp_path / "chain.lav").read_text()
    (tmp_path / "chain.lav").write_text("# @ordered comp_1\n" + model)
    (tmp_path / "other.lav").write_text("# @ordered like_1 like_2 like_3\n" + model)
    study = tmp_path / "study.yaml"
    study.write_text("name: s\nseed: 5\nmodel: chain.lav\ndata: data.csv\n"
                     "estimators: [WLSMV]\nsamples: [full]\n"
                     "variants: [baseline, drop_each_item, {spec: other.lav}]\n")
    run_study(study, tmp_path / "out", progress=False)
    rows = _results(tmp_path / "out").drop_duplicates("task").set_index("task")
    key = "variant={}|estimator=WLSMV|group=all|sample=full|index=0"
    failed = rows.loc[key.format("drop comp_1")]
    assert failed["status"] == "error"
    assert "has none of the study's (comp_1)" in failed["message"]
    assert "fit it with ML or MLR" in failed["message"]
    assert "ordinal items (1) and 8 continuous" in rows.loc[key.format("baseline"), "message"]
    other = rows.loc[key.format(next(v for v in rows.index if "spec " in v).split("|")[0]
                                .removeprefix("variant="))]
    assert "ordinal items (3) and 6 continuous" in other["message"]
    assert (rows.drop(key.format("drop comp_1"))["status"] == "ok").all()
