"""test_hypotheses on a multi-group fit: per group and between groups, against lavaan 0.6-14.

Reference: tests/reference/groups/hypotheses.json, written by
tests/reference/make_groups_hypotheses_reference.R: the model of each case with a label
per path and group (``c(p1_1, p1_2)*``) and every hypothesis of the loyaltysem spec as a
``:=`` per group (``H6_g1 := p2_1*p5_1``) and per pair of groups (``H6_d1_2 := H6_g1 -
H6_g2``), with parameterEstimates()' delta-method SEs: ML (expected information), MLR by
FIML with equal loadings (sandwich from the observed information), MLM with equal
loadings (Satorra-Bentler robust vcov), ML with four groups (six differences); and
semTools::monteCarloCI (1e5 draws) of the HS chain. lavaan was run to a tight optimum
(BFGS, reltol 1e-14).

The multi-group bootstrap intervals are compared with lavaan's bootstrap of the same HS
chain (tests/reference/core/boot_hs_school_chain.json, 1000 draws; see
tests/test_bootstrap_groups.py for the Monte Carlo bounds).

Tolerances (issue #11: estimates 1e-5 relative, SEs 1e-4), about ten times the observed:
estimates 1e-5 relative or 1e-5 of lavaan's SE (observed 6.7e-7 SE; 7.5e-6 relative on a
four-group difference near 0), SEs 1e-5 relative (observed 7.8e-7); Monte Carlo intervals
within 0.05 SD of the Monte Carlo distribution (two independent runs of 1e5 draws: see
tests/test_effects.py; observed 0.022 SD).
"""
from __future__ import annotations

import json
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from loyaltysem.effects import bootstrap, test_hypotheses as run_hypotheses
from loyaltysem.effects.hypotheses import HypothesisTable
from loyaltysem.exceptions import ArgumentError
from loyaltysem.groups import fit_groups

from lavaan_reference import ROOT
from monte_carlo_error import sd_of_quantile

REFERENCE = json.loads((ROOT / "tests/reference/groups/hypotheses.json").read_text())
CASES = list(REFERENCE["cases"])


def _data(case: dict):
    for name in ("holzinger_swineford", "corp_rep"):
        if case["data"] == f"datasets/{name}/{name}.csv":
            return name
    return pd.read_csv(ROOT / case["data"])


@lru_cache(maxsize=None)
def _fit(name: str):
    case = REFERENCE["cases"][name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_groups(ROOT / case["model"], _data(case), case["group"],
                          group_equal=case["group_equal"], estimator=case["estimator"],
                          missing=case["missing"],
                          na_values=[int(v) for v in case["na"]] or None,
                          emit_warnings=False)


def _row_of(table: pd.DataFrame, labels: list, row: dict) -> pd.Series:
    """Our row of lavaan's ``:=`` ``row`` (its hypothesis id, group and other group)."""
    group = labels[row["group"] - 1]
    if row["other"] is not None:
        group = f"{group} - {labels[row['other'] - 1]}"
    found = table[(table["id"] == row["id"]) & (table["group"] == group)]
    assert len(found) == 1, (row, group)
    return found.iloc[0]


@pytest.mark.parametrize("name", CASES)
def test_per_group_effects_and_differences_are_lavaans_defined_parameters(name):
    case = REFERENCE["cases"][name]
    fit = _fit(name)
    assert fit.converged
    table = run_hypotheses(fit).table
    labels = case["group_labels"]
    assert set(labels) == {str(g) for g in fit.groups}
    n_groups = len(labels)
    chains = {row["id"] for row in case["defined"]}
    assert len(table[table["id"].isin(chains)]) == len(chains) * (
        n_groups + n_groups * (n_groups - 1) // 2)
    for row in case["defined"]:
        ours = _row_of(table, labels, row)
        allowed = max(1e-5 * abs(row["est"]), 1e-5 * row["se"])
        assert abs(ours["est"] - row["est"]) <= allowed, (row, ours["est"])
        assert ours["se"] == pytest.approx(row["se"], rel=1e-5), (row, ours["se"])
        assert (ours["kind"] == "difference") == (row["other"] is not None)


@pytest.mark.parametrize("name", CASES)
def test_verdicts_follow_the_intervals(name):
    """The rule of the module notes: per group supported / not supported / opposite sign
    from the interval and the expected sign, between groups differs / does not differ."""
    table = run_hypotheses(_fit(name), level=0.9).table
    for row in table.itertuples(index=False):
        excludes = row.ci_lower > 0 or row.ci_upper < 0
        if row.kind == "difference":
            assert row.expected_sign == ""
            assert row.verdict == ("differs" if excludes else "does not differ")
            assert np.isnan(row.std_est)
        else:
            assert row.verdict in (("supported", "opposite sign") if excludes
                                   else ("not supported",))
        half = 1.6448536269514722 * row.se  # the 90% normal-theory interval
        assert row.ci_upper - row.est == pytest.approx(half, rel=1e-9)


def test_a_defined_effect_spans_the_groups_and_is_lavaans_difference():
    """H5 of hs_chain_groups.lav is ``diff := ind1 - ind2`` (the fit's := row, group ""):
    lavaan's H4_d1_2 of the labelled model, and our H4 difference row."""
    case = REFERENCE["cases"]["ml_hs_school"]
    lavaan = next(r for r in case["defined"] if r["lhs"] == "H4_d1_2")
    table = run_hypotheses(_fit("ml_hs_school")).table
    h5 = table[table["id"] == "H5"]
    assert list(h5["group"]) == [""] and list(h5["kind"]) == ["effect"]
    assert float(h5["est"].iloc[0]) == pytest.approx(lavaan["est"], rel=1e-5)
    assert float(h5["se"].iloc[0]) == pytest.approx(lavaan["se"], rel=1e-5)


def test_monte_carlo_intervals_match_semtools():
    """Within Monte Carlo error (module notes): every group's effect and every difference."""
    case = REFERENCE["cases"]["ml_hs_school"]
    labels = case["group_labels"]
    fit = _fit("ml_hs_school")
    table = run_hypotheses(fit, interval="montecarlo", n_draws=100_000, seed=7).table
    delta = run_hypotheses(fit).table
    meta = {r["lhs"]: r for r in case["defined"]}
    for result in case["monte_carlo"]["results"]:
        ours = _row_of(table, labels, meta[result["lhs"]])
        sd = result["sd"]
        assert ours["ci_lower"] == pytest.approx(result["ci_lower"], abs=0.05 * sd), result
        assert ours["ci_upper"] == pytest.approx(result["ci_upper"], abs=0.05 * sd), result
        # the SE column stays the delta-method SE; the Monte Carlo SD is close to it
        assert ours["se"] == _row_of(delta, labels, meta[result["lhs"]])["se"]
        assert ours["se"] == pytest.approx(sd, rel=0.05)


@pytest.fixture(scope="module")
def chain_boot():
    """The HS chain by school with lavaan's labels and 1000 resamples (as
    tests/test_bootstrap_groups.py)."""
    fit = _fit("ml_hs_school")
    return fit, bootstrap(fit, 1000, seed=20261123, progress=False)


def test_percentile_intervals_match_lavaans_bootstrap(chain_boot):
    """Pasteur's and Grant-White's indirect effects and their difference against lavaan's
    ind1, ind2 and diff (percentile, 1000 draws each): within 4 Monte Carlo SDs of the
    difference of two independent bootstraps (tests/test_bootstrap_groups.py); the SE is
    the SD of the draws (lavaan's divisor n)."""
    fit, boot = chain_boot
    reference = json.loads((ROOT / "tests/reference/core/boot_hs_school_chain.json")
                           .read_text())["bootstrap"]
    lavaan = {r["lhs"]: r for r in reference["estimates_perc"] if r["op"] == ":="}
    lavaan_draws = {k: np.array([np.nan if v is None else v for v in values], dtype=float)
                    for k, values in reference["draws"].items()}
    table = run_hypotheses(fit, interval="percentile", boot=boot).table.set_index("group")
    h4 = table[table["id"] == "H4"]
    chain = "visual -> textual -> speed"
    for group, name, key in (("Pasteur", "ind1", f"Pasteur: effect: {chain}"),
                             ("Grant-White", "ind2", f"Grant-White: effect: {chain}"),
                             ("Pasteur - Grant-White", "diff",
                              f"effect difference: {chain} (Pasteur - Grant-White)")):
        ours = boot.draws[key].to_numpy()
        theirs = lavaan_draws[name][np.isfinite(lavaan_draws[name])]
        for column, p in (("ci_lower", 0.025), ("ci_upper", 0.975)):
            allowed = 4 * np.hypot(sd_of_quantile(ours, p), sd_of_quantile(theirs, p))
            limit = lavaan[name]["ci.lower" if p < 0.5 else "ci.upper"]
            assert abs(h4.at[group, column] - limit) <= allowed, (group, column, limit)
        assert h4.at[group, "se"] == pytest.approx(np.std(ours), rel=1e-12)
        assert h4.at[group, "est"] == pytest.approx(boot.point[key], rel=1e-12)
    assert any("bootstrap: 1000 resamples" in note for note in
               run_hypotheses(fit, interval="percentile", boot=boot).notes)


def test_table_renders_and_serializes():
    table = run_hypotheses(_fit("ml_corp_rep_provider"))
    assert isinstance(table, HypothesisTable)
    text = table.summary().as_text()
    assert "groups (serviceprovider)" in text and "does not differ" in text
    payload = table.to_dict()
    assert payload["interval"] == "delta" and payload["level"] == 0.95
    assert payload["hypotheses"][0]["group"] == str(_fit("ml_corp_rep_provider").groups[0])
    json.dumps(payload)
    assert "<table" in table._repr_html_()


def test_refusals(chain_boot):
    fit, boot = chain_boot
    with pytest.raises(ArgumentError, match="needs a bootstrap"):
        run_hypotheses(fit, interval="percentile")
    with pytest.raises(ArgumentError, match="^result must be a FitResult .* or a "
                                            "MultiGroupResult"):
        run_hypotheses("fit")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="^n_draws must be an integer"):
        run_hypotheses(fit, interval="montecarlo", n_draws=1)
    with pytest.raises(ArgumentError, match="^level must be a confidence level"):
        run_hypotheses(fit, level=1.5)
    other = _fit("ml_corp_rep_servicetype")
    with pytest.raises(ArgumentError, match="^boot must be the bootstrap of this multi-group "
                                            "fit"):
        run_hypotheses(other, interval="percentile", boot=boot)
    import loyaltysem as ls

    single = ls.fit(ROOT / "models/hs_cfa.lav", "holzinger_swineford")
    with pytest.raises(ArgumentError, match="got the bootstrap of a single-group fit"):
        run_hypotheses(fit, interval="percentile", boot=bootstrap(single, 2, seed=1,
                                                                  progress=False))
    with pytest.raises(ArgumentError, match="^boot must be the bootstrap of this "
                                            "single-group fit"):
        run_hypotheses(single, interval="percentile", boot=boot)
    few = bootstrap(fit, 2, seed=1, progress=False, effects=[])
    with pytest.raises(ArgumentError, match="boot has no draws of"):
        run_hypotheses(fit, interval="percentile", boot=few)


def test_cli_fit_group_tests_the_hypotheses_per_group():
    """``loyaltysem fit --group``: the hypotheses of the spec, per group and between groups
    (lavaan's values of make_groups_hypotheses_reference.R)."""
    from click.testing import CliRunner

    from loyaltysem.cli import main

    case = REFERENCE["cases"]["ml_hs_school"]
    run = CliRunner().invoke(main, ["fit", str(ROOT / case["model"]), "--data",
                                    "holzinger_swineford", "--group", "school", "--format",
                                    "json"])
    assert run.exit_code == 0, run.output
    rows = pd.DataFrame(json.loads(run.stdout)["hypotheses"])
    for row in case["defined"]:
        ours = _row_of(rows, case["group_labels"], row)
        assert ours["se"] == pytest.approx(row["se"], rel=1e-5)
    text = CliRunner().invoke(main, ["fit", str(ROOT / case["model"]), "--data",
                                     "holzinger_swineford", "--group", "school"])
    assert text.exit_code == 0 and "Hypotheses (per group and between groups)" in text.output


@pytest.mark.parametrize("name", CASES)
def test_effects_table_and_monte_carlo_of_a_multigroup_fit_give_lavaans_values(name):
    """``effects_table`` and ``monte_carlo_intervals`` take a multi-group fit: every
    hypothesis' effect per group and between groups, against lavaan's ``:=`` values
    (delta-method SEs; the Monte Carlo centre is the point estimate)."""
    from loyaltysem.effects import effects_table, monte_carlo_intervals
    from loyaltysem.effects.paths import Effect

    case = REFERENCE["cases"][name]
    fit = _fit(name)
    chains = {h.id: Effect(h.chain[0], h.chain[-1],
                           "direct" if len(h.chain) == 2 else "indirect", (tuple(h.chain),))
              for h in fit.spec.hypotheses if h.effect is None}
    effects = list(chains.values())
    table = effects_table(fit, effects)
    draws = monte_carlo_intervals(fit, effects=effects, n_draws=2000, seed=1)
    labels = case["group_labels"]
    for row in case["defined"]:
        group = labels[row["group"] - 1]
        if row["other"] is not None:
            group = f"{group} - {labels[row['other'] - 1]}"
        ours = table[(table["group"] == group)
                     & (table["effect"] == chains[row["id"]].label)]
        assert len(ours) == 1, (row, group)
        assert abs(ours["est"].iloc[0] - row["est"]) <= max(1e-5 * abs(row["est"]),
                                                              1e-5 * row["se"])
        assert ours["se"].iloc[0] == pytest.approx(row["se"], rel=1e-5)
        assert draws.loc[ours.index[0], "est"] == pytest.approx(row["est"], rel=1e-5,
                                                                abs=1e-5 * row["se"])
