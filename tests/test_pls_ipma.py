"""IPMA (loyaltysem.pls.ipma) against a hand computation written here.

The hand computation follows Ringle & Sarstedt (2016, steps 2-4) literally:
rescale the items to 0-100, unstandardize fit_pls's weights by the rescaled
items' SDs and norm them to sum to 1, build the rescaled scores, then estimate
the UNSTANDARDIZED inner model by OLS (numpy lstsq with an intercept) on those
scores and take its total effects (I - B)^-1 - I. ipma() instead rescales the
standardized total effects by SD ratios; the two agree to rounding (compared
at 1e-10: closed forms of the same converged weights).

No published corp_rep IPMA values were found (Ringle & Sarstedt's 2016 case
study is a technology-acceptance model on other data; Hair et al.'s 2018
*Advanced issues* figures are not available here), so there is no published
comparison.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyaltysem import load_dataset
from loyaltysem.exceptions import ArgumentError, DataError, SpecificationError
from loyaltysem.pls import fit_pls, ipma
from loyaltysem.spec import as_spec

TOL = 1e-10


@pytest.fixture(scope="module")
def corp_rep() -> pd.DataFrame:
    return load_dataset("corp_rep")


def _hand(spec_name: str, data: pd.DataFrame, target: str, low, high) -> dict:
    spec = as_spec(spec_name)
    fit = fit_pls(spec, data, missing="mean", tol=1e-13, max_iter=1000)
    outer = fit.outer
    items = list(dict.fromkeys(outer["item"]))
    raw = data[items].fillna(data[items].mean())
    low = raw.min() if low is None else pd.Series(low, index=items)
    high = raw.max() if high is None else pd.Series(high, index=items)
    rescaled = 100 * (raw - low) / (high - low)
    names = list(spec.constructs)
    scores, weights = {}, {}
    for name in names:
        block = outer[outer["construct"] == name]
        w = block["weight"].to_numpy() / rescaled[block["item"]].std(ddof=1).to_numpy()
        w = w / w.sum()
        weights.update({(name, i): v for i, v in zip(block["item"], w)})
        scores[name] = rescaled[block["item"]].to_numpy() @ w
    paths = np.zeros((len(names), len(names)))
    for name in names:
        sources = [a for a, b in spec.structural_paths if b == name]
        if sources:
            design = np.column_stack([np.ones(len(raw))] + [scores[a] for a in sources])
            beta = np.linalg.lstsq(design, scores[name], rcond=None)[0]
            for a, b in zip(sources, beta[1:]):
                paths[names.index(a), names.index(name)] = b
    total = np.linalg.inv(np.eye(len(names)) - paths) - np.eye(len(names))
    importance = {a: total[names.index(a), names.index(target)] for a in names}
    return {"importance": importance, "performance": {a: scores[a].mean() for a in names},
            "weights": weights, "item_performance": rescaled.mean().to_dict()}


@pytest.mark.parametrize("spec_name, target", [("corp_rep", "CUSL"), ("corp_rep", "CUSA"),
                                               ("corp_rep_extended", "CUSL"),
                                               ("corp_rep_extended", "LIKE")])
@pytest.mark.parametrize("scale", [(1, 7), "data"])
def test_ipma_matches_ols_on_rescaled_scores(corp_rep, spec_name, target, scale):
    result = ipma(spec_name, corp_rep, target, scale=scale, missing="mean", tol=1e-13,
                  max_iter=1000)
    low, high = (None, None) if scale == "data" else scale
    hand = _hand(spec_name, corp_rep, target, low, high)
    table = result.constructs.set_index("construct")
    assert target not in table.index and len(table) > 0
    for name, row in table.iterrows():
        assert row["importance"] == pytest.approx(hand["importance"][name], abs=TOL), name
        assert row["performance"] == pytest.approx(hand["performance"][name], abs=TOL), name
    assert result.target_performance == pytest.approx(hand["performance"][target], abs=TOL)
    for _, row in result.indicators.iterrows():
        key = (row["construct"], row["item"])
        assert row["weight"] == pytest.approx(hand["weights"][key], abs=TOL), key
        assert row["importance"] == pytest.approx(
            hand["weights"][key] * hand["importance"][row["construct"]], abs=TOL), key
        assert row["performance"] == pytest.approx(hand["item_performance"][row["item"]],
                                                   abs=TOL), key


def test_constructs_without_an_effect_on_the_target_are_left_out(corp_rep):
    result = ipma("corp_rep", corp_rep, "CUSA", missing="mean")
    assert result.constructs["construct"].tolist() == ["COMP", "LIKE"]
    assert set(result.indicators["construct"]) == {"COMP", "LIKE"}


def test_standardized_importance_is_the_total_effect(corp_rep):
    result = ipma("corp_rep", corp_rep, "CUSL", missing="mean")
    effects = fit_pls("corp_rep", corp_rep, missing="mean").effects
    total = effects[(effects["kind"] == "total") & (effects["to"] == "CUSL")].set_index("from")
    for _, row in result.constructs.iterrows():
        assert row["importance_std"] == pytest.approx(total.loc[row["construct"], "est"],
                                                      abs=1e-12)


def test_weights_sum_to_one_and_performance_is_in_0_100(corp_rep):
    result = ipma("corp_rep", corp_rep, "CUSL", missing="mean")
    sums = result.indicators.groupby("construct")["weight"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-12)
    assert result.constructs["performance"].between(0, 100).all()
    assert ((result.scores >= -1e-9) & (result.scores <= 100 + 1e-9)).all().all()


def test_negative_weights_are_warned_about(corp_rep):
    result = ipma("corp_rep_extended", corp_rep, "CUSL", missing="mean")
    assert any("negative rescaled outer weights" in w for w in result.warnings)


def test_summary_renders(corp_rep):
    result = ipma("corp_rep", corp_rep, "CUSL", missing="mean")
    summary = result.summary()
    for text in (summary.as_text(), summary.as_markdown(), summary.as_html(),
                 summary.as_latex(), str(result), result._repr_html_()):
        assert "CUSL" in text and "LIKE" in text
    assert result.scale == "(1, 7)"


def test_values_outside_the_scale(corp_rep):
    with pytest.raises(DataError, match=r"outside the scale \(1, 5\).*scale='data'"):
        ipma("corp_rep", corp_rep, "CUSL", scale=(1, 5), missing="mean")


@pytest.mark.parametrize("scale", [(7, 1), (1,), "observed", (1, float("inf"))])
def test_bad_scale(corp_rep, scale):
    with pytest.raises(ArgumentError, match="scale must be"):
        ipma("corp_rep", corp_rep, "CUSL", scale=scale, missing="mean")


def test_bad_target(corp_rep):
    with pytest.raises(ArgumentError, match=r"target must be one of the model's constructs"):
        ipma("corp_rep", corp_rep, "LOYALTY", missing="mean")
    with pytest.raises(SpecificationError, match="COMP is exogenous"):
        ipma("corp_rep", corp_rep, "COMP", missing="mean")
