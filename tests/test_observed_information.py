"""The closed-form observed information (``MLFunctions.observed_informations``, the
Hessian of F / 2) against central differences of the analytic gradient.

The reference (``differenced_information``, relative step 1e-5) is an independent
computation: it only uses the gradient, never ``dSigma/dtheta`` or its second
derivatives. Its error is O(h^2): halving the step quarters the difference (checked
below), so the difference is the reference's error, not the closed form's. Observed
largest differences, relative to the largest entry: 1e-11 to 3e-8 (poldem, the
second-order model); the tolerance is 10x the largest observed.

Cases: CFA (HolzingerSwineford), SEM with regressions among latents (poldem, the
second-order model), observed path model (pd_path), fixed.x covariates (hs_mimic),
mean structures, FIML with several missing-data patterns, several groups with shared
loadings and intercepts and free latent means, stacks of samples.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from test_core_ml import MODELS, _setup

import loyaltysem as ls
from loyaltysem.estimate.ml import MLFunctions, differenced_information
from loyaltysem.estimate.moments import complete_moments, stacked_moments
from loyaltysem.estimate.reference_models import reference_layout

#: 10 x the largest observed difference from the central differences (3e-8)
RTOL = 3e-7


def _close(analytic: np.ndarray, numeric: np.ndarray, rtol: float = RTOL) -> None:
    """Entries agree within ``rtol`` of the matrix's largest entry."""
    scale = float(np.abs(numeric).max())
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize("means,missing", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("name", list(MODELS))
def test_the_closed_form_matches_central_differences(name, means, missing):
    _, functions, theta = _setup(name, means, missing)
    analytic = functions.observed_information(theta)
    _close(analytic, differenced_information(functions, theta)[0])
    np.testing.assert_array_equal(analytic, analytic.T)


@pytest.mark.parametrize("name", ["poldem", "second_order"])
def test_the_remaining_difference_is_the_differences_error(name):
    _, functions, theta = _setup(name, means=True, missing=True)
    analytic = functions.observed_information(theta)
    errors = [np.abs(differenced_information(functions, theta, relative_step=h)[0]
                     - analytic).max() for h in (1e-4, 2e-4)]
    # O(h^2): doubling the step multiplies the error by 4 (observed 4.00)
    assert errors[1] / errors[0] == pytest.approx(4.0, rel=0.05)


def _hs_school(group_equal: tuple[str, ...], missing: bool):
    spec = ls.load_spec("models/hs_cfa.lav")
    data = ls.load_dataset("holzinger_swineford")
    if missing:
        rng = np.random.default_rng(20261203)
        items = [f"x{k}" for k in range(1, 10)]
        holes = rng.random((len(data), 9)) < 0.1
        data = data.copy()
        data[items] = data[items].mask(holes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.groups.fit_groups(spec, data, "school", group_equal=list(group_equal),
                                      missing="ml" if missing else "listwise",
                                      emit_warnings=False)
    core = result.core
    rng = np.random.default_rng(5)
    theta = core.theta + 0.02 * rng.standard_normal(core.theta.size)  # off the optimum
    return core.functions(), theta


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("group_equal", [(), ("loadings", "intercepts")])
def test_several_groups(group_equal, missing):
    functions, theta = _hs_school(group_equal, missing)
    if group_equal:  # free latent means in the second group: the alpha terms are used
        assert functions.layout.group_fill[1][5][2].size
    _close(functions.observed_information(theta), differenced_information(functions, theta)[0])


def test_the_saturated_model_with_missing_data():
    # the W_m of the FIML-corrected statistics (fiml_corrected.py): every covariance and
    # mean free, many patterns
    _, functions, _ = _setup("hs_cfa", means=True, missing=True)
    moments = functions.groups[0]
    layout, h1 = reference_layout(moments, diagonal=False, meanstructure=True, x_index=())
    saturated = MLFunctions(layout, [moments])
    rng = np.random.default_rng(2)
    theta = h1 + 0.01 * rng.standard_normal(h1.size)
    _close(saturated.observed_information(theta), differenced_information(saturated, theta)[0])


def test_a_stack_gives_each_sample_its_own_information():
    layout, functions, theta = _setup("poldem", means=True)
    cases = functions.groups[0].cases()
    rng = np.random.default_rng(11)
    rows = rng.integers(0, cases.shape[0], size=(4, cases.shape[0]))
    stack = MLFunctions(layout, [stacked_moments(cases, rows)])
    thetas = theta + 0.01 * rng.standard_normal((4, theta.size))
    together = stack.observed_informations(thetas)
    for b in range(4):
        alone = MLFunctions(layout, [complete_moments(cases[rows[b]])])
        np.testing.assert_allclose(together[b], alone.observed_information(thetas[b]),
                                   rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(stack.observed_informations(thetas[2:3], np.array([2])),
                               together[2:3], rtol=1e-12, atol=1e-14)


def test_a_non_positive_definite_member_is_nan_only_there():
    layout, functions, theta = _setup("hs_cfa", means=True)
    thetas = np.repeat(theta[None], 3, axis=0)
    table = layout.table
    row = int(np.flatnonzero(((table["op"] == "~~") & (table["lhs"] == "x1")
                              & (table["rhs"] == "x1")).to_numpy())[0])
    thetas[1, table["free"].iat[row] - 1] = -50.0
    out = functions.observed_informations(thetas, np.zeros(3, dtype=int))
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()
    np.testing.assert_array_equal(out[0], out[2])


def test_shared_parameters_across_matrices():
    # one label on a loading and a regression coefficient: a parameter filling entries of
    # Lambda and B, so the entries' Hessian is gathered across matrices
    syntax = "\n".join(["ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + a*y2 + y3 + y4",
                        "dem60 ~ a*ind60"])
    spec = ls.ModelSpec.from_lavaan(syntax)
    data = pd.DataFrame(ls.load_dataset("political_democracy"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        core = ls.fit(spec, data, emit_warnings=False).core
    functions = core.functions()
    rng = np.random.default_rng(8)
    theta = core.theta + 0.02 * rng.standard_normal(core.theta.size)
    _close(functions.observed_information(theta), differenced_information(functions, theta)[0])
