"""The one estimation core (loyaltysem.estimate.ml) checked against independent values.

- the analytic gradient against central differences of the discrepancy;
- the expected information against the Hessian of F / 2 where the data equal the
  model's moments (there the two coincide exactly: Jöreskog 1967);
- casewise scores summing to -N/2 times the gradient of F (their definition);
- a stack of samples giving, sample by sample, what each sample gives alone;
- multi-group and missing-data layouts included.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.estimate.full_information import with_mean_structure
from loyaltysem.estimate.layout import build_parameter_layout
from loyaltysem.estimate.ml import MLFunctions
from loyaltysem.estimate.moments import (
    complete_moments,
    missing_moments,
    stacked_moments,
    summary_moments,
)

MODELS = {
    "hs_cfa": ("models/hs_cfa.lav", "holzinger_swineford"),
    "hs_mimic": ("tests/reference/models/hs_mimic.lav", "holzinger_swineford"),
    "pd_path": ("tests/reference/models/pd_path.lav", "political_democracy"),
    "poldem": ("models/poldem.lav", "political_democracy"),
    "second_order": ("tests/reference/models/hs_second_order.lav", "holzinger_swineford"),
}


def _setup(name: str, means: bool = False, missing: bool = False):
    path, dataset = MODELS[name]
    spec = ls.load_spec(path)
    table = with_mean_structure(spec.parameter_table) if means else spec.parameter_table
    layout = build_parameter_layout(table)
    data = ls.load_dataset(dataset)[list(layout.structure.observed)].dropna()
    values = data.to_numpy(float)
    if missing:
        rng = np.random.default_rng(7)
        covariates = [layout.structure.observed.index(v) for v in spec.roles.ov_x]
        holes = rng.random(values.shape) < 0.1
        holes[:, covariates] = False
        values = np.where(holes, np.nan, values)
        moments = missing_moments(values)
    else:
        moments = complete_moments(values)
    functions = MLFunctions(layout, [moments])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theta = ls.fit(spec, data, emit_warnings=False).theta
    rng = np.random.default_rng(3)
    theta = np.concatenate([theta, moments.mean[0][:layout.n_free - theta.size]])
    theta = theta + 0.02 * rng.standard_normal(theta.size)  # away from the optimum
    return layout, functions, theta


def _numeric_gradient(functions: MLFunctions, theta: np.ndarray) -> np.ndarray:
    out = np.empty(theta.size)
    for k in range(theta.size):
        step = 1e-6 * max(1.0, abs(theta[k]))
        up, down = theta.copy(), theta.copy()
        up[k] += step
        down[k] -= step
        out[k] = (functions.discrepancy(up) - functions.discrepancy(down)) / (2 * step)
    return out


@pytest.mark.parametrize("means,missing", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("name", list(MODELS))
def test_gradient_matches_central_differences(name, means, missing):
    _, functions, theta = _setup(name, means, missing)
    analytic = functions.evaluate(theta)[1][0]
    numeric = _numeric_gradient(functions, theta)
    # central differences: error O(h^2 F''') ~ 1e-9 at h = 1e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(MODELS))
def test_expected_information_is_the_hessian_at_exact_data(name):
    layout, functions, theta = _setup(name, means=True)
    sigma, mu = functions.implied_moments(theta)[0]
    exact = MLFunctions(layout, [summary_moments(sigma, mu, 500)])
    expected = exact.information(theta)
    observed = exact.observed_information(theta)
    np.testing.assert_allclose(observed, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("name", ["hs_cfa", "hs_mimic", "pd_path"])
def test_casewise_scores_sum_to_the_gradient(name, missing):
    _, functions, theta = _setup(name, means=True, missing=missing)
    scores = functions.casewise_scores(theta)
    gradient = functions.evaluate(theta)[1][0]
    n = functions.n_total[0]
    assert scores.shape == (n, theta.size)
    np.testing.assert_allclose(scores.sum(axis=0), -0.5 * n * gradient, rtol=1e-9, atol=1e-7)


def test_a_stack_gives_each_sample_its_own_value():
    layout, functions, theta = _setup("poldem")
    values = functions.groups[0].patterns[0].rows
    rng = np.random.default_rng(11)
    rows = rng.integers(0, values.shape[0], size=(5, values.shape[0]))
    stack = MLFunctions(layout, [stacked_moments(values, rows)])
    thetas = theta + 0.01 * rng.standard_normal((5, theta.size))
    f, g = stack.evaluate(thetas)
    for b in range(5):
        alone = MLFunctions(layout, [complete_moments(values[rows[b]])])
        f_b, g_b = alone.evaluate(thetas[b])
        assert f[b] == pytest.approx(f_b[0], rel=1e-12)
        np.testing.assert_allclose(g[b], g_b[0], rtol=1e-10, atol=1e-13)


def test_a_non_positive_definite_sample_of_a_stack_is_infinite_only_there():
    layout, functions, theta = _setup("hs_cfa")
    thetas = np.repeat(theta[None], 3, axis=0)
    variance = int(np.flatnonzero(((layout.table["op"] == "~~")
                                   & (layout.table["lhs"] == "x1")
                                   & (layout.table["rhs"] == "x1")).to_numpy())[0])
    thetas[1, layout.table["free"].iat[variance] - 1] = -50.0
    f, g = functions.evaluate(thetas)
    assert np.isfinite(f[[0, 2]]).all() and f[1] == np.inf
    assert np.isnan(g[1]).all() and np.isfinite(g[[0, 2]]).all()


def test_two_groups_are_the_weighted_sum_of_one_group_each():
    spec = ls.load_spec("models/hs_cfa.lav")
    table = with_mean_structure(spec.parameter_table)
    one = build_parameter_layout(table)
    two_table = pd.concat([table.assign(group=0),
                           table.assign(group=1, free=np.where(table["free"] > 0,
                                                               table["free"] + one.n_free, 0))],
                          ignore_index=True)
    two = build_parameter_layout(two_table)
    data = ls.load_dataset("holzinger_swineford")
    order = list(one.structure.observed)
    parts = [data[data["school"] == s][order].to_numpy(float) for s in data["school"].unique()]
    moments = [complete_moments(v) for v in parts]
    _, functions, theta = _setup("hs_cfa", means=True)
    theta_two = np.concatenate([theta, theta * 1.01])
    f_two = MLFunctions(two, moments).discrepancy(theta_two)
    f_each = [MLFunctions(one, [m]).discrepancy(t) for m, t in zip(moments, (theta, theta * 1.01))]
    n = np.array([v.shape[0] for v in parts], dtype=float)
    assert f_two == pytest.approx(float(n @ np.array(f_each)) / n.sum(), rel=1e-12)


# --- the rank-one cells of dSigma/dtheta, and the scoring terms built on them ----------

def _numeric_sigma_jacobian(functions: MLFunctions, theta: np.ndarray) -> np.ndarray:
    out = []
    for k in range(theta.size):
        step = 1e-6 * max(1.0, abs(theta[k]))
        up, down = theta.copy(), theta.copy()
        up[k] += step
        down[k] -= step
        out.append((functions.implied_moments(up)[0][0]
                    - functions.implied_moments(down)[0][0]) / (2 * step))
    return np.array(out)


@pytest.mark.parametrize("name", list(MODELS))
def test_the_cells_give_dsigma_of_central_differences(name):
    _, functions, theta = _setup(name, means=True)
    dense = functions.jacobian(theta, 0)[1]
    # central differences at h = 1e-6: observed error up to 1.6e-9 absolute, 1e-9 relative
    np.testing.assert_allclose(dense, _numeric_sigma_jacobian(functions, theta),
                               rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("means,missing", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("name", list(MODELS))
def test_scoring_gradient_matches_central_differences(name, means, missing):
    _, functions, theta = _setup(name, means, missing)
    gradient, _ = functions.gradient_and_information(theta)
    np.testing.assert_allclose(gradient, _numeric_gradient(functions, theta),
                               rtol=1e-6, atol=1e-8)


def _dense_information(functions: MLFunctions, theta: np.ndarray, masked=()) -> np.ndarray:
    """The textbook formula on dense dSigma/dtheta (the cells' trace trick not used)."""
    implied, d_sigma, d_mu = functions.jacobian(theta, 0)
    index = np.asarray(masked, dtype=int)
    if index.size:
        d_sigma[:, index[:, None], index[None, :]] = 0.0
        d_mu[:, index] = 0.0
    group, sigma = functions.groups[0], implied.sigma[0]
    out = np.zeros((theta.size, theta.size))
    for pattern in group.patterns:
        o = pattern.observed
        w = np.linalg.inv(sigma[np.ix_(o, o)])
        block = d_sigma[:, o][:, :, o]
        out += float(pattern.n[0]) * (
            0.5 * np.einsum("aij,jk,bkl,li->ab", block, w, block, w)
            + d_mu[:, o] @ w @ d_mu[:, o].T)
    return out / float(group.n[0])


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("name", list(MODELS))
def test_information_from_cells_equals_the_dense_formula(name, missing):
    layout, functions, theta = _setup(name, means=True, missing=missing)
    np.testing.assert_allclose(functions.information(theta), _dense_information(functions, theta),
                               rtol=1e-12, atol=1e-13)
    covariates = [layout.structure.observed.index(v) for v in ls.load_spec(
        MODELS[name][0]).roles.ov_x]
    if covariates:
        np.testing.assert_allclose(functions.information(theta, masked=covariates),
                                   _dense_information(functions, theta, covariates),
                                   rtol=1e-12, atol=1e-13)
