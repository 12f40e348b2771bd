"""Fitting from summary statistics (lavaan's sample.cov / sample.nobs / sample.mean).

References: tests/reference/core/summary_*.json (make_core_summary_reference.R, lavaan
0.6-14). Tolerances: estimates 1e-5 relative or 1e-4 of lavaan's SE (observed max
1.3e-5 absolute on the ECSI correlation input, where lavaan's own gradient is ~1e-6),
SEs 5e-5 relative (observed 6e-6), fit measures 2e-6 relative (observed 6.7e-7);
multi-group estimates 5e-4 SE as in test_groups.py (observed 1.0e-4 SE on one residual
variance: lavaan's multi-group optimizer stops at a gradient ~1e-5) and fit measures
5e-5 (observed 3.6e-6 on rmr, for the same reason).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.arguments import ArgumentError
from loyaltysem.exceptions import DataError
from loyaltysem.groups import fit_groups

from core_reference import load, merged_estimates

SINGLE = ["summary_hs_cfa", "summary_poldem", "summary_hs_cfa_means", "summary_poldem_means",
          "summary_hs_cfa_rescale_false", "summary_mobi_cor_sd"]
GROUPS = {"summary_hs_school_configural": (), "summary_hs_school_metric": ("loadings",)}


_reference = load


def _matrix(block: dict) -> pd.DataFrame:
    return pd.DataFrame(block["values"], index=block["names"], columns=block["col_names"])


def _vector(block: dict) -> pd.Series:
    return pd.Series(block["values"], index=block["names"])


def _fit_single(case: str):
    reference = _reference(case)
    data = reference["summary_data"]
    spec = ls.ModelSpec.from_lavaan(reference["syntax"])
    means = _vector(data["sample_mean"]) if "sample_mean" in data else None
    return ls.fit(spec, sample_cov=_matrix(data["sample_cov"]), nobs=int(data["sample_nobs"]),
                  sample_mean=means, sample_cov_rescale="rescale_false" not in case,
                  emit_warnings=False), reference


def _compare(result_estimates: pd.DataFrame, fit_indices: pd.Series, reference: dict,
             se_fraction: float = 1e-4, fit_rtol: float = 2e-6) -> int:
    merged = merged_estimates(result_estimates, reference)
    allowed = np.maximum(1e-5 * merged["est_lavaan"].abs() + 1e-8,
                         se_fraction * merged["se_lavaan"])
    assert (np.abs(merged["est"] - merged["est_lavaan"]) <= allowed).all()
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], rtol=5e-5, atol=1e-8)
    compared = 0
    for name, value in reference["fit"].items():
        key = {"logl": "loglik", "unrestricted.logl": "unrestricted_loglik"}.get(
            name, name.replace(".", "_"))
        if value is None or key not in fit_indices.index:
            continue
        assert float(fit_indices[key]) == pytest.approx(value, rel=fit_rtol, abs=1e-8), name
        compared += 1
    return compared


@pytest.mark.parametrize("case", SINGLE)
def test_single_group_summary_fit_matches_lavaan(case):
    result, reference = _fit_single(case)
    assert _compare(result.estimates, result.fit_indices, reference) >= 40
    assert result.nobs == reference["ntotal"]
    assert any("summary statistics" in w for w in result.warnings)


def test_correlations_and_sds_give_the_covariance_fit():
    reference = _reference("summary_mobi_cor_sd")
    data = reference["summary_data"]
    cor = _matrix(data["cor"])
    sd = _vector(data["sd"])
    spec = ls.ModelSpec.from_lavaan(reference["syntax"])
    result = ls.fit(spec, sample_cor=cor, sample_sd=sd, nobs=int(data["sample_nobs"]),
                    emit_warnings=False)
    assert result.fit_indices["chisq"] == pytest.approx(reference["fit"]["chisq"], rel=2e-6)


@pytest.mark.parametrize("case", list(GROUPS))
def test_multigroup_summary_fit_matches_lavaan(case):
    reference = _reference(case)
    per_group = reference["summary_data"]["per_group"]
    result = fit_groups(
        ls.ModelSpec.from_lavaan(reference["syntax"]),
        sample_cov={g: _matrix(v["sample_cov"]) for g, v in per_group.items()},
        nobs={g: int(v["sample_nobs"]) for g, v in per_group.items()},
        sample_mean={g: _vector(v["sample_mean"]) for g, v in per_group.items()},
        group_equal=GROUPS[case], emit_warnings=False)
    assert _compare(result.estimates, result.fit_indices, reference, se_fraction=5e-4,
                    fit_rtol=5e-5) >= 40
    assert list(result.groups) == reference["group_labels"]


def _cov() -> pd.DataFrame:
    data = ls.load_dataset("holzinger_swineford")[[f"x{i}" for i in range(1, 10)]]
    return data.cov()


@pytest.mark.parametrize("change,message", [
    (lambda c: c.rename(index={"x1": "x.1"}, columns={"x1": "x.1"}), "x_1"),
    (lambda c: c.assign(x1=c["x1"] + 0.5), "not symmetric"),
    (lambda c: c.drop(columns="x9"), "square"),
    (lambda c: c.mask(c > 1.2, np.nan), "missing or infinite"),
    (lambda c: c * 0 + 1.0, "not positive definite"),
])
def test_bad_matrices_are_refused_with_what_is_wrong(change, message):
    with pytest.raises(DataError, match=message):
        ls.fit("models/hs_cfa.lav", sample_cov=change(_cov()), nobs=301)


def test_summary_arguments_are_checked():
    with pytest.raises(DataError, match="nobs must exceed"):
        ls.fit("models/hs_cfa.lav", sample_cov=_cov(), nobs=5)
    with pytest.raises(DataError, match="integer"):
        ls.fit("models/hs_cfa.lav", sample_cov=_cov(), nobs=301.5)
    with pytest.raises(DataError, match="needs the cases"):
        ls.fit("models/hs_cfa.lav", sample_cov=_cov(), nobs=301, estimator="MLR")
    with pytest.raises(ArgumentError, match="not both"):
        ls.fit("models/hs_cfa.lav", "holzinger_swineford", sample_cov=_cov(), nobs=301)
    with pytest.raises(DataError, match="no row for the model variable"):
        ls.fit("models/hs_cfa.lav", sample_cov=_cov().drop(index="x9", columns="x9"), nobs=301)
    cov = _cov()
    sd = np.sqrt(np.diag(cov))
    with pytest.raises(DataError, match="needs the SDs"):
        ls.fit("models/hs_cfa.lav", sample_cor=cov / np.outer(sd, sd), nobs=301)
    for bad in ("false", 0, None):  # a bool, not something that looks like one
        with pytest.raises(ArgumentError, match="sample_cov_rescale"):
            ls.fit("models/hs_cfa.lav", sample_cov=_cov(), nobs=301, sample_cov_rescale=bad)
        with pytest.raises(ArgumentError, match="sample_cov_rescale"):
            fit_groups("models/hs_cfa.lav", group="school", sample_cov={"a": _cov(), "b": _cov()},
                       nobs={"a": 150, "b": 151}, sample_cov_rescale=bad)


def test_summary_fit_equals_the_raw_data_fit():
    data = ls.load_dataset("holzinger_swineford")
    raw = ls.fit("models/hs_cfa.lav", data, emit_warnings=False)
    summary = ls.fit("models/hs_cfa.lav", sample_cov=_cov(), nobs=len(data), emit_warnings=False)
    assert summary.fit_indices["chisq"] == pytest.approx(raw.fit_indices["chisq"], rel=1e-10)
    # both optimisations stop at max |gradient| < 1e-9: SEs agree to ~1e-7 (observed 1.2e-7)
    np.testing.assert_allclose(summary.estimates["se"], raw.estimates["se"], rtol=1e-6)
    assert not math.isnan(float(summary.fit_indices["srmr"]))
