"""The bootstrap of ordinal fits (WLSMV; :mod:`loyaltysem.effects.ordinal_bootstrap`).

Every resample recomputes the thresholds, polychoric correlations and weights and
refits, as lavaan's ``se = "bootstrap"`` with ordered items. The checks:

- a resample's refit equals a direct ``fit`` on the same resampled rows (the
  independent path: the public API, its own start values); observed agreement
  3e-10, compared at 1e-6 (both optimizers stop at max |gradient| < 1e-9);
- the draws depend only on the seed (not on the number of workers);
- the full-sample statistics are the fit's estimates (the delta residual variances
  included) and effects;
- a resample in which a category of an item vanishes fails and is counted;
- on ordinal data of a correctly specified model (discretized normal responses,
  N = 500), the bootstrap SE agrees with the robust SE within three Monte Carlo
  errors of a bootstrap SE, ``3 SE / sqrt(2 B)`` (the SD of an SD from ``B``
  near-normal draws is ``SE / sqrt(2 B)``); observed ratios boot/robust over all 77
  parameters: mean 0.99, SD 0.06 (B = 173 converged of 200).

- against lavaan's own bootstrap (DWLS, B = 1000, tests/reference/
  make_ordinal_bootstrap_reference.R) on the same data: ratios of the SEs of the
  loadings, paths and ``ab`` 0.97-1.06 (B = 300; thresholds 0.89-1.11), within the
  combined Monte Carlo error of the two bootstraps.

On the real corp_rep items the bootstrap SEs of loadings and paths are 1.2-1.5 times
the robust ones (thresholds agree within 7%), with rare categories merged too: the
polychoric correlations' own bootstrap SDs are 1.1-1.5 times their two-step
asymptotic SEs (lavaan's NACOV, which this project matches to 1e-8), while on
simulated discretized-normal data both agree (ratios 0.9-1.2). The asymptotic SEs
assume bivariate-normal latent responses; the bootstrap does not. lavaan's bootstrap
finds the same (comp_2: 0.072 bootstrap against 0.048 robust). So the corp_rep data are
the reference for bootstrap against bootstrap, the simulated data for bootstrap
against robust SEs.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.data.synthetic import loyalty_chain_population, simulate_survey
from loyaltysem.effects import bootstrap
from loyaltysem.effects.bootstrap import resample_rows, with_bootstrap_inference

REFERENCE = Path(__file__).parent / "reference"
MODELS = Path(__file__).parent.parent / "models"


@pytest.fixture(scope="module")
def chain():
    """The chain with an indirect effect on the corp_rep items (lavaan reference case)."""
    ref = json.loads((REFERENCE / "ordinal_fit" / "chain_wlsmv.json").read_text())
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"])
    result = ls.fit(ref["model"], data, ordered=ref["ordered"], estimator="WLSMV",
                    emit_warnings=False)
    return ref, result


def _names(estimates: pd.DataFrame) -> list[str]:
    return [f"{lhs} :=" if op == ":=" else f"{lhs} {op} {rhs}".strip()
            for lhs, op, rhs in zip(estimates["lhs"], estimates["op"], estimates["rhs"])]


def test_a_resample_refit_equals_a_direct_fit_on_the_same_rows(chain):
    ref, result = chain
    boot = bootstrap(result, 12, seed=1, progress=False)
    rows = resample_rows(np.random.SeedSequence(1).spawn(12), len(result.data))
    names = _names(result.estimates)
    assert boot.n_converged >= 3
    for b in boot.draws.index[:3]:
        direct = ls.fit(ref["model"], result.data.iloc[rows[b]].reset_index(drop=True),
                        ordered=ref["ordered"], estimator="WLSMV", emit_warnings=False)
        np.testing.assert_allclose(boot.draws.loc[b, names].to_numpy(dtype=float),
                                   direct.estimates["est"].to_numpy(), atol=1e-6)


def test_the_draws_depend_only_on_the_seed(chain):
    _, result = chain
    one = bootstrap(result, 16, seed=7, progress=False, n_jobs=1)
    two = bootstrap(result, 16, seed=7, progress=False, n_jobs=2)
    again = bootstrap(result, 16, seed=7, progress=False)
    other = bootstrap(result, 16, seed=8, progress=False)
    pd.testing.assert_frame_equal(one.draws, two.draws)
    pd.testing.assert_frame_equal(one.draws, again.draws)
    assert one.failed == two.failed == again.failed
    assert not one.draws.equals(other.draws)


def test_the_full_sample_statistics_are_the_fits_estimates_and_effects(chain):
    _, result = chain
    boot = bootstrap(result, 2, seed=1, progress=False)
    names = _names(result.estimates)
    # residual variances of the items: the delta parameterization's 1 - diag(...)
    np.testing.assert_allclose(boot.point[names].to_numpy(dtype=float),
                               result.estimates["est"].to_numpy(), atol=1e-12)
    indirect = result.estimates.loc[result.estimates["op"] == ":=", "est"].iat[0]
    assert boot.point["effect: COMP -> LIKE -> CUSL"] == pytest.approx(indirect, abs=1e-12)


def test_resamples_that_lose_a_category_fail_and_are_counted(chain):
    _, result = chain
    # comp_2 has one answer 1: about e^-1 = 37% of the resamples lose that category
    boot = bootstrap(result, 40, seed=3, progress=False)
    rows = resample_rows(np.random.SeedSequence(3).spawn(40), len(result.data))
    values = result.data[list(result.spec.observed_variables)].to_numpy()
    full = [np.unique(values[:, j]).size for j in range(values.shape[1])]
    lacking = [b for b in range(40)
               if any(np.unique(values[rows[b], j]).size < full[j]
                      for j in range(values.shape[1]))]
    assert lacking and list(boot.failed) == lacking
    assert boot.n_converged + len(boot.failed) == boot.n_requested == 40
    assert boot.draws.index.tolist() == [b for b in range(40) if b not in lacking]
    assert f"{len(lacking)} of the {len(lacking)} failed resamples lacked a category" \
        in boot.summary_line()


def test_bootstrap_se_agrees_with_the_robust_se_on_ordinal_data():
    data = simulate_survey(loyalty_chain_population(), 500, seed=11, likert_points=5)
    result = ls.fit(MODELS / "loyalty_chain.yaml", data, ordered=True, estimator="WLSMV",
                    emit_warnings=False)
    boot = bootstrap(result, 200, seed=3, progress=False)
    robust = pd.Series(result.estimates["se"].to_numpy(), index=_names(result.estimates))
    tolerance = 3 / np.sqrt(2 * boot.n_converged)   # three Monte Carlo errors (notes)
    for name in ("SAT =~ sat_2", "LOY ~ VAL", "serial_indirect :=",
                 "effect: SAT -> TRU -> VAL -> LOY"):
        se = robust.get(name, robust["serial_indirect :="])
        assert boot.se[name] / se == pytest.approx(1.0, abs=tolerance), name


def test_bootstrap_ses_agree_with_lavaans_bootstrap():
    """lavaan's ``se = "bootstrap"`` (DWLS, B = 1000; make_ordinal_bootstrap_reference.R)
    against ours (B = 300) on the same data. Both are Monte Carlo estimates of the same
    SD: the relative SD of an SD estimated from ``B`` draws of kurtosis ``k`` is
    ``sqrt((k - 1) / (4 B))`` (``1 / sqrt(2 B)`` for normal draws), so the ratio is
    compared within three such errors of the two bootstraps combined, ``k`` from our
    draws (k = 3.0-3.6 here). Observed at B = 400: comp_2 0.0720 against lavaan's 0.0719,
    ab 0.1396 against 0.1382. The estimates themselves are lavaan's to 1e-5 (DWLS and
    WLSMV share them)."""
    ref = json.loads((REFERENCE / "ordinal_bootstrap" / "chain_clipped.json").read_text())
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / "corp_rep.csv")[ref["items"]]
    data = data.dropna().clip(lower=ref["clip_lower"]).reset_index(drop=True)
    result = ls.fit(ref["model"], data, ordered=True, estimator="DWLS", emit_warnings=False)
    boot = bootstrap(result, 300, seed=4, progress=False)
    assert boot.n_converged == 300
    lavaan = pd.DataFrame(ref["estimates"])
    lavaan = lavaan[lavaan["op"] != "|"]
    for row in lavaan.itertuples():
        name = f"{row.lhs} :=" if row.op == ":=" else f"{row.lhs} {row.op} {row.rhs}"
        draws = boot.draws[name].to_numpy()
        assert boot.point[name] == pytest.approx(row.est, abs=1e-5), name
        z = (draws - draws.mean()) / draws.std()
        kurtosis = float(np.mean(z**4))
        error = np.sqrt((kurtosis - 1) / 4 * (1 / boot.n_converged + 1 / ref["n_converged"]))
        assert boot.se[name] / row.boot_se == pytest.approx(1.0, abs=3 * error), name


def test_intervals_and_bootstrap_inference_of_an_ordinal_fit(chain):
    _, result = chain
    small = result.data.iloc[:150].clip(lower=3)  # 150 rows, no rare category: BCa's jackknife
    ref = json.loads((REFERENCE / "ordinal_fit" / "chain_wlsmv.json").read_text())
    fit = ls.fit(ref["model"], small, ordered=True, estimator="WLSMV", emit_warnings=False)
    boot = bootstrap(fit, 30, seed=2, progress=False, bca=True)
    assert boot.jackknife is not None and len(boot.jackknife) == 150
    for method in ("percentile", "bca"):
        limits = boot.interval(method).loc["ab :="]
        assert limits["lower"] < boot.point["ab :="] < limits["upper"]
    inferred = with_bootstrap_inference(fit, boot)
    row = inferred.estimates[inferred.estimates["op"] == ":="].iloc[0]
    assert row["se"] == pytest.approx(boot.se["ab :="])
    assert inferred.se_type == "bootstrap (percentile)"
    assert any("thresholds, polychoric correlations" in w for w in inferred.warnings)


def test_the_cli_bootstraps_an_ordinal_fit(tmp_path, chain):
    from click.testing import CliRunner

    from loyaltysem.cli import main

    ref, result = chain
    spec = tmp_path / "chain.lav"
    spec.write_text(ref["model"])
    data = tmp_path / "data.csv"
    result.data.clip(lower=3).to_csv(data, index=False)
    run = CliRunner().invoke(main, ["fit", str(spec), "--data", str(data), "--ordered", "all",
                                    "--se", "bootstrap", "--bootstrap", "20", "--seed", "1",
                                    "--no-progress", "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    indirect = [e for e in payload["effects"] if e["kind"] == "indirect"][0]
    assert indirect["ci_lower"] < indirect["est"] < indirect["ci_upper"]


@pytest.mark.parametrize("name", ["hs_mixed", "hs_mixed_theta"])
def test_resamples_of_mixed_and_theta_fits_refit_as_direct_fits(name):
    """Continuous items are resampled with the ordinal ones; the theta parameterization's
    residual variances are parameters of the draws, not derived values."""
    ref = json.loads((REFERENCE / "ordinal_fit" / f"{name}.json").read_text())
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"])
    options = {"ordered": ref["ordered"], "parameterization": ref["parameterization"],
               "emit_warnings": False}
    result = ls.fit(ref["model"], data, **options)
    boot = bootstrap(result, 4, seed=3, progress=False)
    rows = resample_rows(np.random.SeedSequence(3).spawn(4), len(result.data))
    names = _names(result.estimates)
    assert boot.n_converged >= 2
    for b in boot.draws.index[:2]:
        direct = ls.fit(ref["model"], result.data.iloc[rows[b]].reset_index(drop=True),
                        **options)
        np.testing.assert_allclose(boot.draws.loc[b, names].to_numpy(dtype=float),
                                   direct.estimates["est"].to_numpy(), atol=1e-6)


# ----------------------------------------------------------------- several groups
#: groups.csv's items by service type (groups "2", then "1")
GROUPS_DATA = REFERENCE / "ordinal" / "data" / "groups.csv"
GROUPS_MODEL = """
COMP =~ comp_1 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSL =~ cusl_1 + cusl_2 + cusl_3
LIKE ~ c(a1, a2)*COMP
CUSL ~ c(b1, b2)*LIKE + COMP
ind1 := a1*b1
ind2 := a2*b2
ind_diff := ind1 - ind2
"""
#: the fits of several groups checked against direct fits: lavaan's conventions in the
#: delta and theta parameterizations, and Wu & Estabrook's identification
GROUP_FITS = {
    "delta": {"group_equal": ["thresholds", "loadings"]},
    "theta": {"group_equal": ["thresholds", "loadings", "residuals"],
              "parameterization": "theta"},
    "wu_estabrook": {"group_equal": ["thresholds", "loadings", "intercepts"],
                     "identification": "wu.estabrook"},
}


def _merged_categories(data: pd.DataFrame) -> pd.DataFrame:
    """The 7-point answers as 4 categories (1-4, 5, 6, 7): no category rarer than 14
    answers in a group, so that no resample loses one."""
    items = [c for c in data.columns if c not in ("servicetype", "cusa")]
    merged = np.select([data[items] <= 4, data[items] == 5, data[items] == 6], [1, 2, 3], 4)
    return data.assign(**{item: merged[:, k] for k, item in enumerate(items)})


def _fit_groups(data: pd.DataFrame, options: dict):
    from loyaltysem.groups import fit_groups

    return fit_groups(GROUPS_MODEL, data, "servicetype", ordered=True, emit_warnings=False,
                      **options)


@pytest.fixture(scope="module")
def merged_groups():
    return _merged_categories(pd.read_csv(GROUPS_DATA))


@pytest.fixture(scope="module")
def groups_chain(merged_groups):
    return _fit_groups(merged_groups, GROUP_FITS["delta"])


def _group_names(estimates: pd.DataFrame) -> list[str]:
    return [f"{g}: {name}" if g != "" else name
            for g, name in zip(estimates["group"], _names(estimates))]


def _resampled_frame(result, rows, b: int) -> pd.DataFrame:
    """Resample ``b``'s rows, group by group (the groups in the fit's order)."""
    data = result.data
    return pd.concat([data[data[result.group] == g].iloc[rows[k][b]]
                      for k, g in enumerate(result.groups)], ignore_index=True)


def _group_rows(result, seed: int, n_boot: int):
    from loyaltysem.effects.bootstrap import _resample_group_rows

    sizes = [int((result.data[result.group] == g).sum()) for g in result.groups]
    return _resample_group_rows(np.random.SeedSequence(seed).spawn(n_boot), sizes)


@pytest.mark.parametrize("name", list(GROUP_FITS))
def test_a_resample_of_groups_refits_as_a_direct_fit_of_its_rows(name, merged_groups):
    """The rows of resample ``b`` drawn within each group (the multi-group ML bootstrap's
    draws), fitted by ``fit_groups`` on their own: the draws are its estimates, derived
    rows included (delta residual variances, theta scales). Observed agreement 1e-8
    (both optimizers stop at max |gradient| < 1e-9)."""
    options = GROUP_FITS[name]
    result = _fit_groups(merged_groups, options)
    boot = bootstrap(result, 4, seed=5, progress=False)
    rows = _group_rows(result, 5, 4)
    names = _group_names(result.estimates)
    assert boot.n_converged >= 2
    assert boot.group_sizes.tolist() == result.nobs.tolist()
    for b in boot.draws.index[:2]:
        direct = _fit_groups(_resampled_frame(result, rows, b), options)
        assert direct.converged
        np.testing.assert_allclose(boot.draws.loc[b, names].to_numpy(dtype=float),
                                   direct.estimates["est"].to_numpy(), atol=1e-6)


def test_draws_of_groups_depend_only_on_the_seed(groups_chain):
    one = bootstrap(groups_chain, 12, seed=7, progress=False, n_jobs=1)
    two = bootstrap(groups_chain, 12, seed=7, progress=False, n_jobs=2)
    again = bootstrap(groups_chain, 12, seed=7, progress=False)
    other = bootstrap(groups_chain, 12, seed=8, progress=False)
    pd.testing.assert_frame_equal(one.draws, two.draws)
    pd.testing.assert_frame_equal(one.draws, again.draws)
    assert one.failed == two.failed == again.failed
    assert one.n_inadmissible == two.n_inadmissible
    assert not one.draws.equals(other.draws)


def test_per_group_effects_their_difference_and_the_defined_rows_are_drawn(groups_chain):
    """Every group's indirect effect (the a*b of its own labels), their difference
    between the groups, and the := rows, as the multi-group ML bootstrap records them;
    the full-sample statistics are the fit's estimates (derived rows included)."""
    boot = bootstrap(groups_chain, 8, seed=2, progress=False)
    names = _group_names(groups_chain.estimates)
    np.testing.assert_allclose(boot.point[names].to_numpy(dtype=float),
                               groups_chain.estimates["est"].to_numpy(), atol=1e-12)
    indirect = "COMP -> LIKE -> CUSL"
    draws = boot.draws
    np.testing.assert_allclose(draws[f"2: effect: {indirect}"], draws["ind1 :="], atol=1e-12)
    np.testing.assert_allclose(draws[f"1: effect: {indirect}"], draws["ind2 :="], atol=1e-12)
    np.testing.assert_allclose(draws[f"effect difference: {indirect} (2 - 1)"],
                               draws["ind_diff :="], atol=1e-12)
    assert draws["ind1 :="].std() > 0 and f"2: std effect: {indirect}" in draws
    inferred = with_bootstrap_inference(groups_chain, boot)
    row = inferred.estimates.set_index("lhs").loc["ind_diff"]
    assert row["se"] == pytest.approx(boot.se["ind_diff :="])
    assert any("in every group" in w for w in inferred.warnings)


def test_a_resample_that_loses_a_category_in_a_group_fails_and_is_counted():
    """groups.csv's raw answers: cusl_3 = 4 once in group "1" (and other rare answers),
    so many resamples lose a category in some group: they fail, are counted and said."""
    data = pd.read_csv(GROUPS_DATA)
    result = _fit_groups(data, GROUP_FITS["delta"])
    boot = bootstrap(result, 24, seed=3, progress=False)
    rows = _group_rows(result, 3, 24)
    items = [v for v in result.spec.observed_variables]
    frames = [result.data[result.data[result.group] == g][items].to_numpy()
              for g in result.groups]
    levels = [np.unique(result.data[item]).size for item in items]
    lacking = [b for b in range(24)
               if any(np.unique(frame[rows[k][b], j]).size < levels[j]
                      for k, frame in enumerate(frames) for j in range(len(items)))]
    assert lacking and set(lacking) <= set(boot.failed)
    assert boot.n_converged + len(boot.failed) == boot.n_requested == 24
    assert not set(boot.draws.index) & set(boot.failed)
    assert (f"{len(lacking)} of the {len(boot.failed)} failed resamples lacked a category"
            in boot.summary_line())


def test_the_jackknife_of_groups_and_a_fit_without_its_cases(merged_groups):
    """BCa: every case left out of its own group (the jackknife indexed by group); a
    multi-group ordinal fit that kept no cases is refused with what to do."""
    import dataclasses

    from loyaltysem.exceptions import ArgumentError

    small = pd.concat([merged_groups[merged_groups["servicetype"] == g].iloc[:50]
                       for g in (2, 1)])
    result = _fit_groups(small, GROUP_FITS["delta"])
    boot = bootstrap(result, 10, seed=4, progress=False, bca=True)
    assert boot.jackknife is not None and len(boot.jackknife) == 100
    assert boot.jackknife.index.tolist() == ["2"] * 50 + ["1"] * 50
    limits = boot.interval("bca").loc["ind1 :="]
    assert limits["lower"] < limits["upper"]
    with pytest.raises(ArgumentError, match="needs the cases"):
        bootstrap(dataclasses.replace(result, data=None), 2, progress=False)
