"""Reliability and HTMT of ordinal items against semTools 0.5-6 / psych (issue #14, point 3).

Reference values: ``tests/reference/make_ordinal_reliability_reference.R`` →
``tests/reference/ordinal_reliability/<case>.json`` (WLSMV fits of lavaan 0.6-14 on the
data of ``make_ordinal_reference.R``): ``compRelSEM()`` with ``ord.scale``/``tau.eq``,
``AVE()``, ``htmt(ordered =)``, ``psych::alpha()`` of the polychoric matrix.

Tolerances. The statistics are closed forms of the polychorics, thresholds and loadings;
fed R's own inputs they agree to 1e-14 (``test_formulas_on_r_inputs``). Through
``loyaltysem.fit`` they carry the estimation error of the loadings (largest observed:
1.8e-7, binary case; reliabilities 1.2e-7, latent correlations 7e-8) and of the
polychorics (HTMT: 4.4e-9): the tolerances are about ten times these. In the theta
parameterization lavaan stops earlier (estimates within 2e-5, tests/test_ordinal_mixed.py):
categorical omega agrees to 1.1e-6 there, tolerance 1e-5.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import loyaltysem as ls
from loyaltysem.cli import main
from loyaltysem.validity import assess_measurement
from loyaltysem.validity.convergent import omega
from loyaltysem.validity.ordinal_reliability import (
    categorical_omega,
    item_statistics_from_correlations,
)
from loyaltysem.validity.reliability import standardized_alpha

REFERENCE = Path(__file__).parent / "reference"
DATA = REFERENCE / "ordinal" / "data"
CASES = {"cfa3": "corp_rep.csv", "binary": "binary.csv", "reversed": "corp_rep.csv",
         "chain": "corp_rep.csv", "cfa3_theta": "corp_rep.csv", "mixed": "hs_mixed.csv"}
#: the CFA of each case's measurement model (the chain's is cfa3)
CFA_CASE = {"cfa3": "cfa3", "binary": "binary", "reversed": "reversed", "chain": "cfa3",
            "cfa3_theta": "cfa3_theta", "mixed": "mixed"}
#: where the standardized statistics are expected: semTools rescales the theta
#: parameterization's polychorics by the latent responses' SDs (all but categorical omega
#: differ from delta's there); loyaltysem's standardized statistics do not depend on it
STANDARDIZED_CASE = {**{case: case for case in CASES}, "cfa3_theta": "cfa3"}
#: through fit(): loadings to ~2e-7 (see the module docstring)
FIT_TOL = 2e-6
#: categorical omega of the theta parameterization (1.1e-6 observed)
THETA_TOL = 1e-5
#: HTMT: the polychorics only (4.4e-9 observed)
POLY_TOL = 5e-8
#: HTMT beside continuous items: the polyserial correlations agree with lavCor() to 9.3e-7
#: (x4o-x7 of the mixed case; the two-step estimate's stopping rule)
POLYSERIAL_TOL = 1e-5
#: the same formulas on R's inputs: rounding only
CLOSED_TOL = 1e-12
STATISTICS = ("omega_categorical", "omega_latent", "alpha_ordinal", "alpha_categorical", "ave")


def reference(case: str) -> dict:
    return json.loads((REFERENCE / "ordinal_reliability" / f"{case}.json").read_text())


def case_data(case: str) -> pd.DataFrame:
    data = pd.read_csv(DATA / CASES[case])
    if case == "reversed":  # the transform of the R script: comp_2 <- 8 - comp_2
        data["comp_2"] = 8 - data["comp_2"]
    return data[reference(case)["polychoric"]["rows"]]  # the model's items


def matrix(block: dict) -> pd.DataFrame:
    return pd.DataFrame(np.array(block["values"], dtype=float), index=block["rows"],
                        columns=block["cols"])


@pytest.fixture(scope="module", params=list(CASES))
def fitted(request):
    case = request.param
    ref = reference(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(ref["model"], case_data(case), ordered=ref["ordered"],
                        parameterization=ref["parameterization"])
        report = assess_measurement(result, n_boot=0, method_factor=False)
    return case, ref, report


@pytest.mark.parametrize("case", [case for case in CASES if case != "cfa3_theta"])
def test_formulas_on_r_inputs(case):
    """Each statistic from lavaan's loadings, thresholds and polychorics equals semTools'."""
    ref = reference(case)
    poly = matrix(ref["polychoric"])
    for name, block in ref["constructs"].items():
        if block["continuous"]:
            continue  # test_continuous_construct_beside_ordinal_ones
        items = block["items"]
        r = poly.loc[items, items].to_numpy()
        lam = np.array(block["std_loadings"])
        taus = [np.atleast_1d(block["thresholds"][item]) for item in items]
        np.testing.assert_allclose(categorical_omega(lam, taus, r), block["omega_categorical"],
                                   rtol=0, atol=CLOSED_TOL, err_msg=name)
        np.testing.assert_allclose(omega(lam, 1.0, r), block["omega_latent"], atol=CLOSED_TOL)
        np.testing.assert_allclose(standardized_alpha(r), block["alpha_ordinal"], atol=CLOSED_TOL)
        np.testing.assert_allclose(standardized_alpha(r), block["psych_std_alpha"],
                                   atol=CLOSED_TOL)
        stats = item_statistics_from_correlations(poly.loc[items, items])
        np.testing.assert_allclose(stats["r_drop"], [block["r_drop"][i] for i in items],
                                   atol=CLOSED_TOL)
        np.testing.assert_allclose(stats["alpha_if_dropped"],
                                   [block["alpha_if_dropped"][i] for i in items], atol=CLOSED_TOL)


def test_constructs_against_semtools(fitted):
    case, ref, report = fitted
    table = report.constructs.set_index("construct")
    standardized = reference(STANDARDIZED_CASE[case])["constructs"]
    for name, block in ref["constructs"].items():
        if block["continuous"]:
            continue  # test_continuous_construct_beside_ordinal_ones
        np.testing.assert_allclose(table.at[name, "omega_categorical"],
                                   block["omega_categorical"], rtol=0,
                                   atol=THETA_TOL if case == "cfa3_theta" else FIT_TOL)
        block = standardized[name]
        for statistic in STATISTICS:
            np.testing.assert_allclose(table.at[name, statistic], block[statistic], rtol=0,
                                       atol=FIT_TOL, err_msg=f"{case} {name} {statistic}")
        # the headline columns: alpha is the ordinal alpha, omega semTools' default
        np.testing.assert_allclose(table.at[name, "alpha"], block["alpha_ordinal"], atol=FIT_TOL)
        np.testing.assert_allclose(table.at[name, "omega"], block["omega_categorical"],
                                   atol=FIT_TOL)
        np.testing.assert_allclose(table.at[name, "cr"], block["omega_latent_fitted"],
                                   atol=FIT_TOL)
        assert np.isnan(table.at[name, "alpha_ci_lower"])


def test_item_statistics_on_polychorics(fitted):
    case, ref, report = fitted
    items = report.items.set_index("item")
    for block in ref["constructs"].values():
        for i, item in enumerate(block["items"]):
            np.testing.assert_allclose(items.at[item, "std_loading"], block["std_loadings"][i],
                                       atol=FIT_TOL)
            np.testing.assert_allclose(items.at[item, "r_drop"], block["r_drop"][item],
                                       atol=FIT_TOL)
            np.testing.assert_allclose(items.at[item, "alpha_if_dropped"],
                                       block["alpha_if_dropped"][item], atol=FIT_TOL)


def test_continuous_construct_beside_ordinal_ones():
    """In a fit with ordinal and continuous constructs, a continuous construct keeps
    Cronbach's raw alpha, semTools' omega and AVE of an ML fit (compRelSEM's values for
    its continuous factors) and its checks keep their names."""
    ref = reference("mixed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = assess_measurement(ls.fit(ref["model"], case_data("mixed"),
                                           ordered=ref["ordered"]), n_boot=0,
                                    method_factor=False)
    table = report.constructs.set_index("construct")
    items = report.items.set_index("item")
    for name, block in ref["constructs"].items():
        if not block["continuous"]:
            continue
        assert table.at[name, "scale"] == "continuous"
        row = table.loc[name]
        # compRelSEM(tau.eq = TRUE) of a continuous factor is the raw alpha (psych's too)
        np.testing.assert_allclose(row["alpha"], block["psych_raw_alpha"], atol=1e-12)
        np.testing.assert_allclose(row["alpha"], block["alpha_ordinal"], atol=1e-12)
        np.testing.assert_allclose(row["omega"], block["omega_categorical"], atol=FIT_TOL)
        np.testing.assert_allclose(row["ave_ratio"], block["ave"], atol=FIT_TOL)
        np.testing.assert_allclose(row["ave"], np.mean(np.square(block["std_loadings"])),
                                   atol=FIT_TOL)
        assert np.isnan(row["alpha_ordinal"]) and np.isnan(row["omega_categorical"])
        assert np.isfinite(row["alpha_ci_lower"])
        for item in block["items"]:
            np.testing.assert_allclose(items.at[item, "r_drop"], block["r_drop"][item],
                                       atol=1e-12)
            np.testing.assert_allclose(items.at[item, "alpha_if_dropped"],
                                       block["alpha_if_dropped"][item], atol=1e-12)
        checks = report.checks[report.checks["target"] == name]
        assert {"alpha", "omega"} <= set(checks["check"])
    assert table.at["textual", "scale"] == "ordinal"


def test_htmt_on_polychorics(fitted):
    case, ref, report = fitted
    for kind in ("htmt", "htmt2"):
        expected = matrix(ref[kind])
        got = getattr(report, kind).loc[expected.index, expected.columns]
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=0,
                                   atol=POLYSERIAL_TOL if case == "mixed" else POLY_TOL)
    assert report.htmt_ci_upper.isna().all().all()  # n_boot=0: no interval, said so
    ci_checks = report.checks[report.checks["check"] == "htmt_ci_upper"]
    assert set(ci_checks["verdict"]) == {"skipped"}
    assert set(ci_checks["source"]) == {"no bootstrap"}


def test_htmt_bootstrap_recomputes_polychorics():
    """The ordinal HTMT interval: the resamples of the Pearson bootstrap (same seed), each
    with its own polychoric correlations; checked against a hand loop (no R reference:
    semTools' htmt() has no interval)."""
    from loyaltysem.ordinal import polychoric_matrix
    from loyaltysem.validity.discriminant import htmt_from_correlations

    ref = reference("cfa3")
    data = case_data("cfa3")
    n_boot, seed = 40, 7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = assess_measurement(ls.fit(ref["model"], data, ordered=True), n_boot=n_boot,
                                    seed=seed, method_factor=False)
    blocks = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        sample = data.iloc[rng.integers(0, len(data), len(data))].reset_index(drop=True)
        draws.append(htmt_from_correlations(polychoric_matrix(sample).to_numpy(), blocks))
    names = list(ref["constructs"])
    expected = np.quantile(np.array(draws), [0.025, 0.975], axis=0)
    np.testing.assert_allclose(report.htmt_ci_lower.loc[names, names].to_numpy(), expected[0],
                               atol=1e-12)
    np.testing.assert_allclose(report.htmt_ci_upper.loc[names, names].to_numpy(), expected[1],
                               atol=1e-12)
    assert report.to_dict()["ordinal"]["htmt_ci"].startswith("HTMT and HTMT2 intervals")
    assert any("polychoric correlations recomputed in every resample" in n for n in report.notes)
    ci_checks = report.checks[report.checks["check"] == "htmt_ci_upper"]
    assert set(ci_checks["verdict"]) <= {"pass", "warn", "fail"}


def test_fornell_larcker_latent_correlations(fitted):
    case, ref, report = fitted
    expected = matrix(ref["latent_correlations"])
    got = report.latent_correlations.loc[expected.index, expected.columns]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), atol=FIT_TOL)
    for name, block in reference(STANDARDIZED_CASE[case])["constructs"].items():
        # sqrt of Fornell & Larcker's AVE, the mean squared std.all loading (semTools'
        # AVE() for ordinal factors; its ratio of sums for continuous ones differs)
        np.testing.assert_allclose(report.fornell_larcker.at[name, name],
                                   np.sqrt(np.mean(np.square(block["std_loadings"]))),
                                   atol=FIT_TOL)


def test_side_models_are_ordinal(fitted):
    """The CFA behind the Rönkkö–Cho intervals is fitted as the model (WLSMV), not by ML;
    for the chain model it is cfa3 (Fornell–Larcker keeps the chain's correlations)."""
    case, _, report = fitted
    expected = matrix(reference(CFA_CASE[case])["latent_correlations"])
    for row in report.latent_correlation_cis.itertuples(index=False):
        np.testing.assert_allclose(row.r, expected.at[row.lhs, row.rhs], atol=FIT_TOL)


def test_every_output_says_polychoric(fitted):
    case, _, report = fitted
    assert report.correlations == "polychoric"
    out = report.to_dict()
    assert out["correlations"] == "polychoric"
    assert out["ordinal"]["estimator"] == "WLSMV"
    assert out["ordinal"]["htmt_ci"] is None  # n_boot=0
    assert {"alpha_ordinal", "alpha_categorical", "omega_categorical",
            "omega_latent"} <= set(out["constructs"][0])
    json.dumps(out, allow_nan=False)
    text = str(report.summary())
    assert "polychoric" in text and "on polychoric correlations" in text
    checks = set(report.checks["check"])
    assert {"alpha_ordinal", "omega_categorical", "htmt_polychoric"} <= checks
    assert "htmt" not in checks
    if case != "mixed":  # the mixed case's continuous constructs keep alpha and omega
        assert not {"alpha", "omega"} & checks


def test_negative_loading_noted():
    ref = reference("reversed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = assess_measurement(ls.fit(ref["model"], case_data("reversed"), ordered=True),
                                    n_boot=0, method_factor=False)
    assert any("negative loading(s) of comp_2" in note for note in report.notes)
    assert report.constructs.set_index("construct").at["COMP", "alpha"] < 0


def test_method_factor_not_available():
    ref = reference("cfa3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = assess_measurement(ls.fit(ref["model"], case_data("cfa3"), ordered=True),
                                    n_boot=0, method_factor=True)
    assert report.method_factor is None
    assert any("method-factor check is not available for ordinal" in n for n in report.notes)


def test_continuous_fit_unchanged():
    """An ML fit of the same items keeps Cronbach's raw alpha and Pearson HTMT."""
    ref = reference("cfa3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = assess_measurement(ls.fit(ref["model"], case_data("cfa3")), n_boot=0,
                                    method_factor=False)
    assert report.correlations == "pearson" and report.to_dict()["ordinal"] is None
    alpha = report.constructs.set_index("construct").at["COMP", "alpha"]
    np.testing.assert_allclose(alpha, ref["constructs"]["COMP"]["alpha_categorical"], atol=1e-12)


def test_markdown_report_says_polychoric():
    from loyaltysem.report.document import build_report, render_report

    ref = reference("cfa3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        document = build_report(ls.fit(ref["model"], case_data("cfa3"), ordered=True), n_boot=0)
    text = render_report(document, "md")
    assert "Reliability and convergent validity (ordinal items, polychoric correlations)" in text
    assert "| Ordinal α | Categorical α | ρc | Categorical ω | ω latent | AVE |" in text
    assert "HTMT on polychoric correlations" in text
    assert "Cronbach's alpha (raw)" not in text


def test_cli_validate_ordered(tmp_path):
    ref = reference("cfa3")
    spec = tmp_path / "cfa3.lav"
    spec.write_text(ref["model"])
    run = CliRunner().invoke(main, ["validate", str(spec), "--data", str(DATA / "corp_rep.csv"),
                                    "--ordered", "all", "--bootstrap", "20", "--format", "json",
                                    "--no-progress", "--no-method-factor"])
    assert run.exit_code == 0, run.output
    out = json.loads(run.stdout)
    assert out["correlations"] == "polychoric"
    assert out["ordinal"]["htmt_ci"] is not None
    rows = {row["construct"]: row for row in out["constructs"]}
    for name, block in ref["constructs"].items():
        assert rows[name]["omega_categorical"] == pytest.approx(block["omega_categorical"],
                                                                abs=FIT_TOL)
        assert rows[name]["alpha"] == pytest.approx(block["alpha_ordinal"], abs=FIT_TOL)
    expected = matrix(ref["htmt"])
    got = matrix(out["htmt"]).loc[expected.index, expected.columns]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), atol=POLY_TOL)


def test_cli_validate_theta(tmp_path):
    ref = reference("cfa3_theta")
    spec = tmp_path / "cfa3.lav"
    spec.write_text(ref["model"])
    run = CliRunner().invoke(main, ["validate", str(spec), "--data", str(DATA / "corp_rep.csv"),
                                    "--ordered", "all", "--parameterization", "theta",
                                    "--bootstrap", "0", "--format", "json", "--no-progress",
                                    "--no-method-factor"])
    assert run.exit_code == 0, run.output
    rows = {row["construct"]: row for row in json.loads(run.stdout)["constructs"]}
    for name, block in ref["constructs"].items():
        assert rows[name]["omega"] == pytest.approx(block["omega_categorical"], abs=THETA_TOL)


def test_cli_validate_estimator_without_ordered_is_ml(tmp_path):
    spec = tmp_path / "cfa3.lav"
    spec.write_text(reference("cfa3")["model"])
    run = CliRunner().invoke(main, ["validate", str(spec), "--data", str(DATA / "corp_rep.csv"),
                                    "--estimator", "MLR", "--bootstrap", "0", "--format", "json",
                                    "--no-progress", "--no-method-factor"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["correlations"] == "pearson"
