"""Multi-group fits and the invariance ladder against lavaan.

References: tests/reference/groups/<case>.json (make_groups_reference.R):
``sem(model, data, group = ..., group.equal = ...)`` for configural, metric,
scalar (and strict) invariance, and ``lavTestLRT`` of the sequence.
Tolerances (issue #11) are about ten times the largest observed error:

- estimates: 1e-5 relative or a fraction of lavaan's SE (5e-4; observed
  4.7e-5 SE: lavaan's optimiser stops at its convergence tolerance, see
  test_against_lavaan.py); std.all 2e-4 absolute (observed 1.3e-5);
- SEs: 2e-4 relative (observed 1.5e-5; the MIMIC model 2.9e-5: 5e-4);
- fit indices: 5e-5 relative (observed 3.4e-6), 1e-8 absolute near 0;
- chi-square differences and their p-values: 1e-6 relative (observed 1e-9;
  the chi-squares themselves agree within 1e-7).

Each test names its own where they differ.
"""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.exceptions import ArgumentError, DataError, SpecificationError
from loyaltysem.groups import fit_groups, invariance_ladder
from loyaltysem.groups.invariance import STEPS

from lavaan_reference import ROOT, check_lavaan_fit_measures

CASES = {
    "hs_school": ("models/hs_cfa.lav", "holzinger_swineford", "school", None),
    "corp_rep_servicetype": ("models/corp_rep.lav", "corp_rep", "servicetype", [-99]),
    # exogenous observed covariates (fixed.x) beside the latent variables
    "hs_mimic_school": ("tests/reference/models/hs_mimic.lav", "holzinger_swineford", "school",
                        None),
}
#: the cases with an MLR reference (make_groups_mlr_reference.R)
MLR_CASES = ["hs_school", "corp_rep_servicetype", "hs_mimic_school"]
#: our fit-index name -> lavaan's
FIT_NAMES = {"npar": "npar", "chisq": "chisq", "df": "df", "pvalue": "pvalue",
             "baseline_chisq": "baseline.chisq", "baseline_df": "baseline.df", "cfi": "cfi",
             "tli": "tli", "nfi": "nfi", "rfi": "rfi", "ifi": "ifi", "rni": "rni", "pnfi": "pnfi",
             "rmsea": "rmsea", "rmsea_ci_lower": "rmsea.ci.lower",
             "rmsea_ci_upper": "rmsea.ci.upper", "rmsea_pvalue": "rmsea.pvalue",
             "srmr": "srmr", "loglik": "logl", "unrestricted_loglik": "unrestricted.logl",
             "aic": "aic", "bic": "bic", "bic2": "bic2", "ecvi": "ecvi", "mfi": "mfi"}


def _reference(case):
    return json.loads((ROOT / "tests/reference/groups" / f"{case}.json").read_text())


@pytest.fixture(scope="module")
def ladders():
    cache = {}

    def get(case):
        if case not in cache:
            model, data, group, na = CASES[case]
            steps = list(_reference(case)["steps"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[case] = invariance_ladder(ROOT / model, data, group,
                                            steps=[s for s in steps if s in STEPS],
                                                na_values=na)
        return cache[case]

    return get


def _merged_with_lavaan(result, rows: list, labels: list) -> pd.DataFrame:
    """lavaan's parameterEstimates rows (group numbers -> labels; := rows dropped) joined
    with ours on group, lhs, op, rhs; every lavaan row must be found."""
    theirs = pd.DataFrame(rows)
    theirs["group"] = [labels[g - 1] if g > 0 else "" for g in theirs["group"]]
    theirs["rhs"] = theirs["rhs"].fillna("")
    theirs = theirs[theirs["op"] != ":="]
    merged = theirs.merge(result.estimates, on=["group", "lhs", "op", "rhs"],
                          suffixes=("_lavaan", ""))
    assert len(merged) == len(theirs)
    return merged


def _assert_estimates_close(ours, theirs, se, se_fraction: float = 5e-4):
    """1e-5 relative (1e-8 near 0), or ``se_fraction`` of lavaan's SE (module doc)."""
    ours, theirs, se = (np.asarray(x, dtype=float) for x in (ours, theirs, se))
    allowed = np.maximum(1e-5 * np.abs(theirs) + 1e-8, se_fraction * se)
    bad = ~(np.abs(ours - theirs) <= allowed)
    assert not bad.any(), pd.DataFrame({"ours": ours[bad], "lavaan": theirs[bad],
                                        "allowed": allowed[bad]})


def _compare_fit_measures(ours: pd.Series, theirs: dict, rtol: float = 5e-5) -> int:
    """Every fit measure we report that lavaan reports, within ``rtol`` (1e-8 near 0);
    returns how many were compared."""
    compared = 0
    for name, value in ours.items():
        lavaan_name = {"loglik": "logl", "unrestricted_loglik": "unrestricted.logl"}.get(
            name, name if name in theirs else name.replace("_", "."))
        if lavaan_name in theirs and theirs[lavaan_name] is not None:
            assert float(value) == pytest.approx(theirs[lavaan_name], rel=rtol, abs=1e-8), name
            compared += 1
    return compared


def _steps():
    return [(case, step) for case in CASES for step in _reference(case)["steps"]]


@pytest.fixture(scope="module")
def fitted(ladders):
    """The fit of one step: ladder steps, or scalar_partial (group.partial x3~1, x7~1)."""
    def get(case, step):
        if step in STEPS:
            return ladders(case).fits[step]
        reference = _reference(case)["steps"][step]
        model, data, group, na = CASES[case]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_groups(ROOT / model, data, group, group_equal=reference["group_equal"],
                              group_partial=reference["group_partial"], na_values=na)

    return get


@pytest.mark.parametrize("case,step", _steps())
def test_fit_indices_match_lavaan(case, step, fitted):
    ours = fitted(case, step).fit_indices
    theirs = _reference(case)["steps"][step]["fit"]
    for name, lavaan_name in FIT_NAMES.items():
        assert float(ours[name]) == pytest.approx(theirs[lavaan_name], rel=5e-5, abs=1e-8), name


@pytest.mark.parametrize("case,step", _steps())
def test_estimates_ses_and_standardized_solution_match_lavaan(case, step, fitted):
    result = fitted(case, step)
    reference = _reference(case)["steps"][step]
    assert list(result.groups) == list(reference["group_labels"])
    theirs = pd.DataFrame(reference["estimates"])
    theirs["group"] = [reference["group_labels"][g - 1] if g > 0 else "" for g in theirs["group"]]
    theirs["rhs"] = theirs["rhs"].fillna("")
    theirs.loc[theirs["op"] == ":=", "rhs"] = ""  # := rows by name
    ours = result.estimates.copy()
    ours.loc[ours["op"] == ":=", "rhs"] = ""
    merged = theirs.merge(ours, on=["group", "lhs", "op", "rhs"], suffixes=("_lavaan", ""),
                          how="left", validate="one_to_one")
    assert merged["est"].notna().all(), merged[merged["est"].isna()]
    assert len(ours) == len(theirs)
    _assert_estimates_close(merged["est"], merged["est_lavaan"], merged["se_lavaan"])
    se_rtol = 5e-4 if case == "hs_mimic_school" else 2e-4   # observed 2.9e-5 and 1.5e-5
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], atol=1e-8, rtol=se_rtol)
    # std.all of := rows is left out: with labels shared across groups, the groups'
    # standardized values differ and lavaan's choice among them is not documented
    std = merged["std.all"].astype(float).where(merged["op"] != ":=")
    np.testing.assert_allclose(merged["std_all"][std.notna()], std[std.notna()], rtol=0,
                               atol=2e-4)


@pytest.mark.parametrize("case", list(CASES))
def test_chisq_difference_tests_match_lavtestlrt(case, ladders):
    table = ladders(case).table
    for row, lrt in zip(table.itertuples(index=False), _reference(case)["lrt"]):
        assert row.step == lrt["step"]
        if lrt["chisq_diff"] is None:
            assert math.isnan(row.chisq_diff)
            continue
        assert row.chisq_diff == pytest.approx(lrt["chisq_diff"], rel=1e-6)
        assert row.df_diff == lrt["df_diff"]
        assert row.pvalue_diff == pytest.approx(lrt["pvalue"], rel=1e-6, abs=1e-8)


def test_the_ladder_verdicts_follow_the_cited_rules(ladders):
    """Holzinger & Swineford by school: the textbook case of failing scalar invariance."""
    result = ladders("hs_school")
    verdicts = dict(zip(result.table["step"], result.table["verdict"]))
    assert verdicts == {"configural": "baseline", "metric": "retained", "scalar": "rejected",
                        "strict": "retained"}
    assert result.highest_level == "metric"
    scalar = result.table.set_index("step").loc["scalar"]
    assert scalar["delta_cfi"] < -0.010
    text = result.summary().as_text()
    assert "invariance retained up to: metric" in text and "Cheung & Rensvold" in text
    json.dumps(result.to_dict(), allow_nan=False)


def test_labels_make_parameters_equal_across_groups(ladders):
    """corp_rep labels its paths: as in lavaan, one parameter in every group (with a note)."""
    configural = ladders("corp_rep_servicetype").fits["configural"]
    paths = configural.parameters("~")
    for label, rows in paths.groupby("label"):
        assert rows["est"].nunique() == 1 and rows["free"].nunique() == 1, label
    assert any("labels written once" in w for w in configural.warnings)


def test_scalar_invariance_frees_latent_means_in_later_groups(ladders):
    scalar = ladders("hs_school").fits["scalar"]
    means = scalar.parameters("~1")
    latent = means[means["lhs"].isin(["visual", "textual", "speed"])]
    first, second = scalar.groups
    assert (latent[latent["group"] == first]["free"] == 0).all()
    assert (latent[latent["group"] == second]["free"] > 0).all()


def test_result_summary_and_json():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_groups(ROOT / "models/hs_cfa.lav", "holzinger_swineford", "school",
                            group_equal=["loadings"])
    text = result.summary().as_text()
    assert "Group Pasteur" in text and "Group Grant-White" in text
    payload = result.to_dict()
    json.dumps(payload, allow_nan=False)
    assert {row["group"] for row in payload["estimates"]} == {"Pasteur", "Grant-White"}
    assert payload["nobs"] == {"Pasteur": 156, "Grant-White": 145}


def test_bad_input_gets_specific_errors():
    data = ls.load_dataset("holzinger_swineford")
    with pytest.raises(DataError, match="did you mean 'school'"):
        fit_groups(ROOT / "models/hs_cfa.lav", data, "schol")
    with pytest.raises(DataError, match="at least two"):
        fit_groups(ROOT / "models/hs_cfa.lav", data.assign(one="a"), "one")
    small = data.assign(tiny=["a"] * 295 + ["b"] * 6)
    with pytest.raises(DataError, match="group 'b' of 'tiny' has 6 complete rows"):
        fit_groups(ROOT / "models/hs_cfa.lav", small, "tiny")
    paths = fit_groups(ROOT / "tests/reference/models/pd_path.lav",  # observed outcomes:
                       ls.load_dataset("political_democracy").assign(g=["a", "b"] * 37 + ["a"]),
                       "g", emit_warnings=False)  # fitted (test_groups_observed.py vs lavaan)
    assert {"y1", "y5", "y6"} <= set(paths.estimates.query("op == '~1'")["lhs"])
    # (multi-group FIML + MLR with covariates is fitted now: tests/test_fiml_covariates.py)
    with pytest.raises(ArgumentError, match="group_equal must be a list of any of"):
        fit_groups(ROOT / "models/hs_cfa.lav", data, "school", group_equal=["loading"])
    with pytest.raises(SpecificationError, match="does not have: x99~1"):
        fit_groups(ROOT / "models/hs_cfa.lav", data, "school", group_equal=["intercepts"],
                   group_partial=["x99 ~ 1"])
    with pytest.raises(ValueError, match="steps must be a list of any of"):
        invariance_ladder(ROOT / "models/hs_cfa.lav", data, "school", steps=["weak"])
    assert list(STEPS) == ["configural", "metric", "scalar", "strict"]


def test_cli_invariance(tmp_path):
    from click.testing import CliRunner

    from loyaltysem.cli import main

    out = tmp_path / "ladder.json"
    run = CliRunner().invoke(main, ["invariance", str(ROOT / "models/hs_cfa.lav"), "--data",
                                    "holzinger_swineford", "--group", "school", "--steps",
                                    "configural,metric", "--format", "json", "--out", str(out)])
    assert run.exit_code == 0, run.output
    payload = json.loads(out.read_text())
    assert [s["step"] for s in payload["steps"]] == ["configural", "metric"]
    assert payload["steps"][1]["df"] == 54
    bad = CliRunner().invoke(main, ["invariance", str(ROOT / "models/hs_cfa.lav"), "--data",
                                    "holzinger_swineford", "--group", "school", "--steps", "weak"])
    assert bad.exit_code == 2 and "unknown step" in bad.output
    partial = CliRunner().invoke(main, ["invariance", str(ROOT / "models/hs_cfa.lav"), "--data",
                                        "holzinger_swineford", "--group", "school", "--steps",
                                        "configural,scalar", "--partial", "x3~1, x7~1",
                                        "--format", "json"])
    assert partial.exit_code == 0, partial.output
    scalar = json.loads(partial.output)["steps"][1]
    lavaan = _reference("hs_school")["steps"]["scalar_partial"]["fit"]
    assert scalar["chisq"] == pytest.approx(lavaan["chisq"], rel=1e-6)  # observed 1e-7


def test_inadmissible_groups_are_reported_by_group():
    """ECSI on mobi is inadmissible as a CB-SEM; split in two groups, each group's Heywood
    cases are reported with its name, and non-convergence is not hidden."""
    data = ls.load_dataset("mobi")
    data = data.assign(half=np.where(np.arange(len(data)) % 2 == 0, "odd", "even"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit_groups(ROOT / "models/ecsi.lav", data, "half")
    assert any(w.startswith("group odd: negative variance") for w in result.warnings)
    assert any("HeywoodCaseWarning" == type(w.message).__name__ for w in caught)
    if not result.converged:
        assert any("did not converge" in w for w in result.warnings)


@pytest.mark.parametrize("case", ["hs_school", "corp_rep_servicetype"])
def test_path_comparison_matches_lavaan(case):
    """make_path_comparison_reference.R: metric baseline, each path equal in turn.
    Chi-squares 1e-6 relative (observed 1.3e-8), estimates 1e-5 or 2e-3 SE (observed
    1.1e-4 SE on corp_rep), SEs 1e-4 (observed 9e-6)."""
    from loyaltysem.groups import compare_paths
    from loyaltysem.spec import ModelSpec
    from loyaltysem.spec.lavaan_syntax import parse_lavaan

    reference = json.loads((ROOT / "tests/reference/groups" / f"paths_{case}.json").read_text())
    _, data, group, na = CASES[case]
    spec = ModelSpec(parse_lavaan(reference["syntax"]), name=case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare_paths(spec, data, group, na_values=na)
    assert float(result.baseline.fit_indices["chisq"]) == pytest.approx(
        reference["baseline"]["chisq"], rel=1e-6)
    table = result.table.set_index(["lhs", "rhs"])
    for path in reference["paths"]:
        row = table.loc[(path["lhs"], path["rhs"])]
        assert row["chisq_diff"] == pytest.approx(path["chisq_diff"], rel=1e-6, abs=1e-8)
        assert row["df_diff"] == path["df_diff"]
        assert row["pvalue"] == pytest.approx(path["pvalue"], rel=1e-6, abs=1e-8)
    labels = reference["group_labels"]
    lavaan_est = {}
    for estimate in reference["estimates"]:
        name = labels[estimate["group"] - 1]
        row = table.loc[(estimate["lhs"], estimate["rhs"])]
        _assert_estimates_close([row[f"est_{name}"]], [estimate["est"]], [estimate["se"]],
                                se_fraction=2e-3)
        assert row[f"se_{name}"] == pytest.approx(estimate["se"], rel=1e-4)
        lavaan_est[estimate["lhs"], estimate["rhs"], name] = estimate
    if len(labels) == 2:   # the difference of lavaan's two group estimates
        first, second = labels
        for (lhs, rhs), row in table.iterrows():
            a, b = lavaan_est[lhs, rhs, first], lavaan_est[lhs, rhs, second]
            _assert_estimates_close([row["difference"]], [b["est"] - a["est"]],
                                    [a["se"] + b["se"]], se_fraction=2e-3)


def test_path_comparison_drops_labels_and_reports_in_every_format():
    """corp_rep.yaml labels its paths (equal across groups in lavaan's multi-group
    semantics): compare_paths removes them, so the five paths are compared."""
    from loyaltysem.groups import compare_paths

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare_paths(ROOT / "models/corp_rep.yaml", "corp_rep", "servicetype")
    assert len(result.table) == 5
    assert set(result.table.loc[result.table["differs"], "path"]) == {"COMP -> CUSL",
                                                                      "LIKE -> CUSL"}
    assert "Paths across groups" in result.summary().as_text()
    json.dumps(result.to_dict(), allow_nan=False)


def test_cli_compare_paths():
    from click.testing import CliRunner

    from loyaltysem.cli import main

    run = CliRunner().invoke(main, ["compare-paths", str(ROOT / "models/corp_rep.yaml"), "--data",
                                    "corp_rep", "--group", "servicetype", "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.output)
    assert len(payload["paths"]) == 5 and payload["baseline"]["df"] == 66
    bad = CliRunner().invoke(main, ["compare-paths", str(ROOT / "models/corp_rep.yaml"), "--data",
                                    "corp_rep", "--group", "servicetype", "--baseline",
                                    "regressions"])
    assert bad.exit_code == 2 and "not allowed" in bad.output


def _mlr_reference(case):
    return json.loads((ROOT / "tests/reference/groups" / f"mlr_{case}.json").read_text())


@pytest.fixture(scope="module")
def mlr_ladders():
    cache = {}

    def get(case):
        if case not in cache:
            model, data, group, na = CASES[case]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[case] = invariance_ladder(ROOT / model, data, group,
                                                steps=["configural", "metric", "scalar"],
                                                estimator="MLR", na_values=na)
        return cache[case]

    return get


@pytest.mark.parametrize("case", MLR_CASES)
@pytest.mark.parametrize("step", ["configural", "metric", "scalar"])
def test_multigroup_mlr_matches_lavaan(case, step, mlr_ladders):
    """make_groups_mlr_reference.R: every fit measure we report that lavaan reports
    (5e-5 relative; observed 3.4e-6), sandwich SEs (1e-3 relative; observed 7.3e-5 on
    the configural HS model, where lavaan's estimates are furthest from the optimum)."""
    result = mlr_ladders(case).fits[step]
    reference = _mlr_reference(case)["steps"][step]
    assert _compare_fit_measures(result.fit_indices, reference["fit"]) >= 60
    for key in ("chisq.scaled", "chisq.scaling.factor", "cfi.robust", "rmsea.robust",
                "scaling.factor.h1", "scaling.factor.h0", "baseline.chisq.scaling.factor"):
        assert key.replace(".", "_") in result.fit_indices.index
    merged = _merged_with_lavaan(result, reference["estimates"], reference["group_labels"])
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("case", MLR_CASES)
def test_mlr_ladder_uses_the_satorra_bentler_2001_difference(case, mlr_ladders):
    table = mlr_ladders(case).table
    for row, lrt in zip(table.itertuples(index=False), _mlr_reference(case)["lrt"]):
        if lrt["chisq_diff"] is None:
            continue
        # observed 1.3e-5 and 1.4e-5: the scaling factors carry lavaan's stopping point
        assert row.chisq_diff == pytest.approx(lrt["chisq_diff"], rel=2e-4)
        assert row.pvalue_diff == pytest.approx(lrt["pvalue"], rel=2e-4, abs=1e-8)
    assert "Satorra-Bentler (2001)" in mlr_ladders(case).summary().as_text()


def test_scaled_difference_edge_cases():
    from loyaltysem.groups.robust import scaled_difference

    assert math.isnan(scaled_difference(10.0, 5, 1.2, 8.0, 5, 1.1)[0])  # no df difference
    assert math.isnan(scaled_difference(10.0, 6, 0.5, 8.0, 5, 1.5)[0])  # negative cd
    statistic, df, p = scaled_difference(20.0, 10, 1.2, 10.0, 8, 1.1)
    cd = (10 * 1.2 - 8 * 1.1) / 2
    assert statistic == pytest.approx(10.0 / cd) and df == 2 and 0 < p < 1


def test_compare_paths_with_mlr_uses_robust_standard_errors():
    from loyaltysem.groups import compare_paths

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ml = compare_paths(ROOT / "models/corp_rep.yaml", "corp_rep", "servicetype")
        mlr = compare_paths(ROOT / "models/corp_rep.yaml", "corp_rep", "servicetype",
                            estimator="MLR")
    assert mlr.baseline.estimator == "MLR"
    np.testing.assert_allclose(mlr.table["est_1"], ml.table["est_1"], rtol=1e-6)
    assert not np.allclose(mlr.table["se_1"], ml.table["se_1"])
    assert (mlr.table["chisq_diff"] != ml.table["chisq_diff"]).all()


def _fiml_reference():
    return json.loads((ROOT / "tests/reference/groups/fiml_hs_school.json").read_text())


@pytest.mark.parametrize("estimator", ["ML", "MLR"])
@pytest.mark.parametrize("step", ["configural", "metric", "scalar"])
def test_multigroup_full_information_ml_matches_lavaan(step, estimator):
    """make_groups_fiml_reference.R: HS by school with 10% of the values missing,
    missing = "ml" (and estimator = "MLR"): estimates 1e-5 or 2e-4 SE (observed 1.4e-5 SE),
    SEs 5e-4 relative (observed 2.8e-5), every fit measure lavaan reports and we compute
    2e-5 (ML, observed 1.5e-6) or 5e-4 (MLR, observed 2.8e-5 on rmsea.pvalue.scaled),
    lavaan's missing-data GFI and robust indices among them (tests/test_groups_fiml_measures.py
    tests them on more models)."""
    reference = _fiml_reference()
    block = reference["steps"][step] if estimator == "ML" else reference["mlr"][step]
    labels = reference["steps"][step]["group_labels"]
    data = pd.read_csv(ROOT / reference["data"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_groups(ROOT / "models/hs_cfa.lav", data, "school",
                            group_equal=STEPS[step], missing="ml", estimator=estimator)
    merged = _merged_with_lavaan(result, block["estimates"], labels)
    _assert_estimates_close(merged["est"], merged["est_lavaan"], merged["se_lavaan"], 2e-4)
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], atol=1e-8, rtol=5e-4)
    rtol = 2e-5 if estimator == "ML" else 5e-4
    assert _compare_fit_measures(result.fit_indices, block["fit"], rtol) >= 45
    assert {"gfi", "agfi", "pgfi", "cfi_robust", "rmsea_robust"} <= set(result.fit_indices.index)


def test_multigroup_fiml_ladder_matches_lavtestlrt():
    reference = _fiml_reference()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = invariance_ladder(ROOT / "models/hs_cfa.lav",
                                   pd.read_csv(ROOT / reference["data"]), "school",
                                   steps=["configural", "metric", "scalar"], missing="ml")
    for row, lrt in zip(ladder.table.itertuples(index=False), reference["lrt"]):
        if lrt["chisq_diff"] is not None:   # observed 1e-10
            assert row.chisq_diff == pytest.approx(lrt["chisq_diff"], rel=1e-6)
    assert ladder.highest_level == "metric"


def test_r2_per_group_and_a_path_diagram_per_group(ladders):
    """R² = 1 - the standardized residual variance (std.all checked against lavaan above);
    group_view gives path_diagram what it needs."""
    import matplotlib

    matplotlib.use("Agg")
    from loyaltysem.plot import path_diagram

    result = ladders("corp_rep_servicetype").fits["metric"]
    for group in result.groups:
        rows = result.estimates[(result.estimates["group"] == group)
                                & (result.estimates["op"] == "~~")
                                & (result.estimates["lhs"] == result.estimates["rhs"])]
        std = rows.set_index("lhs")["std_all"]
        for variable in ("CUSA", "CUSL", "comp_1"):
            assert result.r2.at[variable, group] == pytest.approx(1 - std[variable], abs=1e-10)
        fig = path_diagram(result.group_view(group))
        labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts}
        assert f"R² = {result.r2.at['CUSL', group]:.2f}" in labels["label:CUSL"]
    with pytest.raises(ValueError, match="no group"):
        result.group_view("3")


@pytest.mark.parametrize("step", ["configural", "metric"])
def test_multigroup_fiml_with_covariates_matches_lavaan(step):
    """The HS MIMIC model by school with 10% of the items missing and complete covariates
    (make_groups_fiml_reference.R): estimates 1e-5 or 2e-3 SE (observed 1.6e-4 SE) and
    SEs 1e-3 relative (observed 1.1e-4): lavaan's own convergence tolerance shows at
    1e-4 here; every reported fit measure within 1e-5 (observed 2e-7)."""
    reference = json.loads((ROOT / "tests/reference/groups/fiml_hs_mimic_school.json")
                           .read_text())
    block = reference["steps"][step]
    labels = block["group_labels"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_groups(ROOT / reference["model"], pd.read_csv(ROOT / reference["data"]),
                            "school", group_equal=STEPS[step], missing="ml")
    merged = _merged_with_lavaan(result, block["estimates"], labels)
    _assert_estimates_close(merged["est"], merged["est_lavaan"], merged["se_lavaan"], 2e-3)
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], atol=1e-8, rtol=1e-3)
    assert _compare_fit_measures(result.fit_indices, block["fit"], 1e-5) >= 30


def test_the_internal_group_code_is_not_checked_as_an_item():
    """Items in large units: the group code (0/1) beside them is no 'scale' problem, and the
    chi-square does not depend on the unit (it was refused as 'items differ in scale')."""
    import warnings

    data = ls.load_dataset("holzinger_swineford")
    scaled = data.assign(**{f"x{k}": data[f"x{k}"] * 1000 for k in range(1, 10)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = fit_groups(ROOT / "models/hs_cfa.lav", data, "school")
        in_large_units = fit_groups(ROOT / "models/hs_cfa.lav", scaled, "school")
    assert in_large_units.fit_indices["chisq"] == pytest.approx(plain.fit_indices["chisq"],
                                                                rel=1e-6)  # iterative optimum


def _every_lavaan_measure(ours: pd.Series, theirs: dict) -> int:
    """Every name of lavaan's fitMeasures() in ``ours`` (NaN exactly where lavaan gives NA),
    within 2e-4 relative, 1e-10 absolute (observed over every step of every case: 1.7e-5 on
    rmsea.pvalue.robust = .00025; 9e-13 on a scaled p-value of 2.5e-8)."""
    return check_lavaan_fit_measures(ours, theirs, rtol=2e-4, atol=1e-10)


@pytest.mark.parametrize("case,step", _steps())
def test_every_lavaan_fit_measure_is_reported(case, step, fitted):
    """Complete-data ML: all of lavaan's names, the residual summaries (rmr, crmr,
    srmr_mplus, their _nomean, srmr_bentler_nomean), Hoelter's CN, GFI/AGFI/PGFI among
    them."""
    theirs = _reference(case)["steps"][step]["fit"]
    assert _every_lavaan_measure(fitted(case, step).fit_indices, theirs) == 46
    assert {"rmr", "crmr_nomean", "srmr_mplus_nomean", "srmr_bentler_nomean", "cn_05",
            "gfi", "pgfi"} <= set(theirs)


@pytest.mark.parametrize("case", MLR_CASES)
@pytest.mark.parametrize("step", ["configural", "metric", "scalar"])
def test_every_lavaan_mlr_fit_measure_is_reported(case, step, mlr_ladders):
    theirs = _mlr_reference(case)["steps"][step]["fit"]
    assert _every_lavaan_measure(mlr_ladders(case).fits[step].fit_indices, theirs) == 78


def test_rows_without_a_group_value_are_left_out_with_a_warning():
    """Holzinger-Swineford by school with every tenth school value blanked (31 rows):
    the 270 rows with a school are fitted, as if the others were not in the data,
    and the 31 left out are said (MissingValueWarning) and counted in n_dropped."""
    from loyaltysem.exceptions import MissingValueWarning

    data = ls.load_dataset("holzinger_swineford").copy()
    data["school"] = data["school"].astype(object)
    blank = data.index[::10]
    data.loc[blank, "school"] = None
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    with pytest.warns(MissingValueWarning, match="31 of 301 rows have no value of the "
                      "grouping column 'school'"):
        result = fit_groups(model, data, group="school")
    assert result.n_dropped == 31
    assert int(result.nobs.sum()) == 270
    assert any("grouping column 'school'" in w for w in result.warnings)
    reference = fit_groups(model, data.drop(index=blank), group="school",
                           emit_warnings=False)
    assert result.fit_indices["chisq"] == reference.fit_indices["chisq"]
