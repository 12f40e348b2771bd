"""Stacked ML evaluation and BFGS (loyaltysem.estimate.batched) and the bootstrap built on them.

The stacked gradient must equal the dSigma-based gradient of SemopyModel (to
1e-10 relative: both are exact, they differ by rounding), and a bootstrap
draw must be the ML fit of its resample (to 1e-4, the accuracy lavaan's
convergence rule gives: max |gradient| < 2e-3 on parameters with SEs around .05).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import loyaltysem as ls
from loyaltysem.effects import bootstrap, effects_table
from loyaltysem.effects.bootstrap import _Refitter, _resample_rows, statistic_names
from loyaltysem.effects.paths import enumerate_effects
from loyaltysem.estimate.batched import BatchedML, batched_bfgs, sample_covariances
from loyaltysem.estimate.optimizer import fisher_scoring
from loyaltysem.estimate.semopy_engine import SemopyModel

from lavaan_reference import MODEL_FILES, ROOT
from test_against_lavaan import _data


@pytest.fixture(scope="module")
def fitted():
    cache = {}

    def get(name):
        if name not in cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[name] = ls.fit(MODEL_FILES[name], _data(name), emit_warnings=False)
        return cache[name]

    return get


def _resamples(result, model, n, seed=1):
    values = result.data[model.observed].to_numpy(dtype=float)
    rows = np.random.default_rng(seed).integers(0, len(values), (n, len(values)))
    return values, rows, sample_covariances(values, rows)


@pytest.mark.parametrize("name", list(MODEL_FILES))
def test_stacked_discrepancy_and_gradient_equal_the_single_ones(fitted, name):
    result = fitted(name)
    model = SemopyModel(result.spec.parameter_table, result.data)
    _, _, covs = _resamples(result, model, 4)
    thetas = result.theta + 0.01 * np.random.default_rng(2).standard_normal((4, result.theta.size))
    f, g = BatchedML(model).evaluate(thetas, covs, np.linalg.slogdet(covs)[1])
    for b in range(4):
        model.set_fixed_x(covs[b])
        assert f[b] == pytest.approx(model.discrepancy(thetas[b], covs[b]), rel=1e-10)
        np.testing.assert_allclose(g[b], model.gradient(thetas[b], covs[b]), rtol=1e-10,
                                   atol=1e-12)


def test_sample_covariances_equal_numpy_cov():
    values = np.random.default_rng(0).standard_normal((50, 4)) + 10
    rows = np.random.default_rng(1).integers(0, 50, (3, 50))
    covs = sample_covariances(values, rows)
    for b in range(3):
        np.testing.assert_allclose(covs[b], np.cov(values[rows[b]], rowvar=False, bias=True),
                                   rtol=1e-12)


def test_not_positive_definite_members_get_an_infinite_discrepancy(fitted):
    result = fitted("hs_cfa")
    model = SemopyModel(result.spec.parameter_table, result.data)
    _, _, covs = _resamples(result, model, 3)
    thetas = np.repeat(result.theta[None], 3, axis=0)
    thetas[1, model.variance_index] = -5.0  # every variance negative
    f, g = BatchedML(model).evaluate(thetas, covs, np.linalg.slogdet(covs)[1])
    assert np.isfinite(f[[0, 2]]).all() and np.isinf(f[1])
    assert np.isnan(g[1]).all() and np.isfinite(g[[0, 2]]).all()


def test_batched_bfgs_reaches_the_scoring_optimum_and_reports_failures(fitted):
    result = fitted("corp_rep")
    model = SemopyModel(result.spec.parameter_table, result.data)
    engine = BatchedML(model)
    _, _, covs = _resamples(result, model, 5)
    logdets = np.linalg.slogdet(covs)[1]
    _, information = model.gradient_and_information(result.theta)

    def evaluate(index, x, gradient):
        return engine.evaluate(x, covs[index], logdets[index], gradient)

    x0 = np.repeat(result.theta[None], 5, axis=0)
    out = batched_bfgs(evaluate, x0, np.linalg.inv(2 * information))
    assert out.converged.all() and (out.iterations > 1).all()
    for b in range(5):
        tight = fisher_scoring(lambda x: model.discrepancy(x, covs[b]),
                               lambda x: model.gradient_and_information(x, covs[b]),
                               result.theta, gtol=1e-12, ftol=1e-16)
        np.testing.assert_allclose(out.x[b], tight.x, atol=1e-4)
        assert out.fun[b] == pytest.approx(tight.fun, rel=1e-8)
    capped = batched_bfgs(evaluate, x0, np.linalg.inv(2 * information), max_iter=2)
    assert not capped.converged.any()


@pytest.mark.parametrize("name", ["corp_rep", "hs_mimic"])
def test_a_bootstrap_draw_is_the_fit_of_its_resample(fitted, name):
    """Including fixed.x models: the covariate block is fixed at the resample's values."""
    result = fitted(name)
    boot = bootstrap(result, 6, seed=11, progress=False)
    assert boot.n_converged == 6
    seeds = np.random.SeedSequence(11).spawn(6)
    names = statistic_names(result.spec.parameter_table, [])
    for b in (0, 5):
        rows = _resample_rows(seeds[b:b + 1], len(result.data))[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            refit = ls.fit(result.spec, result.data.iloc[rows].reset_index(drop=True),
                           emit_warnings=False)
        np.testing.assert_allclose(boot.draws.loc[b, names].to_numpy(dtype=float),
                                   refit.estimates["est"].to_numpy(dtype=float), atol=1e-4)
        table = effects_table(refit)
        for column, statistic in (("est", "effect"), ("std_all", "std effect")):
            drawn = boot.draws.loc[b, [f"{statistic}: {e}" for e in table["effect"]]]
            np.testing.assert_allclose(drawn.to_numpy(dtype=float), table[column], atol=1e-4)


def test_stacked_and_one_by_one_refits_agree(fitted):
    """The BFGS stack and the Fisher-scoring path (used for inadmissible solutions) agree."""
    result = fitted("hs_mimic")
    table = result.spec.parameter_table
    effects = enumerate_effects(result.spec.structural_paths)
    latent = list(result.spec.roles.latent)
    stacked = _Refitter(table, result.data, result.theta, latent, effects, batched=True)
    single = _Refitter(table, result.data, result.theta, latent, effects, batched=False)
    rows = np.random.default_rng(5).integers(0, len(result.data), (4, len(result.data)))
    a, b = stacked.fit_rows(rows), single.fit_rows(rows)
    assert a.converged.all() and b.converged.all() and a.admissible.all()
    np.testing.assert_allclose(a.statistics, b.statistics, atol=1e-4)


def test_stacked_statistics_equal_one_at_a_time(fitted):
    result = fitted("poldem_eq")  # := rows, equality labels, latent regressions
    table = result.spec.parameter_table
    effects = enumerate_effects(result.spec.structural_paths)
    refitter = _Refitter(table, result.data, result.theta, list(result.spec.roles.latent),
                         effects)
    _, _, covs = _resamples(result, refitter.model, 3)
    thetas = result.theta * np.array([[1.0], [1.01], [0.99]])
    stacked = refitter.plan.compute_many(thetas, covs)
    for b in range(3):
        single = refitter.plan.compute_many(thetas[b:b + 1], covs[b:b + 1])[0]
        np.testing.assert_allclose(stacked[b], single, rtol=1e-13, atol=1e-15)


def test_worker_count_and_stack_boundaries_do_not_change_draws():
    """Stacks have a fixed composition; threads share nothing but the queue."""
    result = ls.fit(ROOT / "models/corp_rep.yaml", "corp_rep", emit_warnings=False)
    one = bootstrap(result, 230, seed=4, n_jobs=1, progress=False)
    two = bootstrap(result, 230, seed=4, n_jobs=2, progress=False)
    assert one.draws.equals(two.draws)
    first = bootstrap(result, 100, seed=4, n_jobs=1, progress=False)
    assert first.draws.equals(one.draws.loc[:99])
