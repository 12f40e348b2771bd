"""PLS model fit: SRMR, d_ULS and d_G (cSEM's values) and the bootstrap test of exact fit."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from loyaltysem.cli import main
from loyaltysem.estimate.bollen_stine import bollen_stine_transform
from loyaltysem.exceptions import ArgumentError, SpecificationError
from loyaltysem.pls import exact_fit_test, fit_pls
from loyaltysem.pls.model_fit import distances, implied_correlations
from loyaltysem.spec import ModelSpec

REFERENCE = Path(__file__).parent / "reference"
CSEM = json.loads((REFERENCE / "pls_fit" / "csem_satisfaction.json").read_text())
SATISFACTION = pd.read_csv(REFERENCE / "data" / "satisfaction.csv")
MEASUREMENT = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
"""
FULL = MEASUREMENT + "CUSA ~ COMP + LIKE\nCUSL ~ COMP + LIKE + CUSA\n"
CHAIN = MEASUREMENT + "CUSA ~ COMP + LIKE\nCUSL ~ CUSA\n"
#: the same models with composites (Mode B), whose PLS estimates are consistent (the
#: Mode A PLSc population of corp_rep has a loading of .957, so that samples of it are
#: often Heywood cases, which the test leaves out)
COMPOSITE_FULL = FULL.replace("=~", "<~")
COMPOSITE_CHAIN = CHAIN.replace("=~", "<~")


def _spec(text: str) -> ModelSpec:
    with warnings.catch_warnings():  # the single-item construct's CB-SEM identification note
        warnings.simplefilter("ignore")
        return ModelSpec.from_lavaan(text)


@pytest.fixture(scope="module")
def satisfaction_fit():
    return fit_pls(_spec(CSEM["model"]), SATISFACTION, tol=CSEM["tol"],
                   max_iter=CSEM["max_iter"])


def _implied(result):
    s = result.solution
    return implied_correlations(s.item_correlations[None], s.loadings[None],
                                s.correlations[None], s.paths[None], s.layout)[0]


def test_the_fit_is_csems(satisfaction_fit):
    """Same data, model and estimates as the cSEM run (R² observed ≤ 1.4e-14 relative)."""
    r2 = satisfaction_fit.r2
    for name, value in CSEM["r2"].items():
        assert r2[name] == pytest.approx(value, rel=2e-13, abs=0)
    ave = satisfaction_fit.constructs.set_index("construct")["ave"]
    for name, value in CSEM["ave"].items():
        assert ave[name] == pytest.approx(value, rel=1e-13, abs=0)


def test_srmr_and_d_uls_are_csems(satisfaction_fit):
    """cSEM 0.6.1's SRMR and d_ULS of the saturated and the estimated model of a mixed Mode
    A/B model with an unsaturated structure (observed ≤ 1.3e-14 relative)."""
    table = satisfaction_fit.model_fit.set_index("measure")
    for measure in ("srmr", "d_uls"):
        for model in ("saturated", "estimated"):
            assert table.loc[measure, model] == pytest.approx(CSEM[measure][model],
                                                              rel=2e-13, abs=0)


def test_d_g_is_half_the_sum_of_squared_log_eigenvalues(satisfaction_fit):
    """d_G (Dijkstra & Henseler 2015) from the eigenvalues of S^-1 Sigma, computed here by
    a general (non-symmetric) eigen solver (observed ≤ 1.2e-15 relative)."""
    s = satisfaction_fit.solution.item_correlations
    table = satisfaction_fit.model_fit.set_index("measure")
    for m, model in enumerate(("saturated", "estimated")):
        phi = np.linalg.eigvals(np.linalg.solve(s, _implied(satisfaction_fit)[m])).real
        assert table.loc["d_g", model] == pytest.approx(0.5 * np.sum(np.log(phi) ** 2),
                                                        rel=2e-14)


@pytest.mark.parametrize("model", [FULL, CHAIN])
def test_plsc_fits_its_own_implied_matrix_exactly(model):
    """PLSc is consistent: refitted to data whose correlations are its implied matrix, it
    gives that matrix back, so every distance vanishes (observed ≤ 1e-15). A wrong
    reduced form, disturbance variance or loading term would not."""
    fit = fit_pls(_spec(model), "corp_rep", consistent=True, missing="mean", tol=1e-12)
    implied = _implied(fit)
    for m, column in enumerate(("saturated", "estimated")):
        values = bollen_stine_transform(fit.solution.values, implied[m])
        assert np.abs(np.corrcoef(values.T) - implied[m]).max() < 1e-13
        frame = pd.DataFrame(values, columns=list(fit.solution.layout.items))
        again = fit_pls(_spec(model), frame, consistent=True, tol=1e-12)
        assert np.all(again.model_fit[column].to_numpy() < 1e-12)


def test_estimated_equals_saturated_when_the_structure_is_saturated():
    fit = fit_pls(_spec(FULL), "corp_rep", missing="mean")
    table = fit.model_fit
    np.testing.assert_allclose(table["estimated"], table["saturated"], rtol=1e-12)
    chain = fit_pls(_spec(CHAIN), "corp_rep", missing="mean").model_fit
    assert (chain["estimated"] > chain["saturated"]).all()
    assert chain.loc[0, "estimated"] > 1.5 * chain.loc[0, "saturated"]  # SRMR .112 vs .074


def _population(model: str) -> tuple[np.ndarray, list[str]]:
    """The correlations PLS of the composite ``model`` implies on corp_rep, its items."""
    population = fit_pls(_spec(model), "corp_rep", missing="mean")
    return _implied(population)[1], list(population.solution.layout.items)


def test_the_test_rejects_an_omitted_path_and_only_in_the_estimated_model():
    """344 rows from the full composite model (LIKE -> CUSL .34), fitted without
    LIKE -> CUSL and COMP -> CUSL: the estimated model is rejected (p = 0 of 500, above
    HI99), the saturated one, whose measurement model is right, is not (p = .37-.38);
    the full model is not rejected (p = .23-.26)."""
    sigma, items = _population(COMPOSITE_FULL)
    rows = np.random.default_rng(20261203).multivariate_normal(np.zeros(len(items)), sigma, 344)
    data = pd.DataFrame(rows, columns=items)
    table = exact_fit_test(fit_pls(_spec(COMPOSITE_CHAIN), data), 500, seed=3).table.set_index(
        ["model", "measure"])
    assert (table.loc["estimated", "pvalue"] < 0.01).all()
    assert (table.loc["estimated", "value"] > table.loc["estimated", "hi99"]).all()
    assert (table.loc["saturated", "pvalue"] > 0.2).all()
    right = exact_fit_test(fit_pls(_spec(COMPOSITE_FULL), data), 500, seed=3)
    assert (right.table["pvalue"] > 0.1).all()
    assert right.n_failed == {"saturated": 0, "estimated": 0}


def test_the_test_holds_its_size_under_exact_fit():
    """40 samples from the composite chain model's own population, 100 resamples each: at
    the 5 % level each distance rejects in at most 6 of 40 (P = .004 for a true size of
    .05; observed 0-3 of 40)."""
    rejected = np.zeros(6)
    sigma, items = _population(COMPOSITE_CHAIN)
    rng = np.random.default_rng(11)
    for r in range(40):
        frame = pd.DataFrame(rng.multivariate_normal(np.zeros(len(items)), sigma, 300),
                             columns=items)
        test = exact_fit_test(fit_pls(_spec(COMPOSITE_CHAIN), frame), 100, seed=r)
        rejected += test.table["pvalue"].to_numpy() < 0.05
        assert sum(test.n_failed.values()) == 0
    assert rejected.max() <= 6


def test_seeded_draws_do_not_depend_on_threads_and_p_is_the_share_above(satisfaction_fit):
    one = exact_fit_test(satisfaction_fit, 250, seed=5)
    two = exact_fit_test(satisfaction_fit, 250, seed=5, n_jobs=2)
    pd.testing.assert_frame_equal(one.draws, two.draws)
    pd.testing.assert_frame_equal(one.table, two.table)
    other = exact_fit_test(satisfaction_fit, 250, seed=6)
    assert not one.draws.equals(other.draws)
    draws = one.draws[("estimated", "d_g")].to_numpy()
    row = one.table.set_index(["model", "measure"]).loc[("estimated", "d_g")]
    assert row["hi95"] == pytest.approx(np.sort(draws)[int(0.95 * 249)] * 0.45
                                        + np.sort(draws)[int(0.95 * 249) + 1] * 0.55, rel=1e-12)
    assert row["pvalue"] == np.mean(draws >= row["value"])


def test_outputs_carry_the_fit_and_the_test(satisfaction_fit):
    test = exact_fit_test(satisfaction_fit, 50, seed=1)
    result = satisfaction_fit.with_exact_fit(test)
    text = result.summary().as_text()
    assert "Model fit" in text and "hi95" in text
    payload = result.to_dict()
    assert [row["measure"] for row in payload["model_fit"]] == ["srmr", "d_uls", "d_g"]
    assert payload["exact_fit"]["n_boot"] == 50 and len(payload["exact_fit"]["rows"]) == 6
    assert payload["model_fit_unavailable"] is None
    assert "Bootstrap test of exact fit" in test.summary().as_text()


def test_cli_exact_fit(tmp_path):
    out = tmp_path / "fit.json"
    result = CliRunner().invoke(main, ["pls", "models/corp_rep.yaml", "--data", "corp_rep",
                                       "--missing", "mean", "--exact-fit", "40", "--seed", "1",
                                       "--no-progress", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["exact_fit"]["seed"] == 1
    assert {row["model"] for row in payload["exact_fit"]["rows"]} == {"saturated", "estimated"}
    bad = CliRunner().invoke(main, ["pls", "models/corp_rep.yaml", "--data", "corp_rep",
                                    "--exact-fit", "1"])
    assert bad.exit_code == 2 and "--exact-fit" in bad.output and "at least 2" in bad.output


def test_interactions_and_higher_order_have_no_implied_matrix():
    moderated = fit_pls(_spec(FULL + "CUSL ~ CUSA:LIKE\n"), "corp_rep", missing="mean")
    assert "linear models" in moderated.fit_unavailable
    assert moderated.model_fit[["saturated", "estimated"]].isna().all().all()
    assert "linear models" in moderated.summary().as_text()
    with pytest.raises(SpecificationError, match="linear models"):
        exact_fit_test(moderated, 10)
    higher = fit_pls(_spec(MEASUREMENT + "REP =~ COMP + LIKE\nCUSA ~ REP\nCUSL ~ CUSA\n"),
                     "corp_rep", missing="mean")
    assert "higher-order" in higher.fit_unavailable
    shared = fit_pls(_spec(FULL.replace("LIKE =~ like_1", "LIKE =~ comp_1 + like_1")),
                     "corp_rep", missing="mean")
    assert "comp_1 measure(s) two constructs" in shared.fit_unavailable
    with pytest.raises(ArgumentError, match="n_boot"):
        exact_fit_test(fit_pls(_spec(FULL), "corp_rep", missing="mean"), 0)
    with pytest.raises(ArgumentError, match="PLSResult"):
        exact_fit_test("fit", 10)  # type: ignore[arg-type]


def test_a_resample_of_the_test_is_a_refit_of_transformed_rows(satisfaction_fit):
    """Resample 0 by hand: the rows of generator 0 spawned from the seed, of each model's
    data transformed to its own implied matrix, refitted; its distance from that model."""
    from loyaltysem.effects.bootstrap import resample_rows

    test = exact_fit_test(satisfaction_fit, 5, seed=8)
    solution = satisfaction_fit.solution
    rows = resample_rows(np.random.SeedSequence(8).spawn(5)[:1], solution.values.shape[0])[0]
    for m, model in enumerate(("saturated", "estimated")):
        values = bollen_stine_transform(solution.values, _implied(satisfaction_fit)[m])
        frame = pd.DataFrame(values[rows], columns=list(solution.layout.items))
        refit = fit_pls(_spec(CSEM["model"]), frame, tol=CSEM["tol"], max_iter=CSEM["max_iter"])
        expected = refit.model_fit.set_index("measure")[model]
        for measure in ("srmr", "d_uls", "d_g"):
            assert test.draws.iloc[0][(model, measure)] == pytest.approx(expected[measure],
                                                                         rel=1e-9)


def test_inadmissible_resamples_are_left_out_of_every_measure():
    """PLSc of ECSI on mobi: resamples with loadings or correlations beyond 1 (cSEM's
    verify()) are dropped from all three distances of their model and counted."""
    test = exact_fit_test(fit_pls("models/ecsi.yaml", "mobi", consistent=True), 200, seed=1)
    draws = test.draws["estimated"]
    assert test.n_failed["estimated"] > 0
    assert (draws.isna().sum() == test.n_failed["estimated"]).all()
    assert draws["srmr"].max() < 0.5       # inadmissible draws reached SRMR 229
    assert any("inadmissible" in w for w in test.warnings)


def test_a_fit_with_no_admissible_resample_says_so():
    fit = fit_pls(_spec(FULL), "corp_rep", missing="mean", max_iter=2)
    test = exact_fit_test(fit, 10, seed=1)
    assert test.n_failed == {"saturated": 10, "estimated": 10}
    assert test.table[["hi95", "hi99", "pvalue"]].isna().all().all()
    assert sum("no admissible resample" in w for w in test.warnings) == 2


def test_singular_resamples_and_nan_loadings_do_not_crash():
    """30 rows for 24 items: resampled correlation matrices are singular (left out); a PLSc
    block with rho_A < 0 still prints; a matrix that is not finite gets NaN distances."""
    mobi = pd.read_csv(Path(__file__).parents[1] / "datasets" / "mobi" / "mobi.csv").iloc[:30]
    test = exact_fit_test(fit_pls("models/ecsi.yaml", mobi), 20, seed=1)
    assert test.n_failed == {"saturated": 20, "estimated": 20}   # S* singular: no d_G
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=20), rng.normal(size=20)
    frame = pd.DataFrame({"a1": a, "a2": 0.2 * a + rng.normal(size=20),
                          "a3": -0.3 * a + rng.normal(size=20), "b1": b,
                          "b2": b + rng.normal(size=20)})
    odd = fit_pls(_spec("A =~ a1 + a2 + a3\nB =~ b1 + b2\nB ~ A\n"), frame, consistent=True)
    assert "rho_A = -0.225" in odd.warnings[0]
    assert "Model fit" in odd.summary().as_text()
    json.dumps(odd.to_dict())
    s = odd.solution.item_correlations
    broken = np.stack([s, np.full_like(s, np.nan)])
    values = distances(np.stack([s, s]), broken)
    assert np.all(np.abs(values[0]) < 1e-14) and np.isnan(values[1]).all()


def test_numpy_arguments_and_a_foreign_test(satisfaction_fit):
    test = exact_fit_test(satisfaction_fit, np.int64(3), seed=np.uint32(4))
    json.dumps(satisfaction_fit.with_exact_fit(test).to_dict())
    other = fit_pls(_spec(FULL), "corp_rep", missing="mean")
    with pytest.raises(ArgumentError, match="another fit"):
        other.with_exact_fit(test)
    with pytest.raises(ArgumentError, match="ExactFitTest"):
        other.with_exact_fit("test")


def test_plain_pls_of_common_factors_carries_the_note():
    test = exact_fit_test(fit_pls(_spec(FULL), "corp_rep", missing="mean"), 10, seed=1)
    assert any("consistent=True" in note for note in test.notes)
    plsc = exact_fit_test(fit_pls(_spec(FULL), "corp_rep", missing="mean", consistent=True),
                          10, seed=1)
    assert plsc.notes == ()


def test_a_plsc_loading_above_one_is_reported():
    """A PLSc Heywood case (a consistent loading of 1.009 on a sample of the corp_rep PLSc
    population, whose comp_1 loads .957) is among the fit's warnings."""
    population = fit_pls(_spec(FULL), "corp_rep", consistent=True, missing="mean")
    sigma = _implied(population)[1]
    items = list(population.solution.layout.items)
    rows = np.random.default_rng(5).multivariate_normal(np.zeros(len(items)), sigma, 344)
    fit = fit_pls(_spec(CHAIN), pd.DataFrame(rows, columns=items), consistent=True)
    assert any("consistent loading of comp_1 is 1.009, above 1" in w for w in fit.warnings)
