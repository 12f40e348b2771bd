"""Stacked refits on the core (BFGS over a stack of resamples) and the bootstrap built on them.

A stacked BFGS refit must reach the Fisher-scoring optimum of its resample (to 1e-4,
the accuracy lavaan's convergence rule gives: max |gradient| < 2e-3 on parameters with
SEs around .05), and a bootstrap draw must be the ML fit of its resample (the same).
The stacked discrepancy and gradient themselves are checked in test_core_ml.py.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import loyaltysem as ls
from loyaltysem.effects import bootstrap, effects_table
from loyaltysem.effects.bootstrap import _Refitter, resample_rows, statistic_names
from loyaltysem.effects.paths import enumerate_effects
from loyaltysem.estimate.ml import MLFunctions
from loyaltysem.estimate.moments import complete_moments, stacked_moments
from loyaltysem.estimate.optimizer import batched_bfgs, fisher_scoring

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


def _values(result):
    return result.data[list(result.core.layout.structure.observed)].to_numpy(dtype=float)


def _refitter(result, batched):
    table = result.spec.parameter_table
    effects = enumerate_effects(result.spec.structural_paths)
    return _Refitter(table, result.core, _values(result), list(result.spec.roles.latent),
                     effects, batched=batched)


def test_batched_bfgs_reaches_the_scoring_optimum_and_reports_failures(fitted):
    result = fitted("corp_rep")
    values = _values(result)
    rows = np.random.default_rng(1).integers(0, len(values), (5, len(values)))
    functions = MLFunctions(result.core.layout, [stacked_moments(values, rows)])
    information = result.core.functions().information(result.core.theta)

    def evaluate(index, x, gradient):
        return functions.evaluate(x, gradient, index)

    x0 = np.repeat(result.core.theta[None], 5, axis=0)
    out = batched_bfgs(evaluate, x0, np.linalg.inv(2 * information))
    assert out.converged.all() and (out.iterations > 1).all()
    for b in range(5):
        alone = MLFunctions(result.core.layout, [complete_moments(values[rows[b]])])
        tight = fisher_scoring(alone.discrepancy, alone.gradient_and_information,
                               result.core.theta, gtol=1e-12, ftol=1e-16)
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
        rows = resample_rows(seeds[b:b + 1], len(result.data))[0]
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
    stacked, single = _refitter(result, True), _refitter(result, False)
    rows = np.random.default_rng(5).integers(0, len(result.data), (4, len(result.data)))
    a, b = stacked.fit_rows(rows), single.fit_rows(rows)
    assert a.converged.all() and b.converged.all() and a.admissible.all()
    np.testing.assert_allclose(a.statistics, b.statistics, atol=1e-4)


def test_stacked_statistics_equal_one_at_a_time(fitted):
    result = fitted("poldem_eq")  # := rows, equality labels, latent regressions
    refitter = _refitter(result, False)
    rows = np.random.default_rng(1).integers(0, len(result.data), (3, len(result.data)))
    functions = refitter.samples(rows)
    thetas = result.core.theta * np.array([[1.0], [1.01], [0.99]])
    stacked = refitter.plan.compute_many(thetas, functions)
    for b in range(3):
        single = refitter.plan.compute_many(thetas[b:b + 1], refitter.samples(rows[b:b + 1]))[0]
        np.testing.assert_allclose(stacked[b], single, rtol=1e-13, atol=1e-15)


def test_worker_count_and_stack_boundaries_do_not_change_draws():
    """Stacks have a fixed composition; threads share nothing but the queue."""
    result = ls.fit(ROOT / "models/corp_rep.yaml", "corp_rep", emit_warnings=False)
    one = bootstrap(result, 230, seed=4, n_jobs=1, progress=False)
    two = bootstrap(result, 230, seed=4, n_jobs=2, progress=False)
    assert one.draws.equals(two.draws)
    first = bootstrap(result, 100, seed=4, n_jobs=1, progress=False)
    assert first.draws.equals(one.draws.loc[:99])
