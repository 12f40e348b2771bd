"""Robust ML with a mean structure, against lavaan 0.6-14 (tests/reference/mean_robust.json,
written by tests/reference/make_mean_robust_reference.R; tests never need R).

1. ``estimator="MLR"`` / ``"MLM"`` with ``meanstructure=True`` or ``~1`` rows on complete
   data (single group): estimates, SEs and every ``fitMeasures()`` value, the scaled and
   robust ones included.

Tolerances (the house rule of tests/core_reference.py): estimates 1e-5 relative, SEs 1e-4,
fit measures 1e-5.
"""
from __future__ import annotations

import json
import warnings
from functools import lru_cache

import pytest

import loyaltysem as ls

from core_reference import ROOT, check_fit_measures, data_of, estimate_errors

REFERENCE = ROOT / "tests" / "reference" / "mean_robust.json"


@lru_cache(maxsize=1)
def _reference() -> dict:
    return json.loads(REFERENCE.read_text())


def _case(name: str) -> dict:
    return _reference()["cases"][name]


@lru_cache(maxsize=None)
def _single(name: str):
    case = _case(name)
    options = dict(case["options"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(case["syntax"], data_of(case), emit_warnings=False, **options)


SINGLE = [f"{estimator}_{model}" for model in ("hs_cfa", "hs_latent_means", "poldem_eq_means",
                                               "poldem_eq_loadings", "pd_path", "hs_mimic")
          for estimator in ("mlr", "mlm")]


@pytest.mark.parametrize("name", SINGLE)
def test_robust_estimates_and_ses_with_a_mean_structure(name):
    result = _single(name)
    errors = estimate_errors(result.estimates, _case(name))
    assert errors["se_rel"] < 1e-4
    assert result.estimator == _case(name)["options"]["estimator"]


@pytest.mark.parametrize("name", SINGLE)
def test_robust_fit_measures_with_a_mean_structure(name):
    case = _case(name)
    result = _single(name)
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])
    for key in ("chisq.scaled", "chisq.scaling.factor", "cfi.robust", "tli.robust",
                "rmsea.robust", "cfi.scaled", "rmsea.scaled"):
        assert key in case["fit"]


def test_saturated_means_leave_the_scaled_statistics_unchanged():
    # free intercepts only: the mean part adds p to both Yuan-Bentler traces and nothing
    # to the Satorra-Bentler ones, so c is that of the covariance structure
    for estimator in ("MLR", "MLM"):
        case = _case(f"{estimator.lower()}_hs_cfa")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain = ls.fit(case["syntax"], data_of(case), estimator=estimator)
        means = _single(f"{estimator.lower()}_hs_cfa")
        assert means.fit_indices["scaling_factor"] == pytest.approx(
            plain.fit_indices["scaling_factor"], rel=1e-8)
        assert means.fit_indices["df"] == plain.fit_indices["df"]
