"""Tests of the synthetic loyalty-chain survey generator."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyaltysem.data.synthetic import (
    PopulationModel,
    loyalty_chain_population,
    make_loyalty_chain_survey,
    simulate_survey,
)

CHAIN = ["SAT", "TRU", "VAL", "LOY"]
ITEMS = [f"sat_{i}" for i in range(1, 5)] + [f"tru_{i}" for i in range(1, 4)] + [
    f"val_{i}" for i in range(1, 4)
] + [f"loy_{i}" for i in range(1, 5)]


@pytest.fixture(scope="module")
def pop() -> PopulationModel:
    return loyalty_chain_population()


# ---------------------------------------------------------------- structure
def test_constructs_in_causal_order(pop):
    assert pop.constructs == ("SAT", "TRU", "VAL", "LOY")
    assert pop.exogenous == ("SAT",)
    assert pop.items == tuple(ITEMS)


def test_causal_order_differs_from_loadings_order():
    p = PopulationModel(
        loadings={"Y": {"y1": 0.8}, "X": {"x1": 0.8}},
        paths={("X", "Y"): 0.5},
    )
    assert p.constructs == ("X", "Y")
    # item order follows loadings, not causal order
    assert list(p.item_covariance().columns) == ["y1", "x1"]
    assert p.item_covariance().loc["x1", "y1"] == pytest.approx(0.8 * 0.5 * 0.8)


def test_latent_covariance_unit_variances_and_values(pop):
    phi = pop.latent_covariance()
    assert list(phi.index) == list(pop.constructs)
    np.testing.assert_allclose(np.diag(phi), 1.0, atol=1e-12)
    assert phi.loc["SAT", "TRU"] == pytest.approx(0.60)
    assert phi.loc["SAT", "VAL"] == pytest.approx(0.20 + 0.45 * 0.60)
    assert phi.loc["TRU", "VAL"] == pytest.approx(0.45 + 0.20 * 0.60)
    np.testing.assert_allclose(phi.to_numpy(), phi.to_numpy().T)


def test_residual_variances_and_r_squared(pop):
    psi = pop.residual_variances()
    assert psi["SAT"] == pytest.approx(1.0)
    assert psi["TRU"] == pytest.approx(1 - 0.36)
    assert psi["VAL"] == pytest.approx(1 - 0.3505)
    assert psi["LOY"] == pytest.approx(1 - 0.4524)
    assert pop.r_squared().to_dict() == pytest.approx({"TRU": 0.36, "VAL": 0.3505, "LOY": 0.4524})


def test_item_covariance_unit_diagonal(pop):
    sigma = pop.item_covariance()
    assert list(sigma.columns) == ITEMS
    np.testing.assert_allclose(np.diag(sigma), 1.0, atol=1e-12)
    assert sigma.loc["sat_1", "sat_2"] == pytest.approx(0.85 * 0.82)
    assert sigma.loc["sat_1", "loy_1"] == pytest.approx(
        0.85 * 0.88 * pop.latent_covariance().loc["SAT", "LOY"]
    )
    assert np.linalg.eigvalsh(sigma.to_numpy()).min() > 0


# --------------------------------------------------------------- simulation
def test_reproducible_from_seed(pop):
    a = simulate_survey(pop, 50, seed=7, likert_points=7)
    b = simulate_survey(pop, 50, seed=7, likert_points=7)
    c = simulate_survey(pop, 50, seed=8, likert_points=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    pd.testing.assert_frame_equal(make_loyalty_chain_survey(), make_loyalty_chain_survey())


def test_shape_and_likert_range():
    d = make_loyalty_chain_survey(n=300, seed=1, likert_points=7)
    assert d.shape == (300, 14)
    assert list(d.columns) == ITEMS
    assert all(pd.api.types.is_integer_dtype(t) for t in d.dtypes)
    assert d.min().min() >= 1 and d.max().max() <= 7
    five = make_loyalty_chain_survey(n=300, seed=1, likert_points=5)
    assert set(np.unique(five.to_numpy())) <= {1, 2, 3, 4, 5}


def test_likert_rule_is_applied(pop):
    cont = simulate_survey(pop, 200, seed=3)
    lik = simulate_survey(pop, 200, seed=3, likert_points=7)
    expected = np.clip(np.rint(4.5 + (7 / 5.5) * cont.to_numpy()), 1, 7)
    np.testing.assert_array_equal(lik.to_numpy(), expected)
    centred = simulate_survey(pop, 200, seed=3, likert_points=7, scale_center=4.0)
    np.testing.assert_array_equal(
        centred.to_numpy(), np.clip(np.rint(4.0 + (7 / 5.5) * cont.to_numpy()), 1, 7)
    )


def test_continuous_sample_matches_item_covariance(pop):
    d = simulate_survey(pop, 200_000, seed=2024)
    assert all(pd.api.types.is_float_dtype(t) for t in d.dtypes)
    diff = np.abs(d.cov().to_numpy() - pop.item_covariance().to_numpy())
    assert diff.max() < 0.01
    assert np.abs(d.mean().to_numpy()).max() < 0.01


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 0}, "n must be a positive integer"),
        ({"n": 2.5}, "n must be a positive integer"),
        ({"n": 10, "likert_points": 1}, "likert_points"),
        ({"n": 10, "likert_points": 7.0}, "likert_points"),
        ({"n": 10, "scale_center": 4.0}, "scale_center is only used"),
        ({"n": 10, "likert_points": 7, "scale_center": 9}, "scale_center must be"),
    ],
)
def test_simulate_survey_rejects_bad_arguments(pop, kwargs, match):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=match):
        simulate_survey(pop, n, seed=1, **kwargs)


# ----------------------------------------------------------- true parameters
def _implied_from_table(pop: PopulationModel, table: pd.DataFrame) -> np.ndarray:
    """Sigma = Lambda (I - B)^-1 Psi (I - B)^-T Lambda' + Theta from a lavaan-style table."""
    eta = list(pop.constructs)
    items = list(pop.items)
    lam = np.zeros((len(items), len(eta)))
    beta = np.zeros((len(eta), len(eta)))
    psi = np.zeros((len(eta), len(eta)))
    theta = np.zeros((len(items), len(items)))
    for row in table.itertuples(index=False):
        if row.op == "=~":
            lam[items.index(row.rhs), eta.index(row.lhs)] = row.est
        elif row.op == "~":
            beta[eta.index(row.lhs), eta.index(row.rhs)] = row.est
        elif row.lhs in eta:
            i, j = eta.index(row.lhs), eta.index(row.rhs)
            psi[i, j] = psi[j, i] = row.est
        else:
            i, j = items.index(row.lhs), items.index(row.rhs)
            theta[i, j] = theta[j, i] = row.est
    inv = np.linalg.inv(np.eye(len(eta)) - beta)
    return lam @ inv @ psi @ inv.T @ lam.T + theta


def test_true_parameters_layout(pop):
    tp = pop.true_parameters()
    assert list(tp.columns) == ["lhs", "op", "rhs", "est"]
    assert set(tp["op"]) == {"=~", "~", "~~"}
    assert (tp["op"] == "=~").sum() == 14
    assert (tp["op"] == "~").sum() == 6
    assert (tp["op"] == "~~").sum() == 14 + 4
    reg = tp[tp["op"] == "~"]
    assert {(r.lhs, r.rhs) for r in reg.itertuples()} == {
        ("TRU", "SAT"), ("VAL", "TRU"), ("VAL", "SAT"),
        ("LOY", "VAL"), ("LOY", "SAT"), ("LOY", "TRU"),
    }


def test_marker_loading_is_one(pop):
    tp = pop.true_parameters(marker=True).set_index(["lhs", "op", "rhs"])["est"]
    for construct in pop.constructs:
        assert tp[(construct, "=~", pop.marker(construct))] == 1.0
    assert tp[("SAT", "=~", "sat_2")] == pytest.approx(0.82 / 0.85)
    assert tp[("TRU", "~", "SAT")] == pytest.approx(0.60 * 0.86 / 0.85)
    assert tp[("SAT", "~~", "SAT")] == pytest.approx(0.85**2)
    assert tp[("sat_1", "~~", "sat_1")] == pytest.approx(1 - 0.85**2)


@pytest.mark.parametrize("marker", [True, False])
def test_true_parameters_reproduce_item_covariance(pop, marker):
    implied = _implied_from_table(pop, pop.true_parameters(marker=marker))
    np.testing.assert_allclose(implied, pop.item_covariance().to_numpy(), atol=1e-10, rtol=0)


def test_marker_and_standardized_parameters_consistent(pop):
    std = pop.true_parameters(marker=False).set_index(["lhs", "op", "rhs"])["est"]
    mk = pop.true_parameters(marker=True).set_index(["lhs", "op", "rhs"])["est"]
    sd = {c: pop.loadings[c][pop.marker(c)] for c in pop.constructs}
    for (lhs, op, rhs), value in mk.items():
        if op == "=~":
            assert value * sd[lhs] == pytest.approx(std[(lhs, op, rhs)])
        elif op == "~":
            assert value * sd[rhs] / sd[lhs] == pytest.approx(std[(lhs, op, rhs)])
        elif lhs in sd:
            assert value / (sd[lhs] * sd[rhs]) == pytest.approx(std[(lhs, op, rhs)])
        else:
            assert value == pytest.approx(std[(lhs, op, rhs)])


def test_exogenous_correlation_in_true_parameters():
    p = PopulationModel(
        loadings={"A": {"a1": 0.8, "a2": 0.7}, "B": {"b1": 0.6, "b2": 0.7}, "Y": {"y1": 0.9}},
        paths={("A", "Y"): 0.3, ("B", "Y"): 0.4},
        exogenous_correlations={("A", "B"): 0.5},
    )
    assert p.residual_variances()["Y"] == pytest.approx(1 - (0.09 + 0.16 + 2 * 0.3 * 0.4 * 0.5))
    tp = p.true_parameters().set_index(["lhs", "op", "rhs"])["est"]
    assert tp[("A", "~~", "B")] == pytest.approx(0.5 * 0.8 * 0.6)
    for marker in (True, False):
        np.testing.assert_allclose(
            _implied_from_table(p, p.true_parameters(marker=marker)),
            p.item_covariance().to_numpy(),
            atol=1e-10,
            rtol=0,
        )


def test_indirect_effect(pop):
    assert pop.indirect_effect(CHAIN, standardized=True) == pytest.approx(0.60 * 0.45 * 0.40)
    assert pop.indirect_effect(CHAIN) == pytest.approx(0.108 * 0.88 / 0.85)
    tp = pop.true_parameters().set_index(["lhs", "op", "rhs"])["est"]
    product = tp[("TRU", "~", "SAT")] * tp[("VAL", "~", "TRU")] * tp[("LOY", "~", "VAL")]
    assert pop.indirect_effect(CHAIN, standardized=False) == pytest.approx(product)
    assert pop.indirect_effect(["SAT", "LOY"], standardized=True) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="'TRU' -> 'SAT' is not a direct path"):
        pop.indirect_effect(["TRU", "SAT"])
    with pytest.raises(ValueError, match="unknown construct 'XXX'"):
        pop.indirect_effect(["SAT", "XXX"])
    with pytest.raises(ValueError, match="at least two constructs"):
        pop.indirect_effect(["SAT"])


def test_population_is_frozen(pop):
    with pytest.raises(AttributeError):
        pop.paths = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        pop.loadings["SAT"]["sat_1"] = 0.1  # type: ignore[index]


def test_caller_dicts_are_copied():
    loadings = {"X": {"x1": 0.8}, "Y": {"y1": 0.8}}
    paths = {("X", "Y"): 0.5}
    p = PopulationModel(loadings=loadings, paths=paths)
    paths[("X", "Y")] = 0.9
    loadings["X"]["x1"] = 0.1
    assert p.paths[("X", "Y")] == 0.5
    assert p.loadings["X"]["x1"] == 0.8


# ---------------------------------------------------------------- validation
_L = {"X": {"x1": 0.8, "x2": 0.7}, "Y": {"y1": 0.8, "y2": 0.7}, "Z": {"z1": 0.9}}


def test_unknown_construct_in_path():
    with pytest.raises(ValueError, match="unknown construct 'W'"):
        PopulationModel(loadings=_L, paths={("X", "W"): 0.3})


def test_cycle_is_rejected():
    with pytest.raises(ValueError, match=r"cycle involving constructs \['X', 'Y', 'Z'\]"):
        PopulationModel(loadings=_L, paths={("X", "Y"): 0.3, ("Y", "Z"): 0.3, ("Z", "X"): 0.3})
    with pytest.raises(ValueError, match="'Y' -> 'Y' is a cycle"):
        PopulationModel(loadings=_L, paths={("Y", "Y"): 0.3})


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.2, -0.5, float("nan"), True])
def test_loading_outside_unit_interval(bad):
    loadings = {"X": {"x1": 0.8, "x2": bad}, "Y": {"y1": 0.8}}
    with pytest.raises(ValueError, match="loading of item 'x2' on construct 'X'"):
        PopulationModel(loadings=loadings, paths={("X", "Y"): 0.3})


def test_explained_variance_at_least_one():
    with pytest.raises(ValueError, match="construct 'Z': its predictors would explain"):
        PopulationModel(loadings=_L, paths={("X", "Z"): 0.8, ("Y", "Z"): 0.7})
    with pytest.raises(ValueError, match="construct 'Y'"):
        PopulationModel(loadings=_L, paths={("X", "Y"): 1.0})


def test_item_under_two_constructs():
    with pytest.raises(ValueError, match="item 'x1' is listed under both 'X' and 'Y'"):
        PopulationModel(loadings={"X": {"x1": 0.8}, "Y": {"x1": 0.7}}, paths={})


def test_bad_exogenous_correlations():
    with pytest.raises(ValueError, match="'Y' is endogenous"):
        PopulationModel(
            loadings=_L, paths={("X", "Y"): 0.3}, exogenous_correlations={("X", "Y"): 0.2}
        )
    with pytest.raises(ValueError, match="strictly between -1 and 1"):
        PopulationModel(loadings=_L, paths={}, exogenous_correlations={("X", "Z"): 1.0})
    with pytest.raises(ValueError, match="not form a positive definite matrix"):
        PopulationModel(
            loadings=_L,
            paths={},
            exogenous_correlations={("X", "Y"): 0.9, ("X", "Z"): 0.9, ("Y", "Z"): -0.9},
        )


def test_bad_path_value_and_key():
    with pytest.raises(ValueError, match="must be a finite number"):
        PopulationModel(loadings=_L, paths={("X", "Y"): float("inf")})
    with pytest.raises(ValueError, match="path keys must be"):
        PopulationModel(loadings=_L, paths={"X->Y": 0.3})  # type: ignore[dict-item]
