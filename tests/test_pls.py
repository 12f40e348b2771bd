"""PLS-SEM: published values, the spec's modes, outputs and bad input.

The agreement with seminr and plspm at 1e-6 and beyond is in
tests/test_pls_reference.py; here the published SmartPLS results of Hair et
al. (2017) and the behaviour around the estimates.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from loyaltysem import load_dataset
from loyaltysem.cli import main
from loyaltysem.exceptions import ArgumentError, DataError, SpecificationError
from loyaltysem.pls import fit_pls
from loyaltysem.spec import ModelSpec, load_spec

CORP_REP = load_dataset("corp_rep")
SIMPLE = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""

# Hair, Hult, Ringle & Sarstedt (2017), A Primer on PLS-SEM, 2nd ed., simple corporate
# reputation model estimated by SmartPLS (mean replacement), as quoted in
# datasets/corp_rep/dataset.yaml: published to three decimals.
PUBLISHED_PATHS = {("COMP", "CUSA"): 0.162, ("COMP", "CUSL"): 0.009, ("LIKE", "CUSA"): 0.424,
                   ("LIKE", "CUSL"): 0.342, ("CUSA", "CUSL"): 0.504}
PUBLISHED_R2 = {"CUSA": 0.295, "CUSL": 0.562}
ROUNDING = 5e-4 + 1e-9   # half a unit of the third decimal


def simple_fit(**options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # CB-SEM's single-item note
        spec = ModelSpec.from_lavaan(SIMPLE, name="simple")
    return fit_pls(spec, CORP_REP, **{"missing": "mean", **options})


def test_simple_model_matches_the_published_smartpls_results():
    result = simple_fit()
    paths = result.paths.set_index(["from", "to"])["est"]
    for key, value in PUBLISHED_PATHS.items():
        assert abs(paths[key] - value) <= ROUNDING, key
    for name, value in PUBLISHED_R2.items():
        assert abs(result.r2[name] - value) <= ROUNDING, name
    assert result.converged and result.warnings == ()


def test_yaml_and_lavaan_specs_give_the_same_fit():
    from_yaml = fit_pls("corp_rep", CORP_REP, missing="mean")
    from_lavaan = simple_fit()
    np.testing.assert_allclose(from_yaml.paths["est"], from_lavaan.paths["est"], rtol=0,
                               atol=1e-14)


def test_composites_read_from_both_formats():
    spec = ModelSpec.from_lavaan("Q <~ q1 + q2\nC =~ c1 + c2 + c3\nC ~ Q")
    assert spec.composites == {"Q"} and spec.constructs["Q"].mode == "B"
    assert "Q <~ q1 + q2" in spec.to_lavaan()
    extended = load_spec("corp_rep_extended")
    assert extended.composites == {"QUAL", "PERF", "CSOR", "ATTR"}
    assert ModelSpec.from_lavaan(extended.to_lavaan()).composites == extended.composites


def test_covariance_based_fit_refuses_composites_with_what_to_do():
    from loyaltysem import fit

    with pytest.raises(SpecificationError, match="composites .*loyaltysem pls"):
        fit("corp_rep_extended", CORP_REP, na_values=[-99])
    run = CliRunner().invoke(main, ["fit", "corp_rep_extended", "--data", "corp_rep"])
    assert run.exit_code == 2 and "PLS-SEM" in run.output


def test_listwise_is_the_default_and_is_stated():
    result = fit_pls("corp_rep", CORP_REP)
    complete = CORP_REP[list(result.solution.layout.items)].dropna()
    assert result.n == len(complete) < len(CORP_REP)
    assert result.missing == "listwise"
    assert "listwise" in result.summary().as_text()


def test_mean_replacement_equals_imputing_by_hand():
    items = list(simple_fit().solution.layout.items)
    imputed = CORP_REP.copy()
    imputed[items] = imputed[items].fillna(imputed[items].mean())
    by_hand = fit_pls("corp_rep", imputed)   # complete now: listwise keeps every row
    np.testing.assert_allclose(by_hand.paths["est"], simple_fit().paths["est"], atol=1e-14)
    assert any("replaced by the item means" in note for note in simple_fit().notes)


def test_scores_reproduce_weights_loadings_and_paths():
    """Independent check of the correlation-matrix algorithm: from the scores (rows)."""
    result = fit_pls("corp_rep_extended", CORP_REP, missing="mean")
    scores = result.scores
    assert np.allclose(scores.std(ddof=1), 1, atol=1e-12)
    data = CORP_REP[list(result.solution.layout.items)]
    data = data.fillna(data.mean())
    for row in result.outer.itertuples():
        r = np.corrcoef(data[row.item], scores[row.construct])[0, 1]
        assert abs(r - row.loading) < 1e-12
    for target in ("COMP", "CUSL"):
        preds = result.paths.loc[result.paths["to"] == target]
        x = scores[list(preds["from"])].to_numpy()
        beta = np.linalg.lstsq(x, scores[target].to_numpy(), rcond=None)[0]
        np.testing.assert_allclose(beta, preds["est"], atol=1e-12)


def test_effects_total_is_direct_plus_indirect_along_the_chain():
    result = simple_fit()
    p = result.paths.set_index(["from", "to"])["est"]
    effects = result.effects.set_index(["from", "to", "kind"])["est"]
    indirect = p[("LIKE", "CUSA")] * p[("CUSA", "CUSL")]
    assert effects[("LIKE", "CUSL", "indirect")] == pytest.approx(indirect, abs=1e-14)
    assert effects[("LIKE", "CUSL", "total")] == pytest.approx(
        indirect + p[("LIKE", "CUSL")], abs=1e-14)


def test_f2_from_the_model_estimated_again_without_the_path():
    """Hair et al. (2017, ch. 6): R² excluded from a second estimation without the path."""
    result = simple_fit()
    without = fit_pls(SIMPLE.replace("CUSL ~ COMP + LIKE + CUSA", "CUSL ~ LIKE + CUSA"),
                      CORP_REP, missing="mean")
    full, excluded = result.r2["CUSL"], without.r2["CUSL"]
    f2 = result.f2.set_index(["from", "to"])["value"]
    assert f2[("COMP", "CUSL")] == pytest.approx((full - excluded) / (1 - full), abs=1e-12)
    lone = fit_pls("A =~ comp_1 + comp_2\nB =~ like_1 + like_2\nB ~ A", CORP_REP,
                   missing="mean")
    assert lone.f2["value"].iloc[0] == pytest.approx(lone.r2["B"] / (1 - lone.r2["B"]))


@pytest.mark.parametrize("scheme", ["centroid", "factorial"])
def test_other_schemes_converge_close_to_path_weighting(scheme):
    other = simple_fit(scheme=scheme)
    assert other.converged and other.scheme == scheme
    # the schemes differ little (Hair et al. 2017, ch. 3), but they do differ
    difference = np.abs(other.paths["est"] - simple_fit().paths["est"]).max()
    assert 0 < difference < 0.02


def test_non_convergence_is_a_warning_shown_first():
    result = simple_fit(max_iter=1)
    assert not result.converged
    assert result.warnings[0].startswith("the PLS algorithm did not converge")
    assert result.summary().as_text().index("did not converge") < \
        result.summary().as_text().index("Outer weights")


def test_reverse_keyed_item_is_flagged():
    data = CORP_REP.copy()
    data["comp_2"] = 8 - data["comp_2"]
    result = fit_pls("corp_rep", data, missing="mean")
    assert any("comp_2" in w and "reverse-keyed" in w for w in result.warnings)


def test_collinear_composite_items_are_refused_by_name():
    data = CORP_REP.assign(qual_9=CORP_REP["qual_1"])
    spec = ModelSpec.from_lavaan("QUAL <~ qual_1 + qual_9 + qual_2\nCOMP =~ comp_1 + comp_2\n"
                                 "COMP ~ QUAL")
    with pytest.raises(DataError, match="composite 'QUAL'.*collinear"):
        fit_pls(spec, data, missing="mean")


def test_nearly_collinear_composite_items_get_a_vif_warning():
    rng = np.random.default_rng(1)
    data = CORP_REP.assign(qual_9=CORP_REP["qual_1"] + rng.normal(0, 0.3, len(CORP_REP)))
    spec = ModelSpec.from_lavaan("QUAL <~ qual_1 + qual_9 + qual_2\nCOMP =~ comp_1 + comp_2\n"
                                 "COMP ~ QUAL")
    result = fit_pls(spec, data, missing="mean")
    assert any("qual_9" in w and "VIF" in w for w in result.warnings)


def test_constant_item_is_refused_by_name():
    data = CORP_REP.assign(comp_3=4)
    with pytest.raises(DataError, match="comp_3"):
        fit_pls("corp_rep", data, missing="mean")


@pytest.mark.parametrize("text, fragment", [
    ("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A + x", "not a construct"),
    ("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A\nA ~ B", "feedback loop"),
    ("A =~ a1 + a2\nB =~ b1 + b2\nC =~ c1 + c2\nB ~ A", "no path"),
])
def test_models_pls_cannot_estimate_are_refused(text, fragment):
    with pytest.raises(SpecificationError, match=fragment):
        fit_pls(text, CORP_REP)


@pytest.mark.parametrize("option, value", [("scheme", "Path"), ("missing", "ml"),
                                           ("consistent", 1), ("tol", 0.0),
                                           ("max_iter", 0)])
def test_bad_options_are_refused_before_work(option, value):
    with pytest.raises(ArgumentError, match=option):
        fit_pls("corp_rep", CORP_REP, **{option: value})


def test_cli_json_keeps_the_contract():
    run = CliRunner().invoke(main, ["pls", "corp_rep_extended", "--data", "corp_rep",
                                    "--missing", "mean", "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.output)
    for key in ("method", "scheme", "n", "missing", "iterations", "converged", "warnings",
                "outer", "paths", "r2", "r2_adj", "constructs", "htmt", "htmt2", "f2",
                "effects"):
        assert key in payload
    assert list(payload)[:2] == ["converged", "warnings"]
    assert set(payload["outer"][0]) == {"construct", "item", "mode", "weight", "loading"}
    assert set(payload["constructs"][0]) == {"construct", "alpha", "cr", "rho_a", "ave"}
    assert set(payload["htmt"]) == {"rows", "cols", "values"}
    assert payload["r2"]["CUSL"] == pytest.approx(0.562, abs=ROUNDING)


@pytest.mark.parametrize("arguments, fragment", [
    (["pls", "corp_rep", "--data", "no_such_file.csv"], "neither"),
    (["pls", "no_such_model", "--data", "corp_rep"], "shipped models"),
    (["pls", "corp_rep", "--data", "corp_rep", "--scheme", "circle"], "circle"),
])
def test_cli_bad_input_exits_2_with_a_message(arguments, fragment):
    run = CliRunner().invoke(main, arguments)
    assert run.exit_code == 2 and fragment in run.output
    assert "Traceback" not in run.output


def test_consistent_pls_corrects_by_rho_a():
    pls, plsc = simple_fit(), simple_fit(consistent=True)
    rho = pls.constructs.set_index("construct")["rho_a"].fillna(1.0)
    r = pls.construct_correlations
    corrected = r.loc["COMP", "LIKE"] / np.sqrt(rho["COMP"] * rho["LIKE"])
    assert plsc.construct_correlations.loc["COMP", "LIKE"] == pytest.approx(corrected, abs=1e-14)
    assert plsc.method == "PLSc"
    # consistent loadings: sqrt(rho_A) w / (w'w) (Dijkstra & Henseler 2015, eq. 12)
    comp = pls.outer[pls.outer["construct"] == "COMP"]
    w = comp["weight"].to_numpy()
    expected = np.sqrt(rho["COMP"]) * w / (w @ w)
    got = plsc.outer[plsc.outer["construct"] == "COMP"]["loading"].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-14)


def test_cli_bootstrap_adds_inference_to_paths_and_effects():
    run = CliRunner().invoke(main, ["pls", "corp_rep", "--data", "corp_rep", "--missing",
                                    "mean", "--bootstrap", "200", "--seed", "4", "--ci", "bca",
                                    "--no-progress", "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.output)
    for row in payload["paths"] + payload["effects"]:
        assert {"se", "t", "pvalue", "ci_lower", "ci_upper"} <= set(row)
    assert payload["bootstrap"] == {"n_boot": 200, "n_failed": 0, "seed": 4,
                                    "sign_change": "none", "ci": "bca", "level": 0.95}


def test_cli_predict_and_ipma_join_the_output():
    run = CliRunner().invoke(main, ["pls", "corp_rep", "--data", "corp_rep", "--missing",
                                    "mean", "--predict", "--repetitions", "2", "--seed", "3",
                                    "--ipma", "CUSL", "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.output)
    assert {"metrics", "cvpat", "predictive_power"} <= set(payload["predict"])
    assert payload["predict"]["seed"] == 3 and payload["predict"]["repetitions"] == 2
    assert payload["ipma"]["target"] == "CUSL"
    text = CliRunner().invoke(main, ["pls", "corp_rep", "--data", "corp_rep", "--missing",
                                     "mean", "--predict", "--repetitions", "1", "--ipma",
                                     "CUSL"]).output
    assert text.count("\nWarnings\n") == 1 and "PLSpredict: CVPAT" in text
    bad = CliRunner().invoke(main, ["pls", "corp_rep", "--data", "corp_rep", "--predict",
                                    "--folds", "400"])
    assert bad.exit_code == 2 and "at most" in bad.output


def test_scores_keep_the_row_labels_of_the_data():
    data = CORP_REP.set_axis(CORP_REP.index + 1000)
    result = fit_pls("corp_rep", data)      # listwise: 8 incomplete rows dropped
    complete = data[list(result.solution.layout.items)].dropna()
    assert list(result.scores.index) == list(complete.index)


def test_cli_group_runs_micom_and_mga():
    run = CliRunner().invoke(main, ["pls", "corp_rep", "--data", "corp_rep", "--missing",
                                    "mean", "--group", "servicetype", "--permutations", "50",
                                    "--seed", "2", "--no-progress", "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.output)
    assert "micom" in payload and "mga" in payload
    henseler = CliRunner().invoke(main, ["pls", "corp_rep", "--data", "corp_rep", "--missing",
                                         "mean", "--group", "servicetype", "--mga", "henseler",
                                         "--bootstrap", "50", "--permutations", "20",
                                         "--no-progress"])
    assert henseler.exit_code == 0, henseler.output
    assert "MGA: Paths" in henseler.output
    bad = CliRunner().invoke(main, ["pls", "corp_rep", "--data", "corp_rep", "--group", "nope"])
    assert bad.exit_code == 2 and "nope" in bad.output


def test_extended_model_matches_smartpls_published_display():
    """SmartPLS 4's displayed estimates of the extended corporate-reputation model
    (tests/reference/smartpls/corp_rep_extended.json; three decimals) within rounding."""
    from pathlib import Path

    published = json.loads((Path(__file__).parent / "reference" / "smartpls"
                            / "corp_rep_extended.json").read_text())
    result = fit_pls("models/corp_rep_extended.yaml", CORP_REP, missing="mean",
                     na_values=[-99])
    paths = {(a.lower(), b.lower()): v
             for a, b, v in result.paths[["from", "to", "est"]].itertuples(index=False)}
    outer = {(c.lower(), i): (w, l) for c, i, w, l in
             result.outer[["construct", "item", "weight", "loading"]].itertuples(index=False)}
    r2 = {k.lower(): v for k, v in result.r2.items()}
    for key, value in published["values"].items():
        kind, *rest = key.split(":")
        if kind == "path":
            estimate = paths[tuple(rest[0].split("->"))]
        elif kind == "r2":
            estimate = r2[rest[0]]
        else:
            estimate = outer[(rest[0], rest[1])][0 if kind == "weight" else 1]
        assert abs(estimate - value) <= ROUNDING, key
