"""Multi-group fits of ordinal items and their invariance ladder against lavaan 0.6-14
(``cfa(..., ordered =, group = "servicetype", group.equal =)``, WLSMV; references by
tests/reference/make_ordinal_groups_reference.R on corp_rep's items by service type).

Observed agreement (case by case in ``CASES``, whose tolerances are about ten times it):
estimates and standardized values within 1e-6 to 1.8e-5 absolute (theta cases up to
9e-5: lavaan stops earlier than the core where latent variances are near 3.4), SEs 3e-7 to
1e-5 relative (theta configural 6e-5), fit measures within 3e-7 to 3.6e-6 relative (theta
configural 5.8e-6); p-values, steep in the statistics, at 30 times the fit tolerance; the
scaled-and-shifted differences of the ladders within 3e-8.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from loyaltysem.arguments import ArgumentError
from loyaltysem.estimate.compare import compare
from loyaltysem.exceptions import DataError
from loyaltysem.groups import fit_groups
from loyaltysem.groups.invariance import invariance_ladder
from test_ordinal_mixed import compare_estimates, compare_fit, reference

REFERENCE = Path(__file__).parent / "reference"
DATA = REFERENCE / "ordinal" / "data" / "groups.csv"
#: case: (estimates absolute, SEs relative, fit measures relative)
CASES = {  # about ten times the observed errors (module notes)
    "groups_configural": (1e-5, 1e-5, 5e-6), "groups_thresholds": (4e-5, 4e-5, 5e-6),
    "we_configural": (5e-6, 5e-6, 5e-6), "we_thresholds": (6e-5, 3e-5, 5e-6),
    "we_metric": (1e-5, 1e-5, 3e-5), "we_scalar": (4e-5, 2e-5, 5e-6),
    "we_theta_scalar": (2e-4, 1e-4, 5e-6), "we_theta_strict": (8e-5, 4e-5, 6e-6),
    "groups_thresholds_loadings": (3e-5, 4e-5, 5e-6), "groups_tl_lv": (2e-5, 1e-5, 5e-6),
    "groups_theta_configural": (9e-4, 6e-4, 6e-5), "groups_theta_tlr": (2e-4, 1e-4, 6e-6),
    "groups_chain": (4e-5, 6e-5, 5e-6), "groups_syntax_thresholds": (6e-5, 2e-5, 4e-5),
    "groups_ulsmv": (2e-5, 3e-5, 6e-6), "groups_wls": (4e-5, 3e-5, 2e-5),
    "groups_mixed_tl": (1e-4, 1e-4, 2e-5), "groups_loadings_intercepts": (3e-5, 4e-5, 5e-6),
    "groups_fixed_threshold": (2e-4, 8e-5, 5e-6)}


def _fit(ref: dict, **options):
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"])
    return fit_groups(ref["model"], data, ref["group"],
                      group_equal=ref["group_equal"], ordered=ref["ordered"],
                      parameterization=ref["parameterization"], emit_warnings=False,
                      identification=ref.get("identification", "lavaan"),
                      estimator=ref["estimator"], **options)


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    ref = reference(request.param)
    return request.param, ref, _fit(ref)


def test_estimates_ses_and_standardized_values_are_lavaans(case):
    name, ref, result = case
    est_tol, se_tol, _ = CASES[name]
    assert list(result.groups) == ref["groups"]
    compared = compare_estimates(ref, result.estimates, ref["groups"], est_tol, se_tol)
    assert compared == len(result.estimates)


def test_fit_measures_are_lavaans(case):
    name, ref, result = case
    least = 45 if ref["estimator"] in ("WLSMV", "ULSMV") else 30  # WLS: no scaled test
    assert compare_fit(ref, result.fit_indices, CASES[name][2]) >= least


def test_r2_per_group_is_lavaans(case):
    _, ref, result = case
    for group, values in ref["r2"].items():
        for item, value in values.items():
            assert float(result.r2.loc[item, group]) == pytest.approx(value, abs=1e-5)


def test_the_ladder_has_lavaans_scaled_and_shifted_differences():
    ref = reference("groups_ladder")
    model = reference("groups_configural")["model"]
    ladder = invariance_ladder(model, pd.read_csv(DATA), "servicetype", ordered=True,
                               identification="lavaan")
    table = ladder.table.set_index("step")
    assert list(table.index) == ["configural", "thresholds", "metric"]
    for step, key in (("thresholds", "thresholds"), ("metric", "loadings")):
        assert table.loc[step, "chisq_diff"] == pytest.approx(ref[key]["chisq_diff"], rel=3e-7)
        assert table.loc[step, "df_diff"] == ref[key]["df_diff"]
        assert table.loc[step, "pvalue_diff"] == pytest.approx(ref[key]["pvalue"], rel=3e-6)
    configural = reference("groups_configural")["fit"]
    assert table.loc["configural", "cfi"] == pytest.approx(configural["cfi.scaled"], rel=5e-6)
    assert "scaled-and-shifted" in str(ladder.summary())


@pytest.mark.parametrize("parameterization", ["delta", "theta"])
def test_the_wu_estabrook_ladder_is_semtools_measeq_with_lavtestlrt(parameterization):
    """The default ladder of ordinal items: semTools' measEq.syntax(ID.fac = "std.lv",
    ID.cat = "Wu.Estabrook.2016") steps fitted by lavaan and compared by lavTestLRT
    (observed: differences within 5e-7 relative, steps' fit as the we_* cases)."""
    ref = reference("we_ladder")
    model = reference("we_configural")["model"]
    ladder = invariance_ladder(model, pd.read_csv(DATA), "servicetype", ordered=True,
                               parameterization=parameterization)
    table = ladder.table.set_index("step")
    if parameterization == "delta":
        assert list(table.index) == ["configural", "thresholds", "metric", "scalar"]
        steps = ("thresholds", "metric", "scalar")
        scalar = reference("we_scalar")
        assert table.loc["scalar", "chisq"] == pytest.approx(scalar["fit"]["chisq"], rel=5e-6)
    else:
        assert list(table.index)[-1] == "strict"
        steps = ("strict",)
    for step in steps:
        assert table.loc[step, "chisq_diff"] == pytest.approx(ref[step]["chisq_diff"], rel=5e-6)
        assert table.loc[step, "df_diff"] == ref[step]["df_diff"]
        assert table.loc[step, "pvalue_diff"] == pytest.approx(ref[step]["pvalue"], rel=5e-5)
    assert any("Wu & Estabrook" in w for fit in ladder.fits.values() for w in fit.warnings)


def test_wu_estabrook_refuses_what_it_cannot_identify():
    data = pd.read_csv(DATA)
    model = reference("we_configural")["model"]
    with pytest.raises(ArgumentError, match="theta"):
        fit_groups(model, data, "servicetype", ordered=True, identification="wu.estabrook",
                   group_equal=["thresholds", "loadings", "intercepts", "residuals"])
    with pytest.raises(ArgumentError, match="ordinal items"):
        fit_groups(model, data, "servicetype", identification="wu.estabrook")
    binary = data.assign(comp_1=(data["comp_1"] > 4).astype(int))
    with pytest.raises(ArgumentError, match="binary items .*comp_1"):
        fit_groups(model, binary, "servicetype", ordered=True, identification="wu.estabrook",
                   group_equal=["thresholds"])


def test_indirect_effects_per_group_have_lavaans_delta_method_ses():
    """The automatic indirect effect of every group and its difference between groups
    (group_effects_table) against lavaan's := rows of c(a1, a2)* labels."""
    from loyaltysem.effects.group_effects import group_effects_table
    from loyaltysem.effects.paths import enumerate_effects

    ref = reference("groups_chain")
    result = _fit(ref)
    effects = [e for e in enumerate_effects([("COMP", "LIKE"), ("LIKE", "CUSL"),
                                             ("COMP", "CUSL")])
               if e.kind == "indirect"]
    table = group_effects_table(result, effects)
    lavaan = {row["lhs"]: row for row in ref["estimates"] if row["op"] == ":="}
    for name, group in (("ind1", "2"), ("ind2", "1"), ("ind_diff", "2 - 1")):
        row = table[table["group"] == group].iloc[0]
        assert row["est"] == pytest.approx(lavaan[name]["est"], abs=4e-5), name
        assert row["se"] == pytest.approx(lavaan[name]["se"], rel=4e-5), name


def test_compare_gives_the_same_difference_as_lavtestlrt():
    ref = reference("groups_ladder")
    first, second = (_fit(reference(name)) for name in ("groups_configural",
                                                         "groups_thresholds"))
    result = compare(first, second, names=["configural", "thresholds"])
    assert result.method == "satorra.2000"
    row = result.table.set_index("model").loc["thresholds"]
    assert row["chisq_diff"] == pytest.approx(ref["thresholds"]["chisq_diff"], rel=3e-7)
    with pytest.raises(ArgumentError, match="satorra.2000"):
        compare(first, second, method="satorra.bentler.2001")


def test_bad_ordinal_group_arguments_are_refused_with_what_to_do():
    data = pd.read_csv(DATA)
    model = reference("groups_configural")["model"]
    with pytest.raises(ArgumentError, match="thresholds.*ordinal items"):
        fit_groups(model, data, "servicetype", group_equal=["thresholds"])
    with pytest.raises(ArgumentError, match="estimator"):
        fit_groups(model, data, "servicetype", ordered=True, estimator="MLR")
    sparse = data.copy()
    sparse.loc[sparse["servicetype"] == 1, "comp_1"] = sparse["comp_1"].clip(lower=2)
    sparse.loc[sparse.index[0], "comp_1"] = 1
    with pytest.raises(DataError, match="servicetype.*comp_1|comp_1.*servicetype"):
        fit_groups(model, sparse, "servicetype", ordered=True)


def test_the_cli_fits_groups_and_the_ladder_of_ordinal_items(tmp_path):
    from click.testing import CliRunner

    from loyaltysem.cli import main

    ref = reference("groups_thresholds")
    spec = tmp_path / "model.lav"
    spec.write_text(ref["model"])
    run = CliRunner().invoke(main, ["fit", str(spec), "--data", str(DATA), "--group",
                                    "servicetype", "--group-equal", "thresholds",
                                    "--ordered", "all", "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    assert payload["fit"]["chisq_scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=5e-5)
    ladder = reference("groups_ladder")
    run = CliRunner().invoke(main, ["invariance", str(spec), "--data", str(DATA), "--group",
                                    "servicetype", "--ordered", "all", "--identification",
                                    "lavaan", "--format", "json"])
    assert run.exit_code == 0, run.output
    steps = {row["step"]: row for row in json.loads(run.stdout)["steps"]}
    assert steps["metric"]["chisq_diff"] == pytest.approx(ladder["loadings"]["chisq_diff"],
                                                          rel=3e-7)
    run = CliRunner().invoke(main, ["invariance", str(spec), "--data", str(DATA), "--group",
                                    "servicetype", "--ordered", "all", "--format", "json"])
    steps = {row["step"]: row for row in json.loads(run.stdout)["steps"]}
    assert steps["scalar"]["chisq_diff"] == pytest.approx(
        reference("we_ladder")["scalar"]["chisq_diff"], rel=5e-6)
    run = CliRunner().invoke(main, ["invariance", str(spec), "--data", str(DATA), "--group",
                                    "servicetype", "--ordered", "all", "--steps", "scalarish"])
    assert run.exit_code == 2 and "thresholds" in run.output


def test_compare_paths_of_ordinal_items_is_lavtestlrt_of_one_equal_path():
    from loyaltysem.groups import compare_paths

    ref = reference("groups_path_equal")
    result = compare_paths(ref["model"], pd.read_csv(DATA), "servicetype", ordered=True)
    row = result.table.set_index("path").loc[ref["path"]]
    assert row["chisq_diff"] == pytest.approx(ref["test"]["chisq_diff"], rel=5e-6)
    assert row["df_diff"] == ref["test"]["df_diff"]
    assert row["pvalue"] == pytest.approx(ref["test"]["pvalue"], rel=5e-5)


def test_the_report_of_ordinal_items_shows_the_scaled_statistics_and_says_so(tmp_path):
    """loyaltysem report --ordered: the fit table's χ² is the scaled-shifted one, the
    invariance steps and path comparisons are fitted as ordinal and say how."""
    from loyaltysem.report import make_report, render_report

    from loyaltysem.apa import apa_number

    ref = reference("groups_path_equal")
    report = make_report(ref["model"], pd.read_csv(DATA), ordered=True, group="servicetype",
                         n_boot=0)
    text = render_report(report, "md")
    scaled = float(report.result.fit_indices["chisq_scaled"])
    assert f"| χ² | {apa_number(scaled)} (df" in text
    assert f"| χ² | {apa_number(float(report.result.fit_indices['chisq']))} (df" not in text
    assert "scaled-shifted statistic (Asparouhov & Muthén, 2010) of WLSMV" in text
    assert "Wu & Estabrook" in text and "Satorra's (2000)" in text
    assert "ML statistic" not in text


def test_bad_threshold_partials_and_ordinal_intercepts_are_refused():
    data = pd.read_csv(DATA)
    model = reference("groups_configural")["model"]
    from loyaltysem.exceptions import SpecificationError

    for partial in (["comp_1|t9"], ["nonexist|t1"]):
        with pytest.raises(SpecificationError, match="group_partial names thresholds"):
            fit_groups(model, data, "servicetype", ordered=True, group_equal=["thresholds"],
                       group_partial=partial)
    with pytest.raises(SpecificationError, match="intercepts of ordinal items"):
        fit_groups(model + "\ncomp_1 ~ 0.5*1", data, "servicetype", ordered=True)
