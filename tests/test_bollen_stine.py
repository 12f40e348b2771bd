"""The Bollen-Stine bootstrap against lavaan (tests/reference/inference/bollen_stine_*.json).

References: make_inference_bootstrap_reference.R (lavaan 0.6-14, R's RNG, seed
20261123, 1000 draws). Tolerances:

- the transformation, given lavaan's S and Sigma_hat: 1e-10 absolute (exact
  arithmetic; observed 5e-14); from our own Sigma_hat 2e-5 (observed 4e-6:
  lavaan's optimizer tolerance on the estimates);
- the p-value is a Monte Carlo quantity (different RNG): |p - p_R| below 4
  binomial SEs, 4 sqrt(p (1 - p) / B) (poldem: 0.062; observed 0.014);
- the draws' distribution against R's: two-sample KS test p > 0.001.
"""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from scipy import stats

import loyaltysem as ls
from loyaltysem.estimate.bollen_stine import (
    BollenStineResult,
    bollen_stine,
    bollen_stine_transform,
    transformed_data,
)
from loyaltysem.exceptions import ArgumentError

from lavaan_reference import ROOT

REFERENCE = ROOT / "tests/reference/inference"
DATA = {"hs_cfa": "holzinger_swineford", "hs_cfa_meanstructure": "holzinger_swineford",
        "poldem": "political_democracy"}


def _load(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


def _fit(case: str):
    """The fit of a case (the mean-structure case: the same data, without means; its
    transformation is checked with lavaan's Sigma_hat and mu_hat, ours with means in
    test_multigroup_resamples_within_groups)."""
    model = ROOT / ("models/poldem.lav" if case == "poldem" else "models/hs_cfa.lav")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(model, DATA[case])


@pytest.fixture(scope="module")
def poldem():
    return _fit("poldem")


@pytest.fixture(scope="module")
def poldem_draws(poldem):
    return bollen_stine(poldem, 1000, seed=20261123, progress=False)


@pytest.mark.parametrize("case", list(DATA))
def test_transformation_exactly_as_lavaan(case):
    ref = _load("bollen_stine_transform.json")["cases"][case]
    fit = _fit(case)
    order = list(fit.core.layout.structure.observed)
    perm = [order.index(v) for v in ref["variables"]]
    values = fit.core.groups[0].cases()[:, perm]
    assert np.abs(values[:5] - np.array(ref["first5_raw"])).max() < 1e-7  # same rows
    mu = np.array(ref["mu_hat"]) if ref["meanstructure"] else None
    z = bollen_stine_transform(values, np.array(ref["sigma_hat"]["values"]), mu)
    np.testing.assert_allclose(z, np.array(ref["transformed"]), rtol=0, atol=1e-10)
    if ref["meanstructure"]:
        return
    ours = transformed_data(fit.core)[0][:, perm]
    np.testing.assert_allclose(ours, np.array(ref["transformed"]), rtol=0, atol=2e-5)
    centred = ours - ours.mean(axis=0)
    implied = fit.implied_cov.loc[ref["variables"], ref["variables"]].to_numpy()
    np.testing.assert_allclose(centred.T @ centred / len(ours), implied, atol=1e-12)


def test_poldem_pvalue_within_monte_carlo_error_of_lavaan(poldem_draws):
    ref = _load("bollen_stine_poldem.json")
    p_r = ref["test_bollen_stine"]["lavaan_bollen_stine_pvalue"]
    result = poldem_draws
    assert result.n_requested == 1000 and result.n_converged + len(result.failed) == 1000
    assert result.statistic == pytest.approx(ref["chisq_obs"], rel=1e-6)
    p = result.pvalue
    assert abs(p - p_r) < 4 * math.sqrt(p_r * (1 - p_r) / result.n_converged)
    assert p == result.n_greater / result.n_converged  # lavaan: strictly greater, B_ok
    ks = stats.ks_2samp(result.draws.to_numpy(), ref["bootstrapLavaan"]["chisq_draws"])
    assert ks.pvalue > 1e-3
    # lavaan keeps non-admissible draws (332 of 1000 there): so do we, and counts them
    assert 0.25 < result.n_inadmissible / result.n_converged < 0.42


def test_hs_cfa_pvalue_is_zero_as_lavaan():
    ref = _load("bollen_stine_hs_cfa.json")
    result = bollen_stine(_fit("hs_cfa"), 200, seed=7, progress=False)
    assert result.pvalue == 0.0  # lavaan: largest of 1000 draws 54.6 vs T = 85.3
    assert result.draws.max() < ref["chisq_obs"]


def test_reproducible_from_the_seed_and_independent_of_n_jobs(poldem, poldem_draws):
    again = bollen_stine(poldem, 250, seed=20261123, progress=False, n_jobs=2)
    # the first 250 draws of a longer run are the same: draw b depends on (seed, b) only
    np.testing.assert_array_equal(again.draws.to_numpy(),
                                  poldem_draws.draws.loc[again.draws.index].to_numpy())
    other = bollen_stine(poldem, 250, seed=1, progress=False)
    assert not np.array_equal(other.draws.to_numpy(), again.draws.to_numpy())


def test_multigroup_resamples_within_groups():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ls.groups.fit_groups(ROOT / "models/hs_cfa.lav", "holzinger_swineford", "school",
                                   group_equal=["loadings"])
    z = transformed_data(fit.core)
    for group, (sigma, mu) in zip(z, fit.core.functions().implied_moments(fit.core.theta)):
        np.testing.assert_allclose(group.mean(axis=0), mu, atol=1e-10)
        centred = group - group.mean(axis=0)
        np.testing.assert_allclose(centred.T @ centred / len(group), sigma, atol=1e-10)
    result = bollen_stine(fit, 100, seed=3, progress=False)
    assert result.n_converged == 100 and 0.0 <= result.pvalue <= 0.2  # p(chisq) = 0.0000


def test_bad_arguments(poldem):
    for kwargs, match in [({"n_boot": 0}, "n_boot"), ({"n_boot": 2.5}, "n_boot"),
                          ({"seed": -1}, "seed"), ({"n_jobs": 0}, "n_jobs"),
                          ({"progress": "yes"}, "progress")]:
        with pytest.raises(ArgumentError, match=match):
            bollen_stine(poldem, **{"n_boot": 10, **kwargs})
    with pytest.raises(ArgumentError, match="result"):
        bollen_stine("poldem", 10)


def test_result_renders(poldem_draws):
    assert isinstance(poldem_draws, BollenStineResult)
    text = poldem_draws.summary().as_text()
    assert "Bollen-Stine p-value" in text
    assert "<table" in poldem_draws._repr_html_()
    assert json.loads(json.dumps(poldem_draws.to_dict(), allow_nan=False))["n_requested"] == 1000
    assert str(poldem_draws).startswith("Bollen-Stine bootstrap")
    assert ls.bollen_stine is bollen_stine
