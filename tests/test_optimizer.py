"""Fisher scoring with the structured secant correction, and its stopping rules
(loyaltysem.estimate.optimizer, loyaltysem.estimate.estimation)."""
from __future__ import annotations

import numpy as np
import pytest

import loyaltysem as ls
from loyaltysem.estimate.estimation import DRIFT_AFTER, DRIFT_GRADIENT
from loyaltysem.estimate.optimizer import GROWTH_AFTER, fisher_scoring
from loyaltysem.estimate.starts import start_values

from lavaan_reference import ROOT
from test_fit import _exact_sample


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


def test_a_run_whose_gradient_keeps_growing_is_given_up_after_50_iterations():
    """F = -x^2/1000 from x = 1000: every scoring step lengthens x by 0.2 %, so the gradient
    (2 at the start) grows; at iteration 50 it is larger than at iteration 25 and the run
    stops there (drift rule, part b), not after 100 iterations."""
    def objective(x):
        return float(-x[0] ** 2 / 1000.0)

    def gradient_and_information(x):
        return np.array([-x[0] / 500.0]), np.array([[0.5]])

    result = fisher_scoring(objective, gradient_and_information, np.array([1000.0]),
                            diverge_after=DRIFT_AFTER, diverge_gradient=DRIFT_GRADIENT)
    assert not result.converged
    assert result.iterations == GROWTH_AFTER == 50
    expected = 2.0 * 1.002 ** 50  # x grows by the factor 1 + 2/1000 per full step
    assert result.message.startswith(f"diverging: gradient {expected:.2g} after 50 iterations")


def test_the_bounded_warm_up_reaches_the_bounded_optimum():
    """One factor, r12 = r13 = .8, r23 = .4 (a Heywood case: the unbounded optimum has
    the residual variance of x1 at 1 - 1.6): with variances kept at or above 0 the
    warm-up ends at the bounded optimum, which scipy's L-BFGS-B (an independent
    bounded optimizer) finds too — variance 0, loadings .8, F equal (observed
    1.1e-9 in theta, 0 in F)."""
    from scipy import optimize

    from loyaltysem.estimate.estimation import variance_index, warmed_up

    cov = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.4], [0.8, 0.4, 1.0]])
    result = ls.fit("f =~ x1 + x2 + x3", _exact_sample(cov, 200), emit_warnings=False)
    functions = result.core.functions()
    x0 = start_values(functions.layout, functions.groups)
    warm = warmed_up(functions, x0[None], np.zeros(1, dtype=int))[0]

    def value_and_gradient(x):
        f, g = functions.evaluate(x)
        return (float(f[0]), g[0]) if np.isfinite(f[0]) else (1e10, np.zeros_like(x))

    bounds = [(0.0, None) if k in variance_index(functions) else (None, None)
              for k in range(x0.size)]
    reference = optimize.minimize(value_and_gradient, np.maximum(x0, 1e-3), jac=True,
                                  method="L-BFGS-B", bounds=bounds,
                                  options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 1000})
    assert functions.discrepancy(warm) == pytest.approx(reference.fun, rel=1e-12)
    np.testing.assert_allclose(warm, reference.x, atol=1e-8)
    assert warm[variance_index(functions)].min() >= 0.0


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


# --- Fisher scoring for a stack of samples (loyaltysem.estimate.stacked_scoring) -------

def _ecsi_resamples(size: int = 40):
    from loyaltysem.estimate.ml import MLFunctions
    from loyaltysem.estimate.moments import stacked_moments

    result = ls.fit(ROOT / "models/ecsi.yaml", "mobi", emit_warnings=False)
    core = result.core
    values = result.data[list(core.layout.structure.observed)].to_numpy(float)
    rows = np.random.default_rng(7).integers(0, len(values), (size, len(values)))

    def functions(chosen):
        return MLFunctions(core.layout, [stacked_moments(values, rows[chosen])])
    return core.theta, functions


def test_stacked_scoring_ends_where_each_sample_alone_ends():
    """ECSI's resamples (inadmissible full-sample fit: many drift) refitted as one stack
    and one by one with the bootstrap's rules: the same outcome per member — converged
    or not, message, iterations — and the same estimates to rounding (observed 2.2e-10:
    the stacked products sum in another order)."""
    from loyaltysem.effects.bootstrap import BOOTSTRAP_TOLERANCES
    from loyaltysem.estimate.stacked_scoring import stacked_fisher_scoring

    theta, functions = _ecsi_resamples()
    stack = stacked_fisher_scoring(functions(slice(None)), theta, **BOOTSTRAP_TOLERANCES)
    alone = []
    for k in range(40):
        one = functions(slice(k, k + 1))
        alone.append(fisher_scoring(one.discrepancy, one.gradient_and_information, theta,
                                    **BOOTSTRAP_TOLERANCES))
    converged = np.array([run.converged for run in alone])
    assert 0 < converged.sum() < 40, "both outcomes must occur for the test to mean anything"
    np.testing.assert_array_equal(stack.converged, converged)
    assert list(stack.messages) == [run.message for run in alone]
    np.testing.assert_array_equal(stack.iterations, [run.iterations for run in alone])
    np.testing.assert_allclose(stack.x, np.array([run.x for run in alone]), rtol=0, atol=2e-9)
    np.testing.assert_allclose(stack.fun, [run.fun for run in alone], rtol=1e-12)


def test_a_members_refit_does_not_depend_on_its_stack():
    """Every third resample refitted within the whole stack, by index, and as a stack of
    its own: bit for bit the same (results must not depend on chunking or workers)."""
    from loyaltysem.effects.bootstrap import BOOTSTRAP_TOLERANCES
    from loyaltysem.estimate.stacked_scoring import stacked_fisher_scoring

    theta, functions = _ecsi_resamples()
    whole = stacked_fisher_scoring(functions(slice(None)), theta, **BOOTSTRAP_TOLERANCES)
    indexed = stacked_fisher_scoring(functions(slice(None)), theta, np.arange(0, 40, 3),
                                     **BOOTSTRAP_TOLERANCES)
    own = stacked_fisher_scoring(functions(slice(0, 40, 3)), theta, **BOOTSTRAP_TOLERANCES)
    for other in (indexed, own):
        np.testing.assert_array_equal(other.x, whole.x[::3])
        np.testing.assert_array_equal(other.converged, whole.converged[::3])


def test_stacked_cholesky_isolates_the_members_that_are_not_positive_definite():
    from loyaltysem.estimate.ml import _cholesky

    rng = np.random.default_rng(3)
    base = rng.normal(size=(12, 6, 6))
    sigma = base @ base.transpose(0, 2, 1) + 0.1 * np.eye(6)
    sigma[[2, 7]] -= 50.0 * np.eye(6)  # indefinite
    sigma[9, 0, 0] = -1.0
    chol, ok = _cholesky(sigma)
    expected = np.linalg.eigvalsh(sigma).min(axis=1) > 0
    np.testing.assert_array_equal(ok, expected)
    assert not ok[[2, 7, 9]].any() and ok.sum() == 9
    for k in np.flatnonzero(ok):
        np.testing.assert_array_equal(chol[k], np.linalg.cholesky(sigma[k]))
    for k in np.flatnonzero(~ok):
        np.testing.assert_array_equal(chol[k], np.eye(6))
