"""Satorra's (2000) scaled difference test with fixed.x covariates against lavaan 0.6-14
(tests/reference/inference/satorra2000_covariates.json, written by
tests/reference/make_satorra2000_covariates_reference.R).

Pairs of nested models with observed exogenous predictors: hs_mimic against
``visual ~ 0*sex`` (m = 1) and against that plus equal loadings (m = 2), with MLM and
MLR, with a mean structure; pd_path (observed outcomes, covariates x1-x3) against two
paths fixed at 0; hs_mimic by school, configural against equal loadings (m = 6). lavaan's
``lavTestLRT(method = "satorra.2000")`` (scaled and shifted) with Gamma from the casewise
moments minus those predicted from the covariates (``lav_samplestats_Gamma``, fixed.x) —
in loyaltysem the one Gamma of :func:`loyaltysem.estimate.robust.second_moment_covariance`.

Against lavaan refitted by BFGS (``tight``; gradients 4e-9 to 1.8e-7): statistic 9.5e-8
relative (pd_path), p-values 1.9e-7, the scaling factor ``cd`` and the traces 1e-7;
allowed 1e-6. Against lavaan's default fits, whose nlminb stops at gradients up to 8e-6
(mimic_means_mlm): statistic 1.9e-6, p-value 1.4e-5 relative; allowed 1e-5 and 5e-5.
"""
from __future__ import annotations

import json
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.estimate.difference import satorra_2000_traces
from loyaltysem.groups import fit_groups

from lavaan_reference import ROOT


@lru_cache(maxsize=None)
def _reference() -> dict:
    path = ROOT / "tests/reference/inference/satorra2000_covariates.json"
    return json.loads(path.read_text())


PAIRS = tuple(_reference()["pairs"])


@lru_cache(maxsize=None)
def _fits(name: str):
    pair = _reference()["pairs"][name]
    data = pd.read_csv(ROOT / pair["data"])
    if pair["rownames"]:
        data = data.iloc[:, 1:]
    options = pair["options"]
    kwargs: dict = {"estimator": options["estimator"]}
    if options.get("meanstructure"):
        kwargs["meanstructure"] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "group" in options:
            equal = (pair["options0"] or {}).get("group.equal", [])
            equal = [equal] if isinstance(equal, str) else list(equal)
            return (fit_groups(pair["syntax1"], data, options["group"], **kwargs),
                    fit_groups(pair["syntax0"], data, options["group"], group_equal=equal,
                               **kwargs))
        return ls.fit(pair["syntax1"], data, **kwargs), ls.fit(pair["syntax0"], data, **kwargs)


@lru_cache(maxsize=None)
def _test(name: str):
    fit1, fit0 = _fits(name)
    return ls.compare(fit1, fit0, method="satorra.2000").tests[0]


@pytest.mark.parametrize("name", PAIRS)
def test_the_fits_are_lavaans(name):
    """Both models' chi-square (1e-6) and scaling factor (1e-5: observed 1.6e-6 on pd_path,
    whose lavaan fit stops at a gradient of 1.8e-7), as lavaan's BFGS fits."""
    tight = _reference()["pairs"][name]["tight"]
    fit1, fit0 = _fits(name)
    for fit, n in ((fit1, "1"), (fit0, "0")):
        np.testing.assert_allclose(fit.fit_indices["chisq"], tight[f"chisq{n}"], rtol=1e-6)
        assert int(fit.fit_indices["df"]) == tight[f"df{n}"]
        np.testing.assert_allclose(fit.fit_indices["scaling_factor"], tight[f"scaling{n}"],
                                   rtol=1e-5)


@pytest.mark.parametrize("name", PAIRS)
def test_scaled_shifted_difference_matches_tightly_converged_lavaan(name):
    """lavTestLRT(method = "satorra.2000"): statistic, df and p-value (module notes)."""
    tight = _reference()["pairs"][name]["tight"]
    test = _test(name)
    assert test.reason == "" and test.name == "satorra.2000"
    assert test.df == tight["lrt"]["df_diff"]
    np.testing.assert_allclose(test.statistic, tight["lrt"]["chisq_diff"], rtol=1e-6)
    np.testing.assert_allclose(test.pvalue, tight["lrt"]["pvalue"], rtol=1e-6)


@pytest.mark.parametrize("name", PAIRS)
def test_traces_match_tightly_converged_lavaan(name):
    """tr(U_d Gamma), tr((U_d Gamma)^2) (lav_test_diff_Satorra2000) and cd, 1e-6."""
    tight = _reference()["pairs"][name]["tight"]
    fit1, fit0 = _fits(name)
    traces = satorra_2000_traces(fit1.core, fit0.core, int(tight["lrt"]["df_diff"]),
                                 fit1.estimator)
    np.testing.assert_allclose(traces.trace, tight["shifted"]["trace.UGamma"], rtol=1e-6)
    np.testing.assert_allclose(traces.trace_squared, tight["shifted"]["trace.UGamma2"],
                               rtol=1e-6)
    np.testing.assert_allclose(_test(name).scaling_factor, tight["scaled"]["scaling.factor"],
                               rtol=1e-6)
    np.testing.assert_allclose(traces.scaled_shifted(_test(name).unscaled),
                               tight["shifted"]["T.delta"], rtol=1e-6)


@pytest.mark.parametrize("name", PAIRS)
def test_against_lavaans_default_fits(name):
    """lavaan's default (nlminb) fits: statistic 1e-5, p-value 5e-5 relative."""
    pair = _reference()["pairs"][name]
    test = _test(name)
    np.testing.assert_allclose(test.statistic, pair["lrt"]["chisq_diff"], rtol=1e-5)
    np.testing.assert_allclose(test.pvalue, pair["lrt"]["pvalue"], rtol=5e-5)
