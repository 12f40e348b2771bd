"""Fisher scoring with the structured secant correction, and its stopping rules
(loyaltysem.estimate.optimizer, loyaltysem.estimate.estimation)."""
from __future__ import annotations

import numpy as np
import pytest

import loyaltysem as ls
from loyaltysem.estimate.estimation import DRIFT_AFTER, DRIFT_GRADIENT
from loyaltysem.estimate.optimizer import fisher_scoring
from loyaltysem.estimate.starts import start_values

from lavaan_reference import ROOT


def _hs_functions():
    result = ls.fit(ROOT / "models/hs_cfa.lav", "holzinger_swineford", emit_warnings=False)
    return result, result.core.functions()


def test_the_secant_correction_reaches_the_optimum_in_fewer_iterations():
    """hs_cfa misfits (chi-square 85.3 on 24 df), so plain scoring converges only
    linearly; with the correction the same optimum (|g| < 1e-9) is reached in
    far fewer iterations (36 -> 13 when it was added)."""
    result, functions = _hs_functions()
    x0 = start_values(functions.layout, functions.groups)
    runs = {}
    for correct_below in (0.0, 1e-2):
        runs[correct_below] = fisher_scoring(functions.discrepancy,
                                             functions.gradient_and_information, x0,
                                             gtol=1e-12, correct_below=correct_below)
    plain, corrected = runs[0.0], runs[1e-2]
    assert plain.converged and corrected.converged
    assert corrected.fun == pytest.approx(plain.fun, rel=1e-13)
    # both stop where F no longer changes (max |g| < 1e-6 at the latest); the fit itself
    # polishes to max |g| < 1e-9: within 2e-7 of either in theta
    for run in (plain, corrected):
        np.testing.assert_allclose(run.x, result.core.theta, rtol=2e-6, atol=1e-8)
    assert corrected.iterations < 0.6 * plain.iterations, (corrected.iterations,
                                                          plain.iterations)


def test_a_run_that_keeps_a_large_gradient_is_stopped_as_drifting():
    """F = -2 x decreases without end and its gradient stays 2: after
    the drift rule's 100 iterations the run is given up as not converged."""
    def objective(x):
        return float(-2.0 * x[0])

    def gradient_and_information(x):
        return np.array([-2.0]), np.array([[0.5]])

    result = fisher_scoring(objective, gradient_and_information, np.zeros(1),
                            diverge_after=DRIFT_AFTER, diverge_gradient=DRIFT_GRADIENT)
    assert not result.converged
    assert result.iterations == DRIFT_AFTER == 100
    assert result.message.startswith("diverging: gradient 2 after 100 iterations")


def test_a_secant_step_that_is_not_a_descent_direction_falls_back_to_scoring():
    """On a convex quadratic whose information is exact the correction stays ~0 and
    every step is a full scoring step: the minimum in one iteration."""
    target = np.array([1.0, -2.0])
    hessian = np.array([[2.0, 0.3], [0.3, 1.0]])

    def objective(x):
        d = x - target
        return float(0.5 * d @ hessian @ d)

    def gradient_and_information(x):
        return hessian @ (x - target), 0.5 * hessian

    result = fisher_scoring(objective, gradient_and_information, np.zeros(2))
    assert result.converged and result.iterations <= 2
    np.testing.assert_allclose(result.x, target, atol=1e-12)
