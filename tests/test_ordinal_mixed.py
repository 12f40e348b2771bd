"""Ordinal fits beyond one group of ordinal items against lavaan 0.6-14: continuous items
beside ordinal ones and the theta parameterization (references by
tests/reference/make_ordinal_groups_reference.R).

Observed agreement: hs_mixed (x1-x3, x7-x9 continuous, x4-x6 in 4 categories) estimates
and standardized values within 4e-6 absolute, SEs 3e-6 relative, fit measures 1.9e-6
relative (p-values, steep in the statistic, at 30 times the fit tolerance); thresholds
written in the syntax 3.5e-7, 1.6e-7 and 1.1e-7; the theta parameterization of corp_rep's
CFA, whose thresholds are on the latent responses' larger scale (|tau| up to 3.5), within 2e-5 absolute (lavaan
stops earlier than the core), SEs 8e-6 relative. Tolerances are about ten times that.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls

REFERENCE = Path(__file__).parent / "reference"
#: case: (estimates absolute, SEs relative, fit measures relative)
CASES = {"hs_mixed": (4e-5, 3e-5, 2e-5), "hs_mixed_theta": (4e-5, 3e-5, 2e-5),
         "cfa3_theta": (2e-4, 8e-5, 5e-6), "syntax_thresholds": (4e-6, 2e-6, 1e-6)}


def reference(name: str) -> dict:
    return json.loads((REFERENCE / "ordinal_fit" / f"{name}.json").read_text())


def compare_estimates(ref: dict, estimates: pd.DataFrame, groups: list[str], est_tol: float,
                      se_tol: float) -> int:
    """Compare every lavaan row (group numbers 1.. are ``groups``) with ours; the count."""
    if "group" not in estimates:
        estimates = estimates.assign(group="")
    defined = estimates["op"] == ":="  # := rows by name (lavaan writes rhs without spaces)
    estimates = estimates.assign(rhs=estimates["rhs"].where(~defined, ""))
    ours = estimates.set_index(["group", "lhs", "op", "rhs"])
    compared = 0
    for row in ref["estimates"]:
        group = groups[row["group"] - 1] if row["group"] > 0 else ""  # 0: := rows
        key = (group, row["lhs"], row["op"], "" if row["op"] == ":=" else row["rhs"])
        if key not in ours.index:
            assert row["op"] == "~1" and row["est"] == 0, row  # fixed means we do not list
            continue
        mine = ours.loc[key]
        for column in ("est", "std_lv", "std_all"):
            assert mine[column] == pytest.approx(row[column], abs=est_tol), (row, column)
        if row["se"]:
            assert mine["se"] == pytest.approx(row["se"], rel=se_tol), row
        else:
            assert mine["se"] == 0 or np.isnan(mine["se"]), row
        compared += 1
    return compared


def compare_fit(ref: dict, indices, tolerance: float) -> int:
    compared = 0
    for name, value in ref["fit"].items():
        if value is None:
            assert np.isnan(float(indices.get(name.replace(".", "_"), np.nan))), name
            continue
        ours = float(indices[name.replace(".", "_")])
        if "pvalue" in name and value < 1e-6:  # steep in the statistic: absolute
            assert ours == pytest.approx(value, abs=1e-10), name
        elif "pvalue" in name:  # d log p / d log chisq is ~25 here: 3e-7 -> 7e-6
            assert ours == pytest.approx(value, rel=30 * tolerance), name
        else:
            assert ours == pytest.approx(value, rel=tolerance, abs=1e-12), name
        compared += 1
    return compared


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    ref = reference(request.param)
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"])
    result = ls.fit(ref["model"], data, ordered=ref["ordered"],
                    parameterization=ref["parameterization"], emit_warnings=False)
    return request.param, ref, result


def test_estimates_ses_and_standardized_values_are_lavaans(case):
    name, ref, result = case
    est_tol, se_tol, _ = CASES[name]
    compared = compare_estimates(ref, result.estimates, [""], est_tol, se_tol)
    assert compared == len(result.estimates)


def test_fit_measures_are_lavaans(case):
    name, ref, result = case
    assert compare_fit(ref, result.fit_indices, CASES[name][2]) >= 50


def test_r2_of_items_is_lavaans(case):
    _, ref, result = case
    for item, value in ref["r2"][0].items():
        assert float(result.r2[item]) == pytest.approx(value, abs=1e-5), item


def test_outputs_say_the_parameterization_and_the_continuous_items(case):
    name, ref, result = case
    note = next(w for w in result.warnings if "ordinal items" in w)
    assert f"{ref['parameterization']} parameterization" in note
    assert ("6 continuous" in note) == name.startswith("hs_mixed")


def test_thresholds_written_in_the_syntax_are_checked_against_the_data():
    ref = reference("syntax_thresholds")
    data = pd.read_csv(REFERENCE / "ordinal" / "data" / ref["data"])
    base = reference("cfa3_theta")["model"]
    from loyaltysem.exceptions import SpecificationError

    for extra, match in (("comp_1 | t7", "7 categories in the data"),
                         ("comp_1 | a*t1\nCOMP ~~ a*LIKE", "not a threshold"),
                         ("comp_1 | c(a, b)*t1", "2 values but the data has 1 groups"),
                         ("comp_1 | x1", "named t1, t2"), ("nope | t1", "not an observed")):
        with pytest.raises(SpecificationError, match=match):
            ls.fit(base + "\n" + extra, data, emit_warnings=False)
    with pytest.raises(SpecificationError, match="not an ordinal item of this fit"):
        ls.fit(base + "\ncomp_1 | t1", data, ordered=["comp_2"], emit_warnings=False)
    result = ls.fit(base + "\ncomp_1 | -2*t1", data, ordered=True, emit_warnings=False)
    row = result.estimates.query("lhs == 'comp_1' and op == '|' and rhs == 't1'").iloc[0]
    assert row["est"] == -2.0 and row["se"] == 0


def test_the_cli_fits_the_theta_parameterization(tmp_path):
    from click.testing import CliRunner

    from loyaltysem.cli import main

    ref = reference("cfa3_theta")
    spec = tmp_path / "model.lav"
    spec.write_text(ref["model"])
    result = CliRunner().invoke(main, [
        "fit", str(spec), "--data", str(REFERENCE / "ordinal" / "data" / ref["data"]),
        "--ordered", "all", "--parameterization", "theta", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["fit"]["chisq"] == pytest.approx(ref["fit"]["chisq"], rel=3e-6)


def test_the_standardized_solution_and_its_ses_are_lavaans(case):
    """lavaan's standardizedSolution(): the derived rows (delta residual variances, theta
    scales, thresholds) with their delta-method SEs; observed 6e-6 (values, lavaan's
    earlier stop) and 3e-6 relative (SEs)."""
    name, ref, result = case
    ours = result.standardized_solution().set_index(["lhs", "op", "rhs"])
    compared = 0
    for row in ref["std_solution"]:
        key = (row["lhs"], row["op"], row["rhs"])
        if key not in ours.index:
            assert row["op"] == "~1" and row["est_std"] == 0, row
            continue
        mine = ours.loc[key]
        assert mine["est_std"] == pytest.approx(row["est_std"], abs=6e-5), row
        if row["se"]:
            assert mine["se"] == pytest.approx(row["se"], rel=3e-5), row
        compared += 1
    assert compared >= 40


def test_the_cli_refuses_a_bad_written_threshold_with_exit_2(tmp_path):
    from click.testing import CliRunner

    from loyaltysem.cli import main

    ref = reference("cfa3_theta")
    spec = tmp_path / "model.lav"
    spec.write_text(ref["model"] + "\ncomp_1 | t9\n")
    run = CliRunner().invoke(main, ["fit", str(spec), "--data",
                                    str(REFERENCE / "ordinal" / "data" / ref["data"])])
    assert run.exit_code == 2
    assert "comp_1 | t9" in run.output and "Traceback" not in run.output
    assert len([line for line in run.output.splitlines() if line.startswith("error")]) == 1
