"""PLS-SEM bootstrap: the stacked resamples against fits of the resampled rows, one by one."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyaltysem import load_dataset
from loyaltysem.exceptions import ArgumentError
from loyaltysem.pls import bootstrap_pls, fit_pls

CORP_REP = load_dataset("corp_rep")


@pytest.fixture(scope="module")
def extended():
    return fit_pls("corp_rep_extended", CORP_REP, missing="mean")


def _rows(seed: int, n_boot: int, n: int) -> list[np.ndarray]:
    """The documented resampling: resample b draws n rows with default_rng(spawn(b))."""
    return [np.random.default_rng(s).integers(0, n, n)
            for s in np.random.SeedSequence(seed).spawn(n_boot)]


def _imputed(result) -> pd.DataFrame:
    items = list(result.solution.layout.items)
    data = CORP_REP[items]
    return data.fillna(data.mean())


def test_stacked_resamples_equal_one_fit_per_resampled_data_set(extended):
    boot = bootstrap_pls(extended, 12, seed=7)
    data = _imputed(extended)
    for b, rows in enumerate(_rows(7, 12, len(data))):
        alone = fit_pls("corp_rep_extended", data.iloc[rows].reset_index(drop=True))
        drawn = boot.draws.iloc[b]
        np.testing.assert_allclose(drawn["path"].to_numpy(), alone.paths["est"], atol=1e-10)
        np.testing.assert_allclose(drawn["weight"].to_numpy(), alone.outer["weight"], atol=1e-9)
        np.testing.assert_allclose(drawn["loading"].to_numpy(), alone.outer["loading"],
                                   atol=1e-9)
        np.testing.assert_allclose(drawn["r2"].to_numpy(), alone.r2.to_numpy(), atol=1e-10)
        total = alone.effects[alone.effects["kind"] == "total"]
        np.testing.assert_allclose(drawn["total"].to_numpy(), total["est"], atol=1e-10)
        htmt = alone.htmt.loc["LIKE", "COMP"]
        assert abs(drawn[("htmt", "LIKE, COMP")] - htmt) < 1e-12


def test_draws_do_not_depend_on_the_number_of_workers(extended):
    one = bootstrap_pls(extended, 450, seed=3, n_jobs=1)
    two = bootstrap_pls(extended, 450, seed=3, n_jobs=2)
    assert np.array_equal(one.draws.to_numpy(), two.draws.to_numpy(), equal_nan=True)


def test_inference_columns_follow_their_definitions(extended):
    boot = bootstrap_pls(extended, 300, seed=11)
    table = boot.table.set_index(["kind", "statistic"])
    draws = boot.draws[("path", "CUSA -> CUSL")].to_numpy()
    row = table.loc[("path", "CUSA -> CUSL")]
    assert row["se"] == pytest.approx(np.std(draws, ddof=1), rel=1e-12)
    assert row["t"] == pytest.approx(row["est"] / row["se"], rel=1e-12)
    assert row["pvalue"] == pytest.approx(2 * stats.t.sf(abs(row["t"]), extended.n - 1),
                                          rel=1e-9)
    assert row["ci_lower"] == pytest.approx(np.quantile(draws, 0.025), rel=1e-12)
    assert row["ci_upper"] == pytest.approx(np.quantile(draws, 0.975), rel=1e-12)


def test_jackknife_by_downdating_equals_leaving_each_row_out():
    from loyaltysem.pls.draws import jackknife_correlations, statistics_of

    result = fit_pls("corp_rep", CORP_REP)   # listwise
    stats_ = statistics_of(result)
    jack = jackknife_correlations(result, stats_)
    data = CORP_REP[list(result.solution.layout.items)].dropna().reset_index(drop=True)
    for i in (0, 17, len(data) - 1):
        alone = fit_pls("corp_rep", data.drop(index=i))
        path = stats_.names.index("CUSA -> CUSL")
        assert abs(jack[i, path] - alone.paths["est"].iloc[-1]) < 1e-10


def test_bca_interval_differs_from_percentile_and_covers_the_estimate(extended):
    percentile = bootstrap_pls(extended, 400, seed=5)
    bca = bootstrap_pls(extended, 400, seed=5, ci="bca")
    a = percentile.table.set_index("statistic")
    b = bca.table.set_index("statistic")
    assert (a["ci_lower"] != b["ci_lower"]).any()
    paths = bca.table[bca.table["kind"] == "path"]
    assert ((paths["ci_lower"] <= paths["est"]) & (paths["est"] <= paths["ci_upper"])).all()


def test_individual_sign_change_gives_every_draw_the_original_sign(extended):
    boot = bootstrap_pls(extended, 200, seed=9, sign_change="individual")
    signed = boot.table["kind"].isin(["weight", "loading", "path"]).to_numpy()
    draws = boot.draws.to_numpy()[:, signed]
    original = boot.table["est"].to_numpy()[signed]
    nonzero = draws != 0
    assert (np.sign(draws) == np.sign(original))[nonzero].all()


def test_construct_level_sign_change_flips_a_construct_whose_loadings_flipped():
    from loyaltysem.pls.bootstrap import _sign_corrected
    from loyaltysem.pls.draws import statistics_of

    result = fit_pls("corp_rep", CORP_REP, missing="mean")
    stats_ = statistics_of(result)
    draws = np.tile(stats_.estimates, (2, 1))
    like = [i for i, name in enumerate(stats_.names) if name.startswith("LIKE: ")]
    paths = [i for i, name in enumerate(stats_.names) if name.startswith("LIKE -> ")]
    draws[1, like] *= -1       # resample 1: LIKE came out with its sign reversed
    draws[1, paths] *= -1
    corrected = _sign_corrected(draws, stats_, "construct")
    np.testing.assert_allclose(corrected[1], stats_.estimates, atol=1e-15)
    np.testing.assert_allclose(corrected[0], stats_.estimates, atol=1e-15)


def test_bootstrap_columns_reach_the_tables(extended):
    result = extended.with_bootstrap(bootstrap_pls(extended, 100, seed=1))
    assert {"se", "t", "pvalue", "ci_lower", "ci_upper"} <= set(result.paths.columns)
    assert result.effects["se"].notna().all()
    assert "Bootstrap" in result.summary().as_text()
    assert result.to_dict()["bootstrap"]["n_boot"] == 100


@pytest.mark.parametrize("option, value", [("n_boot", 1), ("seed", -1), ("n_jobs", 0),
                                           ("sign_change", "both"), ("ci", "t"),
                                           ("level", 1.5)])
def test_bad_bootstrap_options_are_refused(extended, option, value):
    arguments = {"n_boot": 10, option: value}
    n_boot = arguments.pop("n_boot")
    with pytest.raises(ArgumentError, match=option):
        bootstrap_pls(extended, n_boot, **arguments)


def test_studentized_interval_equals_a_plain_double_bootstrap(extended, monkeypatch):
    """Efron & Tibshirani (1993, sec. 12.5) by hand: inner SEs from fits of inner resamples."""
    import loyaltysem.pls.bootstrap as module

    monkeypatch.setattr(module, "N_INNER", 6)
    simple = fit_pls("corp_rep", CORP_REP, missing="mean")
    boot = bootstrap_pls(simple, 8, seed=4, ci="studentized")
    items = list(simple.solution.layout.items)
    values = simple.solution.values
    n = len(values)
    estimates, se_inner = [], []
    for seed in np.random.SeedSequence(4).spawn(8):
        outer = values[np.random.default_rng(seed).integers(0, n, n)]
        estimates.append(fit_pls("corp_rep", pd.DataFrame(outer, columns=items))
                         .paths["est"].iloc[-1])
        inner = [fit_pls("corp_rep", pd.DataFrame(
            outer[np.random.default_rng(s).integers(0, n, n)], columns=items)).paths["est"].iloc[-1]
            for s in seed.spawn(6)]
        se_inner.append(np.std(inner, ddof=1))
    estimate = simple.paths["est"].iloc[-1]
    se = np.std(estimates, ddof=1)
    t = (np.array(estimates) - estimate) / np.array(se_inner)
    row = boot.table.set_index(["kind", "statistic"]).loc[("path", "CUSA -> CUSL")]
    assert row["ci_lower"] == pytest.approx(estimate - np.quantile(t, 0.975) * se, abs=1e-10)
    assert row["ci_upper"] == pytest.approx(estimate - np.quantile(t, 0.025) * se, abs=1e-10)
    with pytest.raises(ArgumentError, match="no sign changes"):
        bootstrap_pls(simple, 8, ci="studentized", sign_change="individual")
