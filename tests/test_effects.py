"""Effects, intervals and hypothesis tests against lavaan / semTools.

References: tests/reference/effects/<model>.json (make_effects_reference.R):
lavaan := rows (delta method), standardizedSolution, MLR, semTools
monteCarloCI (nRep = 1e5) and lavaan's percentile bootstrap (2000 draws).
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.effects import bootstrap, effects_table, monte_carlo_intervals
from loyaltysem.effects import test_hypotheses as run_hypotheses
from loyaltysem.effects.bootstrap import with_bootstrap_inference
from loyaltysem.effects.hypotheses import verdict
from loyaltysem.effects.intervals import bca_interval, percentile_interval

from lavaan_reference import ROOT

#: lavaan := name in the reference -> loyaltysem effect label
CHAIN_LABELS = {
    "ind_SAT_TRU_VAL_LOY": "SAT -> TRU -> VAL -> LOY", "ind_SAT_TRU_LOY": "SAT -> TRU -> LOY",
    "ind_SAT_VAL_LOY": "SAT -> VAL -> LOY", "ind_TRU_VAL_LOY": "TRU -> VAL -> LOY",
    "ind_SAT_TRU_VAL": "SAT -> TRU -> VAL", "total_ind_SAT_LOY": "total indirect SAT -> LOY",
    "total_SAT_LOY": "total SAT -> LOY", "total_SAT_VAL": "total SAT -> VAL",
    "total_TRU_LOY": "total TRU -> LOY", "total_ind_SAT_VAL": "total indirect SAT -> VAL",
}


def effects_reference(name):
    return json.loads((ROOT / "tests/reference/effects" / f"{name}.json").read_text())


def _rows(ref, block, op=":="):
    return {row["lhs"]: row for row in ref[block] if row["op"] == op}


@pytest.fixture(scope="module")
def chain():
    return ls.fit(ROOT / "models/loyalty_chain.yaml", "loyalty_chain")


@pytest.fixture(scope="module")
def corp_rep():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(ROOT / "models/corp_rep.yaml", "corp_rep")


def test_effects_are_lavaans_defined_parameters(chain):
    """Every effect derived without := equals lavaan's := (est rel 1e-3, delta SE rel 1e-3)."""
    table = effects_table(chain).set_index("effect")
    ref = _rows(effects_reference("loyalty_chain"), "estimates")
    std = _rows(effects_reference("loyalty_chain"), "standardized")
    for name, label in CHAIN_LABELS.items():
        assert table.at[label, "est"] == pytest.approx(ref[name]["est"], rel=1e-3)
        assert table.at[label, "se"] == pytest.approx(ref[name]["se"], rel=1e-3)
        # standardized effects: lavaan's standardizedSolution() of the := rows
        assert table.at[label, "std_all"] == pytest.approx(std[name]["est.std"], rel=1e-3)
        assert table.at[label, "std_se"] == pytest.approx(std[name]["se"], rel=1e-2)


def test_direct_effects_are_the_paths(chain):
    table = effects_table(chain).set_index("effect")
    paths = chain.paths.set_index(["rhs", "lhs"])
    assert table.at["SAT -> TRU", "est"] == pytest.approx(paths.at[("SAT", "TRU"), "est"])
    assert table.at["SAT -> TRU", "se"] == pytest.approx(paths.at[("SAT", "TRU"), "se"])


def test_defined_effects_with_mlr_sandwich_se(corp_rep):
    mlr = ls.fit(corp_rep.spec, corp_rep.data, estimator="MLR")
    ref = _rows(effects_reference("corp_rep")["mlr"], "estimates")
    for row in mlr.defined.itertuples(index=False):
        assert row.est == pytest.approx(ref[row.lhs]["est"], rel=1e-3)
        assert row.se == pytest.approx(ref[row.lhs]["se"], rel=1e-3)


@pytest.mark.parametrize("model", ["loyalty_chain", "corp_rep"])
def test_monte_carlo_intervals_match_semtools(model, chain, corp_rep):
    """Within Monte Carlo error: both use 1e5 draws; the SE of a 2.5% quantile is
    about 0.0085 SD per run, so two independent runs differ by less than
    4 * sqrt(2) * 0.0085 SD = 0.05 SD (SD of the Monte Carlo distribution)."""
    result = chain if model == "loyalty_chain" else corp_rep
    ref = effects_reference(model)["monte_carlo"]
    ours = monte_carlo_intervals(result, n_draws=100_000, seed=11)
    for row in ref["results"]:
        key = f"{row['name']} :=" if f"{row['name']} :=" in ours.index else \
            f"effect: {CHAIN_LABELS[row['name']]}"
        sd = ours.at[key, "sd"]
        assert ours.at[key, "lower"] == pytest.approx(row["ci.lower"], abs=0.05 * sd)
        assert ours.at[key, "upper"] == pytest.approx(row["ci.upper"], abs=0.05 * sd)


def test_bootstrap_percentile_matches_lavaan_within_monte_carlo_error(corp_rep):
    """lavaan: se = "bootstrap", 2000 draws; here 1000 draws with another seed.

    The Monte Carlo SE of a 2.5%/97.5% bootstrap quantile is about
    0.0085 * sqrt(1e5 / B) bootstrap SDs: 0.085 SD for B = 1000 and 0.060 SD
    for B = 2000, 0.104 SD for their difference; we accept 4 of those,
    0.42 bootstrap SD. Bootstrap SEs must agree within 10% (their own Monte
    Carlo error is about 2-3%)."""
    boot = bootstrap(corp_rep, 1000, seed=5, progress=False)
    assert boot.n_converged == 1000
    intervals = boot.interval("percentile")
    ref = effects_reference("corp_rep")["bootstrap"]
    for row in ref["estimates"]:
        key = f"{row['lhs']} :=" if row["op"] == ":=" else f"{row['lhs']} {row['op']} {row['rhs']}"
        sd = row["se"]
        assert boot.se[key] == pytest.approx(sd, rel=0.10)
        assert intervals.at[key, "lower"] == pytest.approx(row["ci.lower"], abs=0.42 * sd)
        assert intervals.at[key, "upper"] == pytest.approx(row["ci.upper"], abs=0.42 * sd)


def test_same_seed_same_draws_with_one_and_two_workers(corp_rep):
    one = bootstrap(corp_rep, 60, seed=123, n_jobs=1, progress=False)
    two = bootstrap(corp_rep, 60, seed=123, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(one.draws, two.draws)
    pd.testing.assert_frame_equal(one.interval(), two.interval())
    other = bootstrap(corp_rep, 60, seed=124, progress=False)
    assert not one.draws.equals(other.draws)


def test_non_converged_resamples_are_counted_and_dropped():
    ecsi = ls.fit(ROOT / "models/ecsi.yaml", "mobi", emit_warnings=False)
    boot = bootstrap(ecsi, 30, seed=2, progress=False)
    assert boot.n_converged + len(boot.failed) == 30
    assert len(boot.failed) > 0                       # ECSI is ill-conditioned (lavaan: 74%)
    assert len(boot.draws) == boot.n_converged
    assert boot.n_inadmissible <= boot.n_converged
    assert "did not converge (dropped)" in boot.summary_line()


def test_bootstrap_inference_replaces_se_and_intervals(corp_rep):
    boot = bootstrap(corp_rep, 100, seed=1, progress=False)
    result = with_bootstrap_inference(corp_rep, boot)
    row = result.paths.iloc[0]
    key = f"{row['lhs']} ~ {row['rhs']}"
    assert row["se"] == pytest.approx(boot.se[key])
    assert row["ci_lower"] == pytest.approx(boot.interval().at[key, "lower"])
    assert result.se_type == "bootstrap (percentile)"
    assert (result.loadings.query("se == 0")["ci_lower"] == 1).all()  # fixed markers stay fixed


def test_bca_reduces_to_percentile_without_bias_and_skew():
    draws = np.linspace(-2, 2, 2001)[:, None]
    jackknife = np.linspace(-1, 1, 101)[:, None]          # symmetric: acceleration 0
    lower, upper = bca_interval(draws, np.array([0.0]), jackknife)
    p_lower, p_upper = percentile_interval(draws)
    assert lower[0] == pytest.approx(p_lower[0], abs=1e-9)
    assert upper[0] == pytest.approx(p_upper[0], abs=1e-9)


def test_bca_shifts_with_bias():
    rng = np.random.default_rng(0)
    draws = rng.normal(1.0, 1.0, size=(20000, 1))      # the estimate (0) sits low in the draws
    jackknife = np.linspace(-1, 1, 101)[:, None]
    lower, upper = bca_interval(draws, np.array([0.0]), jackknife)
    p_lower, p_upper = percentile_interval(draws)
    assert lower[0] < p_lower[0] and upper[0] < p_upper[0]


@pytest.mark.parametrize("lower, upper, sign, expected", [
    (0.1, 0.3, "+", "supported"), (-0.3, -0.1, "+", "opposite sign"),
    (-0.1, 0.3, "+", "not supported"), (-0.3, -0.1, "-", "supported"),
    (np.nan, 0.2, "+", "not tested"),
])
def test_verdict_rule(lower, upper, sign, expected):
    assert verdict(lower, upper, sign) == expected


def test_hypothesis_table_on_the_chain(chain):
    table = run_hypotheses(chain).table.set_index("id")
    assert list(table.index) == ["H1", "H2", "H3", "H4"]
    assert (table["verdict"] == "supported").all()
    ref = _rows(effects_reference("loyalty_chain"), "estimates")
    assert table.at["H4", "est"] == pytest.approx(ref["ind_SAT_TRU_VAL_LOY"]["est"], rel=1e-3)
    assert table.at["H4", "se"] == pytest.approx(ref["ind_SAT_TRU_VAL_LOY"]["se"], rel=1e-3)
    monte_carlo = run_hypotheses(chain, interval="montecarlo", seed=1).table.set_index("id")
    assert monte_carlo.at["H4", "ci_upper"] > table.at["H4", "ci_upper"]  # skewed product


def test_opposite_sign_and_effect_hypotheses():
    acsi = ls.fit(ROOT / "models/acsi.yaml", "mobi", emit_warnings=False)
    table = run_hypotheses(acsi).table.set_index("id")
    assert table.at["H3", "verdict"] == "opposite sign"   # ACSI -> CC expected negative
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = ls.ModelSpec.from_lavaan(
            "# @hypothesis H9: ind (+)\n" + (ROOT / "models/corp_rep.lav").read_text()
            .replace("COMP_CUSL_ind", "ind"))
        result = ls.fit(spec, "corp_rep")
    row = run_hypotheses(result).table.iloc[0]
    assert row["kind"] == "effect" and row["verdict"] == "not supported"


def test_interval_method_needs_bootstrap(chain):
    with pytest.raises(ValueError, match="needs a bootstrap"):
        run_hypotheses(chain, interval="bca")


def test_precompiled_statistics_equal_the_reference_functions(chain):
    """The bootstrap's numpy StatisticsPlan == the pandas functions (to 1e-12)."""
    from loyaltysem.effects.bootstrap import _Refitter
    from loyaltysem.effects.paths import effect_values, enumerate_effects, regression_coefficients
    from loyaltysem.estimate.solution import parameter_values, standardized_values

    table = chain.spec.parameter_table
    effects = enumerate_effects(chain.spec.structural_paths)
    refitter = _Refitter(table, chain.data, chain.theta, list(chain.spec.roles.latent), effects)
    theta = chain.theta * 1.01
    cov = refitter.model.sample_cov
    values = parameter_values(table, theta, cov, refitter.model.observed)
    _, std_all = standardized_values(table, theta, refitter.model, list(chain.spec.roles.latent))
    expected = np.concatenate([
        values, effect_values(effects, regression_coefficients(table, values)),
        effect_values(effects, regression_coefficients(table, std_all))])
    np.testing.assert_allclose(refitter.statistics(theta, cov), expected, rtol=1e-12, atol=1e-14)


def test_worker_count_invariance_on_an_ill_conditioned_model():
    """ECSI resamples sit on the edge of convergence; one BLAS thread per refit
    keeps the draws bit-identical with 1 and 2 workers."""
    ecsi = ls.fit(ROOT / "models/ecsi.yaml", "mobi", emit_warnings=False)
    one = bootstrap(ecsi, 40, seed=2026, n_jobs=1, progress=False)
    two = bootstrap(ecsi, 40, seed=2026, n_jobs=2, progress=False)
    assert one.failed == two.failed
    pd.testing.assert_frame_equal(one.draws, two.draws)


def test_effects_with_covariates_beside_latent_predictors_match_lavaan():
    """hs_mixed (fixed.x covariates, latent chain visual -> textual -> speed): the
    enumerated indirect effect equals lavaan's ``ind := a*b`` (est and delta SE, 1e-3)
    and its standardized value and SE from standardizedSolution()."""
    from lavaan_reference import MODEL_FILES, reference

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(MODEL_FILES["hs_mixed"], "holzinger_swineford", emit_warnings=False)
    row = effects_table(result).set_index("effect").loc["visual -> textual -> speed"]
    lavaan = {r["lhs"]: r for r in reference("hs_mixed")["estimates"] if r["op"] == ":="}["ind"]
    std = json.loads((ROOT / "tests/reference/lavaan_std/hs_mixed.json").read_text())
    lavaan_std = {r["lhs"]: r for r in std["rows"] if r["op"] == ":="}["ind"]
    assert row["est"] == pytest.approx(lavaan["est"], rel=1e-3)
    assert row["se"] == pytest.approx(lavaan["se"], rel=1e-3)
    assert row["std_all"] == pytest.approx(lavaan_std["est.std"], rel=1e-3)
    assert row["std_se"] == pytest.approx(lavaan_std["se"], rel=1e-3)
