"""PLSpredict and CVPAT (loyaltysem.pls.predict, loyaltysem.pls.cvpat).

References:
- seminr 0.2.1's ``predict_pls`` with the same fixed folds
  (tests/reference/make_pls_predict_reference.py → tests/reference/pls/predict_*.json):
  out-of-sample PLS and LM predictions of every row and RMSE/MAE per indicator,
  direct and earliest antecedents, the simple and the extended corporate-reputation
  model. Both fit with the stop criterion 1e-13, so the predictions are closed
  forms of converged weights: compared at 1e-8 (observed ~5e-14).
- a plain loop written here (``_loop_predictions``): fit_pls on each training
  fold's rows, the holdout standardized with pandas' training means/SDs, the
  inner model applied path by path, OLS by ``numpy.linalg.lstsq`` with an
  intercept; it checks the stacked moments, the repetition averaging, Q²predict
  and (with scipy's ``ttest_rel``) CVPAT, at 1e-8.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyaltysem import load_dataset
from loyaltysem.exceptions import ArgumentError, DataError, SpecificationError
from loyaltysem.pls import cvpat, fit_pls, predict_pls
from loyaltysem.pls.layout import PLSLayout
from loyaltysem.pls.predict import fold_assignments, predict_pls as predict_direct, prediction_plan
from loyaltysem.spec import ModelSpec

REFERENCE = Path(__file__).parent / "reference" / "pls"
CASES = sorted(p.stem for p in REFERENCE.glob("predict_*.json"))
TOL = 1e-8

SIMPLE = ModelSpec.from_dict({
    "name": "corp_rep_simple",
    "constructs": {"COMP": {"items": ["comp_1", "comp_2", "comp_3"]},
                   "LIKE": {"items": ["like_1", "like_2", "like_3"]},
                   "CUSA": {"items": ["cusa"]},
                   "CUSL": {"items": ["cusl_1", "cusl_2", "cusl_3"]}},
    "paths": ["COMP -> CUSA", "LIKE -> CUSA", "COMP -> CUSL", "LIKE -> CUSL", "CUSA -> CUSL"]})


def _spec(model: dict) -> ModelSpec:
    return ModelSpec.from_dict({
        "name": "reference",
        "constructs": {name: {"items": body["items"], "mode": body["mode"]}
                       for name, body in model["constructs"].items()},
        "paths": [f"{a} -> {b}" for a, b in model["paths"]]})


@pytest.fixture(scope="module")
def corp_rep() -> pd.DataFrame:
    return load_dataset("corp_rep")


@pytest.fixture(scope="module")
def complete(corp_rep) -> pd.DataFrame:
    items = [i for c in SIMPLE.constructs.values() for i in c.items]
    return corp_rep[items].dropna().reset_index(drop=True)


@pytest.fixture(scope="module", params=CASES)
def case(request, corp_rep):
    reference = json.loads((REFERENCE / f"{request.param}.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # listwise deletion of 8 rows
        result = predict_pls(_spec(reference["model"]), corp_rep,
                             fold_ids=np.array(reference["fold_ids"]),
                             technique=reference["technique"], benchmark=reference["benchmark"],
                             missing="listwise", tol=1e-13, max_iter=1000,
                             consistent=reference["consistent"])
    return reference, result


def _columns(result, reference) -> list[int]:
    return [result.items.index(item) for item in reference["items"]]


def test_reference_rows_and_items(case):
    reference, result = case
    assert result.n == reference["n"]
    assert sorted(result.items) == sorted(reference["items"])
    np.testing.assert_array_equal(result.actual[:, _columns(result, reference)],
                                  np.array(reference["actual"]))


def test_pls_out_of_sample_predictions_match_seminr(case):
    reference, result = case
    np.testing.assert_allclose(result.pls[:, _columns(result, reference)],
                               np.array(reference["pls_out_of_sample"]), rtol=0, atol=TOL)


def test_lm_benchmark_predictions_match_seminr(case):
    reference, result = case
    np.testing.assert_allclose(result.lm[:, _columns(result, reference)],
                               np.array(reference["lm_out_of_sample"]), rtol=0, atol=TOL)


def test_rmse_and_mae_match_seminr(case):
    reference, result = case
    metrics = result.metrics.set_index("item")
    for key, column in (("pls_rmse", "rmse"), ("pls_mae", "mae"), ("lm_rmse", "lm_rmse"),
                        ("lm_mae", "lm_mae")):
        for item, value in reference["metrics"][key].items():
            assert metrics.loc[item, column] == pytest.approx(value, abs=TOL), (key, item)


# --- the plain loop -------------------------------------------------------------------

def _loop_predictions(spec: ModelSpec, data: pd.DataFrame, labels: np.ndarray, technique: str
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """PLS, LM (all exogenous indicators) and training-mean predictions, averaged over
    the rows of ``labels``, by one fit_pls per training fold."""
    endogenous = ["CUSA", "CUSL"]
    targets = [i for c in endogenous for i in spec.constructs[c].items]
    exogenous_items = [i for c in ("COMP", "LIKE") for i in spec.constructs[c].items]
    runs = []
    for row in labels:
        pls, lm, naive = (np.empty((len(data), len(targets))) for _ in range(3))
        for fold in np.unique(row):
            train, test = data[row != fold], data[row == fold]
            fit = fit_pls(spec, train, tol=1e-13, max_iter=1000)
            mean, sd = train.mean(), train.std(ddof=1)
            scores = ((test - mean) / sd)[list(fit.solution.layout.items)].to_numpy()
            scores = scores[:, fit.solution.layout.slot_item] @ fit.solution.weights
            names = list(fit.solution.layout.constructs)
            path = fit.paths.set_index(["from", "to"])["est"]
            score = {c: scores[:, names.index(c)] for c in names}
            predicted = dict(score)
            for c in ("CUSA", "CUSL"):   # in causal order
                source = score if technique == "direct" else predicted
                predicted[c] = sum(path[(a, b)] * source[a] for a, b in path.index if b == c)
            outer = fit.outer.set_index("item")["loading"]
            design = np.column_stack([np.ones(len(train)), train[exogenous_items]])
            beta = np.linalg.lstsq(design, train[targets].to_numpy(), rcond=None)[0]
            rows = np.flatnonzero(row == fold)
            lm[rows] = np.column_stack([np.ones(len(test)), test[exogenous_items]]) @ beta
            for j, item in enumerate(targets):
                construct = next(c for c in endogenous if item in spec.constructs[c].items)
                pls[rows, j] = predicted[construct] * outer[item] * sd[item] + mean[item]
                naive[rows, j] = mean[item]
        runs.append((pls, lm, naive))
    pls, lm, naive = (np.mean([r[k] for r in runs], axis=0) for k in range(3))
    return pls, lm, naive, targets


@pytest.fixture(scope="module", params=["direct", "earliest"])
def looped(request, complete):
    labels = fold_assignments(len(complete), 5, 2, seed=7)
    result = predict_pls(SIMPLE, complete, fold_ids=labels, technique=request.param,
                         tol=1e-13, max_iter=1000)
    return result, _loop_predictions(SIMPLE, complete, labels, request.param)


def test_repetition_averaged_predictions_match_a_plain_loop(looped):
    result, (pls, lm, naive, targets) = looped
    assert list(result.items) == targets
    np.testing.assert_allclose(result.pls, pls, rtol=0, atol=TOL)
    np.testing.assert_allclose(result.lm, lm, rtol=0, atol=TOL)
    np.testing.assert_allclose(result.naive, naive, rtol=0, atol=TOL)


def test_q2_predict_is_one_minus_sse_over_the_training_mean_sse(looped):
    result, (pls, lm, naive, _) = looped
    actual = result.actual
    expected = 1 - ((actual - pls) ** 2).sum(0) / ((actual - naive) ** 2).sum(0)
    np.testing.assert_allclose(result.metrics["q2_predict"], expected, rtol=0, atol=TOL)
    expected_lm = 1 - ((actual - lm) ** 2).sum(0) / ((actual - naive) ** 2).sum(0)
    np.testing.assert_allclose(result.metrics["lm_q2_predict"], expected_lm, rtol=0, atol=TOL)
    np.testing.assert_allclose(result.metrics["rmse"], np.sqrt(((actual - pls) ** 2).mean(0)),
                               rtol=0, atol=TOL)


@pytest.mark.parametrize("alternative", ["greater", "two-sided"])
def test_cvpat_is_scipys_paired_t_test_of_the_case_losses(looped, alternative):
    result, (pls, lm, naive, targets) = looped
    table = cvpat(result, alternative=alternative).set_index(["benchmark", "construct"])
    actual = result.actual
    groups = {"CUSA": [0], "CUSL": [1, 2, 3], "Overall": [0, 1, 2, 3]}
    for label, benchmark in (("IA", naive), ("LM", lm)):
        for construct, columns in groups.items():
            loss_pls = ((actual - pls)[:, columns] ** 2).mean(axis=1)
            loss_other = ((actual - benchmark)[:, columns] ** 2).mean(axis=1)
            test = stats.ttest_rel(loss_other, loss_pls,
                                   alternative="greater" if alternative == "greater"
                                   else "two-sided")
            row = table.loc[(label, construct)]
            assert row["pls_loss"] == pytest.approx(loss_pls.mean(), abs=TOL)
            assert row["benchmark_loss"] == pytest.approx(loss_other.mean(), abs=TOL)
            assert row["loss_diff"] == pytest.approx((loss_other - loss_pls).mean(), abs=TOL)
            assert row["t"] == pytest.approx(test.statistic, rel=1e-8)
            assert row["pvalue"] == pytest.approx(test.pvalue, rel=1e-6, abs=1e-300)
            assert row["df"] == len(actual) - 1


# --- seeds and folds ------------------------------------------------------------------

def test_same_seed_same_result_other_seed_other_folds(complete):
    first = predict_pls(SIMPLE, complete, folds=5, repetitions=3, seed=11)
    again = predict_pls(SIMPLE, complete, folds=5, repetitions=3, seed=11)
    other = predict_pls(SIMPLE, complete, folds=5, repetitions=3, seed=12)
    np.testing.assert_array_equal(first.fold_ids, again.fold_ids)
    np.testing.assert_array_equal(first.pls, again.pls)
    pd.testing.assert_frame_equal(first.metrics, again.metrics)
    assert not np.array_equal(first.fold_ids, other.fold_ids)
    assert first.seed == 11 and first.repetitions == 3 and first.folds == 5


def test_repetitions_do_not_depend_on_how_many_are_drawn():
    few, many = fold_assignments(101, 10, 3, seed=5), fold_assignments(101, 10, 8, seed=5)
    np.testing.assert_array_equal(few, many[:3])


def test_folds_are_balanced_and_cover_every_row():
    labels = fold_assignments(103, 10, 4, seed=1)
    for row in labels:
        sizes = np.bincount(row)
        assert sizes.size == 10 and sizes.max() - sizes.min() <= 1 and sizes.sum() == 103


def test_one_repetition_of_fixed_folds_equals_the_same_folds_twice(complete):
    labels = fold_assignments(len(complete), 4, 1, seed=3)
    once = predict_pls(SIMPLE, complete, fold_ids=labels[0])
    twice = predict_pls(SIMPLE, complete, fold_ids=np.vstack([labels, labels]))
    np.testing.assert_allclose(once.pls, twice.pls, rtol=0, atol=1e-12)
    assert once.seed is None and twice.repetitions == 2


# --- result object --------------------------------------------------------------------

def test_result_tables_and_summary_render(complete):
    result = predict_pls(SIMPLE, complete, folds=5, repetitions=2, seed=1)
    assert list(result.metrics.columns) == ["construct", "item", "rmse", "mae", "q2_predict",
                                            "lm_rmse", "lm_mae", "lm_q2_predict"]
    assert result.predictions.shape == (len(complete) * 4, 7)
    assert result.predictive_power() in {"none", "low", "medium", "high"}
    assert result.predictive_power("mae") in {"none", "low", "medium", "high"}
    assert set(result.cvpat["benchmark"]) == {"IA", "LM"}
    summary = result.summary()
    for text in (summary.as_text(), summary.as_markdown(), summary.as_html(),
                 summary.as_latex(), str(result), result._repr_html_()):
        assert "cusl" in text and "CVPAT" in text
    assert repr(result).startswith("PLSPredictResult(")


def test_predictive_power_rule():
    from loyaltysem.pls.predict import predictive_power

    q2 = np.array([0.3, 0.2, 0.1])
    assert predictive_power(np.array([1, 1, 1]), np.array([2, 2, 2]), q2) == "high"
    assert predictive_power(np.array([1, 1, 3]), np.array([2, 2, 2]), q2) == "medium"
    assert predictive_power(np.array([1, 3, 3]), np.array([2, 2, 2]), q2) == "low"
    assert predictive_power(np.array([3, 3, 3]), np.array([2, 2, 2]), q2) == "none"
    assert predictive_power(np.array([1, 1, 1]), np.array([2, 2, 2]), -q2) == "none"


def test_mean_replacement_keeps_every_row(corp_rep):
    result = predict_pls("corp_rep", corp_rep, missing="mean", folds=5, repetitions=1, seed=1)
    assert result.n == 344 and any("replaced" in note for note in result.notes)


# --- bad input ------------------------------------------------------------------------

def test_too_few_rows_for_the_folds(complete):
    with pytest.raises(DataError, match=r"10 folds needs at least 20 rows .* 15 are left: "
                                        r"use at most 7 folds"):
        predict_pls(SIMPLE, complete.iloc[:15], folds=10)


def test_a_fold_of_one_row(complete):
    labels = np.r_[0, np.ones(len(complete) - 1, dtype=int)]
    with pytest.raises(DataError, match="a fold of 1 row"):
        predict_pls(SIMPLE, complete, fold_ids=labels)


def test_fewer_training_rows_than_items(complete):
    labels = np.r_[np.zeros(6, dtype=int), np.ones(24, dtype=int)]
    with pytest.raises(DataError, match=r"trains on 6 rows, fewer than the 10 .* 10 items"):
        predict_pls(SIMPLE, complete.iloc[:30], fold_ids=labels)


def test_item_constant_in_a_training_set(complete):
    data = complete.copy()
    labels = fold_assignments(len(data), 5, 1, seed=2)[0]
    data.loc[labels != 0, "cusa"] = 4.0     # cusa varies only within fold 1
    with pytest.raises(DataError, match=r"item cusa is constant in the training rows of fold 1"):
        predict_pls(SIMPLE, data, fold_ids=labels)


@pytest.mark.parametrize("options, message", [
    ({"folds": 1}, "folds must be an integer >= 2"),
    ({"repetitions": 0}, "repetitions must be an integer in"),
    ({"seed": -1}, "seed must be"),
    ({"technique": "EA"}, "technique must be"),
    ({"benchmark": "all"}, "benchmark must be"),
    ({"fold_ids": [0, 1, 0]}, "fold_ids must be integer fold labels, one per row used"),
    ({"fold_ids": "abc"}, "fold_ids must be"),
])
def test_bad_options(complete, options, message):
    with pytest.raises(ArgumentError, match=message):
        predict_pls(SIMPLE, complete, **options)


def test_fold_labels_must_all_be_used(complete):
    labels = np.where(np.arange(len(complete)) % 2 == 0, 0, 2)
    with pytest.raises(ArgumentError, match="every label used"):
        predict_direct(SIMPLE, complete, fold_ids=labels)


def test_no_endogenous_constructs_is_refused():
    layout = PLSLayout(("A", "B"), ("A", "A"), ("a1", "b1"), np.array([0, 1]),
                       np.array([0, 1]), ())
    with pytest.raises(SpecificationError, match="has none"):
        prediction_plan(layout, "exogenous")


def test_cvpat_refuses_a_bad_alternative(complete):
    result = predict_pls(SIMPLE, complete, folds=5, repetitions=1, seed=1)
    with pytest.raises(ArgumentError, match="alternative must be"):
        cvpat(result, alternative="less")  # type: ignore[arg-type]


# --- CVPAT of two models --------------------------------------------------------------

def _extended(drop: tuple[str, ...] = ()) -> ModelSpec:
    blocks = {"QUAL": ("B", [f"qual_{i}" for i in range(1, 9)]),
              "PERF": ("B", [f"perf_{i}" for i in range(1, 6)]),
              "CSOR": ("B", [f"csor_{i}" for i in range(1, 6)]),
              "ATTR": ("B", [f"attr_{i}" for i in range(1, 4)])}
    constructs = {name: {"items": items, "mode": mode}
                  for name, (mode, items) in blocks.items() if name not in drop}
    constructs.update({name: {"items": list(c.items)} for name, c in SIMPLE.constructs.items()})
    paths = [f"{a} -> {b}" for b in ("COMP", "LIKE") for a in blocks if a not in drop]
    paths += [f"{a} -> {b}" for a, b in SIMPLE.structural_paths]
    return ModelSpec.from_dict({"name": "extended", "constructs": constructs, "paths": paths})


@pytest.fixture(scope="module")
def two_models(corp_rep):
    options = {"missing": "mean", "folds": 10, "repetitions": 2, "seed": 3}
    return (predict_pls(_extended(), corp_rep, **options),
            predict_pls(_extended(("ATTR",)), corp_rep, **options))


@pytest.mark.parametrize("alternative", ["greater", "two-sided"])
def test_cvpat_compare_is_scipys_paired_t_test(two_models, alternative):
    from loyaltysem.pls import cvpat_compare

    first, second = two_models
    table = cvpat_compare(first, second, alternative=alternative).set_index("construct")
    assert list(table.index) == ["COMP", "LIKE", "CUSA", "CUSL", "Overall"]
    order = [second.items.index(i) for i in first.items]
    error_one = (first.actual - first.pls) ** 2
    error_two = (second.actual[:, order] - second.pls[:, order]) ** 2
    for construct in table.index:
        columns = [j for j, c in enumerate(first.constructs) if construct in (c, "Overall")]
        one, two = error_one[:, columns].mean(axis=1), error_two[:, columns].mean(axis=1)
        test = stats.ttest_rel(two, one, alternative=alternative)
        row = table.loc[construct]
        assert row["first_loss"] == pytest.approx(one.mean(), abs=TOL)
        assert row["second_loss"] == pytest.approx(two.mean(), abs=TOL)
        assert row["t"] == pytest.approx(test.statistic, rel=1e-8)
        assert row["pvalue"] == pytest.approx(test.pvalue, rel=1e-6)


def test_cvpat_compare_refuses_different_indicators_or_folds(two_models, corp_rep):
    from loyaltysem.pls import cvpat_compare

    first, _ = two_models
    simple = predict_pls(SIMPLE, corp_rep, missing="mean", folds=10, repetitions=2, seed=3)
    with pytest.raises(ArgumentError, match="same endogenous constructs and indicators"):
        cvpat_compare(first, simple)
    other = predict_pls(_extended(("ATTR",)), corp_rep, missing="mean", folds=10,
                        repetitions=2, seed=4)
    with pytest.raises(ArgumentError, match="same rows and folds"):
        cvpat_compare(first, other)


def test_unconverged_training_fits_are_warned_about(complete):
    result = predict_pls(SIMPLE, complete, folds=5, repetitions=2, seed=1, max_iter=1)
    assert any("of 10 training fits did not converge in 1 iterations" in w
               for w in result.warnings)
    assert "did not converge" in result.summary().as_text()


def test_plsc_through_the_cli_is_the_function(tmp_path, corp_rep):
    """``pls --predict --consistent`` runs PLSpredict with PLSc training fits."""
    from click.testing import CliRunner

    from loyaltysem.cli import main

    out = tmp_path / "p.json"
    run = CliRunner().invoke(main, ["pls", "corp_rep", "--data", "corp_rep", "--missing", "mean",
                                    "--consistent", "--predict", "--folds", "5",
                                    "--repetitions", "1", "--seed", "3", "--format", "json",
                                    "--out", str(out)])
    assert run.exit_code == 0, run.output
    payload = json.loads(out.read_text())["predict"]
    direct = predict_pls("corp_rep", corp_rep, missing="mean", folds=5, repetitions=1, seed=3,
                         consistent=True)
    assert payload["method"] == "PLSc"
    rmse = {row["item"]: row["rmse"] for row in payload["metrics"]}
    assert rmse == pytest.approx(dict(zip(direct.metrics["item"], direct.metrics["rmse"])),
                                 rel=1e-12)
    plain = predict_pls("corp_rep", corp_rep, missing="mean", folds=5, repetitions=1, seed=3)
    assert not np.allclose(plain.pls, direct.pls)
