"""PLS-SEM: specific indirect and defined effects, hypotheses and the cited checks."""
from __future__ import annotations

import numpy as np
import pytest

from loyaltysem import load_dataset
from loyaltysem.pls import bootstrap_pls, fit_pls

CORP_REP = load_dataset("corp_rep")


@pytest.fixture(scope="module")
def simple():
    return fit_pls("corp_rep", CORP_REP, missing="mean")


@pytest.fixture(scope="module")
def booted(simple):
    return simple.with_bootstrap(bootstrap_pls(simple, 300, seed=8))


def test_specific_indirect_effects_are_products_along_each_chain():
    result = fit_pls("corp_rep_extended", CORP_REP, missing="mean")
    p = result.paths.set_index(["from", "to"])["est"]
    specific = result.specific_effects.set_index("chain")["est"]
    assert specific["QUAL -> LIKE -> CUSA -> CUSL"] == pytest.approx(
        p[("QUAL", "LIKE")] * p[("LIKE", "CUSA")] * p[("CUSA", "CUSL")], abs=1e-15)
    # the chains of QUAL to CUSL: via COMP, LIKE, COMP-CUSA, LIKE-CUSA
    assert sum(c.startswith("QUAL") and c.endswith("CUSL") for c in specific.index) == 4
    # their sum is the total indirect effect
    from_qual = specific[[c for c in specific.index if c.startswith("QUAL")
                          and c.endswith("CUSL")]].sum()
    effects = result.effects.set_index(["from", "to", "kind"])["est"]
    assert from_qual == pytest.approx(effects[("QUAL", "CUSL", "indirect")], abs=1e-14)


def test_defined_effects_evaluate_the_spec_over_path_labels(simple):
    p = simple.paths.set_index(["from", "to"])["est"]
    defined = simple.defined.set_index("name")["est"]
    assert defined["COMP_CUSL_total"] == pytest.approx(
        p[("COMP", "CUSL")] + p[("COMP", "CUSA")] * p[("CUSA", "CUSL")], abs=1e-15)


def test_bootstrap_draws_of_derived_effects_follow_the_path_draws(booted):
    draws = booted.bootstrap.draws
    product = draws[("path", "LIKE -> CUSA")] * draws[("path", "CUSA -> CUSL")]
    np.testing.assert_allclose(draws[("specific", "LIKE -> CUSA -> CUSL")], product,
                               atol=1e-15)
    np.testing.assert_allclose(draws[("defined", "LIKE_CUSL_ind")], product, atol=1e-15)


def test_hypotheses_verdicts_follow_the_bootstrap_intervals(booted, simple):
    table = booted.hypotheses.set_index("id")
    assert table.loc["H4", "verdict"] == "not supported"    # COMP -> CUSL .009
    assert table.loc["H6", "verdict"] == "supported"        # LIKE -> CUSA -> CUSL
    for row in table.itertuples():
        expected = ("supported" if row.ci_lower > 0 else "not supported")
        assert row.verdict == expected
    assert set(simple.hypotheses["verdict"]) == {"not tested"}


def test_checks_apply_the_cited_thresholds():
    ecsi = fit_pls("ecsi", load_dataset("mobi"))
    checks = ecsi.checks().set_index(["check", "target"])
    alpha = ecsi.constructs.set_index("construct").at["Expectation", "alpha"]
    assert checks.loc[("alpha", "Expectation"), "value"] == pytest.approx(alpha)
    assert checks.loc[("alpha", "Expectation"), "verdict"] == "fail"     # .452 < .70
    assert checks.loc[("loading", "Loyalty: CUSL2"), "verdict"] == "fail"  # .20 < .40
    assert checks.loc[("loading", "Image: IMAG2"), "verdict"] == "warn"    # .40-.708
    assert checks.loc[("htmt", "Quality - Satisfaction"), "verdict"] == "fail"
    relaxed = ecsi.checks({"alpha": 0.4}).set_index(["check", "target"])
    assert relaxed.loc[("alpha", "Expectation"), "verdict"] == "pass"
    text = ecsi.summary().as_text()
    assert "fail: Cronbach's alpha of Expectation is 0.452" in text


def test_fornell_larcker_margin_is_root_ave_minus_the_largest_correlation():
    ecsi = fit_pls("ecsi", load_dataset("mobi"))
    r = ecsi.construct_correlations.abs()
    ave = ecsi.constructs.set_index("construct")["ave"]
    margin = np.sqrt(ave["Image"]) - r.loc["Image"].drop("Image").max()
    checks = ecsi.checks().set_index(["check", "target"])
    assert checks.loc[("fornell_larcker", "Image"), "value"] == pytest.approx(margin, abs=1e-14)


def test_checks_skip_composites_reflective_criteria():
    extended = fit_pls("corp_rep_extended", CORP_REP, missing="mean")
    checks = extended.checks()
    assert not checks["target"].str.startswith("QUAL:").loc[checks["check"] == "loading"].any()
    assert ("vif", "QUAL: qual_1") in set(zip(checks["check"], checks["target"]))
