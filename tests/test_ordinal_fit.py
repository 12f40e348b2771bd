"""Ordinal fits (``fit(..., ordered=)``) against lavaan 0.6-14 (WLSMV, ULSMV, WLS; delta
parameterization), references made by tests/reference/make_ordinal_fit_reference.R.

Observed agreement on the first five cases: estimates and standardized values within 6e-7
absolute (lavaan's optimizer stops at a larger gradient than the core's 1e-9: its WLS
threshold t5 of comp_3 is 6e-7 from ours, ULSMV's largest difference 8e-7), SEs within
7e-7 relative, chi-squares, scaling and shift factors and fit indices within 4e-8
relative. The tolerances are about ten times that: 1e-5 absolute for estimates, 1e-5
relative for SEs, 5e-7 relative for the fit measures (p-values below 1e-10 compared
absolutely at 1e-16). The robust (catML) indices are functions of the estimates at a
steeper slope: ULSMV's robust RMSEA interval agrees to 5.3e-7, so they are compared at
3e-6 relative, and their p-values below 1e-6 absolutely at 1e-11 (observed 5e-13).

Full WLS is the exception: lavaan stops with max |dF/dtheta| = 2.9e-6, where the core
goes on to 2e-10 and a discrepancy 1.1e-11 lower; its thresholds then differ by up to
1.4e-5 and the residual summaries by 2.3e-6 relative. That case is compared at 2e-4
(estimates) and 5e-5 (fit measures).

The 5-factor CFA (cfa5_wlsmv, 17 items, 117 free parameters) is the other: lavaan stops
with max |dF/dtheta| = 7.6e-6 and a discrepancy 1.0e-8 above the core's. Estimates and
standardized values then differ by up to 1.2e-6 absolute, SEs by 1.4e-6 relative and
R² by 9.5e-7, inside the common tolerances, but the chi-square by 6.7e-6 (3e-8
relative), which the small p-values magnify: the plain p-value (1.2e-8) and the scaled
RMSEA's p-value (2.6e-7) differ by 1.7e-6 and 2.1e-6 relative, the robust RMSEA's
p-value (1.1e-5) by 1.7e-5 and its not-close p-value by 3.9e-6. The fit measures of
that case are compared at 2e-5 relative, the robust ones at 2e-4.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.arguments import ArgumentError
from loyaltysem.exceptions import DataError, SpecificationError

REFERENCE = Path(__file__).parent / "reference"
CASES = ["cfa3_wlsmv", "cfa3_ulsmv", "cfa3_wls", "binary_cfa", "chain_wlsmv", "cfa5_wlsmv"]
#: (estimates absolute, fit measures relative, robust fit measures relative): module notes
DEFAULT_TOLERANCE = (1e-5, 5e-7, 3e-6)
TOLERANCE = {"cfa3_wls": (2e-4, 5e-5, 5e-5), "cfa5_wlsmv": (1e-5, 2e-5, 2e-4)}


def _case(name: str) -> tuple[dict, ls.FitResult]:
    ref = json.loads((REFERENCE / "ordinal_fit" / f"{name}.json").read_text())
    ref["name"] = name
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"])
    result = ls.fit(ref["model"], data, ordered=ref["ordered"], estimator=ref["estimator"],
                    emit_warnings=False)
    return ref, result


@pytest.fixture(scope="module", params=CASES)
def case(request):
    return _case(request.param)


def test_estimates_ses_and_standardized_values_are_lavaans(case):
    ref, result = case
    tolerance = TOLERANCE.get(ref["name"], DEFAULT_TOLERANCE)[0]
    ours = result.estimates.set_index(["lhs", "op", "rhs"])
    compared = 0
    for row in ref["estimates"]:
        if row["op"] == "~1":  # lavaan's fixed intercepts and means (no mean structure)
            continue
        mine = ours.loc[(row["lhs"], row["op"], row["rhs"])]
        for column in ("est", "std_lv", "std_all"):
            assert mine[column] == pytest.approx(row[column], abs=tolerance), (row, column)
        if row["se"]:
            assert mine["se"] == pytest.approx(row["se"], rel=1e-5), row
        else:
            assert mine["se"] == 0 or np.isnan(mine["se"]), row
        compared += 1
    assert compared == len(ours)  # every row of ours has lavaan's


def test_fit_measures_are_lavaans(case):
    ref, result = case
    _, tolerance, robust = TOLERANCE.get(ref["name"], DEFAULT_TOLERANCE)
    indices = result.fit_indices
    compared = 0
    for name, value in ref["fit"].items():
        if value is None:
            continue
        ours = float(indices[name.replace(".", "_")])
        if name.startswith(("pvalue", "baseline.pvalue", "rmsea.pvalue")) and value < 1e-10:
            assert ours == pytest.approx(value, abs=1e-16), name
        elif name.endswith(".robust"):
            limit = 1e-11 if "pvalue" in name and value < 1e-6 else 0.0
            assert ours == pytest.approx(value, rel=robust, abs=limit), name
        else:
            assert ours == pytest.approx(value, rel=tolerance, abs=1e-12), name
        compared += 1
    assert compared >= (54 if ref["estimator"] in ("WLSMV", "ULSMV") else 30)
    if ref["estimator"] in ("WLSMV", "ULSMV"):
        assert float(indices["shift_parameter"]) == pytest.approx(ref["shift"], rel=5e-7)


def test_r2_of_items_and_constructs_is_lavaans(case):
    ref, result = case
    for name, value in ref["r2"].items():
        assert float(result.r2[name]) == pytest.approx(value, abs=1e-5), name


def test_every_output_says_the_estimator_and_parameterization(case):
    ref, result = case
    assert result.estimator == ref["estimator"]
    assert any("delta parameterization" in w for w in result.warnings)
    assert "delta parameterization" in result.se_type


def test_the_indirect_effect_of_the_chain_has_lavaans_delta_method_se():
    ref, result = _case("chain_wlsmv")
    row = result.estimates.query("op == ':='").iloc[0]
    lavaan = next(r for r in ref["estimates"] if r["op"] == ":=")
    assert row["est"] == pytest.approx(lavaan["est"], abs=1e-5)
    assert row["se"] == pytest.approx(lavaan["se"], rel=1e-5)


def test_wrong_estimators_and_mixed_items_are_refused_with_what_to_do():
    ref = json.loads((REFERENCE / "ordinal_fit" / "cfa3_wlsmv.json").read_text())
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"])
    with pytest.raises(ArgumentError, match="ordinal items: say which"):
        ls.fit(ref["model"], data, estimator="WLSMV")
    with pytest.raises(ArgumentError, match="estimator"):
        ls.fit(ref["model"], data, ordered=True, estimator="MLR")
    with pytest.raises(ArgumentError, match="parameterization"):
        ls.fit(ref["model"], data, ordered=True, parameterization="gamma")
    with pytest.raises(ArgumentError, match="theta"):
        ls.fit(ref["model"], data, parameterization="theta")
    with pytest.raises(SpecificationError, match="not observed variables"):
        ls.fit(ref["model"], data, ordered=["comp_1", "nope"])
    halves = data.assign(comp_1=data["comp_1"] + 0.5)
    with pytest.raises(DataError, match="comp_1"):
        ls.fit(ref["model"], halves, ordered=True)


def test_the_cli_fits_ordinal_items_with_the_json_contract(tmp_path):
    from click.testing import CliRunner

    from loyaltysem.cli import main

    ref = json.loads((REFERENCE / "ordinal_fit" / "chain_wlsmv.json").read_text())
    spec = tmp_path / "chain.lav"
    spec.write_text(ref["model"])
    data = str(REFERENCE / "ordinal" / "data" / ref["data"])
    run = CliRunner().invoke(main, ["fit", str(spec), "--data", data, "--ordered", "all",
                                    "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    assert payload["estimator"] == "WLSMV"
    thresholds = [row for row in payload["estimates"] if row["op"] == "|"]
    assert len(thresholds) == 54 and thresholds[0]["rhs"] == "t1"
    assert payload["fit"]["chisq_scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=5e-7)
    assert payload["fit"]["scaling_factor"] == pytest.approx(ref["scaling"], rel=5e-7)
    indirect = [e for e in payload["effects"] if e["kind"] == "indirect"][0]
    lavaan = next(r for r in ref["estimates"] if r["op"] == ":=")
    assert indirect["est"] == pytest.approx(lavaan["est"], abs=1e-5)
    assert indirect["se"] == pytest.approx(lavaan["se"], rel=1e-5)
    for extra, message in ((["--modindices"], "--modindices"),
                           (["--estimator", "MLR"], "estimator")):
        refused = CliRunner().invoke(main, ["fit", str(spec), "--data", data, "--ordered",
                                            "all", *extra])
        assert refused.exit_code == 2 and message in refused.output
    refused = CliRunner().invoke(main, ["fit", str(spec), "--data", data, "--estimator",
                                        "WLSMV"])
    assert refused.exit_code == 2 and "--ordered all" in refused.output


def test_likelihood_methods_refuse_an_ordinal_fit_with_what_to_do():
    _, result = _case("cfa3_wlsmv")
    for call in (lambda: ls.modification_indices(result),):
        with pytest.raises(ArgumentError, match="not available for a fit of ordinal items"):
            call()


def test_the_spec_declares_ordinal_items_in_yaml_and_lavaan_syntax(tmp_path):
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / "corp_rep.csv")
    yaml_file = tmp_path / "ordinal.yaml"
    yaml_file.write_text("name: ordinal_cfa\nconstructs:\n"
                         "  COMP: {items: [comp_1, comp_2, comp_3], ordered: true}\n"
                         "  LIKE: [like_1, like_2, like_3]\n  CUSL: [cusl_1, cusl_2, cusl_3]\n"
                         "ordered: [like_1, like_2, like_3, cusl_1, cusl_2, cusl_3]\n")
    spec = ls.load_spec(yaml_file)
    assert len(spec.ordered) == 9
    declared = ls.fit(spec, data, emit_warnings=False)  # WLSMV: the spec says ordinal
    ref = json.loads((REFERENCE / "ordinal_fit" / "cfa3_wlsmv.json").read_text())
    assert declared.estimator == "WLSMV"
    assert float(declared.fit_indices["chisq"]) == pytest.approx(ref["fit"]["chisq"], rel=5e-7)
    again = ls.ModelSpec.from_lavaan(spec.to_lavaan())
    assert again.ordered == spec.ordered
    assert ls.ModelSpec.from_lavaan("# @ordered all\nF =~ comp_1 + comp_2 + comp_3").ordered \
        == {"comp_1", "comp_2", "comp_3"}
    continuous = ls.fit(spec, data, ordered=False, emit_warnings=False)
    assert continuous.estimator == "ML"
    with pytest.raises(SpecificationError, match="ordered lists 'nope'"):
        ls.ModelSpec.from_lavaan("# @ordered nope\nF =~ comp_1 + comp_2 + comp_3")
    bad = tmp_path / "bad.yaml"
    bad.write_text("constructs:\n  F: {items: [comp_1, comp_2, comp_3], ordered: 7}\n")
    with pytest.raises(SpecificationError, match="ordered is true or false"):
        ls.load_spec(bad)


def test_declared_scales_give_the_categories_and_name_an_empty_one(tmp_path):
    """A spec's declared answer scale (``# @scale 1 7``) gives the ordinal items their
    categories, as an ordered factor's levels in lavaan: the same fit when every category
    is chosen, and a clear error naming the item and the empty category when one is not."""
    ref = json.loads((REFERENCE / "ordinal_fit" / "cfa3_wlsmv.json").read_text())
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"])
    declared = ls.fit("# @scale 1 7\n" + ref["model"], data, ordered=True, emit_warnings=False)
    assert float(declared.fit_indices["chisq"]) == pytest.approx(ref["fit"]["chisq"], rel=5e-7)
    with pytest.raises(DataError, match=r"comp_1.*empty categories \['8'\]"):
        ls.fit("# @scale 1 8\n" + ref["model"], data, ordered=True, emit_warnings=False)


def test_a_single_item_ordinal_construct_says_what_to_do():
    """corp_rep's CUSA is measured by cusa alone: as ordinal its variance is not
    identified (lavaan cannot compute the SEs either); the fit says so and how to fix it,
    and with cusa continuous beside the ordinal items the model is identified."""
    ordinal = ls.fit("models/corp_rep.lav", "corp_rep", na_values=[-99], ordered=True,
                     emit_warnings=False)
    assert any("single ordinal item 'cusa'" in w and "continuous" in w
               for w in ordinal.warnings)
    others = [v for v in ordinal.spec.observed_variables if v != "cusa"]
    mixed = ls.fit("models/corp_rep.lav", "corp_rep", na_values=[-99], ordered=others,
                   emit_warnings=False)
    assert not any("singular" in w for w in mixed.warnings)
    assert (mixed.estimates.query("op == '~'")["se"] > 0).all()
