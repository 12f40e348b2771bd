"""Full-information ML with fixed.x covariates, against lavaan 0.6-14.

References (tests/reference/core/, make_core_fiml_reference.R):
- fiml_mlr_hs_mimic: ``missing = "ml", estimator = "MLR"`` with complete covariates;
- fiml_ml_hs_mimic_missing_x: ``missing = "ml"`` with an incomplete covariate: lavaan drops
  those 29 cases (N = 272), so do we, with a note;
- fiml_mlx_hs_mimic, fiml_mlx_mlr_pd_path: ``missing = "ml.x"`` (the cases kept; the
  covariates' moments at their EM estimates): estimates, SEs and every fit measure, the h1
  log-likelihood and the baseline indices of ml.x included (tests/test_fiml_measures.py);
- fiml_ml_hs_cross, fiml_mlr_hs_cross: a cross-loading CFA on hs_missing.
Tolerances: estimates 2e-4 of lavaan's SE (observed 1.4e-4 with ml.x, lavaan stops at a
gradient ~1e-6), SEs 1e-4 relative (observed 3.4e-5), fit measures 1e-4 (observed 1e-5).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import loyaltysem as ls

from core_reference import cached_fits, data_of, load, merged_estimates
from lavaan_reference import check_lavaan_fit_measures

CASES = ["fiml_mlr_hs_mimic", "fiml_ml_hs_mimic_missing_x", "fiml_mlx_hs_mimic",
         "fiml_mlx_mlr_pd_path", "fiml_ml_hs_cross", "fiml_mlr_hs_cross"]


@pytest.fixture(scope="module")
def fits():
    return cached_fits(lambda reference, data, options: ls.fit(
        ls.ModelSpec.from_lavaan(reference["syntax"]), data, missing=options["missing"],
        estimator=options.get("estimator", "ML"), emit_warnings=False))


@pytest.mark.parametrize("case", CASES)
def test_estimates_and_ses_match_lavaan(case, fits):
    reference = load(case)
    result = fits(case)
    assert result.nobs == reference["ntotal"]
    merged = merged_estimates(result.estimates, reference)
    allowed = np.maximum(1e-5 * merged["est_lavaan"].abs() + 1e-8, 2e-4 * merged["se_lavaan"])
    assert (np.abs(merged["est"] - merged["est_lavaan"]) <= allowed).all()
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize("case", CASES)
def test_fit_measures_match_lavaan(case, fits):
    ours = fits(case).fit_indices
    assert check_lavaan_fit_measures(ours, load(case)["fit"], rtol=1e-4) >= 50


def test_missing_ml_drops_cases_without_a_covariate_and_says_so(fits):
    result = fits("fiml_ml_hs_mimic_missing_x")
    assert result.nobs == 272
    assert any("missing covariate" in w and "ml.x" in w for w in result.warnings)


def test_ml_x_keeps_them_and_reports_the_baseline_indices(fits):
    result = fits("fiml_mlx_hs_mimic")
    assert result.nobs == 301
    assert float(result.fit_indices["cfi"]) == pytest.approx(
        load("fiml_mlx_hs_mimic")["fit"]["cfi"], rel=1e-5)
    assert not any("ml.x" in w for w in result.warnings)


@pytest.mark.parametrize("case", ["fiml_mlr_hs_mimic_school", "fiml_mlr_hs_mimic_school_metric"])
def test_multigroup_fiml_mlr_with_covariates_matches_lavaan(case):
    """Estimates 1e-5 or 1e-3 SE (observed 1.7e-4: lavaan's multi-group FIML stops at a
    gradient ~1e-5), SEs 5e-4 (observed 1.3e-4), fit measures 1e-4 (observed < 1e-4)."""
    from loyaltysem.groups import fit_groups

    reference = load(case)
    data = data_of(reference)
    equal = reference["options"].get("group.equal", [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_groups(ls.ModelSpec.from_lavaan(reference["syntax"]), data,
                            reference["group"], group_equal=[equal] if isinstance(equal, str)
                            else equal, missing="ml", estimator="MLR", emit_warnings=False)
    merged = merged_estimates(result.estimates, reference)
    allowed = np.maximum(1e-5 * merged["est_lavaan"].abs() + 1e-8, 1e-3 * merged["se_lavaan"])
    assert (np.abs(merged["est"] - merged["est_lavaan"]) <= allowed).all()
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], rtol=5e-4, atol=1e-8)
    for name, value in reference["fit"].items():
        key = {"logl": "loglik", "unrestricted.logl": "unrestricted_loglik"}.get(
            name, name.replace(".", "_"))
        if value is None or key not in result.fit_indices.index or "robust" in name:
            continue
        assert float(result.fit_indices[key]) == pytest.approx(value, rel=1e-4, abs=1e-8), name
