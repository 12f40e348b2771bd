"""fit(): results object, admissibility reporting, data problems."""
from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.estimate.admissibility import check_admissibility
from loyaltysem.exceptions import (AdmissibilityWarning, ConvergenceWarning, DataError,
                                   HeywoodCaseWarning, MissingValueWarning)

from lavaan_reference import ROOT


@pytest.fixture(scope="module")
def corp_rep():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        return ls.fit(ROOT / "models/corp_rep.yaml", "corp_rep")


def _exact_sample(cov: np.ndarray, n: int, seed: int = 1) -> pd.DataFrame:
    """Data whose sample covariance (divisor N) is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True))).T
    x = z @ np.linalg.cholesky(cov).T
    return pd.DataFrame(x, columns=[f"x{i + 1}" for i in range(cov.shape[0])])


def test_result_is_frozen(corp_rep):
    with pytest.raises(dataclasses.FrozenInstanceError):
        corp_rep.converged = False  # type: ignore[misc]


def test_every_public_attribute_renders(corp_rep):
    """Smoke test in the spirit of linearmodels' result_checker."""
    for name in dir(corp_rep):
        if name.startswith("_"):
            continue
        value = getattr(corp_rep, name)
        if callable(value):
            continue
        assert str(value) is not None
    summary = corp_rep.summary()
    for text in (summary.as_text(), summary.as_markdown(), summary.as_html(), summary.as_latex(),
                 corp_rep._repr_html_()):
        assert "CUSL" in text and "0.956" in text  # CFI
    json.dumps(corp_rep.to_dict(), allow_nan=False)
    assert corp_rep.parameters("~").shape[0] == 5
    assert corp_rep.loadings.shape[0] == 10
    assert corp_rep.residual_cor.shape == (10, 10)
    assert np.allclose(np.diag(corp_rep.latent_cor), 1)


def test_warm_start_gives_the_same_solution(corp_rep):
    again = ls.fit(corp_rep.spec, corp_rep.data, start=corp_rep.theta)
    # at the optimum (max |g| ~1e-8) the Armijo test works at the rounding level of F,
    # so a few backtracked steps may precede the stop (observed: 2 to 5), never dozens
    assert again.iterations <= 8
    np.testing.assert_allclose(again.theta, corp_rep.theta, rtol=1e-6, atol=1e-9)


def test_ecsi_on_mobi_is_reported_inadmissible():
    """Issue #2 point 5: latent correlations ~.99 and standardized paths > 1 are said."""
    with pytest.warns(AdmissibilityWarning) as record:
        result = ls.fit(ROOT / "models/ecsi.yaml", "mobi")
    messages = [str(w.message) for w in record]
    assert any("standardized path" in m and "exceeds 1" in m for m in messages)
    assert any("latent correlation of Expectation and Quality is 0.99" in m for m in messages)
    assert not result.admissible
    assert set(result.warnings) == set(messages)
    assert any(issubclass(w.category, HeywoodCaseWarning) for w in record)


def test_heywood_case_negative_residual_variance():
    # one factor, r12 = r13 = .8, r23 = .4: lambda_1^2 = .8*.8/.4 = 1.6 > 1
    cov = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.4], [0.8, 0.4, 1.0]])
    data = _exact_sample(cov, 200)
    with pytest.warns(HeywoodCaseWarning, match="negative residual variance of x1"):
        result = ls.fit("f =~ x1 + x2 + x3", data)
    row = result.estimates.query("lhs == 'x1' and op == '~~'").iloc[0]
    assert row["est"] == pytest.approx(1.0 - 1.6, abs=1e-6)  # closed form: 1 - lambda^2 var
    assert result.converged  # the unbounded optimum, as lavaan (no silent bound at 0)


def test_non_convergence_is_reported():
    problems = check_admissibility(
        pd.DataFrame(columns=["lhs", "op", "rhs", "est", "std_all"]),
        pd.DataFrame(), pd.DataFrame(), converged=False, optimizer_message="max iterations",
        information_eigenvalues=np.array([1.0]))
    assert problems[0].category is ConvergenceWarning
    assert "did not converge (max iterations)" in problems[0].message


def test_not_identified_model_reports_singular_information():
    data = ls.load_dataset("holzinger_swineford")
    with pytest.warns(UserWarning):
        spec = ls.ModelSpec.from_lavaan("f =~ x1 + x2 + x3\ng =~ x4\ng ~ f")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(spec, data)
    assert any("information matrix is singular" in w for w in result.warnings)


def test_item_missing_from_data_names_item_and_construct():
    with pytest.raises(DataError, match="no column 'sat_1' \\(item of construct SAT\\)"):
        ls.fit(ROOT / "models/loyalty_chain.yaml", ls.load_dataset("mobi"))


def test_collinear_items_are_refused():
    data = ls.load_dataset("holzinger_swineford").copy()
    data["x3"] = data["x1"] + data["x2"]
    with pytest.raises(DataError, match=r"not positive definite .*: the items (x[123], ){2}x[123] are linearly dependent"):
        ls.fit(ROOT / "models/hs_cfa.lav", data)


def test_spec_as_lavaan_string_and_dataframe():
    result = ls.fit("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9",
                    ls.load_dataset("holzinger_swineford"))
    from lavaan_reference import reference

    # lavaan's chi-square of hs_cfa (tests/reference/lavaan/hs_cfa.json): observed 1e-7 relative
    assert result.fit_indices["chisq"] == pytest.approx(reference("hs_cfa")["fit"]["chisq"],
                                                        rel=5e-5)


def test_r2_of_single_item_construct_indicator_is_one(corp_rep):
    assert corp_rep.r2["cusa"] == pytest.approx(1.0)


def test_population_covariance_recovers_true_parameters_exactly():
    """Fitting data whose covariance *is* the population's gives the true values.

    The synthetic loyalty chain's population is the model itself, so the ML
    solution must reproduce it: chi-square 0 and every parameter equal to
    ``true_parameters()`` (closed form; tolerance 1e-6 for the optimiser).
    """
    from loyaltysem.data.synthetic import loyalty_chain_population

    population = loyalty_chain_population()
    data = _exact_sample(population.item_covariance().to_numpy(), 1000, seed=3)
    data.columns = list(population.item_covariance().columns)
    result = ls.fit(ROOT / "models/loyalty_chain.yaml", data)
    assert result.fit_indices["chisq"] == pytest.approx(0.0, abs=1e-8)
    truth = population.true_parameters().set_index(["lhs", "op", "rhs"])["est"]
    ours = result.estimates.set_index(["lhs", "op", "rhs"])["est"]
    common = truth.index.intersection(ours.index)
    assert len(common) == len(truth)
    np.testing.assert_allclose(ours[common], truth[common], atol=1e-6)
    serial = result.defined.set_index("lhs").loc["serial_indirect", "est"]
    assert serial == pytest.approx(population.indirect_effect(["SAT", "TRU", "VAL", "LOY"]), abs=1e-6)


def test_fits_of_simulated_chain_surveys_converge():
    """Regression: correctly specified chain models on simulated data (replications
    28 and 49 of benchmarks/coverage_serial_indirect.py) were once flagged as
    'stalled' although the gradient was 1e-9: a converged optimum must be
    reported as converged."""
    from loyaltysem.data.synthetic import loyalty_chain_population, simulate_survey

    seeds = np.random.SeedSequence(20261123).spawn(50)
    spec = ls.load_spec(ROOT / "models/loyalty_chain.yaml")
    for r in (28, 49):
        data = simulate_survey(loyalty_chain_population(), 500, seed=int(seeds[r].generate_state(1)[0]))
        result = ls.fit(spec, data, emit_warnings=False)
        assert result.converged, result.warnings


def test_fit_indices_of_a_saturated_model_follow_lavaans_edge_cases():
    """lavaan 0.6-14, ``fitMeasures(sem("visual =~ x1 + x2 + x3", HS))`` (df = 0):
    rfi = ifi = rni = mfi = 1, pnfi = pgfi = 0, rmr = crmr = srmr_mplus = 0,
    ecvi = 2 npar / N, rmsea.notclose.pvalue NA."""
    import math

    from loyaltysem.estimate import fit_indices as fi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit("visual =~ x1 + x2 + x3", "holzinger_swineford", emit_warnings=False)
    f = result.fit_indices
    assert int(f["df"]) == 0
    for name, value in {"rfi": 1, "ifi": 1, "rni": 1, "mfi": 1, "pnfi": 0, "pgfi": 0}.items():
        assert float(f[name]) == pytest.approx(value, abs=1e-8), name
    for name in ("rmr", "crmr", "srmr_mplus"):
        assert float(f[name]) == pytest.approx(0.0, abs=1e-6), name
    assert float(f["ecvi"]) == pytest.approx(2 * 6 / 301, rel=1e-6)
    assert math.isnan(float(f["rmsea_notclose_pvalue"]))
    assert math.isnan(fi.hoelter_cn(0.0, 0, 301))
    assert math.isnan(fi.rfi(10.0, 5, 100.0, 3))  # more df than the baseline
