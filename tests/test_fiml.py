"""Full-information ML with missing data against lavaan's ``missing = "ml"``.

References: tests/reference/fiml/<case>.json (make_fiml_reference.R) on
Holzinger-Swineford and Political Democracy with values missing completely
at random (tests/reference/data/, seeded) and corp_rep with its own missing
values. Tolerances (issue #11: about ten times the largest observed error):

- estimates and std.all: 1e-5 relative or ``EST_SE_FRACTION`` of the SE
  (observed 1.2e-5 SE; 5e-5 SE on hs_mimic: lavaan's optimiser stops at its
  convergence tolerance, as for complete data, see test_against_lavaan.py);
- SEs: 5e-5 relative (observed 7.9e-6 with MLR; 1.8e-5 on hs_mimic: 2e-4);
- fit measures: 1e-4 relative (observed 7.1e-6, rmr);
- EM estimates of the unrestricted model: means and covariances 5e-13 SD
  (sd_i sd_j; observed 1.2e-14 and 5.4e-14: our EM stops where lavaan's does, when
  no moment changes by 1e-5, so both stop at the same iterate);
  the h1 log-likelihood 1e-13 relative (observed 2e-15).
"""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.estimate.moments import missing_moments, pattern_sum, loglik_constant

from lavaan_reference import ROOT, check_lavaan_fit_measures

CASES = {
    "hs_cfa": ("models/hs_cfa.lav", "tests/reference/data/hs_missing.csv", None),
    "poldem": ("models/poldem.lav", "tests/reference/data/poldem_missing.csv", None),
    "corp_rep": ("models/corp_rep.lav", "datasets/corp_rep/corp_rep.csv", [-99]),
    # observed outcomes (x7 -> x8): lavaan's intercepts are regression intercepts
    "hs_obs_outcomes": ("tests/reference/models/hs_obs_outcomes.lav",
                        "tests/reference/data/hs_missing.csv", None),
    # complete fixed.x covariates: means fixed, log-likelihoods conditional on them
    "hs_mimic": ("tests/reference/models/hs_mimic.lav", "tests/reference/data/hs_missing.csv",
                 None),
}
#: the cases with an MLR reference (fixed.x covariates: ML only for now)
MLR_CASES = [name for name in CASES if name != "hs_mimic"]
#: estimates may differ by this fraction of their SE beyond 1e-5 relative (module doc)
EST_SE_FRACTION = {"hs_mimic": 5e-4}   # observed 5.0e-5
EST_SE_FRACTION_DEFAULT = 2e-4         # observed 1.2e-5 (poldem)
SE_RTOL = {"hs_mimic": 2e-4}           # observed 1.8e-5
SE_RTOL_DEFAULT = 5e-5                 # observed 4.9e-6 (ML), 7.9e-6 (MLR)
FIT_RTOL = 1e-4                        # observed 7.1e-6


def _reference(name):
    return json.loads((ROOT / "tests/reference/fiml" / f"{name}.json").read_text())


def _data(name):
    _, path, na = CASES[name]
    return pd.read_csv(ROOT / path, na_values=na)


@pytest.fixture(scope="module")
def fits():
    cache = {}

    def get(name):
        if name not in cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[name] = ls.fit(ROOT / CASES[name][0], _data(name), missing="ml",
                                     emit_warnings=False)
        return cache[name]

    return get


@pytest.mark.parametrize("name", list(CASES))
def test_em_estimates_of_the_unrestricted_model(name):
    reference = _reference(name)
    values = _data(name)[reference["h1_names"]].to_numpy(float)
    moments = missing_moments(values)
    mean, cov = moments.mean[0], moments.cov[0]
    loglik = -0.5 * (pattern_sum(moments.patterns, mean, cov) + loglik_constant(moments.patterns))
    sd = np.sqrt(np.diag(reference["h1_cov"]))
    np.testing.assert_allclose(mean / sd, np.array(reference["h1_mean"]) / sd, rtol=0,
                               atol=5e-13)
    np.testing.assert_allclose(cov / np.outer(sd, sd),
                               np.array(reference["h1_cov"]) / np.outer(sd, sd), rtol=0,
                               atol=5e-13)
    covariates = [reference["h1_names"].index(v) for v in ("ageyr", "sex")
                  if name == "hs_mimic"]
    if covariates:  # fixed.x: lavaan's log-likelihoods are conditional on the covariates
        from loyaltysem.estimate.fit_indices import normal_loglik

        x = values[:, covariates] - values[:, covariates].mean(axis=0)
        s_xx = x.T @ x / len(x)
        loglik -= normal_loglik(s_xx, s_xx, len(x))
    assert loglik == pytest.approx(reference["fit"]["unrestricted.logl"], rel=1e-13)


def _assert_estimates_close(name, ours, theirs, se):
    """1e-5 relative, or EST_SE_FRACTION of lavaan's SE (module doc)."""
    ours, theirs, se = (np.asarray(x, dtype=float) for x in (ours, theirs, se))
    allowed = np.maximum(1e-5 * np.abs(theirs) + 1e-8,
                         EST_SE_FRACTION.get(name, EST_SE_FRACTION_DEFAULT) * se)
    bad = ~(np.abs(ours - theirs) <= allowed)
    assert not bad.any(), pd.DataFrame({"ours": ours[bad], "lavaan": theirs[bad],
                                        "allowed": allowed[bad]})


@pytest.mark.parametrize("name", list(CASES))
def test_estimates_ses_and_standardized_solution_match_lavaan(name, fits):
    result = fits(name)
    theirs = pd.DataFrame(_reference(name)["estimates"])
    theirs["rhs"] = theirs["rhs"].fillna("")
    theirs = theirs[theirs["op"] != ":="]
    merged = theirs.merge(result.estimates, on=["lhs", "op", "rhs"], suffixes=("_lavaan", ""))
    assert len(merged) == len(theirs)
    _assert_estimates_close(name, merged["est"], merged["est_lavaan"], merged["se_lavaan"])
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], atol=1e-8,
                               rtol=SE_RTOL.get(name, SE_RTOL_DEFAULT))
    std = merged["std.all"].astype(float)
    std_se = merged["se_lavaan"] * (std.abs() / merged["est_lavaan"].abs().replace(0, np.nan))
    _assert_estimates_close(name, merged["std_all"], std, std_se.fillna(0))
    assert result.missing == "ml" and result.nobs == _reference(name)["nobs"]


@pytest.mark.parametrize("name", list(CASES))
def test_every_fit_measure_matches_lavaan(name, fits):
    ours = fits(name).fit_indices
    assert _compare_fit_measures(ours, _reference(name)["fit"]) >= 50


def _compare_fit_measures(ours: pd.Series, theirs: dict) -> int:
    """Every lavaan fit measure, within FIT_RTOL (1e-8 near 0), the GFI family and the
    missing-data robust indices (tests/test_fiml_measures.py) included; how many were
    compared."""
    return check_lavaan_fit_measures(ours, theirs, rtol=FIT_RTOL)


def test_complete_data_gives_the_listwise_fit():
    """With no missing value, missing='ml' is the ordinary fit (no mean structure added)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        listwise = ls.fit(ROOT / "models/hs_cfa.lav", "holzinger_swineford")
        full = ls.fit(ROOT / "models/hs_cfa.lav", "holzinger_swineford", missing="ml")
    assert full.fit_indices["chisq"] == pytest.approx(listwise.fit_indices["chisq"])
    assert full.missing == "listwise"


def test_fiml_results_work_downstream(fits):
    from loyaltysem.effects import effects_table, monte_carlo_intervals
    from loyaltysem.validity import assess_measurement

    result = fits("corp_rep")
    assert len(effects_table(result)) > 0
    assert len(monte_carlo_intervals(result, n_draws=200, seed=1)) > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = assess_measurement(result, n_boot=0, method_factor=False)
    assert any("full-information ML" in note for note in report.notes)
    text = result.summary().as_text()
    assert "Intercepts and means" in text and "full-information ML" in text
    json.dumps(result.to_dict(), allow_nan=False)


def test_unsupported_combinations_say_what_to_do():
    from loyaltysem.exceptions import SpecificationError

    data = pd.read_csv(ROOT / "tests/reference/data/hs_missing.csv")
    with pytest.raises(SpecificationError, match="estimator 'MLM' with missing='ml'"):
        ls.fit(ROOT / "models/hs_cfa.lav", data, missing="ml", estimator="MLM")
    # (MLR with fixed.x covariates and incomplete covariates are fitted now:
    # tests/test_fiml_covariates.py)
    # an ArgumentError from fit() (a DataError from prepare_survey): both the project's own
    with pytest.raises(ls.exceptions.LoyaltySemError, match="'listwise', 'ml', 'ml.x'"):
        ls.fit(ROOT / "models/hs_cfa.lav", data, missing="pairwise")


def test_cli_fit_and_report_with_full_information_ml(tmp_path):
    from click.testing import CliRunner

    from loyaltysem.cli import main

    run = CliRunner().invoke(main, ["fit", str(ROOT / "models/corp_rep.yaml"), "--data",
                                    "corp_rep", "--missing", "ml", "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    assert payload["nobs"] == 344 and payload["fit"]["npar"] == 35
    assert any(row["op"] == "~1" for row in payload["estimates"])
    out = tmp_path / "report.md"
    report = CliRunner().invoke(main, ["report", str(ROOT / "models/corp_rep.yaml"), "--data",
                                       "corp_rep", "--missing", "ml", "--bootstrap", "0",
                                       "--out", str(out)])
    assert report.exit_code == 0, report.output
    assert "full-information ML" in out.read_text()


@pytest.mark.parametrize("name", MLR_CASES)
def test_mlr_with_missing_data_matches_lavaan(name):
    """estimator = "MLR", missing = "ml": sandwich SEs from casewise FIML scores and the
    Yuan-Bentler scaling with the h1 informations at the EM estimates; every fit measure,
    lavaan's missing-data robust indices (Zhang & Savalei 2023) and the GFI family too."""
    reference = _reference(name)["mlr"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(ROOT / CASES[name][0], _data(name), missing="ml", estimator="MLR",
                        emit_warnings=False)
    theirs = pd.DataFrame(reference["estimates"])
    theirs["rhs"] = theirs["rhs"].fillna("")
    theirs = theirs[theirs["op"] != ":="]
    merged = theirs.merge(result.estimates, on=["lhs", "op", "rhs"], suffixes=("_lavaan", ""))
    assert len(merged) == len(theirs)
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], atol=1e-8,
                               rtol=SE_RTOL.get(name, SE_RTOL_DEFAULT))
    assert _compare_fit_measures(result.fit_indices, reference["fit"]) >= 70
    assert "scaled chi-square (Yuan-Bentler)" in result.summary().as_text()


HS_STRUCTURAL = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ a*visual
speed   ~ b*textual + visual
ind := a*b
"""


@pytest.fixture(scope="module")
def structural():
    from loyaltysem.spec import ModelSpec
    from loyaltysem.spec.lavaan_syntax import parse_lavaan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(ModelSpec(parse_lavaan(HS_STRUCTURAL), name="hs_structural"),
                      _data("hs_cfa"), missing="ml", emit_warnings=False)


def test_bootstrap_of_a_fiml_fit_matches_lavaan_within_monte_carlo_error(structural):
    """lavaan: missing = "ml", se = "bootstrap", 1000 draws (make_fiml_bootstrap_reference.R);
    here 500 draws with another seed, each resample refitted by FIML on its own missing-data
    patterns. The Monte Carlo SE of a 2.5%/97.5% quantile is about 0.0085 sqrt(1e5 / B)
    bootstrap SDs: 0.12 SD for B = 500, 0.085 SD for B = 1000, 0.15 SD for the difference;
    we accept 4 of those, 0.6 SD. SEs within 12% (their own Monte Carlo error is 3-4%)."""
    from loyaltysem.effects import bootstrap

    reference = json.loads((ROOT / "tests/reference/fiml/bootstrap_hs_structural.json")
                           .read_text())
    assert reference["syntax"].strip() == HS_STRUCTURAL.strip()
    boot = bootstrap(structural, 500, seed=5, n_jobs=2, progress=False)
    assert boot.n_converged >= 495
    intervals = boot.interval("percentile")
    for row in reference["estimates"]:
        key = f"{row['lhs']} :=" if row["op"] == ":=" else f"{row['lhs']} {row['op']} {row['rhs']}"
        sd = row["se"]
        assert boot.se[key] == pytest.approx(sd, rel=0.12), key
        assert intervals.at[key, "lower"] == pytest.approx(row["ci.lower"], abs=0.6 * sd), key
        assert intervals.at[key, "upper"] == pytest.approx(row["ci.upper"], abs=0.6 * sd), key


def test_fiml_bootstrap_draws_do_not_depend_on_the_workers(structural):
    from loyaltysem.effects import bootstrap

    one = bootstrap(structural, 12, seed=9, n_jobs=1, progress=False)
    two = bootstrap(structural, 12, seed=9, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(one.draws, two.draws)


def test_coverage_of_the_reference_data_with_missing_values():
    """lavInspect(fit, "coverage") is R'R / N over the non-empty rows; checked by hand here."""
    from loyaltysem.data.checks import coverage

    data = pd.read_csv(ROOT / "tests/reference/data/hs_missing.csv")
    items = [f"x{i}" for i in range(1, 10)]
    table = coverage(data, items)
    rows = data[items][data[items].notna().any(axis=1)]
    both = (rows["x1"].notna() & rows["x4"].notna()).sum()
    assert table.loc["x1", "x4"] == pytest.approx(both / len(rows), abs=1e-15)
    np.testing.assert_allclose(np.diag(table), rows.notna().mean().to_numpy(), atol=1e-15)
    np.testing.assert_array_equal(table.to_numpy(), table.to_numpy().T)


@pytest.mark.parametrize("case, data_file", [("hs_cfa", "hs_missing.csv"),
                                             ("poldem", "poldem_missing.csv")])
def test_coverage_matches_lavaan(case, data_file):
    """lavInspect(fit, "coverage") of lavaan 0.6-14 (make_coverage_reference.R); proportions
    of counts, written with 15 significant digits: 1e-13."""
    from loyaltysem.data.checks import coverage

    expected = json.loads((ROOT / "tests/reference/fiml/coverage.json").read_text())[case]
    data = pd.read_csv(ROOT / "tests/reference/data" / data_file)
    table = coverage(data, expected["variables"])
    np.testing.assert_allclose(table.to_numpy(), np.array(expected["coverage"]), rtol=0,
                               atol=1e-13)
